// Fuzz: events built from the fixtures (docs/protocol.md §6) with seq values of any shape,
// unknown extra fields anywhere, and values of any depth, through validateEvent and
// normaliseEvent. Validation accepts exactly what the protocol allows; normalise never throws
// and flags what it cannot convert.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { EventValidationError, validateEvent, type AylaEvent } from '../../nodes/lib/events';
import { MAX_VALUE_DEPTH, normaliseEvent, type NormalisedDatapoint, type NormalisedDatapointAck, type NormalisedLocation } from '../../nodes/lib/normalise';
import { assertIndependentCopy } from '../fixtures/deep-json';
import { fixtureEvent } from '../fixtures/events';
import { anyJsonValue, extraField, fixtureName, seqIsValid, seqValue } from './support/arbitraries';
import { checkProperty } from './support/fuzz-config';

type JsonRecord = Record<string, unknown>;

const BODY_KEYS = ['connection', 'datapointack', 'datapoint', 'location_event', 'registration_event'];

/** The body object of an event, wherever its type keeps it (datapointack may use either key). */
function bodyOf(event: JsonRecord): JsonRecord {
  const key = BODY_KEYS.find((candidate) => event[candidate] !== null && typeof event[candidate] === 'object');
  assert.ok(key, 'fixture without a body');
  return event[key] as JsonRecord;
}

/** Adds a field as own data (also `__proto__`), never replacing a field the fixture has. */
function addField(target: JsonRecord, key: string, value: unknown): void {
  if (Object.prototype.hasOwnProperty.call(target, key)) return;
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** True when JSON data nests deeper than `limit` levels (iterative). */
function deeperThan(value: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return false;
}

/** The event, or the EventValidationError it was rejected with (nothing else may leave validateEvent). */
function validated(data: unknown): AylaEvent | EventValidationError {
  try {
    return validateEvent(data);
  } catch (error) {
    if (!(error instanceof EventValidationError)) throw error;
    return error;
  }
}

describe('fuzz: events', function () {
  this.timeout(60_000);

  it('seq of any shape: accepted exactly when it is a decimal integer of at most 15 digits', () => {
    checkProperty(
      'seq shapes',
      fc.property(fixtureName, seqValue, (name, seq) => {
        const data = fixtureEvent(name) as JsonRecord;
        data.seq = seq;
        const event = validated(data);
        assert.equal(!(event instanceof EventValidationError), seqIsValid(seq), `seq ${JSON.stringify(seq)}`);
        if (event instanceof EventValidationError) {
          assert.equal(event.path, '/seq');
          return;
        }
        const normalised = normaliseEvent(event);
        assert.ok(Number.isSafeInteger(normalised.seq) && normalised.seq >= 0);
        assert.equal(normalised.seq, Number(seq));
      }),
      2000,
    );
  });

  it('every valid fixture survives unknown extra fields anywhere, and normalises the same', () => {
    checkProperty(
      'unknown extra fields',
      fc.property(fixtureName, fc.array(extraField, { minLength: 1, maxLength: 5 }), (name, extras) => {
        const expected = normaliseEvent(validateEvent(fixtureEvent(name)));
        const data = fixtureEvent(name) as JsonRecord;
        for (const { where, key, value } of extras) {
          const target = where === 'envelope' ? data : where === 'metadata' ? (data.metadata as JsonRecord) : bodyOf(data);
          addField(target, key, value);
        }
        const event = validateEvent(data);
        assert.deepEqual(normaliseEvent(event), expected);
        assert.equal(({} as JsonRecord).polluted, undefined);
      }),
      400,
    );
  });

  it('a datapoint value of any JSON and any base type: normalise never throws, flags what it cannot convert', () => {
    checkProperty(
      'datapoint values',
      fc.property(
        fc.constantFrom('datapoint', 'datapointack'),
        fc.oneof(fc.constantFrom('boolean', 'integer', 'decimal', 'string', 'message', 'file', null), fc.string({ maxLength: 8 })),
        anyJsonValue,
        (type, baseType, value) => {
          const data = fixtureEvent(type) as { metadata: JsonRecord; datapoint: JsonRecord };
          data.metadata.base_type = baseType;
          data.datapoint.value = value;
          const normalised = normaliseEvent(validateEvent(data)) as NormalisedDatapoint;
          assertIndependentCopy(value, normalised.rawValue, 'rawValue');
          const isContainer = value !== null && typeof value === 'object';
          if (isContainer) assert.ok(normalised.valueError !== undefined, 'an object or array value is always flagged');
          if (normalised.valueError === undefined) assert.ok(normalised.value === null || typeof normalised.value !== 'object');
          if (isContainer && deeperThan(value, MAX_VALUE_DEPTH)) {
            assert.equal(normalised.value, null);
            assert.match(normalised.valueError ?? '', /nested deeper than/);
          } else if (isContainer) {
            assert.equal(normalised.value, JSON.stringify(value));
          }
          assert.ok((normalised.valueError ?? '').length < 200);
        },
      ),
      600,
    );
  });

  it('ack fields, body metadata and coordinates of any shape never make normalise throw', () => {
    checkProperty(
      'free-form fields',
      fc.property(
        fc.oneof(fc.integer(), fc.string({ maxLength: 6 }), fc.constant(null), anyJsonValue),
        anyJsonValue,
        fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), anyJsonValue, { maxKeys: 4 }), anyJsonValue),
        anyJsonValue,
        (ackStatus, ackMessage, metadata, coordinate) => {
        const ack = fixtureEvent('datapointack') as { datapoint: JsonRecord };
        ack.datapoint.ack_message = ackMessage;
        ack.datapoint.metadata = metadata;
        ack.datapoint.ack_status = ackStatus;
        const event = validated(ack);
        if (!(event instanceof EventValidationError)) {
          const normalised = normaliseEvent(event) as NormalisedDatapointAck;
          assert.equal(typeof normalised.ackSuccess, 'boolean');
          assertIndependentCopy(ackMessage, normalised.ackMessage, 'ackMessage');
        }
        // Coordinates normally pass the schema first; normalise must survive without it too.
        const location = fixtureEvent('location') as { location_event: JsonRecord };
        location.location_event.lat = coordinate;
        const normalised = normaliseEvent(location as unknown as AylaEvent) as NormalisedLocation;
        assert.equal(typeof normalised.lat, 'number');
        },
      ),
      300,
    );
  });
});
