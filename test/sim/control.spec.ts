import { strict as assert } from 'node:assert';
import { validateEvent } from '../../nodes/lib/events';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { request, signInAndSubscribe, StreamRecorder, subscribe, waitUntil } from './support/sim-client';

const THERMOSTAT = 'AC000W005606115';
const PLUG = 'AC000W000340649';

type Retained = { events: Array<Record<string, unknown> & { metadata: Record<string, unknown> }> };

async function retained(sim: RunningSimulator, id: number): Promise<Retained['events']> {
  return ((await request(sim, 'GET', `/sim/subscriptions/${id}/events`)).body as Retained).events;
}

describe('simulator: control API', () => {
  let sim: RunningSimulator;

  afterEach(() => sim.close());

  describe('with rate 0', () => {
    beforeEach(async () => {
      sim = await startSimulator({ rate: 0, ackDelayMs: 10 });
    });

    it('GET /sim/state describes subscriptions, sockets and tokens', async () => {
      const { subscription } = await signInAndSubscribe(sim);
      const stream = await StreamRecorder.open(sim, subscription.stream_key);
      try {
        const state = (await request(sim, 'GET', '/sim/state')).body as {
          subscriptions: Array<Record<string, unknown>>;
          sockets: number;
          tokens: number;
        };
        assert.equal(state.sockets, 1);
        assert.equal(state.tokens, 1);
        assert.equal(state.subscriptions.length, 1);
        const [entry] = state.subscriptions;
        assert.equal(entry.id, subscription.id);
        assert.equal(entry.stream_key, subscription.stream_key);
        assert.equal(entry.subscription_type, 'datapoint');
        assert.equal(entry.connected, true);
        assert.equal(entry.nextSeq, 0);
      } finally {
        stream.terminate();
      }
    });

    it('POST /sim/events completes a partial event from the device and routes it', async () => {
      const { subscription } = await signInAndSubscribe(sim);
      const answer = await request(sim, 'POST', '/sim/events', {
        body: { metadata: { event_type: 'datapoint', dsn: THERMOSTAT, property_name: 'humidity' }, datapoint: { value: 55, discarded: false } },
      });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, { delivered: [{ subscriptionId: subscription.id, seq: 0 }] });
      const [event] = await retained(sim, subscription.id);
      validateEvent(event, 'datapoint');
      assert.equal(event.metadata.oem_model, 'thermo-t100');
      assert.equal(event.metadata.base_type, 'integer');
      assert.equal(event.metadata.oem_id, '0dfc7900');
      const body = event.datapoint as Record<string, unknown>;
      assert.equal(body.value, 55);
      assert.equal(body.discarded, false, 'extra fields pass through');
      assert.equal(typeof body.id, 'string');
      const devices = (await request(sim, 'GET', '/sim/devices')).body as { devices: Array<{ dsn: string; values: Record<string, unknown> }> };
      assert.equal(devices.devices.find((device) => device.dsn === THERMOSTAT)?.values.humidity, 55);
    });

    it('POST /sim/events validates unless ?validate=false, and needs event_type and dsn', async () => {
      const { subscription } = await signInAndSubscribe(sim, { oem_model: '*', dsn: 'SIM-UNKNOWN' });
      const invalid = { metadata: { event_type: 'datapoint', dsn: 'SIM-UNKNOWN' }, datapoint: { value: 1 } };
      const refused = await request(sim, 'POST', '/sim/events', { body: invalid });
      assert.equal(refused.status, 422);
      assert.match((refused.body as { errors: string }).errors, /property_name/);
      const forced = await request(sim, 'POST', '/sim/events?validate=false', { body: invalid });
      assert.deepEqual(forced.body, { delivered: [{ subscriptionId: subscription.id, seq: 0 }] });
      assert.equal((await request(sim, 'POST', '/sim/events', { body: { metadata: { dsn: THERMOSTAT } } })).status, 422);
      assert.equal((await request(sim, 'POST', '/sim/events', { body: { metadata: { event_type: 'location' } } })).status, 422);
    });

    it('POST /sim/frames sends a raw frame to every socket or one key', async () => {
      const { token, subscription } = await signInAndSubscribe(sim);
      const other = await subscribe(sim, token);
      const one = await StreamRecorder.open(sim, subscription.stream_key);
      const two = await StreamRecorder.open(sim, other.stream_key);
      try {
        assert.deepEqual((await request(sim, 'POST', '/sim/frames', { body: { frame: '1|X' } })).body, { sent: 2 });
        assert.deepEqual((await request(sim, 'POST', '/sim/frames', { body: { frame: '2|{}', streamKey: other.stream_key } })).body, { sent: 1 });
        await waitUntil('raw frames', () => one.frames.length >= 1 && two.frames.length >= 2);
        assert.deepEqual(one.frames, ['1|X']);
        assert.deepEqual(two.frames, ['1|X', '2|{}']);
        assert.equal((await request(sim, 'POST', '/sim/frames', { body: {} })).status, 422);
      } finally {
        one.terminate();
        two.terminate();
      }
    });

    it('device connectivity, location and registration changes produce valid events', async () => {
      const { token } = await signInAndSubscribe(sim);
      const types = ['connectivity', 'location', 'registration'] as const;
      const subscriptions = await Promise.all(types.map((type) => subscribe(sim, token, { oem_model: 'smartplug-v2', dsn: PLUG, subscription_type: type })));
      assert.equal((await request(sim, 'POST', `/sim/devices/${PLUG}/connectivity`, { body: { status: 'Offline' } })).status, 200);
      assert.equal((await request(sim, 'POST', `/sim/devices/${PLUG}/location`, { body: { lat: 44.7695, long: -69.4283 } })).status, 200);
      assert.equal((await request(sim, 'POST', `/sim/devices/${PLUG}/registration`, { body: { registered: false } })).status, 200);
      const [connectivity] = await retained(sim, subscriptions[0].id);
      const [location] = await retained(sim, subscriptions[1].id);
      const [registration] = await retained(sim, subscriptions[2].id);
      validateEvent(connectivity, 'connectivity');
      validateEvent(location, 'location');
      validateEvent(registration, 'registration');
      assert.equal((connectivity.connection as { status: string }).status, 'Offline');
      assert.deepEqual([(location.location_event as { lat: string }).lat, (location.location_event as { long: string }).long], [' 44.769500', '-69.428300']);
      const unregistered = registration.registration_event as Record<string, unknown>;
      assert.equal(unregistered.registered, false);
      assert.equal(unregistered.user_uuid, null);
      assert.equal(typeof unregistered.unregistered_at, 'string');

      assert.equal((await request(sim, 'POST', `/sim/devices/${PLUG}/location`, { body: { lat: 91, long: 0 } })).status, 422);
      assert.equal((await request(sim, 'POST', `/sim/devices/${PLUG}/registration`, { body: { registered: 'yes' } })).status, 422);
      assert.equal((await request(sim, 'POST', '/sim/devices/NOPE/connectivity', { body: { status: 'Online' } })).status, 404);
    });

    it('a property change "from cloud" produces the datapoint and then the ack', async () => {
      const { token } = await signInAndSubscribe(sim);
      const acks = await subscribe(sim, token, { oem_model: 'smartplug-v2', dsn: PLUG, subscription_type: 'datapointack' });
      const answer = await request(sim, 'POST', `/sim/devices/${PLUG}/properties/outlet1`, { body: { value: false, from: 'cloud' } });
      assert.equal(answer.status, 200);
      await waitUntil('ack', async () => (await retained(sim, acks.id)).length === 1);
      const [ack] = await retained(sim, acks.id);
      assert.equal((ack.datapoint as { value: number }).value, 0);
    });

    it('GET /sim/subscriptions/{id}/events takes seq_start and limit', async () => {
      const { subscription } = await signInAndSubscribe(sim, { client_type: 'mobile', oem_model: '*', dsn: '', subscription_type: 'datapoint,connectivity,location,registration' });
      await request(sim, 'POST', '/sim/generate', { body: { count: 30 } });
      const seqs = async (query: string) => ((await request(sim, 'GET', `/sim/subscriptions/${subscription.id}/events${query}`)).body as Retained).events.map((event) => event.seq);
      assert.equal((await seqs('')).length, 30);
      assert.deepEqual(await seqs('?seq_start=27'), ['27', '28', '29']);
      assert.deepEqual(await seqs('?seq_start=10&limit=2'), ['10', '11']);
      assert.deepEqual(await seqs('?limit=1'), ['0']);
      assert.equal((await request(sim, 'GET', `/sim/subscriptions/${subscription.id}/events?limit=-1`)).status, 422);
    });

    it('POST /sim/generate with "wait":false answers 202 at once and generates in the background', async () => {
      await signInAndSubscribe(sim, { client_type: 'mobile', oem_model: '*', dsn: '', subscription_type: 'datapoint,connectivity,location,registration' });
      const answer = await request(sim, 'POST', '/sim/generate', { body: { count: 20_000, wait: false } });
      assert.deepEqual([answer.status, answer.body], [202, { generating: 20_000 }]);
      type State = { burstRemaining: number; subscriptions: Array<{ nextSeq: number }> };
      await waitUntil('the burst to finish', async () => ((await request(sim, 'GET', '/sim/state')).body as State).burstRemaining === 0);
      assert.equal(((await request(sim, 'GET', '/sim/state')).body as State).subscriptions[0].nextSeq, 20_000);
      assert.equal((await request(sim, 'POST', '/sim/generate', { body: { count: 5, wait: 'no' } })).status, 422);
      assert.equal((await request(sim, 'POST', '/sim/generate', { body: { count: 0 } })).status, 422);
    });

    it('answers 404 for unknown control paths', async () => {
      assert.equal((await request(sim, 'POST', '/sim/nothing')).status, 404);
      assert.equal((await request(sim, 'GET', '/sim/subscriptions/1/events')).status, 404);
    });
  });

  describe('automatic events', () => {
    it('produce valid events of several types at the configured rate', async () => {
      sim = await startSimulator({ rate: 200, seed: 7 });
      const { subscription } = await signInAndSubscribe(sim, { client_type: 'mobile', oem_model: '*', dsn: '', subscription_type: 'datapoint,connectivity,location,registration' });
      await waitUntil('automatic events', async () => (await retained(sim, subscription.id)).length >= 40);
      const events = await retained(sim, subscription.id);
      for (const event of events) validateEvent(event);
      const types = new Set(events.map((event) => event.metadata.event_type));
      assert.ok(types.has('datapoint'));
      const models = new Set(events.map((event) => event.metadata.oem_model));
      assert.ok(models.size >= 2);
    });

    it('are deterministic for a seed (POST /sim/generate)', async () => {
      const runs: unknown[][] = [];
      for (let run = 0; run < 2; run++) {
        sim = await startSimulator({ rate: 0, seed: 42 });
        const { subscription } = await signInAndSubscribe(sim, { client_type: 'mobile', oem_model: '*', dsn: '', subscription_type: 'datapoint' });
        assert.deepEqual((await request(sim, 'POST', '/sim/generate', { body: { count: 200 } })).body, { generated: 200 });
        const events = await retained(sim, subscription.id);
        assert.ok(events.length > 50);
        runs.push(events.map((event) => [event.metadata.dsn, event.metadata.property_name, (event.datapoint as { value: unknown }).value]));
        await sim.close();
      }
      assert.deepEqual(runs[0], runs[1]);
    });
  });
});
