/**
 * Transport security through a REAL Node-RED: plain `ws://` / `http://` custom URLs to a host
 * other than loopback are refused by the account's configuration check before any network use
 * (INSECURE_URL on the in-node's status and to a Catch node), unless the account explicitly
 * allows insecure transport, which logs a warning per plain URL; loopback plain URLs (the
 * simulator) work without a warning. And no shipped code turns TLS certificate checks off.
 *
 * No test here contacts anything but 127.0.0.1: the refused hosts are never connected to, and
 * the allowed insecure account has no in-node, so it never opens a connection (its host,
 * `example.invalid`, could not resolve anyway).
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import catalog from '../../locales/en-US/ayla-dss.json';
import { DEMO_ACCOUNT, startSimulator, type RunningSimulator } from '../../simulator/index';
import { Session } from '../../nodes/lib/session';
import { SubscriptionClient } from '../../nodes/lib/subscriptions';
import { REPO_ROOT } from '../support/node-red-process';
import { ADMIN_USER, startSecureNodeRed, type CommsConnection, type FlowJson, type RunningNodeRed } from './support/secure-node-red';

/** Upper bound of every wait for the runtime to reach a state (10 s; all of it is loopback). */
const WAIT_MS = 10_000;
/** A documentation address (RFC 5737, TEST-NET-1): not loopback, and nothing ever connects to it. */
const REMOTE_HOST = '192.0.2.1';
/** A name that never resolves (RFC 6761), for the account that allows insecure transport. */
const UNRESOLVABLE_HOST = 'example.invalid';
/** A stream key pasted into the stream URL field along with its query (and no scheme). */
const PASTED_STREAM_KEY = randomBytes(16).toString('hex');

/** One line the probe function node logs: an error some node reported. */
interface ProbeLine {
  source: string;
  text: string;
  code: string;
}

function account(id: string, urls: { streamUrl: string; apiUrl?: string; userUrl?: string }, allowInsecure: boolean): Record<string, unknown> {
  return {
    id,
    type: 'ayla-dss-account',
    name: `account ${id}`,
    region: 'custom',
    clientType: 'cloud',
    apiUrl: '',
    userUrl: '',
    ...urls,
    allowInsecure,
    credentials: { ...DEMO_ACCOUNT },
  };
}

function keyNode(id: string, accountId: string, streamKey: string): Record<string, unknown> {
  return { id, type: 'ayla-datapoint-in', z: 'tab1', name: `node ${id}`, account: accountId, source: 'key', x: 100, y: 100, wires: [[]], credentials: { streamKey } };
}

function autoNode(id: string, accountId: string): Record<string, unknown> {
  return { id, type: 'ayla-connectivity-in', z: 'tab1', name: `node ${id}`, account: accountId, source: 'auto', oemModel: 'smartplug-v2', dsns: '*', x: 100, y: 200, wires: [[]] };
}

/** A function node turning a Catch message into one JSON log line for {@link probeLines}. */
function probeFunction(id: string): Record<string, unknown> {
  const func = "msg.payload = 'ERROR ' + JSON.stringify({ source: msg.error.source.id, text: msg.error.message, code: msg.topic }); return msg;";
  return { id, type: 'function', z: 'tab1', name: 'probe', func, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 300, y: 300, wires: [['probe-log']] };
}

function transportFlow(sim: RunningSimulator, loopbackKey: string): FlowJson {
  return [
    { id: 'tab1', type: 'tab', label: 'transport' },
    // Statuses are read from the editor's comms socket: Status nodes miss what a node shows
    // while it is constructed (Node-RED wires them up after every node of the flow exists).
    { id: 'catch-all', type: 'catch', z: 'tab1', name: '', scope: null, uncaught: false, x: 100, y: 400, wires: [['probe-catch']] },
    probeFunction('probe-catch'),
    { id: 'probe-log', type: 'debug', z: 'tab1', name: 'probe', active: true, tosidebar: false, console: true, complete: 'payload', x: 500, y: 300, wires: [] },
    account('acct-plain-remote', { streamUrl: `ws://${REMOTE_HOST}/stream`, apiUrl: `http://${REMOTE_HOST}`, userUrl: `http://${REMOTE_HOST}` }, false),
    // Only the user service is plain: each URL is checked, not just the stream.
    account('acct-plain-user', { streamUrl: `wss://${UNRESOLVABLE_HOST}/stream`, apiUrl: `https://${UNRESOLVABLE_HOST}`, userUrl: `http://${REMOTE_HOST}` }, false),
    account('acct-allowed', { streamUrl: `ws://${UNRESOLVABLE_HOST}/stream`, apiUrl: `http://${UNRESOLVABLE_HOST}` }, true),
    account('acct-loopback', { streamUrl: sim.streamUrl, apiUrl: sim.apiUrl, userUrl: sim.userUrl }, false),
    keyNode('in-plain-remote', 'acct-plain-remote', randomBytes(16).toString('hex')),
    autoNode('in-plain-user', 'acct-plain-user'),
    keyNode('in-loopback', 'acct-loopback', loopbackKey),
    account('acct-pasted-key', { streamUrl: `${UNRESOLVABLE_HOST}/stream?stream_key=${PASTED_STREAM_KEY}` }, false),
    keyNode('in-pasted-key', 'acct-pasted-key', randomBytes(16).toString('hex')),
  ];
}

/** The errors the probe logged so far. */
function probeLines(log: string): ProbeLine[] {
  return [...log.matchAll(/\[debug:probe\] ERROR (\{.*\})$/gm)].map((match) => JSON.parse(match[1]) as ProbeLine);
}

/** Every status text the editor was sent for `nodeId`, in order. */
function statusTexts(comms: CommsConnection, nodeId: string): string[] {
  return comms.messages.filter((m) => m.topic === `status/${nodeId}`).map((m) => String((m.data as { text?: unknown } | null)?.text ?? ''));
}

describe('security: transport', function () {
  this.timeout(30_000);
  let sim: RunningSimulator;
  let red: RunningNodeRed | undefined;
  let comms: CommsConnection | undefined;

  before(async function () {
    this.timeout(40_000);
    sim = await startSimulator({ rate: 0, seed: 11 });
    const subscriptions = new SubscriptionClient({ apiUrl: sim.apiUrl, session: new Session({ userUrl: sim.userUrl, credentials: { ...DEMO_ACCOUNT } }) });
    const created = await subscriptions.create({ eventType: 'datapoint', oemModel: 'smartplug-v2', dsns: '*', properties: '*', clientType: 'cloud' }, 'transport-spec');
    red = await startSecureNodeRed();
    const token = await red.tokenFor(ADMIN_USER);
    comms = await red.openComms(token);
    const deploy = await red.request('POST', '/flows', { token, headers: { 'Node-RED-Deployment-Type': 'full' }, body: transportFlow(sim, created.stream_key) });
    assert.equal(deploy.status, 204, `deploy failed: HTTP ${deploy.status} ${deploy.text}`);
    await comms.waitFor(() => statusTexts(comms!, 'in-loopback').includes('connected'), WAIT_MS, 'the loopback node connected');
    for (const node of ['in-plain-remote', 'in-plain-user', 'in-pasted-key']) {
      await red.waitForLog(new RegExp(`\\[debug:probe\\] ERROR \\{"source":"${node}"`), WAIT_MS, `${node} reported its error`);
    }
  });

  after(async () => {
    await comms?.close();
    await red?.dispose();
    await sim?.close();
  });

  it('refuses plain ws:// and http:// to a remote host with INSECURE_URL, before any connection', () => {
    const lines = probeLines(red!.log());
    for (const node of ['in-plain-remote', 'in-plain-user']) {
      const statuses = statusTexts(comms!, node);
      // The first and only state is the configuration error: never "connecting".
      // In words, not the code (the code is in the error below).
      assert.deepEqual([...new Set(statuses)], [catalog['ayla-dss-account'].statusText.INSECURE_URL], `${node} showed ${statuses.join(', ')}`);
      const errors = lines.filter((line) => line.source === node);
      assert.deepEqual(errors.map((line) => line.code), ['INSECURE_URL'], `${node} reported ${JSON.stringify(errors)}`);
      assert.match(errors[0].text, /allow insecure transport/);
    }
  });

  it('warns once per plain URL when insecure transport is explicitly allowed', () => {
    const log = red!.log();
    for (const url of [`ws://${UNRESOLVABLE_HOST}/stream`, `http://${UNRESOLVABLE_HOST}`]) {
      const warnings = log.split('\n').filter((line) => line.includes('[warn]') && line.includes('acct-allowed') && line.includes(`${url} is not encrypted`));
      assert.equal(warnings.length, 1, `expected one warning for ${url}, got:\n${warnings.join('\n')}`);
    }
  });

  it('allows plain ws:// and http:// to loopback (the simulator) without a warning', () => {
    assert.ok(statusTexts(comms!, 'in-loopback').includes('connected'), 'the loopback node never connected');
    assert.deepEqual(probeLines(red!.log()).filter((line) => line.source === 'in-loopback'), []);
    assert.ok(!/\[warn\][^\n]*127\.0\.0\.1/.test(red!.log()), 'a loopback URL was warned about');
  });

  // A pasted URL without its scheme (`host/stream?stream_key=KEY`) is unparseable: the BAD_URL
  // error must not quote it, or the key reaches node.error, the log and Catch nodes.
  it('does not echo a stream key pasted into an unparseable stream URL (BAD_URL)', () => {
    const errors = probeLines(red!.log()).filter((line) => line.source === 'in-pasted-key');
    assert.deepEqual(errors.map((line) => line.code), ['BAD_URL'], JSON.stringify(errors));
    assert.ok(!red!.log().includes(PASTED_STREAM_KEY), `the log quotes the pasted stream key: ${errors[0]?.text.replace(PASTED_STREAM_KEY, '<KEY>')}`);
    assert.ok(!statusTexts(comms!, 'in-pasted-key').some((text) => text.includes(PASTED_STREAM_KEY)));
  });
});

/** Source files that ship or run outside the tests. */
const CODE_EXTENSIONS = new Set(['.ts', '.js', '.mjs', '.cjs', '.html', '.json']);
/** What would switch off TLS certificate or host name checks. */
const TLS_BYPASS = /rejectUnauthorized|NODE_TLS_REJECT_UNAUTHORIZED|checkServerIdentity/;

function codeFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!['node_modules', '.git', 'test'].includes(entry.name)) files.push(...codeFiles(full));
    } else if (CODE_EXTENSIONS.has(path.extname(entry.name)) && !/\.spec\.ts$/.test(entry.name)) {
      files.push(full);
    }
  }
  return files;
}

describe('security: TLS checks stay on', () => {
  it('no non-test code mentions rejectUnauthorized, NODE_TLS_REJECT_UNAUTHORIZED or checkServerIdentity', () => {
    const files = codeFiles(REPO_ROOT);
    assert.ok(files.some((file) => file.endsWith(path.join('nodes', 'lib', 'stream.ts'))), 'the scan missed nodes/lib/stream.ts');
    const offenders = files.filter((file) => TLS_BYPASS.test(fs.readFileSync(file, 'utf8'))).map((file) => path.relative(REPO_ROOT, file));
    assert.deepEqual(offenders, []);
  });
});
