/**
 * The per-account limit on datapoint writes (`docs/protocol.md` §7.5): a token
 * bucket of `rate` writes per second (bursts up to `rate`), with a first-in first-out queue for
 * writes over the rate that holds at most {@link MAX_QUEUE_SECONDS} seconds' worth of them.
 * Beyond that a write is refused at once (`WRITE_RATE_LIMITED`) and never sent: a loop in a flow
 * then costs the cloud `rate` writes a second and the runtime a bounded queue, not an ever
 * longer one.
 */
import { DeviceError } from './device-errors';

/** The queue holds at most this many seconds of writes at the current rate (10 s). */
export const MAX_QUEUE_SECONDS = 10;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** Options of {@link WriteLimiter}. */
export interface WriteLimiterOptions {
  /** Writes per second, read on every call (the account's latest setting wins). */
  rate: () => number;
  /** Clock in epoch ms; default `Date.now`. */
  now?: () => number;
}

/** See the module comment. One per account identity. */
export class WriteLimiter {
  private tokens: number | null = null;
  private refilledAt = 0;
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(private readonly options: WriteLimiterOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Writes waiting for their turn. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Resolves when a write may be sent now.
   *
   * @throws {@link DeviceError} `WRITE_RATE_LIMITED` (params `rate`, `queued`) when the queue is full;
   *   the signal's reason when it aborts while waiting
   */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const rate = this.rate();
    this.refill(rate);
    if (this.queue.length === 0 && (this.tokens ?? 0) >= 1) {
      this.tokens = (this.tokens ?? 0) - 1;
      return Promise.resolve();
    }
    const capacity = rate * MAX_QUEUE_SECONDS;
    if (this.queue.length >= capacity) {
      return Promise.reject(
        new DeviceError('WRITE_RATE_LIMITED', `more than ${capacity} writes are waiting for this account's limit of ${rate} per second; not written`, {
          params: { rate, queued: this.queue.length },
          outcome: 'not-written',
        }),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.queue.indexOf(waiter);
          if (index !== -1) this.queue.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.schedule(rate);
    });
  }

  /** Rejects every waiting write with `reason` and stops the timer. */
  close(reason: unknown): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const waiter of this.queue.splice(0)) {
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.reject(reason);
    }
  }

  private rate(): number {
    const rate = this.options.rate();
    return Number.isFinite(rate) && rate > 0 ? rate : 1;
  }

  private refill(rate: number): void {
    const now = this.now();
    // A new bucket starts full: the first `rate` writes of a burst go at once.
    if (this.tokens === null) this.tokens = rate;
    else this.tokens = Math.min(rate, this.tokens + ((now - this.refilledAt) / 1000) * rate);
    this.refilledAt = now;
  }

  private schedule(rate: number): void {
    if (this.timer || this.queue.length === 0) return;
    const missing = 1 - (this.tokens ?? 0);
    const waitMs = Math.max(1, Math.ceil((missing / rate) * 1000));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.release();
    }, waitMs);
  }

  private release(): void {
    const rate = this.rate();
    this.refill(rate);
    while (this.queue.length > 0 && (this.tokens ?? 0) >= 1) {
      this.tokens = (this.tokens ?? 0) - 1;
      const waiter = this.queue.shift() as Waiter;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }
    this.schedule(rate);
  }
}
