/**
 * A real Node-RED runtime for the security tests (test/support/node-red-process.ts: red.js in a
 * child process bound to 127.0.0.1, this package from the built `dist/`), with `adminAuth` (two
 * users: `admin` with every permission, `reader` with `read`), an encrypting `credentialSecret`
 * and the console log at `trace` level with audit events.
 *
 * The whole stdout + stderr is kept so a test can prove that no secret ever reached the log.
 * Flows are deployed through the admin API (POST /flows), never written to disk, so credentials
 * take the same path as an editor deploy: Node-RED extracts them and stores them encrypted.
 */
import * as path from 'node:path';
import WebSocket from 'ws';
import { DEMO_ACCOUNT, LIMITED_ACCOUNT } from '../../../simulator/index';
import { REPO_ROOT, startNodeRedChild, type NodeRedChild } from '../../support/node-red-process';

/** An admin API user: Node-RED permissions, and the token scope asked for (it may not exceed them). */
export interface AdminUser {
  username: string;
  password: string;
  permissions: string;
}
/** The two admin users (test-only passwords, never Ayla secrets): everything, and read-only. */
export const ADMIN_USER: AdminUser = { username: 'admin', password: 'admin-pass-1', permissions: '*' };
export const READER_USER: AdminUser = { username: 'reader', password: 'reader-pass-1', permissions: 'read' };
/** The key Node-RED encrypts flows_cred.json with. */
export const CREDENTIAL_SECRET = 'security-spec-credential-secret';

/** Poll interval of {@link RunningNodeRed.waitForLog} and of the comms waits (ms). */
const POLL_INTERVAL_MS = 100;
/** Every admin request gives up after this long (5 s): all of it is loopback. */
const REQUEST_TIMEOUT_MS = 5_000;
/** bcrypt cost of the test users' password hashes: low, because only the test logs in. */
const BCRYPT_ROUNDS = 4;

export type FlowJson = Array<Record<string, unknown>>;

/** An admin API answer: status, parsed JSON body (or the text when it is not JSON), and the raw text. */
export interface AdminAnswer {
  status: number;
  body: unknown;
  text: string;
}

/** Options of one admin API request. */
export interface RequestOptions {
  token?: string;
  body?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

/** One message of the editor's comms socket (`/comms`): a topic such as `status/<id>` and its data. */
export interface CommsMessage {
  topic: string;
  data: unknown;
}

/** The editor's live channel, as the editor itself opens it. */
export interface CommsConnection {
  /** Every message received so far, in order. */
  readonly messages: CommsMessage[];
  /** Every raw frame received so far (what a scan for secrets reads). */
  readonly frames: string[];
  /** Resolves once `accept` holds for the messages so far; rejects after `timeoutMs` saying what was missing. */
  waitFor(accept: (messages: CommsMessage[]) => boolean, timeoutMs: number, what: string): Promise<void>;
  close(): Promise<void>;
}

/** A running Node-RED child process (the whole log kept) and what the security tests do with it. */
export interface RunningNodeRed extends NodeRedChild {
  /**
   * One admin API request; `token` adds `Authorization: Bearer …`; `form` sends the fields
   * urlencoded, as an HTML form would, instead of `body` as JSON.
   */
  request(method: string, route: string, options?: RequestOptions): Promise<AdminAnswer>;
  /** A bearer token for a user (POST /auth/token, client node-red-editor, scope = the user's permissions). */
  tokenFor(user: AdminUser): Promise<string>;
  /**
   * Opens the editor's comms socket (authenticated with `token` when given) and subscribes to
   * `status/#`, which replays the last status of every node, then streams every new one.
   */
  openComms(token?: string): Promise<CommsConnection>;
  /** Resolves once `pattern` matches the log; rejects after `timeoutMs` saying what was missing. */
  waitForLog(pattern: RegExp, timeoutMs: number, what: string): Promise<void>;
}

/** bcrypt hash with Node-RED's own bcryptjs (the format `adminAuth` expects). */
function bcryptHash(password: string): string {
  const nodeRedDir = path.dirname(require.resolve('node-red/package.json', { paths: [REPO_ROOT] }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bcrypt = require(require.resolve('bcryptjs', { paths: [nodeRedDir] })) as { hashSync(text: string, rounds: number): string };
  return bcrypt.hashSync(password, BCRYPT_ROUNDS);
}

/** The security suite's settings: encrypted credentials, optional adminAuth, the whole log with audit events. */
function settingsLines(withAdminAuth: boolean): string[] {
  const users = [ADMIN_USER, READER_USER].map((user) => ({ ...user, password: bcryptHash(user.password) }));
  const adminAuth = withAdminAuth ? `{ type: 'credentials', users: ${JSON.stringify(users)} }` : 'undefined';
  return [
    `credentialSecret: ${JSON.stringify(CREDENTIAL_SECRET)},`,
    `adminAuth: ${adminAuth},`,
    '// Everything, including node.debug/trace lines and audit events: the tests scan all of it.',
    "logging: { console: { level: 'trace', metrics: false, audit: true } },",
  ];
}

async function adminRequest(
  baseUrl: string,
  method: string,
  route: string,
  options: RequestOptions = {},
): Promise<AdminAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const response = await fetch(`${baseUrl}${route}`, { method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    // Not JSON (an HTML 404 page, a plain "Unauthorized"): keep the text as the body.
  }
  return { status: response.status, body: parsed, text };
}

/** Options of {@link startSecureNodeRed}. */
export interface SecureNodeRedOptions {
  /**
   * Protect the admin API with the two users; default true. false is Node-RED's own default,
   * the set-up a cross-site request can reach.
   */
  adminAuth?: boolean;
}

/**
 * Writes a private user directory (empty flows) and spawns Node-RED on a free loopback port;
 * resolves once the admin API answers. On a start-up failure the child is killed and the error
 * carries its output.
 */
export async function startSecureNodeRed(options: SecureNodeRedOptions = {}): Promise<RunningNodeRed> {
  const red = await startNodeRedChild({
    userDirPrefix: 'ayla-dss-security-',
    writtenBy: 'test/security/support/secure-node-red.ts',
    settingsLines: settingsLines(options.adminAuth !== false),
    files: { 'flows.json': '[]' },
    // /auth/login answers without a token even with adminAuth on (it says how to log in).
    readyRoute: '/auth/login',
  });
  const { url } = red;

  const tokenFor = async (user: AdminUser): Promise<string> => {
    const answer = await adminRequest(url, 'POST', '/auth/token', {
      form: { client_id: 'node-red-editor', grant_type: 'password', scope: user.permissions, username: user.username, password: user.password },
    });
    const token = (answer.body as { access_token?: unknown } | undefined)?.access_token;
    if (answer.status !== 200 || typeof token !== 'string') throw new Error(`no admin token for ${user.username}: HTTP ${answer.status}`);
    return token;
  };

  const waitForLog = (pattern: RegExp, timeoutMs: number, what: string): Promise<void> =>
    waitUntil(() => pattern.test(red.log()), timeoutMs, `${what} (in the Node-RED log)`);

  return {
    ...red,
    openComms: (token) => openComms(url, token),
    request: (method, route, options) => adminRequest(url, method, route, options),
    tokenFor,
    waitForLog,
  };
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`${what}: did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

async function openComms(baseUrl: string, token: string | undefined): Promise<CommsConnection> {
  const socket = new WebSocket(`${baseUrl.replace('http:', 'ws:')}/comms`);
  const messages: CommsMessage[] = [];
  const frames: string[] = [];
  let authenticated = token === undefined;
  socket.on('message', (data: WebSocket.RawData) => {
    const text = data.toString();
    frames.push(text);
    const parsed = JSON.parse(text) as unknown;
    if ((parsed as { auth?: unknown }).auth === 'ok') authenticated = true;
    if (Array.isArray(parsed)) messages.push(...(parsed as CommsMessage[]));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  if (token !== undefined) socket.send(JSON.stringify({ auth: token }));
  await waitUntil(() => authenticated, REQUEST_TIMEOUT_MS, 'comms authentication');
  socket.send(JSON.stringify({ subscribe: 'status/#' }));
  return {
    messages,
    frames,
    waitFor: (accept, timeoutMs, what) => waitUntil(() => accept(messages), timeoutMs, what),
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) resolve();
        else {
          socket.once('close', () => resolve());
          socket.terminate();
        }
      }),
  };
}

/**
 * The secrets of the simulator's built-in accounts, by label (for assertion messages), that no
 * answer, file, log line or status may contain.
 */
export const SIMULATOR_ACCOUNT_SECRETS: Readonly<Record<string, string>> = {
  'demo password': DEMO_ACCOUNT.password,
  'demo app id': DEMO_ACCOUNT.appId,
  'demo app secret': DEMO_ACCOUNT.appSecret,
  'limited password': LIMITED_ACCOUNT.password,
};

/**
 * Every place `secret` occurs in `text`, as short context strings for an assertion message.
 * The secret itself is replaced by `<SECRET>` in the context so a failing test does not print it.
 */
export function occurrences(text: string, secret: string): string[] {
  const found: string[] = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf(secret, from);
    if (at < 0) return found;
    found.push(`…${text.slice(Math.max(0, at - 60), at)}<SECRET>${text.slice(at + secret.length, at + secret.length + 60)}…`);
    from = at + secret.length;
  }
}
