/**
 * ReadPacer and PacedReading with a scripted scheduler and clock (no timing is asserted):
 * slices of `allowance` events, the end of a slice behind what was pending, the allowance
 * adapting to the delivery time, and a stream's yield; plus windowedDelaySource's median.
 */
import { strict as assert } from 'node:assert';
import { windowedDelaySource, type DelaySource } from '../../nodes/lib/flow-control';
import { PacedReading, ReadPacer } from '../../nodes/lib/read-pacer';

/** A pacer whose slice ends run when the test says, on a clock the test moves. */
function scripted(options: { initialAllowance?: number; maxAllowance?: number; targetTurnMs?: number } = {}) {
  let now = 0;
  const pending: Array<() => void> = [];
  const pacer = new ReadPacer({ ...options, schedule: (callback) => pending.push(callback), now: () => now });
  return {
    pacer,
    pending,
    /** Moves the clock by `ms`, then ends the slice. */
    endSlice(ms: number) {
      now += ms;
      const callbacks = pending.splice(0);
      for (const callback of callbacks) callback();
    },
  };
}

function takeAll(pacer: ReadPacer): number {
  let taken = 0;
  while (pacer.take()) taken++;
  return taken;
}

describe('ReadPacer', () => {
  it('lets `allowance` events through per slice, then ends the slice once, behind what was pending', () => {
    const s = scripted({ initialAllowance: 4 });
    assert.equal(takeAll(s.pacer), 4);
    const resumed: string[] = [];
    s.pacer.wait(() => resumed.push('a'));
    s.pacer.wait(() => resumed.push('b'));
    assert.equal(s.pending.length, 1, 'one scheduled end per slice, whatever the number of waiters');
    assert.deepEqual(resumed, []);
    s.endSlice(1);
    assert.deepEqual(resumed, ['a', 'b'], 'waiters resume in the order they waited');
    assert.ok(s.pacer.take(), 'a fresh allowance');
    assert.equal(s.pacer.state().yields, 1);
  });

  it('doubles the allowance after a fast slice, up to the maximum', () => {
    const s = scripted({ initialAllowance: 8, maxAllowance: 20, targetTurnMs: 10 });
    for (const expected of [16, 20, 20]) {
      takeAll(s.pacer);
      s.pacer.wait(() => undefined);
      s.endSlice(2);
      assert.equal(s.pacer.state().allowance, expected);
    }
  });

  it('shrinks the allowance in proportion after a slow slice, never below 1, and keeps it in between', () => {
    const s = scripted({ initialAllowance: 64, targetTurnMs: 10 });
    takeAll(s.pacer);
    s.pacer.wait(() => undefined);
    s.endSlice(40);
    assert.equal(s.pacer.state().allowance, 16);
    assert.equal(s.pacer.state().lastTurnMs, 40);
    takeAll(s.pacer);
    s.pacer.wait(() => undefined);
    s.endSlice(7); // between half the target and the target: unchanged
    assert.equal(s.pacer.state().allowance, 16);
    takeAll(s.pacer);
    s.pacer.wait(() => undefined);
    s.endSlice(100_000);
    assert.equal(s.pacer.state().allowance, 1);
  });

  it('a waiter that uses up the new allowance waits for the next slice', () => {
    const s = scripted({ initialAllowance: 2 });
    takeAll(s.pacer);
    let resumes = 0;
    const resume = () => {
      resumes++;
      takeAll(s.pacer);
      if (resumes < 3) s.pacer.wait(resume);
    };
    s.pacer.wait(resume);
    s.endSlice(1);
    assert.equal(resumes, 1);
    assert.equal(s.pending.length, 1, 'its next wait is a new slice, not this one');
    s.endSlice(1);
    s.endSlice(1);
    assert.equal(resumes, 3);
  });
});

describe('PacedReading', () => {
  it('yields once per used-up slice: pauses the socket, then ends the yield behind the deliveries', () => {
    const s = scripted({ initialAllowance: 2 });
    const calls: string[] = [];
    const reading = new PacedReading({ pauseSocket: () => calls.push('pause'), sliceEnded: () => calls.push('slice') });
    assert.equal(reading.take(), true, 'without a pacer everything may be read');
    reading.use(s.pacer);
    assert.equal(reading.take(), true);
    assert.equal(reading.take(), true);
    assert.equal(reading.take(), false);
    assert.equal(reading.yielding, true);
    assert.equal(reading.take(), false, 'still yielding: nothing more is read');
    assert.deepEqual(calls, ['pause']);
    s.endSlice(1);
    assert.equal(reading.yielding, false);
    assert.deepEqual(calls, ['pause', 'slice']);
  });

  it('use(null) ends a yield at once; the pacer ending it later does nothing more', () => {
    const s = scripted({ initialAllowance: 1 });
    const calls: string[] = [];
    const reading = new PacedReading({ pauseSocket: () => calls.push('pause'), sliceEnded: () => calls.push('slice') });
    reading.use(s.pacer);
    reading.take();
    assert.equal(reading.take(), false);
    reading.use(null);
    assert.deepEqual(calls, ['pause', 'slice']);
    s.endSlice(1);
    assert.deepEqual(calls, ['pause', 'slice']);
    assert.equal(reading.take(), true);
  });
});

describe('windowedDelaySource', () => {
  function scriptedSource(readings: number[]): DelaySource & { closed: boolean } {
    let next = 0;
    return {
      closed: false,
      read: () => readings[Math.min(next++, readings.length - 1)],
      close() {
        this.closed = true;
      },
    };
  }

  it('reads high only once at least half of the window is high: one long turn is not lag', () => {
    const script = [600, 0, 0, 0, 0, 0, 0, 0, 0, 0, 150, 150, 150, 150, 150, 0, 0, 0, 0, 0, 0];
    const source = windowedDelaySource(scriptedSource(script), 10);
    const readings = script.map(() => source.read());
    assert.equal(Math.max(...readings.slice(0, 10)), 0, 'one reading of 600 ms among ten is not lag');
    assert.equal(Math.max(...readings.slice(10, 14)), 0, 'four high readings of ten are not either');
    assert.equal(readings[14], 150, 'five of ten are');
    assert.equal(readings[20], 0, 'and it reads calm once the window is');
  });

  it('closes the source it reads', () => {
    const inner = scriptedSource([0]);
    windowedDelaySource(inner).close();
    assert.equal(inner.closed, true);
  });
});
