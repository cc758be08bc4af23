/**
 * The package's own protocol clients (Session, SubscriptionClient, StreamClient) against the
 * simulator: sign-in, subscription creation, live events, and resume after a dropped socket.
 */
import { strict as assert } from 'node:assert';
import { Session } from '../../nodes/lib/session';
import { StreamClient, type StreamEventInfo } from '../../nodes/lib/stream';
import { SubscriptionClient } from '../../nodes/lib/subscriptions';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { request, waitUntil } from './support/sim-client';

const THERMOSTAT = 'AC000W005606115';

describe('simulator: interoperability with the package clients', () => {
  let sim: RunningSimulator;
  let client: StreamClient | undefined;

  beforeEach(async () => {
    sim = await startSimulator({ rate: 0, heartbeatMs: 100 });
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await sim.close();
  });

  it('signs in, creates a subscription, streams events and resumes after drop-sockets without gaps or duplicates', async () => {
    const session = new Session({ userUrl: sim.userUrl, credentials: sim.account });
    const subscriptions = new SubscriptionClient({ apiUrl: sim.apiUrl, session });
    const subscription = await subscriptions.create({ eventType: 'datapoint', oemModel: 'thermo-t100', dsns: THERMOSTAT, properties: 'current_temp', clientType: 'cloud' });
    const received: StreamEventInfo[] = [];
    client = new StreamClient({
      streamUrl: sim.streamUrl,
      getStreamKey: () => subscription.stream_key,
      eventType: 'datapoint',
      heartbeatTimeoutMs: 1000,
      backoff: { initialDelayMs: 20, maxDelayMs: 50, jitter: 0 },
    });
    client.on('event', (info: StreamEventInfo) => received.push(info));
    client.on('error', () => undefined /* reconnects are expected here */);
    client.start();
    await waitUntil('stream open', () => client?.state === 'open');

    const report = async (value: number) => {
      assert.equal((await request(sim, 'POST', `/sim/devices/${THERMOSTAT}/properties/current_temp`, { body: { value } })).status, 200);
    };
    await report(20);
    await waitUntil('first event', () => received.length === 1);
    await request(sim, 'POST', '/sim/faults/drop-sockets');
    await report(20.5);
    await report(21);
    await waitUntil('resumed events', () => received.length >= 3);
    assert.deepEqual(received.map((info) => info.seq), [0, 1, 2]);
    assert.deepEqual(received.map((info) => (info.event as { datapoint: { value: number } }).datapoint.value), [20, 20.5, 21]);
  });
});
