/**
 * The per-account write limit (nodes/lib/write-limiter.ts, docs/protocol.md §7.5) with fake
 * timers: a burst of `rate` at once, then one write per 1 / rate s in arrival order, a queue of
 * ten seconds' worth, refusals beyond it, and waiting writes that give up when their node closes.
 */
import { strict as assert } from 'node:assert';
import FakeTimers from '@sinonjs/fake-timers';
import { DeviceError } from '../../nodes/lib/device-errors';
import { MAX_QUEUE_SECONDS, WriteLimiter } from '../../nodes/lib/write-limiter';

describe('WriteLimiter', () => {
  let clock: ReturnType<typeof FakeTimers.install>;
  beforeEach(() => {
    clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.uninstall());

  /** Acquires `count` slots now; records when (ms after the start) each one was granted, or its error code. */
  function burst(limiter: WriteLimiter, count: number, signal?: AbortSignal): Array<number | string | null> {
    const start = Date.now();
    const outcomes: Array<number | string | null> = Array.from({ length: count }, () => null);
    for (let i = 0; i < count; i++) {
      limiter.acquire(signal).then(
        () => (outcomes[i] = Date.now() - start),
        (error: unknown) => (outcomes[i] = error instanceof DeviceError ? error.code : 'aborted'),
      );
    }
    return outcomes;
  }

  it('lets `rate` writes through at once, then one every 1 / rate s, in order', async () => {
    const limiter = new WriteLimiter({ rate: () => 2 });
    const outcomes = burst(limiter, 6);
    await clock.tickAsync(0);
    assert.deepEqual(outcomes, [0, 0, null, null, null, null]);
    assert.equal(limiter.queued, 4);
    await clock.tickAsync(2000);
    assert.deepEqual(outcomes, [0, 0, 500, 1000, 1500, 2000]);
  });

  it('queues ten seconds\' worth at most and refuses the rest at once, not written', async () => {
    assert.equal(MAX_QUEUE_SECONDS, 10);
    const limiter = new WriteLimiter({ rate: () => 1 });
    const outcomes = burst(limiter, 14);
    await clock.tickAsync(0);
    assert.deepEqual(outcomes.slice(11), ['WRITE_RATE_LIMITED', 'WRITE_RATE_LIMITED', 'WRITE_RATE_LIMITED']);
    await limiter.acquire().catch((error: DeviceError) => assert.equal(error.outcome, 'not-written'));
    await clock.tickAsync(10_000);
    assert.deepEqual(outcomes.slice(0, 11), [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000]);
  });

  it('refills while idle, up to one burst', async () => {
    const limiter = new WriteLimiter({ rate: () => 3 });
    burst(limiter, 3);
    await clock.tickAsync(60_000);
    const outcomes = burst(limiter, 4);
    await clock.tickAsync(0);
    assert.deepEqual(outcomes, [0, 0, 0, null], 'a minute of rest buys one burst, not sixty seconds of writes');
  });

  it('drops a waiting write whose signal aborts, and the next one takes its turn', async () => {
    const limiter = new WriteLimiter({ rate: () => 1 });
    const closing = new AbortController();
    const first = burst(limiter, 1);
    const aborted = burst(limiter, 1, closing.signal);
    const next = burst(limiter, 1);
    closing.abort(new Error('closed'));
    await clock.tickAsync(1000);
    assert.deepEqual([first[0], aborted[0], next[0]], [0, 'aborted', 1000]);
    assert.equal(limiter.queued, 0);
  });
});
