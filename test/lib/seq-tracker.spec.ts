/**
 * SeqTracker without sockets: duplicates, gaps, invalid events, implausible jumps and
 * renumbering (docs/protocol.md §9).
 */
import { strict as assert } from 'node:assert';
import { SeqTracker, type SeqVerdict } from '../../nodes/lib/seq-tracker';

function feed(tracker: SeqTracker, seqs: number[]): SeqVerdict[] {
  return seqs.map((seq) => tracker.accept(seq));
}

describe('SeqTracker', () => {
  it('starts live with the first seq, then expects the next one', () => {
    const tracker = new SeqTracker();
    assert.equal(tracker.nextSeq, null);
    assert.deepEqual(feed(tracker, [41, 42]), [{ action: 'deliver' }, { action: 'deliver' }]);
    assert.equal(tracker.position, 42);
    assert.equal(tracker.nextSeq, 43);
  });

  it('resumes from startSeq: older seqs are duplicates, a later one is a gap', () => {
    const tracker = new SeqTracker({ startSeq: 10 });
    assert.equal(tracker.position, 9);
    assert.deepEqual(feed(tracker, [8, 9, 12]), [
      { action: 'duplicate' },
      { action: 'duplicate' },
      { action: 'deliver', gap: { expected: 10, received: 12 } },
    ]);
  });

  it('an invalid event never moves the position; its replay is not reported again and is not a gap', () => {
    const tracker = new SeqTracker({ startSeq: 5 });
    assert.equal(tracker.invalid(5), true);
    assert.equal(tracker.position, 4);
    assert.equal(tracker.nextSeq, 5);
    assert.equal(tracker.invalid(5), false, 'a replay of the same seq');
    assert.deepEqual(tracker.accept(6), { action: 'deliver' });
    assert.equal(tracker.position, 6);
    assert.equal(tracker.invalid(5), false, 'below the expected seq: already handled');
    assert.equal(tracker.invalid(null), true, 'without a seq there is nothing to remember');
  });

  it('a gap that only invalid events fill is no gap; one with a truly missing seq is', () => {
    const tracker = new SeqTracker({ startSeq: 1 });
    tracker.invalid(1);
    tracker.invalid(3);
    assert.deepEqual(tracker.accept(4), { action: 'deliver', gap: { expected: 1, received: 4 } });
  });

  it('an implausible jump is delivered as suspect; events near the old position carry on (corruption)', () => {
    const tracker = new SeqTracker({ maxJump: 1000 });
    tracker.accept(1);
    assert.deepEqual(tracker.accept(999_999), { action: 'deliver-suspect', expected: 2, received: 999_999 });
    assert.equal(tracker.position, 1);
    assert.deepEqual(tracker.accept(999_999), { action: 'duplicate' }, 'a replay of the suspect');
    assert.deepEqual(feed(tracker, [2, 3]), [{ action: 'deliver' }, { action: 'deliver' }]);
    assert.equal(tracker.position, 3);
  });

  it('a jump that two more events continue is a renumbering: the position adopts it', () => {
    const tracker = new SeqTracker({ maxJump: 1000 });
    tracker.accept(7);
    tracker.accept(50_000);
    assert.deepEqual(tracker.accept(50_001), { action: 'deliver-suspect', expected: 8, received: 50_001 });
    assert.equal(tracker.position, 7, 'one successor is not enough: two corrupt seqs in a row happen');
    assert.deepEqual(tracker.accept(50_002), { action: 'deliver-renumbered', from: 8, to: 50_000 });
    assert.equal(tracker.position, 50_002);
  });

  it('after a live start, an event below the first one re-bases the stream (the first was the odd one out)', () => {
    const tracker = new SeqTracker();
    tracker.accept(999_999_999);
    assert.deepEqual(tracker.accept(5), { action: 'deliver' });
    assert.deepEqual(tracker.accept(6), { action: 'deliver' });
    assert.equal(tracker.position, 6);
  });

  it('restartAt forgets the old sequence', () => {
    const tracker = new SeqTracker({ startSeq: 100 });
    tracker.invalid(100);
    tracker.restartAt(0);
    assert.equal(tracker.nextSeq, 0);
    assert.equal(tracker.position, null);
    assert.equal(tracker.invalid(100), true);
    tracker.restartAt(null);
    assert.deepEqual(tracker.accept(3), { action: 'deliver' });
  });

  it('skipUnreadable advances exactly one seq, and only once the expected seq is known', () => {
    const tracker = new SeqTracker();
    tracker.skipUnreadable();
    assert.equal(tracker.position, null);
    tracker.accept(4);
    tracker.skipUnreadable();
    assert.equal(tracker.position, 5);
    assert.equal(tracker.nextSeq, 6);
  });
});
