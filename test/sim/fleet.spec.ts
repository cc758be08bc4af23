import { strict as assert } from 'node:assert';
import { BASE_TYPES } from '../../nodes/lib/events';
import { FLEET_MODELS, fleetDsn, startSimulator, type RunningSimulator } from '../../simulator';
import { request, signInAndSubscribe, waitUntil } from './support/sim-client';

type FleetState = { fleet: { devices: number; models: Array<{ oem_model: string; devices: number; reportIntervalSec: number }>; naturalRate: number } };
type DeviceState = { dsn: string; oem_model: string; product_name: string; connection_status: string; lat: number; values: Record<string, unknown> };

async function deviceStates(sim: RunningSimulator): Promise<DeviceState[]> {
  return ((await request(sim, 'GET', '/sim/devices')).body as { devices: DeviceState[] }).devices;
}

describe('simulator: generated fleets', () => {
  let sim: RunningSimulator | undefined;

  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('every catalog model has properties of every base type, inputs and outputs, and some without acks', () => {
    assert.ok(FLEET_MODELS.length >= 5);
    for (const model of FLEET_MODELS) {
      const types = new Set(model.properties.map((property) => property.baseType));
      assert.deepEqual([...types].sort(), [...BASE_TYPES].sort(), model.oemModel);
      assert.ok(model.properties.some((property) => property.direction === 'input'), model.oemModel);
      assert.ok(model.properties.some((property) => property.direction === 'output'), model.oemModel);
      assert.ok((model.reportIntervalSec ?? 0) > 0, model.oemModel);
    }
    assert.ok(FLEET_MODELS.some((model) => model.properties.some((property) => property.ackEnabled === false)));
  });

  it('generates N devices over every catalog model, the same for the same seed', async () => {
    const runs: DeviceState[][] = [];
    for (const seed of [21, 21, 22]) {
      sim = await startSimulator({ rate: 0, devices: 3000, seed });
      const state = (await request(sim, 'GET', '/sim/state')).body as FleetState;
      assert.equal(state.fleet.devices, 3000);
      assert.deepEqual(state.fleet.models.map((model) => model.oem_model), FLEET_MODELS.map((model) => model.oemModel));
      assert.ok(state.fleet.models.every((model) => model.devices > 0));
      const natural = state.fleet.models.reduce((sum, model) => sum + model.devices / model.reportIntervalSec, 0);
      assert.ok(Math.abs(state.fleet.naturalRate - natural) < 0.01);
      runs.push(await deviceStates(sim));
      await sim.close();
    }
    assert.deepEqual(runs[0], runs[1]);
    assert.notDeepEqual(runs[0], runs[2]);
    assert.deepEqual(runs[0].slice(0, 2).map((device) => device.dsn), [fleetDsn(0), fleetDsn(1)]);
    assert.equal(fleetDsn(0), 'AC000W700000000');
    assert.equal(new Set(runs[0].map((device) => device.product_name)).size, 3000);
    assert.ok(runs[0].some((device) => device.connection_status === 'Offline'));
  });

  it('shares automatic events out in proportion to 1 / report interval', async () => {
    sim = await startSimulator({ rate: 0, devices: 600, seed: 8, retention: 30_000 });
    const { subscription } = await signInAndSubscribe(sim, { client_type: 'mobile', dsn: '', oem_model: '*', subscription_type: 'datapoint,connectivity,location,registration' });
    await request(sim, 'POST', '/sim/generate', { body: { count: 30_000 } });
    const events = ((await request(sim, 'GET', `/sim/subscriptions/${subscription.id}/events`)).body as { events: Array<{ metadata: { oem_model: string } }> }).events;
    assert.equal(events.length, 30_000);
    const state = (await request(sim, 'GET', '/sim/state')).body as FleetState;
    const perDevice = (oemModel: string) => {
      const devices = state.fleet.models.find((model) => model.oem_model === oemModel)?.devices ?? 0;
      return events.filter((event) => event.metadata.oem_model === oemModel).length / devices;
    };
    // Plugs report every 30 s, locks every 300 s: ten times as many events per device.
    const ratio = perDevice('smartplug-v2') / perDevice('doorlock-dl2');
    assert.ok(ratio > 6 && ratio < 15, `plug/lock events per device: ${ratio}`);
  });

  it('drives a fleet of 50,000 from the one timer at the configured rate', async function () {
    this.timeout(30_000);
    sim = await startSimulator({ devices: 50_000, rate: 2000, seed: 1 });
    const { subscription } = await signInAndSubscribe(sim, { client_type: 'mobile', dsn: '', oem_model: '*', subscription_type: 'datapoint,connectivity,location,registration' });
    const nextSeq = async () => ((await request(sim!, 'GET', '/sim/state')).body as { subscriptions: Array<{ id: number; nextSeq: number }> }).subscriptions.find((entry) => entry.id === subscription.id)?.nextSeq ?? 0;
    await waitUntil('1,000 automatic events', async () => (await nextSeq()) >= 1000, 10_000);
    const devices = (await request(sim, 'GET', '/sim/state')).body as FleetState;
    assert.equal(devices.fleet.devices, 50_000);
  });

  it('a scenario with models and no devices becomes a fleet with --devices; bad counts are refused', async () => {
    sim = await startSimulator({
      rate: 0,
      devices: 10,
      seed: 2,
      scenario: { models: [{ oemModel: 'only-model', properties: [{ name: 'p', baseType: 'integer', direction: 'input', value: 1 }], devices: [] }] },
    });
    const devices = await deviceStates(sim);
    assert.equal(devices.length, 10);
    assert.ok(devices.every((device) => device.oem_model === 'only-model' && device.values.p === 1));
    await assert.rejects(startSimulator({ devices: 0 }), RangeError);
    await assert.rejects(startSimulator({ devices: 1.5 }), RangeError);
  });
});
