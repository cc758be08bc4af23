/**
 * Fault injection through a real Node-RED runtime: for each fault a stream of numbered events
 * runs while the fault is injected, and the flow must receive every event exactly once, in
 * order, with its seq; the runtime stays up and the status returns to connected. The recovery
 * time of each fault is printed (a measurement, not asserted).
 */
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startSimulator, type RunningSimulator } from '../../simulator/index';
import { POSITION_FILE_NAME } from '../../nodes/lib/hub/position-files';
import { helper, simPost } from '../nodes/support/flow-kit';
import { assertExactlyOnceInOrder, FaultRun, recoveryLine, waitGreen, type Scenario } from './support/fault-run';
import { CountingProxy, deleteSubscription, makeUserDir, removeUserDir, sleep } from './support/reliability-kit';

const HEARTBEAT_TIMEOUT_KEY = 'ayla-dss-account.errors.HEARTBEAT_TIMEOUT';
/** Upgrades allowed per fault: a few reconnects with backoff, never a tight loop. */
const MAX_UPGRADES_PER_FAULT = 8;

describe('reliability: faults through a real Node-RED runtime', function () {
  this.timeout(30_000);
  let sim: RunningSimulator;
  let proxy: CountingProxy;
  let userDir: string;
  const recoveries: string[] = [];

  // A simulator and proxy per test: each fault starts from a first start, with no subscription,
  // token or upgrade count of another test.
  beforeEach(async () => {
    // Heartbeats every 300 ms keep the 1 s client watchdog fed. The simulator drops a socket only
    // after 10 unanswered ones (3 s): a client paused by flow control while the machine is busy
    // does not answer, and a 600 ms grace turned that into reconnects the tests did not inject.
    sim = await startSimulator({ rate: 0, seed: 1, heartbeatMs: 300, missedHeartbeats: 10, ackDelayMs: 20 });
    proxy = await new CountingProxy(sim).start();
    userDir = await makeUserDir();
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    await proxy.close();
    await sim.close();
    await removeUserDir(userDir);
  });
  after(() => {
    // A measurement, not an assertion: printed for the README's reliability section.
    console.log(recoveries.join('\n'));
  });

  async function check(scenario: Scenario): Promise<void> {
    const run = new FaultRun(sim, proxy);
    const outcome = await run.run(scenario);
    recoveries.push(recoveryLine(scenario.name, outcome));
    assertExactlyOnceInOrder(outcome, scenario);
    await waitGreen(run);
    assert.ok(outcome.upgrades <= MAX_UPGRADES_PER_FAULT, `at most ${MAX_UPGRADES_PER_FAULT} upgrades (got ${outcome.upgrades})`);
    return undefined;
  }

  it('socket dropped', async () => {
    await check({ name: 'socket dropped', inject: async () => void (await simPost(sim, '/sim/faults/drop-sockets')) });
  });

  it('server restarted (down 800 ms)', async () => {
    await check({
      name: 'server restarted',
      inject: async () => {
        await simPost(sim, '/sim/restart', { downMs: 800 });
        await sleep(800);
      },
    });
  });

  it('heartbeats stopped and the server silent: the dead socket is detected and replaced', async () => {
    const scenario: Scenario = {
      name: 'heartbeats stopped',
      inject: async () => {
        await simPost(sim, '/sim/faults/heartbeats', { enabled: false });
        await simPost(sim, '/sim/faults/stall', { ms: 2500 });
        await sleep(2500);
        await simPost(sim, '/sim/faults/heartbeats', { enabled: true });
      },
    };
    const run = new FaultRun(sim, proxy);
    const outcome = await run.run(scenario);
    recoveries.push(recoveryLine(scenario.name, outcome));
    assertExactlyOnceInOrder(outcome, scenario);
    assert.ok(outcome.warnings.includes(HEARTBEAT_TIMEOUT_KEY), 'the silent socket was declared dead (HEARTBEAT_TIMEOUT warning)');
    assert.ok(outcome.upgrades >= 1, 'the socket was replaced');
    await waitGreen(run);
  });

  it('frames stalled for less than the heartbeat timeout: no reconnect, nothing lost', async () => {
    const scenario: Scenario = {
      name: 'frames stalled (600 ms)',
      inject: async () => {
        await simPost(sim, '/sim/faults/stall', { ms: 600 });
        await sleep(600);
      },
    };
    const run = new FaultRun(sim, proxy);
    const outcome = await run.run(scenario);
    recoveries.push(recoveryLine(scenario.name, outcome));
    assertExactlyOnceInOrder(outcome, scenario);
    assert.equal(outcome.upgrades, 0, 'a short stall is not a dead connection');
    await waitGreen(run);
  });

  it('upgrades refused for 2 s after a drop', async () => {
    await check({
      name: 'upgrades refused (2 s)',
      inject: async () => {
        await simPost(sim, '/sim/faults/refuse-upgrades', { seconds: 2 });
        await simPost(sim, '/sim/faults/drop-sockets');
        await sleep(2000);
      },
    });
  });

  it('subscription deleted on the server: found missing, re-created, read from its start', async () => {
    const scenario: Scenario = {
      name: 'subscription deleted',
      count: 360,
      paceMs: 20,
      recreatesSubscription: true,
      inject: async (current) => deleteSubscription(sim, await current.subscriptionId()),
    };
    const run = new FaultRun(sim, proxy);
    const outcome = await run.run(scenario);
    recoveries.push(recoveryLine(scenario.name, outcome));
    assertExactlyOnceInOrder(outcome, scenario);
    assert.ok(outcome.published.some((p) => p.delivered.length === 0), 'some events were published while no subscription existed');
    await waitGreen(run);
  });

  it('tokens and refresh tokens expired, then the subscription deleted: signs in again and re-creates it', async () => {
    let signInsBefore = 0;
    const scenario: Scenario = {
      name: 'tokens expired',
      count: 360,
      paceMs: 20,
      recreatesSubscription: true,
      inject: async (current) => {
        // Counted from here: the flow's own first sign-in (each load is a new runtime) is not the point.
        signInsBefore = proxy.count('POST /users/sign_in');
        const id = await current.subscriptionId();
        await simPost(sim, '/sim/faults/expire-tokens', { refreshTokens: true });
        await deleteSubscription(sim, id);
      },
    };
    const run = new FaultRun(sim, proxy);
    const outcome = await run.run(scenario);
    recoveries.push(recoveryLine(scenario.name, outcome));
    assertExactlyOnceInOrder(outcome, scenario);
    assert.equal(proxy.count('POST /users/sign_in') - signInsBefore, 1, 'exactly one new sign-in (the refresh token was refused)');
    await waitGreen(run);
  });

  it('Node-RED restarted mid-stream with the same user directory: events sent while it was down arrive after', async () => {
    let downFrom = 0;
    let downUntil = 0;
    let storedAtStop: Record<string, { seq?: number }> = {};
    let lastSeqBeforeStop = -1;
    const scenario: Scenario = {
      name: 'Node-RED restarted',
      count: 300,
      paceMs: 5,
      inject: async (run) => {
        downFrom = Date.now();
        await helper.unload();
        lastSeqBeforeStop = run.received[run.received.length - 1]?.seq ?? -1;
        storedAtStop = (JSON.parse(await readFile(path.join(userDir, POSITION_FILE_NAME), 'utf8')) as { positions: Record<string, { seq?: number }> }).positions;
        // The next load is a new runtime: no session and no found subscription in memory, as after a restart.
        await sleep(800);
        downUntil = Date.now();
        await run.load();
      },
    };
    const run = new FaultRun(sim, proxy);
    const outcome = await run.run(scenario);
    recoveries.push(recoveryLine(scenario.name, outcome, `; Node-RED down ${downUntil - downFrom} ms`));
    assert.ok(
      Object.entries(storedAtStop).some(([key, position]) => key.includes('node-red-ayla-dss-datapoint-') && position.seq === lastSeqBeforeStop),
      'the user directory held the last delivered seq when Node-RED stopped',
    );
    const whileDown = outcome.published.filter((p) => p.at > downFrom && p.at < downUntil);
    assert.ok(whileDown.length > 20, `events were published while Node-RED was down (${whileDown.length})`);
    assertExactlyOnceInOrder(outcome, scenario);
    await waitGreen(run);
  });
});
