/**
 * Per-listener copies of an event and its normalised form, so that one flow changing its
 * `msg` cannot change what another node's flow sees.
 */
import type { AylaEvent } from './events';
import type { NormalisedEvent } from './normalise';

/** A deep copy of a raw event. */
export function copyEvent(event: AylaEvent): AylaEvent {
  return structuredClone(event);
}

/** A deep copy of a normalised event. */
export function copyNormalised(normalised: NormalisedEvent): NormalisedEvent {
  return structuredClone(normalised);
}
