import { strict as assert } from 'node:assert';
import { validateEvent } from '../../nodes/lib/events';
import { BASE_TYPES } from '../../nodes/lib/events';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { request, signIn, StreamRecorder, subscribe } from './support/sim-client';

const THERMOSTAT = 'AC000W005606115';

describe('simulator: device service', () => {
  let sim: RunningSimulator;
  let token: string;

  beforeEach(async () => {
    sim = await startSimulator({ rate: 0, ackDelayMs: 20 });
    token = (await signIn(sim)).access_token;
  });
  afterEach(() => sim.close());

  it('lists devices of several OEM models, with and without .json', async () => {
    for (const path of ['/apiv1/devices.json', '/apiv1/devices']) {
      const answer = await request(sim, 'GET', path, { token });
      assert.equal(answer.status, 200);
      const devices = (answer.body as Array<{ device: { dsn: string; oem_model: string; connection_status: string } }>).map((item) => item.device);
      assert.ok(devices.length >= 6);
      assert.ok(new Set(devices.map((device) => device.oem_model)).size >= 3);
      assert.ok(devices.some((device) => device.dsn === THERMOSTAT && device.connection_status === 'Online'));
    }
    assert.equal((await request(sim, 'GET', '/apiv1/devices.json')).status, 401);
  });

  it('lists properties of a device, covering every base type across the default models', async () => {
    const answer = await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}/properties.json`, { token });
    assert.equal(answer.status, 200);
    const names = (answer.body as Array<{ property: { name: string } }>).map((item) => item.property.name);
    assert.ok(names.includes('current_temp'));

    const devices = (await request(sim, 'GET', '/apiv1/devices.json', { token })).body as Array<{ device: { dsn: string } }>;
    const baseTypes = new Set<string>();
    for (const { device } of devices) {
      const properties = (await request(sim, 'GET', `/apiv1/dsns/${device.dsn}/properties`, { token })).body as Array<{ property: { base_type: string } }>;
      for (const { property } of properties) baseTypes.add(property.base_type);
    }
    assert.deepEqual([...baseTypes].sort(), [...BASE_TYPES].sort());

    const filtered = await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}/properties.json?names[]=humidity`, { token });
    assert.deepEqual((filtered.body as Array<{ property: { name: string } }>).map((item) => item.property.name), ['humidity']);
    const one = await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}/properties/target_temp.json`, { token });
    assert.equal((one.body as { property: { value: number } }).property.value, 21);
    assert.equal((await request(sim, 'GET', '/apiv1/dsns/NOPE/properties.json', { token })).status, 404);
    assert.equal((await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}/properties/nope.json`, { token })).status, 404);
  });

  it('a datapoint POST creates a datapoint event, then the datapointack', async () => {
    const datapoints = await subscribe(sim, token, { subscription_type: 'datapoint', dsn: THERMOSTAT, oem_model: 'thermo-t100' });
    const acks = await subscribe(sim, token, { subscription_type: 'datapointack', dsn: THERMOSTAT, oem_model: 'thermo-t100' });
    const datapointStream = await StreamRecorder.open(sim, datapoints.stream_key);
    const ackStream = await StreamRecorder.open(sim, acks.stream_key);
    try {
      const answer = await request(sim, 'POST', `/apiv1/dsns/${THERMOSTAT}/properties/target_temp/datapoints.json`, { token, body: { datapoint: { value: 22.5 } } });
      assert.equal(answer.status, 201);
      const written = (answer.body as { datapoint: { id: string; value: number } }).datapoint;
      assert.equal(written.value, 22.5);

      await datapointStream.waitForEvents(1);
      await ackStream.waitForEvents(1);
      const [datapoint] = datapointStream.events();
      const [ack] = ackStream.events();
      validateEvent(datapoint, 'datapoint');
      validateEvent(ack, 'datapointack');
      assert.equal(datapoint.metadata.property_name, 'target_temp');
      assert.equal(datapoint.metadata.base_type, 'decimal');
      assert.equal((datapoint.datapoint as { value: number }).value, 22.5);
      const ackBody = ack.datapoint as { id: string; value: number; ack_status: number; ack_id: string; acked_at: string };
      assert.equal(ackBody.id, written.id);
      assert.equal(ackBody.value, 22.5);
      assert.equal(ackBody.ack_status, 200);
      assert.equal(typeof ackBody.ack_id, 'string');

      const property = await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}/properties/target_temp`, { token });
      assert.equal((property.body as { property: { value: number } }).property.value, 22.5);
    } finally {
      datapointStream.terminate();
      ackStream.terminate();
    }
  });

  it('converts booleans to 0/1 and refuses wrong types, read-only properties and missing values with 422', async () => {
    const ok = await request(sim, 'POST', `/apiv1/dsns/${THERMOSTAT}/properties/fan_on/datapoints`, { token, body: { datapoint: { value: true } } });
    assert.equal(ok.status, 201);
    assert.equal((ok.body as { datapoint: { value: number } }).datapoint.value, 1);
    const cases: Array<[string, unknown]> = [
      ['fan_on', 'maybe'],
      ['target_temp', 'warm'],
      ['current_temp', 20],
    ];
    for (const [name, value] of cases) {
      const answer = await request(sim, 'POST', `/apiv1/dsns/${THERMOSTAT}/properties/${name}/datapoints.json`, { token, body: { datapoint: { value } } });
      assert.equal(answer.status, 422, name);
      assert.equal(typeof (answer.body as { errors: unknown }).errors, 'string');
    }
    const missing = await request(sim, 'POST', `/apiv1/dsns/${THERMOSTAT}/properties/fan_on/datapoints.json`, { token, body: { datapoint: {} } });
    assert.equal(missing.status, 422);
    assert.equal((await request(sim, 'POST', `/apiv1/dsns/${THERMOSTAT}/properties/fan_on/datapoints.json`, { body: { datapoint: { value: 1 } } })).status, 401);
  });
});
