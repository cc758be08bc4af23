/**
 * Every flow in examples/ loads and deploys against the simulator (the account is pointed at
 * it and given the demo credentials at load time; debug nodes become helper nodes), every
 * in-node connects without an error, the home-automation flow produces its alerts, the
 * thermostat round trip writes, is acknowledged and sees the new value, and the dashboard gets
 * the current state on deploy.
 *
 * MQTT broker config nodes are loaded with `autoConnect` off: this suite needs no broker and
 * must never publish to one that happens to run on the machine. The fan-out example is run
 * end to end against a broker of its own in test/scale/mqtt-fanout.spec.ts.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { aylaNodes, datapointEvent, errorsOf, helper, recordInputs, requireCoreNode, simPost, simState, THERMOSTAT, useSimulatorAndHelper, waitFor } from './support/flow-kit';

const coreNodes = [
  requireCoreNode('@node-red/nodes/core/common/90-comment.js'),
  requireCoreNode('@node-red/nodes/core/function/10-switch.js'),
  requireCoreNode('@node-red/nodes/core/function/15-change.js'),
  requireCoreNode('@node-red/nodes/core/function/80-template.js'),
  requireCoreNode('@node-red/nodes/core/common/20-inject.js'),
  requireCoreNode('@node-red/nodes/core/common/25-catch.js'),
  requireCoreNode('@node-red/nodes/core/network/10-mqtt.js'),
  requireCoreNode('@node-red/nodes/core/function/10-function.js'),
  requireCoreNode('@node-red/nodes/core/common/25-status.js'),
];

const examplesDir = path.resolve(__dirname, '../../examples');
const exampleFiles = fs.readdirSync(examplesDir).filter((file) => file.endsWith('.json'));

type FlowNode = Record<string, unknown> & { id: string; type: string };

describe('examples/', function () {
  this.timeout(20_000);
  const sim = useSimulatorAndHelper({ simulatorPerTest: true });

  /**
   * The example with an account on the simulator and debug nodes as helper nodes. Examples carry
   * no account (the editor gives imported nodes the user's one account, nodes/editor/import-accounts.ts):
   * here the flow gets one, as the editor would give it.
   */
  function adapt(file: string): { flow: FlowNode[]; credentials: Record<string, Record<string, string>> } {
    const flow = JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8')) as FlowNode[];
    assert.ok(!flow.some((node) => node.type === 'ayla-dss-account'), `${file} carries no account node`);
    const account = { id: 'examples-account', type: 'ayla-dss-account', region: 'custom', streamUrl: sim().streamUrl, apiUrl: sim().apiUrl, userUrl: sim().userUrl, deviceUrl: sim().deviceUrl };
    const adapted = flow.map((node) => {
      const { credentials: blank, ...rest } = node;
      for (const value of Object.values((blank ?? {}) as Record<string, string>)) assert.equal(value, '', `${file} carries a credential`);
      if (node.type === 'debug') return { id: node.id, type: 'helper', wires: [] } as FlowNode;
      if (node.type === 'mqtt-broker') return { ...rest, autoConnect: false } as FlowNode;
      if (/^ayla-/.test(node.type)) {
        assert.equal(node.account, '', `${node.id} of ${file} names no account`);
        return { ...rest, account: account.id } as FlowNode;
      }
      return rest as FlowNode;
    });
    return { flow: [...adapted, account], credentials: { [account.id]: { ...sim().account } } };
  }


  it('has one example per in-node type and a home-automation flow', () => {
    const types = new Set(exampleFiles.flatMap((file) => (JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8')) as FlowNode[]).map((n) => n.type)));
    for (const type of ['connectivity', 'datapoint', 'datapointack', 'location', 'registration']) assert.ok(types.has(`ayla-${type}-in`), type);
    assert.ok(exampleFiles.some((file) => /home automation/i.test(file)));
  });

  const startsByItself = (node: FlowNode) => node.autoStart !== false;
  for (const file of exampleFiles) {
    it(`"${file}" deploys and every in-node connects, or waits for its start command`, async () => {
      const { flow, credentials } = adapt(file);
      await helper.load([aylaNodes, ...coreNodes], flow, credentials);
      const inNodes = flow.filter((node) => /^ayla-.*-in$/.test(node.type));
      assert.ok(inNodes.length > 0);
      const ids = inNodes.map((node) => node.id);
      if (inNodes.some(startsByItself)) {
        await waitFor('every in-node connected', async () => {
          const state = await simState(sim());
          return state.sockets > 0 && state.subscriptions.every((s) => s.connected);
        });
      } else {
        // The standby example: its in-nodes wait for the coordinator, which waits for a broker
        // (none here); started by hand, they connect. Run end to end in test/scale/standby.spec.ts.
        assert.equal((await simState(sim())).sockets, 0, 'nothing reads DSS before the start command');
        for (const id of ids) helper.getNode(id).receive({ payload: 'start' });
        await waitFor('every in-node connected after start', async () => {
          const state = await simState(sim());
          return state.sockets === ids.length && state.subscriptions.every((s) => s.connected);
        });
      }
      assert.deepEqual(errorsOf(ids), []);
    });
  }

  it('the home-automation flow notifies above 25 °C and alerts on Offline', async () => {
    const file = exampleFiles.find((name) => /home automation/i.test(name)) as string;
    const { flow, credentials } = adapt(file);
    await helper.load([aylaNodes, ...coreNodes], flow, credentials);
    const notifications = recordInputs(helper.getNode('ex06-dbgNotify'));
    const alerts = recordInputs(helper.getNode('ex06-dbgAlert'));
    await waitFor('two connected subscriptions', async () => {
      const state = await simState(sim());
      return state.sockets === 2 && state.subscriptions.every((s) => s.connected);
    });
    await simPost(sim(), '/sim/events', datapointEvent(THERMOSTAT, 'current_temp', 21.5));
    await simPost(sim(), '/sim/events', datapointEvent(THERMOSTAT, 'humidity', 80));
    await simPost(sim(), '/sim/events', datapointEvent(THERMOSTAT, 'current_temp', 26.5));
    await simPost(sim(), `/sim/devices/${THERMOSTAT}/connectivity`, { status: 'Online' });
    await simPost(sim(), `/sim/devices/${THERMOSTAT}/connectivity`, { status: 'Offline' });
    await waitFor('a notification and an alert', () => notifications.length === 1 && alerts.length === 1);
    assert.match(String(notifications[0].payload), /26\.5 °C at thermostat AC000W005606115/);
    assert.match(String(alerts[0].payload), /^Device AC000W005606115 went offline/);
  });

  it('the thermostat round trip writes the target temperature, gets the acknowledgement and sees the new value', async () => {
    const file = exampleFiles.find((name) => /round trip/i.test(name)) as string;
    const { flow, credentials } = adapt(file);
    await helper.load([aylaNodes, ...coreNodes], flow, credentials);
    const acks = recordInputs(helper.getNode('rt-dbg-ack'));
    const values = recordInputs(helper.getNode('rt-dbg-value'));
    const errors = recordInputs(helper.getNode('rt-dbg-error'));
    await waitFor('the subscription connected', async () => (await simState(sim())).subscriptions.some((s) => s.connected));
    helper.getNode('rt-set21').receive({});
    await waitFor('the acknowledged write and the new value', () => acks.length === 1 && values.some((msg) => msg.payload === 21.5));
    const ayla = acks[0].ayla as { value: number; ack: { success: boolean; status: number } };
    assert.equal(ayla.value, 21.5);
    assert.deepEqual([ayla.ack.success, ayla.ack.status], [true, 200]);
    assert.deepEqual(errors, []);
  });

  it('the dashboard gets every current value on deploy, marked initial, then the changes', async () => {
    const file = exampleFiles.find((name) => /dashboard on deploy/i.test(name)) as string;
    const { flow, credentials } = adapt(file);
    await helper.load([aylaNodes, ...coreNodes], flow, credentials);
    const currentValues = recordInputs(helper.getNode('db-sw-values-initial'));
    const changedValues = recordInputs(helper.getNode('db-sw-values-live'));
    const statuses = recordInputs(helper.getNode('db-sw-status-initial'));
    const places = recordInputs(helper.getNode('db-sw-where-initial'));
    // Three thermostats: two temperatures each, one status and one location each.
    await waitFor('the current state', () => currentValues.length === 6 && statuses.length === 3 && places.length === 3);
    assert.ok([...currentValues, ...statuses, ...places].every((msg) => msg.initial === true));
    await waitFor('three connected subscriptions', async () => (await simState(sim())).subscriptions.filter((s) => s.connected).length === 3);
    await simPost(sim(), `/sim/devices/${THERMOSTAT}/properties/current_temp`, { value: 24.2 });
    await waitFor('the change', () => changedValues.some((msg) => msg.payload === 24.2));
  });
});
