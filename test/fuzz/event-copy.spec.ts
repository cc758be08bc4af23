// Fuzz: the per-listener copies (nodes/lib/event-copy.ts) of events with unknown fields and
// values of any depth are deep-equal to the originals and independent of them: mutating a copy
// at any depth never changes the original.
import fc from 'fast-check';
import { copyForListener, copyJsonData } from '../../nodes/lib/event-copy';
import { validateEvent } from '../../nodes/lib/events';
import { normaliseEvent } from '../../nodes/lib/normalise';
import { assertIndependentCopy } from '../fixtures/deep-json';
import { fixtureEvent } from '../fixtures/events';
import { anyJsonValue, extraField, fixtureName } from './support/arbitraries';
import { checkProperty } from './support/fuzz-config';

type JsonRecord = Record<string, unknown>;

/** Adds a key to every object and an item to every array of `root`, iteratively. */
function mutateEverywhere(root: unknown): void {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const current = pending.pop();
    if (current === null || typeof current !== 'object') continue;
    const children = Object.values(current);
    if (Array.isArray(current)) current.push('mutated');
    else Object.defineProperty(current, 'mutated', { value: true, enumerable: true, writable: true, configurable: true });
    for (const child of children) pending.push(child);
  }
}

describe('fuzz: per-listener copies', function () {
  this.timeout(60_000);

  it('copies of any event are deep-equal, share nothing, and mutating them leaves the original alone', () => {
    checkProperty(
      'event copies',
      fc.property(fixtureName, fc.array(extraField, { maxLength: 3 }), anyJsonValue, (name, extras, value) => {
        const data = fixtureEvent(name) as JsonRecord;
        for (const { key, value: extra } of extras) {
          if (!Object.prototype.hasOwnProperty.call(data.metadata, key)) {
            Object.defineProperty(data.metadata, key, { value: extra, enumerable: true, writable: true, configurable: true });
          }
        }
        if (data.datapoint !== null && typeof data.datapoint === 'object') (data.datapoint as JsonRecord).value = value;
        const event = validateEvent(data);
        const normalised = normaliseEvent(event);
        const reference = copyForListener(normalised, event);
        const copies = copyForListener(normalised, event);
        assertIndependentCopy(event, copies.raw, 'raw');
        assertIndependentCopy(normalised, copies.normalised, 'normalised');
        mutateEverywhere(copies.raw);
        mutateEverywhere(copies.normalised);
        // The originals still equal the untouched reference copies: nothing reached them.
        assertIndependentCopy(event, reference.raw, 'raw after mutating a copy');
        assertIndependentCopy(normalised, reference.normalised, 'normalised after mutating a copy');
      }),
      300,
    );
  });

  it('copyJsonData copies any JSON value, at any depth', () => {
    checkProperty(
      'JSON copies',
      fc.property(anyJsonValue, (value) => {
        assertIndependentCopy(value, copyJsonData(value));
      }),
      500,
    );
  });
});
