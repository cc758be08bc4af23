/**
 * The mobile client type: a mobile subscription lives only as long as its socket (docs/protocol.md
 * §4; the simulator deletes it when the socket closes), so the account creates a new one on
 * every reconnect and events keep arriving.
 */
import { strict as assert } from 'node:assert';
import type { RunningSimulator } from '../../simulator/index';
import {
  accountCredentials,
  accountNode,
  aylaNodes,
  datapointEvent,
  helper,
  helperNode,
  inNode,
  recordInputs,
  simPost,
  simState,
  THERMOSTAT,
  useSimulatorAndHelper,
  waitFor,
  type SimState,
} from './support/flow-kit';

/** The one subscription of the simulator, once it is connected on exactly one socket and is not `previous`. */
async function oneConnectedSubscription(sim: RunningSimulator, previous: number[] = []): Promise<SimState['subscriptions'][number]> {
  return waitFor(`one connected subscription other than ${previous.join(', ') || 'none'}`, async () => {
    const state = await simState(sim);
    const [only] = state.subscriptions;
    return state.sockets === 1 && state.subscriptions.length === 1 && only.connected && !previous.includes(only.id) ? only : null;
  });
}

describe('ayla-dss-account: mobile client type', function () {
  this.timeout(20_000);
  const sim = useSimulatorAndHelper();

  it('a new subscription on every reconnect; events keep arriving; one socket per subscription', async () => {
    const flow = [accountNode(sim(), { clientType: 'mobile' }), inNode('datapoint', 'n1', { oemModel: 'thermo-t100' }), helperNode()];
    await helper.load(aylaNodes, flow, accountCredentials(sim()));
    const received = recordInputs(helper.getNode('out'));
    const seen: Array<SimState['subscriptions'][number]> = [await oneConnectedSubscription(sim())];
    await simPost(sim(), '/sim/events', datapointEvent(THERMOSTAT, 'current_temp', 20));
    await waitFor('the first event', () => received.length === 1);

    for (let drop = 1; drop <= 2; drop++) {
      await simPost(sim(), '/sim/faults/drop-sockets');
      const next = await oneConnectedSubscription(
        sim(),
        seen.map((s) => s.id),
      );
      seen.push(next);
      await simPost(sim(), '/sim/events', datapointEvent(THERMOSTAT, 'current_temp', 20 + drop));
      await waitFor(`the event after drop ${drop}`, () => received.length === drop + 1);
    }

    assert.deepEqual(
      received.map((msg) => msg.payload),
      [20, 21, 22],
    );
    assert.equal(new Set(seen.map((s) => s.stream_key)).size, seen.length, 'each reconnect used a new stream key');
    assert.deepEqual(
      seen.map((s) => s.client_type),
      ['mobile', 'mobile', 'mobile'],
    );
    const state = await simState(sim());
    assert.equal(state.sockets, 1, 'exactly one socket at the end');
    assert.deepEqual(
      state.subscriptions.map((s) => [s.id, s.connected, s.subscription_type]),
      [[seen[2].id, true, 'datapoint']],
      'only the current subscription is left',
    );
    assert.equal((helper.getNode('account1') as unknown as { lease: { streamCount: number } }).lease.streamCount, 1, 'one StreamClient in the account');
  });
});
