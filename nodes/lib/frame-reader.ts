/**
 * What happens to each WebSocket message of a stream, apart from the socket: bytes → UTF-8
 * check → frame → heartbeat or event → validation → seq verdict ({@link SeqTracker}) → one
 * call of the sink. Parsed once, validated once, seq read once (`docs/protocol.md` §5, §9).
 */
import { isUtf8 } from 'node:buffer';
import { EventValidationError, validateEvent, type AylaEvent, type EventType } from './events';
import { FrameError, excerptOf, parseEventFrameBytes, parseFrame } from './frames';
import { SeqTracker } from './seq-tracker';
import type { StreamEventInfo, StreamGap, StreamNotice, StreamStats } from './stream-contract';

/** Where a {@link FrameReader} reports what it read. */
export interface FrameSink {
  event(info: StreamEventInfo): void;
  gap(gap: StreamGap): void;
  invalid(error: FrameError | EventValidationError): void;
  notice(notice: StreamNotice): void;
}

/** Options of {@link FrameReader}. */
export interface FrameReaderOptions {
  /** When set, events of other types are invalid. */
  eventType?: EventType;
  /** Largest accepted message, bytes. */
  maxPayloadBytes: number;
  /** First seq wanted (a persisted position + 1); undefined starts live. */
  startSeq?: number;
  /** See {@link SeqTracker}. */
  maxSeqJump?: number;
}

/** What one message turned out to be, for the socket side. */
export type ReadResult = 'heartbeat' | 'keepalive' | 'event' | 'duplicate' | 'invalid';

/** seq as a safe integer, or null when it cannot be read (for events that failed validation). */
function readableSeq(data: unknown): number | null {
  if (data === null || typeof data !== 'object') return null;
  const seq = (data as { seq?: unknown }).seq;
  let value: number;
  if (typeof seq === 'string' && /^[0-9]{1,16}$/.test(seq)) value = Number(seq);
  else if (typeof seq === 'number') value = seq;
  else return null;
  return Number.isSafeInteger(value) && value >= 0 ? value : null;
}

function invalidUtf8(excerpt: string): FrameError {
  return new FrameError('INVALID_UTF8', 'malformed DSS frame (not valid UTF-8)', excerpt);
}

/**
 * What ws still hands over after the client paused (the rest of a chunk it had already read),
 * kept in arrival order until the client reads again. `oversized` marks a message ws refused
 * for its size, so that its seq is skipped at the right place in the order.
 */
type HeldMessage = Buffer | 'oversized';

/** Reads the messages of one stream in order; see the module comment. */
export class FrameReader {
  /** Counters since creation (the client adds reconnects). */
  readonly stats: StreamStats = { frames: 0, events: 0, heartbeats: 0, duplicates: 0, invalid: 0, lengthMismatches: 0, reconnects: 0 };
  /** Position, expected seq, duplicates, gaps and implausible jumps. */
  readonly seqs: SeqTracker;
  /** Messages held during a pause; bounded by what ws had read before it stopped. */
  private held: HeldMessage[] = [];
  /** True while held messages are handed over (guards against re-entrant release). */
  private releasing = false;
  /** The stream key being read; null before the first connect. */
  private key: string | null = null;

  constructor(
    private readonly options: FrameReaderOptions,
    private readonly sink: FrameSink,
  ) {
    this.seqs = new SeqTracker({ startSeq: options.startSeq, maxJump: options.maxSeqJump });
  }

  /** Reads one WebSocket message. A `'heartbeat'` result needs an answer on the socket. */
  read(bytes: Buffer): ReadResult {
    this.stats.frames++;
    // Decoded with replacement characters whatever the bytes: a frame that is not UTF-8 is
    // still read far enough to learn its seq, then reported and skipped (docs/protocol.md §9).
    const utf8 = isUtf8(bytes);
    if (utf8) {
      // The usual frame (LEN right, JSON payload): decoded and parsed once, from the bytes.
      const event = parseEventFrameBytes(bytes, this.options.maxPayloadBytes);
      if (event !== null) return this.readEvent(event.json, event.data);
    }
    let frame;
    try {
      frame = parseFrame(bytes.toString('utf8'), { maxBytes: this.options.maxPayloadBytes });
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      return this.reportInvalid(utf8 ? error : invalidUtf8(error.excerpt), null);
    }
    if (frame.lengthMismatch) {
      this.stats.lengthMismatches++;
      this.sink.notice({ code: 'LEN_PREFIX_MISMATCH', declared: frame.lengthMismatch.declaredText, bytes: frame.lengthMismatch.bytes });
    }
    if (frame.kind === 'heartbeat') {
      this.stats.heartbeats++;
      return 'heartbeat';
    }
    if (frame.kind === 'keepalive') return 'keepalive';
    if (!utf8) return this.reportInvalid(invalidUtf8(excerptOf(frame.json)), readableSeq(frame.data));
    return this.readEvent(frame.json, frame.data);
  }

  /**
   * The seq to ask for (`seq_start`) when connecting with `key`; null to start live. seq is
   * counted per stream key: a new key (a re-created subscription) starts a new sequence, so
   * the old position means nothing there. `readFromSeq` (a key grant) says where to read
   * whatever the position. Messages held from before either belong to the old sequence.
   */
  startSeqFor(key: string, readFromSeq: number | undefined): number | null {
    if (this.key !== null && key !== this.key) {
      this.seqs.restartAt(null);
      this.dropHeld();
    }
    if (readFromSeq !== undefined) {
      this.seqs.restartAt(readFromSeq);
      this.dropHeld();
    }
    this.key = key;
    return this.seqs.nextSeq;
  }

  /** Keeps a message (or the mark of an oversized one) read while the client is paused. */
  hold(message: Buffer | 'oversized'): void {
    this.held.push(message);
  }

  /** Forgets held messages: they belong to a sequence the client has left (new key, new start). */
  dropHeld(): void {
    this.held = [];
  }

  /**
   * Reads the held messages, oldest first, until none is left or `stop()` says to (a listener
   * paused again). Held heartbeats are answered only through `answer` (read pacing, whose
   * socket is still open); after a pause they are not: their socket may be gone, and a live one
   * sends the next. Held messages of a socket that has since gone still count: they precede
   * anything a reconnect brings, and its replay of the same seqs is dropped as duplicates.
   */
  releaseHeld(stop: () => boolean, answer?: () => void): void {
    if (this.releasing) return;
    this.releasing = true;
    try {
      while (this.held.length > 0 && !stop()) {
        const next = this.held.shift() as HeldMessage;
        if (next === 'oversized') this.skipOversized();
        else if (this.read(next) === 'heartbeat') answer?.();
      }
    } finally {
      this.releasing = false;
    }
  }

  /**
   * ws refused a message above maxPayload and is closing the socket. Events arrive in seq
   * order, so that message was the next expected event: count it as invalid and skip its seq,
   * or every resume would fetch it again and fail the same way.
   */
  skipOversized(): void {
    this.stats.invalid++;
    this.seqs.skipUnreadable();
    this.sink.invalid(new FrameError('FRAME_TOO_LARGE', `malformed DSS frame (larger than ${this.options.maxPayloadBytes} bytes)`, ''));
  }

  private readEvent(json: string, data: unknown): ReadResult {
    let event: AylaEvent;
    try {
      event = validateEvent(data, this.options.eventType);
    } catch (error) {
      if (!(error instanceof EventValidationError)) throw error;
      return this.reportInvalid(error, readableSeq(data));
    }
    // The schema admits only seqs that are exact safe integers.
    const seq = typeof event.seq === 'number' ? event.seq : Number(event.seq);
    const verdict = this.seqs.accept(seq);
    if (verdict.action === 'duplicate') {
      this.stats.duplicates++;
      return 'duplicate';
    }
    if (verdict.action === 'deliver' && verdict.gap) this.sink.gap(verdict.gap);
    else if (verdict.action === 'deliver-suspect') this.sink.notice({ code: 'SEQ_JUMP', expected: verdict.expected, received: verdict.received });
    else if (verdict.action === 'deliver-renumbered') this.sink.notice({ code: 'SEQ_RENUMBERED', from: verdict.from, to: verdict.to });
    this.stats.events++;
    this.sink.event(verdict.action === 'deliver-suspect' ? { event, seq, json, suspect: true } : { event, seq, json });
    return 'event';
  }

  /** Reports an invalid frame or event once; a replay of one already reported counts as a duplicate. */
  private reportInvalid(error: FrameError | EventValidationError, seq: number | null): ReadResult {
    if (!this.seqs.invalid(seq)) {
      this.stats.duplicates++;
      return 'duplicate';
    }
    this.stats.invalid++;
    this.sink.invalid(error);
    return 'invalid';
  }
}
