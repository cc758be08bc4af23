/**
 * Every flow in examples/ loads and deploys against the simulator (the account is pointed at
 * it and given the demo credentials at load time; debug nodes become helper nodes), every
 * in-node connects without an error, and the home-automation flow produces its alerts.
 *
 * MQTT broker config nodes are loaded with `autoConnect` off: this suite needs no broker and
 * must never publish to one that happens to run on the machine. The fan-out example is run
 * end to end against a broker of its own in test/scale/mqtt-fanout.spec.ts.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { aylaNodes, datapointEvent, helper, recordInputs, requireCoreNode, simPost, simState, THERMOSTAT, useSimulatorAndHelper, waitFor } from './support/flow-kit';

const coreNodes = [
  requireCoreNode('@node-red/nodes/core/common/90-comment.js'),
  requireCoreNode('@node-red/nodes/core/function/10-switch.js'),
  requireCoreNode('@node-red/nodes/core/function/15-change.js'),
  requireCoreNode('@node-red/nodes/core/function/80-template.js'),
  requireCoreNode('@node-red/nodes/core/network/10-mqtt.js'),
];

const examplesDir = path.resolve(__dirname, '../../examples');
const exampleFiles = fs.readdirSync(examplesDir).filter((file) => file.endsWith('.json'));

type FlowNode = Record<string, unknown> & { id: string; type: string };

describe('examples/', function () {
  this.timeout(20_000);
  const sim = useSimulatorAndHelper({ simulatorPerTest: true });

  /** The example with the account pointed at the simulator and debug nodes as helper nodes. */
  function adapt(file: string): { flow: FlowNode[]; credentials: Record<string, Record<string, string>> } {
    const flow = JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8')) as FlowNode[];
    const credentials: Record<string, Record<string, string>> = {};
    const adapted = flow.map((node) => {
      const { credentials: blank, ...rest } = node;
      for (const value of Object.values((blank ?? {}) as Record<string, string>)) assert.equal(value, '', `${file} carries a credential`);
      if (node.type === 'ayla-dss-account') {
        credentials[node.id] = { ...sim().account };
        return { ...rest, region: 'custom', streamUrl: sim().streamUrl, apiUrl: sim().apiUrl, userUrl: sim().userUrl } as FlowNode;
      }
      if (node.type === 'debug') return { id: node.id, type: 'helper', wires: [] } as FlowNode;
      if (node.type === 'mqtt-broker') return { ...rest, autoConnect: false } as FlowNode;
      return rest as FlowNode;
    });
    return { flow: adapted, credentials };
  }

  function errorsOf(ids: string[]): unknown[] {
    const calls: unknown[] = [];
    for (const id of ids) {
      const node = helper.getNode(id) as unknown as { error: { getCalls(): Array<{ thisValue: unknown; args: unknown[] }> } };
      calls.push(...node.error.getCalls().filter((call) => call.thisValue === node).map((call) => call.args[0]));
    }
    return calls;
  }

  it('has one example per in-node type and a home-automation flow', () => {
    const types = new Set(exampleFiles.flatMap((file) => (JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8')) as FlowNode[]).map((n) => n.type)));
    for (const type of ['connectivity', 'datapoint', 'datapointack', 'location', 'registration']) assert.ok(types.has(`ayla-${type}-in`), type);
    assert.ok(exampleFiles.some((file) => /home automation/i.test(file)));
  });

  for (const file of exampleFiles) {
    it(`"${file}" deploys and every in-node connects`, async () => {
      const { flow, credentials } = adapt(file);
      await helper.load([aylaNodes, ...coreNodes], flow, credentials);
      const inNodes = flow.filter((node) => /^ayla-.*-in$/.test(node.type)).map((node) => node.id);
      assert.ok(inNodes.length > 0);
      await waitFor('every in-node connected', async () => {
        const state = await simState(sim());
        return state.sockets > 0 && state.subscriptions.every((s) => s.connected);
      });
      assert.deepEqual(errorsOf(inNodes), []);
    });
  }

  it('the home-automation flow notifies above 25 °C and alerts on Offline', async () => {
    const file = exampleFiles.find((name) => /home automation/i.test(name)) as string;
    const { flow, credentials } = adapt(file);
    await helper.load([aylaNodes, ...coreNodes], flow, credentials);
    const notifications = recordInputs(helper.getNode('dbgNotify'));
    const alerts = recordInputs(helper.getNode('dbgAlert'));
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
});
