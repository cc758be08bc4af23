import { strict as assert } from 'node:assert';
import { validateEvent } from '../../nodes/lib/events';
import { ACK_STATUS_FAILURE, ACK_STATUS_SUCCESS, startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator';
import { request, signIn, StreamRecorder, subscribe, waitUntil } from './support/sim-client';

const THERMOSTAT = 'AC000W005606115';
const PLUG = 'AC000W000340649';
const OFFLINE_PLUG = 'AC000W000340651';

type Datapoint = Record<string, unknown> & { id: string; value: unknown; ack_status: number | null; ack_message: number | null; acked_at: string | null };
type RetainedEvent = Record<string, unknown> & { metadata: Record<string, unknown>; datapoint: Datapoint };

async function retained(sim: RunningSimulator, subscriptionId: number): Promise<RetainedEvent[]> {
  return ((await request(sim, 'GET', `/sim/subscriptions/${subscriptionId}/events`)).body as { events: RetainedEvent[] }).events;
}

async function write(sim: RunningSimulator, token: string, dsn: string, name: string, datapoint: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  return request(sim, 'POST', `/apiv1/dsns/${dsn}/properties/${name}/datapoints.json`, { token, body: { datapoint } });
}

async function writeOk(sim: RunningSimulator, token: string, dsn: string, name: string, value: unknown): Promise<Datapoint> {
  const answer = await write(sim, token, dsn, name, { value });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return (answer.body as { datapoint: Datapoint }).datapoint;
}

describe('simulator: device service (writes and acknowledgements)', () => {
  let sim: RunningSimulator;
  let token: string;

  async function start(options: SimulatorOptions): Promise<void> {
    sim = await startSimulator({ rate: 0, ackDelayMs: 10, ...options });
    token = (await signIn(sim)).access_token;
  }

  afterEach(() => sim.close());

  it('a write answers 201 with the datapoint, changes the value, and is followed by a datapoint and a datapointack event', async () => {
    await start({});
    const datapoints = await subscribe(sim, token, { subscription_type: 'datapoint', dsn: THERMOSTAT });
    const acks = await subscribe(sim, token, { subscription_type: 'datapointack', dsn: THERMOSTAT });
    const ackStream = await StreamRecorder.open(sim, acks.stream_key);
    try {
      const answer = await write(sim, token, THERMOSTAT, 'target_temp', { value: 22.5, metadata: { source: 'test' } });
      assert.equal(answer.status, 201);
      const written = (answer.body as { datapoint: Datapoint }).datapoint;
      for (const field of ['id', 'value', 'created_at', 'updated_at', 'echo', 'metadata']) assert.ok(field in written, field);
      assert.deepEqual([written.value, written.echo, written.ack_enabled, written.ack_status, written.acked_at], [22.5, false, true, null, null]);
      assert.deepEqual(written.metadata, { source: 'test' });

      await ackStream.waitForEvents(1);
      const [ack] = ackStream.events();
      validateEvent(ack, 'datapointack');
      const ackBody = ack.datapoint as Datapoint & { ack_id: string };
      assert.deepEqual([ackBody.id, ackBody.value, ackBody.ack_status, ackBody.ack_message], [written.id, 22.5, ACK_STATUS_SUCCESS, 0]);
      assert.equal(typeof ackBody.ack_id, 'string');
      assert.equal(ack.metadata.property_name, 'target_temp');

      const [datapoint] = await retained(sim, datapoints.id);
      validateEvent(datapoint, 'datapoint');
      assert.deepEqual([datapoint.datapoint.id, datapoint.datapoint.value, datapoint.metadata.base_type], [written.id, 22.5, 'decimal']);

      const stored = await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}/properties/target_temp/datapoints/${written.id}.json`, { token });
      assert.equal(stored.status, 200);
      const storedBody = (stored.body as { datapoint: Datapoint }).datapoint;
      assert.deepEqual([storedBody.ack_status, storedBody.ack_message, typeof storedBody.acked_at], [ACK_STATUS_SUCCESS, 0, 'string']);
      const property = ((await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}/properties/target_temp.json`, { token })).body as { property: Record<string, unknown> }).property;
      assert.deepEqual([property.value, property.ack_status, property.acked_at], [22.5, ACK_STATUS_SUCCESS, storedBody.acked_at]);
      assert.equal((await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}/properties/target_temp/datapoints/nope.json`, { token })).status, 404);
      assert.equal((await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}/properties/hvac_mode/datapoints/${written.id}.json`, { token })).status, 404);
    } finally {
      ackStream.terminate();
    }
  });

  it('stores and events booleans as 1/0, and takes numeric strings for numbers', async () => {
    await start({});
    const datapoints = await subscribe(sim, token, { subscription_type: 'datapoint', dsn: THERMOSTAT });
    assert.equal((await writeOk(sim, token, THERMOSTAT, 'fan_on', true)).value, 1);
    assert.equal((await writeOk(sim, token, THERMOSTAT, 'fan_on', 'false')).value, 0);
    assert.equal((await writeOk(sim, token, THERMOSTAT, 'fan_on', 1)).value, 1);
    assert.equal((await writeOk(sim, token, THERMOSTAT, 'target_temp', '19.5')).value, 19.5);
    assert.deepEqual((await retained(sim, datapoints.id)).map((event) => event.datapoint.value), [1, 0, 1, 19.5]);
    const property = ((await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}/properties/fan_on`, { token })).body as { property: { value: unknown } }).property;
    assert.equal(property.value, 1);
  });

  it('refuses what cannot be written: 422 for a bad value or an output, 403 for read_only, 404, 401', async () => {
    await start({});
    const datapoints = await subscribe(sim, token, { subscription_type: 'datapoint', dsn: `${THERMOSTAT},${PLUG}`, oem_model: '*' });
    const refusals: Array<[string, string, Record<string, unknown>, number]> = [
      [THERMOSTAT, 'fan_on', { value: 'maybe' }, 422],
      [THERMOSTAT, 'fan_on', { value: 2 }, 422],
      [THERMOSTAT, 'target_temp', { value: 'warm' }, 422],
      [THERMOSTAT, 'humidity', { value: 50 }, 422],
      [PLUG, 'led_brightness', { value: 1.5 }, 422],
      [PLUG, 'led_brightness', { value: true }, 422],
      [THERMOSTAT, 'hvac_mode', { value: 5 }, 422],
      [THERMOSTAT, 'hvac_mode', {}, 422],
      [THERMOSTAT, 'hvac_mode', { value: null }, 422],
      [THERMOSTAT, 'hvac_mode', { value: 'cool', metadata: 'x' }, 422],
      [THERMOSTAT, 'current_temp', { value: 20 }, 422],
      [THERMOSTAT, 'firmware_channel', { value: 'beta' }, 403],
      ['NOPE', 'fan_on', { value: 1 }, 404],
      [THERMOSTAT, 'nope', { value: 1 }, 404],
    ];
    for (const [dsn, name, datapoint, status] of refusals) {
      const answer = await write(sim, token, dsn, name, datapoint);
      assert.equal(answer.status, status, `${dsn}/${name} ${JSON.stringify(datapoint)}`);
      assert.equal(typeof (answer.body as { error: unknown }).error, 'string');
    }
    assert.equal((await request(sim, 'POST', `/apiv1/dsns/${THERMOSTAT}/properties/fan_on/datapoints.json`, { body: { datapoint: { value: 1 } } })).status, 401);
    assert.deepEqual(await retained(sim, datapoints.id), [], 'nothing refused was applied');
  });

  it('acknowledges with a failure status at ackFailureRate 1', async () => {
    await start({ ackFailureRate: 1 });
    const acks = await subscribe(sim, token, { subscription_type: 'datapointack', dsn: THERMOSTAT });
    const written = await writeOk(sim, token, THERMOSTAT, 'hvac_mode', 'cool');
    await waitUntil('the ack', async () => (await retained(sim, acks.id)).length === 1);
    const [ack] = await retained(sim, acks.id);
    assert.deepEqual([ack.datapoint.id, ack.datapoint.ack_status, ack.datapoint.ack_message], [written.id, ACK_STATUS_FAILURE, 1]);
    const stored = (await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}/properties/hvac_mode/datapoints/${written.id}`, { token })).body as { datapoint: Datapoint };
    assert.equal(stored.datapoint.ack_status, ACK_STATUS_FAILURE);
  });

  it('never acknowledges at ackDropRate 1, and not for properties without ack_enabled', async () => {
    await start({ ackDropRate: 1, ackDelayMs: 0 });
    const acks = await subscribe(sim, token, { subscription_type: 'datapointack', dsn: `${THERMOSTAT},${PLUG}`, oem_model: '*' });
    const dropped = await writeOk(sim, token, THERMOSTAT, 'hvac_mode', 'auto');
    const unacknowledged = await writeOk(sim, token, PLUG, 'child_lock', 1);
    assert.equal(unacknowledged.ack_enabled, false);
    // The drop is decided when the write is made: nothing is pending, nothing will come.
    assert.equal(((await request(sim, 'GET', '/sim/state')).body as { pendingAcks: number }).pendingAcks, 0);
    assert.deepEqual(await retained(sim, acks.id), []);
    const stored = (await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}/properties/hvac_mode/datapoints/${dropped.id}`, { token })).body as { datapoint: Datapoint };
    assert.equal(stored.datapoint.ack_status, null);
  });

  it('draws failures and drops deterministically from the seed', async () => {
    const outcomes: string[][] = [];
    for (let run = 0; run < 2; run++) {
      await start({ seed: 99, ackFailureRate: 0.4, ackDropRate: 0.3, ackDelayMs: 0 });
      const acks = await subscribe(sim, token, { subscription_type: 'datapointack', dsn: THERMOSTAT });
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push((await writeOk(sim, token, THERMOSTAT, 'target_temp', 18 + i / 2)).id);
      await waitUntil('every ack not dropped', async () => ((await request(sim, 'GET', '/sim/state')).body as { pendingAcks: number }).pendingAcks === 0);
      const statuses = new Map((await retained(sim, acks.id)).map((event) => [event.datapoint.id, String(event.datapoint.ack_status)]));
      outcomes.push(ids.map((id) => statuses.get(id) ?? 'dropped'));
      await sim.close();
    }
    assert.deepEqual(outcomes[0], outcomes[1]);
    assert.deepEqual(new Set(outcomes[0]), new Set(['200', '500', 'dropped']), outcomes[0].join(','));
  });

  it('an offline device acknowledges a write once it is Online again', async () => {
    await start({});
    const acks = await subscribe(sim, token, { subscription_type: 'datapointack', dsn: OFFLINE_PLUG, oem_model: 'smartplug-v2' });
    await writeOk(sim, token, OFFLINE_PLUG, 'outlet1', true);
    assert.equal(((await request(sim, 'GET', '/sim/state')).body as { pendingAcks: number }).pendingAcks, 1);
    assert.deepEqual(await retained(sim, acks.id), []);
    assert.equal((await request(sim, 'POST', `/sim/devices/${OFFLINE_PLUG}/connectivity`, { body: { status: 'Online' } })).status, 200);
    await waitUntil('the ack after reconnecting', async () => (await retained(sim, acks.id)).length === 1);
    assert.equal((await retained(sim, acks.id))[0].datapoint.value, 1);
  });
});
