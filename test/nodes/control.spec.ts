/**
 * An in-node's control input (start, stop, start after a seq), `autoStart` off, and its share
 * of the fleet (`partition`), through a real Node-RED runtime and the simulator.
 */
import { strict as assert } from 'node:assert';
import { partitionOf } from '../../nodes/lib/partition';
import {
  accountCredentials,
  accountNode,
  aylaNodes,
  datapointEvent,
  helper,
  helperNode,
  inNode,
  recordCalls,
  recordInputs,
  recordStatuses,
  simPost,
  simState,
  THERMOSTAT,
  THERMOSTAT_2,
  useSimulatorAndHelper,
  waitFor,
} from './support/flow-kit';

const THERMO = { oemModel: 'thermo-t100', dsns: `${THERMOSTAT},${THERMOSTAT_2}`, properties: 'current_temp' };

describe('ayla-*-in: control input, autoStart and partitions', () => {
  const sim = useSimulatorAndHelper({ simulatorPerTest: true });
  const report = (dsn: string, value: number) => simPost(sim(), '/sim/events', datapointEvent(dsn, 'current_temp', value));
  const inject = (payload: unknown, seq?: number) => helper.getNode('n1').receive({ payload, ...(seq === undefined ? {} : { seq }) } as never);

  it('autoStart off: no socket until "start"; "stop" releases the stream and keeps its position; "start" resumes after it', async () => {
    await helper.load(aylaNodes, [accountNode(sim()), inNode('datapoint', 'n1', { ...THERMO, autoStart: false, control: true }), helperNode()], accountCredentials(sim()));
    const statuses = recordStatuses(helper.getNode('n1'));
    const received = recordInputs(helper.getNode('out'));
    await waitFor('the stopped status', () => statuses.some((s) => s.text === 'ayla-dss-account.status.stopped'));
    assert.equal((await simState(sim())).sockets, 0);
    inject('start');
    await waitFor('the socket', async () => (await simState(sim())).sockets === 1);
    await report(THERMOSTAT, 20);
    await waitFor('the first event', () => received.length === 1);
    inject('stop');
    await waitFor('no socket', async () => (await simState(sim())).sockets === 0);
    await report(THERMOSTAT, 21);
    await report(THERMOSTAT, 22);
    inject('start');
    await waitFor('the events sent while stopped', () => received.length === 3);
    assert.deepEqual(
      received.map((m) => m.payload),
      [20, 21, 22],
    );
  });

  it('"start" with msg.seq reads after that seq (a standby taking over from the seq the active one published)', async () => {
    await helper.load(aylaNodes, [accountNode(sim()), inNode('datapoint', 'n1', { ...THERMO, autoStart: false, control: true }), helperNode()], accountCredentials(sim()));
    const received = recordInputs(helper.getNode('out'));
    // The subscription exists and holds three events before this node ever reads it.
    inject('start');
    await waitFor('the socket', async () => (await simState(sim())).sockets === 1);
    inject('stop');
    await waitFor('no socket', async () => (await simState(sim())).sockets === 0);
    for (const value of [30, 31, 32]) await report(THERMOSTAT, value);
    const seqs = (await simState(sim())).subscriptions[0].nextSeq;
    inject('start', seqs - 2);
    await waitFor('the one event after the given seq', () => received.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(
      received.map((m) => m.payload),
      [32],
    );
  });

  it('an unknown command is a catchable BAD_COMMAND error, and changes nothing', async () => {
    await helper.load(aylaNodes, [accountNode(sim()), inNode('datapoint', 'n1', { ...THERMO, control: true }), helperNode()], accountCredentials(sim()));
    const errors = recordCalls(helper.getNode('n1'), 'error');
    await waitFor('the socket', async () => (await simState(sim())).sockets === 1);
    inject('pause');
    inject('start', -1);
    await waitFor('two errors', () => errors.length === 2);
    assert.deepEqual(
      errors.map((e) => e.text),
      ['ayla-dss-account.errors.BAD_COMMAND', 'ayla-dss-account.errors.BAD_COMMAND'],
    );
    assert.equal((await simState(sim())).sockets, 1);
  });

  it('two nodes with shares 1/2 and 2/2 pass disjoint sets of devices that together are all of them', async () => {
    const devices = [THERMOSTAT, THERMOSTAT_2];
    await helper.load(
      aylaNodes,
      [accountNode(sim()), inNode('datapoint', 'n1', { ...THERMO, partition: '1/2' }), inNode('datapoint', 'n2', { ...THERMO, partition: '2/2' }, ['out2']), helperNode(), helperNode('out2')],
      accountCredentials(sim()),
    );
    const first = recordInputs(helper.getNode('out'));
    const second = recordInputs(helper.getNode('out2'));
    await waitFor('one shared socket', async () => (await simState(sim())).sockets === 1);
    for (const [i, dsn] of devices.entries()) await report(dsn, 40 + i);
    await waitFor('both events', () => first.length + second.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const share = (dsn: string) => partitionOf(dsn, 2);
    assert.deepEqual(
      first.map((m) => (m.ayla as { dsn: string }).dsn),
      devices.filter((dsn) => share(dsn) === 1),
    );
    assert.deepEqual(
      second.map((m) => (m.ayla as { dsn: string }).dsn),
      devices.filter((dsn) => share(dsn) === 2),
    );
  });

  it('a share that is not i/n is a configuration error: BAD_PARTITION', async () => {
    await helper.load(aylaNodes, [accountNode(sim()), inNode('datapoint', 'n1', { ...THERMO, partition: '3/2' }), helperNode()], accountCredentials(sim()));
    const errors = recordCalls(helper.getNode('n1'), 'error');
    await waitFor('the error', () => errors.length === 1);
    assert.equal(errors[0].text, 'ayla-dss-account.errors.BAD_PARTITION');
  });
});
