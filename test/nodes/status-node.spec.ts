/**
 * Status nodes hear every status of an in-node, including the first ones it shows while the
 * flow is still being built (Node-RED connects Status nodes only after every node exists).
 */
import { strict as assert } from 'node:assert';
import {
  accountCredentials,
  accountNode,
  aylaNodes,
  helper,
  helperNode,
  inNode,
  useSimulatorAndHelper,
  waitConnected,
  waitFor,
} from './support/flow-kit';

interface StatusMessage {
  status?: { fill?: string; shape?: string; text?: string; source?: { id?: string } };
}

/** A Status node (the test helper loads the core module for this type) watching node `watched`, wired to a helper node. */
function statusNode(watched: string): Array<Record<string, unknown>> {
  return [
    { id: 'watch', type: 'status', scope: [watched], wires: [['statuses']] },
    { id: 'statuses', type: 'helper' },
  ];
}

describe('ayla-*-in statuses reach Status nodes', function () {
  this.timeout(20_000);
  const sim = useSimulatorAndHelper({ simulatorPerTest: true });

  /**
   * Every message the Status node sent so far, read from the helper's spy on Node.prototype.send:
   * nothing can be missed by attaching a listener too late.
   */
  function statusMessages(): StatusMessage[] {
    const node = helper.getNode('watch') as unknown as { send: { getCalls(): Array<{ thisValue: unknown; args: unknown[] }> } };
    return node.send
      .getCalls()
      .filter((call) => call.thisValue === node)
      .map((call) => call.args[0] as StatusMessage);
  }
  const texts = (received: StatusMessage[]) => received.map((msg) => `${msg.status?.fill}:${String(msg.status?.text).split('.').pop()}`);

  it('a configuration error set while the node is built reaches the Status node', async () => {
    const flow = [
      accountNode(sim()),
      inNode('datapoint', 'n1', { oemModel: 'thermo-t100', dsnFilter: [{ mode: 'regex', pattern: 'AC(' }] }),
      helperNode(),
      ...statusNode('n1'),
    ];
    await helper.load(aylaNodes, flow, accountCredentials(sim()));
    const first = await waitFor('a status message', () => statusMessages()[0]);
    assert.equal(first.status?.text, 'ayla-dss-account.statusText.INVALID_REGEX');
    assert.equal(first.status?.fill, 'red');
    assert.equal(first.status?.source?.id, 'n1');
  });

  it('connecting, then connected, reach the Status node in that order', async () => {
    const flow = [accountNode(sim()), inNode('connectivity', 'n1', { oemModel: 'thermo-t100' }), helperNode(), ...statusNode('n1')];
    await helper.load(aylaNodes, flow, accountCredentials(sim()));
    await waitConnected(sim(), 1);
    await waitFor('a connected status message', () => statusMessages().some((msg) => msg.status?.fill === 'green'));
    const order = texts(statusMessages());
    assert.equal(order[0], 'yellow:connecting', `statuses: ${order.join(', ')}`);
    assert.ok(order.includes('green:connected'), `statuses: ${order.join(', ')}`);
  });
});
