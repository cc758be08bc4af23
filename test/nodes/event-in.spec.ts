/**
 * Each in-node type against the simulator: the message shape (topic, payload, ayla, event),
 * auto and key sources, and malformed input reported without stopping the stream.
 *
 * Every test gets a fresh simulator, so no subscription, seq or retained event of another test
 * exists: each test asserts exactly the messages it caused, in order.
 */
import { strict as assert } from 'node:assert';
import { Session } from '../../nodes/lib/session';
import { SubscriptionClient } from '../../nodes/lib/subscriptions';
import {
  accountCredentials,
  accountNode,
  aylaNodes,
  datapointEvent,
  helper,
  helperNode,
  inNode,
  PLUG,
  recordCalls,
  recordInputs,
  simPost,
  simState,
  THERMOSTAT,
  useSimulatorAndHelper,
  waitConnected,
  waitFor,
} from './support/flow-kit';

describe('ayla-*-in nodes: messages', function () {
  const sim = useSimulatorAndHelper({ simulatorPerTest: true });

  async function loadOne(type: string, props: Record<string, unknown> = {}, credentials: Record<string, Record<string, string>> = {}) {
    await helper.load(aylaNodes, [accountNode(sim()), inNode(type, 'n1', props), helperNode()], accountCredentials(sim(), credentials));
    const received = recordInputs(helper.getNode('out'));
    await waitConnected(sim(), 1);
    return received;
  }

  it('datapoint: topic dsn/property, payload typed by base type, ayla normalised, event raw', async () => {
    const received = await loadOne('datapoint', { oemModel: 'thermo-t100' });
    await simPost(sim(), '/sim/events', datapointEvent(THERMOSTAT, 'current_temp', '22.5'));
    await waitFor('a datapoint message', () => received.length === 1);
    const msg = received[0] as { topic: string; payload: unknown; ayla: Record<string, unknown>; event: Record<string, unknown> };
    assert.equal(msg.topic, `${THERMOSTAT}/current_temp`);
    assert.equal(msg.payload, 22.5, 'a decimal given as text arrives as a number');
    assert.equal(msg.ayla.eventType, 'datapoint');
    assert.equal(typeof msg.ayla.seq, 'number');
    assert.equal(msg.ayla.oemModel, 'thermo-t100');
    assert.equal(msg.ayla.property, 'current_temp');
    assert.equal(Object.getPrototypeOf(msg.ayla), Object.prototype, 'ayla is a plain object');
    assert.equal(typeof (msg.event as { seq: unknown }).seq, 'string', 'the raw event keeps seq as sent');
    assert.equal((msg.event.datapoint as { value: unknown }).value, '22.5');
  });

  it('datapointack: ack fields and the acknowledged value', async () => {
    const received = await loadOne('datapointack', { oemModel: 'thermo-t100' });
    await simPost(sim(), `/sim/devices/${THERMOSTAT}/properties/target_temp`, { value: 22, from: 'cloud' });
    await waitFor('a datapointack message', () => received.length === 1);
    const msg = received[0] as { topic: string; payload: unknown; ayla: Record<string, unknown> };
    assert.equal(msg.topic, `${THERMOSTAT}/target_temp`);
    assert.equal(msg.payload, 22);
    assert.equal(msg.ayla.eventType, 'datapointack');
    assert.equal(msg.ayla.ackSuccess, true);
  });

  it('connectivity: payload is the status string, topic the dsn', async () => {
    const received = await loadOne('connectivity', { dsns: PLUG });
    await simPost(sim(), `/sim/devices/${PLUG}/connectivity`, { status: 'Offline' });
    await waitFor('a connectivity message', () => received.length === 1);
    assert.equal(received[0].topic, PLUG);
    assert.equal(received[0].payload, 'Offline');
    assert.equal((received[0].ayla as { status: string }).status, 'Offline');
  });

  it('location: payload {lat, long} as numbers', async () => {
    const received = await loadOne('location', { dsns: PLUG });
    await simPost(sim(), `/sim/devices/${PLUG}/location`, { lat: 1.5, long: -2.25 });
    await waitFor('a location message', () => received.length === 1);
    assert.equal(received[0].topic, PLUG);
    assert.deepEqual(received[0].payload, { lat: 1.5, long: -2.25 });
  });

  it('registration: payload is the registered boolean', async () => {
    const received = await loadOne('registration', { dsns: PLUG });
    await simPost(sim(), `/sim/devices/${PLUG}/registration`, { registered: false });
    await waitFor('a registration message', () => received.length === 1);
    assert.equal(received[0].topic, PLUG);
    assert.equal(received[0].payload, false);
    assert.equal((received[0].ayla as { registered: boolean }).registered, false);
  });

  it('key source: listens on an existing subscription given only its stream key', async () => {
    const session = new Session({ userUrl: sim().userUrl, credentials: sim().account });
    const client = new SubscriptionClient({ apiUrl: sim().apiUrl, session });
    const subscription = await client.create({ eventType: 'connectivity', oemModel: 'smartplug-v2', dsns: '*', properties: '*', clientType: 'cloud' }, 'hand-made');
    const received = await loadOne('connectivity', { source: 'key' }, { n1: { streamKey: subscription.stream_key } });
    const state = await simState(sim());
    assert.ok(state.subscriptions.find((s) => s.name === 'hand-made')?.connected, 'the hand-made subscription is the one connected');
    await simPost(sim(), `/sim/devices/${PLUG}/connectivity`, { status: 'Online' });
    await waitFor('a connectivity message', () => received.length === 1);
    assert.equal(received[0].payload, 'Online');
  });

  it('a malformed frame is reported with its code and excerpt, and the stream goes on', async () => {
    const received = await loadOne('datapoint', { oemModel: 'thermo-t100' });
    const errors = recordCalls(helper.getNode('n1'), 'error');
    await simPost(sim(), '/sim/frames', { frame: '12|{"seq": oops' });
    await waitFor('an error report', () => errors.length === 1);
    assert.equal(errors[0].text, 'ayla-dss-account.errors.BAD_JSON');
    const payload = errors[0].msg?.payload as { code: string; excerpt: string };
    assert.equal(payload.code, 'BAD_JSON');
    assert.match(payload.excerpt, /oops/);
    await simPost(sim(), '/sim/events', datapointEvent(THERMOSTAT, 'current_temp', 20.25));
    await waitFor('the next valid event', () => received.length === 1);
    assert.deepEqual(
      received.map((msg) => [msg.topic, msg.payload]),
      [[`${THERMOSTAT}/current_temp`, 20.25]],
      'exactly the one valid event, after the malformed frame',
    );
    assert.equal(errors.length, 1, 'the malformed frame was reported once');
  });

  it('a Catch node receives the error with the human text and the code', async () => {
    const flow = [
      accountNode(sim()),
      inNode('datapoint', 'n1', { oemModel: 'thermo-t100' }, []),
      { id: 'catch1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      helperNode('caught'),
    ];
    await helper.load(aylaNodes, flow, accountCredentials(sim()));
    const caught = recordInputs(helper.getNode('caught'));
    await waitConnected(sim(), 1);
    await simPost(sim(), '/sim/faults/malformed', { kind: 'bad-length' });
    await waitFor('a caught error', () => caught.length === 1);
    assert.equal((caught[0].error as { message: string }).message, 'ayla-dss-account.errors.BAD_LENGTH');
    assert.equal((caught[0].payload as { code: string }).code, 'BAD_LENGTH');
  });
});
