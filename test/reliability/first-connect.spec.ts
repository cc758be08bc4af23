/**
 * A subscription the account node has just created is read from seq 0: a connection lost before
 * its first event must not skip the events published in between (the reconnect would otherwise
 * have no seq to resume from and start live).
 */
import { strict as assert } from 'node:assert';
import { startSimulator, type RunningSimulator } from '../../simulator/index';
import { accountNode, aylaNodes, helper, helperNode, inNode, simPost, simState, waitConnected, waitFor } from '../nodes/support/flow-kit';
import { makeUserDir, PUMP_DSN, PUMP_MODEL, PUMP_PROPERTY, removeUserDir, startPump } from './support/reliability-kit';

describe('reliability: the first connection of a new subscription', function () {
  this.timeout(30_000);
  let sim: RunningSimulator;
  let userDir: string;

  before(async () => {
    sim = await startSimulator({ rate: 0, seed: 3, heartbeatMs: 300 });
    userDir = await makeUserDir();
    helper.settings({ userDir });
  });
  after(async () => {
    await helper.unload();
    helper.settings({});
    await removeUserDir(userDir);
    await sim.close();
  });

  it('delivers events published while the first connection was down, before any event arrived', async () => {
    const spec = { oemModel: PUMP_MODEL, dsns: PUMP_DSN, properties: `${PUMP_PROPERTY},first_connect` };
    await helper.load(aylaNodes, [accountNode(sim, { heartbeatTimeout: 2 }), inNode('datapoint', 'n1', spec), helperNode()], {
      account1: { ...sim.account },
    });
    const received: unknown[] = [];
    (helper.getNode('out') as unknown as NodeJS.EventEmitter).on('input', (msg: { payload: unknown }) => received.push(msg.payload));
    await waitConnected(sim, 1);
    const created = (await simState(sim)).subscriptions.filter((s) => s.connected);
    assert.equal(created.length, 1);

    // Lose the connection before any event, and keep it down while three events are published.
    await simPost(sim, '/sim/faults/refuse-upgrades', { seconds: 1 });
    await simPost(sim, '/sim/faults/drop-sockets');
    await startPump(sim, { count: 3, paceMs: 10 }).done;
    assert.equal((await simState(sim)).sockets, 0, 'the events were published while disconnected');

    await waitFor('the three events after the reconnect', () => received.length >= 3, 10_000);
    assert.deepEqual(received, [1, 2, 3]);
  });
});
