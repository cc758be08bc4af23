/**
 * `ayla-datapoint-out` through a real Node-RED against the simulator's device service: every
 * base type written and converted, refusals before anything is sent, retries after 429 / 502 /
 * 503 / 504 counted through the simulator's faults, answers lost after the write reported and
 * never repeated, and the status of the last write.
 */
import { strict as assert } from 'node:assert';
import { accountCredentials, accountNode, aylaNodes, helper, helperNode, recordInputs, recordStatuses, simPost, useSimulatorAndHelper, waitFor } from './support/flow-kit';
import { catchAll, catchNode, caughtCode, DEVICE_SCENARIO, KIT_DEVICE, outNode, pendingFaults, SimLog, simValues, waitForMessages } from './support/device-kit';

type Msg = Record<string, unknown>;
type Write = { dsn: string; property: string; baseType: string | null; value: unknown; attempts: number; datapoint: { id: string | null }; ack: unknown };

describe('ayla-datapoint-out: writes', function () {
  this.timeout(20_000);
  const log = new SimLog();
  const sim = useSimulatorAndHelper({ simulator: { scenario: DEVICE_SCENARIO, log: log.sink } });
  let outputs: Msg[];
  let caught: Msg[];

  async function load(props: Record<string, unknown> = {}, account: Record<string, unknown> = {}): Promise<void> {
    await helper.load([aylaNodes, catchNode], [accountNode(sim(), account), outNode('w', props), helperNode('out'), catchAll(), helperNode('caught')], accountCredentials(sim()));
    outputs = recordInputs(helper.getNode('out'));
    caught = recordInputs(helper.getNode('caught'));
  }

  /** Sends `msg` and waits for its outcome: the message sent on, or the error caught. */
  async function write(msg: Msg): Promise<{ out?: Msg; code?: string; caught?: Msg }> {
    const before = { out: outputs.length, caught: caught.length };
    helper.getNode('w').receive(msg);
    await waitFor('the write to end', () => outputs.length > before.out || caught.length > before.caught);
    if (outputs.length > before.out) return { out: outputs[outputs.length - 1] };
    const error = caught[caught.length - 1];
    return { code: caughtCode(error), caught: error };
  }

  beforeEach(() => log.clear());

  it('writes every base type, converted by the property\'s base type (booleans as 1 / 0)', async () => {
    await load();
    const cases: Array<[Msg, string, unknown]> = [
      [{ topic: `${KIT_DEVICE}/flag`, payload: true }, 'flag', 1],
      [{ topic: `${KIT_DEVICE}/flag`, payload: '0' }, 'flag', 0],
      [{ dsn: KIT_DEVICE, property: 'level', payload: '75' }, 'level', 75],
      [{ topic: `${KIT_DEVICE}/setpoint`, payload: '21.5' }, 'setpoint', 21.5],
      [{ topic: `${KIT_DEVICE}/label`, payload: 42 }, 'label', '42'],
      [{ topic: `${KIT_DEVICE}/note`, payload: 'Außentemperatur 3 °C' }, 'note', 'Außentemperatur 3 °C'],
    ];
    for (const [msg, property, sent] of cases) {
      const { out, code } = await write({ ...msg, extra: 'kept' });
      assert.ok(out, `${property}: no output (caught ${code})`);
      const ayla = out.ayla as Write;
      assert.equal(out.topic, `${KIT_DEVICE}/${property}`);
      assert.equal(out.payload, msg.payload, 'the payload is passed on unchanged');
      assert.equal(out.extra, 'kept', 'other message properties are kept');
      assert.deepEqual({ dsn: ayla.dsn, property: ayla.property, value: ayla.value, attempts: ayla.attempts, ack: ayla.ack }, { dsn: KIT_DEVICE, property, value: sent, attempts: 1, ack: null });
      assert.equal(typeof ayla.datapoint.id, 'string');
      assert.equal((await simValues(sim(), KIT_DEVICE))[property], sent, `${property} stored in the simulator`);
    }
    assert.equal(log.writes(), cases.length, 'one request per write');
    const statuses = recordStatuses(helper.getNode('w'));
    await write({ topic: `${KIT_DEVICE}/level`, payload: 3 });
    assert.equal(statuses.at(-1)?.text, 'ayla-datapoint-out.status.written', 'the status shows the last write');
  });

  it('takes the device and property from the node before the message', async () => {
    await load({ dsn: KIT_DEVICE, property: 'level' });
    const { out } = await write({ topic: 'AC000W000000000/setpoint', payload: 9 });
    assert.equal(out?.topic, `${KIT_DEVICE}/level`);
    assert.equal((await simValues(sim(), KIT_DEVICE)).level, 9);
  });

  it('"abc" to an integer is a catchable INVALID_VALUE and nothing is sent', async () => {
    await load();
    const { code, out } = await write({ topic: `${KIT_DEVICE}/level`, payload: 'abc' });
    assert.equal(out, undefined);
    assert.equal(code, 'INVALID_VALUE');
    for (const payload of [{ a: 1 }, null, 'yes']) assert.equal((await write({ topic: `${KIT_DEVICE}/flag`, payload })).code, 'INVALID_VALUE', JSON.stringify(payload));
    assert.equal(log.writes(), 0, 'nothing was written');
  });

  it('refuses output, read-only, file and unknown properties before writing, each with its code', async () => {
    await load();
    const refusals: Array<[Msg, string]> = [
      [{ topic: `${KIT_DEVICE}/reading`, payload: 1 }, 'PROPERTY_NOT_WRITABLE'],
      [{ topic: `${KIT_DEVICE}/locked`, payload: 'v2' }, 'PROPERTY_READ_ONLY'],
      [{ topic: `${KIT_DEVICE}/photo`, payload: 'https://x/y.jpg' }, 'UNSUPPORTED_BASE_TYPE'],
      [{ topic: `${KIT_DEVICE}/no_such_property`, payload: 1 }, 'DEVICE_NOT_FOUND'],
      [{ topic: 'AC000W999999999/level', payload: 1 }, 'DEVICE_NOT_FOUND'],
      [{ payload: 1 }, 'NO_TARGET'],
    ];
    for (const [msg, expected] of refusals) assert.equal((await write(msg)).code, expected, JSON.stringify(msg));
    assert.equal(log.writes(), 0, 'nothing was written');
    const statuses = recordStatuses(helper.getNode('w'));
    await write({ topic: `${KIT_DEVICE}/reading`, payload: 1 });
    assert.deepEqual({ fill: statuses.at(-1)?.fill, text: statuses.at(-1)?.text }, { fill: 'red', text: 'ayla-datapoint-out.status.failed' });
  });

  it('a value the service refuses (422) is WRITE_REFUSED, not retried', async () => {
    await load();
    const { code } = await write({ topic: `${KIT_DEVICE}/level`, payload: 2 ** 40 });
    assert.equal(code, 'WRITE_REFUSED');
    assert.equal(log.writes(), 0);
  });

  it('retries 502, 503 and 504 and 429 after its Retry-After, counting attempts through the simulator\'s faults', async () => {
    await load();
    await write({ topic: `${KIT_DEVICE}/level`, payload: 1 }); // reads and remembers the property first
    for (const status of [502, 503, 504]) {
      await simPost(sim(), '/sim/faults/device-errors', { status, count: 2, retryAfterSec: 0 });
      const { out, code } = await write({ topic: `${KIT_DEVICE}/level`, payload: status });
      assert.equal((out?.ayla as Write | undefined)?.attempts, 3, `${status}: caught ${code}`);
      assert.equal((await pendingFaults(sim())).errors, 0, `${status}: both injected errors were met`);
    }
    await simPost(sim(), '/sim/faults/device-errors', { status: 429, count: 1, retryAfterSec: 1 });
    const { out } = await write({ topic: `${KIT_DEVICE}/level`, payload: 429 });
    assert.equal((out?.ayla as Write | undefined)?.attempts, 2);
    assert.equal((await simValues(sim(), KIT_DEVICE)).level, 429);
    assert.equal(log.injected(), 7);
    assert.equal(log.writes(), 5, 'each message written once');
  });

  it('gives up after three retries, and at once when Retry-After is beyond 30 s or the status is final', async () => {
    await load();
    await write({ topic: `${KIT_DEVICE}/level`, payload: 1 });
    log.clear();
    await simPost(sim(), '/sim/faults/device-errors', { status: 503, count: 5, retryAfterSec: 0 });
    assert.equal((await write({ topic: `${KIT_DEVICE}/level`, payload: 2 })).code, 'DEVICE_SERVICE_BUSY');
    assert.equal((await pendingFaults(sim())).errors, 1, 'four attempts: the first and three retries');
    await simPost(sim(), '/sim/faults/device-errors', { status: 429, count: 2, retryAfterSec: 120 });
    assert.equal((await write({ topic: `${KIT_DEVICE}/level`, payload: 3 })).code, 'DEVICE_SERVICE_BUSY');
    assert.equal((await pendingFaults(sim())).errors, 1, 'one attempt: two minutes is not waited for');
    await simPost(sim(), '/sim/faults/device-errors', { status: 500, count: 2 });
    assert.equal((await write({ topic: `${KIT_DEVICE}/level`, payload: 4 })).code, 'DEVICE_SERVICE_ERROR');
    assert.equal((await pendingFaults(sim())).errors, 1, '500 is final: one attempt');
    await simPost(sim(), '/sim/faults/device-errors', { count: 0 });
    assert.equal(log.writes(), 0);
    assert.equal((await simValues(sim(), KIT_DEVICE)).level, 1);
  });

  it('an answer cut after the write is WRITE_OUTCOME_UNKNOWN, and the write is not repeated', async () => {
    await load();
    await write({ topic: `${KIT_DEVICE}/level`, payload: 1 });
    log.clear();
    await simPost(sim(), '/sim/faults/device-lost-answers', { count: 2, mode: 'cut' });
    const { code, caught: error } = await write({ topic: `${KIT_DEVICE}/level`, payload: 5 });
    assert.equal(code, 'WRITE_OUTCOME_UNKNOWN');
    assert.match(String((error?.error as { message?: string }).message), /ayla-dss-account\.errors\.WRITE_OUTCOME_UNKNOWN/);
    assert.equal(log.writes(), 1, 'the write happened once');
    assert.equal((await pendingFaults(sim())).lostAnswers, 1, 'and was not sent again');
    assert.equal((await simValues(sim(), KIT_DEVICE)).level, 5, 'the write did happen');
    await simPost(sim(), '/sim/faults/device-lost-answers', { count: 0 });
  });
});

describe('ayla-datapoint-out: an answer that never comes', function () {
  this.timeout(20_000);
  const log = new SimLog();
  const sim = useSimulatorAndHelper({ simulator: { scenario: DEVICE_SCENARIO, log: log.sink } });
  before(() => helper.settings({ aylaDss: { requestTimeoutMs: 1000 } }));
  after(() => helper.settings({}));

  it('times out as WRITE_OUTCOME_UNKNOWN and is not repeated', async () => {
    await helper.load([aylaNodes, catchNode], [accountNode(sim()), outNode('w'), helperNode('out'), catchAll(), helperNode('caught')], accountCredentials(sim()));
    const caught = recordInputs(helper.getNode('caught'));
    await simPost(sim(), '/sim/faults/device-lost-answers', { count: 2, mode: 'hang' });
    helper.getNode('w').receive({ topic: `${KIT_DEVICE}/level`, payload: 6 });
    const [error] = await waitForMessages(caught, 1, 'caught errors');
    assert.equal(caughtCode(error), 'WRITE_OUTCOME_UNKNOWN');
    assert.equal(log.writes(), 1);
    assert.equal((await pendingFaults(sim())).lostAnswers, 1, 'not sent again');
    await simPost(sim(), '/sim/faults/device-lost-answers', { count: 0 });
  });
});
