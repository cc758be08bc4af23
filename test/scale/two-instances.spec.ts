/**
 * Two Node-RED instances with the same flow against one simulator, each a real Node-RED child
 * process loading this package from dist/ (test/scale/support/instance-node-red.ts):
 *
 * - with an instance label each (one flow file, the label from each process's environment), they
 *   read two subscriptions and both get every event;
 * - without one, they find the same subscription. The server allows one socket per stream key
 *   (the simulator closes the older one with 4000), so exactly one of them reads it: the other
 *   says so in its status and with one warning, and backs off for minutes instead of taking the
 *   socket back, so the two do not keep replacing each other.
 */
import { strict as assert } from 'node:assert';
import { startSimulator, type RunningSimulator } from '../../simulator/index';
import { datapointEvent, simPost, simState, THERMOSTAT, waitFor, type SimState } from '../nodes/support/flow-kit';
import { IN_NODE_NAME, startInstance, tearDown, type InstanceState, type RunningInstance } from './support/instance-node-red';

/** Waits on child processes: their start is bounded by the helper (30 s), deliveries take milliseconds. */
const WAIT_MS = 15_000;
/**
 * How long the instances are watched after the takeover for a socket fight (10 s). The package
 * waits 30 s (doubling to 10 min) before taking a replaced socket back, so no replacement may
 * happen within it; a package that reconnected with its normal 1 s backoff would fight several
 * times in this window.
 */
const FIGHT_WINDOW_MS = 10_000;
/** The in-node's status while another client reads its subscription (the catalog's `status.replaced`). */
const REPLACED_STATUS = 'another client is reading this subscription';
/** The start of the REPLACED warning text (the catalog's `errors.REPLACED`). */
const REPLACED_WARNING = new RegExp(`\\[warn\\] \\[ayla-datapoint-in:${IN_NODE_NAME}\\] Another client is reading this subscription`, 'g');
/** What the simulator logs each time a socket replaces an older one on the same key. */
const REPLACEMENT_LINE = /a new socket replaces the old one/;

describe('two Node-RED instances with the same flow', function () {
  this.timeout(90_000);
  let sim: RunningSimulator;
  let simLog: string[];
  let instances: RunningInstance[];

  beforeEach(async () => {
    simLog = [];
    instances = [];
    sim = await startSimulator({ rate: 0, seed: 11, ackDelayMs: 20, log: (line) => simLog.push(line) });
  });
  afterEach(async function () {
    await tearDown(this.currentTest?.state === 'failed', instances, sim, simLog);
  });

  async function start(name: string, instanceLabel: string | null): Promise<RunningInstance> {
    const instance = await startInstance({ name, sim, instanceLabel });
    instances.push(instance);
    return instance;
  }

  const report = (value: number) => simPost(sim, '/sim/events', datapointEvent(THERMOSTAT, 'current_temp', value));
  const values = (state: InstanceState) => state.received.map((message) => message.value);

  async function waitForValues(instance: RunningInstance, count: number): Promise<InstanceState> {
    return waitFor(`${count} events at instance ${instance.name}`, async () => {
      const state = await instance.state();
      return state.received.length >= count ? state : null;
    }, WAIT_MS);
  }

  async function connectedSubscriptions(count: number): Promise<SimState> {
    return waitFor(`${count} connected subscription(s)`, async () => {
      const state = await simState(sim);
      return state.subscriptions.length === count && state.subscriptions.every((s) => s.connected) ? state : null;
    }, WAIT_MS);
  }

  it('with an instance label each, read separate subscriptions and both get every event', async () => {
    const [a, b] = await Promise.all([start('A', 'site-a'), start('B', 'site-b')]);
    const state = await connectedSubscriptions(2);
    assert.deepEqual(
      state.subscriptions.map((s) => s.name.replace(/-[0-9a-f]{10}$/, '')).sort(),
      ['node-red-ayla-dss-site-a-datapoint', 'node-red-ayla-dss-site-b-datapoint'],
      'one subscription per label, named after it',
    );
    const sent = [20, 20.5, 21, 21.5, 22, 22.5, 23, 23.5, 24, 24.5];
    for (const value of sent) await report(value);
    const [seenA, seenB] = await Promise.all([waitForValues(a, sent.length), waitForValues(b, sent.length)]);
    assert.deepEqual(values(seenA), sent, 'instance A: every event, in order');
    assert.deepEqual(values(seenB), sent, 'instance B: every event, in order');
    assert.deepEqual(simLog.filter((line) => REPLACEMENT_LINE.test(line)), [], 'no socket was replaced');
    for (const instance of [a, b]) assert.equal(instance.log().match(REPLACED_WARNING)?.length ?? 0, 0, `instance ${instance.name}: no REPLACED warning`);
  });

  it('without a label, share one subscription: the newer reads it, the older says so once and does not fight', async () => {
    const a = await start('A', null);
    await connectedSubscriptions(1);
    await report(20);
    await report(21);
    assert.deepEqual(values(await waitForValues(a, 2)), [20, 21]);

    const b = await start('B', null);
    const replacedAt = Date.now();
    await waitFor('instance A reporting the other reader', async () => (await a.state()).statuses.some((status) => status.text === REPLACED_STATUS), WAIT_MS);
    await connectedSubscriptions(1);
    for (const value of [22, 23, 24]) await report(value);
    assert.deepEqual(values(await waitForValues(b, 3)), [22, 23, 24], 'instance B reads the shared subscription from where it connected');

    // The fight window: both instances keep running; nobody may take the socket back.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, replacedAt + FIGHT_WINDOW_MS - Date.now())));
    await report(25);
    const seenB = await waitForValues(b, 4);
    const seenA = await a.state();
    const state = await simState(sim);

    assert.equal(state.subscriptions.length, 1, 'one subscription');
    assert.equal(state.sockets, 1, 'one socket');
    assert.equal(simLog.filter((line) => REPLACEMENT_LINE.test(line)).length, 1, `one replacement in ${FIGHT_WINDOW_MS / 1000} s:\n${simLog.join('\n')}`);
    assert.deepEqual(values(seenA), [20, 21], 'instance A got nothing after it was replaced');
    assert.deepEqual(values(seenB), [22, 23, 24, 25]);
    assert.equal(a.log().match(REPLACED_WARNING)?.length ?? 0, 1, 'instance A: exactly one REPLACED warning');
    assert.equal(b.log().match(REPLACED_WARNING)?.length ?? 0, 0, 'instance B: no warning');
    const lastA = seenA.statuses[seenA.statuses.length - 1];
    assert.deepEqual([lastA.fill, lastA.text], ['yellow', REPLACED_STATUS], 'instance A still shows the other reader');
    const lastB = seenB.statuses[seenB.statuses.length - 1];
    assert.equal(lastB.fill, 'green', 'instance B shows it is connected');
  });
});
