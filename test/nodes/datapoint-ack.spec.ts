/**
 * `ayla-datapoint-out` waiting for the device's acknowledgement (success, failure, none within
 * the timeout, a property without acks) and the per-account write limit, through a real
 * Node-RED against simulators whose devices acknowledge, fail or stay silent.
 */
import { strict as assert } from 'node:assert';
import { accountCredentials, accountNode, aylaNodes, helper, helperNode, recordInputs, recordStatuses, useSimulatorAndHelper, waitFor } from './support/flow-kit';
import { catchAll, catchNode, caughtCode, DEVICE_SCENARIO, KIT_DEVICE, outNode, SimLog, waitForMessages } from './support/device-kit';

type Msg = Record<string, unknown>;
type Ack = { success: boolean; status: number | null; message: unknown; ackedAt: string | null } | null;

function flow(sim: { streamUrl: string; apiUrl: string; userUrl: string; deviceUrl: string }, props: Record<string, unknown> = {}, account: Record<string, unknown> = {}) {
  return [accountNode(sim as never, account), outNode('w', { waitForAck: true, ackTimeout: 5, ...props }), helperNode('out'), catchAll(), helperNode('caught')];
}

describe('ayla-datapoint-out: acknowledgements', function () {
  this.timeout(20_000);

  describe('a device that acknowledges', () => {
    const sim = useSimulatorAndHelper({ simulator: { scenario: DEVICE_SCENARIO } });

    it('sends the message on with the device\'s answer', async () => {
      await helper.load([aylaNodes, catchNode], flow(sim()), accountCredentials(sim()));
      const outputs = recordInputs(helper.getNode('out'));
      const statuses = recordStatuses(helper.getNode('w'));
      helper.getNode('w').receive({ topic: `${KIT_DEVICE}/setpoint`, payload: 22.5 });
      const [out] = await waitForMessages(outputs, 1, 'outputs');
      const ayla = out.ayla as { ack: Ack; datapoint: { ackEnabled: boolean } };
      assert.equal(ayla.datapoint.ackEnabled, true);
      assert.equal(ayla.ack?.success, true);
      assert.equal(ayla.ack?.status, 200);
      assert.equal(ayla.ack?.message, 0);
      assert.equal(typeof ayla.ack?.ackedAt, 'string');
      const texts = statuses.map((status) => status.text);
      assert.ok(texts.includes('ayla-datapoint-out.status.waiting'), texts.join(', '));
      assert.equal(texts.at(-1), 'ayla-datapoint-out.status.acked');
    });

    it('does not wait for a property without acknowledgements: ack null at once', async () => {
      await helper.load([aylaNodes, catchNode], flow(sim()), accountCredentials(sim()));
      const outputs = recordInputs(helper.getNode('out'));
      helper.getNode('w').receive({ topic: `${KIT_DEVICE}/quiet`, payload: true });
      const [out] = await waitForMessages(outputs, 1, 'outputs');
      const ayla = out.ayla as { ack: Ack; datapoint: { ackEnabled: boolean } };
      assert.equal(ayla.datapoint.ackEnabled, false);
      assert.equal(ayla.ack, null);
    });
  });

  describe('a device that reports a failure', () => {
    const sim = useSimulatorAndHelper({ simulator: { scenario: DEVICE_SCENARIO, ackFailureRate: 1 } });

    it('sends the message on with success false and the device\'s status', async () => {
      await helper.load([aylaNodes, catchNode], flow(sim()), accountCredentials(sim()));
      const outputs = recordInputs(helper.getNode('out'));
      const statuses = recordStatuses(helper.getNode('w'));
      helper.getNode('w').receive({ topic: `${KIT_DEVICE}/flag`, payload: 1 });
      const [out] = await waitForMessages(outputs, 1, 'outputs');
      assert.deepEqual({ ...(out.ayla as { ack: NonNullable<Ack> }).ack, ackedAt: null }, { success: false, status: 500, message: 1, ackedAt: null });
      assert.deepEqual({ fill: statuses.at(-1)?.fill, text: statuses.at(-1)?.text }, { fill: 'yellow', text: 'ayla-datapoint-out.status.ack-failed' });
    });
  });

  describe('a device that never answers', () => {
    const log = new SimLog();
    const sim = useSimulatorAndHelper({ simulator: { scenario: DEVICE_SCENARIO, ackDropRate: 1, log: log.sink } });

    it('reports ACK_TIMEOUT with the written datapoint in the message, after one write', async () => {
      await helper.load([aylaNodes, catchNode], flow(sim(), { ackTimeout: 1 }), accountCredentials(sim()));
      const outputs = recordInputs(helper.getNode('out'));
      const caught = recordInputs(helper.getNode('caught'));
      helper.getNode('w').receive({ topic: `${KIT_DEVICE}/label`, payload: 'x' });
      const [error] = await waitForMessages(caught, 1, 'caught errors');
      assert.equal(caughtCode(error), 'ACK_TIMEOUT');
      const ayla = error.ayla as { ack: Ack; datapoint: { id: string | null }; value: unknown };
      assert.equal(ayla.ack, null);
      assert.equal(typeof ayla.datapoint.id, 'string', 'the Catch node learns which datapoint was written');
      assert.equal(ayla.value, 'x');
      assert.equal(outputs.length, 0);
      assert.equal(log.writes(), 1);
    });
  });
});

describe('ayla-datapoint-out: the account\'s write limit', function () {
  this.timeout(20_000);
  const log = new SimLog();
  const sim = useSimulatorAndHelper({ simulator: { scenario: DEVICE_SCENARIO, log: log.sink } });

  it('sends at most writeRate writes a second, queues ten seconds\' worth and refuses the rest at once', async () => {
    // One write a second: the first goes at once, ten wait, the others are refused.
    await helper.load([aylaNodes, catchNode], flow(sim(), { waitForAck: false }, { writeRate: 1 }), accountCredentials(sim()));
    const outputs = recordInputs(helper.getNode('out'));
    const caught: Msg[] = recordInputs(helper.getNode('caught'));
    // 1 at once + 10 queued of 20: 9 refused, fewer only if the machine took seconds to send them.
    const messages = 20;
    for (let i = 0; i < messages; i++) helper.getNode('w').receive({ topic: `${KIT_DEVICE}/level`, payload: i });
    await waitFor('the first write and the refusals', () => outputs.length >= 1 && caught.length >= 5);
    const codes = caught.map(caughtCode);
    assert.deepEqual([...new Set(codes)], ['WRITE_RATE_LIMITED']);
    assert.ok(caught.length >= 5, `refused ${caught.length}`);
    assert.ok(log.writes() <= messages - caught.length, 'a refused write never reaches the service');
    assert.ok(log.writes() < messages, 'the loop did not reach the cloud in full');
  });
});
