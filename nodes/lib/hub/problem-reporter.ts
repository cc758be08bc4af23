/**
 * Turns what one shared stream's client reports (invalid frames, gaps, seq notices, connection
 * failures) into {@link StreamProblem}s for its listeners, so that no flood of bad input can
 * flood the log or the Catch nodes:
 * - invalid frames and gaps are capped per window ({@link MAX_PROBLEMS_PER_WINDOW} each per
 *   {@link PROBLEM_WINDOW_MS}); beyond the cap they still reach the listeners, `silent`, so
 *   statuses count them, and the next window opens with one SUPPRESSED summary line;
 * - a connection failure is reported once until its code changes or a connect succeeds, so a
 *   reconnect loop says what is wrong once;
 * - an event type the stream should not carry, a seq jump and a length mismatch: once each.
 *
 * The last few problems (code, level, time; silent ones included) are kept for the account's
 * diagnostics ({@link ProblemReporter.recent}).
 */
import type { EventValidationError } from '../events';
import type { FrameError } from '../frames';
import type { StreamGap, StreamNotice } from '../stream';
import type { StreamProblem } from './contract';

/** Codes of the problems this reporter adds to the clients' own (each has a catalog text). */
export const PROBLEM_CODES = ['GAP', 'SUPPRESSED', 'UNEXPECTED_EVENT_TYPE', 'SEQ_JUMP', 'SEQ_RENUMBERED', 'LEN_PREFIX_MISMATCH'] as const;

/** Reports of one kind per stream and window before the rest goes silent (10). */
export const MAX_PROBLEMS_PER_WINDOW = 10;
/** Window of the report cap (60 s). */
export const PROBLEM_WINDOW_MS = 60_000;
/** Problems kept for diagnostics, newest last (8). */
export const RECENT_PROBLEMS = 8;

/** A problem as the diagnostics show it: no parameters (they may quote frames), never a secret. */
export interface RecentProblem {
  /** Epoch ms. */
  at: number;
  level: StreamProblem['level'];
  code: string;
  /** Past the report cap: counted, not logged. */
  silent?: true;
}

/**
 * A connection that was up and broke, and will be resumed from its position: a warning, not
 * an error (the status shows the reconnect; a Status node can react to it).
 */
const TRANSIENT_CODES: ReadonlySet<string> = new Set(['CONNECTION_LOST', 'HEARTBEAT_TIMEOUT']);

/** A per-window cap on one kind of report; see the module comment. */
class CappedChannel {
  private windowStart = Number.NEGATIVE_INFINITY;
  private reported = 0;
  private suppressed = 0;

  constructor(
    private readonly kind: string,
    private readonly now: () => number,
    private readonly maxPerWindow: number,
    private readonly windowMs: number,
  ) {}

  /** Sends `problem`, or its silent form past the cap; opens a new window with a summary when due. */
  send(problem: StreamProblem, broadcast: (problem: StreamProblem) => void): void {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) broadcast({ level: 'warn', code: 'SUPPRESSED', params: { count: this.suppressed, kind: this.kind } });
      this.windowStart = now;
      this.reported = 0;
      this.suppressed = 0;
    }
    if (this.reported >= this.maxPerWindow) {
      this.suppressed += 1;
      broadcast({ ...problem, silent: true });
      return;
    }
    this.reported += 1;
    broadcast(problem);
  }
}

/** Options of {@link ProblemReporter}. */
export interface ProblemReporterOptions {
  /** Receives every problem, for all listeners of the stream. */
  broadcast: (problem: StreamProblem) => void;
  /** ms clock; default `Date.now`. */
  now?: () => number;
  /** Default {@link MAX_PROBLEMS_PER_WINDOW}. */
  maxPerWindow?: number;
  /** Default {@link PROBLEM_WINDOW_MS}. */
  windowMs?: number;
}

/** The problem reports of one shared stream; see the module comment. */
export class ProblemReporter {
  private readonly broadcast: (problem: StreamProblem) => void;
  private readonly now: () => number;
  private readonly recentProblems: RecentProblem[] = [];
  private readonly invalidFrames: CappedChannel;
  private readonly gaps: CappedChannel;
  private lastConnectionCode: string | null = null;
  private readonly reportedOnce = new Set<string>();

  /** @param options - see {@link ProblemReporterOptions}. */
  constructor(options: ProblemReporterOptions) {
    const now = options.now ?? Date.now;
    this.now = now;
    this.broadcast = (problem) => {
      this.remember(problem);
      options.broadcast(problem);
    };
    const max = options.maxPerWindow ?? MAX_PROBLEMS_PER_WINDOW;
    const windowMs = options.windowMs ?? PROBLEM_WINDOW_MS;
    this.invalidFrames = new CappedChannel('invalid', now, max, windowMs);
    this.gaps = new CappedChannel('gap', now, max, windowMs);
  }

  /** A malformed frame or an invalid event: an error listeners count. */
  invalid(error: FrameError | EventValidationError): void {
    this.invalidFrames.send({ level: 'error', code: error.code, error, params: { ...error.params }, invalid: true }, this.broadcast);
  }

  /** Seqs the server could not replay: one warning naming them. */
  gap(gap: StreamGap): void {
    const last = gap.received - 1;
    this.gaps.send({ level: 'warn', code: 'GAP', params: { expected: gap.expected, last, missing: gap.received - gap.expected } }, this.broadcast);
  }

  /** A seq jump, renumbering or length mismatch: one warning per kind for the stream's life. */
  notice(notice: StreamNotice): void {
    if (this.reportedOnce.has(notice.code)) return;
    this.reportedOnce.add(notice.code);
    const { code, ...params } = notice;
    this.broadcast({ level: 'warn', code, params });
  }

  /** Events of a type the stream should not carry (a key pasted into the wrong node type): once per type. */
  unexpectedType(eventType: string): void {
    const key = `UNEXPECTED_EVENT_TYPE:${eventType}`;
    if (this.reportedOnce.has(key)) return;
    this.reportedOnce.add(key);
    this.broadcast({ level: 'warn', code: 'UNEXPECTED_EVENT_TYPE', params: { eventType } });
  }

  /**
   * A connection-level failure: reported once until the code changes or {@link connected} is
   * called. Losing an established connection is a warning; anything else an error.
   */
  connectionFailed(code: string, error: Error): void {
    if (code === this.lastConnectionCode) return;
    this.lastConnectionCode = code;
    this.broadcast({ level: TRANSIENT_CODES.has(code) || code === 'REPLACED' ? 'warn' : 'error', code, error, params: {} });
  }

  /** A connect succeeded: the next connection failure is news again. */
  connected(): void {
    this.lastConnectionCode = null;
  }

  /** The last {@link RECENT_PROBLEMS} problems, oldest first (copies). */
  recent(): RecentProblem[] {
    return this.recentProblems.map((problem) => ({ ...problem }));
  }

  private remember(problem: StreamProblem): void {
    this.recentProblems.push({ at: this.now(), level: problem.level, code: problem.code, ...(problem.silent ? { silent: true as const } : {}) });
    if (this.recentProblems.length > RECENT_PROBLEMS) this.recentProblems.shift();
  }
}
