/**
 * Property-based tests of the seq bookkeeping (docs/protocol.md §9) with fast-check: any
 * interleaving of valid events, invalid events with any seq, implausible jumps, replays and
 * reconnects. Seeded and bounded in `npm test`; `npm run fuzz` runs longer campaigns (the
 * FUZZ_RUNS and FUZZ_SEED environment variables).
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DEFAULT_MAX_SEQ_JUMP, REMEMBERED_INVALID_SEQS, SeqTracker } from '../../nodes/lib/seq-tracker';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const PARAMETERS = { numRuns: RUNS, seed: SEED };

/** What the server sends: a valid event, an invalid one (with or without a readable seq), or a reconnect. */
type Step =
  | { kind: 'valid'; seq: number }
  | { kind: 'invalid'; seq: number | null }
  | { kind: 'poison'; seq: number }
  | { kind: 'reconnect' };

/**
 * A server stream: the valid events 0..n-1 in order, with bad input interleaved, and reconnects
 * after which the server replays from the client's `nextSeq` (as a DSS server would).
 */
const streams = fc
  .record({
    count: fc.integer({ min: 1, max: 60 }),
    noise: fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('invalid' as const), seq: fc.option(fc.integer({ min: 0, max: 80 }), { nil: null }) }),
        fc.record({ kind: fc.constant('poison' as const), seq: fc.integer({ min: 80 + DEFAULT_MAX_SEQ_JUMP + 1, max: Number.MAX_SAFE_INTEGER }) }),
        fc.record({ kind: fc.constant('reconnect' as const) }),
      ),
      { maxLength: 40 },
    ),
    positions: fc.array(fc.nat(), { maxLength: 40 }),
  })
  .map(({ count, noise, positions }) => {
    const steps: Step[] = Array.from({ length: count }, (_, seq) => ({ kind: 'valid', seq }) as Step);
    noise.forEach((step, index) => steps.splice(positions[index] % (steps.length + 1), 0, step as Step));
    // Corruption is modelled as isolated bad seqs: poisons next to each other could form a
    // plausible new numbering, which the tracker must (and does) adopt.
    return { count, steps: steps.filter((step, index) => !(step.kind === 'poison' && steps[index - 1]?.kind === 'poison')) };
  });

/** Plays `steps` through a tracker, replaying the valid events the server retains after each reconnect. */
function play(steps: Step[], tracker = new SeqTracker({ startSeq: 0 })): { delivered: number[]; tracker: SeqTracker; positions: Array<number | null> } {
  const delivered: number[] = [];
  const positions: Array<number | null> = [];
  const sent: number[] = [];
  const deliver = (seq: number) => {
    const verdict = tracker.accept(seq);
    if (verdict.action === 'deliver' || verdict.action === 'deliver-renumbered') delivered.push(seq);
    positions.push(tracker.position);
  };
  for (const step of steps) {
    if (step.kind === 'valid') {
      sent.push(step.seq);
      deliver(step.seq);
    } else if (step.kind === 'invalid') {
      const before = tracker.position;
      tracker.invalid(step.seq);
      assert.equal(tracker.position, before, 'an invalid event moved the position');
    } else if (step.kind === 'poison') {
      const before = tracker.position;
      const liveStart = tracker.nextSeq === null;
      const verdict = tracker.accept(step.seq);
      if (verdict.action === 'deliver-renumbered') assert.fail('a single poisoned seq was taken for a renumbering');
      // After a live start the first seq is all there is; later events correct it.
      if (!liveStart) assert.equal(tracker.position, before, 'an implausible seq moved the position');
    } else {
      // Reconnect: the server replays what it sent from the requested seq on.
      const from = tracker.nextSeq ?? Number.POSITIVE_INFINITY;
      for (const seq of sent.filter((s) => s >= from)) deliver(seq);
    }
  }
  return { delivered, tracker, positions };
}

describe('fuzz: seq bookkeeping', () => {
  it('every valid event is delivered exactly once and in order, whatever bad input and reconnects come between', () => {
    fc.assert(
      fc.property(streams, ({ count, steps }) => {
        const { delivered } = play(steps);
        assert.deepEqual(delivered, Array.from({ length: count }, (_, seq) => seq));
      }),
      PARAMETERS,
    );
  });

  it('after a live start too, even when the very first event is a poisoned seq', () => {
    fc.assert(
      fc.property(streams, fc.integer({ min: 80 + DEFAULT_MAX_SEQ_JUMP + 1, max: Number.MAX_SAFE_INTEGER }), ({ count, steps }, poison) => {
        // One corrupt first event: after a live start nothing else tells the tracker where the
        // stream is, so the next poison may only come once a valid event has set the course.
        const firstValid = steps.findIndex((step) => step.kind === 'valid');
        const rest = steps.filter((step, index) => step.kind !== 'reconnect' && !(step.kind === 'poison' && index < firstValid));
        const { delivered } = play([{ kind: 'poison', seq: poison }, ...rest], new SeqTracker());
        assert.deepEqual(delivered.filter((seq) => seq !== poison), Array.from({ length: count }, (_, seq) => seq));
      }),
      PARAMETERS,
    );
  });

  it('the position never goes backwards and ends at the last valid seq', () => {
    fc.assert(
      fc.property(streams, ({ count, steps }) => {
        const { positions, tracker } = play(steps);
        for (let i = 1; i < positions.length; i++) assert.ok((positions[i] ?? -1) >= (positions[i - 1] ?? -1), `position went back at step ${i}`);
        assert.equal(tracker.position, count - 1);
      }),
      PARAMETERS,
    );
  });

  it('memory stays bounded: at most REMEMBERED_INVALID_SEQS invalid seqs are kept', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { maxLength: 2000 }), (seqs) => {
        const tracker = new SeqTracker({ startSeq: 0 });
        for (const seq of seqs) tracker.invalid(seq);
        const remembered = (tracker as unknown as { invalidSeqs: Set<number> }).invalidSeqs.size;
        assert.ok(remembered <= REMEMBERED_INVALID_SEQS, `${remembered} seqs remembered`);
      }),
      { ...PARAMETERS, numRuns: Math.max(20, Math.floor(RUNS / 10)) },
    );
  });

  it('nothing throws for seq values of any shape the schema lets through', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.nat(200)), { maxLength: 200 }), (seqs) => {
        const tracker = new SeqTracker();
        for (const seq of seqs) tracker.accept(seq);
        assert.ok(tracker.position === null || Number.isSafeInteger(tracker.position));
      }),
      PARAMETERS,
    );
  });
});
