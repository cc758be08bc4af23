/**
 * The connection registry behind an `ayla-dss-account` node, kept free of Node-RED so it reads
 * like the wiring it is: in-nodes register what they want to hear (an auto subscription spec or
 * an existing stream key), nodes asking for the same subscription share ONE StreamClient (one
 * socket, one parse and validation per frame, one normalisation per event), and each listener
 * then applies its own filter.
 *
 * Lifetimes:
 * - a StreamClient starts with its first listener and closes with its last;
 * - an auto subscription is deleted on the server only when its last listener was *removed*
 *   from the flow (not on restart or redeploy), after {@link DEFAULT_DELETE_GRACE_MS} so that a
 *   node re-registering the same subscription (a "modified nodes" deploy) cancels it; when the
 *   hub itself closes, pending deletions run at once, inside the bounded close;
 * - sessions, found subscriptions and the last delivered seq per stream key outlive one hub
 *   (module-level, per account identity), so a redeploy neither signs in again nor re-creates
 *   subscriptions nor loses the stream position.
 */
import type { AylaEvent, EventType } from './lib/events';
import type { Endpoints, ClientType } from './lib/endpoints';
import { normaliseEvent, type NormalisedEvent } from './lib/normalise';
import { AylaApiError } from './lib/http';
import { Session, type Credentials } from './lib/session';
import { SubscriptionClient, subscriptionName, type Subscription, type SubscriptionSpec } from './lib/subscriptions';
import { StreamClient, type StateInfo, type StreamEventInfo } from './lib/stream';
import { fingerprint } from './secrets';

/** How long a removed node's subscription survives, waiting for a re-registration (5 s). */
export const DEFAULT_DELETE_GRACE_MS = 5000;
/** Upper bound for {@link StreamHub.close}: Node-RED waits for it on every redeploy (4 s). */
export const CLOSE_TIMEOUT_MS = 4000;
/** Per-stream cap of reported invalid frames in one {@link PROBLEM_WINDOW_MS} window, so a flood cannot flood the log. */
export const MAX_PROBLEMS_PER_WINDOW = 10;
/** Window of the invalid-frame report cap (60 s). */
export const PROBLEM_WINDOW_MS = 60_000;
/**
 * Auto sources: wait this long after a refused upgrade before finding or re-creating the
 * subscription (5 s). The StreamClient default (60 s) suits a fixed stream key, which only a
 * person can fix; an auto source fixes itself with the re-find.
 */
export const AUTO_AUTH_RETRY_DELAY_MS = 5000;
/** Account memory unused for this long is forgotten (1 h). */
const MEMORY_IDLE_MS = 60 * 60_000;

/** A configuration problem found before anything touched the network. `code` is a catalog key. */
export class HubConfigError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Parameters for the catalog text (never secrets). */
    readonly params: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HubConfigError';
  }
}

/** What an in-node asks for. */
export type StreamRequest =
  | { source: 'auto'; spec: SubscriptionSpec }
  | { source: 'key'; eventType: EventType; streamKey: string };

/** The connection state pushed to every listener of a stream. `code` is a catalog error code. */
export type StreamStatus =
  | { state: 'connecting' }
  | { state: 'connected' }
  | { state: 'reconnecting'; delayMs?: number; attempt?: number }
  | { state: 'auth-failed'; code: string }
  | { state: 'config-error'; code: string }
  | { state: 'closed' };

/** Something a listener should report through `node.error` / `node.warn`. Never carries a secret. */
export interface StreamProblem {
  /** `error` goes to node.error (Catch nodes), `warn` to node.warn. */
  level: 'error' | 'warn';
  /** A catalog error code: FrameError / EventValidationError / AylaApiError / StreamClient codes, or GAP, UNEXPECTED_EVENT_TYPE, SUPPRESSED. */
  code: string;
  /** The underlying error (its message never holds a secret; it is not shown verbatim to users). */
  error?: Error;
  /** Parameters for the catalog text: excerpt, seq, expected, received, count, eventType. */
  params: Record<string, string | number>;
}

/** One registered in-node, as the hub sees it. */
export interface StreamListener {
  readonly eventType: EventType;
  /** An event of `eventType`; `normalised` and `raw` belong to this listener alone (copies when shared). */
  event(normalised: NormalisedEvent, raw: AylaEvent): void;
  status(status: StreamStatus): void;
  problem(problem: StreamProblem): void;
}

/** Returned by {@link StreamHub.register}. */
export interface Registration {
  /** Stops delivery. `removed` = the node was deleted from the flow (auto subscriptions may then be deleted). Idempotent. */
  release(removed: boolean): void;
}

/** Where the last delivered seq is kept between StreamClients. Issue 5 plugs a persistent store in here. */
export interface ResumeStore {
  /** The next seq wanted for a stream key fingerprint, if known. */
  nextSeq(keyPrint: string): number | undefined;
  delivered(keyPrint: string, seq: number): void;
}

export interface StreamHubOptions {
  endpoints: Endpoints;
  clientType: ClientType;
  /** Resolved credentials (env references already expanded); null when the account has none. Only auto sources need them. */
  credentials: Credentials | null;
  /** Seconds without any frame before a socket is declared dead, in ms. */
  heartbeatTimeoutMs: number;
  /** Default {@link DEFAULT_DELETE_GRACE_MS}. */
  deleteGraceMs?: number;
  /** Log line sink for the Node-RED log (no secrets are ever passed). */
  log?: (line: string) => void;
  /** Default: an in-process store shared by every hub of the same account identity. */
  resumeStore?: ResumeStore;
}

/** Per account identity, kept across redeploys (module level). */
class AccountMemory implements ResumeStore {
  session: Session | null = null;
  readonly subscriptions = new Map<string, Subscription>();
  private readonly seqByKey = new Map<string, number>();
  users = 0;
  lastUsedAt = Date.now();

  nextSeq(keyPrint: string): number | undefined {
    return this.seqByKey.get(keyPrint);
  }
  delivered(keyPrint: string, seq: number): void {
    this.seqByKey.set(keyPrint, seq + 1);
  }
}

const memories = new Map<string, AccountMemory>();

function memoryFor(identity: string): AccountMemory {
  const now = Date.now();
  for (const [id, memory] of memories) {
    if (memory.users === 0 && now - memory.lastUsedAt > MEMORY_IDLE_MS) memories.delete(id);
  }
  let memory = memories.get(identity);
  if (!memory) {
    memory = new AccountMemory();
    memories.set(identity, memory);
  }
  memory.users += 1;
  memory.lastUsedAt = now;
  return memory;
}

function releaseMemory(memory: AccountMemory): void {
  memory.users = Math.max(0, memory.users - 1);
  memory.lastUsedAt = Date.now();
}

/** Error codes that mean "these credentials / this key will not work until someone changes them". */
const AUTH_FAILURE_CODES = new Set(['BAD_CREDENTIALS', 'BAD_APPLICATION', 'REFRESH_REFUSED', 'UNAUTHORIZED', 'FORBIDDEN', 'SIGN_IN_THROTTLED', 'AUTH_REFUSED']);

/**
 * A connection that was up and broke, and will be resumed from the last seq: a warning, not an
 * error (the status shows the reconnect; a Status node can react to it).
 */
const TRANSIENT_CODES = new Set(['CONNECTION_LOST', 'HEARTBEAT_TIMEOUT']);

function codeOf(error: unknown, fallback: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : fallback;
}

/** A bounded wait: resolves when `work` settles or after `ms`, whichever comes first; the timer never outlives it. */
async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([work.then(() => undefined, () => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** One StreamClient and the listeners sharing it. */
class SharedStream {
  readonly listeners = new Set<StreamListener>();
  readonly client: StreamClient;
  /** Auto source: the subscription currently used; cleared to force a re-find after a refused upgrade. */
  subscription: Subscription | null = null;
  private status: StreamStatus = { state: 'connecting' };
  /** A failure that outlives the reconnect cycle (bad credentials, refused key) until a connect succeeds. */
  private stickyFailure: StreamStatus | null = null;
  private lastReportedCode: string | null = null;
  private problemWindowStart = 0;
  private problemsInWindow = 0;
  private suppressed = 0;
  private readonly warnedTypes = new Set<string>();
  private keyPrint: string | null;

  constructor(
    readonly id: string,
    readonly request: StreamRequest,
    private readonly hub: StreamHub,
    private readonly memory: AccountMemory,
    private readonly resume: ResumeStore,
  ) {
    const knownKey =
      request.source === 'key' ? request.streamKey : (memory.subscriptions.get(subscriptionName(request.spec))?.stream_key ?? null);
    this.keyPrint = knownKey === null ? null : fingerprint(knownKey);
    if (request.source === 'auto') this.subscription = memory.subscriptions.get(subscriptionName(request.spec)) ?? null;
    const resumeFromSeq = this.keyPrint === null ? undefined : resume.nextSeq(this.keyPrint);
    this.client = new StreamClient({
      streamUrl: hub.endpoints.streamUrl,
      getStreamKey: () => this.streamKey(),
      eventType: request.source === 'auto' ? request.spec.eventType : undefined,
      heartbeatTimeoutMs: hub.heartbeatTimeoutMs,
      ...(request.source === 'auto' ? { authRetryDelayMs: AUTO_AUTH_RETRY_DELAY_MS } : {}),
      ...(resumeFromSeq === undefined ? {} : { resumeFromSeq }),
    });
    this.client.on('state', (info: StateInfo) => this.onState(info));
    this.client.on('event', (info: StreamEventInfo) => this.onEvent(info));
    this.client.on('gap', (gap: { expected: number; received: number }) =>
      this.broadcastProblem({ level: 'warn', code: 'GAP', params: { expected: gap.expected, last: gap.received - 1, missing: gap.received - gap.expected } }),
    );
    this.client.on('invalid', (error: Error & { code?: string; excerpt?: string; path?: string }) => this.onInvalid(error));
    this.client.on('error', (error: Error & { code?: string }) => this.onConnectionError(error));
  }

  start(): void {
    this.client.start();
  }

  add(listener: StreamListener): void {
    this.listeners.add(listener);
    listener.status(this.stickyFailure ?? this.status);
  }

  /** Called before every connect. Auto: reuse the found subscription; mobile: a fresh one each time (PROTOCOL.md §4). */
  private async streamKey(): Promise<string> {
    const request = this.request;
    if (request.source === 'key') return request.streamKey;
    try {
      const subscriptions = this.hub.subscriptionClient();
      const name = subscriptionName(request.spec);
      if (this.hub.clientType === 'mobile') {
        this.subscription = await subscriptions.create(request.spec, name);
      } else if (!this.subscription) {
        this.subscription = await subscriptions.findOrCreate(request.spec);
        this.memory.subscriptions.set(name, this.subscription);
      }
      this.stickyFailure = null;
      const key = this.subscription.stream_key;
      this.keyPrint = fingerprint(key);
      return key;
    } catch (error) {
      const code = error instanceof HubConfigError || error instanceof AylaApiError ? error.code : codeOf(error, 'KEY_ERROR');
      if (error instanceof HubConfigError) this.setSticky({ state: 'config-error', code });
      else if (AUTH_FAILURE_CODES.has(code)) this.setSticky({ state: 'auth-failed', code });
      this.reportOnce(code, error as Error);
      throw error;
    }
  }

  private setSticky(status: StreamStatus): void {
    this.stickyFailure = status;
    for (const listener of this.listeners) listener.status(status);
  }

  private onState(info: StateInfo): void {
    let status: StreamStatus;
    switch (info.state) {
      case 'open':
        status = { state: 'connected' };
        this.stickyFailure = null;
        this.lastReportedCode = null;
        break;
      case 'reconnecting':
        status = { state: 'reconnecting', delayMs: info.delayMs, attempt: info.attempt };
        break;
      case 'auth-failed':
        status = { state: 'auth-failed', code: info.code ?? 'AUTH_REFUSED' };
        this.stickyFailure = status;
        break;
      case 'closed':
        status = { state: 'closed' };
        break;
      default:
        status = { state: 'connecting' };
    }
    this.status = status;
    const shown = status.state === 'closed' || status.state === 'connected' ? status : (this.stickyFailure ?? status);
    for (const listener of this.listeners) listener.status(shown);
  }

  private onEvent(info: StreamEventInfo): void {
    if (this.keyPrint !== null) this.resume.delivered(this.keyPrint, info.seq);
    const type = info.event.metadata.event_type;
    const targets = [...this.listeners].filter((listener) => listener.eventType === type);
    if (targets.length === 0) {
      // A stream key of a multi-type (mobile) subscription, or a key pasted into the wrong node
      // type: say so once per type instead of once per event.
      if (!this.warnedTypes.has(type)) {
        this.warnedTypes.add(type);
        this.broadcastProblem({ level: 'warn', code: 'UNEXPECTED_EVENT_TYPE', params: { eventType: type } });
      }
      return;
    }
    let normalised: NormalisedEvent;
    try {
      normalised = normaliseEvent(info.event);
    } catch (error) {
      this.onInvalid(error as Error);
      return;
    }
    targets.forEach((listener, index) => {
      // The first listener gets the originals; others get copies so that a flow mutating its
      // msg cannot change what another node's flow sees.
      const ayla = index === 0 ? normalised : structuredClone(normalised);
      const raw = index === 0 ? info.event : (JSON.parse(info.json) as AylaEvent);
      try {
        listener.event(ayla, raw);
      } catch (error) {
        this.hub.log(`listener failed on seq ${info.seq}: ${(error as Error).message}`);
      }
    });
  }

  private onInvalid(error: Error & { code?: string; excerpt?: string; path?: string }): void {
    const now = Date.now();
    if (now - this.problemWindowStart > PROBLEM_WINDOW_MS) {
      if (this.suppressed > 0) this.broadcastProblem({ level: 'warn', code: 'SUPPRESSED', params: { count: this.suppressed } });
      this.problemWindowStart = now;
      this.problemsInWindow = 0;
      this.suppressed = 0;
    }
    if (this.problemsInWindow >= MAX_PROBLEMS_PER_WINDOW) {
      this.suppressed += 1;
      return;
    }
    this.problemsInWindow += 1;
    const params: Record<string, string | number> = {};
    if (typeof error.excerpt === 'string') params.excerpt = error.excerpt;
    if (typeof error.path === 'string') params.path = error.path;
    this.broadcastProblem({ level: 'error', code: codeOf(error, 'INVALID_EVENT'), error, params });
  }

  private onConnectionError(error: Error & { code?: string }): void {
    const code = codeOf(error, 'CONNECTION_ERROR');
    if (code === 'AUTH_REFUSED' && this.request.source === 'auto') {
      // The subscription was deleted or suspended on the server: find or create it again on the
      // next connect instead of retrying a key that will be refused forever.
      this.subscription = null;
      this.memory.subscriptions.delete(subscriptionName(this.request.spec));
    }
    // KEY_ERROR wraps a failure of streamKey(), which already reported the real cause.
    if (code === 'KEY_ERROR') return;
    this.reportOnce(code, error, TRANSIENT_CODES.has(code) ? 'warn' : 'error');
  }

  /** Reports a connection-level failure once until the code changes or a connect succeeds: reconnect loops must not flood. */
  private reportOnce(code: string, error: Error, level: 'error' | 'warn' = 'error'): void {
    if (code === this.lastReportedCode) return;
    this.lastReportedCode = code;
    this.broadcastProblem({ level, code, error, params: {} });
  }

  private broadcastProblem(problem: StreamProblem): void {
    for (const listener of this.listeners) listener.problem(problem);
  }

  async close(): Promise<void> {
    this.client.removeAllListeners('event');
    await this.client.close();
    this.client.removeAllListeners();
  }
}

/** The registry of shared streams of one account node. */
export class StreamHub {
  readonly endpoints: Endpoints;
  readonly clientType: ClientType;
  readonly heartbeatTimeoutMs: number;
  private readonly credentials: Credentials | null;
  private readonly deleteGraceMs: number;
  private readonly logLine: (line: string) => void;
  private readonly memory: AccountMemory;
  private readonly resume: ResumeStore;
  private readonly streams = new Map<string, SharedStream>();
  private readonly pendingDeletions = new Map<string, { timer: NodeJS.Timeout; spec: SubscriptionSpec; subscription: Subscription | null }>();
  private readonly runningDeletions = new Set<Promise<void>>();
  private closing = false;
  private subscriptionsClient: SubscriptionClient | null = null;

  constructor(options: StreamHubOptions) {
    this.endpoints = options.endpoints;
    this.clientType = options.clientType;
    this.credentials = options.credentials;
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs;
    this.deleteGraceMs = options.deleteGraceMs ?? DEFAULT_DELETE_GRACE_MS;
    this.logLine = options.log ?? (() => undefined);
    // The identity covers everything that makes a session or a subscription differ; secrets
    // only enter through a one-way fingerprint.
    const c = options.credentials;
    const identity = fingerprint(
      JSON.stringify([options.endpoints, options.clientType, c?.email ?? '', c ? fingerprint(`${c.password}\u0000${c.appId}\u0000${c.appSecret}`) : '']),
    );
    this.memory = memoryFor(identity);
    this.resume = options.resumeStore ?? this.memory;
  }

  /** Number of live StreamClients (one per distinct subscription in use). */
  get streamCount(): number {
    return this.streams.size;
  }

  /** @internal log sink used by the shared streams. */
  log(line: string): void {
    this.logLine(line);
  }

  /**
   * The subscription REST client, created on first use with the (shared) session.
   *
   * @throws {@link HubConfigError} `MISSING_CREDENTIALS` or `NO_ENDPOINT` when auto subscriptions cannot work
   */
  subscriptionClient(): SubscriptionClient {
    if (this.subscriptionsClient) return this.subscriptionsClient;
    this.checkAutoPossible();
    const endpoints = this.endpoints as Required<{ apiUrl: string; userUrl: string }> & Endpoints;
    if (!this.memory.session) {
      this.memory.session = new Session({ userUrl: endpoints.userUrl, credentials: this.credentials as Credentials });
    }
    this.subscriptionsClient = new SubscriptionClient({ apiUrl: endpoints.apiUrl, session: this.memory.session });
    return this.subscriptionsClient;
  }

  private checkAutoPossible(): void {
    if (!this.endpoints.apiUrl || !this.endpoints.userUrl) {
      throw new HubConfigError('NO_ENDPOINT', 'automatic subscriptions need the DSS API and user service URLs');
    }
    const c = this.credentials;
    if (!c || !c.email || !c.password || !c.appId || !c.appSecret) {
      throw new HubConfigError('MISSING_CREDENTIALS', 'automatic subscriptions need e-mail, password, app id and app secret');
    }
  }

  /**
   * Registers a listener for a subscription. Equal requests share one StreamClient.
   *
   * @throws {@link HubConfigError} when the request cannot work with this account (checked before any network use)
   */
  register(request: StreamRequest, listener: StreamListener): Registration {
    if (this.closing) throw new HubConfigError('CLOSED', 'the account node is closing');
    let id: string;
    if (request.source === 'auto') {
      this.checkAutoPossible();
      id = `auto:${subscriptionName(request.spec)}`;
    } else {
      if (!request.streamKey) throw new HubConfigError('MISSING_STREAM_KEY', 'no stream key');
      id = `key:${fingerprint(request.streamKey)}`;
    }
    const pending = this.pendingDeletions.get(id);
    if (pending) {
      clearTimeout(pending.timer);
      this.pendingDeletions.delete(id);
    }
    let stream = this.streams.get(id);
    const isNew = !stream;
    if (!stream) {
      stream = new SharedStream(id, request, this, this.memory, this.resume);
      this.streams.set(id, stream);
    }
    stream.add(listener);
    if (isNew) stream.start();
    let released = false;
    const shared = stream;
    return {
      release: (removed: boolean) => {
        if (released) return;
        released = true;
        this.release(shared, listener, removed);
      },
    };
  }

  private release(stream: SharedStream, listener: StreamListener, removed: boolean): void {
    stream.listeners.delete(listener);
    if (stream.listeners.size > 0) return;
    this.streams.delete(stream.id);
    void stream.close().catch((error: Error) => this.log(`closing a stream failed: ${error.message}`));
    const request = stream.request;
    // Mobile subscriptions die with their socket; key sources belong to someone else.
    if (!removed || request.source !== 'auto' || this.clientType === 'mobile') return;
    if (this.closing) {
      // The account is going away too: no later re-registration can come to this hub.
      this.runDeletion(request.spec, stream.subscription);
      return;
    }
    const timer = setTimeout(() => {
      this.pendingDeletions.delete(stream.id);
      this.runDeletion(request.spec, stream.subscription);
    }, this.deleteGraceMs);
    this.pendingDeletions.set(stream.id, { timer, spec: request.spec, subscription: stream.subscription });
  }

  private runDeletion(spec: SubscriptionSpec, known: Subscription | null): void {
    const work = this.deleteSubscription(spec, known).catch((error: Error) =>
      this.log(`deleting subscription ${subscriptionName(spec)} failed: ${codeOf(error, 'ERROR')}`),
    );
    this.runningDeletions.add(work);
    void work.finally(() => this.runningDeletions.delete(work));
  }

  private async deleteSubscription(spec: SubscriptionSpec, known: Subscription | null): Promise<void> {
    const client = this.subscriptionClient();
    const name = subscriptionName(spec);
    this.memory.subscriptions.delete(name);
    // The known one, plus any namesakes a previous runtime left behind.
    const ids = new Set<number>(known ? [known.id] : []);
    for (const subscription of await client.list()) if (subscription.name === name) ids.add(subscription.id);
    for (const id of ids) {
      try {
        await client.delete(id);
      } catch (error) {
        // Already gone is the goal; anything else is worth a log line.
        if (codeOf(error, '') !== 'NOT_FOUND') throw error;
      }
    }
    this.log(`deleted subscription ${name}`);
  }

  /** Closes every stream and runs pending deletions, all within {@link CLOSE_TIMEOUT_MS}. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const [, pending] of this.pendingDeletions) {
      clearTimeout(pending.timer);
      this.runDeletion(pending.spec, pending.subscription);
    }
    this.pendingDeletions.clear();
    const streams = [...this.streams.values()];
    this.streams.clear();
    const work = Promise.all([...streams.map((stream) => stream.close()), ...this.runningDeletions]);
    await settleWithin(work, CLOSE_TIMEOUT_MS);
    releaseMemory(this.memory);
  }
}
