/**
 * Resume across a reconnect and across a restart (a PositionFile), against the simulator,
 * including the case the server cannot replay far enough: one 'gap' naming the lost seqs,
 * then every retained event.
 */
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PositionFile } from '../../nodes/lib/position-file';
import { StreamClient, type StreamClientOptions, type StreamEventInfo, type StreamGap } from '../../nodes/lib/stream';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { request, signInAndSubscribe, waitUntil } from '../sim/support/sim-client';
import { delay } from '../support/wait-for';

const THERMOSTAT = 'AC000W005606115';
/** Time given to a wrong extra event or gap to show up before asserting there is none (ms). */
const SETTLE_MS = 100;

/** What a client emitted, in order: events as their seq, gaps as "gap:expected-received". */
type Delivery = number | string;

describe('StreamClient resume (simulator)', () => {
  let sim: RunningSimulator;
  let streamKey: string;
  const clients: StreamClient[] = [];
  let directory: string;

  const report = async (value: number) => {
    const answer = await request(sim, 'POST', `/sim/devices/${THERMOSTAT}/properties/current_temp`, { body: { value } });
    assert.equal(answer.status, 200);
  };
  const post = async (pathName: string, body: unknown = {}) => {
    const answer = await request(sim, 'POST', pathName, { body });
    assert.equal(answer.status, 200, `${pathName} answered ${answer.status}`);
  };

  function openClient(overrides: Partial<StreamClientOptions> = {}) {
    const client = new StreamClient({
      streamUrl: sim.streamUrl,
      getStreamKey: () => streamKey,
      eventType: 'datapoint',
      heartbeatTimeoutMs: 3000,
      backoff: { initialDelayMs: 20, maxDelayMs: 50, jitter: 0 },
      ...overrides,
    });
    clients.push(client);
    const log: Delivery[] = [];
    const gaps: StreamGap[] = [];
    client.on('event', (info: StreamEventInfo) => log.push(info.seq));
    client.on('gap', (gap: StreamGap) => {
      gaps.push(gap);
      log.push(`gap:${gap.expected}-${gap.received}`);
    });
    client.on('error', () => undefined /* dropped sockets and refused upgrades are part of these tests */);
    client.start();
    return { client, log, gaps, events: () => log.filter((entry): entry is number => typeof entry === 'number') };
  }

  async function start(retention: number): Promise<void> {
    sim = await startSimulator({ retention, rate: 0, heartbeatMs: 1000 });
    streamKey = (await signInAndSubscribe(sim, { dsn: THERMOSTAT, property_name: 'current_temp' })).subscription.stream_key;
  }

  beforeEach(async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'stream-resume-'));
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await sim.close();
    await fs.rm(directory, { recursive: true, force: true });
  });

  it('retention exceeded during a disconnect: exactly one gap naming the lost seqs, then every retained event', async () => {
    await start(5);
    const { client, log, gaps, events } = openClient();
    await waitUntil('stream open', () => client.state === 'open');
    for (let i = 0; i < 3; i++) await report(20 + i);
    await waitUntil('seqs 0-2', () => events().length === 3);

    // Keep the client out while more events than the retention arrive.
    await post('/sim/faults/refuse-upgrades', { seconds: 60 });
    await post('/sim/faults/drop-sockets');
    await waitUntil('client disconnected', () => client.state !== 'open');
    for (let i = 3; i <= 10; i++) await report(20 + i); // seqs 3..10; only 6..10 stay retained
    await post('/sim/faults/refuse-upgrades', { seconds: 0 });

    await waitUntil('retained events', () => events().includes(10), 5000);
    await report(31); // a live event after the replay: no further gap
    await waitUntil('live event', () => events().includes(11));
    await delay(SETTLE_MS);
    assert.deepEqual(gaps, [{ expected: 3, received: 6 }], 'one gap: seqs 3..5 are lost');
    assert.deepEqual(log, [0, 1, 2, 'gap:3-6', 6, 7, 8, 9, 10, 11]);
    assert.equal(client.stats.duplicates, 0);
  });

  it('restart: a position file carries the last seq to a new client, which gets what arrived meanwhile, once', async () => {
    await start(100);
    const file = path.join(directory, 'seqs.json');
    const storeKey = 'node-red-ayla-dss-datapoint-test';

    // First "Node-RED run".
    const firstStore = new PositionFile({ file, throttleMs: 50 });
    await firstStore.load();
    const first = openClient();
    first.client.on('event', (info: StreamEventInfo) => firstStore.set(storeKey, { seq: info.seq }));
    await waitUntil('stream open', () => first.client.state === 'open');
    for (let i = 0; i < 3; i++) await report(20 + i);
    await waitUntil('seqs 0-2', () => first.events().length === 3);
    await first.client.close();
    await firstStore.close();

    for (let i = 3; i <= 6; i++) await report(20 + i); // while "Node-RED is down"

    // Second run: resume from the stored seq + 1.
    const secondStore = new PositionFile({ file });
    await secondStore.load();
    const stored = secondStore.get(storeKey)?.seq;
    assert.equal(stored, 2);
    const second = openClient({ startSeq: (stored ?? 0) + 1 });
    await waitUntil('replayed events', () => second.events().length === 4);
    await report(27);
    await waitUntil('live event', () => second.events().length === 5);
    await delay(SETTLE_MS);
    assert.deepEqual(second.log, [3, 4, 5, 6, 7], 'no gap, no duplicate, nothing before the resume point');
    await secondStore.close();
  });

  it('restart with retention exceeded: the first event after a persisted resume point reports the gap', async () => {
    await start(3);
    for (let i = 0; i <= 9; i++) await report(20 + i); // seqs 0..9; only 7..9 retained
    const { log } = openClient({ startSeq: 4 });
    await waitUntil('retained events', () => log.includes(9));
    await delay(SETTLE_MS);
    assert.deepEqual(log, ['gap:4-7', 7, 8, 9]);
  });
});
