import { strict as assert } from 'node:assert';
import { validateEvent, type AylaEvent } from '../../nodes/lib/events';
import { convertValue, MAX_VALUE_DEPTH, normaliseEvent, type NormalisedConnectivity, type NormalisedDatapoint, type NormalisedDatapointAck, type NormalisedLocation, type NormalisedRegistration } from '../../nodes/lib/normalise';
import { payloadOf, topicOf } from '../../nodes/lib/messages';
import { depthOf, innermost, nestedArrays, nestedObjects } from '../fixtures/deep-json';
import { fixtureEvent, oddityNames } from '../fixtures/events';

function load(name: string): AylaEvent {
  return validateEvent(fixtureEvent(name));
}

/** A validated datapoint event with the given base type and value. */
function datapointWith(baseType: string | null, value: unknown, type: 'datapoint' | 'datapointack' = 'datapoint'): AylaEvent {
  const data = fixtureEvent(type) as { metadata: Record<string, unknown>; datapoint: Record<string, unknown> };
  data.metadata.base_type = baseType;
  data.datapoint.value = value;
  return validateEvent(data);
}

describe('normalise', () => {
  describe('the docs/protocol.md §6 examples', () => {
    it('connectivity', () => {
      const n = normaliseEvent(load('connectivity'));
      assert.deepEqual(n, {
        eventType: 'connectivity',
        seq: 1,
        dsn: 'AC000W000340649',
        oemModel: 'ledevb',
        oemId: '0dfc7900',
        status: 'Online',
        eventTime: '2018-09-24T10:26:37Z',
        userUuid: '00000000-0000-0000-0000-000000000000',
      } satisfies NormalisedConnectivity);
      assert.equal(topicOf(n), 'AC000W000340649');
      assert.equal(payloadOf(n), 'Online');
    });

    it('datapoint', () => {
      const n = normaliseEvent(load('datapoint'));
      assert.deepEqual(n, {
        eventType: 'datapoint',
        seq: 13,
        dsn: 'AC000W005606115',
        oemModel: 'linuxevb',
        oemId: '0dfc7900',
        property: 'Blue_LED',
        displayName: 'Blue_LED',
        baseType: 'boolean',
        value: false,
        rawValue: 0,
        datapointId: '1ff9b91c-bfe4-11e8-1261-67d251d3ec96',
        createdAt: '2018-09-24T10:25:14Z',
        updatedAt: '2018-09-24T10:25:14Z',
        createdAtFromDevice: null,
        echo: true,
        userUuid: '00000000-0000-0000-0000-000000000000',
        metadata: {},
      } satisfies NormalisedDatapoint);
      assert.equal(topicOf(n), 'AC000W005606115/Blue_LED');
      assert.equal(payloadOf(n), false);
    });

    it('datapointack', () => {
      const n = normaliseEvent(load('datapointack'));
      assert.deepEqual(n, {
        eventType: 'datapointack',
        seq: 2,
        dsn: 'AC000W005606115',
        oemModel: 'linuxevb',
        oemId: '0dfc7900',
        property: 'Blue_LED',
        displayName: 'Blue_LED',
        baseType: 'boolean',
        value: true,
        rawValue: 1,
        datapointId: '15af3cfc-bfe4-11e8-f2f0-9aab1d61f636',
        createdAt: '2018-09-24T10:24:57Z',
        updatedAt: '2018-09-24T10:24:57Z',
        createdAtFromDevice: null,
        echo: false,
        userUuid: '00000000-0000-0000-0000-000000000000',
        metadata: {},
        ackStatus: 200,
        ackSuccess: true,
        ackMessage: 0,
        ackId: '160c8c90-bfe4-11e8-87f4-8d732085e587',
        ackedAt: '2018-09-24T10:24:57Z',
      } satisfies NormalisedDatapointAck);
      assert.equal(topicOf(n), 'AC000W005606115/Blue_LED');
      assert.equal(payloadOf(n), true);
    });

    it('location, with the padding of lat trimmed', () => {
      const n = normaliseEvent(load('location'));
      assert.deepEqual(n, {
        eventType: 'location',
        seq: 1,
        dsn: 'AC000W000340779',
        oemModel: 'ledevb',
        oemId: '0dfc7900',
        lat: 44.7695,
        long: -69.4283,
        ip: '67.255.234.73',
        provider: 'ip-based',
        createdAt: '2018-09-24T11:04:07Z',
        userUuid: '00000000-0000-0000-0000-000000000000',
      } satisfies NormalisedLocation);
      assert.equal(topicOf(n), 'AC000W000340779');
      assert.deepEqual(payloadOf(n), { lat: 44.7695, long: -69.4283 });
    });

    it('registration', () => {
      const n = normaliseEvent(load('registration'));
      assert.deepEqual(n, {
        eventType: 'registration',
        seq: 1,
        dsn: 'AC000W000340649',
        oemModel: 'ledevb',
        oemId: '0dfc7900',
        registered: false,
        registrationType: 'AP-Mode',
        registeredAt: null,
        unregisteredAt: '2018-09-24T10:29:50Z',
        userUuid: null,
      } satisfies NormalisedRegistration);
      assert.equal(topicOf(n), 'AC000W000340649');
      assert.equal(payloadOf(n), false);
    });
  });

  describe('oddities', () => {
    it('every oddity fixture normalises without throwing', () => {
      for (const name of oddityNames()) {
        const n = normaliseEvent(load(name));
        assert.equal(typeof n.seq, 'number', name);
        assert.ok(Number.isInteger(n.seq), name);
      }
    });

    it('a datapointack body under "datapointack"', () => {
      const n = normaliseEvent(load('oddities/datapointack-body-under-datapointack')) as NormalisedDatapointAck;
      assert.equal(n.ackStatus, 200);
      assert.equal(n.value, true);
    });

    it('a failed ack with a string status', () => {
      const n = normaliseEvent(load('oddities/datapointack-failure-string-status')) as NormalisedDatapointAck;
      assert.equal(n.ackStatus, 500);
      assert.equal(n.ackSuccess, false);
      assert.equal(n.ackMessage, 'device refused');
    });

    it('a numeric seq and a new connectivity status', () => {
      const n = normaliseEvent(load('oddities/connectivity-offline-numeric-seq')) as NormalisedConnectivity;
      assert.equal(n.seq, 2);
      assert.equal((normaliseEvent(load('oddities/connectivity-pollingOnline')) as NormalisedConnectivity).status, 'pollingOnline');
    });

    it('missing oem fields become null', () => {
      const data = fixtureEvent('connectivity') as { metadata: Record<string, unknown> };
      delete data.metadata.oem_model;
      data.metadata.oem_id = null;
      const n = normaliseEvent(validateEvent(data));
      assert.equal(n.oemModel, null);
      assert.equal(n.oemId, null);
    });

    it('a registration with registered_at', () => {
      const n = normaliseEvent(load('oddities/registration-registered')) as NormalisedRegistration;
      assert.equal(n.registered, true);
      assert.equal(n.registrationType, 'Same-LAN');
      assert.equal(n.registeredAt, '2018-09-24T10:20:00Z');
      assert.equal(n.unregisteredAt, null);
    });

    for (const [raw, expected] of [
      ['1', true],
      ['0', false],
      [1, true],
      [0, false],
      ['true', true],
      ['false', false],
    ] as const) {
      it(`registered ${JSON.stringify(raw)} -> ${expected}`, () => {
        const data = fixtureEvent('registration') as { registration_event: Record<string, unknown> };
        data.registration_event.registered = raw;
        assert.equal((normaliseEvent(validateEvent(data)) as NormalisedRegistration).registered, expected);
      });
    }
  });

  describe('datapoint values by base type', () => {
    const conversions: Array<[string | null, unknown, unknown]> = [
      ['boolean', 0, false],
      ['boolean', 1, true],
      ['boolean', '0', false],
      ['boolean', '1', true],
      ['boolean', true, true],
      ['boolean', false, false],
      ['boolean', ' TRUE ', true],
      ['integer', 42, 42],
      ['integer', -7, -7],
      ['integer', '42', 42],
      ['integer', ' -7 ', -7],
      ['integer', '3.0', 3],
      ['integer', '1e3', 1000],
      ['decimal', 21.5, 21.5],
      ['decimal', '21.5', 21.5],
      ['decimal', '-0.25', -0.25],
      ['decimal', '.5', 0.5],
      ['decimal', 3, 3],
      ['string', 'hello', 'hello'],
      ['string', '', ''],
      ['string', 12, '12'],
      ['string', true, 'true'],
      ['message', '{"a":1}', '{"a":1}'],
      ['file', 'https://example.com/f.bin', 'https://example.com/f.bin'],
      ['string', null, null],
      ['integer', null, null],
      ['boolean', null, null],
      ['float', '1.5', '1.5'],
      ['float', 1.5, 1.5],
      [null, 'x', 'x'],
      [null, 7, 7],
    ];
    for (const [baseType, raw, expected] of conversions) {
      it(`${baseType} ${JSON.stringify(raw)} -> ${JSON.stringify(expected)}`, () => {
        const n = normaliseEvent(datapointWith(baseType, raw)) as NormalisedDatapoint;
        assert.equal(n.value, expected);
        assert.equal(n.rawValue, raw);
        assert.equal(n.valueError, undefined);
        assert.equal('valueError' in n, false);
      });
    }

    const failures: Array<[string | null, unknown, unknown, RegExp]> = [
      ['boolean', 2, 2, /not a boolean/],
      ['boolean', 'yes', 'yes', /"yes" is not a boolean/],
      ['boolean', '', '', /is not a boolean/],
      ['integer', 3.5, 3.5, /not an integer/],
      ['integer', '3.5', '3.5', /not an integer/],
      ['integer', 'abc', 'abc', /"abc" is not an integer/],
      ['integer', '', '', /not an integer/],
      ['integer', '0x10', '0x10', /not an integer/],
      ['integer', true, true, /not an integer/],
      ['integer', '12345678901234567890', '12345678901234567890', /safe range/],
      ['decimal', 'NaN', 'NaN', /not a decimal/],
      ['decimal', 'Infinity', 'Infinity', /not a decimal/],
      ['decimal', '1e999', '1e999', /not a decimal/],
      ['decimal', '1,5', '1,5', /not a decimal/],
      ['decimal', [1], '[1]', /not a decimal/],
      ['string', { a: 1 }, '{"a":1}', /not a string/],
      ['message', ['x'], '["x"]', /not a string/],
      [null, { a: 1 }, '{"a":1}', /not a single value/],
    ];
    for (const [baseType, raw, kept, reason] of failures) {
      it(`${baseType} ${JSON.stringify(raw)} keeps its raw form and is flagged`, () => {
        const n = normaliseEvent(datapointWith(baseType, raw)) as NormalisedDatapoint;
        assert.equal(n.value, kept);
        assert.deepEqual(n.rawValue, raw);
        assert.match(n.valueError ?? '', reason);
        assert.equal(payloadOf(n), kept);
      });
    }

    it('flags datapointack values the same way', () => {
      const n = normaliseEvent(datapointWith('integer', 'many', 'datapointack')) as NormalisedDatapointAck;
      assert.equal(n.value, 'many');
      assert.match(n.valueError ?? '', /not an integer/);
      assert.equal(n.ackSuccess, true);
    });

    it('quotes at most a short excerpt of a huge bad value', () => {
      const { error } = convertValue('x'.repeat(10_000), 'integer');
      assert.ok(error !== undefined && error.length < 100, error);
    });

    it('copies rawValue, so changing the output leaves the event alone', () => {
      const event = datapointWith('string', { nested: [1, 2] });
      const n = normaliseEvent(event) as NormalisedDatapoint;
      (n.rawValue as { nested: number[] }).nested.push(3);
      assert.deepEqual((event as unknown as { datapoint: { value: unknown } }).datapoint.value, { nested: [1, 2] });
    });
  });

  describe('deeply nested values (never a RangeError)', () => {
    for (const baseType of ['string', 'boolean', 'integer', 'decimal', 'file', null, 'something-new']) {
      it(`${String(baseType)}: a value 10,000 arrays deep is flagged and kept in rawValue`, () => {
        const n = normaliseEvent(datapointWith(baseType, nestedArrays(10_000))) as NormalisedDatapoint;
        assert.equal(n.value, null);
        assert.match(n.valueError ?? '', new RegExp(`nested deeper than ${MAX_VALUE_DEPTH} levels`));
        assert.equal(depthOf(n.rawValue), 10_000);
        assert.equal(payloadOf(n), null);
      });
    }

    it('convertValue flags it too, without converting', () => {
      const converted = convertValue(nestedArrays(MAX_VALUE_DEPTH + 1), 'string');
      assert.equal(converted.value, null);
      assert.match(converted.error ?? '', /nested deeper than/);
    });

    it(`a value exactly ${MAX_VALUE_DEPTH} levels deep is still rendered as JSON text`, () => {
      const converted = convertValue(nestedArrays(MAX_VALUE_DEPTH), 'string');
      assert.equal(converted.value, `${'['.repeat(MAX_VALUE_DEPTH)}1${']'.repeat(MAX_VALUE_DEPTH)}`);
      assert.match(converted.error ?? '', /is not a string/);
    });

    it('a deep datapointack ack_message and body metadata are copied whole and independent', () => {
      const data = fixtureEvent('datapointack') as { datapoint: Record<string, unknown> };
      data.datapoint.ack_message = nestedArrays(10_000);
      data.datapoint.metadata = nestedObjects(10_000);
      const event = validateEvent(data);
      const n = normaliseEvent(event) as NormalisedDatapointAck;
      assert.equal(depthOf(n.ackMessage), 10_000);
      assert.equal(depthOf(n.metadata), 10_001);
      innermost(n.metadata).leaf = 'changed';
      assert.equal(innermost(data.datapoint.metadata as Record<string, unknown>).leaf, true, 'copied to the last level, not shared');
    });

    it('a deep coordinate of a location event that bypassed validation is flagged', () => {
      const data = fixtureEvent('location') as { location_event: Record<string, unknown> };
      data.location_event.lat = nestedArrays(10_000);
      const n = normaliseEvent(data as unknown as AylaEvent) as NormalisedLocation;
      assert.ok(Number.isNaN(n.lat));
      assert.match(n.valueError ?? '', /lat a value nested deeper than/);
    });
  });

  describe('datapointack outcome', () => {
    for (const [status, success, expectedStatus] of [
      [200, true, 200],
      [204, true, 204],
      [299, true, 299],
      [300, false, 300],
      [199, false, 199],
      [404, false, 404],
      ['201', true, 201],
      ['ok', false, null],
      [null, false, null],
      [undefined, false, null],
    ] as const) {
      it(`ack_status ${JSON.stringify(status)} -> ackStatus ${expectedStatus}, ackSuccess ${success}`, () => {
        const data = fixtureEvent('datapointack') as { datapoint: Record<string, unknown> };
        if (status === undefined) delete data.datapoint.ack_status;
        else data.datapoint.ack_status = status;
        const n = normaliseEvent(validateEvent(data)) as NormalisedDatapointAck;
        assert.equal(n.ackStatus, expectedStatus);
        assert.equal(n.ackSuccess, success);
      });
    }

    it('missing ack fields become null', () => {
      const data = fixtureEvent('datapointack') as { datapoint: Record<string, unknown> };
      delete data.datapoint.ack_message;
      delete data.datapoint.ack_id;
      delete data.datapoint.acked_at;
      const n = normaliseEvent(validateEvent(data)) as NormalisedDatapointAck;
      assert.deepEqual([n.ackMessage, n.ackId, n.ackedAt], [null, null, null]);
    });
  });

  describe('location coordinates', () => {
    const cases: Array<[unknown, unknown, number, number, RegExp | null]> = [
      [' 44.769500', '-69.428300', 44.7695, -69.4283, null],
      ['-33.868800', ' 151.209300', -33.8688, 151.2093, null],
      ['  0.000000 ', '0', 0, 0, null],
      [12.5, -8, 12.5, -8, null],
      ['+1.5', '2', 1.5, 2, null],
      ['91.000000', '0', 91, 0, /lat 91 is outside ±90/],
      ['0', '-180.5', 0, -180.5, /long -180.5 is outside ±180/],
    ];
    for (const [lat, long, expectedLat, expectedLong, problem] of cases) {
      it(`${JSON.stringify(lat)}, ${JSON.stringify(long)} -> ${expectedLat}, ${expectedLong}${problem ? ' (flagged)' : ''}`, () => {
        const data = fixtureEvent('location') as { location_event: Record<string, unknown> };
        data.location_event.lat = lat;
        data.location_event.long = long;
        const n = normaliseEvent(validateEvent(data)) as NormalisedLocation;
        assert.equal(n.lat, expectedLat);
        assert.equal(n.long, expectedLong);
        if (problem) assert.match(n.valueError ?? '', problem);
        else assert.equal('valueError' in n, false);
      });
    }

    it('flags a coordinate that is not a number when validation was bypassed', () => {
      const data = fixtureEvent('location') as { location_event: Record<string, unknown> };
      data.location_event.lat = 'north';
      const n = normaliseEvent(data as unknown as AylaEvent) as NormalisedLocation;
      assert.ok(Number.isNaN(n.lat));
      assert.match(n.valueError ?? '', /lat "north" is not a number/);
    });
  });

  describe('prototype pollution', () => {
    afterEach(() => {
      // Belt and braces: a failing test must not leave a polluted prototype behind for others.
      for (const key of ['polluted']) delete (Object.prototype as Record<string, unknown>)[key];
    });

    it('__proto__, constructor and prototype keys in metadata and bodies change nothing', () => {
      const event = load('oddities/datapoint-prototype-bait');
      const n = normaliseEvent(event) as NormalisedDatapoint;

      assert.equal(({} as { polluted?: unknown }).polluted, undefined);
      assert.equal((Object.prototype as { polluted?: unknown }).polluted, undefined);
      assert.equal(Object.getPrototypeOf(n), Object.prototype);
      assert.equal((n as unknown as { polluted?: unknown }).polluted, undefined);

      // The cloud-supplied strings are plain data.
      assert.equal(n.property, 'constructor');
      assert.equal(n.displayName, 'prototype');
      assert.equal(n.value, '__proto__');
      assert.equal(topicOf(n), 'AC000W005606115/constructor');

      // Only the documented fields, nothing taken over from the input's extra keys.
      assert.deepEqual(Object.keys(n).sort(), [
        'baseType', 'createdAt', 'createdAtFromDevice', 'datapointId', 'displayName', 'dsn', 'echo', 'eventType',
        'metadata', 'oemId', 'oemModel', 'property', 'rawValue', 'seq', 'updatedAt', 'userUuid', 'value',
      ]);

      // The free-form body metadata keeps the keys as own data, with an ordinary prototype.
      const metadata = n.metadata;
      assert.equal(Object.getPrototypeOf(metadata), Object.prototype);
      assert.equal((metadata as { polluted?: unknown }).polluted, undefined);
      assert.deepEqual(Object.keys(metadata).sort(), ['__proto__', 'constructor', 'nested', 'prototype']);
      assert.deepEqual(Object.getOwnPropertyDescriptor(metadata, '__proto__')?.value, { polluted: 'bodymeta' });
      assert.equal(typeof metadata.constructor, 'object');
      const nested = metadata.nested as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(nested), Object.prototype);
      assert.equal((nested as { polluted?: unknown }).polluted, undefined);
      assert.ok(Object.prototype.hasOwnProperty.call(nested, '__proto__'));
    });

    it('copying the output the usual ways does not pollute either', () => {
      const n = normaliseEvent(load('oddities/datapoint-prototype-bait')) as NormalisedDatapoint;
      const spread = { ...n.metadata };
      const cloned = structuredClone(n.metadata);
      const viaJson = JSON.parse(JSON.stringify(n)) as NormalisedDatapoint;
      assert.equal(({} as { polluted?: unknown }).polluted, undefined);
      assert.equal((spread as { polluted?: unknown }).polluted, undefined);
      assert.equal((cloned as { polluted?: unknown }).polluted, undefined);
      assert.equal((viaJson.metadata as { polluted?: unknown }).polluted, undefined);
    });

    it('a body metadata that is not an object becomes an empty object', () => {
      const data = fixtureEvent('datapoint') as { datapoint: Record<string, unknown> };
      data.datapoint.metadata = null;
      const n = normaliseEvent(validateEvent(data)) as NormalisedDatapoint;
      assert.deepEqual(n.metadata, {});
    });

    it('deeply nested metadata is copied without running out of stack', () => {
      const data = fixtureEvent('datapoint') as { datapoint: Record<string, unknown> };
      data.datapoint.metadata = nestedObjects(10_000);
      const n = normaliseEvent(validateEvent(data)) as NormalisedDatapoint;
      assert.equal(depthOf(n.metadata), 10_001);
      assert.equal(n.valueError, undefined, 'deep metadata is not a value problem');
    });
  });

  it('refuses to normalise something that is not one of the five types', () => {
    const bogus = { seq: '1', metadata: { dsn: 'X', event_type: 'bogus' } } as unknown as AylaEvent;
    assert.throws(() => normaliseEvent(bogus), /cannot normalise an event of type "bogus"/);
  });
});
