/**
 * Phases 2 to 4 of the fleet benchmark (phase 1 is bench/fleet-throughput.ts):
 *
 * - **catch-up**: the flows are stopped (as a Node-RED restart stops them: positions flushed,
 *   subscriptions kept), an outage's worth of events (rate × seconds) is generated into the
 *   retention, then a marker event; the flows start again and resume from their position. The
 *   time is from the start to the marker's arrival at the MQTT subscriber; every seq in between
 *   is checked.
 * - **memory**: an empty flow (baseline), then N in-nodes over S subscriptions: deploy time (the
 *   deploy until every subscription is read and every in-node shows green), heap after gc and
 *   RSS idle, under load (peaks, no gc) and after it.
 * - **broker**: Mosquitto alone, publisher peer → broker → subscriber peer, fan-out-shaped
 *   messages (QoS 1, retained): what the broker path carries on this machine without Node-RED.
 */
import { formatCount, heapUsedMb, toMb } from './report';
import { cpuMeter, delay, processBacklog, simSubscription, simSubscriptions, subscriberStats, waitDrained, waitUntil, type FleetContext } from './fleet-context';
import { BROKER_ID, manyInNodesFlow, type FilterKind } from './fleet-flows';
import type { PacerTotals, PeerProcess } from './fleet-processes';
import { liveAllocationsAfter, profileFor, type HeapLine, type ProfileLine } from './fleet-profile';
import { controlCall } from './simulator-process';

/** Below this many missing stream events the backlog counts as made (the last few are topped up one by one). */
const BACKLOG_TOP_UP_BELOW = 50;
/** Events generated and delivered before the flows stop, so the node has a position to resume from. */
const PRIMING_EVENTS = 200;
/** Time to settle before a memory reading: longer than the subscription-deletion grace (5 s). */
const SETTLE_MS = 6_000;
/** Memory sample period under load (ms). */
const MEMORY_SAMPLE_MS = 500;
/** Longest wait for a deploy of many in-nodes to be read (ms). */
const DEPLOY_TIMEOUT_MS = 120_000;
/** Longest wait for the broker-only messages to arrive (ms). */
const BROKER_TIMEOUT_MS = 300_000;

/** What the catch-up phase measured. */
export interface CatchUpResult {
  rate: number;
  outageSeconds: number;
  /** Stream events made while the flows were stopped (the marker included). */
  backlog: number;
  generationSeconds: number;
  /** From starting the flows to the marker at the subscriber. */
  catchUpSeconds: number;
  replayRate: number;
  missing: { count: number; ranges: string[] };
  duplicates: number;
  /** Flow-control pauses begun during the catch-up, and the time paused. */
  flowControlPauses: number;
  flowControlPausedMs: number;
  /** Highest heap in use (no gc) and RSS of the Node-RED process during the catch-up, MB. */
  peakHeapMb: number;
  peakRssMb: number;
  cpu: Record<string, number | null>;
  /** With profiling on: the functions that took the most time, 20 s into the catch-up. */
  profile: ProfileLine[];
  /** With profiling on: the allocation stacks of what stayed alive over the next 30 s. */
  liveAllocations: HeapLine[];
}

/** With profiling on, how long into the catch-up the profile starts (s): past the start-up. */
const PROFILE_AFTER_S = 20;
/** Functions listed from the profile. */
const PROFILE_TOP = 15;
/** With profiling on, how long allocations are sampled after the CPU profile (s). */
const HEAP_SAMPLE_S = 30;

/** A datapoint of a real fleet device, used as the marker at the end of a backlog. */
export interface MarkerEvent {
  dsn: string;
  property: string;
}

/** The first fleet device's first property (the soak picks its top-up event the same way). */
export async function pickMarker(ctx: FleetContext): Promise<MarkerEvent> {
  const list = (await controlCall(ctx.sim, 'GET', '/sim/devices')) as { devices: Array<{ dsn: string; values: Record<string, unknown> }> };
  const first = list.devices[0];
  if (!first) throw new Error('the simulator has no devices');
  return { dsn: first.dsn, property: Object.keys(first.values)[0] };
}

async function postMarker(ctx: FleetContext, marker: MarkerEvent): Promise<void> {
  await controlCall(ctx.sim, 'POST', '/sim/events', { metadata: { event_type: 'datapoint', dsn: marker.dsn, property_name: marker.property }, datapoint: {} });
}

/** Phase 3; see the module comment. */
export async function measureCatchUp(
  ctx: FleetContext,
  subscriptionId: number,
  rate: number,
  outageSeconds: number,
  marker: MarkerEvent,
  timeoutMs: number,
  profileSeconds = 0,
): Promise<CatchUpResult> {
  // A few events first, all delivered: a node restarts from its saved position, and a node that
  // has never delivered an event has none (it then starts live, as the README says).
  await ctx.pacer.request<PacerTotals>('burst', { count: PRIMING_EVENTS });
  await waitDrained(ctx, subscriptionId, timeoutMs);
  const before = await simSubscription(ctx, subscriptionId);
  const duplicatesBefore = (await subscriberStats(ctx)).duplicates;
  await ctx.red.setFlowState('stop');
  const generationStartedAt = Date.now();
  const wanted = Math.max(1, Math.round(rate * outageSeconds));
  // Each generated event is at most one datapoint on the subscription, so asking for what is
  // still missing never overshoots; a few rounds close the gap left by other event types.
  for (;;) {
    const missing = wanted - 1 - ((await simSubscription(ctx, subscriptionId)).nextSeq - before.nextSeq);
    if (missing < BACKLOG_TOP_UP_BELOW) break;
    await ctx.pacer.request<PacerTotals>('burst', { count: missing });
  }
  await postMarker(ctx, marker);
  const markerSeq = (await simSubscription(ctx, subscriptionId)).nextSeq - 1;
  const generationSeconds = (Date.now() - generationStartedAt) / 1000;
  const backlog = markerSeq - before.nextSeq + 1;
  process.stderr.write(`catch-up: ${formatCount(backlog)} events made in ${generationSeconds.toFixed(1)} s while the flows were stopped; starting them\n`);

  const cpu = cpuMeter(ctx);
  cpu.start();
  const flowControlBefore = ctx.log.flowControl();
  const startedAt = Date.now();
  await ctx.red.setFlowState('start');
  // Printed as soon as they are taken: a slow catch-up may take long to end.
  const profiling =
    profileSeconds > 0
      ? delay(PROFILE_AFTER_S * 1000)
          .then(() => profileFor(profileSeconds, PROFILE_TOP))
          .then(async (cpuLines) => {
            for (const line of cpuLines) process.stderr.write(`catch-up cpu profile: ${line.selfPercent.toFixed(1).padStart(5)}% ${line.where}\n`);
            const heapLines = await liveAllocationsAfter(HEAP_SAMPLE_S, PROFILE_TOP);
            for (const line of heapLines) process.stderr.write(`catch-up live allocations: ${line.liveMb.toFixed(1).padStart(7)} MB ${line.where}\n`);
            return { cpuLines, heapLines };
          })
      : Promise.resolve({ cpuLines: [], heapLines: [] });
  let lastProgressAt = Date.now();
  const peak = { heapMb: 0, rssMb: 0 };
  await waitUntil(
    `the marker (seq ${markerSeq}) at the MQTT subscriber`,
    async () => {
      const stats = await subscriberStats(ctx);
      const usage = process.memoryUsage();
      peak.heapMb = Math.max(peak.heapMb, toMb(usage.heapUsed));
      peak.rssMb = Math.max(peak.rssMb, toMb(usage.rss));
      if (Date.now() - lastProgressAt >= 10_000) {
        lastProgressAt = Date.now();
        process.stderr.write(
          `catch-up: ${formatCount(stats.maxSeq - before.nextSeq + 1)} of ${formatCount(backlog)} after ${((Date.now() - startedAt) / 1000).toFixed(0)} s; ` +
            `${processBacklog(ctx, BROKER_ID)}; flow control paused ${ctx.log.flowControl().pauses - flowControlBefore.pauses}×\n`,
        );
      }
      return stats.maxSeq >= markerSeq;
    },
    timeoutMs,
    50,
  );
  const catchUpSeconds = (Date.now() - startedAt) / 1000;
  const cpuUse = cpu.read();
  const flowControlAfter = ctx.log.flowControl();
  const missing = await ctx.subscriber.request<{ count: number; ranges: string[] }>('missing', { from: before.nextSeq, to: markerSeq });
  return {
    rate,
    outageSeconds,
    backlog,
    generationSeconds,
    catchUpSeconds,
    replayRate: backlog / catchUpSeconds,
    missing,
    duplicates: (await subscriberStats(ctx)).duplicates - duplicatesBefore,
    flowControlPauses: flowControlAfter.pauses - flowControlBefore.pauses,
    flowControlPausedMs: flowControlAfter.pausedMs - flowControlBefore.pausedMs,
    peakHeapMb: peak.heapMb,
    peakRssMb: peak.rssMb,
    cpu: cpuUse,
    profile: (await profiling).cpuLines,
    liveAllocations: (await profiling).heapLines,
  };
}

/** What the memory phase measured (MB, ms). */
export interface MemoryResult {
  inNodes: number;
  subscriptions: number;
  deployMs: number;
  baseline: { heapMb: number; rssMb: number };
  idle: { heapMb: number; rssMb: number };
  loadedPeak: { heapMb: number; rssMb: number };
  afterLoad: { heapMb: number; rssMb: number };
  loadRate: number;
  /** Messages per second that reached the MQTT subscriber under load. */
  delivered: number;
  cpu: Record<string, number | null>;
}

function memoryNow(): { heapMb: number; rssMb: number } {
  const heapMb = heapUsedMb(true);
  return { heapMb, rssMb: toMb(process.memoryUsage().rss) };
}

/** Phase 2; see the module comment. */
export async function measureMemory(ctx: FleetContext, inNodes: number, subscriptions: number, loadRate: number, loadSeconds: number, filter: FilterKind): Promise<MemoryResult> {
  await ctx.red.deploy([], 'full');
  await delay(SETTLE_MS);
  const baseline = memoryNow();

  const { flow, inNodeIds } = manyInNodesFlow(ctx.sim, ctx.broker, inNodes, subscriptions, filter);
  for (const id of inNodeIds) ctx.statuses.delete(id);
  const deployStartedAt = Date.now();
  await ctx.red.deploy(flow, 'full');
  await waitUntil(
    `${subscriptions} subscriptions read and ${inNodes} in-nodes green`,
    async () => {
      const read = (await simSubscriptions(ctx)).filter((subscription) => subscription.connected).length;
      return read === subscriptions && inNodeIds.every((id) => ctx.statuses.get(id)?.fill === 'green');
    },
    DEPLOY_TIMEOUT_MS,
    50,
  );
  const deployMs = Date.now() - deployStartedAt;
  await delay(SETTLE_MS);
  const idle = memoryNow();

  const messagesBefore = (await subscriberStats(ctx)).messages;
  const loadedPeak = { heapMb: 0, rssMb: 0 };
  const cpu = cpuMeter(ctx);
  cpu.start();
  const loadStartedAt = Date.now();
  await ctx.pacer.request('pace', { rate: loadRate, subscriptionId: null });
  try {
    while (Date.now() - loadStartedAt < loadSeconds * 1000) {
      await delay(MEMORY_SAMPLE_MS);
      const usage = process.memoryUsage();
      loadedPeak.heapMb = Math.max(loadedPeak.heapMb, toMb(usage.heapUsed));
      loadedPeak.rssMb = Math.max(loadedPeak.rssMb, toMb(usage.rss));
    }
  } finally {
    await ctx.pacer.request('stop');
  }
  const loadedSeconds = (Date.now() - loadStartedAt) / 1000;
  const cpuUse = cpu.read();
  const delivered = ((await subscriberStats(ctx)).messages - messagesBefore) / loadedSeconds;
  // Drained when every socket was sent its subscription's events and the subscriber is quiet.
  let lastMessages = -1;
  await waitUntil(
    'the many-in-nodes flow drained',
    async () => {
      const all = await simSubscriptions(ctx);
      const messages = (await subscriberStats(ctx)).messages;
      const quiet = messages === lastMessages;
      lastMessages = messages;
      return quiet && all.every((subscription) => subscription.sendCursor === null || subscription.sendCursor >= subscription.nextSeq);
    },
    DEPLOY_TIMEOUT_MS,
    1_000,
  );
  await delay(SETTLE_MS);
  const afterLoad = memoryNow();
  await ctx.red.deploy([], 'full');
  return { inNodes, subscriptions, deployMs, baseline, idle, loadedPeak, afterLoad, loadRate, delivered, cpu: cpuUse };
}

/** What the broker phase measured. */
export interface BrokerResult {
  messages: number;
  /** First publish to the last message at the subscriber. */
  seconds: number;
  rate: number;
  duplicates: number;
  missing: number;
  cpu: Record<string, number | null>;
}

/** Phase 4; see the module comment. */
export async function measureBroker(ctx: FleetContext, publisher: PeerProcess, messages: number, devices: number): Promise<BrokerResult> {
  await waitUntil('the publisher connected', () => publisher.request<boolean>('connected'), 10_000);
  await ctx.subscriber.request('reset');
  const cpu = cpuMeter(ctx);
  cpu.start();
  const { startedAtMs } = await publisher.request<{ startedAtMs: number; endedAtMs: number }>('publish', { count: messages, devices });
  const stats = await waitUntil(
    `${formatCount(messages)} messages at the subscriber`,
    async () => {
      const current = await subscriberStats(ctx);
      return current.distinct >= messages ? current : null;
    },
    BROKER_TIMEOUT_MS,
    50,
  );
  const cpuUse = cpu.read();
  const seconds = (stats.lastAtMs - startedAtMs) / 1000;
  const missing = await ctx.subscriber.request<{ count: number }>('missing', { from: 0, to: messages - 1 });
  return { messages, seconds, rate: messages / seconds, duplicates: stats.duplicates, missing: missing.count, cpu: cpuUse };
}
