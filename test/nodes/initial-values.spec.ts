/**
 * Initial values through a real Node-RED against the simulator (docs/protocol.md §7.6): the
 * datapoint, connectivity and location in-nodes send the current state once after they start,
 * shaped like their events, before any live event of the same key and without repeating one —
 * with live events that arrive while the state is being read, and with the replay of a restart.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { accountCredentials, accountNode, aylaNodes, helper, helperNode, inNode, recordInputs, simPost, THERMOSTAT, THERMOSTAT_2, useSimulatorAndHelper, waitConnected, waitFor } from './support/flow-kit';

type Msg = Record<string, unknown> & { topic: string; payload: unknown; initial?: boolean; ayla: Record<string, unknown>; event?: unknown };

const THERMOSTATS = 3;

/** The messages of one topic, as `initial:<payload>` / `live:<payload>`. */
function timeline(messages: Msg[], topic: string): string[] {
  return messages.filter((msg) => msg.topic === topic).map((msg) => `${msg.initial === true ? 'initial' : 'live'}:${JSON.stringify(msg.payload)}`);
}

/** Checks every message of every topic: initial values first, at most one per topic, live after. */
function assertInitialFirst(messages: Msg[]): void {
  const topics = new Set(messages.map((msg) => msg.topic));
  for (const topic of topics) {
    const kinds = timeline(messages, topic).map((entry) => entry.split(':')[0]);
    const firstLive = kinds.indexOf('live');
    assert.ok(kinds.filter((kind) => kind === 'initial').length <= 1, `${topic}: one initial value at most`);
    assert.ok(firstLive === -1 || !kinds.slice(firstLive).includes('initial'), `${topic}: the initial value came after a live event`);
  }
}

/** Makes the device list answer 503 (Retry-After) once, so the node's read waits while its stream connects. */
function delayDeviceReads(sim: Parameters<typeof simPost>[0], seconds: number): Promise<unknown> {
  return simPost(sim, '/sim/faults/device-errors', { status: 503, count: 1, retryAfterSec: seconds });
}

describe('initial values of the in-nodes', function () {
  this.timeout(30_000);
  const sim = useSimulatorAndHelper({ simulatorPerTest: true });

  it('datapoint: each covered property\'s value once, shaped like an event, then the live events', async () => {
    const flow = [accountNode(sim()), inNode('datapoint', 'n1', { oemModel: 'thermo-t100', properties: 'target_temp,current_temp', initial: true }), helperNode()];
    await helper.load(aylaNodes, flow, accountCredentials(sim()));
    const received = recordInputs(helper.getNode('out')) as Msg[];
    await waitFor('the initial values', () => received.filter((msg) => msg.initial).length >= THERMOSTATS * 2);
    const first = received.find((msg) => msg.topic === `${THERMOSTAT}/target_temp`) as Msg;
    assert.equal(first.initial, true);
    assert.equal(first.payload, 21);
    assert.equal(first.event, undefined, 'no event stands behind an initial value');
    assert.deepEqual(
      { eventType: first.ayla.eventType, seq: first.ayla.seq, dsn: first.ayla.dsn, oemModel: first.ayla.oemModel, property: first.ayla.property, baseType: first.ayla.baseType, value: first.ayla.value },
      { eventType: 'datapoint', seq: null, dsn: THERMOSTAT, oemModel: 'thermo-t100', property: 'target_temp', baseType: 'decimal', value: 21 },
    );
    assert.equal(typeof first.ayla.createdAt, 'string', 'the value\'s time');
    assert.ok(received.every((msg) => /\/(target_temp|current_temp)$/.test(msg.topic)), 'only the subscribed properties');
    await waitConnected(sim(), 1);
    await simPost(sim(), `/sim/devices/${THERMOSTAT}/properties/target_temp`, { value: 22 });
    await waitFor('the live event', () => received.some((msg) => msg.initial !== true));
    assert.deepEqual(timeline(received, `${THERMOSTAT}/target_temp`), ['initial:21', 'live:22']);
    assertInitialFirst(received);
  });

  it('datapoint: a live event that arrives while the state is read is sent neither before nor after the value it set', async () => {
    await delayDeviceReads(sim(), 4);
    const flow = [accountNode(sim()), inNode('datapoint', 'n1', { oemModel: 'thermo-t100', properties: 'target_temp', initial: true }), helperNode()];
    await helper.load(aylaNodes, flow, accountCredentials(sim()));
    const received = recordInputs(helper.getNode('out')) as Msg[];
    await waitConnected(sim(), 1);
    await simPost(sim(), `/sim/devices/${THERMOSTAT}/properties/target_temp`, { value: 25 });
    await waitFor('the initial values', () => received.filter((msg) => msg.initial).length >= THERMOSTATS, 10_000);
    assert.deepEqual(timeline(received, `${THERMOSTAT}/target_temp`), ['initial:25'], 'the held event is the value the read found: not repeated');
    await simPost(sim(), `/sim/devices/${THERMOSTAT}/properties/target_temp`, { value: 26 });
    await waitFor('the next live event', () => timeline(received, `${THERMOSTAT}/target_temp`).length === 2);
    assert.deepEqual(timeline(received, `${THERMOSTAT}/target_temp`), ['initial:25', 'live:26']);
    assertInitialFirst(received);
  });

  it('connectivity: each device\'s status, and a change during the read is not repeated', async () => {
    await delayDeviceReads(sim(), 4);
    const flow = [accountNode(sim()), inNode('connectivity', 'n1', { oemModel: 'thermo-t100', initial: true }), helperNode()];
    await helper.load(aylaNodes, flow, accountCredentials(sim()));
    const received = recordInputs(helper.getNode('out')) as Msg[];
    await waitConnected(sim(), 1);
    await simPost(sim(), `/sim/devices/${THERMOSTAT_2}/connectivity`, { status: 'Offline' });
    await waitFor('the initial statuses', () => received.filter((msg) => msg.initial).length >= THERMOSTATS, 10_000);
    assert.deepEqual(timeline(received, THERMOSTAT_2), ['initial:"Offline"']);
    assert.deepEqual(timeline(received, THERMOSTAT), ['initial:"Online"']);
    const status = received.find((msg) => msg.topic === THERMOSTAT) as Msg;
    assert.deepEqual({ eventType: status.ayla.eventType, seq: status.ayla.seq, status: status.ayla.status }, { eventType: 'connectivity', seq: null, status: 'Online' });
    await simPost(sim(), `/sim/devices/${THERMOSTAT_2}/connectivity`, { status: 'Online' });
    await waitFor('the live change', () => timeline(received, THERMOSTAT_2).length === 2);
    assert.deepEqual(timeline(received, THERMOSTAT_2), ['initial:"Offline"', 'live:"Online"']);
    assertInitialFirst(received);
  });

  it('location: each device\'s lat / long as numbers, and a move during the read is not repeated', async () => {
    await delayDeviceReads(sim(), 4);
    const flow = [accountNode(sim()), inNode('location', 'n1', { oemModel: 'thermo-t100', initial: true }), helperNode()];
    await helper.load(aylaNodes, flow, accountCredentials(sim()));
    const received = recordInputs(helper.getNode('out')) as Msg[];
    await waitConnected(sim(), 1);
    await simPost(sim(), `/sim/devices/${THERMOSTAT}/location`, { lat: 48.5, long: 2.5 });
    await waitFor('the initial locations', () => received.filter((msg) => msg.initial).length >= THERMOSTATS, 10_000);
    assert.deepEqual(timeline(received, THERMOSTAT), ['initial:{"lat":48.5,"long":2.5}']);
    assert.deepEqual(timeline(received, THERMOSTAT_2), ['initial:{"lat":48.8571,"long":2.3489}']);
    await simPost(sim(), `/sim/devices/${THERMOSTAT}/location`, { lat: 48.6, long: 2.6 });
    await waitFor('the live move', () => timeline(received, THERMOSTAT).length === 2);
    assert.deepEqual(timeline(received, THERMOSTAT), ['initial:{"lat":48.5,"long":2.5}', 'live:{"lat":48.6,"long":2.6}']);
    assertInitialFirst(received);
  });

  it('applies the node\'s filters to initial values as to events', async () => {
    const flow = [
      accountNode(sim()),
      inNode('datapoint', 'n1', { oemModel: 'thermo-t100', properties: '*', initial: true, dsnFilter: [{ mode: 'exact', pattern: THERMOSTAT }], propertyFilter: [{ mode: 'wildcard', pattern: '*_temp' }] }),
      helperNode(),
    ];
    await helper.load(aylaNodes, flow, accountCredentials(sim()));
    const received = recordInputs(helper.getNode('out')) as Msg[];
    await waitFor('the initial values', () => received.filter((msg) => msg.initial).length >= 2);
    await waitConnected(sim(), 1);
    assert.deepEqual(received.map((msg) => msg.topic).sort(), [`${THERMOSTAT}/current_temp`, `${THERMOSTAT}/target_temp`]);
  });

  describe('after a restart, with the stream resuming from its stored position', () => {
    let userDir: string;
    beforeEach(async () => {
      userDir = await mkdtemp(path.join(os.tmpdir(), 'ayla-initial-'));
      helper.settings({ userDir });
    });
    afterEach(async () => {
      helper.settings({});
      await rm(userDir, { recursive: true, force: true });
    });

    it('sends the current value once: the replay of what happened while Node-RED was down is older and dropped', async () => {
      const spec = { oemModel: 'thermo-t100', properties: 'target_temp' };
      // After the restart a second node without `initial` shares the stream: it shows the replay did happen.
      const flow = (initial: boolean) => [
        accountNode(sim()),
        inNode('datapoint', 'n1', { ...spec, initial }),
        helperNode(),
        ...(initial ? [inNode('datapoint', 'n2', spec, ['out2']), helperNode('out2')] : []),
      ];
      await helper.load(aylaNodes, flow(false), accountCredentials(sim()));
      let received = recordInputs(helper.getNode('out')) as Msg[];
      await waitConnected(sim(), 1);
      await simPost(sim(), `/sim/devices/${THERMOSTAT}/properties/target_temp`, { value: 30 });
      await waitFor('the event before the restart', () => received.length === 1);
      await helper.unload();
      // While Node-RED is down: two changes the subscription keeps for the replay.
      await simPost(sim(), `/sim/devices/${THERMOSTAT}/properties/target_temp`, { value: 31 });
      await simPost(sim(), `/sim/devices/${THERMOSTAT}/properties/target_temp`, { value: 32 });
      // Restarts take seconds: the replayed events are older than the read of the current state.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await helper.load(aylaNodes, flow(true), accountCredentials(sim()));
      received = recordInputs(helper.getNode('out')) as Msg[];
      const plain = recordInputs(helper.getNode('out2')) as Msg[];
      await waitConnected(sim(), 1);
      await waitFor('the initial values', () => received.filter((msg) => msg.initial).length >= THERMOSTATS);
      await simPost(sim(), `/sim/devices/${THERMOSTAT}/properties/target_temp`, { value: 33 });
      await waitFor('the live event after the restart', () => timeline(received, `${THERMOSTAT}/target_temp`).includes('live:33'));
      assert.deepEqual(timeline(received, `${THERMOSTAT}/target_temp`), ['initial:32', 'live:33'], 'neither 31 nor 32 again');
      await waitFor('the plain node to get the live event too', () => timeline(plain, `${THERMOSTAT}/target_temp`).includes('live:33'));
      assert.deepEqual(timeline(plain, `${THERMOSTAT}/target_temp`), ['live:31', 'live:32', 'live:33'], 'the stream did replay the restart\'s gap');
      assertInitialFirst(received);
    });
  });
});
