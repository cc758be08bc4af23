/**
 * What every phase of the fleet benchmark shares: the running processes, the Node-RED log
 * counters (flow-control pauses, warnings, errors), the last status of every node, and small
 * helpers (bounded waits, the simulator's view of a subscription).
 */
import type { RunningMosquitto } from '../test/support/mosquitto';
import { CpuMeter, type PeerProcess, type SubscriberStats } from './fleet-processes';
import { controlCall, type BenchSimulator } from './simulator-process';
import { NODE_RED_WARN_LEVEL, type EmbeddedNodeRed, type NodeRedLogRecord } from './soak-node-red';

/** Node-RED's numeric log level for `node.log` lines. */
const NODE_RED_INFO_LEVEL = 40;
const PAUSE_LINE = /^flow control: the event loop lags/;
const RESUME_LINE = /^flow control: resuming .* after (\d+) ms/;

/** Node-RED log records the benchmark counts. */
export class FleetLog {
  flowControlPauses = 0;
  flowControlPausedMs = 0;
  warnings = 0;
  errors = 0;
  private readonly texts = new Map<string, number>();

  constructor(private readonly verbose: boolean) {}

  record(entry: NodeRedLogRecord): void {
    const text = entry.msg instanceof Error ? entry.msg.message : typeof entry.msg === 'string' ? entry.msg : JSON.stringify(entry.msg);
    if (entry.level === NODE_RED_INFO_LEVEL) {
      if (this.verbose && (PAUSE_LINE.test(text) || RESUME_LINE.test(text))) process.stderr.write(`node-red ${new Date().toISOString().slice(11, 23)}: ${text}\n`);
      if (PAUSE_LINE.test(text)) this.flowControlPauses++;
      const resumed = RESUME_LINE.exec(text);
      if (resumed) this.flowControlPausedMs += Number(resumed[1]);
      return;
    }
    if (entry.level > NODE_RED_INFO_LEVEL) return;
    if (entry.level === NODE_RED_WARN_LEVEL) this.warnings++;
    else if (entry.level < NODE_RED_WARN_LEVEL) this.errors++;
    const key = `${entry.level === NODE_RED_WARN_LEVEL ? 'warn' : 'error'} [${entry.type ?? 'runtime'}] ${String(text).slice(0, 120)}`;
    this.texts.set(key, (this.texts.get(key) ?? 0) + 1);
    if (this.verbose) process.stderr.write(`node-red: ${key}\n`);
  }

  /** Pauses and paused time so far, for differences across a step. */
  flowControl(): { pauses: number; pausedMs: number } {
    return { pauses: this.flowControlPauses, pausedMs: this.flowControlPausedMs };
  }

  /** The most frequent warning and error texts, `count× text`. */
  top(limit: number): string[] {
    return [...this.texts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([text, count]) => `${count}× ${text}`);
  }
}

/** One subscription as `GET /sim/state` shows it. */
export interface SimSubscription {
  id: number;
  name: string;
  connected: boolean;
  nextSeq: number;
  /** The seq of the next event the socket will be sent; null without a socket. */
  sendCursor: number | null;
}

/**
 * QoS 1 messages the flow's MQTT client has sent and not yet had acknowledged by Mosquitto
 * (mqtt.js keeps them in `outgoing`); 0 when the broker node is not running.
 */
export function mqttInFlight(ctx: Pick<FleetContext, 'red'>, brokerNodeId: string): number {
  const broker = ctx.red.getNode(brokerNodeId) as { client?: { outgoing?: Record<string, unknown> } } | null;
  return Object.keys(broker?.client?.outgoing ?? {}).length;
}

/**
 * Where a backlog can sit inside this process, for progress lines: heap and RSS (MB), callbacks
 * waiting for the check phase (Node-RED delivers every message with `setImmediate`), and the
 * flow's MQTT client (QoS 1 messages awaiting PUBACK, bytes not yet taken by its socket).
 */
export function processBacklog(ctx: Pick<FleetContext, 'red'>, brokerNodeId: string): string {
  const usage = process.memoryUsage();
  const immediates = process.getActiveResourcesInfo().filter((type) => type === 'Immediate').length;
  const broker = ctx.red.getNode(brokerNodeId) as { client?: { outgoing?: Record<string, unknown>; stream?: { writableLength?: number } } } | null;
  const unacked = Object.keys(broker?.client?.outgoing ?? {}).length;
  const unsentKb = Math.round((broker?.client?.stream?.writableLength ?? 0) / 1024);
  return `heap ${Math.round(usage.heapUsed / 2 ** 20)} MB, rss ${Math.round(usage.rss / 2 ** 20)} MB, immediates ${immediates}, mqtt unacked ${unacked}, unsent ${unsentKb} KB`;
}

/** Everything the phases use. */
export interface FleetContext {
  sim: BenchSimulator;
  broker: RunningMosquitto;
  red: EmbeddedNodeRed;
  subscriber: PeerProcess;
  pacer: PeerProcess;
  log: FleetLog;
  /** The last status of every node, by id. */
  statuses: Map<string, { fill?: string; text?: string }>;
  /** The processes whose CPU use is reported, by name. */
  processes: Array<{ name: string; pid: number }>;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with `check`'s first truthy value; throws after `timeoutMs` naming `what`. */
export async function waitUntil<T>(what: string, check: () => Promise<T | null | false | undefined> | T | null | false | undefined, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s`);
    await delay(everyMs);
  }
}

/** Every subscription the simulator holds. */
export async function simSubscriptions(ctx: Pick<FleetContext, 'sim'>): Promise<SimSubscription[]> {
  const state = (await controlCall(ctx.sim, 'GET', '/sim/state')) as { subscriptions: SimSubscription[] };
  return state.subscriptions;
}

/** One subscription by id. */
export async function simSubscription(ctx: Pick<FleetContext, 'sim'>, id: number): Promise<SimSubscription> {
  const found = (await simSubscriptions(ctx)).find((subscription) => subscription.id === id);
  if (!found) throw new Error(`subscription ${id} is not in /sim/state`);
  return found;
}

export function subscriberStats(ctx: Pick<FleetContext, 'subscriber'>): Promise<SubscriberStats> {
  return ctx.subscriber.request<SubscriberStats>('stats');
}

/** A CPU meter over the context's processes. */
export function cpuMeter(ctx: Pick<FleetContext, 'processes'>): CpuMeter {
  return new CpuMeter(ctx.processes);
}

/**
 * Waits until everything a single-subscription flow was given has reached the MQTT subscriber:
 * its highest seq is the subscription's last. Returns how long it took (ms).
 */
export async function waitDrained(ctx: FleetContext, subscriptionId: number, timeoutMs: number): Promise<number> {
  const startedAt = Date.now();
  await waitUntil(
    'the flow drained',
    async () => {
      const [subscription, stats] = await Promise.all([simSubscription(ctx, subscriptionId), subscriberStats(ctx)]);
      return subscription.nextSeq === 0 || stats.maxSeq >= subscription.nextSeq - 1;
    },
    timeoutMs,
    200,
  );
  return Date.now() - startedAt;
}
