/**
 * The pickers' search and paging (nodes/lib/device-lookup.ts): words matched in any case against
 * DSN, product name, OEM model and model, pages by limit and offset with the total of matches,
 * and the query read from a query string or a JSON body with its bounds.
 */
import { strict as assert } from 'node:assert';
import type { DeviceInfo } from '../../nodes/lib/device-records';
import { readLookupQuery, searchDevices, summariseProperties } from '../../nodes/lib/device-lookup';
import { CodedError } from '../../nodes/lib/errors';

function device(dsn: string, productName: string | null, oemModel: string | null, model: string | null = null): DeviceInfo {
  return { dsn, productName, model, oemModel, connectionStatus: 'Online', lat: null, lng: null, connectedAt: null };
}

const DEVICES = [
  device('AC1', 'Living room', 'thermo-t100', 'AY008TST1'),
  device('AC2', 'Bedroom', 'thermo-t100'),
  device('AC3', 'Kitchen plug', 'smartplug-v2'),
  device('AC4', null, null),
];

describe('device look-ups', () => {
  it('matches every word, in any case, against DSN, product name, OEM model and model', () => {
    const dsns = (search: string) => searchDevices(DEVICES, { search, limit: 50, offset: 0, refresh: false }).devices.map((d) => d.dsn);
    assert.deepEqual(dsns(''), ['AC1', 'AC2', 'AC3', 'AC4']);
    assert.deepEqual(dsns('THERMO'), ['AC1', 'AC2']);
    assert.deepEqual(dsns('living thermo'), ['AC1']);
    assert.deepEqual(dsns('ay008tst'), ['AC1']);
    assert.deepEqual(dsns('ac4'), ['AC4']);
    assert.deepEqual(dsns('plug thermo'), []);
  });

  it('pages by limit and offset and counts every match', () => {
    const page = searchDevices(DEVICES, { search: '', limit: 2, offset: 1, refresh: false });
    assert.deepEqual(page, {
      total: 4,
      devices: [
        { dsn: 'AC2', productName: 'Bedroom', oemModel: 'thermo-t100', connectionStatus: 'Online' },
        { dsn: 'AC3', productName: 'Kitchen plug', oemModel: 'smartplug-v2', connectionStatus: 'Online' },
      ],
    });
    assert.deepEqual(searchDevices(DEVICES, { search: '', limit: 2, offset: 10, refresh: false }), { devices: [], total: 4 });
  });

  it('reads the query with defaults and bounds', () => {
    assert.deepEqual(readLookupQuery({}), { search: '', limit: 50, offset: 0, refresh: false });
    assert.deepEqual(readLookupQuery({ search: ' a b ', limit: '500', offset: '7', refresh: '1' }), { search: 'a b', limit: 500, offset: 7, refresh: true });
    assert.deepEqual(readLookupQuery({ search: ['x', 'y'], limit: 3, refresh: true }), { search: 'x', limit: 3, offset: 0, refresh: true });
    for (const bad of [{ limit: '0' }, { limit: '501' }, { limit: '2.5' }, { offset: '-1' }, { offset: 'x' }, { search: 'x'.repeat(101) }]) {
      assert.throws(() => readLookupQuery(bad), (error: CodedError) => error.code === 'BAD_QUERY', JSON.stringify(bad));
    }
  });

  it('reduces properties to what a picker shows', () => {
    const [summary] = summariseProperties([{ name: 'p', displayName: 'P', baseType: 'integer', direction: 'input', value: 3, dataUpdatedAt: 'x', readOnly: false, ackEnabled: true }]).properties;
    assert.deepEqual(summary, { name: 'p', displayName: 'P', baseType: 'integer', direction: 'input', value: 3, readOnly: false, ackEnabled: true });
  });
});
