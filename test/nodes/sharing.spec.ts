/**
 * Connections: equal subscriptions share one socket, redeploys leave exactly the sockets the
 * flow needs, and subscriptions are deleted only when their last node is removed.
 */
import { strict as assert } from 'node:assert';
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
  waitConnected,
  waitFor,
} from './support/flow-kit';

const THERMO_SPEC = { oemModel: 'thermo-t100' };

describe('ayla-dss-account: shared streams and redeploys', function () {
  this.timeout(30_000);
  const sim = useSimulatorAndHelper({ simulatorPerTest: true });

  function flowWith(...nodes: Array<Record<string, unknown>>) {
    return [accountNode(sim()), ...nodes, helperNode('out')];
  }

  it('nodes asking for the same subscription share one socket; each gets every event', async () => {
    const flow = flowWith(
      inNode('datapoint', 'a', THERMO_SPEC, ['out-a']),
      inNode('datapoint', 'b', { ...THERMO_SPEC, oemModel: ' thermo-t100 ' }, ['out-b']),
      inNode('datapoint', 'c', THERMO_SPEC, ['out-c']),
      inNode('connectivity', 'd', { dsns: THERMOSTAT }),
      helperNode('out-a'),
      helperNode('out-b'),
      helperNode('out-c'),
    );
    await helper.load(aylaNodes, flow, accountCredentials(sim()));
    const received = ['out-a', 'out-b', 'out-c'].map((id) => recordInputs(helper.getNode(id)));
    const state = await waitConnected(sim(), 2);
    assert.equal(state.subscriptions.length, 2, 'one datapoint and one connectivity subscription');
    await simPost(sim(), '/sim/events', datapointEvent(THERMOSTAT, 'current_temp', 19.5));
    await waitFor('the event on all three nodes', () => received.every((list) => list.length === 1));
    // Each node has its own copy: a flow changing its msg cannot change another's.
    assert.notEqual(received[0][0].ayla, received[1][0].ayla);
    assert.deepEqual(received[0][0].ayla, received[1][0].ayla);
  });

  it('20 full redeploys leave one socket per subscription and re-create nothing', async () => {
    const flow = flowWith(inNode('datapoint', 'a', THERMO_SPEC), inNode('datapoint', 'b', THERMO_SPEC), inNode('location', 'c', { dsns: THERMOSTAT }));
    await helper.load(aylaNodes, flow, accountCredentials(sim()));
    const before = await waitConnected(sim(), 2);
    const firstAccount = helper.getNode('account1');
    for (let i = 0; i < 20; i++) {
      // Alternate between two equivalent flows so that Node-RED really restarts the nodes.
      const next = flow.map((node) => (node.id === 'b' ? { ...node, name: `b${i}` } : node));
      await helper.setFlows(next, 'full', accountCredentials(sim()));
    }
    const after = await waitConnected(sim(), 2);
    assert.notEqual(helper.getNode('account1'), firstAccount, 'the account node really was re-created');
    assert.deepEqual(
      after.subscriptions.map((s) => s.id).sort(),
      before.subscriptions.map((s) => s.id).sort(),
      'the same subscriptions are reused',
    );
    const received = recordInputs(helper.getNode('out'));
    await simPost(sim(), '/sim/events', datapointEvent(THERMOSTAT, 'current_temp', 18));
    await waitFor('the event on both datapoint nodes', () => received.length === 2);
  });

  it('a full deploy without a node deletes its subscription; others are kept', async () => {
    const flow = flowWith(inNode('datapoint', 'a', THERMO_SPEC), inNode('location', 'c', { dsns: THERMOSTAT }));
    await helper.load(aylaNodes, flow, accountCredentials(sim()));
    const before = await waitConnected(sim(), 2);
    await helper.setFlows(
      flow.filter((node) => node.id !== 'c'),
      'full',
      accountCredentials(sim()),
    );
    const after = await waitFor('the location subscription to be deleted', async () => {
      const state = await simState(sim());
      return state.subscriptions.length === 1 ? state : null;
    });
    assert.equal(after.subscriptions[0].subscription_type, 'datapoint');
    assert.equal(after.subscriptions[0].id, before.subscriptions.find((s) => s.subscription_type === 'datapoint')?.id);
    await waitConnected(sim(), 1);
  });

  it('a "modified nodes" deploy: a replacement node keeps the subscription, a removed one is deleted after the grace period', async () => {
    const flow = flowWith(inNode('datapoint', 'a', THERMO_SPEC), inNode('location', 'c', { dsns: THERMOSTAT }));
    await helper.load(aylaNodes, flow, accountCredentials(sim()));
    const before = await waitConnected(sim(), 2);
    const datapointId = before.subscriptions.find((s) => s.subscription_type === 'datapoint')?.id;
    await helper.setFlows(flowWith(inNode('datapoint', 'a2', THERMO_SPEC)), 'nodes', accountCredentials(sim()));
    const after = await waitFor(
      'the location subscription to be deleted',
      async () => {
        const state = await simState(sim());
        return state.subscriptions.length === 1 ? state : null;
      },
      9000,
      200,
    );
    assert.equal(after.subscriptions[0].id, datapointId, 'the replacement re-registered in time: its subscription survived');
    await waitConnected(sim(), 1);
  });
});
