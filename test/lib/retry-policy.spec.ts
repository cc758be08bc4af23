/**
 * The device service's retry policy (nodes/lib/retry-policy.ts, docs/protocol.md §7.4) with fake
 * timers: which answers are retried, how long it waits (backoff, Retry-After and its cap), how
 * many times, and that a request without an answer is never repeated.
 */
import { strict as assert } from 'node:assert';
import FakeTimers from '@sinonjs/fake-timers';
import { DeviceError } from '../../nodes/lib/device-errors';
import {
  backoffDelay,
  MAX_RETRIES,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  retryDecision,
  runWithRetries,
  type AttemptResult,
} from '../../nodes/lib/retry-policy';

const busy = (status: number, retryAfterMs: number | null = null): AttemptResult<string> => ({
  ok: false,
  status,
  retryAfterMs,
  error: new DeviceError(status === 500 ? 'DEVICE_SERVICE_ERROR' : 'DEVICE_SERVICE_BUSY', `HTTP ${status}`, { status }),
});

describe('retry policy', () => {
  describe('parseRetryAfter', () => {
    const now = Date.parse('2026-03-01T10:00:00Z');
    it('reads delta-seconds and HTTP dates, and nothing else', () => {
      assert.equal(parseRetryAfter('5', now), 5000);
      assert.equal(parseRetryAfter(' 0 ', now), 0);
      assert.equal(parseRetryAfter('Sun, 01 Mar 2026 10:00:12 GMT', now), 12_000);
      assert.equal(parseRetryAfter('Sun, 01 Mar 2026 09:00:00 GMT', now), 0, 'a date in the past');
      for (const value of [null, undefined, '', 'soon', '-3', '1.5']) assert.equal(parseRetryAfter(value as string | null, now), null, String(value));
    });
  });

  describe('retryDecision', () => {
    it('retries 429, 502, 503 and 504 only', () => {
      for (const status of [429, 502, 503, 504]) assert.equal(retryDecision(status, 0, null, () => 0).retry, true, String(status));
      for (const status of [400, 401, 403, 404, 422, 500, 501, 301]) assert.deepEqual(retryDecision(status, 0, null), { retry: false, reason: 'final' }, String(status));
    });

    it('stops after three retries', () => {
      assert.equal(MAX_RETRIES, 3);
      assert.equal(retryDecision(503, 2, null).retry, true);
      assert.deepEqual(retryDecision(503, 3, null), { retry: false, reason: 'exhausted' });
    });

    it('waits Retry-After when given, up to 30 s, and does not retry when asked for longer', () => {
      assert.deepEqual(retryDecision(429, 0, 7000), { retry: true, delayMs: 7000 });
      assert.deepEqual(retryDecision(503, 0, MAX_RETRY_AFTER_MS), { retry: true, delayMs: 30_000 });
      assert.deepEqual(retryDecision(429, 0, MAX_RETRY_AFTER_MS + 1), { retry: false, reason: 'retry-after-too-long' });
    });

    it('backs off 0.5, 1 and 2 s without Retry-After, up to 20 % shorter', () => {
      assert.deepEqual([1, 2, 3].map((retry) => backoffDelay(retry, () => 0)), [500, 1000, 2000]);
      assert.deepEqual([1, 2, 3].map((retry) => backoffDelay(retry, () => 1)), [400, 800, 1600]);
      assert.equal(backoffDelay(10, () => 0), 4000, 'capped');
    });
  });

  describe('runWithRetries', () => {
    let clock: ReturnType<typeof FakeTimers.install>;
    beforeEach(() => {
      clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    });
    afterEach(() => clock.uninstall());

    /** Runs `attempts` (one answer per attempt) through the loop; records when each attempt was made. */
    async function run(answers: Array<AttemptResult<string> | Error>): Promise<{ result: Promise<{ value: string; attempts: number }>; times: number[] }> {
      const times: number[] = [];
      const start = Date.now();
      const result = runWithRetries<string>(
        async (number) => {
          times.push(Date.now() - start);
          const answer = answers[number - 1];
          if (answer instanceof Error) throw answer;
          return answer;
        },
        { random: () => 0 },
      );
      result.catch(() => undefined /* inspected by the test */);
      await clock.runAllAsync();
      return { result, times };
    }

    it('retries after the backoff and returns the value and the number of requests', async () => {
      const { result, times } = await run([busy(503), busy(502), { ok: true, value: 'done' }]);
      assert.deepEqual(await result, { value: 'done', attempts: 3 });
      assert.deepEqual(times, [0, 500, 1500]);
    });

    it('honours Retry-After', async () => {
      const { result, times } = await run([busy(429, 3000), { ok: true, value: 'done' }]);
      assert.deepEqual(await result, { value: 'done', attempts: 2 });
      assert.deepEqual(times, [0, 3000]);
    });

    it('gives up after four requests with DEVICE_SERVICE_BUSY, not written', async () => {
      const { result, times } = await run([busy(503), busy(503), busy(503), busy(503), { ok: true, value: 'never' }]);
      await assert.rejects(result, (error: DeviceError) => error.code === 'DEVICE_SERVICE_BUSY' && error.params.attempts === 4 && error.outcome === 'not-written');
      assert.equal(times.length, 4);
    });

    it('does not wait for a Retry-After beyond the cap, and says how long was asked', async () => {
      const { result, times } = await run([busy(429, 120_000)]);
      await assert.rejects(result, (error: DeviceError) => error.code === 'DEVICE_SERVICE_BUSY' && error.params.retryAfter === 120);
      assert.deepEqual(times, [0]);
    });

    it('passes a final answer and a request without an answer through at once, unrepeated', async () => {
      const final = await run([busy(500)]);
      await assert.rejects(final.result, (error: DeviceError) => error.code === 'DEVICE_SERVICE_ERROR');
      assert.equal(final.times.length, 1);
      const lost = await run([new DeviceError('WRITE_OUTCOME_UNKNOWN', 'no answer', { outcome: 'unknown' }), { ok: true, value: 'never' }]);
      await assert.rejects(lost.result, (error: DeviceError) => error.code === 'WRITE_OUTCOME_UNKNOWN');
      assert.equal(lost.times.length, 1);
    });
  });
});
