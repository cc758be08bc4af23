/**
 * The fan-out recipe end to end: examples/07 ("Fan-out to MQTT") itself, run in a real Node-RED
 * runtime (the test helper, with the core mqtt nodes from the same Node-RED tree), reading a
 * generated fleet from the simulator and publishing through a real Mosquitto that this test
 * starts on 127.0.0.1 (test/support/mosquitto.ts). The only changes to the example are the ones
 * a user makes: its in-nodes get an account on the simulator (examples carry none: the editor
 * gives imported nodes the user's account), the broker config node points at this broker.
 *
 * What a consumer relies on, checked against the simulator's own record of each subscription
 * (`GET /sim/subscriptions/{id}/events`): every event arrives once, in seq order, on
 * `ayla/<oem_model>/<dsn>/<event>/<property>` with QoS 1 and the typed value; a subscriber that
 * connects afterwards is handed the last value of every topic, retained.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import type { AylaEvent } from '../../nodes/lib/events';
import { payloadOf } from '../../nodes/lib/messages';
import { normaliseEvent, type NormalisedEvent } from '../../nodes/lib/normalise';
import type { RunningSimulator } from '../../simulator/index';
import { aylaNodes, errorsOf, helper, requireCoreNode, simPost, simState, startQuietSimulator, waitFor, type SimState } from '../nodes/support/flow-kit';
import { simulatorAccountNode } from '../support/account-node';
import { startMosquitto, type RunningMosquitto } from '../support/mosquitto';
import { MqttRecorder, type ReceivedMessage } from './support/mqtt-recorder';

const coreNodes = [
  requireCoreNode('@node-red/nodes/core/common/90-comment.js'),
  requireCoreNode('@node-red/nodes/core/function/15-change.js'),
  requireCoreNode('@node-red/nodes/core/network/10-mqtt.js'),
];

const EXAMPLE = path.resolve(__dirname, '../../examples/07 - Fan-out to MQTT.json');
const ACCOUNT_ID = 'fanout-account';
const BROKER_ID = 'ex07-broker';
const IN_NODES = ['ex07-datapoints', 'ex07-connectivity'];
const OUT_NODE = 'ex07-mqtt';
/** Devices of the generated fleet: every base type, a few hundred topics. */
const FLEET_DEVICES = 40;
/** Generated events: below Mosquitto's default queue of 1000 per client, which a consumer slower than the stream would hit first. */
const GENERATED_EVENTS = 400;
/** Waits for delivery through Node-RED and the broker (15 s; it takes well under a second). */
const DELIVERY_WAIT_MS = 15_000;

type FlowNode = Record<string, unknown> & { id: string; type: string };

/**
 * The topic the README and the example promise, written out independently of the example's
 * JSONata: `ayla/<oem_model>/<dsn>/<event>/<property>`, `status` as the property of
 * connectivity events, `/ + #` inside a name replaced by `_`.
 */
function expectedTopic(event: NormalisedEvent): string {
  const segment = (text: string) => text.replace(/[/+#]/g, '_');
  const property = event.eventType === 'connectivity' ? 'status' : 'property' in event ? event.property : '';
  return ['ayla', segment(event.oemModel ?? 'unknown'), segment(event.dsn), event.eventType, segment(property)].join('/');
}

/** The example, given an account on this simulator and pointed at this broker, as a user would. */
function exampleFlow(sim: RunningSimulator, broker: RunningMosquitto): FlowNode[] {
  const flow = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')) as FlowNode[];
  const adapted = flow.map((node) => {
    const { credentials: _blank, ...rest } = node;
    if (/^ayla-/.test(node.type)) return { ...rest, account: ACCOUNT_ID } as FlowNode;
    if (node.type === 'mqtt-broker') return { ...rest, broker: broker.host, port: String(broker.port) } as FlowNode;
    return rest as FlowNode;
  });
  return [...adapted, simulatorAccountNode(sim, { id: ACCOUNT_ID, name: 'simulator' }) as FlowNode];
}

/** The events a subscription carried, as the simulator retained them, normalised like the nodes do. */
async function carriedEvents(sim: RunningSimulator, subscriptionId: number): Promise<NormalisedEvent[]> {
  const response = await fetch(`${sim.url}/sim/subscriptions/${subscriptionId}/events`);
  const { events } = (await response.json()) as { events: AylaEvent[] };
  return events.map((event) => normaliseEvent(event));
}


describe('fan-out to MQTT through a real Mosquitto (examples/07)', function () {
  this.timeout(60_000);
  let sim: RunningSimulator | null = null;
  let broker: RunningMosquitto | null = null;
  const recorders: MqttRecorder[] = [];

  beforeEach(async () => {
    broker = await startMosquitto();
    sim = await startQuietSimulator({ devices: FLEET_DEVICES, seed: 7 });
  });
  afterEach(async () => {
    await helper.unload();
    for (const recorder of recorders.splice(0)) await recorder.close();
    await sim?.close();
    await broker?.stop();
    sim = null;
    broker = null;
  });

  async function subscriber(name: string): Promise<MqttRecorder> {
    const recorder = await MqttRecorder.connect((broker as RunningMosquitto).url, 'ayla/#', `${name}-${process.pid}`);
    recorders.push(recorder);
    return recorder;
  }

  /**
   * Deploys the example, waits until both in-nodes read their subscriptions and the mqtt out
   * node's broker is connected (the core node drops what it is given before that), generates
   * the fleet's events and returns what each subscription carried.
   */
  async function runExample(): Promise<{ datapoints: NormalisedEvent[]; connectivity: NormalisedEvent[] }> {
    const running = sim as RunningSimulator;
    await helper.load([aylaNodes, ...coreNodes], exampleFlow(running, broker as RunningMosquitto), { [ACCOUNT_ID]: { ...running.account } });
    const state = await waitFor(
      'both subscriptions read',
      async () => {
        const current = await simState(running);
        return current.subscriptions.length === 2 && current.subscriptions.every((s) => s.connected) ? current : null;
      },
      DELIVERY_WAIT_MS,
    );
    await waitFor('the mqtt out node connected to the broker', () => (helper.getNode(BROKER_ID) as unknown as { connected?: boolean }).connected === true, DELIVERY_WAIT_MS);
    await simPost(running, '/sim/generate', { count: GENERATED_EVENTS });
    const idOf = (type: string) => (state.subscriptions.find((s) => s.subscription_type === type) as SimState['subscriptions'][number]).id;
    return { datapoints: await carriedEvents(running, idOf('datapoint')), connectivity: await carriedEvents(running, idOf('connectivity')) };
  }

  it('publishes every event once, in seq order, on ayla/<oem_model>/<dsn>/<event>/<property> with QoS 1', async () => {
    const live = await subscriber('live');
    const { datapoints, connectivity } = await runExample();
    assert.ok(datapoints.length > 100 && connectivity.length > 5, `the fleet made too few events: ${datapoints.length} datapoints, ${connectivity.length} connectivity`);
    const total = datapoints.length + connectivity.length;
    await waitFor(`${total} messages at the subscriber`, () => live.messages.length >= total, DELIVERY_WAIT_MS);
    await live.barrier();

    const byType = (type: string) => live.messages.filter((message) => message.topic.split('/')[3] === type);
    for (const [type, events] of [['datapoint', datapoints], ['connectivity', connectivity]] as const) {
      const received = byType(type);
      assert.deepEqual(
        received.map((message) => (message.payload as { seq: number }).seq),
        events.map((event) => event.seq),
        `${type}: every seq once and in order`,
      );
      assert.deepEqual(
        received.map((message) => [message.topic, (message.payload as { value: unknown }).value]),
        events.map((event) => [expectedTopic(event), payloadOf(event)]),
        `${type}: topics and typed values`,
      );
    }
    assert.equal(live.messages.length, total, 'nothing else was published');
    assert.deepEqual(new Set(live.messages.map((message) => message.qos)), new Set([1]), 'QoS 1 end to end');
    // A live subscriber is sent the messages as published: the retain flag is for late subscribers.
    assert.ok(live.messages.every((message) => !message.retain));
    const sample = live.messages.find((message) => message.topic.includes('/datapoint/')) as ReceivedMessage;
    assert.match(String((sample.payload as { time?: unknown }).time), /^\d{4}-\d\d-\d\dT/, 'the event time travels with the value');
    assert.deepEqual(errorsOf([...IN_NODES, OUT_NODE]), []);
  });

  it('hands a late subscriber the last value of every property, retained', async () => {
    const { datapoints, connectivity } = await runExample();
    // Delivery to the broker is done once a subscriber that was there all along has it all;
    // here the only witness is the broker itself, so wait until it retains the last event.
    const last = new Map<string, NormalisedEvent>();
    for (const event of [...datapoints, ...connectivity]) last.set(expectedTopic(event), event);
    const lastEvent = datapoints[datapoints.length - 1];
    await waitFor(
      'the last event retained by the broker',
      async () => {
        const probe = await subscriber(`probe-${Date.now()}`);
        await probe.barrier();
        const retained = probe.messages.find((message) => message.topic === expectedTopic(lastEvent));
        await probe.close();
        return retained && (retained.payload as { seq: number }).seq === lastEvent.seq;
      },
      DELIVERY_WAIT_MS,
      200,
    );

    const late = await subscriber('late');
    await late.barrier();
    assert.equal(late.messages.length, last.size, 'one retained message per topic');
    assert.ok(last.size < datapoints.length + connectivity.length, 'some properties changed more than once: the test tells last from first');
    const received = new Map(late.messages.map((message) => [message.topic, message]));
    for (const [topic, event] of last) {
      const message = received.get(topic);
      assert.ok(message, `nothing retained on ${topic}`);
      assert.deepEqual(message.payload, {
        value: payloadOf(event),
        seq: event.seq,
        time: event.eventType === 'connectivity' ? event.eventTime : (event as { updatedAt: string | null }).updatedAt,
      });
      assert.equal(message.retain, true, `${topic} retained`);
      assert.equal(message.qos, 1);
    }
  });
});
