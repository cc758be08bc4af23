/**
 * The stream sends from the key's log at the client's pace: a replay or a burst larger than the
 * socket can take waits in the retention, not in memory of its own, and arrives complete and in
 * order once the client reads again.
 */
import { strict as assert } from 'node:assert';
import type { Socket } from 'node:net';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { delay, request, signInAndSubscribe, StreamRecorder, waitUntil } from './support/sim-client';

const EVENTS = 40_000;
const ALL_AUTOMATIC_TYPES = 'datapoint,connectivity,location,registration';

type State = { subscriptions: Array<{ id: number; nextSeq: number; retained: number; sendCursor: number | null }> };

async function subscriptionState(sim: RunningSimulator, id: number): Promise<State['subscriptions'][number]> {
  const state = (await request(sim, 'GET', '/sim/state')).body as State;
  const entry = state.subscriptions.find((candidate) => candidate.id === id);
  assert.ok(entry);
  return entry;
}

describe('simulator: stream flow control', function () {
  this.timeout(60_000);
  let sim: RunningSimulator;

  afterEach(() => sim.close());

  it('a replay to a client that stops reading waits in the log, then arrives complete and in order', async () => {
    sim = await startSimulator({ rate: 0, seed: 3, devices: 100, retention: EVENTS, heartbeatMs: 60_000 });
    const { subscription } = await signInAndSubscribe(sim, { client_type: 'mobile', dsn: '', oem_model: '*', subscription_type: ALL_AUTOMATIC_TYPES });
    assert.deepEqual((await request(sim, 'POST', '/sim/generate', { body: { count: EVENTS } })).body, { generated: EVENTS });
    assert.equal((await subscriptionState(sim, subscription.id)).nextSeq, EVENTS);

    const replay = new StreamRecorder(`${sim.streamUrl}?stream_key=${subscription.stream_key}&seq_start=0`);
    await replay.opened;
    // The client stops reading: what the server sends piles up in the OS buffers.
    const tcp = (replay.socket as unknown as { _socket: Socket })._socket;
    tcp.pause();
    try {
      // Until the OS buffers are full the server keeps sending; then its cursor stops.
      let previous = -1;
      let cursor = 0;
      await waitUntil('the send cursor to stop', async () => {
        await delay(100);
        previous = cursor;
        cursor = (await subscriptionState(sim, subscription.id)).sendCursor ?? -1;
        return cursor === previous;
      }, 20_000);
      assert.ok(cursor < EVENTS, `the server stopped at seq ${cursor} of ${EVENTS}`);

      tcp.resume();
      await replay.waitForEvents(EVENTS, 30_000);
      const seqs = replay.events().map((event) => Number(event.seq));
      assert.equal(seqs.length, EVENTS);
      assert.ok(seqs.every((seq, index) => seq === index), 'every seq once, in order');
      assert.equal((await subscriptionState(sim, subscription.id)).sendCursor, EVENTS);
    } finally {
      replay.terminate();
    }
  });

  it('a burst larger than the retention keeps only the retention, and a late client gets the newest events', async () => {
    sim = await startSimulator({ rate: 0, seed: 4, devices: 500, retention: 1000 });
    const { subscription } = await signInAndSubscribe(sim, { client_type: 'mobile', dsn: '', oem_model: '*', subscription_type: ALL_AUTOMATIC_TYPES });
    assert.deepEqual((await request(sim, 'POST', '/sim/generate', { body: { count: 100_000 } })).body, { generated: 100_000 });
    const state = await subscriptionState(sim, subscription.id);
    assert.deepEqual([state.nextSeq, state.retained], [100_000, 1000]);
    const replay = await StreamRecorder.open(sim, subscription.stream_key, '&seq_start=0');
    try {
      await replay.waitForEvents(1000);
      const seqs = replay.events().map((event) => Number(event.seq));
      assert.deepEqual([seqs[0], seqs[seqs.length - 1]], [99_000, 99_999]);
    } finally {
      replay.terminate();
    }
  });
});
