/**
 * Exact delivery accounting for one sink of the side-by-side benchmark: which of the expected
 * seqs arrived, how often and in which order, and (for the latency rounds) when, on the
 * machine-wide monotonic clock the frame server stamps its sends with. Preallocated typed
 * arrays: recording costs a few array writes and allocates nothing.
 */

/** What the `bench-sink` node finds in the Node-RED settings (`benchSinks`). */
export interface SinkRegistry {
  /** The recorder of the sink node with this id; undefined outside a round. */
  recorderFor(nodeId: string): SinkRecorder | undefined;
  /** Synchronous work per message, ms (busy wait in the sink): the "slow flow". */
  workMs: number;
}

/** Final counts of one sink. */
export interface SinkSummary {
  name: string;
  expected: number;
  /** Deliveries, duplicates included. */
  received: number;
  duplicates: number;
  /** First deliveries of a seq lower than one delivered before. */
  outOfOrder: number;
  /** Deliveries of a seq this sink should never see (filtered out, or beyond the stream). */
  unexpected: number;
  missing: number;
}

/** Counts deliveries of the seqs `0 … total - 1` that `expects(seq)` says belong to this sink. */
export class SinkRecorder {
  received = 0;
  duplicates = 0;
  outOfOrder = 0;
  unexpected = 0;
  /** Distinct expected seqs delivered. */
  distinct = 0;
  readonly expectedCount: number;
  /** Arrival times (ns, `process.hrtime`) by seq, when asked for. */
  readonly arrivals: Float64Array | null;
  private highest = -1;
  private readonly expected: Uint8Array;
  private readonly counts: Uint8Array;
  private onComplete: (() => void) | null = null;

  constructor(
    readonly name: string,
    readonly total: number,
    expects: (seq: number) => boolean,
    recordArrivals: boolean,
  ) {
    this.expected = new Uint8Array(total);
    this.counts = new Uint8Array(total);
    let count = 0;
    for (let seq = 0; seq < total; seq++) {
      if (expects(seq)) {
        this.expected[seq] = 1;
        count++;
      }
    }
    this.expectedCount = count;
    this.arrivals = recordArrivals ? new Float64Array(total) : null;
  }

  /** True once every expected seq arrived. */
  get complete(): boolean {
    return this.distinct >= this.expectedCount;
  }

  /** Records one delivery of `seq` (whatever the sink read; not a number counts as unexpected). */
  record(seq: unknown): void {
    this.received++;
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0 || seq >= this.total || this.expected[seq] === 0) {
      this.unexpected++;
      return;
    }
    if (this.counts[seq] > 0) {
      this.duplicates++;
      return;
    }
    this.counts[seq] = 1;
    if (this.arrivals) this.arrivals[seq] = Number(process.hrtime.bigint());
    if (seq < this.highest) this.outOfOrder++;
    else this.highest = seq;
    this.distinct++;
    if (this.distinct === this.expectedCount && this.onComplete) {
      const done = this.onComplete;
      this.onComplete = null;
      done();
    }
  }

  /** Resolves true once complete, false after `timeoutMs`. */
  whenComplete(timeoutMs: number): Promise<boolean> {
    if (this.complete) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.onComplete = null;
        resolve(false);
      }, timeoutMs);
      this.onComplete = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /** Latencies in ms (arrival − send) of the seqs that arrived, given the server's send times (ns), of those sent from `fromNs` on. */
  latenciesMs(sendTimes: Float64Array, fromNs = 0): number[] {
    const result: number[] = [];
    if (!this.arrivals) return result;
    for (let seq = 0; seq < this.total; seq++) {
      if (this.counts[seq] > 0 && sendTimes[seq] >= fromNs && sendTimes[seq] > 0) result.push((this.arrivals[seq] - sendTimes[seq]) / 1e6);
    }
    return result;
  }

  summary(): SinkSummary {
    return {
      name: this.name,
      expected: this.expectedCount,
      received: this.received,
      duplicates: this.duplicates,
      outOfOrder: this.outOfOrder,
      unexpected: this.unexpected,
      missing: this.expectedCount - this.distinct,
    };
  }
}

/** A registry the sinks of one round look their recorder up in. */
export class SinkRegistryImpl implements SinkRegistry {
  workMs = 0;
  private readonly recorders = new Map<string, SinkRecorder>();

  recorderFor(nodeId: string): SinkRecorder | undefined {
    return this.recorders.get(nodeId);
  }

  /** Replaces every recorder with these (sink node id → recorder). */
  use(recorders: Map<string, SinkRecorder>): void {
    this.recorders.clear();
    for (const [id, recorder] of recorders) this.recorders.set(id, recorder);
  }
}
