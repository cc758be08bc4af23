// The hostile-frame corpus through the pure pipeline a stream runs per frame:
// parseFrame -> validateEvent -> normaliseEvent -> payloadOf. Each case must end in its
// documented outcome (a coded error or a delivered event), pollute nothing, and leave the
// pipeline able to take the next valid event.
import { strict as assert } from 'node:assert';
import { FrameError, parseFrame } from '../../nodes/lib/frames';
import { EventValidationError, validateEvent } from '../../nodes/lib/events';
import { normaliseEvent, type NormalisedDatapoint } from '../../nodes/lib/normalise';
import { payloadOf } from '../../nodes/lib/messages';
import { HOSTILE_CASES, HOSTILE_DSN, datapointEvent, framed } from '../fixtures/hostile-frames';

type Outcome =
  | { kind: 'frame-error'; error: FrameError }
  | { kind: 'invalid-event'; error: EventValidationError }
  | { kind: 'delivered'; normalised: NormalisedDatapoint; lengthMismatch: boolean };

function runPipeline(text: string): Outcome {
  let frame;
  try {
    frame = parseFrame(text);
  } catch (error) {
    assert.ok(error instanceof FrameError, `unexpected ${String(error)}`);
    return { kind: 'frame-error', error };
  }
  assert.equal(frame.kind, 'event');
  if (frame.kind !== 'event') throw new Error('unreachable');
  try {
    const event = validateEvent(frame.data, 'datapoint');
    const normalised = normaliseEvent(event) as NormalisedDatapoint;
    payloadOf(normalised);
    return { kind: 'delivered', normalised, lengthMismatch: frame.lengthMismatch !== undefined };
  } catch (error) {
    assert.ok(error instanceof EventValidationError, `unexpected ${String(error)}`);
    return { kind: 'invalid-event', error };
  }
}

describe('hostile frame corpus (pure pipeline)', () => {
  it('has at least 30 cases with distinct names', () => {
    assert.ok(HOSTILE_CASES.length >= 30);
    assert.equal(new Set(HOSTILE_CASES.map((c) => c.name)).size, HOSTILE_CASES.length);
  });

  HOSTILE_CASES.forEach((hostile, index) => {
    it(`${hostile.name}: ends as documented and the next event still arrives`, () => {
      const seq = 100 + index;
      const text = hostile.frame(seq);
      const outcome = runPipeline(text);
      const expect = hostile.expect;
      if ('frameError' in expect) {
        assert.equal(outcome.kind, 'frame-error');
        if (outcome.kind === 'frame-error') {
          assert.equal(outcome.error.code, expect.frameError);
          assert.ok(outcome.error.message.length < 200, 'error message quotes only an excerpt');
        }
      } else if ('invalidEvent' in expect) {
        assert.equal(outcome.kind, 'invalid-event');
        if (outcome.kind === 'invalid-event') {
          assert.equal(outcome.error.path, expect.invalidEvent);
          assert.ok(outcome.error.message.length < 300);
        }
      } else {
        assert.equal(outcome.kind, 'delivered');
        if (outcome.kind === 'delivered') {
          assert.equal(outcome.normalised.seq, seq);
          assert.equal(outcome.normalised.dsn, HOSTILE_DSN);
          assert.equal(outcome.normalised.valueError !== undefined, expect.valueFlagged === true);
          assert.equal(outcome.lengthMismatch, expect.lengthMismatch === true, 'lengthMismatch as documented');
          assert.notEqual(outcome.normalised.value, undefined, 'a value is never dropped');
        }
      }
      const probe: Record<string, unknown> = {};
      assert.equal(probe.polluted, undefined, 'Object.prototype was polluted');
      assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);

      const next = runPipeline(framed(JSON.stringify(datapointEvent(seq + 1))));
      assert.equal(next.kind, 'delivered');
      if (next.kind === 'delivered') assert.equal(next.normalised.value, true);
    });
  });
});
