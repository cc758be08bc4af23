import { strict as assert } from 'node:assert';
import { parseFrame } from '../../nodes/lib/frames';
import { validateEvent } from '../../nodes/lib/events';
import { CLOSE_MISSED_HEARTBEATS, CLOSE_REPLACED, startSimulator, type RunningSimulator } from '../../simulator';
import { request, signInAndSubscribe, StreamRecorder, subscribe, upgradeStatus, waitUntil } from './support/sim-client';

const THERMOSTAT = 'AC000W005606115';
const OTHER_THERMOSTAT = 'AC000W005606116';
const PLUG = 'AC000W000340649';

/** Makes the thermostat report `current_temp` through the control API. */
async function report(sim: RunningSimulator, value: number | string, dsn = THERMOSTAT, property = 'current_temp'): Promise<void> {
  const answer = await request(sim, 'POST', `/sim/devices/${dsn}/properties/${property}`, { body: { value } });
  assert.equal(answer.status, 200);
}

describe('simulator: stream', () => {
  let sim: RunningSimulator;

  afterEach(() => sim.close());

  describe('frames and heartbeats', () => {
    beforeEach(async () => {
      sim = await startSimulator({ rate: 0, heartbeatMs: 50, missedHeartbeats: 2 });
    });

    it('sends LEN|JSON frames with LEN the UTF-8 byte length, also for non-ASCII values', async () => {
      const { subscription } = await signInAndSubscribe(sim);
      const stream = await StreamRecorder.open(sim, subscription.stream_key);
      try {
        await report(sim, 'Außentemperatur 3 °C — ☃', THERMOSTAT, 'event_log');
        await report(sim, 21.5);
        await stream.waitForEvents(2);
        const [first, second] = stream.eventFrames();
        const separator = first.indexOf('|');
        const json = first.slice(separator + 1);
        assert.equal(Number(first.slice(0, separator)), Buffer.byteLength(json, 'utf8'));
        assert.notEqual(Buffer.byteLength(json, 'utf8'), json.length, 'the value really is non-ASCII');
        const parsed = parseFrame(first);
        assert.equal(parsed.kind, 'event');
        const event = validateEvent(parsed.kind === 'event' ? parsed.data : null, 'datapoint');
        assert.equal(event.seq, '0');
        assert.equal((event as { datapoint: { value: string } }).datapoint.value, 'Außentemperatur 3 °C — ☃');
        assert.equal(JSON.stringify(JSON.parse(json)), json, 'compact JSON');
        assert.ok(json.startsWith('{"seq":"0","metadata":'));
        assert.equal(stream.events()[1].seq, '1');
        assert.equal(parseFrame(second).kind, 'event');
      } finally {
        stream.terminate();
      }
    });

    it('sends 1|Z heartbeats and keeps a socket that answers them', async () => {
      const { subscription } = await signInAndSubscribe(sim);
      const stream = await StreamRecorder.open(sim, subscription.stream_key);
      try {
        await waitUntil('six heartbeats', () => stream.frames.filter((frame) => frame === '1|Z').length >= 6);
        assert.equal(stream.socket.readyState, stream.socket.OPEN);
        const state = await request(sim, 'GET', '/sim/state');
        assert.equal((state.body as { sockets: number }).sockets, 1);
      } finally {
        stream.terminate();
      }
    });

    it('accepts the echoed 1|Z answer of the mobile SDKs', async () => {
      const { subscription } = await signInAndSubscribe(sim);
      const stream = await StreamRecorder.open(sim, subscription.stream_key, '', { answerHeartbeats: false });
      stream.socket.on('message', (data) => {
        if (data.toString() === '1|Z') stream.socket.send('1|Z');
      });
      try {
        await waitUntil('six heartbeats', () => stream.frames.filter((frame) => frame === '1|Z').length >= 6);
        assert.equal(stream.socket.readyState, stream.socket.OPEN);
      } finally {
        stream.terminate();
      }
    });

    it('sends no 1|X keep-alives by default, not even on mobile streams', async () => {
      const mobile = await signInAndSubscribe(sim, { client_type: 'mobile', dsn: '', oem_model: '*', subscription_type: 'datapoint' });
      const stream = await StreamRecorder.open(sim, mobile.subscription.stream_key);
      try {
        // Keep-alives, were they on, would come every half heartbeat: six heartbeats leave room for ten.
        await waitUntil('six heartbeats', () => stream.frames.filter((frame) => frame === '1|Z').length >= 6);
        assert.deepEqual(stream.frames.filter((frame) => frame !== '1|Z'), []);
      } finally {
        stream.terminate();
      }
    });

    it('with keepAliveMs sends 1|X keep-alives on mobile streams only', async () => {
      await sim.close();
      sim = await startSimulator({ rate: 0, heartbeatMs: 50, keepAliveMs: 25 });
      const mobile = await signInAndSubscribe(sim, { client_type: 'mobile', dsn: '', oem_model: '*', subscription_type: 'datapoint' });
      const cloud = await signInAndSubscribe(sim);
      const mobileStream = await StreamRecorder.open(sim, mobile.subscription.stream_key);
      const cloudStream = await StreamRecorder.open(sim, cloud.subscription.stream_key);
      try {
        await waitUntil('keep-alives on the mobile stream', () => mobileStream.frames.filter((frame) => frame === '1|X').length >= 3);
        await waitUntil('heartbeats on the cloud stream', () => cloudStream.frames.filter((frame) => frame === '1|Z').length >= 3);
        assert.equal(cloudStream.frames.filter((frame) => frame === '1|X').length, 0, 'cloud streams carry no keep-alives');
        assert.equal(mobileStream.socket.readyState, mobileStream.socket.OPEN, 'keep-alives need no answer');
      } finally {
        mobileStream.terminate();
        cloudStream.terminate();
      }
    });

    it('closes a socket that misses the configured number of answers in a row (code 4001)', async () => {
      const { subscription } = await signInAndSubscribe(sim);
      const stream = await StreamRecorder.open(sim, subscription.stream_key, '', { answerHeartbeats: false });
      const closed = await stream.waitForClose();
      assert.equal(closed.code, CLOSE_MISSED_HEARTBEATS);
      // Heartbeat 1 unanswered (miss 1), heartbeat 2 unanswered (miss 2) -> closed.
      assert.equal(stream.frames.filter((frame) => frame === '1|Z').length, 2);
    });
  });

  describe('seq, retention and replay', () => {
    beforeEach(async () => {
      sim = await startSimulator({ rate: 0, retention: 5 });
    });

    it('counts seq per key from "0", stores events while no socket is attached and replays from seq_start then goes live', async () => {
      const { token, subscription: first } = await signInAndSubscribe(sim);
      await report(sim, 20);
      const second = await subscribe(sim, token);
      await report(sim, 20.2);
      await report(sim, 20.4);

      const state = (await request(sim, 'GET', '/sim/state')).body as { subscriptions: Array<{ id: number; nextSeq: number; connected: boolean }> };
      assert.deepEqual(
        state.subscriptions.map((item) => [item.id, item.nextSeq, item.connected]),
        [
          [first.id, 3, false],
          [second.id, 2, false],
        ],
      );

      const replay = await StreamRecorder.open(sim, first.stream_key, '&seq_start=1');
      try {
        await replay.waitForEvents(2);
        assert.deepEqual(replay.events().map((event) => event.seq), ['1', '2']);
        await report(sim, 20.6);
        await replay.waitForEvents(3);
        assert.deepEqual(replay.events().map((event) => event.seq), ['1', '2', '3']);
        assert.deepEqual(replay.events().map((event) => (event.datapoint as { value: number }).value), [20.2, 20.4, 20.6]);
      } finally {
        replay.terminate();
      }
    });

    it('without seq_start sends only live events', async () => {
      const { subscription } = await signInAndSubscribe(sim);
      await report(sim, 20);
      const live = await StreamRecorder.open(sim, subscription.stream_key);
      try {
        await report(sim, 21);
        await live.waitForEvents(1);
        assert.deepEqual(live.events().map((event) => event.seq), ['1']);
      } finally {
        live.terminate();
      }
    });

    it('replays from the oldest retained event when seq_start is older than the retention', async () => {
      const { subscription } = await signInAndSubscribe(sim);
      for (let i = 0; i < 8; i++) await report(sim, 20 + i);
      const replay = await StreamRecorder.open(sim, subscription.stream_key, '&seq_start=0');
      try {
        await replay.waitForEvents(5);
        assert.deepEqual(replay.events().map((event) => event.seq), ['3', '4', '5', '6', '7']);
      } finally {
        replay.terminate();
      }
    });

    it('with seq_end replays up to it inclusive, then closes with 1000', async () => {
      const { subscription } = await signInAndSubscribe(sim);
      for (let i = 0; i < 4; i++) await report(sim, 20 + i);
      const replay = await StreamRecorder.open(sim, subscription.stream_key, '&seq_start=1&seq_end=2');
      const closed = await replay.waitForClose();
      assert.equal(closed.code, 1000);
      assert.deepEqual(replay.events().map((event) => event.seq), ['1', '2']);
    });

    it('with a future seq_end continues live and closes after sending it', async () => {
      const { subscription } = await signInAndSubscribe(sim);
      await report(sim, 20);
      const replay = await StreamRecorder.open(sim, subscription.stream_key, '&seq_start=0&seq_end=2');
      await replay.waitForEvents(1);
      await report(sim, 21);
      await report(sim, 22);
      const closed = await replay.waitForClose();
      assert.equal(closed.code, 1000);
      await report(sim, 23);
      assert.deepEqual(replay.events().map((event) => event.seq), ['0', '1', '2']);
    });

    it('answers 400 for a bad seq_start / seq_end', async () => {
      const { subscription } = await signInAndSubscribe(sim);
      assert.equal(await upgradeStatus(`${sim.streamUrl}?stream_key=${subscription.stream_key}&seq_start=abc`), 400);
      assert.equal(await upgradeStatus(`${sim.streamUrl}?stream_key=${subscription.stream_key}&seq_start=5&seq_end=2`), 400);
    });
  });

  describe('keys and sockets', () => {
    beforeEach(async () => {
      sim = await startSimulator({ rate: 0 });
    });

    it('refuses the upgrade with 401 for unknown, deleted and suspended keys', async () => {
      assert.equal(await upgradeStatus(`${sim.streamUrl}?stream_key=${'0'.repeat(32)}`), 401);
      assert.equal(await upgradeStatus(sim.streamUrl), 401);
      const { token, subscription } = await signInAndSubscribe(sim);
      const suspended = await subscribe(sim, token);
      assert.equal((await request(sim, 'POST', `/sim/subscriptions/${suspended.id}/suspend`, { body: { suspended: true } })).status, 200);
      assert.equal(await upgradeStatus(`${sim.streamUrl}?stream_key=${suspended.stream_key}`), 401);
      assert.equal((await request(sim, 'DELETE', `/api/v1/subscriptions/${subscription.id}.json`, { token })).status, 204);
      assert.equal(await upgradeStatus(`${sim.streamUrl}?stream_key=${subscription.stream_key}`), 401);
      assert.equal(await upgradeStatus(`${sim.url}/elsewhere?stream_key=${suspended.stream_key}`), 404);
    });

    it('shows connection_status Online while a socket is attached', async () => {
      const { token, subscription } = await signInAndSubscribe(sim);
      const stream = await StreamRecorder.open(sim, subscription.stream_key);
      const show = async () => ((await request(sim, 'GET', `/api/v1/subscriptions/${subscription.id}.json`, { token })).body as { subscription: { connection_status: string } }).subscription.connection_status;
      assert.equal(await show(), 'Online');
      stream.terminate();
      await waitUntil('Offline', async () => (await show()) === 'Offline');
    });

    it('a second socket on a key replaces the first, which is closed with 4000', async () => {
      const { subscription } = await signInAndSubscribe(sim);
      const first = await StreamRecorder.open(sim, subscription.stream_key);
      const second = await StreamRecorder.open(sim, subscription.stream_key);
      try {
        assert.equal((await first.waitForClose()).code, CLOSE_REPLACED);
        await report(sim, 19.5);
        await second.waitForEvents(1);
        assert.equal(first.eventFrames().length, 0);
        const state = (await request(sim, 'GET', '/sim/state')).body as { sockets: number; subscriptions: Array<{ connected: boolean }> };
        assert.equal(state.sockets, 1);
        assert.equal(state.subscriptions[0].connected, true);
      } finally {
        second.terminate();
      }
    });

    it('duplicateSockets "refuse" answers 409 to the second socket', async () => {
      await sim.close();
      sim = await startSimulator({ rate: 0, duplicateSockets: 'refuse' });
      const { subscription } = await signInAndSubscribe(sim);
      const first = await StreamRecorder.open(sim, subscription.stream_key);
      try {
        assert.equal(await upgradeStatus(`${sim.streamUrl}?stream_key=${subscription.stream_key}`), 409);
      } finally {
        first.terminate();
      }
    });

    it('drops a mobile subscription when its socket closes', async () => {
      const { token, subscription } = await signInAndSubscribe(sim, { client_type: 'mobile', dsn: '', oem_model: '*', subscription_type: 'datapoint,connectivity' });
      assert.equal(subscription.dsn, '*');
      const stream = await StreamRecorder.open(sim, subscription.stream_key);
      await request(sim, 'POST', `/sim/devices/${PLUG}/connectivity`, { body: { status: 'Offline' } });
      await report(sim, 18);
      await stream.waitForEvents(2);
      assert.deepEqual(stream.events().map((event) => event.metadata.event_type), ['connectivity', 'datapoint']);
      stream.terminate();
      await waitUntil('mobile subscription dropped', async () => (await request(sim, 'GET', `/api/v1/subscriptions/${subscription.id}`, { token })).status === 404);
    });
  });

  describe('filtering', () => {
    beforeEach(async () => {
      sim = await startSimulator({ rate: 0 });
    });

    it('each subscription receives only its type, oem_model, dsn list and property list', async () => {
      const { token, subscription: byDsn } = await signInAndSubscribe(sim, { oem_model: 'thermo-t100', dsn: `${THERMOSTAT}, ${PLUG}`, property_name: '*' });
      const byProperty = await subscribe(sim, token, { oem_model: 'thermo-t100', dsn: '*', property_name: 'humidity,target_temp' });
      const byModel = await subscribe(sim, token, { oem_model: 'smartplug-v2', dsn: '*' });
      const connectivity = await subscribe(sim, token, { oem_model: '*', dsn: OTHER_THERMOSTAT, subscription_type: 'connectivity' });

      await report(sim, 20.1, THERMOSTAT);
      await report(sim, 50, OTHER_THERMOSTAT, 'humidity');
      await report(sim, 120.5, PLUG, 'power_w');
      await request(sim, 'POST', `/sim/devices/${OTHER_THERMOSTAT}/connectivity`, { body: { status: 'Offline' } });
      await request(sim, 'POST', `/sim/devices/${THERMOSTAT}/connectivity`, { body: { status: 'Offline' } });

      const seen = async (id: number) => {
        const body = (await request(sim, 'GET', `/sim/subscriptions/${id}/events`)).body as { events: Array<{ metadata: { dsn: string; event_type: string; property_name?: string } }> };
        return body.events.map((event) => `${event.metadata.event_type}:${event.metadata.dsn}:${event.metadata.property_name ?? ''}`);
      };
      assert.deepEqual(await seen(byDsn.id), [`datapoint:${THERMOSTAT}:current_temp`]);
      assert.deepEqual(await seen(byProperty.id), [`datapoint:${OTHER_THERMOSTAT}:humidity`]);
      assert.deepEqual(await seen(byModel.id), [`datapoint:${PLUG}:power_w`]);
      assert.deepEqual(await seen(connectivity.id), [`connectivity:${OTHER_THERMOSTAT}:`]);
    });
  });
});
