/**
 * Phase 1 of the fleet benchmark: the typical flow at increasing event rates until the stream
 * falls behind.
 *
 * A step offers `rate` datapoint events per second on the flow's subscription (the pacer peer
 * drives `/sim/generate` so that the subscription's seq advances at that rate) for `stepSeconds`;
 * the first `warmupSeconds` are not judged. Every 500 ms it reads the subscription's seq at the
 * server and the highest seq the MQTT subscriber received; the END-TO-END LAG is the difference
 * (events the server has made that have not yet come out of the broker).
 *
 * **Falls behind**, precisely: over the judged window, the end-to-end lag GREW by more than half
 * a second's worth of events (`rate × 0.5`; averages of the window's first and last 2 s), or it
 * ENDED above two seconds' worth (`rate × 2`, average of the last 2 s: still that far behind,
 * even if no longer growing). Otherwise the step **keeps up**: a lag left by the warm-up that
 * shrinks during the window is no verdict against the rate.
 * A step where the simulator could not make 95 % of the asked rate is **generator-limited**: it
 * says nothing about Node-RED, and the search stops there.
 *
 * The search multiplies the rate by `stepFactor` while steps keep up, then halves the interval
 * between the last that kept up and the first that fell behind `refineSteps` times. The
 * SUSTAINED rate is the highest rate that kept up.
 */
import { formatCount } from './report';
import { cpuMeter, delay, mqttInFlight, simSubscription, subscriberStats, waitDrained, type FleetContext } from './fleet-context';
import { BROKER_ID } from './fleet-flows';
import { formatCpu, type PacerTotals } from './fleet-processes';

/** Sample period of a step (ms). */
const SAMPLE_MS = 500;
/** Averaging span at both ends of the judged window (ms). */
const EDGE_MS = 2_000;
/** Lag growth over the window that means "falls behind", in seconds of the offered rate. */
const MAX_LAG_GROWTH_S = 0.5;
/** Lag at the end of the window that means "falls behind", in seconds of the offered rate. */
const MAX_END_LAG_S = 2;
/** Share of the asked rate the simulator must reach for the step to count. */
const MIN_OFFERED_SHARE = 0.95;
/** After a step, longest wait for the flow to drain before the next (ms). */
const DRAIN_TIMEOUT_MS = 180_000;

/** Options of phase 1. */
export interface ThroughputOptions {
  startRate: number;
  stepFactor: number;
  maxRate: number;
  stepSeconds: number;
  warmupSeconds: number;
  refineSteps: number;
}

export type StepVerdict = 'keeps up' | 'falls behind' | 'generator-limited';

/** One step's numbers. */
export interface StepResult {
  rate: number;
  /** Events per second the subscription actually carried in the window. */
  offered: number;
  /** Distinct events per second that reached the MQTT subscriber in the window. */
  delivered: number;
  lagMax: number;
  /** The lag at the end of the window (average of its last 2 s). */
  lagEnd: number;
  /** Most events the server had made but not yet handed to Node-RED's socket (the stream's own backlog). */
  streamLagMax: number;
  /** Most QoS 1 messages awaiting Mosquitto's acknowledgement in Node-RED's MQTT client. */
  mqttInFlightMax: number;
  lagGrowth: number;
  /** CPU time of the Node-RED process per delivered event (µs): what one event costs, whatever else runs on the machine. */
  nodeRedMicrosPerEvent: number | null;
  flowControlPauses: number;
  flowControlPausedMs: number;
  cpu: Record<string, number | null>;
  drainMs: number;
  verdict: StepVerdict;
  reason: string;
}

/** What phase 1 found. */
export interface ThroughputResult {
  steps: StepResult[];
  /** The highest step rate that kept up; null when none did. */
  sustained: StepResult | null;
  /** Why the search stopped. */
  stoppedBecause: string;
}

interface Sample {
  atMs: number;
  nextSeq: number;
  sendCursor: number;
  maxSeq: number;
  distinct: number;
  mqttInFlight: number;
}

const lagOf = (sample: Sample) => Math.max(0, sample.nextSeq - 1 - sample.maxSeq);

function average(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

async function sample(ctx: FleetContext, subscriptionId: number): Promise<Sample> {
  const [subscription, stats] = await Promise.all([simSubscription(ctx, subscriptionId), subscriberStats(ctx)]);
  return {
    atMs: Date.now(),
    nextSeq: subscription.nextSeq,
    sendCursor: subscription.sendCursor ?? subscription.nextSeq,
    maxSeq: stats.maxSeq,
    distinct: stats.distinct,
    mqttInFlight: mqttInFlight(ctx, BROKER_ID),
  };
}

/** One step at `rate`; see the module comment. */
export async function runStep(ctx: FleetContext, subscriptionId: number, rate: number, options: ThroughputOptions): Promise<StepResult> {
  const startedAt = Date.now();
  const judgeFrom = startedAt + options.warmupSeconds * 1000;
  const endAt = startedAt + options.stepSeconds * 1000;
  await ctx.pacer.request('pace', { rate, subscriptionId });
  const samples: Sample[] = [];
  const cpu = cpuMeter(ctx);
  let flowControlBefore = ctx.log.flowControl();
  let cpuStarted = false;
  try {
    while (Date.now() < endAt) {
      await delay(SAMPLE_MS);
      if (!cpuStarted && Date.now() >= judgeFrom) {
        cpu.start();
        flowControlBefore = ctx.log.flowControl();
        cpuStarted = true;
      }
      const taken = await sample(ctx, subscriptionId);
      if (taken.atMs >= judgeFrom) samples.push(taken);
    }
  } finally {
    await ctx.pacer.request<PacerTotals>('stop');
  }
  const cpuUse = cpu.read();
  const flowControlAfter = ctx.log.flowControl();
  const drainMs = await waitDrained(ctx, subscriptionId, DRAIN_TIMEOUT_MS);
  if (samples.length < 4) throw new Error(`step at ${rate}/s: too few samples (${samples.length}); make --step-seconds longer than --warmup-seconds`);

  const first = samples[0];
  const last = samples[samples.length - 1];
  const seconds = (last.atMs - first.atMs) / 1000;
  const offered = (last.nextSeq - first.nextSeq) / seconds;
  const delivered = (last.distinct - first.distinct) / seconds;
  const head = samples.filter((s) => s.atMs <= first.atMs + EDGE_MS).map(lagOf);
  const tail = samples.filter((s) => s.atMs >= last.atMs - EDGE_MS).map(lagOf);
  const lagEnd = average(tail);
  const lagGrowth = lagEnd - average(head);
  let verdict: StepVerdict = 'keeps up';
  let reason = `lag grew ${formatCount(lagGrowth)} events (limit ${formatCount(rate * MAX_LAG_GROWTH_S)})`;
  if (offered < rate * MIN_OFFERED_SHARE) {
    verdict = 'generator-limited';
    reason = `the simulator made ${formatCount(offered)}/s of the ${formatCount(rate)}/s asked`;
  } else if (lagGrowth > rate * MAX_LAG_GROWTH_S) {
    verdict = 'falls behind';
    reason = `lag grew ${formatCount(lagGrowth)} events in ${seconds.toFixed(0)} s (limit ${formatCount(rate * MAX_LAG_GROWTH_S)})`;
  } else if (lagEnd > rate * MAX_END_LAG_S) {
    verdict = 'falls behind';
    reason = `lag still ${formatCount(lagEnd)} events at the end (limit ${formatCount(rate * MAX_END_LAG_S)})`;
  }
  const nodeRedCpu = cpuUse['node-red'];
  return {
    rate,
    offered,
    delivered,
    lagMax: Math.max(...samples.map(lagOf)),
    streamLagMax: Math.max(...samples.map((s) => s.nextSeq - s.sendCursor)),
    mqttInFlightMax: Math.max(...samples.map((s) => s.mqttInFlight)),
    lagEnd,
    lagGrowth,
    nodeRedMicrosPerEvent: nodeRedCpu == null || delivered <= 0 ? null : (nodeRedCpu / 100) * (1e6 / delivered),
    flowControlPauses: flowControlAfter.pauses - flowControlBefore.pauses,
    flowControlPausedMs: flowControlAfter.pausedMs - flowControlBefore.pausedMs,
    cpu: cpuUse,
    drainMs,
    verdict,
    reason,
  };
}

/** One line per step, for the table. */
export function formatStep(step: StepResult): string {
  return [
    formatCount(step.rate).padStart(8),
    formatCount(step.offered).padStart(8),
    formatCount(step.delivered).padStart(9),
    formatCount(step.lagMax).padStart(8),
    formatCount(step.streamLagMax).padStart(8),
    formatCount(step.mqttInFlightMax).padStart(8),
    formatCount(step.lagGrowth).padStart(8),
    (step.nodeRedMicrosPerEvent === null ? '?' : step.nodeRedMicrosPerEvent.toFixed(0)).padStart(6),
    `${step.flowControlPauses}× ${formatCount(step.flowControlPausedMs)} ms`.padStart(14),
    `${(step.drainMs / 1000).toFixed(1)} s`.padStart(7),
    `  ${step.verdict} (${step.reason}); cpu ${formatCpu(step.cpu)}`,
  ].join(' ');
}

export const STEP_HEADER = `${'rate/s'.padStart(8)} ${'stream/s'.padStart(8)} ${'broker/s'.padStart(9)} ${'lag max'.padStart(8)} ${'stream'.padStart(8)} ${'mqtt'.padStart(8)} ${'lag +'.padStart(8)} ${'µs/ev'.padStart(6)} ${'flow control'.padStart(14)} ${'drain'.padStart(7)}   verdict`;

/** The search; see the module comment. `onStep` sees each step as it ends (progress). */
export async function findSustainedRate(ctx: FleetContext, subscriptionId: number, options: ThroughputOptions, onStep: (step: StepResult) => void): Promise<ThroughputResult> {
  const steps: StepResult[] = [];
  let sustained: StepResult | null = null;
  let failed: StepResult | null = null;
  let stoppedBecause = `reached --max-rate ${formatCount(options.maxRate)}/s`;
  const run = async (rate: number) => {
    const step = await runStep(ctx, subscriptionId, Math.round(rate), options);
    steps.push(step);
    onStep(step);
    return step;
  };
  for (let rate = options.startRate; ; rate = Math.min(options.maxRate, rate * options.stepFactor)) {
    const step = await run(rate);
    if (step.verdict === 'keeps up') sustained = step;
    else {
      if (step.verdict === 'falls behind') failed = step;
      stoppedBecause = step.verdict === 'falls behind' ? `${formatCount(step.rate)}/s fell behind` : `${formatCount(step.rate)}/s was generator-limited`;
      break;
    }
    if (rate >= options.maxRate) break;
  }
  for (let round = 0; round < options.refineSteps && failed; round++) {
    const low = sustained?.rate ?? 0;
    const middle = Math.round((low + failed.rate) / 2 / 100) * 100;
    if (middle <= low || middle >= failed.rate) break;
    const step = await run(middle);
    if (step.verdict === 'keeps up') sustained = step;
    else if (step.verdict === 'falls behind') failed = step;
    else break;
  }
  if (failed && sustained) stoppedBecause = `${formatCount(failed.rate)}/s fell behind (${failed.reason})`;
  return { steps, sustained, stoppedBecause };
}
