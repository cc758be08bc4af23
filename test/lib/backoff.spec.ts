import { strict as assert } from 'node:assert';
import { Backoff, nextDelay } from '../../nodes/lib/backoff';

/** No jitter taken: random() = 0 keeps the full delay. */
const noJitter = { random: () => 0 };

describe('backoff', () => {
  describe('nextDelay', () => {
    it('grows exponentially from the initial delay', () => {
      const delays = [0, 1, 2, 3].map((attempt) => nextDelay(attempt, { initialDelayMs: 100, factor: 2, ...noJitter }));
      assert.deepEqual(delays, [100, 200, 400, 800]);
    });

    it('uses 1 s, factor 2 by default', () => {
      assert.equal(nextDelay(0, noJitter), 1000);
      assert.equal(nextDelay(3, noJitter), 8000);
    });

    it('never exceeds the cap, even for huge attempt numbers', () => {
      assert.equal(nextDelay(10, { initialDelayMs: 100, maxDelayMs: 5000, ...noJitter }), 5000);
      assert.equal(nextDelay(5000, { initialDelayMs: 100, maxDelayMs: 5000, ...noJitter }), 5000);
      assert.equal(nextDelay(50, noJitter), 60_000);
    });

    it('keeps jitter within [delay * (1 - jitter), delay]', () => {
      const options = { initialDelayMs: 1000, jitter: 0.3 };
      assert.equal(nextDelay(0, { ...options, random: () => 0 }), 1000);
      assert.equal(nextDelay(0, { ...options, random: () => 0.5 }), 850);
      assert.equal(nextDelay(0, { ...options, random: () => 0.999999 }), 700);
      for (let i = 0; i < 200; i++) {
        const delay = nextDelay(4, { ...options, maxDelayMs: 10_000 });
        assert.ok(delay >= 7000 && delay <= 10_000, `delay ${delay} out of bounds`);
      }
    });

    it('does not push a capped delay above the cap', () => {
      assert.equal(nextDelay(20, { maxDelayMs: 2000, jitter: 0.5, random: () => 0 }), 2000);
      assert.equal(nextDelay(20, { maxDelayMs: 2000, jitter: 0.5, random: () => 1 }), 1000);
    });

    it('treats nonsense input as the defaults', () => {
      assert.equal(nextDelay(-3, noJitter), 1000);
      assert.equal(nextDelay(Number.NaN, { initialDelayMs: Number.NaN, ...noJitter }), 1000);
    });
  });

  describe('Backoff', () => {
    it('counts attempts and grows the delay', () => {
      const backoff = new Backoff({ initialDelayMs: 10, ...noJitter });
      assert.equal(backoff.attempt, 0);
      assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [10, 20, 40]);
      assert.equal(backoff.attempt, 3);
    });

    it('starts over after a connection that stayed up for stableAfterMs', () => {
      const backoff = new Backoff({ initialDelayMs: 10, stableAfterMs: 1000, ...noJitter });
      backoff.next();
      backoff.next();
      backoff.connected(5000);
      backoff.disconnected(6000);
      assert.equal(backoff.attempt, 0);
      assert.equal(backoff.next(), 10);
    });

    it('keeps counting after a connection that dropped quickly', () => {
      const backoff = new Backoff({ initialDelayMs: 10, stableAfterMs: 1000, ...noJitter });
      backoff.next();
      backoff.next();
      backoff.connected(5000);
      backoff.disconnected(5999);
      assert.equal(backoff.attempt, 2);
      assert.equal(backoff.next(), 40);
    });

    it('ignores a disconnect without a connect', () => {
      const backoff = new Backoff({ initialDelayMs: 10, stableAfterMs: 0, ...noJitter });
      backoff.next();
      backoff.disconnected(1_000_000);
      assert.equal(backoff.attempt, 1);
    });

    it('reset() starts over', () => {
      const backoff = new Backoff({ initialDelayMs: 10, ...noJitter });
      backoff.next();
      backoff.next();
      backoff.reset();
      assert.equal(backoff.next(), 10);
    });
  });
});
