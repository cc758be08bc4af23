import { strict as assert } from 'node:assert';
import {
  datapointBody,
  EVENT_SCHEMAS,
  EVENT_TYPES,
  EventValidationError,
  isEventType,
  validateEvent,
  type DatapointAckEvent,
  type DatapointEvent,
} from '../../nodes/lib/events';
import { EXAMPLE_TYPES, fixtureEvent, invalidEventCases, oddityNames } from '../fixtures/events';

/** Catches the EventValidationError a call must throw. */
function validationErrorOf(run: () => unknown): EventValidationError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof EventValidationError, `expected an EventValidationError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an EventValidationError, nothing was thrown');
}

describe('events', () => {
  it('has one schema per event type', () => {
    assert.deepEqual(Object.keys(EVENT_SCHEMAS).sort(), [...EVENT_TYPES].sort());
    assert.equal(isEventType('datapointack'), true);
    assert.equal(isEventType('toString'), false);
    assert.equal(isEventType(undefined), false);
  });

  describe('the verbatim examples of docs/protocol.md §6', () => {
    for (const type of EXAMPLE_TYPES) {
      it(`${type} validates, also when the stream expects ${type}`, () => {
        const data = fixtureEvent(type);
        assert.equal(validateEvent(data), data);
        assert.equal(validateEvent(data, type).metadata.event_type, type);
      });
    }
  });

  describe('documented oddities are accepted', () => {
    const names = oddityNames();
    it('there are fixtures for them', () => {
      assert.ok(names.length >= 14, `only ${names.length} oddity fixtures`);
    });
    for (const name of names) {
      it(name.replace('oddities/', ''), () => {
        const data = fixtureEvent(name);
        const event = validateEvent(data);
        assert.ok(isEventType(event.metadata.event_type));
      });
    }
  });

  describe('rejections name the failing path', () => {
    for (const { name, path, event, expectedType } of invalidEventCases()) {
      it(`${name} -> "${path}"`, () => {
        const error = validationErrorOf(() => validateEvent(event, expectedType));
        assert.equal(error.path, path);
        assert.equal(error.code, 'INVALID_EVENT');
        assert.equal(error.name, 'EventValidationError');
        assert.ok(error.message.includes(path === '' ? 'the event' : path), error.message);
      });
    }
  });

  describe('messages', () => {
    it('say what a datapointack body may be called', () => {
      const data = fixtureEvent('datapointack') as Record<string, unknown>;
      delete data.datapoint;
      const error = validationErrorOf(() => validateEvent(data));
      assert.match(error.message, /"datapoint" or "datapointack" body/);
    });

    it('name both types on an expectedType mismatch', () => {
      const error = validationErrorOf(() => validateEvent(fixtureEvent('location'), 'connectivity'));
      assert.match(error.message, /"location".*"connectivity"/);
    });

    it('list the event types for an unknown one, without echoing the input', () => {
      const data = fixtureEvent('connectivity') as { metadata: Record<string, unknown> };
      data.metadata.event_type = 'x'.repeat(5000);
      const error = validationErrorOf(() => validateEvent(data));
      assert.match(error.message, /connectivity, datapoint, datapointack, location, registration/);
      assert.ok(error.message.length < 200);
    });

    it('explain what a seq must look like', () => {
      const data = fixtureEvent('connectivity') as Record<string, unknown>;
      data.seq = 'abc';
      assert.match(validationErrorOf(() => validateEvent(data)).message, /decimal integer/);
    });
  });

  describe('reasons: keyword, expected and detail', () => {
    it('every rejection carries a keyword, what was expected and a short message', () => {
      for (const { name, path, event, expectedType } of invalidEventCases()) {
        const error = validationErrorOf(() => validateEvent(event, expectedType));
        assert.ok(error.keyword !== '', `${name}: no keyword`);
        assert.ok(error.expected !== '', `${name}: nothing expected`);
        assert.ok(error.message.endsWith(`(${error.keyword})`), `${name}: ${error.message}`);
        assert.ok(error.message.length <= 200, `${name}: ${error.message.length} characters`);
        assert.deepEqual(error.params, { path, keyword: error.keyword, expected: error.expected, detail: error.detail }, name);
        assert.ok(error.message.endsWith(`: ${error.detail}`), `${name}: ${error.message}`);
      }
    });

    it('a field of the wrong type: "/metadata/dsn: must be string (type)"', () => {
      const data = fixtureEvent('datapoint') as { metadata: Record<string, unknown> };
      data.metadata.dsn = 42;
      const error = validationErrorOf(() => validateEvent(data));
      assert.equal(error.message, 'invalid event: /metadata/dsn: must be string (type)');
      assert.deepEqual([error.path, error.keyword, error.expected, error.detail], ['/metadata/dsn', 'type', 'string', 'must be string (type)']);
    });

    it('a missing field names the property', () => {
      const data = fixtureEvent('datapoint') as { metadata: Record<string, unknown> };
      delete data.metadata.dsn;
      const error = validationErrorOf(() => validateEvent(data));
      assert.equal(error.message, "invalid event: /metadata/dsn: must have required property 'dsn' (required)");
      assert.deepEqual([error.path, error.keyword, error.expected], ['/metadata/dsn', 'required', 'dsn']);
    });

    it('metadata that is not an object says so (it used to say nothing after the path)', () => {
      const data = fixtureEvent('datapoint') as Record<string, unknown>;
      data.metadata = 'x';
      const error = validationErrorOf(() => validateEvent(data, 'datapoint'));
      assert.equal(error.detail, 'must be object (type)');
      assert.deepEqual(error.params, { path: '/metadata', keyword: 'type', expected: 'object', detail: 'must be object (type)' });
    });

    it('a nullable text field lists both types', () => {
      const data = fixtureEvent('datapoint') as { metadata: Record<string, unknown> };
      data.metadata.oem_model = 7;
      const error = validationErrorOf(() => validateEvent(data));
      assert.equal(error.message, 'invalid datapoint event: /metadata/oem_model: must be string or null (type)');
    });

    it('an empty string gives the minimum length', () => {
      const data = fixtureEvent('connectivity') as { connection: Record<string, unknown> };
      data.connection.status = '';
      const error = validationErrorOf(() => validateEvent(data));
      assert.equal(error.keyword, 'minLength');
      assert.equal(error.expected, 'at least 1 character');
      assert.equal(error.message, 'invalid connectivity event: /connection/status: must NOT have fewer than 1 characters (minLength)');
    });

    it('alternatives (anyOf) and lists (enum) give the allowed values', () => {
      const registration = fixtureEvent('registration') as { registration_event: Record<string, unknown> };
      registration.registration_event.registered = 'maybe';
      const anyOf = validationErrorOf(() => validateEvent(registration));
      assert.equal(anyOf.keyword, 'anyOf');
      assert.match(anyOf.expected, /true, false, 0, 1/);
      const unknownType = fixtureEvent('connectivity') as { metadata: Record<string, unknown> };
      unknownType.metadata.event_type = 'temperature';
      const enumError = validationErrorOf(() => validateEvent(unknownType));
      assert.equal(enumError.keyword, 'enum');
      assert.equal(enumError.expected, 'connectivity, datapoint, datapointack, location, registration');
      assert.ok(!enumError.message.includes('temperature'), 'the input is not echoed');
    });

    it('an event of another type than the stream carries names the expected one', () => {
      const error = validationErrorOf(() => validateEvent(fixtureEvent('location'), 'connectivity'));
      assert.deepEqual([error.keyword, error.expected], ['const', 'connectivity']);
    });

    it('a hand-made error (the stream client’s) still has a detail', () => {
      const error = new EventValidationError('invalid event: /seq is not a usable integer', '/seq');
      assert.equal(error.detail, 'is not a usable integer');
      assert.deepEqual(error.params, { path: '/seq', keyword: '', expected: '', detail: 'is not a usable integer' });
    });
  });

  describe('datapointBody', () => {
    it('reads the documented datapoint key', () => {
      const event = validateEvent(fixtureEvent('datapointack')) as DatapointAckEvent;
      assert.equal(datapointBody(event).ack_status, 200);
    });

    it('reads the datapointack key used by Ayla’s browser client', () => {
      const event = validateEvent(fixtureEvent('oddities/datapointack-body-under-datapointack')) as DatapointAckEvent;
      assert.equal(datapointBody(event).ack_id, '160c8c90-bfe4-11e8-87f4-8d732085e587');
    });

    it('prefers datapointack over datapoint on an ack event', () => {
      const data = fixtureEvent('datapointack') as Record<string, Record<string, unknown>>;
      data.datapointack = { ...data.datapoint, value: 42 };
      const event = validateEvent(data) as DatapointAckEvent;
      assert.equal(datapointBody(event).value, 42);
    });

    it('ignores a stray datapointack key on a plain datapoint event', () => {
      const data = fixtureEvent('datapoint') as Record<string, unknown>;
      data.datapointack = { value: 'stray' };
      const event = validateEvent(data) as DatapointEvent;
      assert.equal(datapointBody(event).value, 0);
    });
  });

  it('accepts a numeric seq and the largest 15-digit string', () => {
    const data = fixtureEvent('connectivity') as Record<string, unknown>;
    data.seq = 0;
    assert.doesNotThrow(() => validateEvent(data));
    data.seq = '999999999999999';
    assert.doesNotThrow(() => validateEvent(data));
    data.seq = 1.5;
    assert.equal(validationErrorOf(() => validateEvent(data)).path, '/seq');
  });

  it('accepts an absent or null resource_tags but not a string one', () => {
    const data = fixtureEvent('connectivity') as { metadata: Record<string, unknown> };
    data.metadata.resource_tags = null;
    assert.doesNotThrow(() => validateEvent(data));
    data.metadata.resource_tags = 'tag';
    assert.equal(validationErrorOf(() => validateEvent(data)).path, '/metadata/resource_tags');
  });
});
