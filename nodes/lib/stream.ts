/**
 * StreamClient: one DSS WebSocket stream kept alive (`docs/protocol.md` §5). It connects to
 * `streamUrl?stream_key=KEY[&seq_start=N]`, answers heartbeats, declares the socket dead when
 * nothing arrives for `heartbeatTimeoutMs`, reconnects with backoff and resumes after its
 * position, so a drop loses nothing the server still retains. What each message becomes is the
 * {@link FrameReader}'s job; what it emits and promises is in `stream-contract.ts`
 * (`docs/protocol.md` §9 for the seq rules).
 *
 * A socket closed with code 4000 was replaced by another reader of the same key
 * (`docs/protocol.md` §5.7): taking it back at once would make the two replace each other for
 * ever, so the client waits {@link DEFAULT_REPLACED_RETRY_DELAY_MS}, doubling up to {@link
 * MAX_REPLACED_RETRY_DELAY_MS}, and reports `REPLACED`.
 *
 * Back-pressure: listeners run synchronously inside the socket's message handler; the client
 * keeps no queue of its own. A consumer that hands events on asynchronously (Node-RED does)
 * paces reading ({@link StreamClient.setPacer}, `read-pacer.ts`) and pauses it
 * ({@link StreamClient.pause}, `flow-control.ts`): the socket is not read, TCP holds the server
 * back, and memory stays bounded by what ws had already read (delivered in order later). A
 * long pause may get the socket closed; resume then reconnects after the position.
 */
import { Backoff } from './backoff';
import { CodedError, messageOf } from './errors';
import { FrameReader } from './frame-reader';
import { MAX_FRAME_BYTES, excerptOf } from './frames';
import { AUTH_ERROR_CODES, AylaApiError } from './http';
import {
  CLOSE_CODE_REPLACED,
  DEFAULT_AUTH_RETRY_DELAY_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_REPLACED_RETRY_DELAY_MS,
  MAX_REPLACED_RETRY_DELAY_MS,
  StreamEmitter,
  StreamError,
  type StateInfo,
  type StreamClientOptions,
  type StreamErrorCode,
  type StreamKeyGrant,
  type StreamState,
  type StreamStats,
} from './stream-contract';
import { PacedReading, type ReadPacer } from './read-pacer';
import { grantOf, openStreamSocket, streamSocketUrl, waitForSocketClose, type StreamSocket } from './stream-socket';

export * from './stream-contract';

/** close() waits at most this long (1 s) for the terminated socket to report it is gone. */
const CLOSE_WAIT_MS = 1000;

/** Keeps one DSS stream connected; see the module comment for the delivery rules. */
export class StreamClient extends StreamEmitter {
  private readonly options: StreamClientOptions;
  private readonly heartbeatTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly authRetryDelayMs: number;
  private readonly maxPayloadBytes: number;
  private readonly backoff: Backoff;

  private currentState: StreamState = 'closed';
  /** Frames → events, and the seq bookkeeping (`docs/protocol.md` §9). */
  private readonly reader: FrameReader;
  /** The next wait after the socket was replaced by another reader; doubles per replacement. */
  private replacedDelayMs: number;
  private started = false;
  private closing = false;
  private closePromise: Promise<void> | null = null;
  /** Bumped per connection attempt and on close: callbacks of older attempts see they are stale. */
  private attemptId = 0;
  private connectAttempts = 0;

  private connection: StreamSocket | null = null;
  private socketOpen = false;
  /** Events delivered on the current socket: a connection that made progress earns a fresh backoff. */
  private eventsOnSocket = 0;
  private connectTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  /** Set by pause(): the socket is not read and the watchdog does not run. */
  private pausedByConsumer = false;
  /** Read pacing (`read-pacer.ts`): while it yields, the socket is not read but the watchdog runs. */
  private readonly pacing = new PacedReading({ pauseSocket: () => this.connection?.socket.pause(), sliceEnded: () => this.onSliceEnd() });
  /** Stops handing held messages over: paused, closing, or the slice is used up (then it yields). */
  private readonly stopReleasing = () => this.pausedByConsumer || this.closing || !this.pacing.take();

  /** @param options - see {@link StreamClientOptions}. Nothing happens until {@link start}. */
  constructor(options: StreamClientOptions) {
    super();
    this.options = { ...options };
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.authRetryDelayMs = options.authRetryDelayMs ?? DEFAULT_AUTH_RETRY_DELAY_MS;
    this.maxPayloadBytes = options.maxPayloadBytes ?? MAX_FRAME_BYTES;
    this.backoff = new Backoff(options.backoff);
    this.reader = new FrameReader(
      { eventType: options.eventType, maxPayloadBytes: this.maxPayloadBytes, startSeq: options.startSeq, maxSeqJump: options.maxSeqJump },
      {
        event: (info) => {
          this.eventsOnSocket++;
          this.emitSafely('event', info);
        },
        gap: (gap) => this.emitSafely('gap', gap),
        invalid: (error) => this.emitSafely('invalid', error),
        notice: (notice) => this.emitSafely('notice', notice),
      },
    );
    this.replacedDelayMs = options.replacedRetryDelayMs ?? DEFAULT_REPLACED_RETRY_DELAY_MS;
  }

  /** Counters since creation; see {@link StreamStats}. */
  get stats(): StreamStats {
    return this.reader.stats;
  }

  /** Current state; 'closed' before {@link start} and after {@link close}. */
  get state(): StreamState {
    return this.currentState;
  }

  /**
   * The stream's position: the seq of the last delivered valid event (or skipped unreadable
   * frame), never moved by an invalid or implausible one. The value to persist; null before any.
   */
  get position(): number | null {
    return this.reader.seqs.position;
  }

  /** True between {@link pause} and {@link resume}. The state stays what it is ('open' included). */
  get paused(): boolean {
    return this.pausedByConsumer;
  }

  /**
   * Stops reading the socket so a slow consumer holds the server back (TCP flow control)
   * instead of piling events up here; nothing is emitted until {@link resume}, which first
   * delivers, in order, what ws had already read. The watchdog is suspended and heartbeats go
   * unanswered, so a long pause may get the socket closed; resume then reconnects after the
   * position and the server's replay covers the rest. Allowed in any state, also before
   * {@link start}; a socket opened while paused stays paused. Idempotent.
   */
  pause(): void {
    if (this.pausedByConsumer || this.closing) return;
    this.pausedByConsumer = true;
    this.clearTimer('watchdog');
    // ws ignores pause() during the handshake; onOpen pauses the socket then.
    this.connection?.socket.pause();
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
    this.reader.releaseHeld(this.stopReleasing);
    if (this.pausedByConsumer || this.closing) return;
    const connection = this.connection;
    if (connection && this.socketOpen) {
      this.startWatchdog(connection);
      if (!this.pacing.yielding) connection.socket.resume();
    }
  }

  /**
   * Paces reading with the runtime's {@link ReadPacer} (flow control sets it; null = none): once
   * a slice is used up, the socket is not read until Node-RED has delivered what it was handed
   * (`docs/protocol.md` §5.9). Held messages are read first, in order.
   */
  setPacer(pacer: ReadPacer | null): void {
    this.pacing.use(pacer);
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
    this.reader.dropHeld();
    const connection = this.connection;
    let gone: Promise<void> = Promise.resolve();
    if (connection) {
      gone = waitForSocketClose(connection.socket, CLOSE_WAIT_MS);
      this.dropSocket();
    }
    this.setState({ state: 'closed', reason: 'closed by the application' });
    this.closePromise = gone;
    return gone;
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
  private emitSafely(name: 'event' | 'gap' | 'invalid' | 'notice', payload: unknown): void {
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
    if (this.connectAttempts++ > 0) this.reader.stats.reconnects++;
    this.setState({ state: 'connecting', attempt: this.backoff.attempt });
    let grant: StreamKeyGrant;
    try {
      grant = grantOf(await this.options.getStreamKey());
    } catch (error) {
      if (!this.isStale(id)) this.keyFailed(error);
      return;
    }
    if (this.isStale(id)) return;
    this.openSocket(grant.streamKey.trim(), grant.readFromSeq, id);
  }

  private keyFailed(error: unknown): void {
    const causeCode = error instanceof CodedError ? error.code : undefined;
    const reason = `could not get a stream key: ${messageOf(error)}`;
    this.emitError(new StreamError('KEY_ERROR', reason, { causeCode, cause: error }));
    if (causeCode !== undefined && AUTH_ERROR_CODES.has(causeCode)) {
      const retryAfterMs = error instanceof AylaApiError ? (error.retryAfterMs ?? 0) : 0;
      this.scheduleRetry('auth-failed', Math.max(this.authRetryDelayMs, retryAfterMs), reason, causeCode);
    } else {
      this.scheduleRetry('reconnecting', this.backoff.next(), reason, causeCode ?? 'KEY_ERROR');
    }
  }

  private openSocket(key: string, readFromSeq: number | undefined, id: number): void {
    let connection: StreamSocket;
    const events = {
      open: () => {
        if (this.isStale(id)) return;
        this.clearTimer('connectTimer');
        this.socketOpen = true;
        this.eventsOnSocket = 0;
        this.backoff.connected(Date.now());
        this.setState({ state: 'open' });
        // Paused before or during the handshake: do not start reading (ws starts on the next tick).
        if (!this.pausedByConsumer) this.startWatchdog(connection);
        if (this.pausedByConsumer || this.pacing.yielding) connection.socket.pause();
      },
      message: (bytes: Buffer) => {
        if (this.isStale(id)) return;
        if (this.pausedByConsumer) {
          // The rest of a chunk ws had read before pause(): keep it, in order, for resume().
          this.reader.hold(bytes);
          return;
        }
        this.watchdog?.refresh();
        // Out of the pacer's allowance: keep it, in order, for the next slice.
        if (!this.pacing.take()) this.reader.hold(bytes);
        else this.handleMessage(connection, bytes);
      },
      // A ping or pong proves the peer is alive as much as a heartbeat does.
      alive: () => this.watchdog?.refresh(),
      refused: (status: number) => {
        if (status === 401) {
          this.fail(connection, 'AUTH_REFUSED', 'the stream refused the key (HTTP 401): unknown, deleted or suspended subscription', { status });
        } else this.fail(connection, 'UPGRADE_FAILED', `the stream refused the upgrade with HTTP ${status}`, { status });
      },
      error: (error: Error & { code?: string }) => {
        if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' && !this.isStale(id)) {
          // While paused, events before it may still be held: skip its seq in that order.
          if (this.pausedByConsumer || this.pacing.yielding) this.reader.hold('oversized');
          else this.reader.skipOversized();
        }
        const code: StreamErrorCode = this.socketOpen ? 'CONNECTION_LOST' : 'CONNECTION_ERROR';
        const detail = error.code ? `${error.message} (${error.code})` : error.message;
        this.fail(connection, code, `${this.socketOpen ? 'stream connection broke' : 'cannot connect to the stream'}: ${detail}`, { cause: error });
      },
      closed: (closeCode: number, reason: string) => {
        // Quote a short excerpt of the server's reason, never the key should it echo it.
        const text = reason.length > 0 ? `: "${excerptOf(reason.split(key).join('…'))}"` : '';
        if (this.socketOpen && closeCode === CLOSE_CODE_REPLACED) {
          this.fail(connection, 'REPLACED', `another client opened this stream key and the server closed this socket (code ${closeCode}${text})`);
        } else if (this.socketOpen) this.fail(connection, 'CONNECTION_LOST', `the stream was closed (code ${closeCode}${text})`);
        else this.fail(connection, 'CONNECTION_ERROR', `the stream connection closed during the handshake (code ${closeCode}${text})`);
      },
    };
    try {
      // seq_start when there is a position to resume after.
      const url = streamSocketUrl(this.options.streamUrl, key, this.reader.startSeqFor(key, readFromSeq));
      connection = openStreamSocket(url, this.maxPayloadBytes, events);
    } catch (error) {
      // A malformed stream URL: retrying cannot fix it, but backoff keeps it from spinning.
      this.emitError(new StreamError('CONNECTION_ERROR', `cannot connect to the stream URL: ${messageOf(error)}`, { cause: error }));
      this.scheduleRetry('reconnecting', this.backoff.next(), 'invalid stream URL', 'CONNECTION_ERROR');
      return;
    }
    this.connection = connection;
    this.socketOpen = false;
    this.connectTimer = setTimeout(() => {
      this.fail(connection, 'CONNECT_TIMEOUT', `the stream handshake did not complete within ${this.connectTimeoutMs} ms`);
    }, this.connectTimeoutMs);
  }

  private startWatchdog(connection: StreamSocket): void {
    this.clearTimer('watchdog');
    this.watchdog = setTimeout(() => {
      this.fail(connection, 'HEARTBEAT_TIMEOUT', `no frame from the stream for ${this.heartbeatTimeoutMs} ms; connection presumed dead`);
    }, this.heartbeatTimeoutMs);
  }

  /** Handles the end of a connection (once per socket): report, clean up, schedule the next attempt. */
  private fail(connection: StreamSocket, code: StreamErrorCode, message: string, extra: { status?: number; cause?: unknown } = {}): void {
    if (connection !== this.connection || this.closing) return;
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
    else if (code === 'REPLACED') {
      const delayMs = this.replacedDelayMs;
      this.replacedDelayMs = Math.min(MAX_REPLACED_RETRY_DELAY_MS, delayMs * 2);
      this.scheduleRetry('reconnecting', delayMs, message, code);
    } else this.scheduleRetry('reconnecting', this.backoff.next(), message, code);
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
    const connection = this.connection;
    this.connection = null;
    this.socketOpen = false;
    connection?.drop();
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

  private handleMessage(connection: StreamSocket, bytes: Buffer): void {
    if (this.reader.read(bytes) === 'heartbeat') connection.answerHeartbeat();
  }

  /** The pacer's next slice: read what was held (answering held heartbeats), then the socket again. */
  private onSliceEnd(): void {
    if (this.pausedByConsumer || this.closing) return;
    // Held for a moment by pacing, not by a pause: the server still waits for the answer.
    this.reader.releaseHeld(this.stopReleasing, () => (this.socketOpen ? this.connection?.answerHeartbeat() : undefined));
    if (this.pausedByConsumer || this.closing || this.pacing.yielding) return;
    if (this.connection && this.socketOpen) this.connection.socket.resume();
  }
}
