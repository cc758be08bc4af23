/**
 * The active/standby pattern end to end: examples/10 ("Active and standby with MQTT") run by two
 * real Node-RED processes (test/scale/support/standby-instance.ts) against the simulator and a
 * real Mosquitto this test starts on 127.0.0.1. The broker is the coordinator: the first
 * instance claims leadership and reads DSS; the second waits without a DSS socket; when the
 * active process is killed (SIGKILL: no clean disconnect, only the broker's last will) the
 * standby takes over from the last seq the active one published. A subscriber that was there
 * all along must have every event the simulator sent exactly once, in seq order, and the
 * killed instance, started again, must stay a standby instead of taking the stream back.
 */
import { strict as assert } from 'node:assert';
import type { AylaEvent } from '../../nodes/lib/events';
import type { RunningSimulator } from '../../simulator/index';
import { simPost, simState, startQuietSimulator, waitFor, type SimState } from '../nodes/support/flow-kit';
import { startMosquitto, type RunningMosquitto } from '../support/mosquitto';
import { MqttRecorder } from './support/mqtt-recorder';
import { IN_NODE_IDS, startStandbyInstance, type SeenStatus, type StandbyInstance } from './support/standby-instance';

/** The fleet: enough devices for datapoint and connectivity events in every batch. */
const FLEET_DEVICES = 30;
/** Events generated per batch, and the pause between batches: about 500 events/s, below any limit. */
const BATCH = 25;
const BATCH_PAUSE_MS = 50;
/**
 * Waits for coordination (30 s): the first instance claims after 6 s without a leader and a 2 s
 * settle; a takeover after a kill takes about 2.5 s. Generous, so a loaded machine does not fail.
 */
const COORDINATION_WAIT_MS = 30_000;
/** The bound the README promises for a takeover after a process is killed, with a wide margin (20 s). */
const TAKEOVER_BOUND_MS = 20_000;
/** How long a restarted instance is watched for a wrong claim: longer than the 6 s claim timeout. */
const RESTART_WATCH_MS = 9_000;
/** What the simulator logs each time a socket replaces an older one on the same key. */
const REPLACEMENT_LINE = /a new socket replaces the old one/;

const isActive = (name: string) => (status: SeenStatus) => status.source === 'coordinator' && status.text === `${name}: active`;

async function statusesOf(instance: StandbyInstance): Promise<SeenStatus[]> {
  return (await instance.state()).statuses;
}

describe('active and standby through a real Mosquitto (examples/10)', function () {
  this.timeout(180_000);
  let sim: RunningSimulator | null = null;
  let broker: RunningMosquitto | null = null;
  let simLog: string[] = [];
  const instances: StandbyInstance[] = [];
  const recorders: MqttRecorder[] = [];

  beforeEach(async () => {
    simLog = [];
    broker = await startMosquitto();
    sim = await startQuietSimulator({ devices: FLEET_DEVICES, seed: 10, log: (line) => simLog.push(line) });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      for (const instance of instances) process.stderr.write(`--- instance ${instance.name} log:\n${instance.log().slice(-4000)}\n`);
      process.stderr.write(`--- simulator log:\n${simLog.slice(-40).join('\n')}\n`);
    }
    await Promise.all(instances.splice(0).map((instance) => instance.dispose()));
    for (const recorder of recorders.splice(0)) await recorder.close();
    await sim?.close();
    await broker?.stop();
    sim = null;
    broker = null;
  });

  async function start(name: string): Promise<StandbyInstance> {
    const instance = await startStandbyInstance(name, sim as RunningSimulator, broker as RunningMosquitto);
    instances.push(instance);
    return instance;
  }

  /** Generates batches of fleet events until `stop()` is called; resolves with the number generated. */
  function generateContinuously(): { stop(): Promise<number> } {
    let running = true;
    const loop = (async () => {
      let generated = 0;
      while (running) {
        await simPost(sim as RunningSimulator, '/sim/generate', { count: BATCH });
        generated += BATCH;
        await new Promise((resolve) => setTimeout(resolve, BATCH_PAUSE_MS));
      }
      return generated;
    })();
    return {
      stop: () => {
        running = false;
        return loop;
      },
    };
  }

  /** The seqs each subscription carried, as the simulator retained them, by event type. */
  async function carriedSeqs(state: SimState): Promise<Map<string, number[]>> {
    const byType = new Map<string, number[]>();
    for (const subscription of state.subscriptions) {
      const response = await fetch(`${(sim as RunningSimulator).url}/sim/subscriptions/${subscription.id}/events`);
      const { events } = (await response.json()) as { events: AylaEvent[] };
      byType.set(subscription.subscription_type, events.map((event) => Number(event.seq)));
    }
    return byType;
  }

  it('the standby waits without DSS, takes over when the active is killed, and no event is lost or repeated', async () => {
    const running = sim as RunningSimulator;
    const subscriber = await MqttRecorder.connect((broker as RunningMosquitto).url, 'ayla/+/+/+/+', `standby-witness-${process.pid}`);
    const wills = await MqttRecorder.connect((broker as RunningMosquitto).url, 'ayla/_ha/main/gone', `standby-wills-${process.pid}`);
    recorders.push(subscriber, wills);

    const a = await start('a');
    await waitFor('a is active', async () => (await statusesOf(a)).some(isActive('a')), COORDINATION_WAIT_MS, 200);
    await waitFor('a reads both subscriptions', async () => {
      const state = await simState(running);
      return state.subscriptions.length === 2 && state.subscriptions.every((s) => s.connected) && state.sockets === 2;
    }, COORDINATION_WAIT_MS, 200);

    const b = await start('b');
    await waitFor('b is a standby of a', async () => (await statusesOf(b)).some((s) => s.source === 'coordinator' && s.text === 'b: standby (leader a)'), COORDINATION_WAIT_MS, 200);

    const generator = generateContinuously();
    await waitFor('events flow through a to the broker', () => subscriber.messages.length > 200, COORDINATION_WAIT_MS, 50);
    // The standby holds no DSS socket: a's two are the only ones and were never replaced.
    assert.equal((await simState(running)).sockets, 2, 'only the active instance reads DSS');
    assert.equal(simLog.filter((line) => REPLACEMENT_LINE.test(line)).length, 0, 'nobody took a socket over');
    const bInNodeStatuses = (await statusesOf(b)).filter((s) => IN_NODE_IDS.includes(s.source));
    assert.ok(!bInNodeStatuses.some((s) => s.fill === 'green'), `the standby's in-nodes never connected: ${JSON.stringify(bInNodeStatuses)}`);

    const killedAt = Date.now();
    a.kill();
    const publishedBeforeKill = subscriber.messages.length;
    // Events keep coming while nobody reads them: DSS keeps them for the next reader.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await waitFor('b is active', async () => (await statusesOf(b)).some(isActive('b')), COORDINATION_WAIT_MS, 100);
    const activeAt = ((await statusesOf(b)).find(isActive('b')) as SeenStatus).at;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const generated = await generator.stop();

    const state = await waitFor('b reads both subscriptions', async () => {
      const current = await simState(running);
      return current.subscriptions.length === 2 && current.subscriptions.every((s) => s.connected) && current.sockets === 2 ? current : null;
    }, COORDINATION_WAIT_MS, 200);
    const carried = await carriedSeqs(state);
    const total = [...carried.values()].reduce((sum, seqs) => sum + seqs.length, 0);
    // Not every generated event is one the example reads (other event types, other models).
    assert.ok(generated > 0 && total > 0 && total <= generated, `the simulator carried ${total} events for ${generated} generated`);
    await waitFor(`all ${total} events at the subscriber`, () => subscriber.messages.length >= total, COORDINATION_WAIT_MS, 100);
    await subscriber.barrier();

    for (const [type, seqs] of carried) {
      const received = subscriber.messages.filter((message) => message.topic.split('/')[3] === type).map((message) => (message.payload as { seq: number }).seq);
      assert.ok(seqs.length > 10, `${type}: the fleet made too few events (${seqs.length})`);
      assert.deepEqual(received, seqs, `${type}: every event once, in seq order, across the takeover`);
    }
    assert.equal(subscriber.messages.length, total, 'nothing published twice');
    assert.ok(subscriber.messages.length > publishedBeforeKill, 'the standby published what came after the kill');
    assert.deepEqual(wills.messages.map((message) => message.payload), ['a'], "the broker published a's last will, naming it");
    const takeoverMs = activeAt - killedAt;
    assert.ok(takeoverMs < TAKEOVER_BOUND_MS, `the standby took over ${takeoverMs} ms after the kill`);
    process.stdout.write(`      (takeover ${takeoverMs} ms after SIGKILL; ${publishedBeforeKill} events published by a, ${total - publishedBeforeKill} by b)\n`);

    // The killed instance comes back as a standby of b and leaves the stream alone.
    const replacementsBefore = simLog.filter((line) => REPLACEMENT_LINE.test(line)).length;
    const again = await start('a');
    await waitFor('a is back as a standby of b', async () => (await statusesOf(again)).some((s) => s.source === 'coordinator' && s.text === 'a: standby (leader b)'), COORDINATION_WAIT_MS, 200);
    await new Promise((resolve) => setTimeout(resolve, RESTART_WATCH_MS));
    assert.ok(!(await statusesOf(again)).some(isActive('a')), 'the restarted instance did not claim');
    assert.ok((await statusesOf(b)).filter((s) => s.source === 'coordinator').at(-1)?.text === 'b: active', 'b is still active');
    assert.equal(simLog.filter((line) => REPLACEMENT_LINE.test(line)).length, replacementsBefore, 'nobody took a socket over');
    assert.equal((await simState(running)).sockets, 2);
  });
  it('an instance alone, stopped and started again, leads at once and resumes after the retained seqs', async () => {
    const running = sim as RunningSimulator;
    const subscriber = await MqttRecorder.connect((broker as RunningMosquitto).url, 'ayla/+/+/+/+', `standby-alone-${process.pid}`);
    recorders.push(subscriber);
    const first = await start('solo');
    await waitFor('solo is active', async () => (await statusesOf(first)).some(isActive('solo')), COORDINATION_WAIT_MS, 200);
    await waitFor('solo reads both subscriptions', async () => (await simState(running)).sockets === 2, COORDINATION_WAIT_MS, 200);
    const generator = generateContinuously();
    await waitFor('events flow to the broker', () => subscriber.messages.length > 100, COORDINATION_WAIT_MS, 50);
    // A clean stop (the close message names it gone); the next start has a fresh user directory:
    // no position file, only what the broker retained.
    await first.dispose();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const second = await start('solo');
    await waitFor('solo is active again', async () => (await statusesOf(second)).some(isActive('solo')), COORDINATION_WAIT_MS, 100);
    const coordinatorStatuses = (await statusesOf(second)).filter((status) => status.source === 'coordinator');
    const claimed = coordinatorStatuses.find((status) => status.text?.startsWith('solo: claiming')) as SeenStatus;
    assert.ok(claimed, `it claimed: ${JSON.stringify(coordinatorStatuses)}`);
    const claimedAfterMs = claimed.at - coordinatorStatuses[0].at;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await generator.stop();

    const state = await waitFor('both subscriptions read again', async () => {
      const current = await simState(running);
      return current.sockets === 2 && current.subscriptions.every((s) => s.connected) ? current : null;
    }, COORDINATION_WAIT_MS, 200);
    const carried = await carriedSeqs(state);
    const total = [...carried.values()].reduce((sum, seqs) => sum + seqs.length, 0);
    await waitFor(`all ${total} events at the subscriber`, () => subscriber.messages.length >= total, COORDINATION_WAIT_MS, 100);
    await subscriber.barrier();
    for (const [type, seqs] of carried) {
      const received = subscriber.messages.filter((message) => message.topic.split('/')[3] === type).map((message) => (message.payload as { seq: number }).seq);
      assert.deepEqual(received, seqs, `${type}: every event once, in seq order, across the restart`);
    }
    // Its own retained claim needs no claim timeout: it claims as soon as the broker hands the
    // claim over (milliseconds), not after 6 s without a leader.
    assert.ok(claimedAfterMs < 4_000, `claimed ${claimedAfterMs} ms after its first status`);
  });
});
