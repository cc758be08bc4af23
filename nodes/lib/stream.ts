/**
 * StreamClient: one DSS WebSocket stream (docs/protocol.md §5), kept alive.
 *
 * It connects to `streamUrl?stream_key=KEY[&seq_start=N]`, answers heartbeats, declares the
 * socket dead when nothing arrives for `heartbeatTimeoutMs`, reconnects with backoff, and
 * resumes from the last delivered `seq` + 1 so that a drop loses nothing the server still
 * retains. Every frame is parsed once and validated once; listeners get typed events.
 *
 * Delivery rules:
 * - `'event'`: each seq at most once, in increasing order. A seq at or below the last one
 *   seen is a duplicate (replay overlap): dropped and counted in `stats.duplicates`.
 * - `'gap'` {expected, received}: emitted once, before the first event after a jump in seq.
 *   On a resume (the first event after a reconnect, or after `resumeFromSeq`) it means the
 *   server could not replay far enough (its retention was exceeded): seqs `expected` ..
 *   `received - 1` are lost and will never be delivered. Delivery carries on from `received`.
 * - `'invalid'`: a malformed frame or an event that fails validation; the stream goes on.
 *   An invalid event whose `seq` is readable still advances `lastSeq`: otherwise every
 *   resume would ask for it again and the server would replay the same bad event forever.
 * - `'error'`: one per connection-level failure, with a stable `code`. Emitted only when
 *   someone listens, so a forgotten listener cannot crash the process.
 *
 * Back-pressure: listeners run synchronously inside the socket's message handler, and the
 * client keeps no queue of its own while reading. A consumer that hands events on
 * asynchronously (Node-RED does) cannot slow the socket that way, so it calls {@link
 * StreamClient.pause}: the client stops reading the socket (ws `pause()`), TCP flow control
 * then holds the server back, and memory here stays bounded by what the socket had already
 * read (kept in order and delivered on {@link StreamClient.resume}). A paused client answers no
 * heartbeats, so a long pause may get the socket closed by the server; resume then reconnects
 * from the last delivered seq + 1 and the server's replay covers the rest (a `'gap'` if its
 * retention did not reach back far enough). `flow-control.ts` decides when to pause.
 */
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { BackoffOptions } from './backoff';
import { Backoff } from './backoff';
import { FrameError, HEARTBEAT_ANSWER, MAX_FRAME_BYTES, excerptOf, parseFrame } from './frames';
import { EventValidationError, validateEvent, type AylaEvent, type EventType } from './events';
import { AUTH_ERROR_CODES } from './http';

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'auth-failed';

/** No frame at all for this long (90 s = three 30 s heartbeats) means the connection is dead. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 90_000;
/** The WebSocket handshake must complete within this (15 s). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
/** After an authentication failure, wait this long (60 s) before asking for a key again. */
export const DEFAULT_AUTH_RETRY_DELAY_MS = 60_000;
/** close() waits at most this long (1 s) for the terminated socket to report it is gone. */
const CLOSE_WAIT_MS = 1000;

/** A stream key, and where to read it from when its owner knows better than the client. */
export interface StreamKeyGrant {
  streamKey: string;
  /**
   * Read from this seq, whatever the resume point: a subscription its owner has just created
   * (or re-created) starts at 0, and every event on it is new. Omitted: resume as usual.
   */
  readFromSeq?: number;
}

export interface StreamClientOptions {
  /** `ws(s)://host/stream`, without query. */
  streamUrl: string;
  /**
   * Called before every connect (auto mode may re-find or re-create the subscription). Must
   * settle: the client does not time it out (REST calls behind it have their own timeouts).
   * Return a {@link StreamKeyGrant} to say where to read the key from.
   */
  getStreamKey: () => string | StreamKeyGrant | Promise<string | StreamKeyGrant>;
  /** When set, events of other types are reported as invalid. */
  eventType?: EventType;
  /** No frame at all for this many ms ⇒ terminate and reconnect; default 90000. */
  heartbeatTimeoutMs?: number;
  /** WebSocket handshake timeout in ms; default 15000. */
  connectTimeoutMs?: number;
  /** After a refused upgrade (401) or an authentication error from getStreamKey, wait this many ms; default 60000. */
  authRetryDelayMs?: number;
  /** Reconnect delays; see {@link BackoffOptions}. */
  backoff?: BackoffOptions;
  /** First seq wanted on the first connect (a persisted resume point); later connects use lastSeq + 1. */
  resumeFromSeq?: number;
  /** Largest accepted message in bytes (ws `maxPayload`); default MAX_FRAME_BYTES (1 MiB). */
  maxPayloadBytes?: number;
}

/** What an `'event'` listener receives. */
export interface StreamEventInfo {
  event: AylaEvent;
  seq: number;
  /** The event's JSON text as received. */
  json: string;
}

/** What a `'state'` listener receives. */
export interface StateInfo {
  state: StreamState;
  /** Retry number for 'connecting' / 'reconnecting' (1 = first retry; 0 on the first connect). */
  attempt?: number;
  /** Wait before the next attempt, ms ('reconnecting', 'auth-failed'). */
  delayMs?: number;
  /** Epoch ms of the next attempt ('reconnecting', 'auth-failed'). */
  nextAttemptAt?: number;
  /** Human words for why the state changed. */
  reason?: string;
  /** Stable code of the failure that caused the state, when there was one. */
  code?: string;
}

/** Stable codes of connection-level failures. */
export type StreamErrorCode =
  /** The upgrade was refused with HTTP 401: unknown, deleted or suspended stream key. */
  | 'AUTH_REFUSED'
  /** The upgrade was refused with another HTTP status. */
  | 'UPGRADE_FAILED'
  /** The handshake did not complete within connectTimeoutMs. */
  | 'CONNECT_TIMEOUT'
  /** The connection could not be made (refused, DNS, TLS…). */
  | 'CONNECTION_ERROR'
  /** An open connection was closed or broke. */
  | 'CONNECTION_LOST'
  /** No frame for heartbeatTimeoutMs: the connection was presumed dead and terminated. */
  | 'HEARTBEAT_TIMEOUT'
  /** getStreamKey failed; `causeCode` holds the underlying error's code, if any. */
  | 'KEY_ERROR'
  /** An 'event', 'gap' or 'invalid' listener threw; the stream goes on. */
  | 'LISTENER_ERROR';

/** A connection-level failure. Messages never contain the stream key. */
export class StreamError extends Error {
  readonly code: StreamErrorCode;
  /** HTTP status of a refused upgrade. */
  readonly status?: number;
  /** Code of the underlying error (for KEY_ERROR: BAD_CREDENTIALS, NETWORK_ERROR…). */
  readonly causeCode?: string;

  constructor(code: StreamErrorCode, message: string, options: { status?: number; causeCode?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StreamError';
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.causeCode !== undefined) this.causeCode = options.causeCode;
  }
}

/** Counters since the client was created. */
export interface StreamStats {
  /** WebSocket messages received (heartbeats included). */
  frames: number;
  /** Events delivered. */
  events: number;
  /** Heartbeats received (and answered). */
  heartbeats: number;
  /** Events dropped because their seq was already delivered. */
  duplicates: number;
  /** Malformed frames and invalid events. */
  invalid: number;
  /** Connection attempts after the first. */
  reconnects: number;
}

/**
 * What a `'gap'` listener receives: the seqs `expected` .. `received - 1` were skipped. After a
 * reconnect or a persisted resume this means the server could not replay far enough (its
 * retention was exceeded): those events are lost. Missing count = `received - expected`.
 */
export interface StreamGap {
  /** The first seq that is missing (the one the client asked for or expected next). */
  expected: number;
  /** The seq actually received; the events before it, down to `expected`, are lost. */
  received: number;
}

/** Listener signatures, for typed `on`. */
export interface StreamClientEvents {
  state: (info: StateInfo) => void;
  event: (info: StreamEventInfo) => void;
  /** Before the first event after a jump in seq; see {@link StreamGap}. */
  gap: (gap: StreamGap) => void;
  invalid: (error: FrameError | EventValidationError) => void;
  error: (error: StreamError) => void;
}

/** seq as a safe integer, or null when it cannot be read. */
function readableSeq(data: unknown): number | null {
  if (data === null || typeof data !== 'object') return null;
  const seq = (data as { seq?: unknown }).seq;
  let value: number;
  if (typeof seq === 'string' && /^[0-9]{1,16}$/.test(seq)) value = Number(seq);
  else if (typeof seq === 'number') value = seq;
  else return null;
  return Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/**
 * What ws still hands over after `pause()` (the rest of a chunk it had already read), kept in
 * arrival order until {@link StreamClient.resume}. `oversized` marks a message ws refused for
 * its size, so that its seq is skipped at the right place in the order.
 */
type HeldMessage = { kind: 'message'; socket: WebSocket; data: WebSocket.RawData } | { kind: 'oversized' };

function rawToText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Keeps one DSS stream connected; see the module comment for the delivery rules. */
export class StreamClient extends EventEmitter {
  /** Counters since creation; see {@link StreamStats}. */
  readonly stats: StreamStats = { frames: 0, events: 0, heartbeats: 0, duplicates: 0, invalid: 0, reconnects: 0 };

  private readonly options: StreamClientOptions;
  private readonly heartbeatTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly authRetryDelayMs: number;
  private readonly maxPayloadBytes: number;
  private readonly backoff: Backoff;

  private currentState: StreamState = 'closed';
  private delivered: number | null = null;
  /** The seq the next event should carry; null until known (live start without resume point). */
  private expectedSeq: number | null = null;
  private started = false;
  private closing = false;
  private closePromise: Promise<void> | null = null;
  /** Bumped per connection attempt and on close: callbacks of older attempts see they are stale. */
  private attemptId = 0;
  private connectAttempts = 0;
  private previousKey: string | null = null;

  private socket: WebSocket | null = null;
  private releaseListeners: (() => void) | null = null;
  private socketOpen = false;
  /** Events delivered on the current socket: a connection that made progress earns a fresh backoff. */
  private eventsOnSocket = 0;
  private connectTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  /** Set by pause(): the socket is not read and the watchdog does not run. */
  private pausedByConsumer = false;
  /** Messages ws delivered after pause() from data it had already read; bounded by that data. */
  private held: HeldMessage[] = [];
  /** True while resume() hands over held messages (guards against re-entrant resume()). */
  private releasingHeld = false;

  /** @param options - see {@link StreamClientOptions}. Nothing happens until {@link start}. */
  constructor(options: StreamClientOptions) {
    super();
    this.options = { ...options };
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.authRetryDelayMs = options.authRetryDelayMs ?? DEFAULT_AUTH_RETRY_DELAY_MS;
    this.maxPayloadBytes = options.maxPayloadBytes ?? MAX_FRAME_BYTES;
    this.backoff = new Backoff(options.backoff);
    const resume = options.resumeFromSeq;
    if (typeof resume === 'number' && Number.isSafeInteger(resume) && resume >= 0) this.expectedSeq = resume;
  }

  /** Current state; 'closed' before {@link start} and after {@link close}. */
  get state(): StreamState {
    return this.currentState;
  }

  /** The seq of the last event delivered (or skipped as invalid); null before any. */
  get lastSeq(): number | null {
    return this.delivered;
  }

  /** True between {@link pause} and {@link resume}. The state stays what it is ('open' included). */
  get paused(): boolean {
    return this.pausedByConsumer;
  }

  /**
   * Stops reading the stream so that a slow consumer holds the server back instead of letting
   * events pile up in memory: the socket is no longer read (TCP flow control reaches the
   * server), and no `'event'`, `'gap'` or `'invalid'` is emitted until {@link resume}. What ws
   * had already read is kept in order (at most a socket read's worth) and delivered first on
   * resume. The dead-socket watchdog is suspended (silence is expected while not reading) and
   * heartbeats go unanswered, so the server may close a socket paused for long (Ayla: about a
   * minute or more; the simulator: `missedHeartbeats` x `heartbeatMs`); {@link resume} then
   * notices, reconnects and resumes from the last delivered seq + 1, so nothing the server
   * still retains is lost. May be called in any state, also before {@link start}; reconnects
   * still happen while paused, and a new socket is paused as soon as it opens. Idempotent.
   */
  pause(): void {
    if (this.pausedByConsumer || this.closing) return;
    this.pausedByConsumer = true;
    this.clearTimer('watchdog');
    // ws ignores pause() during the handshake; onOpen pauses the socket then.
    this.socket?.pause();
  }

  /**
   * Reads the stream again after {@link pause}: first delivers the messages held back, in
   * order (synchronously, inside this call), then restarts the watchdog with a full
   * `heartbeatTimeoutMs` and resumes reading the socket. A listener may call {@link pause}
   * again meanwhile; the rest then stays held. Does nothing when not paused or after close.
   */
  resume(): void {
    if (!this.pausedByConsumer || this.closing) return;
    this.pausedByConsumer = false;
    this.releaseHeld();
    if (this.pausedByConsumer || this.closing) return;
    const socket = this.socket;
    if (socket && this.socketOpen) {
      this.startWatchdog(socket);
      socket.resume();
    }
  }

  /** Starts connecting. Calling it again, or after {@link close}, does nothing. */
  start(): void {
    if (this.started || this.closing) return;
    this.started = true;
    void this.connect();
  }

  /**
   * Stops for good: clears every timer, removes the listeners the client put on its socket,
   * terminates the socket and emits state 'closed'. Idempotent; resolves once the socket is
   * gone (at most about 1 s).
   */
  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.closing = true;
    this.attemptId++;
    this.clearTimers();
    this.held = [];
    const socket = this.socket;
    let gone: Promise<void> = Promise.resolve();
    if (socket) {
      gone = waitForSocketClose(socket, CLOSE_WAIT_MS);
      this.dropSocket();
    }
    this.setState({ state: 'closed', reason: 'closed by the application' });
    this.closePromise = gone;
    return gone;
  }

  /** Typed `on`: see {@link StreamClientEvents} for each event's listener. */
  override on<K extends keyof StreamClientEvents>(event: K, listener: StreamClientEvents[K]): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  /** Typed `once`: see {@link StreamClientEvents}. */
  override once<K extends keyof StreamClientEvents>(event: K, listener: StreamClientEvents[K]): this;
  override once(event: string | symbol, listener: (...args: never[]) => void): this;
  override once(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.once(event, listener as (...args: unknown[]) => void);
  }

  private isStale(id: number): boolean {
    return this.closing || id !== this.attemptId;
  }

  private setState(info: StateInfo): void {
    this.currentState = info.state;
    this.emit('state', info);
  }

  private emitError(error: StreamError): void {
    // An EventEmitter 'error' without listener would throw and take the process down.
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  /** Emits to listeners; a listener that throws is reported, not allowed to break the socket handler. */
  private emitSafely(name: 'event' | 'gap' | 'invalid', payload: unknown): void {
    try {
      this.emit(name, payload);
    } catch (error) {
      this.emitError(
        new StreamError('LISTENER_ERROR', `an '${name}' listener threw: ${messageOf(error)}`, { cause: error }),
      );
    }
  }

  private async connect(): Promise<void> {
    const id = ++this.attemptId;
    if (this.connectAttempts++ > 0) this.stats.reconnects++;
    this.setState({ state: 'connecting', attempt: this.backoff.attempt });
    let grant: StreamKeyGrant;
    try {
      const answer = await this.options.getStreamKey();
      grant = typeof answer === 'string' ? { streamKey: answer } : answer;
      if (typeof grant?.streamKey !== 'string' || grant.streamKey.trim() === '') throw new Error('the stream key is empty');
      if (grant.readFromSeq !== undefined && !(Number.isSafeInteger(grant.readFromSeq) && grant.readFromSeq >= 0)) {
        throw new Error('readFromSeq must be a whole number >= 0');
      }
    } catch (error) {
      if (!this.isStale(id)) this.keyFailed(error);
      return;
    }
    if (this.isStale(id)) return;
    this.openSocket(grant.streamKey.trim(), grant.readFromSeq, id);
  }

  private keyFailed(error: unknown): void {
    const rawCode = (error as { code?: unknown } | null)?.code;
    const causeCode = typeof rawCode === 'string' ? rawCode : undefined;
    const reason = `could not get a stream key: ${messageOf(error)}`;
    this.emitError(new StreamError('KEY_ERROR', reason, { causeCode, cause: error }));
    if (causeCode !== undefined && AUTH_ERROR_CODES.has(causeCode)) {
      const retryAfter = (error as { retryAfterMs?: unknown }).retryAfterMs;
      const delayMs = Math.max(this.authRetryDelayMs, typeof retryAfter === 'number' ? retryAfter : 0);
      this.scheduleRetry('auth-failed', delayMs, reason, causeCode);
    } else {
      this.scheduleRetry('reconnecting', this.backoff.next(), reason, causeCode ?? 'KEY_ERROR');
    }
  }

  /** The URL for this key, with `seq_start` when there is a resume point. */
  private urlFor(key: string, readFromSeq: number | undefined): string {
    if (this.previousKey !== null && key !== this.previousKey) {
      // seq is counted per stream key: a new key (a re-created subscription) starts a new
      // sequence, so the old resume point means nothing there. Start live on the new key
      // unless the grant says where to read. Messages held from the old key during a pause
      // belong to that old sequence too.
      this.delivered = null;
      this.expectedSeq = null;
      this.held = [];
    }
    if (readFromSeq !== undefined) {
      // Held messages will be read again from the socket, in order.
      this.delivered = readFromSeq > 0 ? readFromSeq - 1 : null;
      this.expectedSeq = readFromSeq;
      this.held = [];
    }
    this.previousKey = key;
    const url = new URL(this.options.streamUrl);
    url.searchParams.set('stream_key', key);
    if (this.expectedSeq !== null) url.searchParams.set('seq_start', String(this.expectedSeq));
    return url.toString();
  }

  private openSocket(key: string, readFromSeq: number | undefined, id: number): void {
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.urlFor(key, readFromSeq), { maxPayload: this.maxPayloadBytes });
    } catch (error) {
      // A malformed stream URL: retrying cannot fix it, but backoff keeps it from spinning.
      this.emitError(new StreamError('CONNECTION_ERROR', `cannot connect to the stream URL: ${messageOf(error)}`, { cause: error }));
      this.scheduleRetry('reconnecting', this.backoff.next(), 'invalid stream URL', 'CONNECTION_ERROR');
      return;
    }
    this.socket = socket;
    this.socketOpen = false;

    const onOpen = () => {
      if (this.isStale(id)) return;
      this.clearTimer('connectTimer');
      this.socketOpen = true;
      this.eventsOnSocket = 0;
      this.backoff.connected(Date.now());
      this.setState({ state: 'open' });
      // Paused before or during the handshake: do not start reading (ws starts on the next tick).
      if (this.pausedByConsumer) socket.pause();
      else this.startWatchdog(socket);
    };
    const onMessage = (data: WebSocket.RawData) => {
      if (this.isStale(id)) return;
      if (this.pausedByConsumer) {
        // The rest of a chunk ws had read before pause(): keep it, in order, for resume().
        this.held.push({ kind: 'message', socket, data });
        return;
      }
      this.watchdog?.refresh();
      this.handleMessage(socket, data);
    };
    const onControlFrame = () => {
      // A ping or pong proves the peer is alive as much as a heartbeat does.
      this.watchdog?.refresh();
    };
    const onUnexpectedResponse = (_request: unknown, response: { statusCode?: number; resume(): void }) => {
      const status = response.statusCode ?? 0;
      // Drain the refusal so its socket can be released.
      response.resume();
      if (status === 401) {
        this.fail(socket, 'AUTH_REFUSED', 'the stream refused the key (HTTP 401): unknown, deleted or suspended subscription', { status });
      } else {
        this.fail(socket, 'UPGRADE_FAILED', `the stream refused the upgrade with HTTP ${status}`, { status });
      }
    };
    const onError = (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' && !this.isStale(id)) {
        // While paused, events before it may still be held: skip its seq in that order.
        if (this.pausedByConsumer) this.held.push({ kind: 'oversized' });
        else this.skipOversizedEvent();
      }
      const code: StreamErrorCode = this.socketOpen ? 'CONNECTION_LOST' : 'CONNECTION_ERROR';
      const detail = error.code ? `${error.message} (${error.code})` : error.message;
      this.fail(socket, code, `${this.socketOpen ? 'stream connection broke' : 'cannot connect to the stream'}: ${detail}`, { cause: error });
    };
    const onClose = (closeCode: number, reason: Buffer) => {
      // Quote a short excerpt of the server's reason, never the key should it echo it.
      const text = reason.length > 0 ? `: "${excerptOf(reason.toString('utf8').split(key).join('…'))}"` : '';
      if (this.socketOpen) this.fail(socket, 'CONNECTION_LOST', `the stream was closed (code ${closeCode}${text})`);
      else this.fail(socket, 'CONNECTION_ERROR', `the stream connection closed during the handshake (code ${closeCode}${text})`);
    };

    socket.on('open', onOpen);
    socket.on('message', onMessage);
    socket.on('ping', onControlFrame);
    socket.on('pong', onControlFrame);
    socket.on('unexpected-response', onUnexpectedResponse);
    socket.on('error', onError);
    socket.on('close', onClose);
    this.releaseListeners = () => {
      socket.off('open', onOpen);
      socket.off('message', onMessage);
      socket.off('ping', onControlFrame);
      socket.off('pong', onControlFrame);
      socket.off('unexpected-response', onUnexpectedResponse);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    this.connectTimer = setTimeout(() => {
      this.fail(socket, 'CONNECT_TIMEOUT', `the stream handshake did not complete within ${this.connectTimeoutMs} ms`);
    }, this.connectTimeoutMs);
  }

  private startWatchdog(socket: WebSocket): void {
    this.clearTimer('watchdog');
    this.watchdog = setTimeout(() => this.onHeartbeatTimeout(socket), this.heartbeatTimeoutMs);
  }

  /**
   * Hands over the messages held during a pause, oldest first, until none is left or a
   * listener pauses again. Held messages of a socket that has since gone are still delivered:
   * they precede anything a reconnect brings, and its replay of the same seqs is dropped as
   * duplicates.
   */
  private releaseHeld(): void {
    if (this.releasingHeld) return;
    this.releasingHeld = true;
    try {
      while (this.held.length > 0 && !this.pausedByConsumer && !this.closing) {
        const next = this.held.shift() as HeldMessage;
        if (next.kind === 'oversized') this.skipOversizedEvent();
        else this.handleMessage(next.socket, next.data);
      }
    } finally {
      this.releasingHeld = false;
    }
  }

  private onHeartbeatTimeout(socket: WebSocket): void {
    this.fail(socket, 'HEARTBEAT_TIMEOUT', `no frame from the stream for ${this.heartbeatTimeoutMs} ms; connection presumed dead`);
  }

  /**
   * ws refused a message above maxPayload and is closing the socket. Events arrive in seq
   * order, so that message was the next expected event: count it as invalid and skip its seq,
   * or every resume would fetch it again and fail the same way.
   */
  private skipOversizedEvent(): void {
    this.stats.invalid++;
    const error = new FrameError('FRAME_TOO_LARGE', `malformed DSS frame (larger than ${this.maxPayloadBytes} bytes)`, '');
    if (this.expectedSeq !== null) {
      this.delivered = this.expectedSeq;
      this.expectedSeq++;
    }
    this.emitSafely('invalid', error);
  }

  /** Handles the end of a connection (once per socket): report, clean up, schedule the next attempt. */
  private fail(socket: WebSocket, code: StreamErrorCode, message: string, extra: { status?: number; cause?: unknown } = {}): void {
    if (socket !== this.socket || this.closing) return;
    const wasOpen = this.socketOpen;
    this.clearTimers();
    this.dropSocket();
    // A connection that delivered events proved the server healthy: retry from the shortest
    // delay. Otherwise frequent short outages would climb to the cap, since none of them
    // stays up for the stable period.
    if (wasOpen && this.eventsOnSocket > 0) this.backoff.reset();
    else if (wasOpen) this.backoff.disconnected(Date.now());
    this.emitError(new StreamError(code, message, extra));
    if (code === 'AUTH_REFUSED') this.scheduleRetry('auth-failed', this.authRetryDelayMs, message, code);
    else this.scheduleRetry('reconnecting', this.backoff.next(), message, code);
  }

  private scheduleRetry(state: 'reconnecting' | 'auth-failed', delayMs: number, reason: string, code: string): void {
    if (this.closing) return;
    this.clearTimer('retryTimer');
    const info: StateInfo = { state, delayMs, nextAttemptAt: Date.now() + delayMs, reason, code };
    if (state === 'reconnecting') info.attempt = this.backoff.attempt;
    this.setState(info);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delayMs);
  }

  /** Detaches the client from its socket and terminates it. */
  private dropSocket(): void {
    const socket = this.socket;
    this.socket = null;
    this.socketOpen = false;
    this.releaseListeners?.();
    this.releaseListeners = null;
    if (!socket) return;
    // terminate() during the handshake makes ws emit an 'error' we no longer care about.
    socket.on('error', ignoreLateSocketError);
    socket.terminate();
  }

  private clearTimer(name: 'connectTimer' | 'watchdog' | 'retryTimer'): void {
    const timer = this[name];
    if (timer) clearTimeout(timer);
    this[name] = null;
  }

  private clearTimers(): void {
    this.clearTimer('connectTimer');
    this.clearTimer('watchdog');
    this.clearTimer('retryTimer');
  }

  private handleMessage(socket: WebSocket, data: WebSocket.RawData): void {
    this.stats.frames++;
    let frame;
    try {
      frame = parseFrame(rawToText(data), { maxBytes: this.maxPayloadBytes });
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      this.stats.invalid++;
      this.emitSafely('invalid', error);
      return;
    }
    if (frame.kind === 'heartbeat') {
      this.stats.heartbeats++;
      socket.send(HEARTBEAT_ANSWER, ignoreSendError);
      return;
    }
    if (frame.kind === 'keepalive') return;
    this.handleEvent(frame.json, frame.data);
  }

  private handleEvent(json: string, data: unknown): void {
    let event: AylaEvent | null = null;
    let invalid: EventValidationError | null = null;
    try {
      event = validateEvent(data, this.options.eventType);
    } catch (error) {
      if (!(error instanceof EventValidationError)) throw error;
      invalid = error;
    }
    const seq = readableSeq(data);
    if (seq === null) {
      // Without a seq the event cannot be placed in order or resumed past; report and go on.
      this.stats.invalid++;
      this.emitSafely('invalid', invalid ?? new EventValidationError('invalid event: /seq is not a usable integer', '/seq'));
      return;
    }
    if (this.expectedSeq !== null && seq < this.expectedSeq) {
      this.stats.duplicates++;
      return;
    }
    const expected = this.expectedSeq;
    this.delivered = seq;
    this.expectedSeq = seq + 1;
    if (expected !== null && seq > expected) this.emitSafely('gap', { expected, received: seq });
    if (invalid || !event) {
      this.stats.invalid++;
      this.emitSafely('invalid', invalid);
      return;
    }
    this.stats.events++;
    this.eventsOnSocket++;
    const info: StreamEventInfo = { event, seq, json };
    this.emitSafely('event', info);
  }
}

function ignoreSendError(): void {
  // A failed send means the socket is going down; its 'close' event handles the reconnect.
}

function ignoreLateSocketError(): void {
  // Errors from a socket we already gave up on carry no news.
}

/** Resolves when `socket` reports 'close', or after `limitMs` at the latest. */
function waitForSocketClose(socket: WebSocket, limitMs: number): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      socket.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, limitMs);
    socket.on('close', done);
  });
}
