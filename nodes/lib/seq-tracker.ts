/**
 * The sequence bookkeeping of one DSS stream (`docs/protocol.md` §9): which seq comes next,
 * what is a duplicate, what was lost, and which position may be persisted. No sockets, no
 * timers: the stream client feeds it one seq at a time and acts on the verdict.
 *
 * Rules:
 * - The **position** is the seq of the last delivered valid event; it is what gets persisted
 *   and what a reconnect resumes after (`seq_start = position + 1`, or the expected seq when
 *   it runs ahead of the position).
 * - A valid event below the expected seq is a duplicate (replay overlap).
 * - A valid event above the expected seq is a **gap** (the server could not replay that far),
 *   unless every missing seq was already reported as invalid.
 * - An **invalid** event never moves the position. Its seq, when readable, is remembered
 *   (bounded) so that a replay of it is not reported twice and does not count as a gap.
 * - A valid event more than `maxJump` ahead is **implausible**: it is delivered (flagged) but
 *   the position stays. If an event near the old position follows, the jump was a corrupt seq
 *   and delivery carries on as if it never happened. Only when {@link RENUMBER_CONFIRMATIONS}
 *   more events continue the new numbering, with nothing near the old position between them,
 *   did the server renumber: the position then adopts the new numbering (flagged as such).
 *   Either way a position that later events contradict is never kept.
 * - After a live start the first seq is all there is to go by; if the next event carries a
 *   lower seq, the first one was the odd one out and the stream re-bases on the lower seq (a
 *   live stream never replays older events).
 * - An unreadable frame that cannot be fetched again (ws refused it for its size) is the one
 *   exception that advances the position, by exactly one seq: otherwise every resume would
 *   fetch it again and fail the same way.
 */

/** Default bound of a plausible forward jump in seq (100,000 events). */
export const DEFAULT_MAX_SEQ_JUMP = 100_000;
/** Events continuing an implausible jump needed before the jump counts as a renumbering (2). */
export const RENUMBER_CONFIRMATIONS = 2;
/** How many seqs of reported invalid events are remembered (for replays and gap accounting). */
export const REMEMBERED_INVALID_SEQS = 256;

/** What to do with a valid event; see {@link SeqTracker.accept}. */
export type SeqVerdict =
  /** Deliver it. `gap`: seqs `expected`..`received - 1` were lost before it. */
  | { action: 'deliver'; gap?: { expected: number; received: number } }
  /** Deliver it, flagged: its seq jumped implausibly far; the position did not move. */
  | { action: 'deliver-suspect'; expected: number; received: number }
  /** Deliver it: the stream renumbered at `from` → `to` (the earlier suspect was real); the position follows. */
  | { action: 'deliver-renumbered'; from: number; to: number }
  /** Drop it: already delivered (or reported). */
  | { action: 'duplicate' };

/** Options of {@link SeqTracker}. */
export interface SeqTrackerOptions {
  /** First seq wanted (a persisted position + 1); undefined starts live with the first seq seen. */
  startSeq?: number;
  /** A forward jump larger than this is implausible; default {@link DEFAULT_MAX_SEQ_JUMP}. */
  maxJump?: number;
}

/** The two verdicts without details, shared (frozen) rather than allocated once per event. */
const DELIVER: SeqVerdict = Object.freeze({ action: 'deliver' });
const DUPLICATE: SeqVerdict = Object.freeze({ action: 'duplicate' });

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Sequence bookkeeping of one stream; see the module comment. */
export class SeqTracker {
  private readonly maxJump: number;
  /** Seq of the last delivered valid event (or skipped unreadable frame); null before any. */
  private last: number | null = null;
  /** The seq the next event should carry; null until known (live start). */
  private expected: number | null = null;
  /** Implausible seqs delivered but not adopted, each continuing the one before, oldest first. */
  private suspects: number[] = [];
  /** The position came from the first event of a live start and no second event has confirmed it yet. */
  private unconfirmed = false;
  /** Seqs of invalid events already reported, oldest first (bounded). */
  private readonly invalidSeqs = new Set<number>();

  /** @param options - see {@link SeqTrackerOptions}. */
  constructor(options: SeqTrackerOptions = {}) {
    this.maxJump = isSeq(options.maxJump) && options.maxJump > 0 ? options.maxJump : DEFAULT_MAX_SEQ_JUMP;
    if (isSeq(options.startSeq)) this.restartAt(options.startSeq);
  }

  /** The seq of the last delivered valid event: the value to persist. Null before any. */
  get position(): number | null {
    return this.last;
  }

  /** The seq to ask the server for on the next connect (`seq_start`); null to start live. */
  get nextSeq(): number | null {
    return this.expected;
  }

  /**
   * Starts over at `seq` (a stream key's grant, or a new key: null = live). Everything known
   * about the old sequence is forgotten.
   */
  restartAt(seq: number | null): void {
    this.expected = seq;
    this.last = seq !== null && seq > 0 ? seq - 1 : null;
    this.suspects = [];
    this.unconfirmed = false;
    this.invalidSeqs.clear();
  }

  /** The verdict for a valid event with seq `seq` (a safe integer ≥ 0), updating the state. Verdicts are read-only. */
  accept(seq: number): SeqVerdict {
    const expected = this.expected;
    if (expected === null) {
      this.moveTo(seq);
      this.unconfirmed = true;
      return DELIVER;
    }
    if (this.unconfirmed) {
      // A replay of that first event confirms nothing.
      if (seq === this.last) return DUPLICATE;
      this.unconfirmed = false;
      if (this.last !== null && seq < this.last) {
        // The first event of a live start was the odd one out: a live stream does not go back.
        this.moveTo(seq);
        return DELIVER;
      }
    }
    if (this.suspects.length > 0) {
      if (this.suspects.includes(seq)) return DUPLICATE;
      const latest = this.suspects[this.suspects.length - 1];
      if (seq > latest && seq - latest <= this.maxJump) {
        this.suspects.push(seq);
        if (this.suspects.length <= RENUMBER_CONFIRMATIONS) return { action: 'deliver-suspect', expected, received: seq };
        // Enough events continue the new numbering, and none the old one: the server renumbered.
        const from = this.suspects[0];
        this.suspects = [];
        this.moveTo(seq);
        this.invalidSeqs.clear();
        return { action: 'deliver-renumbered', from: expected, to: from };
      }
      // An event near the old position (or another jump): the suspects were corrupt seqs.
      this.suspects = [];
    }
    if (seq < expected) return DUPLICATE;
    if (seq - expected > this.maxJump) {
      this.suspects = [seq];
      return { action: 'deliver-suspect', expected, received: seq };
    }
    const lost = seq > expected && !this.allReportedInvalid(expected, seq);
    this.moveTo(seq);
    return lost ? { action: 'deliver', gap: { expected, received: seq } } : DELIVER;
  }

  /**
   * Notes an invalid event. Returns false when it need not be reported: its seq was already
   * reported (a replay) or lies below the expected seq (already delivered or reported). The
   * position never moves.
   *
   * @param seq - the event's seq when readable, else null (always reported)
   */
  invalid(seq: number | null): boolean {
    if (seq === null || !isSeq(seq)) return true;
    if (this.invalidSeqs.has(seq)) return false;
    if (this.expected !== null && seq < this.expected) return false;
    this.invalidSeqs.add(seq);
    if (this.invalidSeqs.size > REMEMBERED_INVALID_SEQS) {
      const oldest = this.invalidSeqs.values().next().value as number;
      this.invalidSeqs.delete(oldest);
    }
    return true;
  }

  /**
   * Skips the expected seq without an event: a frame that can never be read (ws refuses it
   * for its size) would otherwise be fetched again on every resume. Does nothing before the
   * expected seq is known.
   */
  skipUnreadable(): void {
    if (this.expected !== null) this.moveTo(this.expected);
  }

  private moveTo(seq: number): void {
    this.last = seq;
    this.expected = seq + 1;
  }

  /** True when every seq in `from`..`to - 1` was reported invalid (a short range only). */
  private allReportedInvalid(from: number, to: number): boolean {
    if (to - from > this.invalidSeqs.size) return false;
    for (let seq = from; seq < to; seq++) if (!this.invalidSeqs.has(seq)) return false;
    return true;
  }
}
