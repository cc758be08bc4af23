/**
 * What a {@link StreamClient} (`stream.ts`) promises and reports: its options, the states,
 * events, notices and errors it emits, and its counters. Types and constants only.
 */
import { EventEmitter } from 'node:events';
import { CodedError } from './errors';
import type { EventValidationError, AylaEvent, EventType } from './events';
import type { FrameError } from './frames';
import type { BackoffOptions } from './backoff';

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'auth-failed';

/** No frame at all for this long (90 s = three 30 s heartbeats) means the connection is dead. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 90_000;
/** The WebSocket handshake must complete within this (15 s). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
/** After an authentication failure, wait this long (60 s) before asking for a key again. */
export const DEFAULT_AUTH_RETRY_DELAY_MS = 60_000;
/** After the socket was replaced by another reader (close 4000), wait this long first (30 s). */
export const DEFAULT_REPLACED_RETRY_DELAY_MS = 30_000;
/** The wait after repeated replacements doubles up to this (10 min). */
export const MAX_REPLACED_RETRY_DELAY_MS = 10 * 60_000;
/** WebSocket close code of a socket replaced by a newer one on the same key (`docs/protocol.md` §5). */
export const CLOSE_CODE_REPLACED = 4000;

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
  /** First seq wanted on the first connect (a persisted position + 1); later connects follow the {@link SeqTracker}. */
  startSeq?: number;
  /** A forward seq jump larger than this is implausible (see {@link SeqTracker}); default 100000. */
  maxSeqJump?: number;
  /** First wait after the socket was replaced by another reader, ms; default {@link DEFAULT_REPLACED_RETRY_DELAY_MS}. */
  replacedRetryDelayMs?: number;
  /** Largest accepted message in bytes (ws `maxPayload`); default MAX_FRAME_BYTES (1 MiB). */
  maxPayloadBytes?: number;
}

/** What an `'event'` listener receives. */
export interface StreamEventInfo {
  event: AylaEvent;
  seq: number;
  /** The event's JSON text as received. */
  json: string;
  /** True when the seq jumped implausibly far ahead: delivered, but the position did not move. */
  suspect?: true;
}

/** Something worth one warning that loses no event. */
export type StreamNotice =
  /** A valid event's seq jumped implausibly far; it was delivered, the position stayed. */
  | { code: 'SEQ_JUMP'; expected: number; received: number }
  /** The stream renumbered: the position followed the jump from `from` to `to`. */
  | { code: 'SEQ_RENUMBERED'; from: number; to: number }
  /** A frame's LEN prefix disagreed with its length; its payload was still usable (`docs/protocol.md` §5.2). */
  | { code: 'LEN_PREFIX_MISMATCH'; declared: string; bytes: number };

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
/** Stable codes of connection-level failures ({@link StreamError}). */
export const STREAM_ERROR_CODES = [
  /** The upgrade was refused with HTTP 401: unknown, deleted or suspended stream key. */
  'AUTH_REFUSED',
  /** The upgrade was refused with another HTTP status. */
  'UPGRADE_FAILED',
  /** The handshake did not complete within connectTimeoutMs. */
  'CONNECT_TIMEOUT',
  /** The connection could not be made (refused, DNS, TLS…). */
  'CONNECTION_ERROR',
  /** An open connection was closed or broke. */
  'CONNECTION_LOST',
  /** No frame for heartbeatTimeoutMs: the connection was presumed dead and terminated. */
  'HEARTBEAT_TIMEOUT',
  /** getStreamKey failed; `causeCode` holds the underlying error's code, if any. */
  'KEY_ERROR',
  /** Another client opened the same stream key and the server closed this socket (code 4000). */
  'REPLACED',
  /** An 'event', 'gap' or 'invalid' listener threw; the stream goes on. */
  'LISTENER_ERROR',
] as const;

/** One of {@link STREAM_ERROR_CODES}. */
export type StreamErrorCode = (typeof STREAM_ERROR_CODES)[number];

/** A connection-level failure. Messages never contain the stream key. */
export class StreamError extends CodedError<StreamErrorCode> {
  /** HTTP status of a refused upgrade. */
  readonly status?: number;
  /** Code of the underlying error (for KEY_ERROR: BAD_CREDENTIALS, NETWORK_ERROR…). */
  readonly causeCode?: string;

  constructor(code: StreamErrorCode, message: string, options: { status?: number; causeCode?: string; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause });
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
  /** Malformed frames and invalid events (replays of an already reported one not counted). */
  invalid: number;
  /** Frames whose LEN prefix disagreed with their length but whose event was usable. */
  lengthMismatches: number;
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
  notice: (notice: StreamNotice) => void;
  error: (error: StreamError) => void;
}

/** An EventEmitter whose `on` and `once` know the listener of each {@link StreamClientEvents} event. */
export class StreamEmitter extends EventEmitter {
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
}
