/**
 * The shortcuts of the per-frame path give the answers of the general path they skip:
 * the byte-level frame parser (frames.ts) agrees with `parseFrame` on every frame it accepts
 * and leaves the rest to it; the one-schema validation fast path is covered by the event
 * specs, which go through the same `validateEvent`. Also: message ids in Node-RED's form,
 * the shaped event copy under a polluted Object.prototype, and the position record that
 * writes once per turn at each edge.
 */
import { strict as assert } from 'node:assert';
import { copyEvent } from '../../nodes/lib/event-copy';
import type { AylaEvent } from '../../nodes/lib/events';
import { encodeFrame, FrameError, parseEventFrameBytes, parseFrame } from '../../nodes/lib/frames';
import { StreamPositions } from '../../nodes/lib/hub/stream-positions';
import { newMessageId } from '../../nodes/lib/messages';
import { MemoryPositionStore } from '../../nodes/lib/position-file';
import { HOSTILE_CASES } from '../fixtures/hostile-frames';
import { datapointFrame } from '../support/stream-test-kit';

/** What `parseFrame` makes of a text, errors included, in a comparable form. */
function general(text: string): unknown {
  try {
    return parseFrame(text);
  } catch (error) {
    return error instanceof FrameError ? { error: error.code } : { thrown: String(error) };
  }
}

describe('parseEventFrameBytes', () => {
  const frames: string[] = [
    datapointFrame(1),
    datapointFrame(2, 'Außentemperatur 3 °C | ok 🙂'),
    encodeFrame(' {"seq":"1"} '),
    encodeFrame('[]'),
    encodeFrame('"text"'),
    '1|Z',
    '1|X',
    '01|Z',
    '2|{}',
    '002|{}',
    '3|{}',
    '|{}',
    '12345678901|{}',
    'x|{}',
    '5|{"a"',
    '',
    '0|',
    `${Buffer.byteLength('{"é":1}')}|{"é":1}`,
    `${'{"é":1}'.length}|{"é":1}`,
    ...HOSTILE_CASES.filter((hostile) => !hostile.closesSocket).map((hostile) => hostile.frame(7)),
  ];

  it('accepts only what parseFrame accepts as an event without a LEN mismatch, with the same payload and data', () => {
    let fast = 0;
    for (const text of frames) {
      const bytes = Buffer.from(text, 'utf8');
      const result = parseEventFrameBytes(bytes);
      const expected = general(text) as { kind?: string; json?: string; data?: unknown; lengthMismatch?: unknown };
      if (result === null) continue;
      fast++;
      assert.equal(expected.kind, 'event', `fast path took ${JSON.stringify(text.slice(0, 40))}`);
      assert.equal(expected.lengthMismatch, undefined);
      assert.equal(result.json, expected.json);
      // The same text parsed by the same JSON.parse; compared deeply where the comparison itself fits the stack.
      if (result.json.length < 2000) assert.deepEqual(result.data, expected.data);
    }
    assert.ok(fast >= 5, `the usual frames take the fast path (${fast})`);
  });

  it('leaves frames above maxBytes to the general path', () => {
    const bytes = Buffer.from(datapointFrame(1));
    assert.notEqual(parseEventFrameBytes(bytes, bytes.length), null);
    assert.equal(parseEventFrameBytes(bytes, bytes.length - 1), null);
  });
});

describe('newMessageId', () => {
  it('makes 16 lowercase hex digits, as Node-RED does, different every time', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const id = newMessageId();
      assert.match(id, /^[0-9a-f]{16}$/);
      ids.add(id);
    }
    assert.equal(ids.size, 10_000);
  });
});

describe('copyEvent under a polluted Object.prototype', () => {
  it('copies own keys only and stays deep-equal', () => {
    const event = JSON.parse(datapointFrame(3).slice(datapointFrame(3).indexOf('|') + 1)) as AylaEvent;
    Object.defineProperty(Object.prototype, 'polluted', { value: { x: 1 }, enumerable: true, configurable: true });
    try {
      const copy = copyEvent(event);
      assert.deepEqual(copy, event);
      assert.equal(Object.prototype.hasOwnProperty.call(copy, 'polluted'), false);
      assert.equal(Object.prototype.hasOwnProperty.call(copy.metadata, 'polluted'), false);
      assert.notEqual(copy.metadata, event.metadata);
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
  });
});

describe('StreamPositions.record', () => {
  it('writes the first event of a turn at once and the turn\'s latest once behind it', async () => {
    const store = new MemoryPositionStore();
    let sets = 0;
    const counting = { get: (key: string) => store.get(key), set: (key: string, value: object) => (sets++, store.set(key, value)), delete: (key: string) => store.delete(key) };
    const positions = new StreamPositions(counting, 'key:a', false);
    positions.record(1);
    assert.deepEqual(store.get('key:a'), { seq: 1 });
    for (let seq = 2; seq <= 100; seq++) positions.record(seq);
    assert.deepEqual(store.get('key:a'), { seq: 1 }, 'the rest of the turn waits');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(store.get('key:a'), { seq: 100 });
    assert.equal(sets, 2);
  });

  it('flush() writes the pending seq now; forget() and a new subscription drop it', () => {
    const store = new MemoryPositionStore();
    const positions = new StreamPositions(store, 'scope:sub', true);
    positions.bind(7);
    positions.record(1);
    positions.record(2);
    positions.flush();
    assert.deepEqual(store.get('scope:sub'), { subscriptionId: 7, seq: 2 });
    positions.record(3);
    assert.equal(positions.bind(8), true);
    positions.flush();
    assert.deepEqual(store.get('scope:sub'), { subscriptionId: 8 }, 'a seq of the old subscription is not written to the new one');
    positions.record(4);
    positions.forget();
    positions.flush();
    assert.equal(store.get('scope:sub'), null);
  });
});
