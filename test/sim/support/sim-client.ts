/**
 * Test helpers for talking to a simulator over real HTTP and WebSocket: JSON requests, sign-in,
 * subscriptions, and a recorder for stream frames. Every wait is bounded.
 */
import WebSocket from 'ws';
import type { DemoAccount, RunningSimulator } from '../../../simulator';

/** Longest any helper waits for something to happen (ms). */
export const WAIT_LIMIT_MS = 3000;

export interface JsonAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** One JSON request; `token` adds `Authorization: auth_token …`. */
export async function request(
  sim: RunningSimulator,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonAnswer> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.token) headers.Authorization = `auth_token ${options.token}`;
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(WAIT_LIMIT_MS),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown), headers: response.headers };
}

/** The sign-in body for an account. */
export function signInBody(account: DemoAccount, overrides: Partial<DemoAccount> = {}): object {
  const merged = { ...account, ...overrides };
  return { user: { email: merged.email, password: merged.password, application: { app_id: merged.appId, app_secret: merged.appSecret } } };
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

/** Signs in and returns the tokens (fails the test on anything but 200). */
export async function signIn(sim: RunningSimulator, account: DemoAccount = sim.account): Promise<Tokens> {
  const answer = await request(sim, 'POST', '/users/sign_in.json', { body: signInBody(account) });
  if (answer.status !== 200) throw new Error(`sign-in answered ${answer.status}`);
  return answer.body as Tokens;
}

export interface SubscriptionRecord {
  id: number;
  stream_key: string;
  subscription_type: string;
  connection_status: string;
  [field: string]: unknown;
}

/** Creates a subscription (defaults: datapoint, all models of dsn '*' ... overridable). */
export async function subscribe(sim: RunningSimulator, token: string, fields: Record<string, unknown> = {}): Promise<SubscriptionRecord> {
  const body = {
    subscription: {
      name: 'test',
      description: '',
      oem_model: 'thermo-t100',
      dsn: '*',
      property_name: '*',
      client_type: 'cloud',
      subscription_type: 'datapoint',
      ...fields,
    },
  };
  const answer = await request(sim, 'POST', '/api/v1/subscriptions.json', { token, body });
  if (answer.status !== 201) throw new Error(`create answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return (answer.body as { subscription: SubscriptionRecord }).subscription;
}

/** Signs in with the demo account and creates one subscription. */
export async function signInAndSubscribe(sim: RunningSimulator, fields: Record<string, unknown> = {}): Promise<{ token: string; subscription: SubscriptionRecord }> {
  const { access_token: token } = await signIn(sim);
  return { token, subscription: await subscribe(sim, token, fields) };
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 10 ms until it returns true; rejects after `limitMs`. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, limitMs = WAIT_LIMIT_MS): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

/** The HTTP status an upgrade is refused with (rejects if the upgrade succeeds). */
export function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      socket.terminate();
    });
    socket.on('open', () => {
      socket.terminate();
      reject(new Error('upgrade unexpectedly succeeded'));
    });
    socket.on('error', (error) => reject(error));
  });
}

/** A stream socket that records every text frame and, unless told otherwise, answers heartbeats. */
export class StreamRecorder {
  readonly frames: string[] = [];
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  answerHeartbeats: boolean;

  constructor(url: string, options: { answerHeartbeats?: boolean; maxPayload?: number } = {}) {
    this.answerHeartbeats = options.answerHeartbeats ?? true;
    this.socket = new WebSocket(url, { maxPayload: options.maxPayload });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.socket.on('error', () => undefined /* surfaced through `opened` and `closed` */);
    this.socket.on('message', (data, isBinary) => {
      const text = isBinary ? '<binary>' : data.toString();
      this.frames.push(text);
      if (text === '1|Z' && this.answerHeartbeats) this.socket.send('Z');
    });
  }

  /** Opens a recorder on `sim`'s stream with `stream_key` and extra query text (e.g. `&seq_start=0`). */
  static async open(sim: RunningSimulator, streamKey: string, query = '', options: { answerHeartbeats?: boolean; maxPayload?: number } = {}): Promise<StreamRecorder> {
    const recorder = new StreamRecorder(`${sim.streamUrl}?stream_key=${streamKey}${query}`, options);
    await recorder.opened;
    return recorder;
  }

  /** Event frames (not heartbeats) received so far. */
  eventFrames(): string[] {
    return this.frames.filter((frame) => frame !== '1|Z' && frame !== '1|X');
  }

  /** Parsed JSON of the event frames received so far. */
  events(): Array<Record<string, unknown> & { seq: string; metadata: Record<string, unknown> }> {
    return this.eventFrames().map((frame) => JSON.parse(frame.slice(frame.indexOf('|') + 1)));
  }

  /** Waits until at least `count` event frames arrived. */
  async waitForEvents(count: number, limitMs = WAIT_LIMIT_MS): Promise<void> {
    await waitUntil(`${count} event frames (have ${this.eventFrames().length})`, () => this.eventFrames().length >= count, limitMs);
  }

  /** Waits for the close, bounded. */
  async waitForClose(limitMs = WAIT_LIMIT_MS): Promise<{ code: number; reason: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('timed out waiting for the socket to close')), limitMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes from the client side (no wait). */
  terminate(): void {
    this.socket.terminate();
  }
}
