/**
 * Read pacing: how many events the runtime's streams may hand to Node-RED before they let
 * Node-RED deliver them (`docs/protocol.md` §5.9). One pacer per runtime (one event loop),
 * shared by every stream.
 *
 * Why: Node-RED delivers each `node.send()` in a `setImmediate`, so the deliveries of
 * everything read in one poll phase run together in the next check phase. Left alone, one
 * poll phase reads as much as the kernel holds (libuv reads up to 32 × 64 KiB per socket per
 * turn: ~4,000 frames), and with ten in-nodes that is 40,000 messages alive at once: hundreds
 * of MB, long garbage-collection pauses, and one event-loop turn of half a second that stalls
 * every other flow. A stream that has used up the allowance stops reading
 * (`StreamClient.pause` semantics, without the watchdog pause) and waits for a `setImmediate`
 * queued *behind* the deliveries it just caused: when that runs, Node-RED has delivered them,
 * and reading goes on. Nothing is dropped and nothing waits longer than one turn, so a flow
 * that keeps up is never slowed down; it is just interleaved.
 *
 * The allowance adapts to what the deliveries cost: the time from the yield to the immediate
 * (= how long Node-RED took to deliver what was pending) is compared with
 * `targetTurnMs`; slower shrinks it in proportion (down to 1 event per turn), less than half
 * of it doubles it (up to `maxAllowance`). A flow that is slower than the stream therefore reads about one event per
 * turn, at the pace it delivers, and TCP holds the server back. Known limit: work a node does
 * outside Node-RED's delivery queue (a timer, a queue of its own, async I/O) is not seen here;
 * the event-loop delay controller (flow-control.ts) is the net for that.
 */
import { performance } from 'node:perf_hooks';

/** Events per slice a new pacer starts with (16): small, so a slow flow's first turn is short; fast flows double it in a few slices. */
export const DEFAULT_INITIAL_ALLOWANCE = 16;
/**
 * Largest allowance (256 events: about two 64 KiB socket reads of ~490-byte frames). Larger
 * slices amortise nothing measurable and keep more messages alive across a scavenge: with ten
 * in-nodes, 512 cost about 15 % more CPU per message in garbage collection (`bench/README.md`).
 */
export const DEFAULT_MAX_ALLOWANCE = 256;
/**
 * Delivery time per slice the allowance aims at (4 ms): short turns for the rest of the runtime,
 * and few messages alive at a time. 2 ms made one-node streams slower; 10 ms fan-out ones.
 */
export const DEFAULT_TARGET_TURN_MS = 4;

/** Options of {@link ReadPacer}. */
export interface ReadPacerOptions {
  /** Events per slice at start; default {@link DEFAULT_INITIAL_ALLOWANCE}. */
  initialAllowance?: number;
  /** Largest allowance; default {@link DEFAULT_MAX_ALLOWANCE}. */
  maxAllowance?: number;
  /** Delivery time per slice aimed at, ms; default {@link DEFAULT_TARGET_TURN_MS}. */
  targetTurnMs?: number;
  /** Schedules the end of a slice; default `setImmediate` (behind the deliveries). Injected by tests. */
  schedule?: (callback: () => void) => void;
  /** ms clock; default `performance.now`. */
  now?: () => number;
}

/** What {@link ReadPacer.state} reports. */
export interface ReadPacerState {
  allowance: number;
  /** Slices that ended with a yield since creation. */
  yields: number;
  /** Delivery time of the latest slice, ms. */
  lastTurnMs: number;
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}

/** Counts events per slice and ends a slice behind Node-RED's deliveries; see the module comment. */
export class ReadPacer {
  private allowance: number;
  private readonly maxAllowance: number;
  private readonly targetTurnMs: number;
  private readonly schedule: (callback: () => void) => void;
  private readonly now: () => number;
  private spent = 0;
  private waiters: Array<() => void> = [];
  private scheduled = false;
  private yieldedAt = 0;
  private yields = 0;
  private lastTurnMs = 0;
  private readonly endSlice = () => this.onSliceEnd();

  /** @param options - see {@link ReadPacerOptions} */
  constructor(options: ReadPacerOptions = {}) {
    this.maxAllowance = positive(options.maxAllowance, DEFAULT_MAX_ALLOWANCE);
    this.allowance = Math.min(this.maxAllowance, positive(options.initialAllowance, DEFAULT_INITIAL_ALLOWANCE));
    const target = options.targetTurnMs;
    this.targetTurnMs = typeof target === 'number' && Number.isFinite(target) && target > 0 ? target : DEFAULT_TARGET_TURN_MS;
    this.schedule = options.schedule ?? setImmediate;
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Asks to hand one more event to Node-RED in this slice: true (counted) while the allowance
   * lasts; false once it is used up — the caller then stops reading and calls {@link wait}.
   */
  take(): boolean {
    if (this.spent >= this.allowance) return false;
    this.spent++;
    return true;
  }

  /**
   * Calls `resume` once the deliveries pending now have run (at the end of the slice), with a
   * fresh allowance. Every waiter of a slice is resumed, in the order they waited.
   */
  wait(resume: () => void): void {
    this.waiters.push(resume);
    if (this.scheduled) return;
    this.scheduled = true;
    this.yieldedAt = this.now();
    this.yields++;
    this.schedule(this.endSlice);
  }

  /** Allowance, yields and the latest delivery time, for diagnostics. */
  state(): ReadPacerState {
    return { allowance: this.allowance, yields: this.yields, lastTurnMs: this.lastTurnMs };
  }

  private onSliceEnd(): void {
    this.scheduled = false;
    const turnMs = Math.max(0, this.now() - this.yieldedAt);
    this.lastTurnMs = turnMs;
    // Slower than the target: shrink in proportion (a slow flow gets to 1 event per slice at
    // once); faster than half of it: double. In between, keep.
    if (turnMs > this.targetTurnMs) this.allowance = Math.max(1, Math.floor((this.allowance * this.targetTurnMs) / turnMs));
    else if (turnMs * 2 < this.targetTurnMs) this.allowance = Math.min(this.maxAllowance, this.allowance * 2);
    this.spent = 0;
    const waiters = this.waiters;
    this.waiters = [];
    // A waiter may use up the new allowance and wait again: it then waits for the next slice.
    for (const resume of waiters) resume();
  }
}

/** What {@link PacedReading} does to its stream. */
export interface PacedReadingHooks {
  /** Stop reading the socket (the slice is used up). */
  pauseSocket(): void;
  /** The next slice began: read what was held, then the socket again. */
  sliceEnded(): void;
}

/**
 * One stream's side of read pacing: whether the next message may be read now, and the yield
 * until the next slice when not. Without a pacer every message may be read at once.
 */
export class PacedReading {
  private pacer: ReadPacer | null = null;
  private waiting = false;
  private readonly resume = () => {
    if (!this.waiting) return;
    this.waiting = false;
    this.hooks.sliceEnded();
  };

  /** @param hooks - see {@link PacedReadingHooks} */
  constructor(private readonly hooks: PacedReadingHooks) {}

  /** True while waiting for the next slice: the socket is not read. */
  get yielding(): boolean {
    return this.waiting;
  }

  /** Paces with `pacer` from now on; null stops pacing (a yield in progress ends at once). */
  use(pacer: ReadPacer | null): void {
    this.pacer = pacer;
    if (!pacer) this.resume();
  }

  /**
   * True when one more message may be read now. Otherwise (yielding already, or the slice is
   * used up) false: the caller keeps the message for later; a new yield pauses the socket.
   */
  take(): boolean {
    if (this.waiting) return false;
    if (this.pacer === null || this.pacer.take()) return true;
    this.waiting = true;
    this.hooks.pauseSocket();
    this.pacer.wait(this.resume);
    return false;
  }
}
