import { strict as assert } from 'node:assert';
import {
  encodeFrame,
  excerptOf,
  FrameError,
  HEARTBEAT_FRAME,
  KEEPALIVE_FRAME,
  MAX_FRAME_BYTES,
  parseFrame,
  type FrameErrorCode,
  type LengthMismatch,
} from '../../nodes/lib/frames';
import { CodedError } from '../../nodes/lib/errors';
import { EXAMPLE_TYPES, fixtureText } from '../fixtures/events';

/** Catches the FrameError a call must throw (fails the test when nothing or something else is thrown). */
function frameErrorOf(run: () => unknown): FrameError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof FrameError, `expected a FrameError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a FrameError, nothing was thrown');
}

describe('frames', () => {
  describe('heartbeats and keep-alives', () => {
    const cases: Array<[string, string]> = [
      ['1|Z', 'heartbeat'],
      ['1|X', 'keepalive'],
      // LEN is a decimal number; leading zeros do not change its value.
      ['01|Z', 'heartbeat'],
      ['0001|X', 'keepalive'],
    ];
    for (const [frame, kind] of cases) {
      it(`${JSON.stringify(frame)} is a ${kind}`, () => {
        assert.deepEqual(parseFrame(frame), { kind });
      });
    }

    it('the exported constants are what they say', () => {
      assert.deepEqual(parseFrame(HEARTBEAT_FRAME), { kind: 'heartbeat' });
      assert.deepEqual(parseFrame(KEEPALIVE_FRAME), { kind: 'keepalive' });
    });
  });

  describe('event frames', () => {
    for (const type of EXAMPLE_TYPES) {
      it(`parses the docs/protocol.md §6 ${type} example framed with its byte length`, () => {
        const json = fixtureText(type);
        const frame = parseFrame(encodeFrame(json));
        assert.equal(frame.kind, 'event');
        if (frame.kind !== 'event') return;
        assert.equal(frame.json, json);
        assert.deepEqual(frame.data, JSON.parse(json));
      });
    }

    it('splits at the first "|" only: separators inside values are kept', () => {
      const json = fixtureText('oddities/datapoint-string-with-pipe');
      const frame = parseFrame(`${json.length}|${json}`);
      assert.equal(frame.kind, 'event');
      if (frame.kind !== 'event') return;
      assert.equal((frame.data as { datapoint: { value: string } }).datapoint.value, 'on|off');
    });

    // '{"v":"é"}' is 9 characters and 10 UTF-8 bytes; '{"v":"😀"}' is 9 code points,
    // 10 UTF-16 units and 12 bytes. Bytes are the rule, character counts are tolerated, and
    // any other LEN is advisory: the JSON is delivered and the disagreement reported.
    const lengthCases: Array<[string, number, boolean]> = [
      ['{"v":"é"}', 10, true],
      ['{"v":"é"}', 9, true],
      ['{"v":"é"}', 8, false],
      ['{"v":"é"}', 11, false],
      ['{"v":"😀"}', 12, true],
      ['{"v":"😀"}', 10, true],
      ['{"v":"😀"}', 9, true],
      ['{"v":"😀"}', 11, false],
      ['{"v":"😀"}', 8, false],
      ['{"v":"日本"}', 14, true],
      ['{"v":"日本"}', 10, true],
      ['{"v":"日本"}', 12, false],
    ];
    for (const [json, declared, agrees] of lengthCases) {
      it(`LEN ${declared} for ${json} is ${agrees ? 'accepted as it is' : 'delivered with a lengthMismatch'}`, () => {
        const parsed = parseFrame(`${declared}|${json}`);
        assert.equal(parsed.kind, 'event');
        if (parsed.kind !== 'event') return;
        assert.deepEqual(parsed.data, JSON.parse(json));
        if (agrees) {
          assert.equal('lengthMismatch' in parsed, false);
        } else {
          assert.deepEqual(parsed.lengthMismatch, {
            declared,
            declaredText: String(declared),
            bytes: Buffer.byteLength(json, 'utf8'),
            chars: [...json].length,
          } satisfies LengthMismatch);
        }
      });
    }

    it('hands valid JSON that is not an event to the validator instead of failing here', () => {
      const frame = parseFrame('1|5');
      assert.deepEqual(frame, { kind: 'event', json: '5', data: 5 });
    });

    it('keeps whitespace that LEN counts as part of the JSON text', () => {
      assert.deepEqual(parseFrame('3|{} '), { kind: 'event', json: '{} ', data: {} });
    });

    it('encodeFrame counts UTF-8 bytes', () => {
      assert.equal(encodeFrame('{"v":"😀"}'), '12|{"v":"😀"}');
      assert.equal(encodeFrame('{}'), '2|{}');
    });
  });

  describe('LEN is advisory (docs/protocol.md §5)', () => {
    it('delivers a §6 event whose LEN matches neither length, and says by how much', () => {
      const json = fixtureText('datapoint');
      const parsed = parseFrame(`5|${json}`);
      assert.equal(parsed.kind, 'event');
      if (parsed.kind !== 'event') return;
      assert.equal(parsed.json, json);
      assert.deepEqual(parsed.data, JSON.parse(json));
      assert.deepEqual(parsed.lengthMismatch, { declared: 5, declaredText: '5', bytes: json.length, chars: json.length });
    });

    it('delivers JSON behind a LEN that is not a decimal number (declared: null)', () => {
      const cases: Array<[string, string]> = [
        ['', '|{"seq":"1"}'],
        ['abc', 'abc|{"seq":"1"}'],
        [' 11 ', ' 11 |{"seq":"1"}'],
        ['-11', '-11|{"seq":"1"}'],
        ['99999999999', '99999999999|{"seq":"1"}'],
      ];
      for (const [declaredText, frame] of cases) {
        const parsed = parseFrame(frame);
        assert.equal(parsed.kind, 'event', frame);
        if (parsed.kind !== 'event') continue;
        assert.deepEqual(parsed.data, { seq: '1' });
        assert.deepEqual(parsed.lengthMismatch, { declared: null, declaredText, bytes: 11, chars: 11 }, frame);
      }
    });

    it('quotes only an excerpt of a long LEN', () => {
      const parsed = parseFrame(`${'x'.repeat(500)}|{}`);
      assert.equal(parsed.kind, 'event');
      if (parsed.kind === 'event') assert.equal(parsed.lengthMismatch?.declaredText, `${'x'.repeat(40)}…`);
    });

    it('answers a heartbeat or keep-alive whatever its LEN says', () => {
      assert.deepEqual(parseFrame('2|Z'), { kind: 'heartbeat', lengthMismatch: { declared: 2, declaredText: '2', bytes: 1, chars: 1 } });
      assert.deepEqual(parseFrame('0|X'), { kind: 'keepalive', lengthMismatch: { declared: 0, declaredText: '0', bytes: 1, chars: 1 } });
      assert.deepEqual(parseFrame('|Z'), { kind: 'heartbeat', lengthMismatch: { declared: null, declaredText: '', bytes: 1, chars: 1 } });
    });

    it('keeps whitespace around the JSON and reports that LEN did not count it', () => {
      const parsed = parseFrame('2|{} ');
      assert.equal(parsed.kind, 'event');
      if (parsed.kind === 'event') assert.deepEqual(parsed.lengthMismatch, { declared: 2, declaredText: '2', bytes: 3, chars: 3 });
    });
  });

  describe('malformed frames', () => {
    // Errors only where the frame is unusable whatever LEN says (see the frames.ts module comment).
    const cases: Array<[string, string, FrameErrorCode]> = [
      ['empty frame', '', 'EMPTY_FRAME'],
      ['separator and LEN, no payload', '0|', 'EMPTY_FRAME'],
      ['LEN 1 and no payload', '1|', 'EMPTY_FRAME'],
      ['bare heartbeat letter', 'Z', 'NO_SEPARATOR'],
      ['JSON without a frame header', '{"seq":"1"}', 'NO_SEPARATOR'],
      ['only a separator', '|', 'BAD_LENGTH'],
      ['letters as LEN, then no JSON', 'abc|{oops', 'BAD_LENGTH'],
      ['space before LEN, then a doubled letter', ' 1|ZZ', 'BAD_LENGTH'],
      ['non-ASCII digits as LEN, then no JSON', '١|Y', 'BAD_LENGTH'],
      ['LEN with 11 digits, then no JSON', '99999999999|{', 'BAD_LENGTH'],
      ['huge LEN, truncated JSON', '9999999999|{"a":', 'LENGTH_MISMATCH'],
      ['doubled heartbeat letter', '1|ZZ', 'LENGTH_MISMATCH'],
      ['heartbeat with a trailing newline', '1|Z\n', 'LENGTH_MISMATCH'],
      ['heartbeat with a trailing space', '1|Z ', 'LENGTH_MISMATCH'],
      ['unknown one-letter frame', '1|Y', 'BAD_JSON'],
      ['doubled letter with matching LEN', '2|ZZ', 'BAD_JSON'],
      ['truncated JSON with matching LEN', '5|{"a":', 'BAD_JSON'],
      ['truncated JSON, LEN of the whole', '12|{"seq":"1"', 'LENGTH_MISMATCH'],
      ['two frames glued together', '2|{}2|{}', 'LENGTH_MISMATCH'],
      ['single quotes are not JSON', "9|{'seq':1}", 'BAD_JSON'],
    ];
    for (const [name, frame, code] of cases) {
      it(`${name}: ${JSON.stringify(frame)} -> ${code}`, () => {
        const error = frameErrorOf(() => parseFrame(frame));
        assert.equal(error.code, code);
        assert.equal(error.name, 'FrameError');
        assert.ok(error.message.startsWith('malformed DSS frame ('), error.message);
        assert.ok(error.excerpt.length <= 41, `excerpt too long: ${error.excerpt.length}`);
      });
    }

    it('FrameError is a CodedError whose params carry the excerpt', () => {
      const error = frameErrorOf(() => parseFrame('no separator'));
      assert.ok(error instanceof CodedError);
      assert.deepEqual(error.params, { excerpt: 'no separator' });
    });

    it('refuses a frame above the default limit before parsing it', () => {
      const json = JSON.stringify({ seq: '1', pad: 'x'.repeat(MAX_FRAME_BYTES) });
      const error = frameErrorOf(() => parseFrame(encodeFrame(json)));
      assert.equal(error.code, 'FRAME_TOO_LARGE');
      assert.ok(error.message.length < 200, `message is ${error.message.length} characters`);
    });

    it('counts bytes, not characters, against maxBytes', () => {
      const json = '"éééé"'; // 6 characters, 10 bytes
      const frame = encodeFrame(json); // "10|" + 10 bytes = 13 bytes in 9 characters
      assert.equal(frameErrorOf(() => parseFrame(frame, { maxBytes: 12 })).code, 'FRAME_TOO_LARGE');
      assert.equal(parseFrame(frame, { maxBytes: 13 }).kind, 'event');
    });
  });

  describe('excerpts', () => {
    it('quote at most 40 characters of a long bad frame', () => {
      const secretTail = 'TAIL-THAT-MUST-NOT-APPEAR';
      const frame = `12|${'{"a":'.repeat(100)}${secretTail}`; // not JSON, and LEN disagrees
      const error = frameErrorOf(() => parseFrame(frame));
      assert.equal(error.code, 'LENGTH_MISMATCH');
      assert.equal(error.excerpt, `${frame.slice(0, 40)}…`);
      assert.ok(!error.message.includes(secretTail));
      assert.ok(error.message.length < 120, `message is ${error.message.length} characters`);
    });

    it('flatten control characters so a log line stays one line', () => {
      const excerpt = excerptOf('a\nb\r\tc\u0000d\u001b[31me\u2028f');
      assert.equal(excerpt, 'a b  c d [31me f');
      assert.ok([...excerpt].every((char) => char.charCodeAt(0) >= 0x20), 'a control character survived');
    });

    it('never end in half an emoji', () => {
      const text = `${'x'.repeat(39)}😀😀`;
      const excerpt = excerptOf(text);
      assert.equal(excerpt, `${'x'.repeat(39)}…`);
      assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(excerpt));
    });

    it('leave short text unchanged and unmarked', () => {
      assert.equal(excerptOf('1|ZZ'), '1|ZZ');
      assert.equal(excerptOf('x'.repeat(40)), 'x'.repeat(40));
      assert.equal(excerptOf('x'.repeat(41)), `${'x'.repeat(40)}…`);
    });
  });
});
