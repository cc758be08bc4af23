/**
 * When a device-service request is tried again (`docs/protocol.md` §7.4): only
 * after an answer that says the service did not act — 429, 502, 503 or 504 — at most
 * {@link MAX_RETRIES} times, after `Retry-After` when the answer has one (up to
 * {@link MAX_RETRY_AFTER_MS}) or else after an exponential backoff. Everything else is final,
 * and a request without an answer is never repeated here: for a write its outcome is unknown,
 * and only the flow may decide to send it again.
 */
import { DeviceError } from './device-errors';

/** Statuses that come from gateways and rate limiters before the service acts: safe to repeat. */
export const RETRIED_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);
/** Retries after the first attempt (so at most four requests). */
export const MAX_RETRIES = 3;
/** First backoff delay without `Retry-After` (500 ms), doubled for each further retry. */
export const RETRY_BASE_DELAY_MS = 500;
/** Longest backoff delay without `Retry-After` (4 s). */
export const RETRY_MAX_DELAY_MS = 4000;
/** Backoff delays are up to this share shorter, so many writers do not retry in step. */
export const RETRY_JITTER = 0.2;
/**
 * The longest `Retry-After` honoured (30 s). A service that asks for more is not retried at
 * all: waiting less than it asked would be ignoring it, waiting longer would hold a flow's
 * message for minutes. The error says when to try again.
 */
export const MAX_RETRY_AFTER_MS = 30_000;

/**
 * `Retry-After` in ms: delta-seconds (`"5"`) or an HTTP date. Null when absent or unreadable;
 * a date in the past is 0.
 *
 * @param nowMs - the current time (epoch ms), for HTTP dates
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | null {
  const value = (header ?? '').trim();
  if (value === '') return null;
  if (/^\d{1,9}$/.test(value)) return Number(value) * 1000;
  // Every HTTP date form names its month (and weekday); `Date.parse` alone would take "-3" for a year.
  if (!/[A-Za-z]{3}/.test(value)) return null;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/** The backoff before retry number `retry` (1 = the first retry), with jitter from `random` (0..1). */
export function backoffDelay(retry: number, random: () => number = Math.random): number {
  const full = Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** Math.max(0, retry - 1));
  return Math.round(full * (1 - RETRY_JITTER * random()));
}

/** What to do after a failed answer. */
export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: 'final' | 'exhausted' | 'retry-after-too-long' };

/**
 * The decision after an answer with `status`, when `retriesSoFar` retries were already made.
 *
 * @param retryAfterMs - the answer's `Retry-After`, from {@link parseRetryAfter}
 */
export function retryDecision(status: number, retriesSoFar: number, retryAfterMs: number | null, random: () => number = Math.random): RetryDecision {
  if (!RETRIED_STATUSES.has(status)) return { retry: false, reason: 'final' };
  if (retriesSoFar >= MAX_RETRIES) return { retry: false, reason: 'exhausted' };
  if (retryAfterMs !== null && retryAfterMs > MAX_RETRY_AFTER_MS) return { retry: false, reason: 'retry-after-too-long' };
  return { retry: true, delayMs: retryAfterMs ?? backoffDelay(retriesSoFar + 1, random) };
}

/** One attempt's result: a value, or an answer with a status (which {@link retryDecision} judges). */
export type AttemptResult<T> = { ok: true; value: T } | { ok: false; status: number; retryAfterMs: number | null; error: DeviceError };

/** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` (1, 2, …) until it succeeds or {@link retryDecision} says stop. A thrown error
 * ends the loop at once (no answer: not retried here, see the module comment).
 *
 * @returns the value and how many requests it took
 * @throws the final attempt's {@link DeviceError}, or `DEVICE_SERVICE_BUSY` (params `status`,
 *   `attempts`, and `retryAfter` in seconds when the service asked for too long a pause)
 */
export async function runWithRetries<T>(
  attempt: (number: number) => Promise<AttemptResult<T>>,
  options: { signal?: AbortSignal; random?: () => number } = {},
): Promise<{ value: T; attempts: number }> {
  for (let number = 1; ; number++) {
    const result = await attempt(number);
    if (result.ok) return { value: result.value, attempts: number };
    const decision = retryDecision(result.status, number - 1, result.retryAfterMs, options.random);
    if (decision.retry) {
      await delay(decision.delayMs, options.signal);
      continue;
    }
    if (decision.reason === 'final') throw result.error;
    const params: Record<string, number> = { status: result.status, attempts: number };
    if (decision.reason === 'retry-after-too-long' && result.retryAfterMs !== null) params.retryAfter = Math.ceil(result.retryAfterMs / 1000);
    const why = decision.reason === 'exhausted' ? `still HTTP ${result.status} after ${number} attempts` : `HTTP ${result.status}, asked to wait ${params.retryAfter} s`;
    throw new DeviceError('DEVICE_SERVICE_BUSY', `the device service is busy (${why})`, { params, status: result.status, outcome: 'not-written', cause: result.error });
  }
}
