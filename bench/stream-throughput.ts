/**
 * End-to-end stream benchmark over loopback: simulator → WebSocket → StreamClient (parse and
 * validate every frame) → an 'event' listener that checks seq order.
 *
 * Run: `node --expose-gc -r ./bench/register.js bench/stream-throughput.ts [--events N]`
 *
 * - replay: N datapoint events are put into a subscription's retention buffer first (through
 *   `/sim/generate`, topped up exactly with `/sim/events`), then a StreamClient connects with
 *   `startSeq: 0` and the server sends them back to back: the fastest the client can read.
 * - live: a StreamClient is connected first, then N events are generated while it listens;
 *   this includes the simulator's generation speed, so it is a floor, not the client's ceiling.
 *
 * Fails (exit code 1) when any event is missing, duplicated or out of order, or arrives late.
 */
import { parseArgs } from 'node:util';
import { Session } from '../nodes/lib/session';
import { StreamClient } from '../nodes/lib/stream';
import { SubscriptionClient, type Subscription } from '../nodes/lib/subscriptions';
import { controlCall, nextSeqOf, startBenchSimulator, type BenchSimulator } from './simulator-process';
import { canForceGc, environmentLine, formatCount, heapUsedMb, positiveIntegerOption, toMb } from './report';

/** Events per mode by default. */
const DEFAULT_EVENTS = 100_000;
/** Longest wait for all events of one mode to arrive, by default (2 min). */
const DEFAULT_TIMEOUT_MS = 120_000;
/** Most events one `/sim/generate` call makes (the simulator's own limit). */
const MAX_GENERATE_PER_CALL = 10_000;
/**
 * `/sim/generate` makes mostly, not only, datapoint events. Asking for this share of what is
 * still missing never overshoots the target; the last few are added one by one.
 */
const GENERATE_SHARE_OF_REMAINING = 0.85;
/** Below this many missing events, `/sim/events` adds them one at a time, exactly. */
const TOP_UP_BELOW = 50;
/** After the last expected event, listen this long (ms) for extra or duplicate deliveries. */
const SETTLE_MS = 300;
/** The StreamClient handshake must be done within this (ms). */
const OPEN_TIMEOUT_MS = 15_000;

const HELP = `Usage: node --expose-gc -r ./bench/register.js bench/stream-throughput.ts [options]

  --events <n>       datapoint events per mode (default ${DEFAULT_EVENTS})
  --mode <m>         replay, live or both (default both)
  --in-process       run the simulator in this process (default: a child process)
  --timeout-ms <ms>  longest wait for one mode's events (default ${DEFAULT_TIMEOUT_MS})
`;

type Mode = 'replay' | 'live';

/** What one mode measured. */
interface ModeResult {
  mode: Mode;
  events: number;
  delivered: number;
  duplicates: number;
  outOfOrder: number;
  missing: number;
  gaps: number;
  invalid: number;
  reconnects: number;
  serverDuplicatesDropped: number;
  errors: string[];
  timedOut: boolean;
  injectMs: number;
  connectMs: number;
  /** From the moment events could flow (open for replay, first injection for live) to the last one. */
  transferMs: number;
  frameBytes: number;
  heapMb: { beforeConnect: number; atEnd: number; afterClose: number };
}

/** Checks delivery order as events arrive; see {@link ModeResult} for the counters. */
class DeliveryCheck {
  delivered = 0;
  duplicates = 0;
  outOfOrder = 0;
  missing = 0;
  frameBytes = 0;
  lastAt = 0n;
  private expectedSeq = 0;

  record(seq: number, json: string): void {
    this.delivered++;
    // The frame as sent: `LEN|JSON`, LEN in UTF-8 bytes.
    const bytes = Buffer.byteLength(json, 'utf8');
    this.frameBytes += bytes + String(bytes).length + 1;
    if (seq === this.expectedSeq) {
      this.expectedSeq++;
    } else if (seq < this.expectedSeq) {
      this.duplicates++;
    } else {
      this.outOfOrder++;
      this.missing += seq - this.expectedSeq;
      this.expectedSeq = seq + 1;
    }
    this.lastAt = process.hrtime.bigint();
  }
}

function msBetween(from: bigint, to: bigint): number {
  return Number(to - from) / 1e6;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Adds datapoint events until the subscription's next seq is exactly `target`. Returns the ms it took. */
async function injectDatapoints(sim: BenchSimulator, subscriptionId: number, target: number, topUp: { dsn: string; property: string }): Promise<number> {
  const started = process.hrtime.bigint();
  let next = await nextSeqOf(sim, subscriptionId);
  // Bounded: each round adds at least one event unless the simulator misbehaves.
  for (let round = 0; next < target; round++) {
    if (round > target + 1000) throw new Error(`injection makes no progress (next seq ${next} of ${target})`);
    const remaining = target - next;
    if (remaining >= TOP_UP_BELOW) {
      const count = Math.min(MAX_GENERATE_PER_CALL, Math.floor(remaining * GENERATE_SHARE_OF_REMAINING));
      await controlCall(sim, 'POST', '/sim/generate', { count });
    } else {
      for (let i = 0; i < remaining; i++) {
        await controlCall(sim, 'POST', '/sim/events', {
          metadata: { event_type: 'datapoint', dsn: topUp.dsn, property_name: topUp.property },
          datapoint: {},
        });
      }
    }
    next = await nextSeqOf(sim, subscriptionId);
  }
  if (next !== target) throw new Error(`injected up to seq ${next}, wanted exactly ${target}`);
  return msBetween(started, process.hrtime.bigint());
}

/** Connects a StreamClient and resolves once `expected` events arrived (or the timeout passed), plus {@link SETTLE_MS}. */
function openStream(sim: BenchSimulator, subscription: Subscription) {
  const check = new DeliveryCheck();
  const counters = { gaps: 0, invalid: 0, errors: [] as string[] };
  const client = new StreamClient({
    streamUrl: sim.streamUrl,
    getStreamKey: () => subscription.stream_key,
    eventType: 'datapoint',
    startSeq: 0,
    // Fail fast rather than retry quietly: a reconnect during a benchmark is a finding.
    backoff: { initialDelayMs: 100, maxDelayMs: 1000 },
  });
  client.on('event', (info) => check.record(info.seq, info.json));
  client.on('gap', () => counters.gaps++);
  client.on('invalid', () => counters.invalid++);
  client.on('error', (error) => counters.errors.push(error.code));

  let openedAt = 0n;
  const opened = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the stream did not open within ${OPEN_TIMEOUT_MS} ms`)), OPEN_TIMEOUT_MS);
    client.on('state', (info) => {
      if (info.state === 'open' && openedAt === 0n) {
        openedAt = process.hrtime.bigint();
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const startedAt = process.hrtime.bigint();
  client.start();

  /** Resolves true when `expected` events arrived, false on timeout. */
  async function waitFor(expected: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    // Polling every 5 ms costs nothing next to the traffic and keeps the listener trivial.
    while (check.delivered < expected && Date.now() < deadline) await delay(5);
    const complete = check.delivered >= expected;
    if (complete) await delay(SETTLE_MS);
    return complete;
  }
  return { client, check, counters, opened, waitFor, startedAt, openedAt: () => openedAt };
}

async function runMode(
  mode: Mode,
  sim: BenchSimulator,
  subscriptions: SubscriptionClient,
  dsns: string[],
  topUp: { dsn: string; property: string },
  events: number,
  timeoutMs: number,
): Promise<ModeResult> {
  const subscription = await subscriptions.create(
    { eventType: 'datapoint', oemModel: '*', dsns: dsns.join(','), properties: '*', clientType: 'cloud' },
    `bench-${mode}`,
  );
  let injectMs = 0;
  if (mode === 'replay') injectMs = await injectDatapoints(sim, subscription.id, events, topUp);

  const heapBeforeConnect = heapUsedMb(true);
  const stream = openStream(sim, subscription);
  let timedOut: boolean;
  let flowStart: bigint;
  try {
    await stream.opened;
    if (mode === 'replay') {
      flowStart = stream.openedAt();
      timedOut = !(await stream.waitFor(events, timeoutMs));
    } else {
      flowStart = process.hrtime.bigint();
      const [inject, complete] = await Promise.all([
        injectDatapoints(sim, subscription.id, events, topUp),
        stream.waitFor(events, timeoutMs),
      ]);
      injectMs = inject;
      timedOut = !complete;
    }
  } catch (error) {
    await stream.client.close();
    throw error;
  }
  const heapAtEnd = heapUsedMb(false);
  const stats = { ...stream.client.stats };
  await stream.client.close();
  await subscriptions.delete(subscription.id);
  const { check, counters } = stream;
  return {
    mode,
    events,
    delivered: check.delivered,
    duplicates: check.duplicates,
    outOfOrder: check.outOfOrder,
    // Events never seen at the end count as missing too.
    missing: check.missing + Math.max(0, events - check.delivered - check.missing),
    gaps: counters.gaps,
    invalid: counters.invalid,
    reconnects: stats.reconnects,
    serverDuplicatesDropped: stats.duplicates,
    errors: counters.errors,
    timedOut,
    injectMs,
    connectMs: msBetween(stream.startedAt, stream.openedAt()),
    transferMs: check.lastAt > flowStart ? msBetween(flowStart, check.lastAt) : Number.NaN,
    frameBytes: check.frameBytes,
    heapMb: { beforeConnect: heapBeforeConnect, atEnd: heapAtEnd, afterClose: heapUsedMb(true) },
  };
}

/** Human-readable problems of one mode; empty when everything arrived once, in order. */
function problemsOf(result: ModeResult): string[] {
  const problems: string[] = [];
  if (result.timedOut) problems.push(`timed out with ${result.delivered} of ${result.events} events`);
  if (result.delivered !== result.events) problems.push(`delivered ${result.delivered}, expected ${result.events}`);
  if (result.duplicates > 0) problems.push(`${result.duplicates} duplicate deliveries`);
  if (result.outOfOrder > 0 || result.missing > 0) problems.push(`${result.outOfOrder} out-of-order jumps, ${result.missing} missing`);
  if (result.gaps > 0) problems.push(`${result.gaps} gap notices`);
  if (result.invalid > 0) problems.push(`${result.invalid} invalid frames`);
  return problems;
}

function printResult(result: ModeResult): void {
  const seconds = result.transferMs / 1000;
  const rate = result.delivered / seconds;
  const mbPerSecond = toMb(result.frameBytes) / seconds;
  const injectRate = result.events / (result.injectMs / 1000);
  console.log(
    `${result.mode.padEnd(6)}: ${formatCount(result.delivered)}/${formatCount(result.events)} events in ${result.transferMs.toFixed(0)} ms = ` +
      `${formatCount(rate)} events/s, ${mbPerSecond.toFixed(1)} MB/s (${toMb(result.frameBytes).toFixed(1)} MB of frames, avg ${(result.frameBytes / Math.max(1, result.delivered)).toFixed(0)} B)`,
  );
  console.log(
    `        connect ${result.connectMs.toFixed(0)} ms; generation ${result.injectMs.toFixed(0)} ms (${formatCount(injectRate)} events/s, ${result.mode === 'replay' ? 'before connecting, not in the rate above' : 'concurrent with delivery'})`,
  );
  console.log(
    `        checks: duplicates ${result.duplicates}, out-of-order ${result.outOfOrder}, missing ${result.missing}, gaps ${result.gaps}, invalid ${result.invalid}, ` +
      `reconnects ${result.reconnects}, duplicates dropped by the client ${result.serverDuplicatesDropped}${result.errors.length > 0 ? `, errors ${result.errors.join(',')}` : ''}`,
  );
  console.log(
    `        heap: before connect ${result.heapMb.beforeConnect.toFixed(1)} MB (gc), at the last event ${result.heapMb.atEnd.toFixed(1)} MB (no gc), after close ${result.heapMb.afterClose.toFixed(1)} MB (gc)`,
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      mode: { type: 'string' },
      'in-process': { type: 'boolean' },
      'timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const events = positiveIntegerOption('events', values.events, DEFAULT_EVENTS);
  const timeoutMs = positiveIntegerOption('timeout-ms', values['timeout-ms'], DEFAULT_TIMEOUT_MS);
  const modeOption = values.mode ?? 'both';
  if (!['replay', 'live', 'both'].includes(modeOption)) {
    process.stderr.write(`--mode must be replay, live or both, got "${modeOption}"\n`);
    return 2;
  }
  const modes: Mode[] = modeOption === 'both' ? ['replay', 'live'] : [modeOption as Mode];

  console.log(`stream-throughput: ${environmentLine()}`);
  // Hard stop: whatever hangs, the process ends (the watchdog does not keep it alive by itself).
  const watchdog = setTimeout(() => {
    process.stderr.write('stream-throughput: overall time limit reached, exiting\n');
    process.exit(1);
  }, timeoutMs * modes.length + 120_000);
  watchdog.unref();

  const sim = await startBenchSimulator({ child: !values['in-process'], retention: Math.max(events, 1), seed: 1 });
  const session = new Session({ userUrl: sim.userUrl, credentials: sim.account });
  const results: ModeResult[] = [];
  try {
    console.log(`simulator: ${sim.where}, rate 0, retention ${formatCount(events)}; client: this process (pid ${process.pid})`);
    await session.signIn();
    const subscriptions = new SubscriptionClient({ apiUrl: sim.apiUrl, session });
    const deviceList = (await controlCall(sim, 'GET', '/sim/devices')) as { devices: Array<{ dsn: string; values: Record<string, unknown> }> };
    const dsns = deviceList.devices.map((device) => device.dsn);
    const first = deviceList.devices[0];
    if (!first) throw new Error('the simulator has no devices');
    const topUp = { dsn: first.dsn, property: Object.keys(first.values)[0] };
    for (const mode of modes) {
      const result = await runMode(mode, sim, subscriptions, dsns, topUp, events, timeoutMs);
      printResult(result);
      results.push(result);
    }
  } finally {
    await session.signOut();
    await sim.close();
    clearTimeout(watchdog);
  }

  const summary = {
    bench: 'stream-throughput',
    node: process.version,
    simulator: values['in-process'] ? 'in-process' : 'child',
    gcExposed: canForceGc(),
    results: results.map((result) => ({
      mode: result.mode,
      events: result.events,
      delivered: result.delivered,
      eventsPerSecond: Math.round(result.delivered / (result.transferMs / 1000)),
      mbPerSecond: Number((toMb(result.frameBytes) / (result.transferMs / 1000)).toFixed(1)),
      transferMs: Math.round(result.transferMs),
      connectMs: Math.round(result.connectMs),
      injectMs: Math.round(result.injectMs),
      problems: problemsOf(result),
      heapMb: Object.fromEntries(Object.entries(result.heapMb).map(([key, value]) => [key, Number(value.toFixed(1))])),
    })),
  };
  console.log(`JSON ${JSON.stringify(summary)}`);
  const failures = results.flatMap((result) => problemsOf(result).map((problem) => `${result.mode}: ${problem}`));
  for (const failure of failures) process.stderr.write(`FAIL ${failure}\n`);
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`stream-throughput failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
