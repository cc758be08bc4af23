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
 * - sessions and found subscriptions outlive one hub (module-level, per account identity), so a
 *   redeploy neither signs in again nor re-creates subscriptions;
 * - the last delivered seq of every stream lives in a {@link ResumeStore} (resume-store.ts: a
 *   file in Node-RED's user directory), so a reconnect, a redeploy and a restart all resume
 *   from it. Keys are `<scope>:<subscription name>` for auto sources (plus
 *   `…#subscription` = the id the position belongs to) and `key:<fingerprint>` for stream keys;
 *   never a secret. Mobile subscriptions are re-created per connect and have no position.
 *
 * Flow control: one {@link FlowController} per runtime (module level) pauses every
 * StreamClient while the event loop lags (a flow that cannot keep up) and resumes them when it
 * is calm; the server then holds the events back (TCP) or replays them after a reconnect. It
 * starts with the first stream of the runtime and stops with the last.
 */
import type { AylaEvent, EventType } from './lib/events';
import type { Endpoints, ClientType } from './lib/endpoints';
import { normaliseEvent, type NormalisedEvent } from './lib/normalise';
import { AylaApiError, DEFAULT_REQUEST_TIMEOUT_MS } from './lib/http';
import { Session, type Credentials } from './lib/session';
import { SubscriptionClient, subscriptionName, type Subscription, type SubscriptionSpec } from './lib/subscriptions';
import { StreamClient, type StateInfo, type StreamEventInfo, type StreamGap, type StreamKeyGrant } from './lib/stream';
import { FlowController } from './lib/flow-control';
import { MemoryResumeStore, type ResumeStore } from './resume-store';
import { fingerprint } from './secrets';

export type { ResumeStore } from './resume-store';

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
  /** A malformed frame or invalid event: listeners count it (their status shows the count). */
  invalid?: true;
  /** Count it, do not report it: the report cap of {@link MAX_PROBLEMS_PER_WINDOW} was reached. */
  silent?: true;
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

export interface StreamHubOptions {
  endpoints: Endpoints;
  clientType: ClientType;
  /** Resolved credentials (env references already expanded); null when the account has none. Only auto sources need them. */
  credentials: Credentials | null;
  /** Seconds without any frame before a socket is declared dead, in ms. */
  heartbeatTimeoutMs: number;
  /** Default {@link DEFAULT_DELETE_GRACE_MS}. */
  deleteGraceMs?: number;
  /**
   * Timeout of every user-service and DSS REST request (sign-in, subscriptions), answer body
   * included, in ms; default {@link DEFAULT_REQUEST_TIMEOUT_MS} (15 s). The session of an account
   * identity outlives one hub and keeps the timeout of the hub that created it.
   */
  requestTimeoutMs?: number;
  /** Debug log line sink (no secrets are ever passed). */
  log?: (line: string) => void;
  /** Info log line sink, for flow control pauses and resumes (no secrets); default: `log`. */
  info?: (line: string) => void;
  /** Keeps the last delivered seq per stream; default: an in-memory store of this module (a redeploy resumes, a restart does not). */
  resumeStore?: ResumeStore;
  /** Streams start once this resolves (the resume store is loaded); default: at once. Must not reject. */
  resumeReady?: Promise<void>;
}

/** Per account identity, kept across redeploys (module level). */
class AccountMemory {
  session: Session | null = null;
  readonly subscriptions = new Map<string, Subscription>();
  users = 0;
  lastUsedAt = Date.now();
}

const memories = new Map<string, AccountMemory>();
/** The default {@link ResumeStore}: in memory, runtime-wide. */
const defaultResumeStore = new MemoryResumeStore();

/**
 * Forgets every session and found subscription of this module, as a process restart would.
 * For tests that restart Node-RED inside one process; never called by the nodes.
 *
 * @internal
 */
export function forgetAccountMemoryForTests(): void {
  for (const [identity, memory] of memories) if (memory.users === 0) memories.delete(identity);
}

/** The runtime's flow controller, alive while at least one StreamClient is attached. */
let flowController: FlowController | null = null;
/** Attached clients and the info log of the hub that owns each (pause lines go to one of them). */
const flowTargets = new Map<StreamClient, (line: string) => void>();

function logFlowControl(line: string): void {
  const first = flowTargets.values().next();
  if (!first.done) first.value(line);
}

/**
 * Attaches a client to the runtime's flow controller, starting it with the first client.
 * Returns the detach function; the last detach stops the controller (no timer is left).
 */
function attachToFlowControl(client: StreamClient, info: (line: string) => void): () => void {
  if (!flowController) {
    flowController = new FlowController({
      onPause: ({ delayMs }) =>
        logFlowControl(`flow control: the event loop lags ${Math.round(delayMs)} ms, pausing ${flowTargets.size} stream(s); the server holds the events back`),
      onResume: ({ pausedMs, reason }) => logFlowControl(`flow control: resuming ${flowTargets.size} stream(s) after ${Math.round(pausedMs)} ms (${reason})`),
    });
    flowController.start();
  }
  const controller = flowController;
  flowTargets.set(client, info);
  const detach = controller.attach(client);
  let detached = false;
  return () => {
    if (detached) return;
    detached = true;
    detach();
    flowTargets.delete(client);
    if (flowTargets.size === 0 && flowController === controller) {
      controller.stop();
      flowController = null;
    }
  };
}

/**
 * The runtime's flow control, for diagnostics and tests: whether the controller runs, how many
 * clients it holds, and whether they are paused.
 */
export function flowControlState(): { running: boolean; clients: number; paused: boolean } {
  return { running: flowController !== null, clients: flowTargets.size, paused: flowController?.paused ?? false };
}

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
  /** Null until the resume store is loaded, and after close. */
  private client: StreamClient | null = null;
  private detachFlowControl: (() => void) | null = null;
  private closed = false;
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
  /** Resume store key of this stream's position; null when it has none (mobile). */
  private readonly positionKey: string | null;
  /** Auto source: resume store key of the subscription id the position belongs to. */
  private readonly subscriptionIdKey: string | null;

  constructor(
    readonly id: string,
    readonly request: StreamRequest,
    private readonly hub: StreamHub,
    private readonly memory: AccountMemory,
    private readonly resume: ResumeStore,
  ) {
    if (request.source === 'key') {
      this.positionKey = `key:${fingerprint(request.streamKey)}`;
      this.subscriptionIdKey = null;
    } else if (hub.clientType === 'mobile') {
      // A mobile subscription is re-created on every connect: its seqs start over each time.
      this.positionKey = null;
      this.subscriptionIdKey = null;
    } else {
      const name = subscriptionName(request.spec);
      this.subscription = memory.subscriptions.get(name) ?? null;
      this.positionKey = `${hub.resumeScope}:${name}`;
      this.subscriptionIdKey = `${this.positionKey}#subscription`;
    }
  }

  /** Starts the StreamClient once the resume store is loaded. */
  start(): void {
    const begin = () => {
      if (!this.closed) this.startClient(this.storedResumePoint());
    };
    this.hub.resumeReady.then(begin, begin);
  }

  /** The first seq to ask for, from the resume store; undefined to start live. */
  private storedResumePoint(): number | undefined {
    if (this.positionKey === null) return undefined;
    const last = this.resume.get(this.positionKey);
    if (last === null) return undefined;
    if (this.subscriptionIdKey !== null) {
      const storedId = this.resume.get(this.subscriptionIdKey);
      if (this.subscription && storedId !== null && storedId !== this.subscription.id) {
        // The position belongs to a subscription that has since been replaced: read the new one from its start.
        this.resume.delete(this.positionKey);
        this.resume.set(this.subscriptionIdKey, this.subscription.id);
        return 0;
      }
      // After a restart the subscription is only found at the first connect: streamKey() checks it then.
    }
    return last + 1;
  }

  private startClient(resumeFromSeq: number | undefined): void {
    const request = this.request;
    const client: StreamClient = new StreamClient({
      streamUrl: this.hub.endpoints.streamUrl,
      getStreamKey: () => this.streamKey(),
      eventType: request.source === 'auto' ? request.spec.eventType : undefined,
      heartbeatTimeoutMs: this.hub.heartbeatTimeoutMs,
      ...(request.source === 'auto' ? { authRetryDelayMs: AUTO_AUTH_RETRY_DELAY_MS } : {}),
      ...(resumeFromSeq === undefined ? {} : { resumeFromSeq }),
    });
    client.on('state', (info: StateInfo) => this.onState(info));
    client.on('event', (info: StreamEventInfo) => this.onEvent(info));
    client.on('gap', (gap: StreamGap) => this.onGap(gap));
    client.on('invalid', (error: Error & { code?: string; excerpt?: string; path?: string }) => this.onInvalid(client, error));
    client.on('error', (error: Error & { code?: string }) => this.onConnectionError(error));
    this.client = client;
    this.detachFlowControl = attachToFlowControl(client, (line) => this.hub.info(line));
    client.start();
  }

  /** Closes the current client and forgets it. Its events stop at once; its final 'closed' state still reaches the listeners. */
  private stopClient(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.detachFlowControl?.();
    this.detachFlowControl = null;
    if (!client) return Promise.resolve();
    client.removeAllListeners('event');
    client.removeAllListeners('gap');
    client.removeAllListeners('invalid');
    return client.close().finally(() => client.removeAllListeners());
  }

  add(listener: StreamListener): void {
    this.listeners.add(listener);
    listener.status(this.stickyFailure ?? this.status);
  }

  /** Called before every connect. Auto: reuse the found subscription; mobile: a fresh one each time (docs/protocol.md §4). */
  private async streamKey(): Promise<string | StreamKeyGrant> {
    const request = this.request;
    if (request.source === 'key') return request.streamKey;
    let subscription: Subscription;
    let createdNow = false;
    try {
      const subscriptions = this.hub.subscriptionClient();
      const name = subscriptionName(request.spec);
      if (this.hub.clientType === 'mobile') {
        this.subscription = await subscriptions.create(request.spec, name);
        createdNow = true;
      } else if (!this.subscription) {
        const found = await subscriptions.findOrCreateWithOrigin(request.spec);
        this.subscription = found.subscription;
        createdNow = found.created;
        this.memory.subscriptions.set(name, this.subscription);
      }
      subscription = this.subscription;
      this.stickyFailure = null;
    } catch (error) {
      const code = error instanceof HubConfigError || error instanceof AylaApiError ? error.code : codeOf(error, 'KEY_ERROR');
      if (error instanceof HubConfigError) this.setSticky({ state: 'config-error', code });
      else if (AUTH_FAILURE_CODES.has(code)) this.setSticky({ state: 'auth-failed', code });
      this.reportOnce(code, error as Error);
      throw error;
    }
    const changed = this.bindPosition(subscription);
    if (changed || createdNow) {
      // A subscription just created here (mobile: on every connect), or another one than the
      // position belonged to (deleted on the server and re-created, mid-stream or while
      // Node-RED was down). Its seqs start at 0 and every event on it is new: read it from its
      // beginning, so events published before this connect (or before a connection lost ahead
      // of the first event) are not skipped, and a stale seq_start cannot make its first
      // events look like duplicates.
      this.hub.log(`subscription ${subscription.name} was ${changed ? 're-created' : 'created'} (id ${subscription.id}): reading it from seq 0`);
      return { streamKey: subscription.stream_key, readFromSeq: 0 };
    }
    return subscription.stream_key;
  }

  /**
   * Ties the stored position to `subscription` (auto, cloud). Returns true when the position
   * belonged to another, known subscription (it is then forgotten); false when it was already
   * this one's, or when no subscription was recorded yet (first use: the stream starts live).
   */
  private bindPosition(subscription: Subscription): boolean {
    if (this.positionKey === null || this.subscriptionIdKey === null) return false;
    const storedId = this.resume.get(this.subscriptionIdKey);
    if (storedId === subscription.id) return false;
    this.resume.delete(this.positionKey);
    this.resume.set(this.subscriptionIdKey, subscription.id);
    return storedId !== null;
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
    if (this.positionKey !== null) this.resume.set(this.positionKey, info.seq);
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
      this.onInvalid(null, error as Error);
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

  /**
   * Retention exceeded (or a jump in seq): every listener hears once which seqs were lost.
   * Delivery carries on from `gap.received`.
   */
  private onGap(gap: StreamGap): void {
    const last = gap.received - 1;
    this.hub.log(`stream ${this.id}: seqs ${gap.expected}-${last} were not replayed by the server`);
    this.broadcastProblem({ level: 'warn', code: 'GAP', params: { expected: gap.expected, last, missing: gap.received - gap.expected } });
  }

  private onInvalid(client: StreamClient | null, error: Error & { code?: string; excerpt?: string; path?: string }): void {
    // An invalid event with a readable seq moved the position on: store it, or a restart would
    // fetch the same bad event again.
    const lastSeq = client?.lastSeq ?? null;
    if (this.positionKey !== null && lastSeq !== null) this.resume.set(this.positionKey, lastSeq);
    const now = Date.now();
    if (now - this.problemWindowStart > PROBLEM_WINDOW_MS) {
      if (this.suppressed > 0) this.broadcastProblem({ level: 'warn', code: 'SUPPRESSED', params: { count: this.suppressed } });
      this.problemWindowStart = now;
      this.problemsInWindow = 0;
      this.suppressed = 0;
    }
    const params: Record<string, string | number> = {};
    if (typeof error.excerpt === 'string') params.excerpt = error.excerpt;
    if (typeof error.path === 'string') params.path = error.path;
    const problem: StreamProblem = { level: 'error', code: codeOf(error, 'INVALID_EVENT'), error, params, invalid: true };
    if (this.problemsInWindow >= MAX_PROBLEMS_PER_WINDOW) {
      this.suppressed += 1;
      // Still counted in every status; only the log and the Catch nodes are spared the flood.
      this.broadcastProblem({ ...problem, silent: true });
      return;
    }
    this.problemsInWindow += 1;
    this.broadcastProblem(problem);
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
    this.closed = true;
    await this.stopClient();
  }
}

/** The registry of shared streams of one account node. */
export class StreamHub {
  readonly endpoints: Endpoints;
  readonly clientType: ClientType;
  readonly heartbeatTimeoutMs: number;
  private readonly credentials: Credentials | null;
  private readonly deleteGraceMs: number;
  private readonly requestTimeoutMs: number;
  private readonly logLine: (line: string) => void;
  private readonly infoLine: (line: string) => void;
  private readonly memory: AccountMemory;
  private readonly resume: ResumeStore;
  /** Streams start once this resolves (the resume store is loaded). */
  readonly resumeReady: Promise<void>;
  /**
   * Prefix of the resume store keys of auto sources: a fingerprint of what makes a
   * subscription name mean one subscription (service URLs, client type, e-mail). The password
   * is left out on purpose: changing it must not lose the stream positions.
   */
  readonly resumeScope: string;
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
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.logLine = options.log ?? (() => undefined);
    this.infoLine = options.info ?? this.logLine;
    // The identity covers everything that makes a session or a subscription differ; secrets
    // only enter through a one-way fingerprint.
    const c = options.credentials;
    const identity = fingerprint(
      JSON.stringify([options.endpoints, options.clientType, c?.email ?? '', c ? fingerprint(`${c.password}\u0000${c.appId}\u0000${c.appSecret}`) : '']),
    );
    this.memory = memoryFor(identity);
    this.resume = options.resumeStore ?? defaultResumeStore;
    this.resumeReady = options.resumeReady ?? Promise.resolve();
    const { streamUrl, apiUrl, userUrl } = options.endpoints;
    this.resumeScope = fingerprint(JSON.stringify([streamUrl, apiUrl ?? '', userUrl ?? '', options.clientType, c?.email ?? '']));
  }

  /** Number of live StreamClients (one per distinct subscription in use). */
  get streamCount(): number {
    return this.streams.size;
  }

  /** @internal debug log sink used by the shared streams. */
  log(line: string): void {
    this.logLine(line);
  }

  /** @internal info log sink used by flow control. */
  info(line: string): void {
    this.infoLine(line);
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
      this.memory.session = new Session({ userUrl: endpoints.userUrl, credentials: this.credentials as Credentials, requestTimeoutMs: this.requestTimeoutMs });
    }
    this.subscriptionsClient = new SubscriptionClient({ apiUrl: endpoints.apiUrl, session: this.memory.session, requestTimeoutMs: this.requestTimeoutMs });
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
    // A deleted subscription has no position worth keeping.
    this.resume.delete(`${this.resumeScope}:${name}`);
    this.resume.delete(`${this.resumeScope}:${name}#subscription`);
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
