/**
 * Reconnect delays: exponential growth with a cap and random jitter, so that many clients
 * dropped at the same moment (a server restart) do not all come back at the same moment.
 */

/** First retry waits about this long (1 s). */
export const DEFAULT_INITIAL_DELAY_MS = 1000;
/** No retry waits longer than this (60 s). */
export const DEFAULT_MAX_DELAY_MS = 60_000;
/** Each further attempt multiplies the delay by this. */
export const DEFAULT_BACKOFF_FACTOR = 2;
/** Up to this fraction of a delay is taken away at random (0.3 = up to 30 % shorter). */
export const DEFAULT_JITTER = 0.3;
/** A connection that stayed up this long (30 s) counts as healthy: the attempt count starts over. */
export const DEFAULT_STABLE_AFTER_MS = 30_000;

export interface BackoffOptions {
  /** Delay before the first retry in ms; default {@link DEFAULT_INITIAL_DELAY_MS} (1000). */
  initialDelayMs?: number;
  /** Upper bound of any delay in ms; default {@link DEFAULT_MAX_DELAY_MS} (60000). */
  maxDelayMs?: number;
  /** Growth per attempt; default {@link DEFAULT_BACKOFF_FACTOR} (2). */
  factor?: number;
  /** Fraction of the delay that may be removed at random, 0..1; default {@link DEFAULT_JITTER} (0.3). */
  jitter?: number;
  /** Uptime in ms after which a connection counts as stable; default {@link DEFAULT_STABLE_AFTER_MS} (30000). */
  stableAfterMs?: number;
  /** Random source in [0, 1); default `Math.random`. Injected by tests. */
  random?: () => number;
}

function finiteOr(value: number | undefined, fallback: number, min: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min ? value : fallback;
}

/**
 * The delay in ms before retry number `attempt` (0 = the first retry).
 *
 * The un-jittered delay is `initialDelayMs * factor^attempt`, capped at `maxDelayMs`. Jitter
 * only ever shortens it, by up to `jitter` of its length, so the result lies in
 * `[capped * (1 - jitter), capped]` and never exceeds the cap. (Jitter that could also lengthen
 * the delay would have to be clipped at the cap, and clipping piles every client up at exactly
 * the cap — the synchronised storm jitter is meant to avoid.)
 */
export function nextDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = finiteOr(options.initialDelayMs, DEFAULT_INITIAL_DELAY_MS, 0);
  const max = Math.max(initial, finiteOr(options.maxDelayMs, DEFAULT_MAX_DELAY_MS, 0));
  const factor = finiteOr(options.factor, DEFAULT_BACKOFF_FACTOR, 1);
  const jitter = Math.min(1, finiteOr(options.jitter, DEFAULT_JITTER, 0));
  const random = options.random ?? Math.random;
  const step = Math.max(0, Math.floor(Number.isFinite(attempt) ? attempt : 0));
  // factor^step overflows to Infinity for large steps, which the cap absorbs.
  const capped = Math.min(max, initial * Math.pow(factor, step));
  const fraction = Math.min(1, Math.max(0, random()));
  return Math.round(capped * (1 - jitter * fraction));
}

/**
 * Stateful backoff for one connection: counts attempts, and starts over once a connection
 * has stayed up for `stableAfterMs`. A connection that drops again quickly keeps counting, so
 * a server that accepts and immediately closes does not get hammered at the initial delay.
 */
export class Backoff {
  private attempts = 0;
  private connectedAt: number | null = null;
  private readonly options: BackoffOptions;
  private readonly stableAfterMs: number;

  /** @param options - see {@link BackoffOptions}; the defaults give 1 s, 2 s, 4 s … 60 s, minus up to 30 %. */
  constructor(options: BackoffOptions = {}) {
    this.options = { ...options };
    this.stableAfterMs = finiteOr(options.stableAfterMs, DEFAULT_STABLE_AFTER_MS, 0);
  }

  /** The delay in ms before the next retry; each call counts one more attempt. */
  next(): number {
    const delay = nextDelay(this.attempts, this.options);
    this.attempts++;
    return delay;
  }

  /** Retries handed out since the last reset (0 before the first {@link next}). */
  get attempt(): number {
    return this.attempts;
  }

  /** Records that a connection is up, at `nowMs` (epoch or any monotonic ms clock). */
  connected(nowMs: number): void {
    this.connectedAt = nowMs;
  }

  /**
   * Records that the connection went down at `nowMs`. When it had been up for at least
   * `stableAfterMs`, the attempt count starts over (the next delay is the initial one).
   */
  disconnected(nowMs: number): void {
    if (this.connectedAt !== null && nowMs - this.connectedAt >= this.stableAfterMs) this.attempts = 0;
    this.connectedAt = null;
  }

  /** Starts over: the next delay is the initial one. */
  reset(): void {
    this.attempts = 0;
    this.connectedAt = null;
  }
}
