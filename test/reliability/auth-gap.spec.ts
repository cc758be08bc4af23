/**
 * Authentication failures, DSS REST errors and retention gaps through a real Node-RED runtime,
 * counting requests through a proxy so that retry loops show up as numbers, and reading the
 * retry delays the runtime chose from its stream clients' `state` events (not from how many
 * attempts fit into some seconds of wall-clock time).
 *
 * Every test gets its own simulator and proxy: no subscription, token or count of another test
 * exists, so each finds or creates its subscription as after a first start.
 */
import { strict as assert } from 'node:assert';
import { DEFAULT_INITIAL_DELAY_MS, DEFAULT_JITTER } from '../../nodes/lib/backoff';
import { AUTO_AUTH_RETRY_DELAY_MS } from '../../nodes/lib/hub/shared-stream';
import { DEFAULT_AUTH_RETRY_DELAY_MS, type StateInfo } from '../../nodes/lib/stream';
import { startSimulator, type RunningSimulator } from '../../simulator/index';
import { accountNode, aylaNodes, helper, helperNode, inNode, simState, waitFor } from '../nodes/support/flow-kit';
import { recordStreamStates, type StreamStateRecorder } from '../support/stream-states';
import { englishText, inEnglish } from '../support/catalog-translate';
import { CountingProxy, makeUserDir, PUMP_DSN, PUMP_MODEL, PUMP_PROPERTY, removeUserDir, startPump } from './support/reliability-kit';

const STATUS = 'ayla-dss-account.status.';
/** The status texts of failures: one short phrase per code. */
const STATUS_TEXT = 'ayla-dss-account.statusText.';
const ERRORS = 'ayla-dss-account.errors.';

interface Recorders {
  statuses: Array<{ fill?: string; text?: string }>;
  errors: string[];
  warnings: string[];
  received: Array<{ payload: unknown }>;
}

function record(nodeId: string, outId = 'out'): Recorders {
  const recorders: Recorders = { statuses: [], errors: [], warnings: [], received: [] };
  const node = helper.getNode(nodeId) as unknown as NodeJS.EventEmitter;
  node.on('call:status', (call: { args: unknown[] }) => recorders.statuses.push(call.args[0] as { text?: string }));
  node.on('call:error', (call: { args: unknown[] }) => recorders.errors.push(String(call.args[0])));
  node.on('call:warn', (call: { args: unknown[] }) => recorders.warnings.push(String(call.args[0])));
  (helper.getNode(outId) as unknown as NodeJS.EventEmitter).on('input', (msg: { payload: unknown }) => recorders.received.push(msg));
  return recorders;
}

const lastStatus = (r: Recorders) => r.statuses[r.statuses.length - 1] ?? {};

/** The first retry of the default backoff: 1 s, less up to 30 % jitter. */
const FIRST_BACKOFF_MS = { min: Math.round(DEFAULT_INITIAL_DELAY_MS * (1 - DEFAULT_JITTER)), max: DEFAULT_INITIAL_DELAY_MS };

describe('reliability: authentication, REST errors and retention gaps', function () {
  this.timeout(30_000);
  let sim: RunningSimulator;
  let proxy: CountingProxy;
  let userDir: string;
  let streams: StreamStateRecorder;

  beforeEach(async () => {
    sim = await startSimulator({ rate: 0, seed: 2, heartbeatMs: 300, ackDelayMs: 20, retention: 20 });
    proxy = await new CountingProxy(sim).start();
    userDir = await makeUserDir();
    // Every load is a new runtime: each test finds or creates its subscription through the proxy, as after a restart.
    helper.settings({ userDir });
    streams = recordStreamStates();
  });
  afterEach(async () => {
    streams.restore();
    await helper.unload();
    helper.settings({});
    await proxy.close();
    await sim.close();
    await removeUserDir(userDir);
  });

  /** Waits for the first stream state `state` and returns it. */
  const firstState = (state: StateInfo['state']) => waitFor(`a stream state "${state}"`, () => streams.states.find((info) => info.state === state));

  function viaProxy(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return accountNode(sim, { streamUrl: proxy.streamUrl, apiUrl: proxy.url, userUrl: proxy.url, heartbeatTimeout: 2, ...extra });
  }
  const pumpNode = (id = 'n1', extra: Record<string, unknown> = {}) =>
    inNode('datapoint', id, { oemModel: PUMP_MODEL, dsns: PUMP_DSN, properties: PUMP_PROPERTY, ...extra });

  it('key mode, upgrade refused with 401: red "authentication failed", one error, the next attempt in 60 s', async () => {
    await helper.load(aylaNodes, [viaProxy(), pumpNode('n1', { source: 'key' }), helperNode()], {
      account1: { ...sim.account },
      n1: { streamKey: 'ffffffffffffffffffffffffffffffff' },
    });
    const r = record('n1');
    await waitFor('a red "stream key refused" status', () => lastStatus(r).fill === 'red' && lastStatus(r).text === `${STATUS_TEXT}AUTH_REFUSED`);
    const refused = await firstState('auth-failed');
    assert.equal(refused.code, 'AUTH_REFUSED');
    assert.equal(refused.delayMs, DEFAULT_AUTH_RETRY_DELAY_MS, 'a refused key is retried after the key retry delay (60 s), not a backoff step');
    assert.deepEqual(r.errors, [`${ERRORS}AUTH_REFUSED`], 'exactly one clear error');
    assert.equal(proxy.count('UPGRADE'), 1, 'one upgrade attempt');
    assert.deepEqual(
      streams.states.map((info) => info.state),
      ['connecting', 'auth-failed'],
      'no other attempt was scheduled',
    );
  });

  it('auto mode, DSS REST answering 503: retried after a backoff step, one error, then connected', async () => {
    let failing = true;
    proxy.faults = [{ pathPrefix: '/api/v1/subscriptions', status: 503, active: () => failing }];
    const restCalls = () => proxy.count('GET /api/v1/subscriptions') + proxy.count('POST /api/v1/subscriptions');
    await helper.load(aylaNodes, [viaProxy(), pumpNode(), helperNode()], { account1: { ...sim.account } });
    const r = record('n1');
    const retry = await firstState('reconnecting');
    assert.equal(retry.code, 'SERVER_ERROR');
    assert.ok(
      retry.delayMs !== undefined && retry.delayMs >= FIRST_BACKOFF_MS.min && retry.delayMs <= FIRST_BACKOFF_MS.max,
      `the first retry waits one backoff step (${FIRST_BACKOFF_MS.min}-${FIRST_BACKOFF_MS.max} ms), not ${retry.delayMs}`,
    );
    await waitFor('a second REST attempt', () => restCalls() >= 2, 10_000);
    failing = false;
    assert.deepEqual(r.errors, [`${ERRORS}SERVER_ERROR`], 'the 5xx is reported once, not per retry');
    await waitFor('a green status after the REST API recovered', () => lastStatus(r).fill === 'green', 10_000);
    assert.equal((await simState(sim)).sockets, 1);
  });

  it('auto mode, DSS REST never answering: TIMEOUT once, backoff, then connected and delivering once it answers', async () => {
    // The 15 s production timeout, shortened for this runtime through Node-RED's settings.
    helper.settings({ userDir, aylaDss: { requestTimeoutMs: 400 } });
    {
      let swallowing = true;
      proxy.faults = [{ pathPrefix: '/api/v1/subscriptions', method: 'POST', status: 'swallow', active: () => swallowing }];
      // A fresh simulator has no subscription: the node must POST one, and the POST is swallowed.
      const posts = () => proxy.count('POST /api/v1/subscriptions');
      await helper.load(aylaNodes, [viaProxy(), pumpNode(), helperNode()], { account1: { ...sim.account } });
      const r = record('n1');
      const retry = await firstState('reconnecting');
      assert.equal(retry.code, 'TIMEOUT');
      assert.ok(
        retry.delayMs !== undefined && retry.delayMs >= FIRST_BACKOFF_MS.min && retry.delayMs <= FIRST_BACKOFF_MS.max,
        `after the timeout, one backoff step (${FIRST_BACKOFF_MS.min}-${FIRST_BACKOFF_MS.max} ms), not ${retry.delayMs}`,
      );
      await waitFor('a second creation attempt', () => posts() >= 2, 10_000);
      assert.deepEqual(r.errors, [`${ERRORS}TIMEOUT`], 'the timeout is reported once, not per retry');
      assert.ok(
        r.statuses.some((s) => s.fill === 'yellow' && s.text === `${STATUS}reconnecting-in`),
        `a reconnecting status (got ${r.statuses.map((s) => s.text).join(', ')})`,
      );
      assert.equal((await simState(sim)).sockets, 0, 'no stream without a subscription');
      swallowing = false;
      await waitFor('a green status once the DSS API answers again', () => lastStatus(r).fill === 'green', 15_000);
      await startPump(sim, { count: 3, paceMs: 5 }).done;
      await waitFor('three events', () => r.received.length === 3);
      assert.deepEqual(
        r.received.map((m) => m.payload),
        [1, 2, 3],
      );
      assert.equal((await simState(sim)).sockets, 1);
    }
  });

  it('sign-in refused (the password changed): red status, one error, the next sign-in in 5 s, recovers when sign-in works again', async () => {
    let refused = true;
    proxy.faults = [{ pathPrefix: '/users/sign_in', status: 401, active: () => refused }];
    const signIns = () => proxy.count('POST /users/sign_in');
    await helper.load(aylaNodes, [viaProxy(), pumpNode(), helperNode()], { account1: { ...sim.account } });
    const r = record('n1');
    await waitFor('a red "wrong e-mail or password" status', () => lastStatus(r).fill === 'red' && lastStatus(r).text === `${STATUS_TEXT}BAD_CREDENTIALS`);
    const paused = await firstState('auth-failed');
    assert.equal(paused.code, 'BAD_CREDENTIALS');
    // Not a backoff step of about a second: an Ayla account locks after five failed sign-ins.
    assert.equal(paused.delayMs, AUTO_AUTH_RETRY_DELAY_MS, 'a refused sign-in pauses for the auto-source auth retry delay (5 s)');
    assert.equal(signIns(), 1, 'one sign-in attempt before the pause');
    assert.deepEqual(r.errors, [`${ERRORS}BAD_CREDENTIALS`]);
    refused = false;
    // Safety bound only: the retry is due AUTO_AUTH_RETRY_DELAY_MS after the refusal.
    await waitFor('a green status once the sign-in works again', () => lastStatus(r).fill === 'green', AUTO_AUTH_RETRY_DELAY_MS + 10_000);
    assert.equal(signIns(), 2, 'exactly one more sign-in');
    assert.equal(streams.states.filter((info) => info.state === 'auth-failed').length, 1, 'one pause, then connected');
  });

  it('retention exceeded while Node-RED was down: every node of the stream warns once with the lost range and carries on', async () => {
    const flow = () => [viaProxy(), pumpNode('n1'), pumpNode('n2', { wires: [['out2']] }), helperNode(), helperNode('out2')];
    await helper.load(aylaNodes, flow(), { account1: { ...sim.account } });
    await waitFor('the socket', async () => (await simState(sim)).sockets === 1);
    const first = record('n1');
    await startPump(sim, { count: 3, paceMs: 5 }).done;
    await waitFor('the first three events', () => first.received.length === 3);
    await helper.unload();
    // 50 events while down; the server keeps only the last 20 (retention 20).
    const down = startPump(sim, { count: 50, paceMs: 1 });
    await down.done;
    const seqs = down.published.map((p) => p.delivered[0].seq);
    // In English this time: the status must name the lost range.
    await helper.load(inEnglish(aylaNodes), flow(), { account1: { ...sim.account } });
    const r1 = record('n1');
    const r2 = record('n2', 'out2');
    await waitFor('the 20 retained events on both nodes', () => r1.received.length === 20 && r2.received.length === 20);
    const lostFrom = seqs[0];
    const lostTo = seqs[29];
    for (const r of [r1, r2]) {
      const gapWarning = englishText(`${ERRORS}GAP`, { expected: lostFrom, last: lostTo, missing: 30, code: 'GAP', detail: '' });
      await waitFor('the gap warning', () => r.warnings.includes(gapWarning));
      assert.equal(r.warnings.filter((w) => w === gapWarning).length, 1, 'one warning per node');
      const lostRange = englishText(`${STATUS}lost-range`, { from: lostFrom, to: lostTo });
      await waitFor(`"${lostRange}" in the status`, () => String(lastStatus(r).text).includes(lostRange), 3000);
      assert.equal(lastStatus(r).fill, 'yellow');
      assert.deepEqual(
        r.received.map((m) => m.payload),
        down.published.slice(30).map((p) => p.value),
        'the retained events arrived in order',
      );
    }
    // And it carries on.
    const more = startPump(sim, { count: 2, paceMs: 5 });
    await more.done;
    await waitFor('live events after the gap', () => r1.received.length === 22 && r2.received.length === 22);
  });

  it('flow control: one controller for the runtime, started with the first stream and stopped with the last', async () => {
    await helper.load(aylaNodes, [viaProxy(), pumpNode('n1'), inNode('connectivity', 'c1', { oemModel: PUMP_MODEL, dsns: PUMP_DSN }), helperNode()], {
      account1: { ...sim.account },
    });
    const flowControl = async () => ((await helper.request().get('/ayla-dss/accounts/account1/diagnostics')).body as { flowControl: Record<string, unknown> }).flowControl;
    await waitFor('two streams attached', async () => (await flowControl()).clients === 2);
    assert.equal((await flowControl()).running, true);
    // Closing every in-node (a deploy without them) leaves the account, and the runtime, with nothing to control.
    await helper.setFlows([viaProxy()], 'full', { account1: { ...sim.account } });
    assert.deepEqual(await flowControl(), { running: false, clients: 0, paused: false }, 'nothing left running after the last stream closed');
  });
});
