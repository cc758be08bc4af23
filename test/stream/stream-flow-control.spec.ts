/**
 * StreamClient.pause() / resume(): nothing is delivered while paused, everything arrives in
 * order exactly once after resume, the watchdog is suspended while paused, and a socket the
 * server gives up on meanwhile is replaced by a resumed one. Against a scripted server and
 * against the simulator.
 */
import { strict as assert } from 'node:assert';
import FakeTimers from '@sinonjs/fake-timers';
import type { StateInfo, StreamError, StreamEventInfo } from '../../nodes/lib/stream';
import { StreamClient } from '../../nodes/lib/stream';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { request, signInAndSubscribe, waitUntil } from '../sim/support/sim-client';
import { datapointFrame, startStreamBench, type StreamBench } from '../support/stream-test-kit';
import { delay, nextEvent, record } from '../support/wait-for';

/** How long a test watches a paused client to see that nothing is delivered (bounded, ms). */
const PAUSED_WATCH_MS = 250;

const seqsOf = (events: StreamEventInfo[]) => events.map((info) => info.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_unused, i) => from + i);

describe('StreamClient flow control (scripted server)', () => {
  let bench: StreamBench;

  beforeEach(async () => {
    bench = await startStreamBench();
  });

  afterEach(async () => {
    await bench.close();
  });

  it('delivers nothing while paused, then everything in order after resume; the state stays open', async () => {
    const client = bench.client();
    const events = record<StreamEventInfo>(client, 'event');
    const opened = nextEvent(client, 'state', (info: StateInfo) => info.state === 'open');
    client.start();
    const connection = await bench.server.nextConnection();
    await opened;
    connection.send(datapointFrame(0));
    await nextEvent(client, 'event');
    client.pause();
    assert.equal(client.paused, true);
    for (let seq = 1; seq <= 5; seq++) connection.send(datapointFrame(seq));
    await delay(PAUSED_WATCH_MS);
    assert.deepEqual(seqsOf(events), [0], 'no event while paused');
    assert.equal(client.state, 'open');
    client.resume();
    assert.equal(client.paused, false);
    await waitUntil('events after resume', () => events.length === 6);
    assert.deepEqual(seqsOf(events), range(0, 5));
    assert.equal(client.stats.duplicates, 0);
  });

  it('suspends the watchdog while paused and restarts it on resume (fake clock for the watchdog)', async () => {
    // Installed before start(): the watchdog runs on the fake clock; the socket is real.
    const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const client = bench.client({ heartbeatTimeoutMs: 120 });
      const errors = record<StreamError>(client, 'error');
      const opened = nextEvent(client, 'state', (info: StateInfo) => info.state === 'open');
      client.start();
      await bench.server.nextConnection();
      await opened;
      client.pause();
      clock.tick(400); // more than three heartbeat timeouts of silence
      assert.deepEqual(errors.map((error) => error.code), [], 'no HEARTBEAT_TIMEOUT while paused');
      assert.equal(client.state, 'open');
      assert.equal(bench.server.attempts.length, 1);
      client.resume();
      clock.tick(119);
      assert.deepEqual(errors.map((error) => error.code), [], 'the restarted watchdog gives a full heartbeat timeout');
      clock.tick(1); // the server stays silent: the restarted watchdog fires
      assert.deepEqual(errors.map((error) => error.code), ['HEARTBEAT_TIMEOUT']);
      await client.close();
    } finally {
      clock.uninstall();
    }
  });

  it('holds what was already read when a listener pauses mid-burst, and a listener may pause again during resume', async () => {
    const client = bench.client();
    const events = record<StreamEventInfo>(client, 'event');
    client.on('event', (info: StreamEventInfo) => {
      if (info.seq === 2 || info.seq === 6) client.pause();
    });
    client.start();
    const connection = await bench.server.nextConnection();
    // One burst: ws usually reads these in one chunk, so events 3.. are already in memory at pause().
    for (let seq = 0; seq <= 9; seq++) connection.send(datapointFrame(seq));
    await waitUntil('first events', () => events.length >= 3);
    await delay(PAUSED_WATCH_MS);
    assert.deepEqual(seqsOf(events), [0, 1, 2]);
    client.resume();
    assert.deepEqual(seqsOf(events), range(0, 6), 'resume delivered the held events up to the next pause');
    assert.equal(client.paused, true);
    await delay(50);
    assert.deepEqual(seqsOf(events), range(0, 6));
    client.resume();
    await waitUntil('all events', () => events.length === 10);
    assert.deepEqual(seqsOf(events), range(0, 9));
  });

  it('opens paused when pause() came before start()', async () => {
    const client = bench.client();
    const events = record<StreamEventInfo>(client, 'event');
    client.pause();
    const opened = nextEvent(client, 'state', (info: StateInfo) => info.state === 'open');
    client.start();
    const connection = await bench.server.nextConnection();
    await opened;
    for (let seq = 0; seq <= 2; seq++) connection.send(datapointFrame(seq));
    await delay(PAUSED_WATCH_MS);
    assert.deepEqual(events, []);
    client.resume();
    await waitUntil('events', () => events.length === 3);
    assert.deepEqual(seqsOf(events), [0, 1, 2]);
  });

  it('on resume, notices a socket the server closed meanwhile and reconnects from the last seq + 1', async () => {
    const client = bench.client();
    const events = record<StreamEventInfo>(client, 'event');
    client.on('error', () => undefined /* the close is expected */);
    client.start();
    const first = await bench.server.nextConnection();
    first.send(datapointFrame(0));
    await nextEvent(client, 'event');
    client.pause();
    first.send(datapointFrame(1));
    first.send(datapointFrame(2));
    first.socket.close(4001, 'heartbeat answers missing');
    await delay(PAUSED_WATCH_MS);
    assert.equal(bench.server.attempts.length, 1, 'a paused client does not read the close yet');
    client.resume();
    const second = await bench.server.nextConnection();
    assert.equal(second.query.get('seq_start'), '3');
    await waitUntil('held events', () => events.length === 3);
    assert.deepEqual(seqsOf(events), [0, 1, 2]);
  });

  it('pause() and resume() are idempotent and do nothing after close()', async () => {
    const client = bench.client();
    client.resume(); // not paused: nothing
    assert.equal(client.paused, false);
    client.pause();
    client.pause();
    assert.equal(client.paused, true);
    await client.close();
    client.resume();
    assert.equal(client.paused, true, 'resume after close does nothing');
    assert.equal(client.state, 'closed');
  });
});

describe('StreamClient flow control (simulator)', () => {
  const THERMOSTAT = 'AC000W005606115';
  let sim: RunningSimulator;
  let client: StreamClient | undefined;

  const report = async (value: number) => {
    const answer = await request(sim, 'POST', `/sim/devices/${THERMOSTAT}/properties/current_temp`, { body: { value } });
    assert.equal(answer.status, 200);
  };

  async function openClient(heartbeatTimeoutMs: number): Promise<{ client: StreamClient; events: StreamEventInfo[]; streamKey: string }> {
    const { subscription } = await signInAndSubscribe(sim, { dsn: THERMOSTAT, property_name: 'current_temp' });
    const streamClient = new StreamClient({
      streamUrl: sim.streamUrl,
      getStreamKey: () => subscription.stream_key,
      eventType: 'datapoint',
      heartbeatTimeoutMs,
      backoff: { initialDelayMs: 20, maxDelayMs: 50, jitter: 0 },
    });
    client = streamClient;
    const events = record<StreamEventInfo>(streamClient, 'event');
    streamClient.on('error', () => undefined /* reconnects are part of these tests */);
    streamClient.start();
    await waitUntil('stream open', () => streamClient.state === 'open');
    return { client: streamClient, events, streamKey: subscription.stream_key };
  }

  afterEach(async () => {
    await client?.close();
    client = undefined;
    await sim.close();
  });

  it('pause: injected events are not delivered; resume: all arrive in order exactly once', async () => {
    sim = await startSimulator({ rate: 0, heartbeatMs: 1000 });
    const { client: streamClient, events } = await openClient(5000);
    await report(20);
    await waitUntil('first event', () => events.length === 1);
    streamClient.pause();
    for (let i = 1; i <= 20; i++) await report(20 + i / 10);
    await delay(PAUSED_WATCH_MS);
    assert.deepEqual(seqsOf(events), [0], 'nothing delivered while paused');
    assert.equal(streamClient.state, 'open');
    streamClient.resume();
    await waitUntil('all events', () => events.length === 21);
    await delay(50); // room for a duplicate to show up, were there one
    assert.deepEqual(seqsOf(events), range(0, 20));
    assert.deepEqual(
      events.map((info) => (info.event as { datapoint: { value: number } }).datapoint.value),
      range(0, 20).map((i) => 20 + i / 10),
    );
    assert.equal(streamClient.stats.reconnects, 0);
  });

  it('a client paused past the server heartbeat grace is dropped; resume reconnects and loses nothing', async () => {
    sim = await startSimulator({ rate: 0, heartbeatMs: 50, missedHeartbeats: 2 });
    const { client: streamClient, events, streamKey } = await openClient(2000);
    await report(20);
    await waitUntil('first event', () => events.length === 1);
    streamClient.pause();
    for (let i = 1; i <= 5; i++) await report(20 + i / 10);
    const connected = async () => {
      const answer = await request(sim, 'GET', '/sim/state');
      const state = answer.body as { subscriptions: Array<{ stream_key: string; connected: boolean }> };
      return state.subscriptions.some((entry) => entry.stream_key === streamKey && entry.connected);
    };
    // Unanswered heartbeats: the server closes the socket (and cuts it after its 1 s grace).
    await waitUntil('server dropped the paused socket', async () => !(await connected()), 5000);
    for (let i = 6; i <= 10; i++) await report(20 + i / 10); // retained, not sent to anyone
    assert.deepEqual(seqsOf(events), [0]);
    streamClient.resume();
    await waitUntil('all events after the reconnect', () => events.length === 11, 5000);
    await delay(50);
    assert.deepEqual(seqsOf(events), range(0, 10));
    assert.ok(streamClient.stats.reconnects >= 1, 'the dropped socket was replaced');
  });
});
