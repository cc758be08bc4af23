/**
 * Soak: a million numbered datapoint events through a REAL Node-RED runtime running our nodes,
 * with a fault injected every few seconds, then 100 redeploys; prints what arrived and what the
 * process holds afterwards.
 *
 * Run: `npm run build && node --expose-gc -r ./bench/register.js bench/soak.ts [--events N]`
 *
 * - Node-RED runs embedded in this process (bench/soak-node-red.ts), loading the built package
 *   from dist/ like any installed module; the simulator runs in a child process
 *   (`startBenchSimulator` in bench/simulator-process.ts), so the heap and handles read here are Node-RED's and ours.
 * - Flow: `ayla-dss-account` (custom region → the simulator, credentials as `${ENV}` references)
 *   → one `ayla-datapoint-in` (auto subscription, every property of every simulated device) → `soak-sink`, which
 *   records `msg.ayla.seq` (bench/soak-sink/, bench/soak-recorder.ts).
 * - Events: the simulator numbers them per stream key; the script generates exactly N
 *   (`/sim/generate` in batches, topped up with `/sim/events`), paced so that at most
 *   `--max-in-flight` are generated but not yet delivered, and checks that every seq
 *   0 … N-1 arrived exactly once.
 * - Faults, one every `--fault-interval-ms` while the node is connected, in rotation (see {@link FAULTS}).
 * - Redeploys: alternately a full deploy of the same flow and a "modified nodes" deploy of a
 *   variant (in-node and sink renamed, so Node-RED recreates them); after each, a small batch of
 *   events must arrive exactly once too. Active handles (by type) are read before the first and
 *   after the last redeploy, both in the same idle, connected state.
 *
 * Exit code 1 when any event is missing, duplicated or out of range, when a handle type grew by
 * more than {@link HANDLE_LEAK_TOLERANCE}, or when the time limit is reached. Nothing is timed
 * against a threshold: rates and pauses are printed, never judged.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AccountCredentials, AccountNodeProperties, EventInNodeProperties } from '../nodes/lib/node-options';
import { canForceGc, environmentLine, formatCount, heapUsedMb, median, positiveIntegerOption, toMb } from './report';
import { activeResources, formatResources, grownResources, ResourceTracker, type ResourceCounts } from './soak-handles';
import { SeqRecorder } from './soak-recorder';
import { NODE_RED_WARN_LEVEL, startEmbeddedNodeRed, type EmbeddedNodeRed, type NodeRedLogRecord } from './soak-node-red';
import { controlCall, nextSeqOf, startBenchSimulator, type BenchSimulator } from './simulator-process';

const DEFAULT_EVENTS = 1_000_000;
const DEFAULT_FAULT_INTERVAL_MS = 3_000;
const DEFAULT_REDEPLOYS = 100;
/** Events generated after each redeploy, which must arrive exactly once like the others. */
const DEFAULT_EVENTS_PER_REDEPLOY = 100;
/** Whole run, simulator start to exit (15 min). */
const DEFAULT_TIMEOUT_MS = 15 * 60_000;
/** Generated but not yet delivered, at most: bounds what an outage must replay. */
const DEFAULT_MAX_IN_FLIGHT = 50_000;
/** Retention per stream key in the simulator: far above what any outage can need (see the pacing). */
const DEFAULT_RETENTION = 2_000_000;

/** Simulator heartbeat interval (1 s) and the misses it tolerates (3), so heartbeat faults bite within one fault interval. */
const SIM_HEARTBEAT_MS = 1_000;
const SIM_MISSED_HEARTBEATS = 3;
/** The account's `heartbeatTimeout` (3 s): a socket silent this long is declared dead and replaced. */
const ACCOUNT_HEARTBEAT_TIMEOUT_S = 3;
/** A stall longer than the heartbeat timeout, so it is a half-open connection the node must detect (4 s). */
const STALL_MS = ACCOUNT_HEARTBEAT_TIMEOUT_S * 1000 + 1000;
/** Heartbeats stopped for longer than the heartbeat timeout (4 s). */
const HEARTBEATS_OFF_MS = ACCOUNT_HEARTBEAT_TIMEOUT_S * 1000 + 1000;
/** Upgrades answered 503 for 2 s, right before the sockets are dropped. */
const REFUSE_UPGRADES_S = 2;
/** The subscription suspended for 1 s (upgrades refused with 401 meanwhile). */
const SUSPEND_MS = 1_000;
/** The simulator's listener down for 1 s on restart. */
const RESTART_DOWN_MS = 1_000;

/** Most events one `/sim/generate` call makes (the simulator's own limit). */
const MAX_GENERATE_PER_CALL = 10_000;
/**
 * `/sim/generate` makes mostly, not only, datapoint events; asking for this share of what is
 * still missing never overshoots. The last {@link TOP_UP_BELOW} are added one by one.
 */
const GENERATE_SHARE_OF_REMAINING = 0.85;
const TOP_UP_BELOW = 50;
/** Poll period of the pacing and delivery waits (ms): cheap next to the traffic. */
const POLL_MS = 20;
/** After the last expected event, listen this long for late duplicates (ms). */
const LATE_DUPLICATE_WINDOW_MS = 2_000;
/** Longest wait for the node's first connection, and for one redeploy's events (ms). */
const CONNECT_TIMEOUT_MS = 30_000;
const REDEPLOY_DELIVERY_TIMEOUT_MS = 60_000;
/**
 * Idle time before reading the handles (7 s): longer than the hub's subscription-deletion grace
 * (5 s), fetch's keep-alive (4 s) and the simulator's close grace, so that both readings see
 * the same steady state: one connected stream, nothing in flight.
 */
const HANDLE_SETTLE_MS = 7_000;
/** A handle type may differ by this much between the readings (a timer caught mid-flight); more is a leak. */
const HANDLE_LEAK_TOLERANCE = 2;
/** Tries at reaching a steady state before a handle reading. */
const STEADY_STATE_ATTEMPTS = 3;
/** Memory sample period during the soak (ms). */
const MEMORY_SAMPLE_MS = 1_000;
/** After the generation, longest wait for what is in flight (ms): a reconnect backoff can reach 60 s. */
const DRAIN_TIMEOUT_MS = 90_000;
/** Time kept for the redeploy phase when the stream phase is cut short by the time limit (ms). */
const REDEPLOY_RESERVE_MS = 150_000;
/** Period of the progress line on stderr (ms). */
const PROGRESS_MS = 10_000;
/** A pause taken by a time-limited part, so the summary can still be printed (ms). */
const SUMMARY_RESERVE_MS = 30_000;

const TAB_ID = 'soak-tab';
const ACCOUNT_ID = 'soak-account';
const IN_NODE_ID = 'soak-datapoints';
const SINK_ID = 'soak-counter';
/** Environment variables the account's credentials refer to: no secret is written to the flow or the credentials file. */
const ENV_NAMES: Record<keyof Required<AccountCredentials>, string> = {
  email: 'AYLA_SOAK_EMAIL',
  password: 'AYLA_SOAK_PASSWORD',
  appId: 'AYLA_SOAK_APP_ID',
  appSecret: 'AYLA_SOAK_APP_SECRET',
};

const HELP = `Usage: npm run build && node --expose-gc -r ./bench/register.js bench/soak.ts [options]

  --events <n>              datapoint events streamed under faults (default ${formatCount(DEFAULT_EVENTS)})
  --fault-interval-ms <ms>  time between fault injections (default ${DEFAULT_FAULT_INTERVAL_MS})
  --redeploys <n>           redeploys after the stream (default ${DEFAULT_REDEPLOYS})
  --events-per-redeploy <n> events that must arrive after each redeploy (default ${DEFAULT_EVENTS_PER_REDEPLOY})
  --max-in-flight <n>       events generated but not yet delivered, at most (default ${formatCount(DEFAULT_MAX_IN_FLIGHT)})
  --retention <n>           simulator retention per stream key (default ${formatCount(DEFAULT_RETENTION)})
  --timeout-ms <ms>         limit for the whole run (default ${DEFAULT_TIMEOUT_MS})
  --keep-user-dir           keep the temporary Node-RED user directory (its path is printed)
  --verbose                 copy every Node-RED warning and error to stderr as it happens
  --trace-resources         record where each async resource is created during the redeploys and
                            print the most common sites of those still alive (slow; to find a leak)
`;

interface SoakOptions {
  events: number;
  faultIntervalMs: number;
  redeploys: number;
  eventsPerRedeploy: number;
  maxInFlight: number;
  retention: number;
  timeoutMs: number;
  keepUserDir: boolean;
  verbose: boolean;
  traceResources: boolean;
}

/** Everything a fault or the generator needs. */
interface SoakContext {
  sim: BenchSimulator;
  subscriptionId: number;
  deadline: number;
  /** Control calls that failed on the network (the simulator restarting) and were retried. */
  retriedCalls: number;
  /** The subscription's next seq, as last read: events generated so far. */
  generated: number;
  /** Starts a control call; during the redeploys, outside the resource tracking (see ResourceTracker.untracked). */
  untracked<T>(start: () => T): T;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A network failure (the simulator restarting or briefly down), as opposed to an HTTP error answer. */
function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError || (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'));
}

/**
 * A control call retried while the simulator is unreachable. Only for calls that are safe to
 * repeat: reads, and fault switches whose repetition changes nothing.
 */
async function idempotentCall(ctx: SoakContext, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  for (;;) {
    try {
      return await ctx.untracked(() => controlCall(ctx.sim, method, path, body));
    } catch (error) {
      if (!isNetworkError(error) || Date.now() > ctx.deadline) throw error;
      ctx.retriedCalls++;
      await delay(100);
    }
  }
}

/** One kind of trouble. `run` resolves when the fault is over (or, for instant ones, injected). */
interface Fault {
  name: string;
  run(ctx: SoakContext): Promise<void>;
}

/**
 * The rotation. Each entry injects what its name says; combinations are there so that the
 * fault reaches the code it is meant for (a refused upgrade needs a reconnect; expired tokens
 * only matter when the node has to call REST again).
 */
const FAULTS: Fault[] = [
  { name: 'drop-sockets', run: async (ctx) => void (await idempotentCall(ctx, 'POST', '/sim/faults/drop-sockets')) },
  // Frames held longer than the heartbeat timeout: a half-open connection to detect and replace.
  { name: 'stall-frames', run: async (ctx) => void (await idempotentCall(ctx, 'POST', '/sim/faults/stall', { ms: STALL_MS })) },
  {
    name: 'heartbeats-off',
    run: async (ctx) => {
      await idempotentCall(ctx, 'POST', '/sim/faults/heartbeats', { enabled: false });
      await delay(HEARTBEATS_OFF_MS);
      await idempotentCall(ctx, 'POST', '/sim/faults/heartbeats', { enabled: true });
    },
  },
  {
    name: 'refuse-upgrades',
    run: async (ctx) => {
      await idempotentCall(ctx, 'POST', '/sim/faults/refuse-upgrades', { seconds: REFUSE_UPGRADES_S });
      await idempotentCall(ctx, 'POST', '/sim/faults/drop-sockets');
    },
  },
  {
    // Every access and refresh token expired, then the subscription suspended briefly: the
    // next upgrade is refused (401), so the node must find its subscription again through REST
    // with tokens that no longer work (refresh refused → sign in again).
    name: 'expire-tokens',
    run: async (ctx) => {
      await idempotentCall(ctx, 'POST', '/sim/faults/expire-tokens', { refreshTokens: true });
      await idempotentCall(ctx, 'POST', `/sim/subscriptions/${ctx.subscriptionId}/suspend`, { suspended: true });
      await delay(SUSPEND_MS);
      await idempotentCall(ctx, 'POST', `/sim/subscriptions/${ctx.subscriptionId}/suspend`, { suspended: false });
    },
  },
  // Sockets and HTTP connections cut, listener down for a while, state (seqs, retention) kept.
  { name: 'restart-server', run: async (ctx) => void (await idempotentCall(ctx, 'POST', '/sim/restart', { downMs: RESTART_DOWN_MS })) },
];

/** Per fault kind: how often, and the longest pause in deliveries in the window that followed each. */
class FaultLog {
  readonly pausesByName = new Map<string, number[]>();
  injected = 0;

  add(name: string, pauseMs: number): void {
    const list = this.pausesByName.get(name) ?? [];
    list.push(pauseMs);
    this.pausesByName.set(name, list);
  }
}

/** Injects faults in rotation until `stop()` is called; `stop()` resolves once the running fault is over. */
function startFaults(ctx: SoakContext, recorder: SeqRecorder, status: StatusWatch, intervalMs: number, log: FaultLog): { stop(): Promise<void> } {
  let stopped = false;
  let wake: (() => void) | null = null;
  let current: string | null = null;
  const loop = (async () => {
    // No fault before the first delivery: until then the node has no position to resume from
    // (it connects without seq_start), so events generated during an outage that early are not
    // replayed. That edge is not what a soak measures; it is reported on its own.
    while (!stopped && recorder.delivered === 0) await delay(POLL_MS);
    for (let index = 0; !stopped; index++) {
      // Only a connected node is hit: a fault landing on a node that is already waiting to
      // reconnect changes nothing but its backoff, and would measure the fault pile-up instead.
      while (!stopped && !status.connected) await delay(POLL_MS);
      if (stopped) break;
      const startedAt = Date.now();
      const fault = FAULTS[index % FAULTS.length];
      // The pause measured after the previous fault ends here.
      if (current !== null) log.add(current, recorder.takeLongestPauseMs());
      else recorder.takeLongestPauseMs();
      current = fault.name;
      log.injected++;
      await fault.run(ctx);
      const wait = intervalMs - (Date.now() - startedAt);
      if (wait > 0 && !stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    }
    if (current !== null) log.add(current, recorder.takeLongestPauseMs());
  })();
  return {
    stop: () => {
      stopped = true;
      wake?.();
      return loop;
    },
  };
}

/** Distinct seqs delivered so far (duplicates and strays not counted). */
function firstDeliveries(recorder: SeqRecorder): number {
  return recorder.delivered - recorder.duplicates - recorder.outOfRange;
}

/**
 * Generates datapoint events until the subscription's next seq is exactly `target` (true) or
 * `stopAt` passes (false), keeping at most `maxInFlight` generated-but-undelivered. POSTs are never repeated blindly (one that
 * failed may still have been applied): after any failure the next seq is read again.
 */
async function generateUpTo(
  ctx: SoakContext,
  recorder: SeqRecorder,
  target: number,
  maxInFlight: number,
  topUp: { dsn: string; property: string },
  stopAt: number,
): Promise<boolean> {
  let next = await nextSeqOfRetrying(ctx);
  while (next < target) {
    if (Date.now() > stopAt) return false;
    const inFlight = next - firstDeliveries(recorder);
    if (inFlight >= maxInFlight) {
      await delay(POLL_MS);
      continue;
    }
    const remaining = target - next;
    try {
      if (remaining >= TOP_UP_BELOW) {
        const count = Math.max(1, Math.min(MAX_GENERATE_PER_CALL, Math.floor(remaining * GENERATE_SHARE_OF_REMAINING), maxInFlight - inFlight));
        await ctx.untracked(() => controlCall(ctx.sim, 'POST', '/sim/generate', { count }));
      } else {
        const event = { metadata: { event_type: 'datapoint', dsn: topUp.dsn, property_name: topUp.property }, datapoint: {} };
        await ctx.untracked(() => controlCall(ctx.sim, 'POST', '/sim/events', event));
      }
    } catch (error) {
      if (!isNetworkError(error)) throw error;
      ctx.retriedCalls++;
      await delay(100);
    }
    next = await nextSeqOfRetrying(ctx);
  }
  if (next !== target) throw new Error(`generated up to seq ${next}, wanted exactly ${target}`);
  return true;
}

async function nextSeqOfRetrying(ctx: SoakContext): Promise<number> {
  for (;;) {
    try {
      ctx.generated = await ctx.untracked(() => nextSeqOf(ctx.sim, ctx.subscriptionId));
      return ctx.generated;
    } catch (error) {
      if (!isNetworkError(error) || Date.now() > ctx.deadline) throw error;
      ctx.retriedCalls++;
      await delay(100);
    }
  }
}

/** Resolves true once `count` distinct seqs arrived, false at `deadline`. */
async function waitForDeliveries(recorder: SeqRecorder, count: number, deadline: number): Promise<boolean> {
  while (firstDeliveries(recorder) < count) {
    if (Date.now() > deadline) return false;
    await delay(POLL_MS);
  }
  return true;
}

/** The one subscription the in-node created, once its socket is attached. */
async function waitForConnectedSubscription(ctx: Pick<SoakContext, 'sim'>): Promise<number> {
  const deadline = Date.now() + CONNECT_TIMEOUT_MS;
  for (;;) {
    const state = (await controlCall(ctx.sim, 'GET', '/sim/state')) as { subscriptions: Array<{ id: number; connected: boolean }> };
    const connected = state.subscriptions.filter((subscription) => subscription.connected);
    if (connected.length === 1 && state.subscriptions.length === 1) return connected[0].id;
    if (state.subscriptions.length > 1) throw new Error(`expected one subscription, the simulator has ${state.subscriptions.length}`);
    if (Date.now() > deadline) throw new Error(`the datapoint node did not connect within ${CONNECT_TIMEOUT_MS} ms`);
    await delay(100);
  }
}

/**
 * Waits until the stream is connected and has stayed so, untouched, for {@link HANDLE_SETTLE_MS}
 * (a late reconnect, e.g. the end of a stall, would otherwise land in one reading and not the
 * other). False after {@link STEADY_STATE_ATTEMPTS} tries.
 */
async function waitForSteadyState(ctx: SoakContext, status: StatusWatch): Promise<boolean> {
  for (let attempt = 0; attempt < STEADY_STATE_ATTEMPTS; attempt++) {
    const connectDeadline = Date.now() + CONNECT_TIMEOUT_MS;
    while (!(await isConnected(ctx)) && Date.now() < connectDeadline) await delay(100);
    const changesBefore = status.changes;
    await delay(HANDLE_SETTLE_MS);
    // Some resources (file handles, crypto requests) end only when collected; async_hooks
    // reports destroyed resources in batches on a later turn of the loop.
    heapUsedMb(true);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    if (status.changes === changesBefore && status.lastFill === 'green') return true;
  }
  return false;
}

async function isConnected(ctx: SoakContext): Promise<boolean> {
  const state = (await idempotentCall(ctx, 'GET', '/sim/state')) as { subscriptions: Array<{ id: number; connected: boolean }> };
  return state.subscriptions.some((subscription) => subscription.id === ctx.subscriptionId && subscription.connected);
}

/**
 * The flow: account → datapoint in-node (every property of the devices `dsns`, comma-separated) →
 * sink. `variant` 1 renames the in-node and the sink (a modified flow).
 */
function soakFlow(sim: BenchSimulator, dsns: string, variant: 0 | 1, withCredentials: boolean): object[] {
  const account: AccountNodeProperties & { id: string; type: string; credentials?: AccountCredentials } = {
    id: ACCOUNT_ID,
    type: 'ayla-dss-account',
    name: 'soak simulator',
    region: 'custom',
    deployment: 'field',
    clientType: 'cloud',
    streamUrl: sim.streamUrl,
    apiUrl: sim.apiUrl,
    userUrl: sim.userUrl,
    heartbeatTimeout: ACCOUNT_HEARTBEAT_TIMEOUT_S,
    allowInsecure: false,
  };
  if (withCredentials) {
    account.credentials = {
      email: `\${${ENV_NAMES.email}}`,
      password: `\${${ENV_NAMES.password}}`,
      appId: `\${${ENV_NAMES.appId}}`,
      appSecret: `\${${ENV_NAMES.appSecret}}`,
    };
  }
  const inNode: EventInNodeProperties & { id: string; type: string; z: string; wires: string[][] } = {
    id: IN_NODE_ID,
    type: 'ayla-datapoint-in',
    z: TAB_ID,
    name: variant === 0 ? 'datapoints' : 'datapoints (modified)',
    account: ACCOUNT_ID,
    source: 'auto',
    oemModel: '*',
    dsns,
    properties: '*',
    dsnFilter: [],
    modelFilter: [],
    propertyFilter: [],
    onlyChanges: false,
    wires: [[SINK_ID]],
  };
  const sink = { id: SINK_ID, type: 'soak-sink', z: TAB_ID, name: variant === 0 ? 'count' : 'count (modified)', wires: [] };
  return [{ id: TAB_ID, type: 'tab', label: 'soak' }, account, inNode, sink];
}

/** Log records at warn level and above, counted by level and text (texts never hold secrets: see SECURITY.md). */
class LogCounter {
  warnings = 0;
  errors = 0;
  private readonly texts = new Map<string, number>();

  record(entry: NodeRedLogRecord): void {
    if (entry.level > NODE_RED_WARN_LEVEL) return;
    if (entry.level === NODE_RED_WARN_LEVEL) this.warnings++;
    else this.errors++;
    const key = LogCounter.textOf(entry, 100);
    this.texts.set(key, (this.texts.get(key) ?? 0) + 1);
  }

  /** `warn [node type] text`, the text cut at `maxLength` characters. */
  static textOf(entry: NodeRedLogRecord, maxLength = 500): string {
    const message = entry.msg instanceof Error ? entry.msg.message : typeof entry.msg === 'string' ? entry.msg : JSON.stringify(entry.msg);
    return `${entry.level === NODE_RED_WARN_LEVEL ? 'warn' : 'error'} [${entry.type ?? 'runtime'}] ${String(message).slice(0, maxLength)}`;
  }

  /** The most frequent texts, `count× text`. */
  top(limit: number): string[] {
    return [...this.texts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([text, count]) => `${count}× ${text}`);
  }
}

/** The in-node's status over time: disconnects (green → anything else), and how long it was (not) connected. */
class StatusWatch {
  disconnects = 0;
  /** Status changes other than the event count going up. */
  changes = 0;
  lastFill: string | undefined;
  lastText: string | undefined;
  /** Longest stretch not green, ms (an outage as the flow author sees it). */
  longestOutageMs = 0;
  private greenSince: number | null = null;
  private notGreenSince: number | null = Date.now();
  private greenTotalMs = 0;

  observe(fill: string | undefined, text: string | undefined): void {
    const now = Date.now();
    if (fill === 'green' && this.greenSince === null) {
      this.greenSince = now;
      if (this.notGreenSince !== null) this.longestOutageMs = Math.max(this.longestOutageMs, now - this.notGreenSince);
      this.notGreenSince = null;
    } else if (fill !== 'green' && this.greenSince !== null) {
      this.disconnects++;
      this.greenTotalMs += now - this.greenSince;
      this.greenSince = null;
      this.notGreenSince = now;
    }
    if (fill !== this.lastFill) this.changes++;
    this.lastFill = fill;
    this.lastText = text;
  }

  get connected(): boolean {
    return this.greenSince !== null;
  }

  /** Total time green so far, ms. */
  connectedMs(): number {
    return this.greenTotalMs + (this.greenSince === null ? 0 : Date.now() - this.greenSince);
  }

  /** Starts the statistics over (the disconnects and outages of the setup do not count). */
  resetCounters(): void {
    this.disconnects = 0;
    this.longestOutageMs = 0;
    this.greenTotalMs = 0;
    if (this.greenSince !== null) this.greenSince = Date.now();
  }
}

function readOptions(): SoakOptions | 'help' {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      'fault-interval-ms': { type: 'string' },
      redeploys: { type: 'string' },
      'events-per-redeploy': { type: 'string' },
      'max-in-flight': { type: 'string' },
      retention: { type: 'string' },
      'timeout-ms': { type: 'string' },
      'keep-user-dir': { type: 'boolean' },
      verbose: { type: 'boolean' },
      'trace-resources': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const events = positiveIntegerOption('events', values.events, DEFAULT_EVENTS);
  const redeploys = positiveIntegerOption('redeploys', values.redeploys, DEFAULT_REDEPLOYS);
  const eventsPerRedeploy = positiveIntegerOption('events-per-redeploy', values['events-per-redeploy'], DEFAULT_EVENTS_PER_REDEPLOY);
  return {
    events,
    faultIntervalMs: positiveIntegerOption('fault-interval-ms', values['fault-interval-ms'], DEFAULT_FAULT_INTERVAL_MS),
    redeploys,
    eventsPerRedeploy,
    maxInFlight: positiveIntegerOption('max-in-flight', values['max-in-flight'], DEFAULT_MAX_IN_FLIGHT),
    retention: positiveIntegerOption('retention', values.retention, Math.max(DEFAULT_RETENTION, events + redeploys * eventsPerRedeploy)),
    timeoutMs: positiveIntegerOption('timeout-ms', values['timeout-ms'], DEFAULT_TIMEOUT_MS),
    keepUserDir: values['keep-user-dir'] === true,
    verbose: values.verbose === true,
    traceResources: values['trace-resources'] === true,
  };
}

async function main(): Promise<number> {
  const options = readOptions();
  if (options === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const startedAt = Date.now();
  const deadline = startedAt + options.timeoutMs - SUMMARY_RESERVE_MS;
  // Generation stops early enough for the drain, the redeploys and the summary to fit.
  const streamDeadline = deadline - DRAIN_TIMEOUT_MS - REDEPLOY_RESERVE_MS;
  // Hard stop: whatever hangs, the process ends (the watchdog does not keep it alive by itself).
  const watchdog = setTimeout(() => {
    process.stderr.write(`soak: time limit of ${options.timeoutMs} ms reached, exiting\n`);
    process.exit(1);
  }, options.timeoutMs);
  watchdog.unref();

  console.log(`soak: ${environmentLine()}`);
  const totalExpected = options.events + options.redeploys * options.eventsPerRedeploy;
  const recorder = new SeqRecorder(totalExpected);
  const logs = new LogCounter();
  const status = new StatusWatch();
  const failures: string[] = [];

  const sim = await startBenchSimulator({
    child: true,
    retention: options.retention,
    seed: 1,
    heartbeatMs: SIM_HEARTBEAT_MS,
    missedHeartbeats: SIM_MISSED_HEARTBEATS,
  });
  let red: EmbeddedNodeRed | null = null;
  try {
    process.env[ENV_NAMES.email] = sim.account.email;
    process.env[ENV_NAMES.password] = sim.account.password;
    process.env[ENV_NAMES.appId] = sim.account.appId;
    process.env[ENV_NAMES.appSecret] = sim.account.appSecret;
    const root = join(__dirname, '..');
    red = await startEmbeddedNodeRed({
      nodesDirs: [root, join(__dirname, 'soak-sink')],
      onLog: (entry) => {
        logs.record(entry);
        if (options.verbose) process.stderr.write(`node-red: ${LogCounter.textOf(entry)}\n`);
      },
      settings: { soakRecorder: recorder },
    });
    red.onNodeStatus((id, shown) => {
      if (id === IN_NODE_ID) status.observe(shown.fill, shown.text);
    });
    console.log(
      `setup: Node-RED ${red.version} embedded in this process (pid ${process.pid}); simulator ${sim.where}, heartbeat ${SIM_HEARTBEAT_MS} ms, ` +
        `retention ${formatCount(options.retention)}; account heartbeatTimeout ${ACCOUNT_HEARTBEAT_TIMEOUT_S} s; a fault every ${options.faultIntervalMs} ms; ` +
        `at most ${formatCount(options.maxInFlight)} events in flight${options.keepUserDir ? `; user dir ${red.userDir}` : ''}`,
    );

    // Ayla refuses a subscription to every DSN of every model, so the node names the simulator's DSNs.
    const deviceList = (await controlCall(sim, 'GET', '/sim/devices')) as { devices: Array<{ dsn: string; values: Record<string, unknown> }> };
    const first = deviceList.devices[0];
    if (!first) throw new Error('the simulator has no devices');
    const dsns = deviceList.devices.map((device) => device.dsn).join(',');
    await red.deploy(soakFlow(sim, dsns, 0, true), 'full');
        const tracker = new ResourceTracker(options.traceResources);
    const ctx: SoakContext = {
      sim,
      deadline,
      retriedCalls: 0,
      generated: 0,
      subscriptionId: await waitForConnectedSubscription({ sim }),
      untracked: (start) => tracker.untracked(start),
    };
    const topUp = { dsn: first.dsn, property: Object.keys(first.values)[0] };
    const heapStart = heapUsedMb(true);

    // ---- Phase 1: the stream under faults ----
    let sent = 0;
    const faultLog = new FaultLog();
    let heapPeakMb = heapUsedMb(false);
    let samples = 0;
    const sampler = setInterval(() => {
      heapPeakMb = Math.max(heapPeakMb, heapUsedMb(false));
      // Progress goes to stderr, so that stdout holds only the result lines.
      if (++samples % (PROGRESS_MS / MEMORY_SAMPLE_MS) === 0) {
        process.stderr.write(
          `progress: ${formatCount(ctx.generated)} generated, ${formatCount(firstDeliveries(recorder))} of ${formatCount(options.events)} delivered, ${faultLog.injected} faults, ` +
            `status ${status.lastFill ?? '?'} "${status.lastText ?? ''}", heap ${heapUsedMb(false).toFixed(0)} MB\n`,
        );
      }
    }, MEMORY_SAMPLE_MS);
    const soakStartedAt = Date.now();
    status.resetCounters();
    const faults = startFaults(ctx, recorder, status, options.faultIntervalMs, faultLog);
    try {
      const complete = await generateUpTo(ctx, recorder, options.events, options.maxInFlight, topUp, streamDeadline);
      const generatedAt = Date.now();
      // Faults end with the generation, so that what is in flight can drain.
      await faults.stop();
      sent = await nextSeqOfRetrying(ctx);
      if (!complete) failures.push(`stream: time limit reached after ${formatCount(sent)} of ${formatCount(options.events)} events were generated`);
      const drained = await waitForDeliveries(recorder, sent, streamDeadline + DRAIN_TIMEOUT_MS);
      if (!drained) failures.push(`stream: only ${formatCount(firstDeliveries(recorder))} of ${formatCount(sent)} sent events arrived in time`);
      const lastDeliveryAt = Date.now();
      clearInterval(sampler);
      await delay(LATE_DUPLICATE_WINDOW_MS);
      const soakSeconds = (lastDeliveryAt - soakStartedAt) / 1000;
      const missing = recorder.missingBelow(sent);
      console.log(
        `stream: sent ${formatCount(sent)}, delivered ${formatCount(recorder.delivered)} (distinct ${formatCount(recorder.distinctBelow(sent))}), ` +
          `duplicates ${recorder.duplicates}, missing ${missing.count}${missing.count > 0 ? ` (${missing.ranges.join(', ')})` : ''}, ` +
          `out-of-order ${recorder.outOfOrder}, out-of-range ${recorder.outOfRange}`,
      );
      console.log(
        `rate: ${formatCount(sent)} events in ${soakSeconds.toFixed(1)} s = ${formatCount(sent / soakSeconds)} events/s end to end, faults included ` +
          `(generation ${complete ? 'done' : 'stopped'} after ${((generatedAt - soakStartedAt) / 1000).toFixed(1)} s); ` +
          `the node was connected ${(status.connectedMs() / 1000).toFixed(1)} s of it`,
      );
      const faultParts = [...faultLog.pausesByName.entries()].map(
        ([name, pauses]) => `${name} ${pauses.length}× (median ${formatCount(median(pauses))} ms, max ${formatCount(Math.max(...pauses))} ms)`,
      );
      console.log(`faults: ${faultLog.injected} injected; longest pause in deliveries after each: ${faultParts.join('; ')}`);
      console.log(
        `node: ${status.disconnects} disconnects seen in its status, longest outage ${(status.longestOutageMs / 1000).toFixed(1)} s; ` +
          `${logs.warnings} warnings, ${logs.errors} errors logged; status now ${status.lastFill ?? '?'} "${status.lastText ?? ''}"; ` +
          `${ctx.retriedCalls} control calls retried while the simulator was down`,
      );
      for (const line of logs.top(6)) console.log(`  log: ${line}`);
      if (recorder.duplicates > 0) failures.push(`stream: ${recorder.duplicates} duplicate deliveries`);
      if (missing.count > 0) failures.push(`stream: ${missing.count} events missing`);
      if (recorder.outOfOrder > 0) failures.push(`stream: ${recorder.outOfOrder} events out of order`);
      if (recorder.outOfRange > 0) failures.push(`stream: ${recorder.outOfRange} deliveries with a seq outside 0..${totalExpected - 1}`);
    } finally {
      clearInterval(sampler);
      await faults.stop();
    }
    const heapAfterStream = heapUsedMb(true);

    // ---- Phase 2: redeploys ----
    const streamDisconnects = status.disconnects;
    const settled = async (when: string): Promise<void> => {
      if (!(await waitForSteadyState(ctx, status))) failures.push(`redeploys: the stream was not steadily connected ${when}`);
    };
    await settled('before the first redeploy');
    const resourcesBefore = activeResources();
    const heapBeforeRedeploys = heapUsedMb(true);
    tracker.enable();
    const halfway = Math.floor(options.redeploys / 2);
    let aliveHalfway: ResourceCounts = new Map();
    let variant: 0 | 1 = 0;
    let fullDeploys = 0;
    let modifiedDeploys = 0;
    let deployMs = 0;
    const redeployStart = firstDeliveries(recorder);
    for (let index = 0; index < options.redeploys && Date.now() < deadline; index++) {
      const deployStartedAt = Date.now();
      if (index % 2 === 0) {
        await red.deploy(soakFlow(sim, dsns, variant, false), 'full');
        fullDeploys++;
      } else {
        variant = variant === 0 ? 1 : 0;
        await red.deploy(soakFlow(sim, dsns, variant, false), 'nodes');
        modifiedDeploys++;
      }
      deployMs += Date.now() - deployStartedAt;
      const target = sent + (index + 1) * options.eventsPerRedeploy;
      if (!(await generateUpTo(ctx, recorder, target, options.maxInFlight, topUp, deadline))) break;
      if (!(await waitForDeliveries(recorder, target, Math.min(deadline, Date.now() + REDEPLOY_DELIVERY_TIMEOUT_MS)))) {
        failures.push(`redeploy ${index + 1}: only ${formatCount(firstDeliveries(recorder) - redeployStart)} of the redeploy events arrived in time`);
        break;
      }
      if (index + 1 === halfway) {
        await settled(`after redeploy ${halfway}`);
        aliveHalfway = tracker.alive();
      }
    }
    const redeploys = fullDeploys + modifiedDeploys;
    await delay(LATE_DUPLICATE_WINDOW_MS);
    const redeployEvents = redeploys * options.eventsPerRedeploy;
    const expectedNow = sent + redeployEvents;
    await settled('after the last redeploy');
    const resourcesAfter = activeResources();
    const aliveAfter = tracker.alive();
    const origins = options.traceResources ? tracker.topOrigins(8) : [];
    tracker.disable();
    const heapAfterRedeploys = heapUsedMb(true);
    const missingAll = recorder.missingBelow(expectedNow);
    console.log(
      `redeploys: ${redeploys} (${fullDeploys} full, ${modifiedDeploys} modified-nodes), ${formatCount(deployMs / Math.max(1, redeploys))} ms per deploy on average; ` +
        `${formatCount(redeployEvents)} more events across them; all ${formatCount(expectedNow)}: duplicates ${recorder.duplicates}, missing ${missingAll.count}` +
        `${missingAll.count > 0 ? ` (${missingAll.ranges.join(', ')})` : ''}, out-of-order ${recorder.outOfOrder}, out-of-range ${recorder.outOfRange}`,
    );
    const grownHandles = grownResources(resourcesBefore, resourcesAfter, HANDLE_LEAK_TOLERANCE);
    const grownSecondHalf = grownResources(aliveHalfway, aliveAfter, HANDLE_LEAK_TOLERANCE);
    console.log(
      `handles (keeping the loop alive): before redeploys ${formatResources(resourcesBefore)}; after ${redeploys} redeploys ${formatResources(resourcesAfter)}` +
        `${grownHandles.length > 0 ? ` — GREW: ${grownHandles.join(', ')}` : ''}`,
    );
    console.log(
      `async resources created during the redeploys and still alive (unref'ed timers included): after ${halfway} ${formatResources(aliveHalfway)}; ` +
        `after ${redeploys} ${formatResources(aliveAfter)}${grownSecondHalf.length > 0 ? ` — GREW: ${grownSecondHalf.join(', ')}` : ''}`,
    );
    for (const origin of origins) console.log(`  alive: ${origin}`);
    console.log(
      `heap (after gc): start ${heapStart.toFixed(1)} MB, after the stream ${heapAfterStream.toFixed(1)} MB, before redeploys ${heapBeforeRedeploys.toFixed(1)} MB, ` +
        `after redeploys ${heapAfterRedeploys.toFixed(1)} MB; peak during the stream ${heapPeakMb.toFixed(1)} MB (no gc); rss ${toMb(process.memoryUsage().rss).toFixed(0)} MB`,
    );
    if (redeploys < options.redeploys) failures.push(`redeploys: only ${redeploys} of ${options.redeploys} done`);
    const missingBeforeRedeploys = recorder.missingBelow(sent).count;
    if (missingAll.count > missingBeforeRedeploys) failures.push(`redeploys: ${missingAll.count - missingBeforeRedeploys} events missing`);
    if (grownHandles.length > 0) failures.push(`handles grew over ${redeploys} redeploys: ${grownHandles.join(', ')}`);
    if (grownSecondHalf.length > 0) failures.push(`async resources kept growing over the second half of the redeploys: ${grownSecondHalf.join(', ')}`);

    const summary = {
      bench: 'soak',
      node: process.version,
      nodeRed: red.version,
      gcExposed: canForceGc(),
      events: options.events,
      streamed: sent,
      faultIntervalMs: options.faultIntervalMs,
      sent: expectedNow,
      delivered: recorder.delivered,
      duplicates: recorder.duplicates,
      missing: missingAll.count,
      outOfOrder: recorder.outOfOrder,
      outOfRange: recorder.outOfRange,
      faults: Object.fromEntries([...faultLog.pausesByName.entries()].map(([name, pauses]) => [name, pauses.length])),
      disconnectsDuringStream: streamDisconnects,
      redeploys,
      heapMb: {
        start: Number(heapStart.toFixed(1)),
        afterStream: Number(heapAfterStream.toFixed(1)),
        afterRedeploys: Number(heapAfterRedeploys.toFixed(1)),
        peakDuringStream: Number(heapPeakMb.toFixed(1)),
      },
      handles: { before: Object.fromEntries(resourcesBefore), after: Object.fromEntries(resourcesAfter) },
      asyncResourcesAlive: { halfway: Object.fromEntries(aliveHalfway), after: Object.fromEntries(aliveAfter) },
      seconds: Math.round((Date.now() - startedAt) / 1000),
      failures,
    };
    console.log(`JSON ${JSON.stringify(summary)}`);
  } catch (error) {
    // The log says why a node did not start or connect; without it a setup failure is a riddle.
    for (const line of logs.top(10)) process.stderr.write(`log: ${line}\n`);
    throw error;
  } finally {
    await red?.stop({ keepUserDir: options.keepUserDir });
    await sim.close();
    clearTimeout(watchdog);
  }
  for (const failure of failures) process.stderr.write(`FAIL ${failure}\n`);
  console.log(`result: ${failures.length === 0 ? 'PASS' : `FAIL (${failures.length})`} in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`soak failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
