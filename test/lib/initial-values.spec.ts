/**
 * Reading initial values (nodes/lib/initial-values.ts) with a fake device service: only what the
 * node's subscription covers, shaped like events of its type, device by device, with failed
 * devices skipped and counted.
 */
import { strict as assert } from 'node:assert';
import type { DeviceInfo, PropertyInfo } from '../../nodes/lib/device-records';
import { DeviceError } from '../../nodes/lib/device-errors';
import type { StreamRequest } from '../../nodes/lib/hub/contract';
import { initialConnectivity, initialDatapoint, initialLocation, initialScopeOf, readInitialValues, type InitialSource } from '../../nodes/lib/initial-values';
import type { NormalisedEvent } from '../../nodes/lib/normalise';

function device(dsn: string, oemModel: string, extra: Partial<DeviceInfo> = {}): DeviceInfo {
  return { dsn, productName: null, model: null, oemModel, connectionStatus: 'Online', lat: ' 1.500000', lng: '-2.25', connectedAt: null, ...extra };
}

function property(name: string, value: unknown, baseType = 'integer'): PropertyInfo {
  return { name, displayName: null, baseType, direction: 'output', value, dataUpdatedAt: '2026-03-01T10:00:00Z', readOnly: false, ackEnabled: false };
}

function auto(eventType: 'datapoint' | 'connectivity' | 'location', oemModel: string, dsns: string, properties = '*'): StreamRequest {
  return { source: 'auto', spec: { eventType, oemModel, dsns, properties, clientType: 'cloud' } };
}

/** A device service of `devices` whose property reads are recorded (and fail for DSNs in `failing`). */
function fakeSource(devices: DeviceInfo[], failing: string[] = []): InitialSource & { propertyReads: Array<{ dsn: string; names: readonly string[] }> } {
  const propertyReads: Array<{ dsn: string; names: readonly string[] }> = [];
  return {
    propertyReads,
    devices: async () => ({ devices, readAtMs: 1000 }),
    properties: async (dsn, options) => {
      propertyReads.push({ dsn, names: options.names ?? [] });
      if (failing.includes(dsn)) throw new DeviceError('DEVICE_NOT_FOUND', 'gone');
      return { properties: [property('a', 1), property('b', '2')], readAtMs: 2000 };
    },
  };
}

function sink() {
  const known: string[][] = [];
  const resolved: Array<{ dsn: string; values: NormalisedEvent[]; readAtMs: number | null }> = [];
  return { known, resolved, devicesKnown: (dsns: readonly string[]) => known.push([...dsns]), device: (dsn: string, values: readonly NormalisedEvent[], readAtMs: number | null) => resolved.push({ dsn, values: [...values], readAtMs }) };
}

describe('initial values', () => {
  it('covers what the subscription covers; a stream key covers everything', () => {
    const scope = initialScopeOf(auto('datapoint', 'm1, m2', '*', 'a,b'));
    assert.deepEqual({ models: [...(scope.oemModels ?? [])], dsns: scope.dsns, properties: scope.properties }, { models: ['m1', 'm2'], dsns: null, properties: ['a', 'b'] });
    assert.equal(initialScopeOf(auto('connectivity', '*', 'X,Y', 'a')).properties, null, 'only datapoints have properties');
    assert.deepEqual(initialScopeOf({ source: 'key', eventType: 'location', streamKey: 'k' }), { oemModels: null, dsns: null, properties: null });
  });

  it('shapes values like events of their type', () => {
    const dp = initialDatapoint(device('A', 'm'), property('a', '7'));
    assert.deepEqual(
      { eventType: dp.eventType, dsn: dp.dsn, oemModel: dp.oemModel, value: dp.eventType === 'datapoint' ? dp.value : null, createdAt: dp.eventType === 'datapoint' ? dp.createdAt : null },
      { eventType: 'datapoint', dsn: 'A', oemModel: 'm', value: 7, createdAt: '2026-03-01T10:00:00Z' },
    );
    const status = initialConnectivity(device('A', 'm', { connectionStatus: 'Offline' }));
    assert.equal(status?.eventType === 'connectivity' && status.status, 'Offline');
    assert.equal(initialConnectivity(device('A', 'm', { connectionStatus: null })), null);
    const where = initialLocation(device('A', 'm'));
    assert.deepEqual(where?.eventType === 'location' ? [where.lat, where.long] : null, [1.5, -2.25]);
    assert.equal(initialLocation(device('A', 'm', { lat: '', lng: '3' })), null, 'no location known');
  });

  it('reads connectivity from the device list alone, for the covered devices', async () => {
    const source = fakeSource([device('A', 'm1'), device('B', 'm2'), device('C', 'm1')]);
    const out = sink();
    const result = await readInitialValues(source, 'connectivity', initialScopeOf(auto('connectivity', 'm1', '*')), (d) => d.dsn !== 'C', out);
    assert.deepEqual(out.known, [['A']]);
    assert.deepEqual(out.resolved.map((r) => [r.dsn, r.values.length, r.readAtMs]), [['A', 1, 1000]]);
    assert.deepEqual(source.propertyReads, []);
    assert.deepEqual(result, { devices: 1, failed: 0, firstFailure: null });
  });

  it('reads the properties of each covered device, narrowed by name, and skips a device that fails', async () => {
    const source = fakeSource([device('A', 'm'), device('B', 'm'), device('C', 'other')], ['B']);
    const out = sink();
    const result = await readInitialValues(source, 'datapoint', initialScopeOf(auto('datapoint', 'm', '*', 'a')), () => true, out);
    assert.deepEqual(source.propertyReads, [{ dsn: 'A', names: ['a'] }, { dsn: 'B', names: ['a'] }]);
    const byDsn = Object.fromEntries(out.resolved.map((r) => [r.dsn, r.values.map((v) => (v.eventType === 'datapoint' ? `${v.property}=${String(v.value)}` : ''))]));
    assert.deepEqual(byDsn, { A: ['a=1'], B: [] }, 'only the subscribed property; the failed device resolves empty');
    assert.equal(result.failed, 1);
    assert.equal(result.firstFailure?.code, 'DEVICE_NOT_FOUND');
  });
});
