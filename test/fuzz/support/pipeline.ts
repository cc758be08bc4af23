/**
 * The pure per-frame pipeline a stream runs (frame → parseFrame → validateEvent →
 * normaliseEvent → filter predicate → per-listener copies), with the one rule the fuzz suite
 * checks everywhere: nothing leaves it but the documented error classes.
 */
import { strict as assert } from 'node:assert';
import { copyForListener } from '../../../nodes/lib/event-copy';
import { EventValidationError, validateEvent, type AylaEvent } from '../../../nodes/lib/events';
import { FrameError, parseFrame, type Frame } from '../../../nodes/lib/frames';
import { normaliseEvent, type NormalisedEvent } from '../../../nodes/lib/normalise';
import { payloadOf, topicOf } from '../../../nodes/lib/messages';
import { assertIndependentCopy } from '../../fixtures/deep-json';

/** Where one frame ended. */
export type PipelineOutcome =
  | { kind: 'frame-error'; error: FrameError }
  | { kind: 'heartbeat' | 'keepalive'; frame: Frame }
  | { kind: 'invalid-event'; error: EventValidationError; frame: Frame }
  | { kind: 'delivered'; frame: Frame; event: AylaEvent; normalised: NormalisedEvent };

/** Throws `error` again unless it is one of `classes`: anything else is a bug the fuzzer found. */
function onlyDocumented(error: unknown, classes: Array<new (...args: never[]) => Error>, stage: string): void {
  if (classes.some((errorClass) => error instanceof errorClass)) return;
  throw new assert.AssertionError({ message: `${stage} threw an undocumented error: ${String(error)}`, actual: error });
}

/**
 * Runs one frame through the pipeline. FrameError and EventValidationError are outcomes;
 * anything else thrown (a TypeError, a RangeError from deep data, …) fails the property.
 *
 * @param accept - a filter predicate to run on delivered events; it must return a boolean.
 */
export function runPipeline(text: string, accept?: (event: NormalisedEvent) => boolean): PipelineOutcome {
  let frame: Frame;
  try {
    frame = parseFrame(text);
  } catch (error) {
    onlyDocumented(error, [FrameError], 'parseFrame');
    const frameError = error as FrameError;
    assert.ok(frameError.excerpt.length <= 41, 'excerpt too long');
    assert.ok(frameError.message.length <= 200, 'frame error message too long');
    return { kind: 'frame-error', error: frameError };
  }
  if (frame.kind !== 'event') return { kind: frame.kind, frame };
  let event: AylaEvent;
  try {
    event = validateEvent(frame.data);
  } catch (error) {
    onlyDocumented(error, [EventValidationError], 'validateEvent');
    const invalid = error as EventValidationError;
    assert.ok(invalid.message.length <= 200, `validation message of ${invalid.message.length} characters`);
    return { kind: 'invalid-event', error: invalid, frame };
  }
  const normalised = normaliseEvent(event); // must never throw for a validated event
  topicOf(normalised);
  payloadOf(normalised);
  if (accept) assert.equal(typeof accept(normalised), 'boolean');
  return { kind: 'delivered', frame, event, normalised };
}

/** The copies a second listener would get must be deep-equal to the originals and share nothing. */
export function assertListenerCopies(normalised: NormalisedEvent, event: AylaEvent): void {
  const copies = copyForListener(normalised, event);
  assertIndependentCopy(event, copies.raw, 'raw copy');
  assertIndependentCopy(normalised, copies.normalised, 'normalised copy');
}
