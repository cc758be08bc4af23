/**
 * Every client-side filter, in real flows: DSN / model / property rules in all three modes,
 * connectivity statuses, registration, ack outcome and "only when the value changes".
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
  PLUG,
  recordInputs,
  simPost,
  THERMOSTAT,
  THERMOSTAT_2,
  useSimulatorAndHelper,
  waitConnected,
  waitFor,
} from './support/flow-kit';

type Msg = Record<string, unknown>;

describe('ayla-*-in nodes: filters', function () {
  const sim = useSimulatorAndHelper({ simulatorPerTest: true });

  /** Loads in-nodes, each wired to its own helper `<id>-out`, plus an unfiltered `all` node. */
  async function loadFiltered(type: string, spec: Record<string, unknown>, filtered: Record<string, Record<string, unknown>>) {
    const flow = [accountNode(sim()), inNode(type, 'all', spec, ['all-out']), helperNode('all-out')];
    for (const [id, props] of Object.entries(filtered)) flow.push(inNode(type, id, { ...spec, ...props }, [`${id}-out`]), helperNode(`${id}-out`));
    await helper.load(aylaNodes, flow, accountCredentials(sim()));
    const received: Record<string, Msg[]> = { all: recordInputs(helper.getNode('all-out')) };
    for (const id of Object.keys(filtered)) received[id] = recordInputs(helper.getNode(`${id}-out`));
    // Equal specs share one socket.
    await waitConnected(sim(), 1);
    return received;
  }

  const topics = (messages: Msg[]) => messages.map((msg) => `${String(msg.topic)}=${JSON.stringify(msg.payload)}`);

  it('datapoint: dsn / model / property rules (exact, wildcard, regex) and onlyChanges', async () => {
    const received = await loadFiltered(
      'datapoint',
      { oemModel: 'thermo-t100,smartplug-v2' },
      {
        dsnExact: { dsnFilter: [{ mode: 'exact', pattern: THERMOSTAT }] },
        dsnWildcard: { dsnFilter: [{ mode: 'wildcard', pattern: 'AC000W0056*' }] },
        dsnRegex: { dsnFilter: [{ mode: 'regex', pattern: '^AC000W00034064[0-9]$' }] },
        model: { modelFilter: [{ mode: 'exact', pattern: 'smartplug-v2' }] },
        propertyWildcard: { propertyFilter: [{ mode: 'wildcard', pattern: '*_temp' }] },
        anyOf: { propertyFilter: [{ mode: 'exact', pattern: 'humidity' }, { mode: 'regex', pattern: '^outlet\\d$' }] },
        changes: { onlyChanges: true, propertyFilter: [{ mode: 'exact', pattern: 'current_temp' }] },
      },
    );
    for (const [dsn, property, value] of [
      [THERMOSTAT, 'current_temp', 20],
      [THERMOSTAT, 'current_temp', 20],
      [THERMOSTAT, 'humidity', 40],
      [PLUG, 'outlet1', 1],
      [THERMOSTAT_2, 'target_temp', 19],
      [THERMOSTAT, 'current_temp', 21],
    ] as const) {
      await simPost(sim(), '/sim/events', datapointEvent(dsn, property, value));
    }
    await waitFor('six events on the unfiltered node', () => received.all.length === 6);
    // Delivery to every node happens in the same tick per frame: all have their share now.
    const t = `${THERMOSTAT}/`;
    assert.deepEqual(topics(received.dsnExact), [`${t}current_temp=20`, `${t}current_temp=20`, `${t}humidity=40`, `${t}current_temp=21`]);
    assert.deepEqual(topics(received.dsnWildcard).length, 5);
    assert.deepEqual(topics(received.dsnRegex), [`${PLUG}/outlet1=true`]);
    assert.deepEqual(topics(received.model), [`${PLUG}/outlet1=true`]);
    assert.deepEqual(topics(received.propertyWildcard), [`${t}current_temp=20`, `${t}current_temp=20`, `${THERMOSTAT_2}/target_temp=19`, `${t}current_temp=21`]);
    assert.deepEqual(topics(received.anyOf), [`${t}humidity=40`, `${PLUG}/outlet1=true`]);
    assert.deepEqual(topics(received.changes), [`${t}current_temp=20`, `${t}current_temp=21`]);
  });

  it('connectivity: only the chosen statuses', async () => {
    const received = await loadFiltered('connectivity', { dsns: PLUG }, { offline: { statuses: ['Offline'] } });
    for (const status of ['Online', 'Offline', 'initializing', 'Online']) await simPost(sim(), `/sim/devices/${PLUG}/connectivity`, { status });
    await waitFor('four events on the unfiltered node', () => received.all.length === 4);
    assert.deepEqual(topics(received.offline), [`${PLUG}="Offline"`]);
  });

  it('registration: registered, unregistered or both', async () => {
    const received = await loadFiltered(
      'registration',
      { dsns: PLUG },
      // Node ids differ from property values: Node-RED takes a property equal to a node id for a reference.
      { onlyRegistered: { registration: 'registered' }, onlyUnregistered: { registration: 'unregistered' }, either: { registration: 'both' } },
    );
    for (const registered of [false, true, false]) await simPost(sim(), `/sim/devices/${PLUG}/registration`, { registered });
    await waitFor('three events on the unfiltered node', () => received.all.length === 3);
    assert.deepEqual(received.onlyRegistered.map((m) => m.payload), [true]);
    assert.deepEqual(received.onlyUnregistered.map((m) => m.payload), [false, false]);
    assert.equal(received.either.length, 3);
  });

  it('datapointack: success, failure or both; onlyChanges per device and property', async () => {
    const received = await loadFiltered(
      'datapointack',
      { oemModel: 'thermo-t100' },
      { successes: { ack: 'success' }, failures: { ack: 'failure' }, changes: { onlyChanges: true } },
    );
    const ack = (value: number, status: number) => ({
      metadata: { event_type: 'datapointack', dsn: THERMOSTAT, property_name: 'target_temp' },
      datapoint: { value, ack_status: status, ack_message: status === 200 ? 0 : 1, ack_id: 'a1', acked_at: '2024-01-01T00:00:00Z' },
    });
    for (const [value, status] of [[20, 200], [20, 500], [21, 200]]) await simPost(sim(), '/sim/events', ack(value, status));
    await waitFor('three events on the unfiltered node', () => received.all.length === 3);
    assert.deepEqual(received.successes.map((m) => m.payload), [20, 21]);
    assert.deepEqual(received.failures.map((m) => m.payload), [20]);
    assert.deepEqual(received.changes.map((m) => m.payload), [20, 21]);
  });
});
