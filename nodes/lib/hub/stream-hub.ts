/**
 * The shared streams of one account identity (`account-identity.ts`): in-nodes register what
 * they want to hear, equal requests share one {@link SharedStream}, and a stream closes with
 * its last listener.
 *
 * An auto subscription is deleted on the server only when its last listener was *removed*
 * from the flow (not on restart or redeploy), after a grace period so that a node
 * re-registering the same subscription (a "modified nodes" deploy) cancels it. A deletion waits
 * for a find-or-create still in flight, so a node removed during sign-in leaves no orphan
 * subscription behind. When the hub drains (its last account node closes), pending deletions
 * run at once, inside the bounded drain.
 */
import { ConfigError, codeOf } from '../errors';
import type { PositionStore } from '../position-file';
import { subscriptionName, type Subscription, type SubscriptionSpec } from '../subscriptions';
import type { RegisterOptions, Registration, StreamListener, StreamRequest } from './contract';
import type { FlowControlGroup } from './flow-control-group';
import { settleWithin } from './position-files';
import { SharedStream, type StreamClientFactory, type SubscriptionApi } from './shared-stream';
import { StreamPositions } from './stream-positions';

/** How long a removed node's subscription survives, waiting for a re-registration (5 s). */
export const DEFAULT_DELETE_GRACE_MS = 5000;
/** Upper bound of {@link StreamHub.drain}: Node-RED waits for it on every redeploy (4 s). */
export const DRAIN_TIMEOUT_MS = 4000;

/** What a hub needs from its account identity and runtime. */
export interface StreamHubContext {
  readonly streamUrl: string;
  readonly mobile: boolean;
  /** Prefix of the position keys of auto subscriptions; see {@link StreamPositions}. */
  readonly positionScope: string;
  /** Seconds without any frame before a socket is declared dead, in ms (read when a stream starts). */
  heartbeatTimeoutMs(): number;
  /** @throws {@link ConfigError} `MISSING_CREDENTIALS` or `NO_ENDPOINT` when auto subscriptions cannot work */
  subscriptionClient(): SubscriptionApi;
  /** Throws the same as {@link subscriptionClient} without creating anything. */
  checkAutoPossible(): unknown;
  readonly knownSubscriptions: Map<string, Subscription>;
  /** False once the last account node of the identity has closed: nothing can re-register before a deletion. */
  hasUsers(): boolean;
  /** The runtime's position store as the account node using the identity leased it, and when it is loaded. */
  positionStore(): { store: PositionStore; ready: Promise<void> };
  readonly flowControl: FlowControlGroup;
  readonly createClient: StreamClientFactory;
  readonly now: () => number;
  log(line: string): void;
  info(line: string): void;
}

/** One stream as {@link StreamHub.diagnostics} describes it. */
export type StreamDiagnostics = {
  /** `auto:<subscription name>`, or `key:<fingerprint of the stream key>`. */
  id: string;
  subscriptionId: number | null;
  subscriptionName: string | null;
  listeners: number;
} & SharedStream['diagnostics'];

interface PendingDeletion {
  timer: NodeJS.Timeout;
  stream: SharedStream;
  spec: SubscriptionSpec;
}

/** The shared streams of one account identity; see the module comment. */
export class StreamHub {
  private readonly streams = new Map<string, SharedStream>();
  private readonly pendingDeletions = new Map<string, PendingDeletion>();
  private readonly runningDeletions = new Set<Promise<void>>();

  /**
   * @param context - see {@link StreamHubContext}
   * @param deleteGraceMs - default {@link DEFAULT_DELETE_GRACE_MS}
   */
  constructor(
    private readonly context: StreamHubContext,
    private readonly deleteGraceMs: number = DEFAULT_DELETE_GRACE_MS,
  ) {}

  /** Number of live streams (one per distinct subscription in use). */
  get streamCount(): number {
    return this.streams.size;
  }

  /** Each stream's id, subscription (id and name, never its stream key), client state and last problems (no secrets). */
  diagnostics(): StreamDiagnostics[] {
    return [...this.streams.values()].map((stream) => ({
      id: stream.id,
      subscriptionId: stream.subscription?.id ?? null,
      subscriptionName: stream.subscription?.name ?? null,
      listeners: stream.listeners.size,
      ...stream.diagnostics,
    }));
  }

  /**
   * Registers a listener for a subscription. Equal requests share one stream.
   *
   * @throws {@link ConfigError} when the request cannot work with this account (checked before any network use)
   */
  register(request: StreamRequest, listener: StreamListener, options: RegisterOptions = {}): Registration {
    const id = this.streamIdOf(request);
    const pending = this.pendingDeletions.get(id);
    if (pending) {
      clearTimeout(pending.timer);
      this.pendingDeletions.delete(id);
    }
    let stream = this.streams.get(id);
    const isNew = !stream;
    if (!stream) {
      stream = new SharedStream(id, request, {
        streamUrl: this.context.streamUrl,
        mobile: this.context.mobile,
        heartbeatTimeoutMs: this.context.heartbeatTimeoutMs(),
        subscriptionClient: () => this.context.subscriptionClient(),
        knownSubscriptions: this.context.knownSubscriptions,
        positions: this.positionsOf(request),
        flowControl: this.context.flowControl,
        createClient: this.context.createClient,
        now: this.context.now,
        log: (line) => this.context.log(line),
        info: (line) => this.context.info(line),
      });
      this.streams.set(id, stream);
    }
    stream.add(listener);
    if (isNew) {
      const startAfterSeq = options.startAfterSeq;
      if (startAfterSeq !== undefined && Number.isSafeInteger(startAfterSeq) && startAfterSeq >= 0) stream.positions.override(startAfterSeq);
      stream.start(this.context.positionStore().ready);
    }
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

  /**
   * Closes every stream and runs pending deletions, all within {@link DRAIN_TIMEOUT_MS}: the
   * last account node of the identity is closing. The hub stays usable afterwards.
   */
  async drain(): Promise<void> {
    for (const [, pending] of this.pendingDeletions) {
      clearTimeout(pending.timer);
      this.runDeletion(pending.stream, pending.spec);
    }
    this.pendingDeletions.clear();
    const streams = [...this.streams.values()];
    this.streams.clear();
    await settleWithin(Promise.all([...streams.map((stream) => stream.close()), ...this.runningDeletions]), DRAIN_TIMEOUT_MS);
  }

  private streamIdOf(request: StreamRequest): string {
    if (request.source === 'auto') {
      this.context.checkAutoPossible();
      return `auto:${subscriptionName(request.spec)}`;
    }
    if (!request.streamKey) throw new ConfigError('MISSING_STREAM_KEY', 'no stream key');
    return StreamPositions.streamKeyKey(request.streamKey);
  }

  private positionsOf(request: StreamRequest): StreamPositions {
    const store = this.context.positionStore().store;
    if (request.source === 'key') return new StreamPositions(store, StreamPositions.streamKeyKey(request.streamKey), false);
    // A mobile subscription is re-created on every connect: its seqs start over each time.
    if (this.context.mobile) return new StreamPositions(store, null, false);
    return new StreamPositions(store, StreamPositions.autoKey(this.context.positionScope, subscriptionName(request.spec)), true);
  }

  private release(stream: SharedStream, listener: StreamListener, removed: boolean): void {
    stream.listeners.delete(listener);
    if (stream.listeners.size > 0) return;
    this.streams.delete(stream.id);
    void stream.close().catch((error: Error) => this.context.log(`closing a stream failed: ${error.message}`));
    const request = stream.request;
    // Mobile subscriptions die with their socket; key sources belong to someone else.
    if (!removed || request.source !== 'auto' || this.context.mobile) return;
    if (!this.context.hasUsers()) {
      // The account node closed first (a full deploy or shutdown): no re-registration can come.
      this.runDeletion(stream, request.spec);
      return;
    }
    const timer = setTimeout(() => {
      this.pendingDeletions.delete(stream.id);
      this.runDeletion(stream, request.spec);
    }, this.deleteGraceMs);
    this.pendingDeletions.set(stream.id, { timer, stream, spec: request.spec });
  }

  private runDeletion(stream: SharedStream, spec: SubscriptionSpec): void {
    const work = this.deleteSubscription(stream, spec).catch((error: unknown) =>
      this.context.log(`deleting subscription ${subscriptionName(spec)} failed: ${codeOf(error, 'ERROR')}`),
    );
    this.runningDeletions.add(work);
    void work.finally(() => this.runningDeletions.delete(work));
  }

  private async deleteSubscription(stream: SharedStream, spec: SubscriptionSpec): Promise<void> {
    // A find-or-create still in flight would leave its subscription behind: wait for it.
    await stream.settled();
    const client = this.context.subscriptionClient();
    const name = subscriptionName(spec);
    this.context.knownSubscriptions.delete(name);
    // A deleted subscription has no position worth keeping.
    stream.positions.forget();
    // The known one, plus any namesakes a previous runtime left behind.
    const ids = new Set<number>(stream.subscription ? [stream.subscription.id] : []);
    for (const subscription of await client.list()) if (subscription.name === name) ids.add(subscription.id);
    const deleted: number[] = [];
    for (const id of ids) {
      try {
        await client.delete(id);
        deleted.push(id);
      } catch (error) {
        // Already gone is the goal; anything else is worth a log line.
        if (codeOf(error, '') !== 'NOT_FOUND') throw error;
      }
    }
    this.context.log(deleted.length > 0 ? `deleted subscription ${name} (id ${deleted.join(', ')})` : `subscription ${name} was already gone`);
  }
}
