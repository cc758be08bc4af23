/**
 * FlowController decisions with scripted delay readings and a fake clock, the timer wiring with
 * a fake delay source on fake timers, and the real event-loop delay source (lightly: a few ms of blocking).
 */
import { strict as assert } from 'node:assert';
import FakeTimers from '@sinonjs/fake-timers';
import { FlowController, eventLoopDelaySource, type DelaySource, type FlowControllerOptions, type Pausable, type ResumeReason } from '../../nodes/lib/flow-control';
import { delay } from '../support/wait-for';

/** A target that records pause/resume calls. */
function recordingTarget(): Pausable & { calls: string[] } {
  const calls: string[] = [];
  return { calls, pause: () => calls.push('pause'), resume: () => calls.push('resume') };
}

/** A controller on a fake clock; `feed(delay, stepMs)` advances the clock and applies one reading. */
function bench(options: FlowControllerOptions = {}) {
  let now = 0;
  const pauses: number[] = [];
  const resumes: Array<{ reason: ResumeReason; pausedMs: number }> = [];
  const controller = new FlowController({
    highDelayMs: 100,
    lowDelayMs: 20,
    resumeAfterMs: 300,
    maxPauseMs: 5000,
    now: () => now,
    onPause: ({ delayMs }) => pauses.push(delayMs),
    onResume: ({ reason, pausedMs }) => resumes.push({ reason, pausedMs }),
    ...options,
  });
  const target = recordingTarget();
  controller.attach(target);
  return {
    controller,
    target,
    pauses,
    resumes,
    feed(delayMs: number, stepMs = 100) {
      now += stepMs;
      controller.observe(delayMs);
    },
  };
}

describe('FlowController', () => {
  it('does nothing while the delay stays below the high mark', () => {
    const b = bench();
    for (const value of [0, 5, 50, 99, 20, 0]) b.feed(value);
    assert.equal(b.controller.paused, false);
    assert.deepEqual(b.target.calls, []);
    assert.equal(b.controller.lastDelayMs, 0);
  });

  it('pauses at the high mark and resumes only after resumeAfterMs of calm readings', () => {
    const b = bench();
    b.feed(5);
    b.feed(150);
    assert.equal(b.controller.paused, true);
    assert.deepEqual(b.target.calls, ['pause']);
    assert.deepEqual(b.pauses, [150]);
    // Between the marks: neither calm nor high, stays paused.
    b.feed(60);
    b.feed(10); // calm since now
    b.feed(10);
    b.feed(30); // not calm: the calm period starts over
    b.feed(10);
    b.feed(10);
    b.feed(10);
    assert.equal(b.controller.paused, true, 'calm for 200 ms only');
    b.feed(10); // calm for 300 ms
    assert.equal(b.controller.paused, false);
    assert.deepEqual(b.target.calls, ['pause', 'resume']);
    assert.deepEqual(b.resumes, [{ reason: 'calm', pausedMs: 800 }]);
  });

  it('resumes after maxPauseMs even if the delay stays high, then pauses again at the next high reading', () => {
    const b = bench({ maxPauseMs: 1000 });
    b.feed(500);
    for (let i = 0; i < 9; i++) b.feed(500);
    assert.equal(b.controller.paused, true);
    b.feed(500); // 1000 ms paused
    assert.equal(b.controller.paused, false);
    assert.deepEqual(b.resumes, [{ reason: 'max-pause', pausedMs: 1000 }]);
    b.feed(500);
    assert.equal(b.controller.paused, true);
    assert.deepEqual(b.target.calls, ['pause', 'resume', 'pause']);
  });

  it('pauses a target attached while paused, and resumes a target detached while paused', () => {
    const b = bench();
    b.feed(200);
    const late = recordingTarget();
    const detach = b.controller.attach(late);
    assert.deepEqual(late.calls, ['pause']);
    detach();
    assert.deepEqual(late.calls, ['pause', 'resume']);
    detach(); // idempotent
    assert.deepEqual(late.calls, ['pause', 'resume']);
    for (let i = 0; i < 4; i++) b.feed(0);
    assert.equal(b.controller.paused, false);
    assert.deepEqual(late.calls, ['pause', 'resume'], 'a detached target is not touched again');
    assert.deepEqual(b.target.calls, ['pause', 'resume']);
  });

  it('stop() resumes paused targets (reason "stopped") and is idempotent', () => {
    const b = bench();
    b.feed(200);
    b.controller.stop();
    b.controller.stop();
    assert.equal(b.controller.paused, false);
    assert.deepEqual(b.target.calls, ['pause', 'resume']);
    assert.deepEqual(b.resumes.map((r) => r.reason), ['stopped']);
  });

  it('treats NaN and negative readings as 0 and clamps lowDelayMs to highDelayMs', () => {
    const b = bench({ highDelayMs: 50, lowDelayMs: 80, resumeAfterMs: 0 });
    b.feed(Number.NaN);
    b.feed(-5);
    assert.equal(b.controller.paused, false);
    b.feed(50);
    assert.equal(b.controller.paused, true);
    b.feed(50); // low is clamped to 50: calm, and resumeAfterMs 0 resumes at once
    assert.equal(b.controller.paused, false);
  });

  it('start() reads the delay source every sampleIntervalMs; stop() closes the source and the timer', () => {
    const clock = FakeTimers.install({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    try {
      const readings = [0, 0, 300, 300, 0, 0, 0, 0];
      const readAt: number[] = [];
      let closed = 0;
      const source: DelaySource = {
        read: () => {
          readAt.push(Date.now());
          return readings[Math.min(readAt.length - 1, readings.length - 1)];
        },
        close: () => {
          closed++;
        },
      };
      const events: string[] = [];
      const controller = new FlowController({
        sampleIntervalMs: 5,
        resumeAfterMs: 10,
        createDelaySource: () => source,
        onPause: () => events.push(`pause at ${Date.now()}`),
        onResume: ({ reason }) => events.push(`resume:${reason} at ${Date.now()}`),
      });
      const target = recordingTarget();
      controller.attach(target);
      controller.start();
      controller.start(); // idempotent: one timer, one source
      clock.tick(4);
      assert.deepEqual(readAt, [], 'no reading before the first interval');
      clock.tick(36);
      assert.deepEqual(readAt, [5, 10, 15, 20, 25, 30, 35, 40], 'one reading every 5 ms');
      // 300 at 15 ms pauses; calm from 25 ms, and 10 ms of calm at 35 ms resumes.
      assert.deepEqual(events, ['pause at 15', 'resume:calm at 35']);
      assert.deepEqual(target.calls, ['pause', 'resume']);
      controller.stop();
      clock.tick(100);
      assert.equal(readAt.length, 8, 'no reading after stop()');
      assert.equal(closed, 1);
      assert.equal(clock.countTimers(), 0, 'stop() cleared the interval');
    } finally {
      clock.uninstall();
    }
  });
});

describe('eventLoopDelaySource', () => {
  it('reads about 0 on an idle loop and a larger delay after the loop was blocked', async () => {
    const source = eventLoopDelaySource(1);
    try {
      await delay(30);
      // Read, then block at once: a block right after a reading must not go unseen.
      const idle = source.read();
      assert.ok(Number.isFinite(idle) && idle >= 0);
      // Block the loop for a few ms (the only busy wait in this suite), then let the probe tick.
      const blockMs = 15;
      const end = Date.now() + blockMs;
      while (Date.now() < end) {
        // busy: nothing else can run, which is the point
      }
      await delay(5);
      const blocked = source.read();
      assert.ok(blocked >= blockMs / 2, `a ${blockMs} ms block should read at least ${blockMs / 2} ms, read ${blocked}`);
    } finally {
      source.close();
    }
  });

  it('counts a block still going on when no tick could run', () => {
    let now = 1000;
    const source = eventLoopDelaySource(10, () => now);
    try {
      // Synchronously, no tick can have run: 250 ms "later" on the fake clock, 240 ms of it is lateness.
      now += 250;
      assert.equal(source.read(), 240);
      now += 5;
      assert.equal(source.read(), 245, 'the block is still going on: no tick yet');
    } finally {
      source.close();
    }
  });
});
