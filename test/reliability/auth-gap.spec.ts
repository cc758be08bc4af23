/**
 * Authentication failures, DSS REST errors and retention gaps through a real Node-RED runtime,
 * counting requests through a proxy so that retry loops show up as numbers.
 */
import { strict as assert } from 'node:assert';
import { startSimulator, type RunningSimulator } from '../../simulator/index';
import { accountNode, aylaNodes, helper, helperNode, inNode, simState, waitFor } from '../nodes/support/flow-kit';
import { englishText, inEnglish } from '../support/catalog-translate';
import { CountingProxy, makeUserDir, PUMP_DSN, PUMP_MODEL, PUMP_PROPERTY, removeUserDir, sleep, startPump } from './support/reliability-kit';

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

describe('reliability: authentication, REST errors and retention gaps', function () {
  this.timeout(30_000);
  let sim: RunningSimulator;
  let proxy: CountingProxy;
  let userDir: string;

  before(async () => {
    sim = await startSimulator({ rate: 0, seed: 2, heartbeatMs: 300, ackDelayMs: 20, retention: 20 });
    proxy = await new CountingProxy(sim).start();
  });
  after(async () => {
    helper.settings({});
    await proxy.close();
    await sim.close();
  });
  beforeEach(async () => {
    userDir = await makeUserDir();
    // Every load is a new runtime: each test finds or creates its subscription through the proxy, as after a restart.
    helper.settings({ userDir });
    proxy.faults = [];
  });
  afterEach(async () => {
    await helper.unload();
    await removeUserDir(userDir);
  });

  function viaProxy(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return accountNode(sim, { streamUrl: proxy.streamUrl, apiUrl: proxy.url, userUrl: proxy.url, heartbeatTimeout: 2, ...extra });
  }
  const pumpNode = (id = 'n1', extra: Record<string, unknown> = {}) =>
    inNode('datapoint', id, { oemModel: PUMP_MODEL, dsns: PUMP_DSN, properties: PUMP_PROPERTY, ...extra });

  it('key mode, upgrade refused with 401: red "authentication failed", one error, no quick retries', async () => {
    await helper.load(aylaNodes, [viaProxy(), pumpNode('n1', { source: 'key' }), helperNode()], {
      account1: { ...sim.account },
      n1: { streamKey: 'ffffffffffffffffffffffffffffffff' },
    });
    const r = record('n1');
    const upgradesBefore = proxy.count('UPGRADE');
    await waitFor('a red "stream key refused" status', () => lastStatus(r).fill === 'red' && lastStatus(r).text === `${STATUS_TEXT}AUTH_REFUSED`);
    await sleep(1500);
    assert.deepEqual(r.errors, [`${ERRORS}AUTH_REFUSED`], 'exactly one clear error');
    assert.equal(proxy.count('UPGRADE') - upgradesBefore, 1, 'no second attempt within 1.5 s (the key retry waits 60 s)');
    assert.equal(lastStatus(r).fill, 'red', 'the status stays red');
  });

  it('auto mode, DSS REST answering 503: retried, one error, then connected', async () => {
    // The backoff between attempts is checked with fake timers in test/lib/hub/stream-hub.spec.ts.
    let failing = true;
    proxy.faults = [{ pathPrefix: '/api/v1/subscriptions', status: 503, active: () => failing }];
    const restCalls = () => proxy.count('GET /api/v1/subscriptions') + proxy.count('POST /api/v1/subscriptions');
    const before = restCalls();
    await helper.load(aylaNodes, [viaProxy(), pumpNode(), helperNode()], { account1: { ...sim.account } });
    const r = record('n1');
    await waitFor('a second REST attempt', () => restCalls() - before >= 2, 10_000);
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
      // A spec no other test created: finding it fails, so the node must POST a new subscription.
      const node = pumpNode('n1', { properties: `${PUMP_PROPERTY},power` });
      const posts = () => proxy.count('POST /api/v1/subscriptions');
      const before = posts();
      await helper.load(aylaNodes, [viaProxy(), node, helperNode()], { account1: { ...sim.account } });
      const r = record('n1');
      await waitFor('a second creation attempt', () => posts() - before >= 2, 10_000);
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

  it('sign-in refused (the password changed): red status, one error, slow retries, recovers when sign-in works again', async () => {
    let refused = true;
    proxy.faults = [{ pathPrefix: '/users/sign_in', status: 401, active: () => refused }];
    const before = proxy.count('POST /users/sign_in');
    await helper.load(aylaNodes, [viaProxy(), pumpNode(), helperNode()], { account1: { ...sim.account } });
    const r = record('n1');
    await waitFor('a red "wrong e-mail or password" status', () => lastStatus(r).fill === 'red' && lastStatus(r).text === `${STATUS_TEXT}BAD_CREDENTIALS`);
    await sleep(2000);
    assert.equal(proxy.count('POST /users/sign_in') - before, 1, 'one sign-in attempt, then a pause (an Ayla account locks after five failures)');
    assert.deepEqual(r.errors, [`${ERRORS}BAD_CREDENTIALS`]);
    refused = false;
    await waitFor('a green status once the sign-in works again', () => lastStatus(r).fill === 'green', 10_000);
    assert.equal(proxy.count('POST /users/sign_in') - before, 2, 'exactly one more sign-in');
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
