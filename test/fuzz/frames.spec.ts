// Fuzz: frames of any text or bytes through the whole pure pipeline. Nothing may leave it but
// FrameError and EventValidationError; LEN never decides whether JSON is delivered.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { MAX_VALUE_DEPTH, type NormalisedDatapoint } from '../../nodes/lib/normalise';
import { anyText, bytesAsText, deepJsonText, fixtureName, fixtureText, withLength } from './support/arbitraries';
import { checkProperty } from './support/fuzz-config';
import { assertListenerCopies, runPipeline } from './support/pipeline';

/** Whether LEN (the text before the first `|`) is one of the payload's lengths. */
function lengthAgrees(frame: string): boolean {
  const separator = frame.indexOf('|');
  const lengthText = frame.slice(0, separator);
  const payload = frame.slice(separator + 1);
  if (!/^[0-9]{1,10}$/.test(lengthText)) return false;
  const declared = Number(lengthText);
  return declared === Buffer.byteLength(payload, 'utf8') || declared === payload.length || declared === [...payload].length;
}

describe('fuzz: frames through the pipeline', function () {
  this.timeout(60_000);

  it('any text: only FrameError or EventValidationError, and lengthMismatch exactly when LEN disagrees', () => {
    checkProperty(
      'any text',
      fc.property(fc.oneof(anyText, anyText.map((text) => `1|${text}`), anyText.chain((text) => withLength(text))), (text) => {
        const outcome = runPipeline(text);
        if (outcome.kind === 'frame-error') return;
        const mismatch = outcome.frame.lengthMismatch;
        assert.equal(mismatch === undefined, lengthAgrees(text), `lengthMismatch ${JSON.stringify(mismatch)} for ${JSON.stringify(text)}`);
        if (mismatch) {
          const payload = text.slice(text.indexOf('|') + 1);
          assert.equal(mismatch.bytes, Buffer.byteLength(payload, 'utf8'));
          assert.ok(mismatch.declaredText.length <= 41);
        }
      }),
      3000,
    );
  });

  it('any bytes decoded as UTF-8, bare or behind a LEN', () => {
    checkProperty(
      'any bytes',
      fc.property(fc.oneof(bytesAsText, bytesAsText.chain((text) => withLength(text))), (text) => {
        runPipeline(text);
      }),
      1500,
    );
  });

  it('every fixture event is delivered whatever its LEN says (LEN is advisory)', () => {
    checkProperty(
      'fixtures behind any LEN',
      fc.property(fixtureName.chain((name) => withLength(fixtureText(name)).map((frame) => ({ name, frame }))), ({ name, frame }) => {
        const outcome = runPipeline(frame);
        assert.equal(outcome.kind, 'delivered', `${name} behind ${frame.slice(0, frame.indexOf('|') + 1)}`);
        if (outcome.kind !== 'delivered') return;
        assert.deepEqual(outcome.event, JSON.parse(fixtureText(name)));
        assert.equal(outcome.frame.lengthMismatch === undefined, lengthAgrees(frame));
      }),
      500,
    );
  });

  it('fixture frames cut anywhere: a documented outcome, never a crash', () => {
    checkProperty(
      'truncated fixtures',
      fc.property(fixtureName, fc.nat(), fc.boolean(), (name, cutAt, keepLength) => {
        const json = fixtureText(name);
        const cut = json.slice(0, cutAt % (json.length + 1));
        runPipeline(keepLength ? `${Buffer.byteLength(json)}|${cut}` : `${Buffer.byteLength(cut)}|${cut}`);
      }),
      1000,
    );
  });

  it('JSON of any depth, as a whole frame or inside a datapoint value, body metadata or envelope field', () => {
    checkProperty(
      'deep JSON',
      fc.property(deepJsonText, fc.constantFrom('frame', 'value', 'body-metadata', 'envelope'), ({ depth, text }, where) => {
        if (where === 'frame') {
          runPipeline(`${Buffer.byteLength(text)}|${text}`);
          return;
        }
        let json = fixtureText('datapoint');
        // Function replacers: the generated text may contain `$&` and other replacement patterns.
        if (where === 'value') json = json.replace('"value":0', () => `"value":${text}`);
        else if (where === 'body-metadata') json = json.replace('"metadata":{}', () => `"metadata":{"deep":${text}}`);
        else json = json.replace('"resource_tags":[]', () => `"resource_tags":[],"extra":${text}`);
        const outcome = runPipeline(`${Buffer.byteLength(json)}|${json}`);
        assert.equal(outcome.kind, 'delivered');
        if (outcome.kind !== 'delivered') return;
        const normalised = outcome.normalised as NormalisedDatapoint;
        if (where === 'value' && depth > MAX_VALUE_DEPTH) {
          assert.equal(normalised.value, null);
          assert.match(normalised.valueError ?? '', /nested deeper than/);
        }
        assertListenerCopies(outcome.normalised, outcome.event);
      }),
      150,
    );
  });
});
