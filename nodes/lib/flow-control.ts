/**
 * Flow control, part two: pauses the stream clients while the whole runtime lags, so events
 * never pile up in memory and every other flow keeps running. Part one is read pacing
 * (`read-pacer.ts`): every stream hands Node-RED a bounded slice of events per event-loop
 * turn and reads on once they are delivered, which keeps a flow that is busy but keeping up
 * at full speed and bounds what a synchronously slow flow holds. This controller is the net
 * for lag the pacer cannot see (`docs/protocol.md` §5.9).
 *
 * The signal: event-loop delay over a window, not one reading.
 * - Node-RED never tells an input node that a message was handled (`done()` is per node, a
 *   message may be cloned, split, joined or delayed downstream), so a "pending messages"
 *   count would be a guess; message hooks would add a call to every delivery in the runtime.
 * - Utilisation says nothing either: a flow that keeps up at full speed uses all of the CPU.
 * - The delay (how late a 10 ms timer runs) is the symptom that hurts (memory, the editor, other
 *   flows, heartbeat answers). But one long turn (a garbage collection, a deploy, a burst) is
 *   not a flow that cannot keep up: pausing for it throttled flows that kept up on average.
 *   So the controller reads the median of the last ten 100 ms readings
 *   ({@link windowedDelaySource}): high only when the loop was late for over half a second
 *   of the last one.
 * - Known limit: a flow slow because it waits for an external service (async I/O) keeps the
 *   loop idle; its backlog lives in that node and is invisible here. Such flows need their own
 *   rate limit (e.g. the core delay node in rate-limit mode, with its drop option).
 *
 * Behaviour ({@link FlowController}): every `sampleIntervalMs` (100 ms) it applies one reading.
 * At or above `highDelayMs` (100 ms) every attached client is paused (`StreamClient.pause()`:
 * the socket is not read, TCP flow control holds the server back, nothing buffers here). Once
 * the reading has stayed at or below `lowDelayMs` (20 ms) for `resumeAfterMs` (500 ms), they
 * are resumed. If it stays high for `maxPauseMs` (20 s) the lag is probably not ours to fix
 * (another flow, a saturated host): the clients are resumed anyway and paused again at the
 * next high reading, so events still trickle in, never unbounded. A pause loses nothing: if
 * the server drops the silent socket meanwhile, the client reconnects from the last delivered
 * seq + 1 and the server replays (a `'gap'` if its retention was exceeded).
 */
import { performance } from 'node:perf_hooks';
import type { ReadPacer } from './read-pacer';

/** Pause when the event-loop delay reaches this (100 ms): a healthy runtime stays in single-digit ms. */
export const DEFAULT_HIGH_DELAY_MS = 100;
/** Resume only once the delay is at or below this (20 ms): well below the high mark, so it does not flap. */
export const DEFAULT_LOW_DELAY_MS = 20;
/** How often the delay is read (100 ms). */
export const DEFAULT_SAMPLE_INTERVAL_MS = 100;
/** The delay must stay low this long (500 ms) before reading resumes. */
export const DEFAULT_RESUME_AFTER_MS = 500;
/**
 * Longest pause (20 s) before resuming regardless of the delay. Below the ~60 s after which a
 * server closes a socket whose heartbeats go unanswered (two missed 30 s heartbeats), so a
 * briefly resumed client gets the chance to answer before it is dropped.
 */
export const DEFAULT_MAX_PAUSE_MS = 20_000;
/** Tick interval of the event-loop delay probe (10 ms). */
export const DEFAULT_DELAY_RESOLUTION_MS = 10;

/** Anything that can stop and restart reading: a StreamClient. */
export interface Pausable {
  pause(): void;
  resume(): void;
  /** Paces reading with the runtime's pacer (null: stop pacing); optional, StreamClient has it. */
  setPacer?(pacer: ReadPacer | null): void;
}

/** A source of event-loop delay readings. */
export interface DelaySource {
  /** The delay observed since the previous read, in ms (≥ 0); each read starts a new window. */
  read(): number;
  /** Stops measuring and releases the monitor. */
  close(): void;
}

/**
 * The default {@link DelaySource}: a timer that ticks every `resolutionMs` and records how late
 * each tick ran; `read()` gives the worst lateness since the previous read, in ms, including a
 * block still going on (time since the last tick beyond `resolutionMs`). An idle loop reads
 * about 0-1 ms. The timer is unref'd and costs one tiny callback per `resolutionMs`.
 *
 * Why not node:perf_hooks `monitorEventLoopDelay`: its `reset()` (needed to get per-interval
 * figures) discards the first interval measured after it, so a block that starts right after a
 * reading goes unseen. A plain timer has no such blind spot.
 *
 * @param resolutionMs - tick interval in ms; default {@link DEFAULT_DELAY_RESOLUTION_MS} (10), at least 1.
 * @param now - monotonic ms clock; default `performance.now`.
 */
export function eventLoopDelaySource(resolutionMs: number = DEFAULT_DELAY_RESOLUTION_MS, now: () => number = () => performance.now()): DelaySource {
  const resolution = Math.max(1, Number.isFinite(resolutionMs) ? resolutionMs : DEFAULT_DELAY_RESOLUTION_MS);
  let lastTickAt = now();
  let worstLatenessMs = 0;
  const ticker = setInterval(() => {
    const tickAt = now();
    worstLatenessMs = Math.max(worstLatenessMs, tickAt - lastTickAt - resolution);
    lastTickAt = tickAt;
  }, resolution);
  ticker.unref();
  return {
    read() {
      const blockedSoFar = now() - lastTickAt - resolution;
      const delay = Math.max(0, worstLatenessMs, blockedSoFar);
      worstLatenessMs = 0;
      return delay;
    },
    close() {
      clearInterval(ticker);
    },
  };
}

/** Readings a {@link windowedDelaySource} looks at (10: one second at the default sample interval). */
export const DEFAULT_DELAY_WINDOW_SAMPLES = 10;

/**
 * A {@link DelaySource} that reports the **median** of the last `samples` readings of `source`
 * (the window starts full of zeros). One long event-loop turn — a garbage collection, a big
 * deploy, a burst the read pacer already cut short — is one high reading among calm ones and
 * moves the median not at all; only a loop that is late for more than half of the window (half
 * a second by default) reads high. That is the difference between a flow that keeps up on
 * average and one that does not (`docs/protocol.md` §5.9).
 *
 * @param source - the per-interval readings, e.g. {@link eventLoopDelaySource}
 * @param samples - window length in readings; default {@link DEFAULT_DELAY_WINDOW_SAMPLES}, at least 1
 */
export function windowedDelaySource(source: DelaySource, samples: number = DEFAULT_DELAY_WINDOW_SAMPLES): DelaySource {
  const size = Math.max(1, Number.isFinite(samples) ? Math.floor(samples) : DEFAULT_DELAY_WINDOW_SAMPLES);
  const window = new Array<number>(size).fill(0);
  let next = 0;
  return {
    read() {
      window[next] = source.read();
      next = (next + 1) % size;
      // The upper median: high only when at least half of the window is.
      return [...window].sort((a, b) => a - b)[Math.floor(size / 2)];
    },
    close() {
      source.close();
    },
  };
}

/** Why reading resumed: the delay stayed low, the pause hit `maxPauseMs`, or the controller stopped. */
export type ResumeReason = 'calm' | 'max-pause' | 'stopped';

export interface FlowControllerOptions {
  /** Pause at or above this delay, ms; default {@link DEFAULT_HIGH_DELAY_MS} (100). */
  highDelayMs?: number;
  /** Counts as calm at or below this delay, ms; default {@link DEFAULT_LOW_DELAY_MS} (20). Clamped to ≤ highDelayMs. */
  lowDelayMs?: number;
  /** Interval between readings, ms; default {@link DEFAULT_SAMPLE_INTERVAL_MS} (100). */
  sampleIntervalMs?: number;
  /** Calm time needed before resuming, ms; default {@link DEFAULT_RESUME_AFTER_MS} (500). 0 = the first calm reading. */
  resumeAfterMs?: number;
  /** Longest pause before resuming regardless, ms; default {@link DEFAULT_MAX_PAUSE_MS} (20000). */
  maxPauseMs?: number;
  /** Called after the targets were paused, with the reading that caused it (for a status or a log line). */
  onPause?: (info: { delayMs: number }) => void;
  /** Called after the targets were resumed. */
  onResume?: (info: { delayMs: number; pausedMs: number; reason: ResumeReason }) => void;
  /** Creates the delay source on {@link FlowController.start}; default {@link eventLoopDelaySource}. Injected by tests. */
  createDelaySource?: () => DelaySource;
  /** ms clock; default `Date.now`. Injected by tests. */
  now?: () => number;
}

function nonNegative(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

/**
 * Pauses the attached clients while the event loop lags, resumes them when it is calm again;
 * see the module comment for the rules and why. One controller per runtime is enough (there
 * is one event loop); attach every StreamClient to it.
 */
export class FlowController {
  private readonly highDelayMs: number;
  private readonly lowDelayMs: number;
  private readonly sampleIntervalMs: number;
  private readonly resumeAfterMs: number;
  private readonly maxPauseMs: number;
  private readonly options: FlowControllerOptions;
  private readonly now: () => number;
  private readonly targets = new Set<Pausable>();

  private isPaused = false;
  private pausedAt = 0;
  /** Since when every reading has been calm, while paused; null when the last one was not. */
  private calmSince: number | null = null;
  private latestDelayMs = 0;
  private source: DelaySource | null = null;
  private timer: NodeJS.Timeout | null = null;

  /** @param options - see {@link FlowControllerOptions}. Nothing is measured until {@link start}. */
  constructor(options: FlowControllerOptions = {}) {
    this.options = { ...options };
    this.highDelayMs = nonNegative(options.highDelayMs, DEFAULT_HIGH_DELAY_MS);
    this.lowDelayMs = Math.min(this.highDelayMs, nonNegative(options.lowDelayMs, DEFAULT_LOW_DELAY_MS));
    this.sampleIntervalMs = Math.max(1, nonNegative(options.sampleIntervalMs, DEFAULT_SAMPLE_INTERVAL_MS));
    this.resumeAfterMs = nonNegative(options.resumeAfterMs, DEFAULT_RESUME_AFTER_MS);
    this.maxPauseMs = nonNegative(options.maxPauseMs, DEFAULT_MAX_PAUSE_MS);
    this.now = options.now ?? Date.now;
  }

  /** True while the targets are paused. */
  get paused(): boolean {
    return this.isPaused;
  }

  /** The latest delay reading in ms (0 before the first). */
  get lastDelayMs(): number {
    return this.latestDelayMs;
  }

  /**
   * Adds a target; it is paused at once if the controller is paused. Returns a function that
   * removes it again, resuming it first if the controller had paused it (a detached client is
   * never left paused by us).
   */
  attach(target: Pausable): () => void {
    if (!this.targets.has(target)) {
      this.targets.add(target);
      if (this.isPaused) target.pause();
    }
    return () => {
      if (!this.targets.delete(target)) return;
      if (this.isPaused) target.resume();
    };
  }

  /** Starts reading the delay every `sampleIntervalMs`. The timer never keeps the process alive. Idempotent. */
  start(): void {
    if (this.timer) return;
    this.source = (this.options.createDelaySource ?? eventLoopDelaySource)();
    this.timer = setInterval(() => {
      if (this.source) this.observe(this.source.read());
    }, this.sampleIntervalMs);
    this.timer.unref();
  }

  /** Stops measuring and, when paused, resumes every target (reason 'stopped'). Idempotent. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.source?.close();
    this.source = null;
    if (this.isPaused) this.resumeTargets('stopped');
  }

  /**
   * Applies one delay reading, in ms: the decision step the timer runs every
   * `sampleIntervalMs` (public so that other schedules and tests can drive it). Not paused:
   * pause when `delayMs ≥ highDelayMs`. Paused: resume once readings have stayed
   * `≤ lowDelayMs` for `resumeAfterMs`, or when the pause has lasted `maxPauseMs`.
   */
  observe(delayMs: number): void {
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    this.latestDelayMs = delay;
    const now = this.now();
    if (!this.isPaused) {
      if (delay >= this.highDelayMs) this.pauseTargets(now, delay);
      return;
    }
    if (delay <= this.lowDelayMs) this.calmSince ??= now;
    else this.calmSince = null;
    if (this.calmSince !== null && now - this.calmSince >= this.resumeAfterMs) this.resumeTargets('calm');
    else if (now - this.pausedAt >= this.maxPauseMs) this.resumeTargets('max-pause');
  }

  private pauseTargets(now: number, delayMs: number): void {
    this.isPaused = true;
    this.pausedAt = now;
    this.calmSince = null;
    for (const target of this.targets) target.pause();
    this.options.onPause?.({ delayMs });
  }

  private resumeTargets(reason: ResumeReason): void {
    this.isPaused = false;
    this.calmSince = null;
    const pausedMs = Math.max(0, this.now() - this.pausedAt);
    // A copy: a resumed client's listeners may attach or detach targets meanwhile.
    for (const target of [...this.targets]) target.resume();
    this.options.onResume?.({ delayMs: this.latestDelayMs, pausedMs, reason });
  }
}
