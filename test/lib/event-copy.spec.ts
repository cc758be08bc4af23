import { strict as assert } from 'node:assert';
import { copyEvent, copyForListener, copyJsonData, copyNormalised, RECURSIVE_COPY_DEPTH } from '../../nodes/lib/event-copy';
import { validateEvent, type AylaEvent, type DatapointAckEvent, type DatapointEvent } from '../../nodes/lib/events';
import { normaliseEvent, type NormalisedDatapoint, type NormalisedDatapointAck } from '../../nodes/lib/normalise';
import { assertIndependentCopy, depthOf, innermost, nestedArrays, nestedObjectText, nestedObjects } from '../fixtures/deep-json';
import { EXAMPLE_TYPES, fixtureEvent, fixtureText, oddityNames } from '../fixtures/events';

const ALL_FIXTURES = [...EXAMPLE_TYPES, ...oddityNames()];

function load(name: string): AylaEvent {
  return validateEvent(fixtureEvent(name));
}

describe('event copies (one per extra listener)', () => {
  describe('every fixture event', () => {
    for (const name of ALL_FIXTURES) {
      it(`${name}: raw and normalised copies are deep-equal and share nothing`, () => {
        const event = load(name);
        const normalised = normaliseEvent(event);
        assertIndependentCopy(event, copyEvent(event), 'copyEvent');
        assertIndependentCopy(normalised, copyNormalised(normalised), 'copyNormalised');
        const both = copyForListener(normalised, event);
        assertIndependentCopy(event, both.raw, 'copyForListener raw');
        assertIndependentCopy(normalised, both.normalised, 'copyForListener normalised');
      });
    }
  });

  it('mutating a copy leaves the original and the other copies alone', () => {
    const event = load('datapointack') as DatapointAckEvent;
    const normalised = normaliseEvent(event) as NormalisedDatapointAck;
    const first = copyForListener(normalised, event);
    const second = copyForListener(normalised, event);
    first.raw.metadata.dsn = 'CHANGED';
    (first.raw.datapoint as { metadata: Record<string, unknown> }).metadata.added = true;
    first.normalised.metadata.added = true;
    first.normalised.value = 'changed';
    assert.equal(event.metadata.dsn, 'AC000W005606115');
    assert.deepEqual(event.datapoint?.metadata, {});
    assert.deepEqual(normalised.metadata, {});
    assert.equal(normalised.value, true);
    assert.equal(second.raw.metadata.dsn, 'AC000W005606115');
    assert.deepEqual(second.normalised.metadata, {});
  });

  it('keeps __proto__, constructor and prototype keys as own data, at every depth', () => {
    const event = load('oddities/datapoint-prototype-bait') as DatapointEvent;
    const copy = copyEvent(event);
    assertIndependentCopy(event, copy);
    const bodyMetadata = copy.datapoint.metadata as Record<string, unknown>;
    assert.ok(Object.prototype.hasOwnProperty.call(bodyMetadata, '__proto__'));
    assert.equal(Object.getPrototypeOf(bodyMetadata), Object.prototype);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);

    // Past RECURSIVE_COPY_DEPTH the iterative copy takes over: the same must hold there.
    const deep = JSON.parse(`${'{"next":'.repeat(RECURSIVE_COPY_DEPTH + 10)}{"__proto__":{"polluted":1},"leaf":1}${'}'.repeat(RECURSIVE_COPY_DEPTH + 10)}`) as Record<string, unknown>;
    const deepCopy = copyJsonData(deep);
    assertIndependentCopy(deep, deepCopy);
    const leaf = innermost(deepCopy);
    assert.ok(Object.prototype.hasOwnProperty.call(leaf, '__proto__'));
    assert.equal(Object.getPrototypeOf(leaf), Object.prototype);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  describe('deep data never throws (structuredClone does past ~2,000 levels)', () => {
    for (const levels of [RECURSIVE_COPY_DEPTH - 1, RECURSIVE_COPY_DEPTH, RECURSIVE_COPY_DEPTH + 1, 2_000, 10_000]) {
      it(`envelope metadata, body metadata and value ${levels} levels deep`, () => {
        const text = fixtureText('datapoint')
          .replace('"resource_tags":[]', `"resource_tags":[],"extra":${nestedObjectText(levels)}`)
          .replace('"metadata":{}}', `"metadata":${nestedObjectText(levels)}}`)
          .replace('"value":0', `"value":${JSON.stringify(nestedArrays(Math.min(levels, 50)))}`);
        const event = validateEvent(JSON.parse(text)) as DatapointEvent;
        (event.datapoint as { value: unknown }).value = nestedArrays(levels);
        const normalised = normaliseEvent(event) as NormalisedDatapoint;
        const copies = copyForListener(normalised, event);
        assertIndependentCopy(event, copies.raw, 'raw');
        assertIndependentCopy(normalised, copies.normalised, 'normalised');
        assert.equal(depthOf(copies.raw.metadata.extra), levels + 1);
        assert.equal(depthOf(copies.normalised.rawValue), levels);
        innermost(copies.normalised.metadata).leaf = 'changed';
        assert.equal(innermost(normalised.metadata).leaf, true);
      });
    }
  });

  it('copyJsonData returns scalars as they are and copies arrays of mixed content', () => {
    for (const scalar of [null, 0, -0, 1.5, '', 'text', true, false]) assert.ok(Object.is(copyJsonData(scalar), scalar));
    const mixed = [1, 'a', null, [2, [3, { b: [4] }]], { c: { d: null } }];
    assertIndependentCopy(mixed, copyJsonData(mixed));
    const wide = { list: Array.from({ length: 10_000 }, (_, i) => ({ i })) };
    assertIndependentCopy(wide, copyJsonData(wide));
  });

  it('copies every normalised event type', () => {
    for (const type of EXAMPLE_TYPES) {
      const normalised = normaliseEvent(load(type));
      const copy = copyNormalised(normalised);
      assertIndependentCopy(normalised, copy, type);
      assert.equal(copy.eventType, type);
    }
    const objects = nestedObjects(3);
    const ack = normaliseEvent(load('datapointack')) as NormalisedDatapointAck;
    ack.ackMessage = objects;
    ack.rawValue = { v: [1] };
    const copy = copyNormalised(ack);
    assertIndependentCopy(ack, copy);
  });
});
