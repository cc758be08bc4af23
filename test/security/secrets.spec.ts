/**
 * Secrets through a REAL Node-RED (child process, admin API with adminAuth, encrypted credential
 * file) and the simulator: credentials are deployed the way the editor deploys them (the
 * `credentials` property of each node in POST /flows), then every way out is checked for the
 * password, app id, app secret, stream keys and tokens: GET /flows (v1 and v2), GET /flow/:id,
 * GET /nodes, GET /credentials, flows.json and flows_cred.json on disk, the whole stdout/stderr
 * (at trace level, with audit events), every status text (a Status node logging to the
 * console) and every error (a Catch node logging to the console), including failures: a wrong
 * password, a wrong app secret, a refused stream key, malformed frames and expired tokens.
 *
 * The deploy and every failure path run once, in `before` hooks; each test then checks one
 * outcome or one way out, so any single test passes (or fails) the same run alone
 * (`-g "<title>"`) as in the whole file. The shutdown, which ends the runtime, is the `before`
 * of the last block, so it only runs when that block's test runs.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEMO_ACCOUNT, LIMITED_ACCOUNT, MALFORMED_KINDS, startSimulator, type RunningSimulator } from '../../simulator/index';
import { Session } from '../../nodes/lib/session';
import { SubscriptionClient } from '../../nodes/lib/subscriptions';
import { simulatorAccountNode } from '../support/account-node';
import {
  ADMIN_USER,
  CREDENTIAL_SECRET,
  occurrences,
  SIMULATOR_ACCOUNT_SECRETS,
  startSecureNodeRed,
  type CommsConnection,
  type CommsMessage,
  type FlowJson,
  type RunningNodeRed,
} from './support/secure-node-red';

/** Secrets only this test knows: a wrong password and app secret, a stream key the simulator never issued. */
const WRONG_PASSWORD = `Wrong-Pw-${randomBytes(6).toString('hex')}`;
const WRONG_APP_SECRET = `Wrong-Secret-${randomBytes(6).toString('hex')}`;
const UNKNOWN_STREAM_KEY = randomBytes(16).toString('hex');
/**
 * What the simulator issues as tokens and stream keys: exactly 32 hex digits. Node-RED ids are
 * 16, flow revisions 64.
 */
const TOKEN_SHAPE = /(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])/gi;
/** Upper bound of every wait for the runtime to reach a state (10 s; all of it is loopback). */
const WAIT_MS = 10_000;
/** Frame error codes of the simulator's malformed kinds, as the Catch node sees them. */
const MALFORMED_CODES = ['NO_SEPARATOR', 'BAD_LENGTH', 'LENGTH_MISMATCH', 'BAD_JSON', 'EMPTY_FRAME', 'FRAME_TOO_LARGE'];

function accountNode(id: string, sim: RunningSimulator, credentials: Record<string, string>): Record<string, unknown> {
  return simulatorAccountNode(sim, { id, name: `node ${id}`, credentials });
}

function inNode(id: string, eventType: string, account: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    type: `ayla-${eventType}-in`,
    z: 'tab1',
    name: `node ${id}`,
    account,
    source: 'auto',
    oemModel: 'smartplug-v2',
    dsns: '*',
    properties: '*',
    x: 100,
    y: 100,
    wires: [['debug-events']],
    ...extra,
  };
}

/** A debug node that logs the complete msg to the Node-RED console, where the test reads it. */
function consoleDebug(id: string): Record<string, unknown> {
  return { id, type: 'debug', z: 'tab1', name: `node ${id}`, active: true, tosidebar: false, console: true, complete: 'true', x: 300, y: 100, wires: [] };
}

/** The flow: three accounts (good, wrong password, wrong app secret), five in-nodes, Status and Catch nodes logging to the console. */
function securityFlow(sim: RunningSimulator, streamKey: string): FlowJson {
  return [
    { id: 'tab1', type: 'tab', label: 'security' },
    accountNode('acct-ok', sim, { ...DEMO_ACCOUNT }),
    accountNode('acct-badpw', sim, { email: LIMITED_ACCOUNT.email, password: WRONG_PASSWORD, appId: LIMITED_ACCOUNT.appId, appSecret: LIMITED_ACCOUNT.appSecret }),
    accountNode('acct-badapp', sim, { email: LIMITED_ACCOUNT.email, password: LIMITED_ACCOUNT.password, appId: LIMITED_ACCOUNT.appId, appSecret: WRONG_APP_SECRET }),
    inNode('in-key', 'datapoint', 'acct-ok', { source: 'key', credentials: { streamKey } }),
    inNode('in-badkey', 'datapoint', 'acct-ok', { source: 'key', credentials: { streamKey: UNKNOWN_STREAM_KEY } }),
    inNode('in-auto', 'connectivity', 'acct-ok', {}),
    inNode('in-badpw', 'datapoint', 'acct-badpw', {}),
    inNode('in-badapp', 'location', 'acct-badapp', {}),
    { id: 'status-all', type: 'status', z: 'tab1', name: '', scope: null, x: 100, y: 200, wires: [['debug-status']] },
    { id: 'catch-all', type: 'catch', z: 'tab1', name: '', scope: null, uncaught: false, x: 100, y: 300, wires: [['debug-catch']] },
    consoleDebug('debug-status'),
    consoleDebug('debug-catch'),
    consoleDebug('debug-events'),
  ];
}

async function simPost(sim: RunningSimulator, route: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${sim.url}${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  assert.equal(response.status < 300, true, `simulator ${route} answered HTTP ${response.status}`);
  return response.json();
}

interface SimState {
  subscriptions: Array<{ stream_key: string; subscription_type: string; connected: boolean }>;
  tokens: number;
}

async function simState(sim: RunningSimulator): Promise<SimState> {
  const response = await fetch(`${sim.url}/sim/state`, { signal: AbortSignal.timeout(WAIT_MS) });
  return (await response.json()) as SimState;
}

/** Asserts that none of `secrets` occurs in `text`, naming the secret by label only. */
function assertNoSecrets(text: string, secrets: Record<string, string>, where: string): void {
  for (const [label, secret] of Object.entries(secrets)) {
    const found = occurrences(text, secret);
    assert.deepEqual(found, [], `${where} contains the ${label} ${found.length} time(s): ${found.slice(0, 3).join(' | ')}`);
  }
}

/** Asserts that no token-shaped string (32 hex digits) occurs in `text`: every simulator token and stream key has that shape. */
function assertNoTokenShapes(text: string, where: string): void {
  const shapes = [...new Set(text.match(TOKEN_SHAPE) ?? [])].map((hex) => `${hex.slice(0, 4)}…`);
  assert.deepEqual(shapes, [], `${where} contains token-shaped strings (32 hex digits): ${shapes.join(', ')}`);
}

/** The smart plug of the simulator's demo scenario (model smartplug-v2, as every in-node of the flow asks for). */
const PLUG = 'AC000W000340649';
/** An event of the plug reaching the debug node that logs the flow's events. */
const EVENT_LOGGED = /\[debug:node debug-events\][^[]*AC000W000340649/;
/** A well-framed but invalid event (its seq is not a number). */
const INVALID_EVENT = '{"seq":"not-a-number","metadata":{"event_type":"datapoint"}}';

/** The `text` of a comms status message, if any. */
function statusText(message: CommsMessage): unknown {
  return (message.data as { text?: unknown } | null)?.text;
}

type SimSubscription = SimState['subscriptions'][number];

/** Waits (bounded) until the simulator has a connected subscription that `accept`s, and returns it. */
async function connectedSubscription(sim: RunningSimulator, what: string, accept: (s: SimSubscription) => boolean): Promise<SimSubscription> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const found = (await simState(sim)).subscriptions.find((s) => s.connected && accept(s));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no connected ${what} subscription within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('security: secrets never leave the credential store', function () {
  this.timeout(40_000);
  let sim: RunningSimulator;
  let red: RunningNodeRed | undefined;
  /** The editor's live channel, open from before the first deploy: every status text the editor shows. */
  let comms: CommsConnection | undefined;
  let token: string;
  let keyModeStreamKey: string;
  /** Every secret the test knows, by label; stream keys the runtime created are added once known. */
  const secrets: Record<string, string> = {
    ...SIMULATOR_ACCOUNT_SECRETS,
    'wrong password': WRONG_PASSWORD,
    'wrong app secret': WRONG_APP_SECRET,
    'unknown stream key': UNKNOWN_STREAM_KEY,
  };
  /** The admin API's answers to the deploy and the redeploy. */
  const deploys: Array<{ status: number; text: string }> = [];

  before('start the simulator, a subscription for the key-mode node, Node-RED and the comms socket', async function () {
    this.timeout(40_000);
    sim = await startSimulator({ rate: 0, seed: 7, heartbeatMs: 1000, ackDelayMs: 20 });
    // The key-mode node's stream key: a subscription created outside Node-RED, as a user would.
    const session = new Session({ userUrl: sim.userUrl, credentials: { ...DEMO_ACCOUNT } });
    const subscriptions = new SubscriptionClient({ apiUrl: sim.apiUrl, session });
    const created = await subscriptions.create(
      { eventType: 'datapoint', oemModel: 'smartplug-v2', dsns: '*', properties: '*', clientType: 'cloud' },
      'security-spec-key-mode',
    );
    keyModeStreamKey = created.stream_key;
    secrets['key-mode stream key'] = keyModeStreamKey;
    red = await startSecureNodeRed();
    token = await red.tokenFor(ADMIN_USER);
    comms = await red.openComms(token);
  });

  before('deploy credentials through POST /flows and wait until every stream is up or refused', async function () {
    this.timeout(40_000);
    const answer = await red!.request('POST', '/flows', { token, body: securityFlow(sim, keyModeStreamKey), headers: { 'Node-RED-Deployment-Type': 'full' } });
    deploys.push({ status: answer.status, text: answer.text });
    assert.equal(answer.status, 204, `deploy failed: HTTP ${answer.status} ${answer.text}`);
    await comms!.waitFor((messages) => messages.some((m) => m.topic === 'status/in-key' && statusText(m) === 'connected'), WAIT_MS, 'the key-mode node connected');
    await red!.waitForLog(/AUTH_REFUSED/, WAIT_MS, 'the unknown stream key refused');
    await red!.waitForLog(/BAD_CREDENTIALS/, WAIT_MS, 'the wrong password refused');
    await red!.waitForLog(/BAD_APPLICATION/, WAIT_MS, 'the wrong app secret refused');
    const auto = await connectedSubscription(sim, 'connectivity', (s) => s.subscription_type === 'connectivity');
    secrets['auto-mode stream key'] = auto.stream_key;
  });

  before('send events, an invalid event and every malformed frame; expire the tokens and redeploy', async function () {
    this.timeout(40_000);
    await simPost(sim, `/sim/devices/${PLUG}/properties/outlet1`, { value: 1 });
    await simPost(sim, `/sim/devices/${PLUG}/connectivity`, { status: 'Offline' });
    await red!.waitForLog(EVENT_LOGGED, WAIT_MS, 'an event reached the debug node');
    // A well-framed but invalid event first (the too-large kind below costs the socket).
    await simPost(sim, '/sim/frames', { frame: `${INVALID_EVENT.length}|${INVALID_EVENT}`, streamKey: keyModeStreamKey });
    await red!.waitForLog(/INVALID_EVENT/, WAIT_MS, 'the invalid event reported');
    for (const kind of MALFORMED_KINDS) await simPost(sim, '/sim/faults/malformed', { kind, streamKey: keyModeStreamKey });
    for (const code of MALFORMED_CODES) await red!.waitForLog(new RegExp(code), WAIT_MS, `the ${code} frame reported`);
    // Expired access and refresh tokens, then a new auto subscription: REST 401, refresh refused, sign in again.
    await simPost(sim, '/sim/faults/expire-tokens', { refreshTokens: true });
    const flow = securityFlow(sim, keyModeStreamKey);
    flow.push(inNode('in-auto-2', 'registration', 'acct-ok', {}));
    const answer = await red!.request('POST', '/flows', { token, body: flow, headers: { 'Node-RED-Deployment-Type': 'full' } });
    deploys.push({ status: answer.status, text: answer.text });
    assert.equal(answer.status, 204, `redeploy failed: HTTP ${answer.status} ${answer.text}`);
    const registration = await connectedSubscription(sim, 'registration', (s) => s.subscription_type === 'registration');
    secrets['redeployed auto-mode stream key'] = registration.stream_key;
    // The redeploy restarted every node: the tests find the other good streams up again too.
    await connectedSubscription(sim, 'connectivity', (s) => s.subscription_type === 'connectivity');
    await connectedSubscription(sim, 'key-mode', (s) => s.stream_key === keyModeStreamKey);
  });

  after(async () => {
    await comms?.close();
    await red?.dispose();
    await sim?.close();
  });

  it('accepts the credentials deployed through POST /flows, and the redeploy: HTTP 204 both times', () => {
    assert.deepEqual(
      deploys.map((answer) => answer.status),
      [204, 204],
      deploys.map((answer) => answer.text).join(' | '),
    );
  });

  it('signs in and streams with the stored credentials: key mode, auto mode, and the auto node of the redeploy after the tokens expired', async () => {
    const state = await simState(sim);
    const connected = state.subscriptions.filter((s) => s.connected).map((s) => s.subscription_type).sort();
    assert.deepEqual(connected, ['connectivity', 'datapoint', 'registration'], 'the key-mode datapoint, auto connectivity and redeployed registration streams');
    assert.ok(state.subscriptions.some((s) => s.stream_key === keyModeStreamKey && s.connected), 'the key-mode stream is the one connected');
    assert.ok(state.tokens >= 1, 'the runtime holds no token: nothing was signed in');
  });

  it('reports each refusal with its code: the unknown stream key, the wrong password and the wrong app secret', () => {
    const log = red!.log();
    for (const code of ['AUTH_REFUSED', 'BAD_CREDENTIALS', 'BAD_APPLICATION']) assert.match(log, new RegExp(code), `no ${code} in the log`);
  });

  it('delivers events to the flow and reports the invalid event and every malformed frame to the Catch node', () => {
    const log = red!.log();
    assert.match(log, EVENT_LOGGED, 'no event reached the debug node');
    for (const code of ['INVALID_EVENT', ...MALFORMED_CODES]) {
      assert.match(log, new RegExp(`\\[debug:node debug-catch\\][^\\[]*${code}`), `the Catch node did not log ${code}`);
    }
  });

  it('GET /flows in API v1 and v2 and GET /flow/:id carry no credential value at all', async () => {
    const v1 = await red!.request('GET', '/flows', { token });
    const v2 = await red!.request('GET', '/flows', { token, headers: { 'Node-RED-API-Version': 'v2' } });
    const tab = await red!.request('GET', '/flow/tab1', { token });
    for (const [name, answer] of [['GET /flows v1', v1], ['GET /flows v2', v2], ['GET /flow/tab1', tab]] as const) {
      assert.equal(answer.status, 200, `${name}: HTTP ${answer.status}`);
      assertNoSecrets(answer.text, secrets, name);
      assertNoTokenShapes(answer.text, name);
    }
    // What the editor exports is this list: not even a `credentials` object may be in it.
    const nodes = (v2.body as { flows: FlowJson }).flows;
    assert.ok(nodes.some((n) => n.id === 'acct-ok'), 'the account node is missing from GET /flows');
    assert.deepEqual(nodes.filter((n) => 'credentials' in n).map((n) => n.id), [], 'nodes exported with a credentials property');
    assert.deepEqual(v1.body, nodes, 'v1 and v2 list different flows');
  });

  it('GET /credentials says only which secrets are set; GET /nodes and /settings carry none', async () => {
    const account = await red!.request('GET', '/credentials/ayla-dss-account/acct-ok', { token });
    assert.equal(account.status, 200);
    assert.deepEqual(account.body, { email: DEMO_ACCOUNT.email, has_password: true, has_appId: true, has_appSecret: true });
    const keyNode = await red!.request('GET', '/credentials/ayla-datapoint-in/in-key', { token });
    assert.deepEqual(keyNode.body, { has_streamKey: true });
    for (const route of ['/nodes', '/settings', '/nodes/node-red-contrib-ayla-dss']) {
      const answer = await red!.request('GET', route, { token, headers: { Accept: 'application/json' } });
      assert.equal(answer.status, 200, `GET ${route}: HTTP ${answer.status}`);
      assertNoSecrets(answer.text, secrets, `GET ${route}`);
    }
  });

  it('flows.json holds no secret and flows_cred.json is encrypted', () => {
    const flowsFile = fs.readFileSync(path.join(red!.userDir, 'flows.json'), 'utf8');
    assert.ok(flowsFile.includes('acct-ok'), 'flows.json does not hold the deployed flow');
    assertNoSecrets(flowsFile, secrets, 'flows.json');
    assertNoTokenShapes(flowsFile, 'flows.json');
    const credFile = fs.readFileSync(path.join(red!.userDir, 'flows_cred.json'), 'utf8');
    assertNoSecrets(credFile, { ...secrets, 'e-mail address': DEMO_ACCOUNT.email }, 'flows_cred.json');
    const encrypted = JSON.parse(credFile) as Record<string, unknown>;
    assert.deepEqual(Object.keys(encrypted), ['$'], 'flows_cred.json is not in Node-RED\'s encrypted form');
    assert.equal(typeof encrypted.$, 'string');
    assert.ok(!credFile.includes(CREDENTIAL_SECRET), 'flows_cred.json contains the credential secret');
  });

  it('the editor\'s comms socket, every status text and notification, carries no secret or token', () => {
    const statusTopics = new Set(comms!.messages.filter((m) => m.topic.startsWith('status/')).map((m) => m.topic));
    for (const id of ['in-key', 'in-badkey', 'in-auto', 'in-badpw', 'in-badapp', 'in-auto-2']) assert.ok(statusTopics.has(`status/${id}`), `no status of ${id} on comms`);
    const frames = comms!.frames.join('\n');
    assertNoSecrets(frames, secrets, 'the comms socket');
    assertNoTokenShapes(frames, 'the comms socket');
  });

  describe('after the runtime stopped', () => {
    before('stop Node-RED (its log is complete then)', async () => {
      await comms!.close();
      await red!.stop();
    });

    it('the log, every status text and every error stay free of secrets and tokens, through shutdown', () => {
      const log = red!.log();
      // The scan would prove nothing if the status and error paths never ran.
      assert.match(log, /\[debug:node debug-status\]/, 'no status text was logged');
      assert.match(log, /\[debug:node debug-catch\][\s\S]*BAD_JSON/, 'no error reached the Catch node');
      assert.match(log, /Stopped flows|Stopping flows/, 'the shutdown was not logged');
      assertNoSecrets(log, secrets, 'the Node-RED log');
      assertNoTokenShapes(log, 'the Node-RED log');
    });
  });
});
