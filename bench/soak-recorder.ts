/**
 * Delivery bookkeeping of the soak: which seqs reached the end of the flow, how often, and in
 * which order. One byte per expected seq, preallocated, so recording costs the same at the
 * millionth event as at the first and adds nothing to the heap the soak measures.
 */
import { performance } from 'node:perf_hooks';

/** A seq delivered this many times is saturated in the one-byte counter (it is a duplicate either way). */
const MAX_COUNT = 255;

/** Counts deliveries of seqs `0 … expected - 1`; see {@link SeqRecorder.summary}. */
export class SeqRecorder {
  /** Deliveries so far, every one counted (duplicates included). */
  delivered = 0;
  /** Deliveries of a seq already delivered before. */
  duplicates = 0;
  /** First deliveries of a seq lower than one already delivered (it arrived late). */
  outOfOrder = 0;
  /** Deliveries whose seq is not an integer in `0 … expected - 1`. */
  outOfRange = 0;
  /** Highest seq delivered so far; -1 before the first. */
  highest = -1;
  /** Longest time without a delivery since {@link takeLongestPauseMs} was last called, ms. */
  private longestPauseMs = 0;
  private lastDeliveryAt = 0;
  private windowStartedAt = 0;
  private readonly counts: Uint8Array;

  constructor(readonly expected: number) {
    this.counts = new Uint8Array(expected);
  }

  /** Records one delivery. Called by the soak-sink node for every message it receives. */
  record(seq: unknown): void {
    const now = performance.now();
    if (this.lastDeliveryAt > 0) {
      // A pause that began in the previous window counts in this one from the window's start only.
      const pause = now - Math.max(this.lastDeliveryAt, this.windowStartedAt);
      if (pause > this.longestPauseMs) this.longestPauseMs = pause;
    }
    this.lastDeliveryAt = now;
    this.delivered++;
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0 || seq >= this.expected) {
      this.outOfRange++;
      return;
    }
    const count = this.counts[seq];
    if (count > 0) {
      this.duplicates++;
      if (count < MAX_COUNT) this.counts[seq] = count + 1;
      return;
    }
    this.counts[seq] = 1;
    if (seq < this.highest) this.outOfOrder++;
    else this.highest = seq;
  }

  /** Distinct seqs of `0 … upTo - 1` delivered at least once. */
  distinctBelow(upTo: number): number {
    let distinct = 0;
    for (let seq = 0; seq < upTo; seq++) if (this.counts[seq] > 0) distinct++;
    return distinct;
  }

  /**
   * Seqs of `0 … upTo - 1` never delivered: how many, and the first few ranges (`a-b` or `a`),
   * for the report.
   */
  missingBelow(upTo: number, maxRanges = 5): { count: number; ranges: string[] } {
    let count = 0;
    const ranges: string[] = [];
    let start = -1;
    for (let seq = 0; seq <= upTo; seq++) {
      const missing = seq < upTo && this.counts[seq] === 0;
      if (missing) {
        count++;
        if (start < 0) start = seq;
      } else if (start >= 0) {
        if (ranges.length < maxRanges) ranges.push(start === seq - 1 ? String(start) : `${start}-${seq - 1}`);
        start = -1;
      }
    }
    return { count, ranges };
  }

  /** The longest pause between two deliveries since the last call (ms), and starts a new window. */
  takeLongestPauseMs(): number {
    const now = performance.now();
    // A pause still running counts too: the window may end before the next delivery.
    const running = this.lastDeliveryAt > 0 ? now - Math.max(this.lastDeliveryAt, this.windowStartedAt) : 0;
    const longest = Math.max(this.longestPauseMs, running);
    this.longestPauseMs = 0;
    this.windowStartedAt = now;
    return longest;
  }
}
