/**
 * Splitting a fleet between two Node-RED instances, each a real Node-RED child process loading
 * this package from dist/ (test/scale/support/instance-node-red.ts), against one simulator with a
 * generated fleet. Each instance has its own instance label, so each reads a subscription of its
 * own (two unlabelled instances would share one and replace each other's socket).
 *
 * - By hash (`partition` `1/2` and `2/2`, `nodes/lib/partition.ts`): the split is client-side.
 *   Both subscriptions carry the whole fleet's stream (the server cannot narrow by hash); each
 *   instance passes only its share, so every event reaches exactly one instance, a DSN always
 *   the same one, the one `partitionOf` names.
 * - By OEM model: the split is server-side. Each subscription names one model, the simulator
 *   routes only that model's events to it, so nothing of the other model is even sent.
 */
import { strict as assert } from 'node:assert';
import { partitionOf } from '../../nodes/lib/partition';
import { FLEET_MODELS, startSimulator, type RunningSimulator } from '../../simulator/index';
import { simPost, simState, waitFor, type SimState } from '../nodes/support/flow-kit';
import { startInstance, tearDown, type InNodeOptions, type InstanceState, type RunningInstance } from './support/instance-node-red';

/** Waits on child processes: their start is bounded by the helper (30 s), deliveries take milliseconds. */
const WAIT_MS = 15_000;
/** After the expected count arrived, how long to keep listening for extra deliveries (500 ms). */
const SETTLE_MS = 500;
/** Devices of the generated fleet: DSNs `AC000W700000000` … `AC000W700000023`. */
const FLEET_DEVICES = 24;
/** Seed of the fleet: with it the fleet has several devices of each of the two models case (b) splits. */
const FLEET_SEED = 11;
/** Events posted per device. */
const EVENTS_PER_DEVICE = 2;
/** The two models case (b) splits the fleet by. */
const MODEL_A = 'thermo-t100';
const MODEL_B = 'smartplug-v2';
/** Every model of the generated fleet, as the in-node's OEM model list (a cloud subscription with `*` needs DSNs). */
const ALL_MODELS = FLEET_MODELS.map((model) => model.oemModel).join(',');

interface FleetDevice {
  dsn: string;
  oem_model: string;
}

/** One posted event: its device and model, in posting order. */
interface Posted {
  dsn: string;
  oemModel: string;
}

/** A retained event of a subscription, as `GET /sim/subscriptions/{id}/events` answers it. */
interface RetainedEvent {
  seq: string;
  metadata: { dsn: string; oem_model: string };
}

/** A property every device of `oemModel` reports (its model's first output), for the posted datapoints. */
function reportedProperty(oemModel: string): string {
  const model = FLEET_MODELS.find((candidate) => candidate.oemModel === oemModel);
  const property = model?.properties.find((candidate) => candidate.direction === 'output') ?? model?.properties[0];
  if (!property) throw new Error(`the fleet catalog has no property for ${oemModel}`);
  return property.name;
}

describe('two Node-RED instances splitting a fleet', function () {
  this.timeout(90_000);
  let sim: RunningSimulator;
  let simLog: string[];
  let instances: RunningInstance[];
  let fleet: FleetDevice[];

  beforeEach(async () => {
    simLog = [];
    instances = [];
    sim = await startSimulator({ rate: 0, seed: FLEET_SEED, devices: FLEET_DEVICES, ackDelayMs: 20, log: (line) => simLog.push(line) });
    const response = await fetch(`${sim.url}/sim/devices`);
    fleet = ((await response.json()) as { devices: FleetDevice[] }).devices;
    assert.equal(fleet.length, FLEET_DEVICES, 'the generated fleet');
  });
  afterEach(async function () {
    await tearDown(this.currentTest?.state === 'failed', instances, sim, simLog);
  });

  async function start(name: string, instanceLabel: string, inNode: InNodeOptions): Promise<RunningInstance> {
    const instance = await startInstance({ name, sim, instanceLabel, inNode });
    instances.push(instance);
    return instance;
  }

  async function connectedSubscriptions(count: number): Promise<SimState> {
    return waitFor(`${count} connected subscription(s)`, async () => {
      const state = await simState(sim);
      return state.subscriptions.length === count && state.subscriptions.every((s) => s.connected) && state.sockets === count ? state : null;
    }, WAIT_MS);
  }

  /** The subscription of the instance labelled `label` (its name carries the label). */
  function subscriptionOf(state: SimState, label: string): SimState['subscriptions'][number] & { oem_model?: string } {
    const matching = state.subscriptions.filter((s) => s.name.startsWith(`node-red-ayla-dss-${label}-datapoint-`));
    assert.equal(matching.length, 1, `one subscription named after label ${label}: ${state.subscriptions.map((s) => s.name).join(', ')}`);
    return matching[0];
  }

  async function retained(subscriptionId: number): Promise<RetainedEvent[]> {
    const response = await fetch(`${sim.url}/sim/subscriptions/${subscriptionId}/events`);
    return ((await response.json()) as { events: RetainedEvent[] }).events;
  }

  /** Posts EVENTS_PER_DEVICE datapoints for every device of the fleet, device after device, round after round. */
  async function postFleetEvents(): Promise<Posted[]> {
    const posted: Posted[] = [];
    for (let round = 0; round < EVENTS_PER_DEVICE; round++) {
      for (const device of fleet) {
        const body = { metadata: { event_type: 'datapoint', dsn: device.dsn, property_name: reportedProperty(device.oem_model) }, datapoint: {} };
        await simPost(sim, '/sim/events', body);
        posted.push({ dsn: device.dsn, oemModel: device.oem_model });
      }
    }
    return posted;
  }

  /** Waits until the instances together received `total` messages, then listens SETTLE_MS more for extras. */
  async function receivedByAll(all: RunningInstance[], total: number): Promise<InstanceState[]> {
    await waitFor(`${total} events over instances ${all.map((instance) => instance.name).join(', ')}`, async () => {
      const states = await Promise.all(all.map((instance) => instance.state()));
      return states.reduce((sum, state) => sum + state.received.length, 0) >= total;
    }, WAIT_MS);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return Promise.all(all.map((instance) => instance.state()));
  }

  it('by hash (1/2 and 2/2): both receive the whole stream, each event reaches exactly one, each DSN always the one partitionOf names', async () => {
    const shares = new Set(fleet.map((device) => partitionOf(device.dsn, 2)));
    assert.deepEqual([...shares].sort(), [1, 2], 'the fleet has devices in both shares');
    const inNode = { oemModel: ALL_MODELS, dsns: '*', properties: '*' };
    const [a, b] = await Promise.all([start('A', 'a', { ...inNode, partition: '1/2' }), start('B', 'b', { ...inNode, partition: '2/2' })]);
    const before = await connectedSubscriptions(2);
    const subscriptions = { A: subscriptionOf(before, 'a'), B: subscriptionOf(before, 'b') };

    const posted = await postFleetEvents();
    assert.ok(new Set(posted.map((event) => event.dsn)).size >= 20, 'events of 20 DSNs or more');
    const [seenA, seenB] = await receivedByAll([a, b], posted.length);

    // Client-side: the server cannot narrow by hash, so each subscription carried every event.
    const streams = { A: await retained(subscriptions.A.id), B: await retained(subscriptions.B.id) };
    for (const name of ['A', 'B'] as const) {
      assert.deepEqual(streams[name].map((event) => event.metadata.dsn), posted.map((event) => event.dsn), `instance ${name}'s subscription carried the whole stream`);
    }

    // Which posted event each message is: its seq on the instance's own subscription.
    const indexOf = (name: 'A' | 'B', seq: number): number => {
      const index = streams[name].findIndex((event) => Number(event.seq) === seq);
      assert.ok(index >= 0, `instance ${name}: seq ${seq} is on its subscription`);
      return index;
    };
    const delivered = { A: seenA.received.map((message) => indexOf('A', message.seq)), B: seenB.received.map((message) => indexOf('B', message.seq)) };
    for (const [name, state, share] of [['A', seenA, 1], ['B', seenB, 2]] as const) {
      const indices = delivered[name];
      assert.deepEqual(indices, [...indices].sort((x, y) => x - y), `instance ${name}: in order`);
      assert.equal(new Set(indices).size, indices.length, `instance ${name}: no event twice`);
      state.received.forEach((message, i) => assert.equal(message.dsn, posted[indices[i]].dsn, `instance ${name}: message ${i} is the posted event's device`));
      const expected = posted.flatMap((event, index) => (partitionOf(event.dsn, 2) === share ? [index] : []));
      assert.deepEqual(indices, expected, `instance ${name} (share ${share}/2): exactly the events of the DSNs partitionOf puts in its share`);
      assert.ok(indices.length > 0, `instance ${name} got some events`);
    }
    const inA = new Set(delivered.A);
    assert.deepEqual(delivered.B.filter((index) => inA.has(index)), [], 'no event reached both instances');
    assert.equal(inA.size + delivered.B.length, posted.length, 'every event reached one of the two');
    const dsnsA = new Set(seenA.received.map((message) => message.dsn));
    assert.deepEqual(seenB.received.filter((message) => dsnsA.has(message.dsn)), [], 'no DSN went to both instances');
  });

  it('by OEM model: each subscription names one model and the server sends it only that model', async () => {
    const count = (model: string) => fleet.filter((device) => device.oem_model === model).length;
    assert.ok(count(MODEL_A) >= 2 && count(MODEL_B) >= 2, `the fleet has ${MODEL_A} and ${MODEL_B} devices`);
    assert.ok(fleet.some((device) => device.oem_model !== MODEL_A && device.oem_model !== MODEL_B), 'and devices of other models, which neither instance lists');
    const [a, b] = await Promise.all([
      start('A', 'a', { oemModel: MODEL_A, dsns: '*', properties: '*' }),
      start('B', 'b', { oemModel: MODEL_B, dsns: '*', properties: '*' }),
    ]);
    const before = await connectedSubscriptions(2);
    const subscriptions = { A: subscriptionOf(before, 'a'), B: subscriptionOf(before, 'b') };
    assert.equal(subscriptions.A.oem_model, MODEL_A, "instance A's subscription names only its model");
    assert.equal(subscriptions.B.oem_model, MODEL_B, "instance B's subscription names only its model");

    const posted = await postFleetEvents();
    const expected = { A: posted.filter((event) => event.oemModel === MODEL_A), B: posted.filter((event) => event.oemModel === MODEL_B) };
    const [seenA, seenB] = await receivedByAll([a, b], expected.A.length + expected.B.length);

    const after = await simState(sim);
    for (const [name, seen, model] of [['A', seenA, MODEL_A], ['B', seenB, MODEL_B]] as const) {
      const subscription = subscriptionOf(after, name.toLowerCase());
      const stream = await retained(subscription.id);
      // Server-side: the subscription's stream holds its model's events and nothing else.
      assert.deepEqual(
        stream.map((event) => [event.metadata.dsn, event.metadata.oem_model]),
        expected[name].map((event) => [event.dsn, event.oemModel]),
        `instance ${name}'s subscription carried only ${model} events`,
      );
      assert.equal(subscription.nextSeq - before.subscriptions.find((s) => s.id === subscription.id)!.nextSeq, expected[name].length, `instance ${name}: the server sequenced only ${model} events`);
      assert.deepEqual(
        seen.received.map((message) => [message.dsn, message.oemModel]),
        expected[name].map((event) => [event.dsn, event.oemModel]),
        `instance ${name}: every ${model} event, in order, and nothing else`,
      );
    }
    assert.equal(after.sockets, 2, 'one socket per instance');
  });
});
