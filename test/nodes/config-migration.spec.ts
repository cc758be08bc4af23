/**
 * A flow exported from 0.1.0 (test/fixtures/flows/0.1.0-flow.json: no config versions, no
 * instance label, and two properties no version knows) loads and runs in today's runtime: its
 * in-nodes connect to the simulator and the flow sends its notification and alert. A flow saved
 * by a newer version runs with its settings as they are and says so once per node.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import type { Node } from 'node-red';
import { CONFIG_VERSION } from '../../nodes/lib/config-migration';
import {
  aylaNodes,
  datapointEvent,
  helper,
  recordInputs,
  requireCoreNode,
  simPost,
  simState,
  THERMOSTAT,
  useSimulatorAndHelper,
  waitFor,
} from './support/flow-kit';

const coreNodes = [
  requireCoreNode('@node-red/nodes/core/common/90-comment.js'),
  requireCoreNode('@node-red/nodes/core/function/10-switch.js'),
  requireCoreNode('@node-red/nodes/core/function/15-change.js'),
  requireCoreNode('@node-red/nodes/core/function/80-template.js'),
];

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'flows', '0.1.0-flow.json');
type FlowNode = Record<string, unknown> & { id: string; type: string };
/** The warning's catalog key (the flow-test helper translates to the key). */
const NEWER_WARNING = 'ayla-dss-account.messages.newer-config';

describe('config migration: a 0.1.0 flow in the runtime', function () {
  this.timeout(20_000);
  const sim = useSimulatorAndHelper({ simulatorPerTest: true });

  /** The fixture with its account pointed at the simulator (region, URLs and credentials only) and debug nodes as helpers. */
  function adapted(accountProps: Record<string, unknown> = {}): { flow: FlowNode[]; credentials: Record<string, Record<string, string>> } {
    const flow = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as FlowNode[];
    const credentials: Record<string, Record<string, string>> = {};
    const nodes = flow.map((node) => {
      const { credentials: _blank, ...rest } = node;
      if (node.type === 'ayla-dss-account') {
        credentials[node.id] = { ...sim().account };
        return { ...rest, region: 'custom', streamUrl: sim().streamUrl, apiUrl: sim().apiUrl, userUrl: sim().userUrl, ...accountProps } as FlowNode;
      }
      if (node.type === 'debug') return { id: node.id, type: 'helper', wires: [] } as FlowNode;
      return rest as FlowNode;
    });
    return { flow: nodes, credentials };
  }

  /** How often `id` warned that it was saved by a newer version, constructor included (the helper spies on every node method). */
  function newerWarningsOf(id: string): number {
    const node = helper.getNode(id) as unknown as { warn: { getCalls(): Array<{ thisValue: unknown; args: unknown[] }> } };
    return node.warn.getCalls().filter((call) => call.thisValue === node && call.args[0] === NEWER_WARNING).length;
  }

  async function runsTheHomeAutomationFlow(): Promise<void> {
    const notifications = recordInputs(helper.getNode('dbgNotify') as Node);
    const alerts = recordInputs(helper.getNode('dbgAlert') as Node);
    await waitFor('two connected subscriptions', async () => {
      const state = await simState(sim());
      return state.sockets === 2 && state.subscriptions.every((s) => s.connected);
    });
    await simPost(sim(), '/sim/events', datapointEvent(THERMOSTAT, 'current_temp', 26.5));
    await simPost(sim(), `/sim/devices/${THERMOSTAT}/connectivity`, { status: 'Offline' });
    await waitFor('a notification and an alert', () => notifications.length === 1 && alerts.length === 1);
    assert.match(String(notifications[0].payload), /26\.5 °C at thermostat AC000W005606115/);
    assert.match(String(alerts[0].payload), /^Device AC000W005606115 went offline/);
  }

  it('loads and runs: both in-nodes connect, events arrive, no "newer version" warning', async () => {
    const { flow, credentials } = adapted();
    assert.ok(flow.every((node) => !('configVersion' in node)), 'the fixture is a 0.1.0 flow');
    assert.ok(flow.some((node) => 'futureOption' in node), 'with an unknown property');
    await helper.load([aylaNodes, ...coreNodes], flow, credentials);
    await runsTheHomeAutomationFlow();
    // The instance label defaulted to none: the subscriptions have the label-less 0.1.0 names.
    const names = (await simState(sim())).subscriptions.map((s) => s.name);
    assert.ok(names.every((name) => /^node-red-ayla-dss-(datapoint|connectivity)-[0-9a-f]+$/.test(name)), names.join(', '));
    for (const id of ['ayla-example-account', 'temp', 'offline']) assert.equal(newerWarningsOf(id), 0, `${id} warned`);
  });

  it('a node saved by a newer version runs with its settings as they are, and warns once', async () => {
    const { flow, credentials } = adapted({ configVersion: CONFIG_VERSION + 1 });
    await helper.load([aylaNodes, ...coreNodes], flow, credentials);
    await runsTheHomeAutomationFlow();
    assert.equal(newerWarningsOf('ayla-example-account'), 1);
    assert.equal(newerWarningsOf('temp'), 0, 'the in-nodes are at the current version');
  });
});
