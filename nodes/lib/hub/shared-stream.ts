/**
 * One subscription's stream, shared by every in-node that asked for it: one StreamClient (one
 * socket, one parse and validation per frame, one normalisation per event), fanned out to the
 * listeners, each of which filters before anything is copied for it. It also finds or creates
 * the subscription before every connect (auto sources), keeps the stream's position, and turns
 * the client's states into the statuses listeners show (a failure such as bad credentials
 * stays shown across reconnects until a connect succeeds).
 */
import { CodedError, codeOf, messageOf } from '../errors';
import type { AylaEvent, EventType } from '../events';
import { copyEvent, copyNormalised } from '../event-copy';
import { AUTH_ERROR_CODES } from '../http';
import { normaliseEvent, type NormalisedEvent } from '../normalise';
import type { StateInfo, StreamClient, StreamClientOptions, StreamEventInfo, StreamKeyGrant } from '../stream';
import { subscriptionName, type Subscription, type SubscriptionClient } from '../subscriptions';
import type { StreamListener, StreamRequest, StreamStatus } from './contract';
import type { FlowControlGroup } from './flow-control-group';
import { ProblemReporter, type RecentProblem } from './problem-reporter';
import { StreamPositions } from './stream-positions';

/**
 * Auto sources: wait this long after a refused upgrade before finding or re-creating the
 * subscription (5 s). The StreamClient default (60 s) suits a fixed stream key, which only a
 * person can fix; an auto source fixes itself with the re-find.
 */
export const AUTO_AUTH_RETRY_DELAY_MS = 5000;

/** What the hub uses of the subscription REST client (`SubscriptionClient`). */
export type SubscriptionApi = Pick<SubscriptionClient, 'create' | 'list' | 'delete' | 'findOrCreateWithOrigin'>;

/** Creates the client of a stream; the hub's tests inject fakes or short timings. */
export type StreamClientFactory = (options: StreamClientOptions) => StreamClient;

/** What a shared stream needs from its hub. */
export interface SharedStreamContext {
  readonly streamUrl: string;
  /** Mobile subscriptions are re-created on every connect (`docs/protocol.md` §4) and keep no position. */
  readonly mobile: boolean;
  readonly heartbeatTimeoutMs: number;
  /** The subscription REST client. @throws {@link CodedError} (config) when auto subscriptions cannot work. */
  subscriptionClient(): SubscriptionApi;
  /** Subscriptions found or created, by name; shared by every stream of the account identity. */
  readonly knownSubscriptions: Map<string, Subscription>;
  readonly positions: StreamPositions;
  readonly flowControl: FlowControlGroup;
  readonly createClient: StreamClientFactory;
  readonly now: () => number;
  /** Debug lines (no secrets). */
  log(line: string): void;
  /** Info lines, for flow control (no secrets). */
  info(line: string): void;
}

/** One StreamClient and the listeners sharing it; see the module comment. */
export class SharedStream {
  readonly listeners = new Set<StreamListener>();
  private client: StreamClient | null = null;
  private detachFlowControl: (() => void) | null = null;
  private closed = false;
  /** Auto source: the subscription currently used; cleared to force a re-find after a refused upgrade. */
  private currentSubscription: Subscription | null;
  /** The stream-key lookup in progress (find or create): a deletion waits for it. */
  private keyLookup: Promise<unknown> | null = null;
  private status: StreamStatus = { state: 'connecting' };
  /** A failure that outlives the reconnect cycle (bad credentials, refused key) until a connect succeeds. */
  private stickyFailure: StreamStatus | null = null;
  private readonly problems: ProblemReporter;
  private readonly expectedType: EventType | undefined;

  constructor(
    readonly id: string,
    readonly request: StreamRequest,
    private readonly context: SharedStreamContext,
  ) {
    this.expectedType = request.source === 'auto' ? request.spec.eventType : undefined;
    this.currentSubscription = request.source === 'auto' && !context.mobile ? (context.knownSubscriptions.get(this.name()) ?? null) : null;
    this.problems = new ProblemReporter({ broadcast: (problem) => this.listeners.forEach((listener) => listener.problem(problem)), now: context.now });
  }

  /** The stream's position record. */
  get positions(): StreamPositions {
    return this.context.positions;
  }

  /** The subscription in use (auto sources), for deletion and diagnostics. */
  get subscription(): Subscription | null {
    return this.currentSubscription;
  }

  /** The client's state, position, pause and counters, and the last problems, for diagnostics (no secrets). */
  get diagnostics(): { state: string; position: number | null; paused: boolean; stats: StreamClient['stats'] | null; problems: RecentProblem[] } {
    const client = this.client;
    return {
      state: client?.state ?? 'starting',
      position: client?.position ?? null,
      paused: client?.paused ?? false,
      stats: client ? { ...client.stats } : null,
      problems: this.problems.recent(),
    };
  }

  /** Resolves once no stream-key lookup (find or create) is in progress. Never rejects. */
  async settled(): Promise<void> {
    while (this.keyLookup) await this.keyLookup.catch(() => undefined /* its caller reported it */);
  }

  /** Adds a listener and tells it the current status. */
  add(listener: StreamListener): void {
    this.listeners.add(listener);
    listener.status(this.stickyFailure ?? this.status);
  }

  /** Starts the StreamClient once the position store is loaded. */
  start(positionsReady: Promise<void>): void {
    const begin = () => {
      if (!this.closed) this.startClient(this.context.positions.startSeq(this.currentSubscription?.id ?? null));
    };
    positionsReady.then(begin, begin);
  }

  /** Stops the client for good. Its events stop at once; its final 'closed' state still reaches the listeners. */
  async close(): Promise<void> {
    this.closed = true;
    // Its last position goes into the store before anyone flushes the store.
    this.context.positions.flush();
    const client = this.client;
    this.client = null;
    this.detachFlowControl?.();
    this.detachFlowControl = null;
    if (!client) return;
    client.removeAllListeners('event');
    client.removeAllListeners('gap');
    client.removeAllListeners('invalid');
    client.removeAllListeners('notice');
    await client.close().finally(() => client.removeAllListeners());
  }

  private name(): string {
    return this.request.source === 'auto' ? subscriptionName(this.request.spec) : '';
  }

  private startClient(startSeq: number | undefined): void {
    const client = this.context.createClient({
      streamUrl: this.context.streamUrl,
      getStreamKey: () => this.lookUpStreamKey(),
      eventType: this.expectedType,
      heartbeatTimeoutMs: this.context.heartbeatTimeoutMs,
      ...(this.request.source === 'auto' ? { authRetryDelayMs: AUTO_AUTH_RETRY_DELAY_MS } : {}),
      ...(startSeq === undefined ? {} : { startSeq }),
    });
    client.on('state', (info) => this.onState(info));
    client.on('event', (info) => this.onEvent(info, client));
    client.on('gap', (gap) => this.problems.gap(gap));
    client.on('notice', (notice) => this.problems.notice(notice));
    client.on('invalid', (error) => this.problems.invalid(error));
    client.on('error', (error) => this.onConnectionError(error));
    this.client = client;
    this.detachFlowControl = this.context.flowControl.attach(client, (line) => this.context.info(line));
    client.start();
  }

  private lookUpStreamKey(): Promise<string | StreamKeyGrant> {
    const lookup = this.streamKey();
    this.keyLookup = lookup;
    const clear = () => {
      if (this.keyLookup === lookup) this.keyLookup = null;
    };
    lookup.then(clear, clear);
    return lookup;
  }

  /** Called before every connect. Auto: reuse the found subscription; mobile: a fresh one each time (`docs/protocol.md` §4). */
  private async streamKey(): Promise<string | StreamKeyGrant> {
    const request = this.request;
    if (request.source === 'key') return request.streamKey;
    let subscription: Subscription;
    let createdNow = false;
    try {
      const subscriptions = this.context.subscriptionClient();
      const name = this.name();
      if (this.context.mobile) {
        subscription = await subscriptions.create(request.spec, name);
        createdNow = true;
      } else if (this.currentSubscription) {
        subscription = this.currentSubscription;
      } else {
        const found = await subscriptions.findOrCreateWithOrigin(request.spec);
        subscription = found.subscription;
        createdNow = found.created;
        this.context.knownSubscriptions.set(name, subscription);
      }
      this.currentSubscription = subscription;
      this.stickyFailure = null;
    } catch (error) {
      const code = codeOf(error, 'KEY_ERROR');
      if (!AUTH_ERROR_CODES.has(code) && isConfigCode(code)) this.setSticky({ state: 'config-error', code });
      else if (AUTH_ERROR_CODES.has(code)) this.setSticky({ state: 'auth-failed', code });
      this.problems.connectionFailed(code, error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    const changed = this.context.positions.bind(subscription.id);
    if (changed || createdNow) {
      // A subscription just created here (mobile: on every connect), or another one than the
      // position belonged to (deleted on the server and re-created, mid-stream or while
      // Node-RED was down). Its seqs start at 0 and every event on it is new: read it from its
      // beginning, so events published before this connect (or before a connection lost ahead
      // of the first event) are not skipped, and a stale seq_start cannot make its first
      // events look like duplicates.
      this.context.log(`subscription ${subscription.name} was ${changed ? 're-created' : 'created'} (id ${subscription.id}): reading it from seq 0`);
      return { streamKey: subscription.stream_key, readFromSeq: 0 };
    }
    return subscription.stream_key;
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
        this.problems.connected();
        break;
      case 'reconnecting':
        status = { state: 'reconnecting', delayMs: info.delayMs, attempt: info.attempt, ...(info.code === 'REPLACED' ? { code: info.code } : {}) };
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

  private onEvent(info: StreamEventInfo, client: StreamClient): void {
    this.context.positions.record(client.position);
    const event = info.event;
    const type = event.metadata.event_type;
    let normalised: NormalisedEvent | null = null;
    let first: StreamListener | null = null;
    let anyOfType = false;
    for (const listener of this.listeners) {
      if (listener.eventType !== type) continue;
      anyOfType = true;
      normalised ??= normaliseEvent(event);
      if (!this.accepts(listener, normalised, info.seq)) continue;
      if (first === null) {
        // The first accepting listener gets the originals, after every other listener has had
        // its copy (below): nothing its flow does can change what another node's flow sees.
        first = listener;
        continue;
      }
      this.deliverTo(listener, normalised, event, info.seq, true);
    }
    if (first !== null && normalised !== null) this.deliverTo(first, normalised, event, info.seq, false);
    // A stream key of a multi-type (mobile) subscription, or a key pasted into the wrong node
    // type: say so once per type instead of once per event.
    if (!anyOfType) this.problems.unexpectedType(type);
  }

  private accepts(listener: StreamListener, normalised: NormalisedEvent, seq: number): boolean {
    try {
      return listener.accepts(normalised);
    } catch (error) {
      this.context.log(`a listener's filter failed on seq ${seq}: ${messageOf(error)}`);
      return false;
    }
  }

  /** Hands an event to a listener, as copies when `copy`; a copy or a listener that throws costs that listener only. */
  private deliverTo(listener: StreamListener, normalised: NormalisedEvent, raw: AylaEvent, seq: number, copy: boolean): void {
    try {
      if (copy) listener.deliver(copyNormalised(normalised), copyEvent(raw));
      else listener.deliver(normalised, raw);
    } catch (error) {
      this.context.log(`listener failed on seq ${seq}: ${messageOf(error)}`);
    }
  }

  private onConnectionError(error: CodedError): void {
    const code = error.code;
    if (code === 'AUTH_REFUSED' && this.request.source === 'auto') {
      // The subscription was deleted or suspended on the server: find or create it again on the
      // next connect instead of retrying a key that will be refused forever.
      this.currentSubscription = null;
      this.context.knownSubscriptions.delete(this.name());
    }
    // KEY_ERROR wraps a failure of streamKey(), which already reported the real cause.
    if (code === 'KEY_ERROR') return;
    this.problems.connectionFailed(code, error);
  }
}

/** Codes of configuration problems (from {@link ConfigError}), shown as a configuration error rather than a reconnect. */
function isConfigCode(code: string): boolean {
  return code === 'MISSING_CREDENTIALS' || code === 'NO_ENDPOINT' || code === 'ENV_MISSING' || code === 'OUT_OF_RANGE';
}
