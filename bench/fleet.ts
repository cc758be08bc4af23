/**
 * Fleet benchmark: how far ONE Node-RED instance goes with a fleet behind the simulator and the
 * MQTT fan-out recipe (examples/07) in front of a real Mosquitto.
 *
 * Run: `npm run bench:fleet` (builds first), or
 * `npm run build && node --expose-gc -r ./bench/register.js bench/fleet.ts [options]`
 *
 * Processes, each on its own event loop:
 * - this one: Node-RED 4.1 embedded (bench/soak-node-red.ts, never the test helper), loading the
 *   built package from dist/ like an installed module, so heap and RSS are Node-RED's and ours;
 * - the simulator in a child (bench/simulator-process.ts) with a generated fleet (`--devices`);
 * - Mosquitto started by this script (test/support/mosquitto.ts: 127.0.0.1, a free port, no
 *   queue limit, so the subscriber's counts are the flow's, not the broker's drops);
 * - helper peers (bench/fleet-peer.ts): the MQTT subscriber that counts what comes out, the
 *   pacer that drives `/sim/generate`, and for phase 4 a publisher.
 *
 * Phases (each prints its own lines; see bench/README.md for the definitions):
 * 1. throughput of the typical flow, stepping the rate up until the stream falls behind
 *    (bench/fleet-throughput.ts); 2. memory and deploy time with many in-nodes on many
 *    subscriptions; 3. catch-up after an outage at the sustained rate; 4. the broker path alone.
 *
 * Nothing is judged against a threshold: the script prints numbers. Exit code 1 only when a
 * phase could not run (a process did not start, a wait ran out, the time limit was reached).
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startMosquitto, type RunningMosquitto } from '../test/support/mosquitto';
import { environmentLine, formatCount, positiveIntegerOption } from './report';
import { FleetLog, simSubscriptions, waitUntil, type FleetContext } from './fleet-context';
import { FLEET_ENV, MQTT_OUT_ID, typicalFlow, type FilterKind } from './fleet-flows';
import { measureBroker, measureCatchUp, measureMemory, pickMarker, type BrokerResult, type CatchUpResult, type MemoryResult } from './fleet-phases';
import { PeerProcess, formatCpu } from './fleet-processes';
import { findSustainedRate, formatStep, STEP_HEADER, type ThroughputResult } from './fleet-throughput';
import { startBenchSimulator, controlCall, type BenchSimulator } from './simulator-process';
import { startEmbeddedNodeRed, type EmbeddedNodeRed } from './soak-node-red';

const PHASES = ['throughput', 'memory', 'catch-up', 'broker'] as const;
type Phase = (typeof PHASES)[number];

const DEFAULTS = {
  devices: 50_000,
  seed: 1,
  startRate: 2_000,
  stepFactor: 1.5,
  maxRate: 60_000,
  stepSeconds: 20,
  warmupSeconds: 5,
  refineSteps: 1,
  /** Used by the later phases when the throughput phase is skipped. */
  rate: 5_000,
  outageSeconds: 60,
  retention: 4_000_000,
  inNodes: 200,
  subscriptions: 20,
  loadSeconds: 15,
  brokerMessages: 200_000,
  timeoutMs: 30 * 60_000,
};
/** The simulator child's heap limit (MB): a retention of millions of events needs room (~0.5 KB each). */
const SIMULATOR_HEAP_MB = 8_192;
/** Seqs the subscriber can tell apart (one byte each): more than a long run's events on one subscription. */
const SUBSCRIBER_SEQ_CAPACITY = 40_000_000;
/** Longest wait for the typical flow's first connection (ms). */
const CONNECT_TIMEOUT_MS = 60_000;

const HELP = `Usage: npm run bench:fleet -- [options]
   or: npm run build && node --expose-gc -r ./bench/register.js bench/fleet.ts [options]

  --phases <list>          comma-separated, of ${PHASES.join(', ')} (default all)
  --filter <where>         the typical flow's filter: in-node (the in-node's own filter, default) or switch (a core switch node)
  --devices <n>            fleet size in the simulator (default ${formatCount(DEFAULTS.devices)})
  --start-rate <n>         first throughput step, datapoint events/s (default ${formatCount(DEFAULTS.startRate)})
  --step-factor <x>        next step = rate × x while steps keep up (default ${DEFAULTS.stepFactor})
  --max-rate <n>           highest step (default ${formatCount(DEFAULTS.maxRate)})
  --step-seconds <s>       length of a step (default ${DEFAULTS.stepSeconds}), of which the first
  --warmup-seconds <s>     are not judged (default ${DEFAULTS.warmupSeconds})
  --refine-steps <n>       bisections between the last step that kept up and the first that fell behind (default ${DEFAULTS.refineSteps})
  --rate <n>               the rate of the later phases when throughput is not measured (default ${formatCount(DEFAULTS.rate)})
  --outage-seconds <s>     simulated outage of the catch-up phase (default ${DEFAULTS.outageSeconds}; the README quotes 300)
  --retention <n>          simulator retention per stream key (default ${formatCount(DEFAULTS.retention)})
  --in-nodes <n>           in-nodes of the memory phase (default ${DEFAULTS.inNodes})
  --subscriptions <n>      subscriptions they share (default ${DEFAULTS.subscriptions})
  --load-rate <n>          generated events/s while the many in-nodes are loaded (default half the sustained rate)
  --load-seconds <s>       length of that load (default ${DEFAULTS.loadSeconds})
  --broker-messages <n>    messages of the broker-only phase (default ${formatCount(DEFAULTS.brokerMessages)})
  --timeout-ms <ms>        limit for the whole run (default ${DEFAULTS.timeoutMs})
  --profile-seconds <s>    profile Node-RED's CPU for s seconds, 20 s into the catch-up, and list the top functions
  --verbose                copy Node-RED warnings and errors to stderr as they happen
`;

interface FleetOptions {
  phases: Set<Phase>;
  filter: FilterKind;
  devices: number;
  seed: number;
  startRate: number;
  stepFactor: number;
  maxRate: number;
  stepSeconds: number;
  warmupSeconds: number;
  refineSteps: number;
  rate: number;
  outageSeconds: number;
  retention: number;
  inNodes: number;
  subscriptions: number;
  loadRate: number | null;
  loadSeconds: number;
  brokerMessages: number;
  timeoutMs: number;
  profileSeconds: number;
  verbose: boolean;
}

function readOptions(): FleetOptions | 'help' {
  const names = ['phases', 'devices', 'start-rate', 'step-factor', 'max-rate', 'step-seconds', 'warmup-seconds', 'refine-steps', 'rate', 'outage-seconds', 'retention', 'in-nodes', 'subscriptions', 'load-rate', 'load-seconds', 'broker-messages', 'timeout-ms', 'profile-seconds', 'filter'];
  const { values } = parseArgs({
    options: {
      ...Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])),
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const text = (name: string) => (values as Record<string, string | boolean | undefined>)[name] as string | undefined;
  const integer = (name: string, fallback: number) => positiveIntegerOption(name, text(name), fallback);
  const phases = new Set((text('phases') ?? PHASES.join(',')).split(',').map((phase) => phase.trim()) as Phase[]);
  for (const phase of phases) {
    if (!PHASES.includes(phase)) {
      process.stderr.write(`--phases: unknown phase "${phase}" (known: ${PHASES.join(', ')})\n`);
      process.exit(2);
    }
  }
  const filter = text('filter') ?? 'in-node';
  if (filter !== 'switch' && filter !== 'in-node') {
    process.stderr.write('--filter must be switch or in-node\n');
    process.exit(2);
  }
  const stepFactor = Number(text('step-factor') ?? DEFAULTS.stepFactor);
  if (!(stepFactor > 1)) {
    process.stderr.write('--step-factor must be a number above 1\n');
    process.exit(2);
  }
  return {
    phases,
    filter,
    devices: integer('devices', DEFAULTS.devices),
    seed: DEFAULTS.seed,
    startRate: integer('start-rate', DEFAULTS.startRate),
    stepFactor,
    maxRate: integer('max-rate', DEFAULTS.maxRate),
    stepSeconds: integer('step-seconds', DEFAULTS.stepSeconds),
    warmupSeconds: integer('warmup-seconds', DEFAULTS.warmupSeconds),
    refineSteps: text('refine-steps') === '0' ? 0 : integer('refine-steps', DEFAULTS.refineSteps),
    rate: integer('rate', DEFAULTS.rate),
    outageSeconds: integer('outage-seconds', DEFAULTS.outageSeconds),
    retention: integer('retention', DEFAULTS.retention),
    inNodes: integer('in-nodes', DEFAULTS.inNodes),
    subscriptions: integer('subscriptions', DEFAULTS.subscriptions),
    loadRate: text('load-rate') === undefined ? null : integer('load-rate', 1),
    loadSeconds: integer('load-seconds', DEFAULTS.loadSeconds),
    brokerMessages: integer('broker-messages', DEFAULTS.brokerMessages),
    timeoutMs: integer('timeout-ms', DEFAULTS.timeoutMs),
    profileSeconds: text('profile-seconds') === undefined ? 0 : integer('profile-seconds', 10),
    verbose: values.verbose === true,
  };
}

/** Deploys the typical flow and resolves with its subscription's id once it is read and the broker is connected. */
async function deployTypicalFlow(ctx: FleetContext, filter: FilterKind): Promise<number> {
  await ctx.red.deploy(typicalFlow(ctx.sim, ctx.broker, filter), 'full');
  const [subscription] = await waitUntil(
    'the typical flow reading its subscription',
    async () => {
      const subscriptions = await simSubscriptions(ctx);
      return subscriptions.length === 1 && subscriptions[0].connected ? subscriptions : null;
    },
    CONNECT_TIMEOUT_MS,
  );
  await waitUntil('the mqtt out node connected to Mosquitto', () => ctx.statuses.get(MQTT_OUT_ID)?.fill === 'green', CONNECT_TIMEOUT_MS);
  return subscription.id;
}

function printThroughput(result: ThroughputResult): void {
  const best = result.sustained;
  console.log(
    best
      ? `(1) sustained: ${formatCount(best.rate)} events/s kept up (${formatCount(best.delivered)} messages/s out of Mosquitto); search stopped: ${result.stoppedBecause}`
      : `(1) sustained: no step kept up; search stopped: ${result.stoppedBecause}`,
  );
  const costs = result.steps.map((step) => step.nodeRedMicrosPerEvent).filter((cost): cost is number => cost !== null);
  if (costs.length > 0) {
    const cost = Math.min(...costs);
    // CPU time per event hardly depends on what else runs; the rate it implies assumes a core of its own.
    console.log(`    Node-RED CPU per event: ${cost.toFixed(0)} µs at best over the steps (estimate with a core to itself: ${formatCount(1e6 / cost)} events/s)`);
  }
}

function printMemory(memory: MemoryResult): void {
  const line = (what: string, m: { heapMb: number; rssMb: number }) => `${what} heap ${m.heapMb.toFixed(1)} MB, RSS ${m.rssMb.toFixed(0)} MB`;
  console.log(`(2) memory, ${memory.inNodes} in-nodes on ${memory.subscriptions} subscriptions: deploy until all read and green ${(memory.deployMs / 1000).toFixed(2)} s`);
  console.log(`    ${line('empty flow:', memory.baseline)}; ${line('idle:', memory.idle)} (+${(memory.idle.heapMb - memory.baseline.heapMb).toFixed(1)} MB heap)`);
  console.log(
    `    loaded (${formatCount(memory.loadRate)} generated events/s, ${formatCount(memory.delivered)} messages/s out of Mosquitto): peak heap ${memory.loadedPeak.heapMb.toFixed(1)} MB (no gc), ` +
      `peak RSS ${memory.loadedPeak.rssMb.toFixed(0)} MB; ${line('after the load:', memory.afterLoad)}; cpu ${formatCpu(memory.cpu)}`,
  );
}

function printCatchUp(catchUp: CatchUpResult): void {
  console.log(
    `(3) catch-up after a ${catchUp.outageSeconds} s outage at ${formatCount(catchUp.rate)} events/s: backlog ${formatCount(catchUp.backlog)} events (made in ${catchUp.generationSeconds.toFixed(1)} s), ` +
      `caught up ${catchUp.catchUpSeconds.toFixed(1)} s after the flows started = ${formatCount(catchUp.replayRate)} events/s replayed; ` +
      `missing ${formatCount(catchUp.missing.count)}${catchUp.missing.count > 0 ? ` (${catchUp.missing.ranges.join(', ')})` : ''}, duplicates ${formatCount(catchUp.duplicates)}; ` +
      `flow control paused ${catchUp.flowControlPauses}× for ${(catchUp.flowControlPausedMs / 1000).toFixed(1)} s; ` +
      `peak heap ${catchUp.peakHeapMb.toFixed(0)} MB (no gc), RSS ${catchUp.peakRssMb.toFixed(0)} MB; ` +
      `Node-RED CPU per event ${catchUp.cpu['node-red'] == null ? '?' : ((catchUp.cpu['node-red'] / 100) * (1e6 / catchUp.replayRate)).toFixed(0)} µs; cpu ${formatCpu(catchUp.cpu)}`,
  );
  // With live events still arriving at L during the catch-up, the backlog shrinks at (replay − L).
  const half = catchUp.rate / 2;
  if (catchUp.replayRate > half) {
    console.log(`    estimate with live events at half that rate meanwhile: backlog / (replay − ${formatCount(half)}/s) = ${(catchUp.backlog / (catchUp.replayRate - half)).toFixed(0)} s`);
  }
}

function printBroker(broker: BrokerResult): void {
  console.log(
    `(4) broker alone: ${formatCount(broker.messages)} messages QoS 1 retained, publisher → Mosquitto → subscriber in ${broker.seconds.toFixed(1)} s = ${formatCount(broker.rate)} messages/s; ` +
      `missing ${broker.missing}, duplicates ${broker.duplicates}; cpu ${formatCpu(broker.cpu)}`,
  );
}

async function main(): Promise<number> {
  const options = readOptions();
  if (options === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const startedAt = Date.now();
  const watchdog = setTimeout(() => {
    process.stderr.write(`fleet: time limit of ${options.timeoutMs} ms reached, exiting\n`);
    process.exit(1);
  }, options.timeoutMs);
  watchdog.unref();
  // Every child (simulator, Mosquitto, peers) is killed from a process 'exit' handler; a signal
  // ends Node without 'exit' unless it is handled, so Ctrl-C and kill go through exit too.
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  console.log(`fleet: ${environmentLine()}; load average ${loadavg().map((load) => load.toFixed(1)).join(' ')} at the start`);

  let broker: RunningMosquitto | null = null;
  let sim: BenchSimulator | null = null;
  let red: EmbeddedNodeRed | null = null;
  const peers: PeerProcess[] = [];
  const summary: Record<string, unknown> = { bench: 'fleet', node: process.version, devices: options.devices, filter: options.filter };
  try {
    broker = await startMosquitto({ maxQueuedMessages: 0, maxInflightMessages: 0 });
    sim = await startBenchSimulator({ child: true, retention: options.retention, seed: options.seed, devices: options.devices, maxOldSpaceMb: SIMULATOR_HEAP_MB });
    process.env[FLEET_ENV.email] = sim.account.email;
    process.env[FLEET_ENV.password] = sim.account.password;
    process.env[FLEET_ENV.appId] = sim.account.appId;
    process.env[FLEET_ENV.appSecret] = sim.account.appSecret;
    const log = new FleetLog(options.verbose);
    const statuses = new Map<string, { fill?: string; text?: string }>();
    red = await startEmbeddedNodeRed({
      nodesDirs: [join(__dirname, '..')],
      logLevel: 'info',
      onLog: (record) => log.record(record),
      // "Stop flows" / "start flows" for the catch-up phase.
      settings: { runtimeState: { enabled: true } },
    });
    red.onNodeStatus((id, status) => statuses.set(id, status));
    const subscriber = await PeerProcess.start('subscriber', [broker.url, 'ayla/#', String(SUBSCRIBER_SEQ_CAPACITY)]);
    peers.push(subscriber);
    const pacer = await PeerProcess.start('pacer', [sim.url]);
    peers.push(pacer);
    await waitUntil('the subscriber connected to Mosquitto', () => subscriber.request<boolean>('connected'), 10_000);
    const ctx: FleetContext = {
      sim,
      broker,
      red,
      subscriber,
      pacer,
      log,
      statuses,
      processes: [
        { name: 'node-red', pid: process.pid },
        { name: 'simulator', pid: sim.pid },
        { name: 'mosquitto', pid: broker.pid },
        { name: 'subscriber', pid: subscriber.pid },
        { name: 'pacer', pid: pacer.pid },
      ],
    };
    const fleet = ((await controlCall(sim, 'GET', '/sim/state')) as { fleet: { devices: number; naturalRate: number } }).fleet;
    console.log(
      `setup: Node-RED ${red.version} embedded (pid ${process.pid}); simulator ${sim.where}, ${formatCount(fleet.devices)} devices ` +
        `(every device at its report interval = ${formatCount(fleet.naturalRate)} events/s), retention ${formatCount(options.retention)}; ` +
        `Mosquitto pid ${broker.pid} on ${broker.url}; flow: ayla-datapoint-in (whole fleet) → ${options.filter === 'switch' ? 'switch' : 'its own property filter'} → change (examples/07) → mqtt out (QoS 1, retained)`,
    );

    let rate = options.rate;
    let subscriptionId: number | null = null;
    if (options.phases.has('throughput') || options.phases.has('catch-up')) subscriptionId = await deployTypicalFlow(ctx, options.filter);
    if (options.phases.has('throughput') && subscriptionId !== null) {
      console.log(`(1) throughput: steps of ${options.stepSeconds} s (first ${options.warmupSeconds} s not judged)`);
      console.log(`    ${STEP_HEADER}`);
      const result = await findSustainedRate(ctx, subscriptionId, options, (step) => console.log(`    ${formatStep(step)}`));
      printThroughput(result);
      if (result.sustained) rate = result.sustained.rate;
      summary.throughput = {
        sustained: result.sustained?.rate ?? null,
        delivered: Math.round(result.sustained?.delivered ?? 0),
        stoppedBecause: result.stoppedBecause,
        steps: result.steps.map((s) => ({ rate: s.rate, verdict: s.verdict, nodeRedMicrosPerEvent: s.nodeRedMicrosPerEvent === null ? null : Math.round(s.nodeRedMicrosPerEvent), cpu: s.cpu })),
      };
    }
    if (options.phases.has('catch-up') && subscriptionId !== null) {
      const catchUp = await measureCatchUp(ctx, subscriptionId, rate, options.outageSeconds, await pickMarker(ctx), Math.max(600_000, options.outageSeconds * 4_000), options.profileSeconds);
      printCatchUp(catchUp);
      for (const line of catchUp.profile) console.log(`    profile: ${line.selfPercent.toFixed(1).padStart(5)}% ${line.where}`);
      summary.catchUp = {
        rate,
        outageSeconds: catchUp.outageSeconds,
        backlog: catchUp.backlog,
        seconds: Number(catchUp.catchUpSeconds.toFixed(1)),
        replayRate: Math.round(catchUp.replayRate),
        missing: catchUp.missing.count,
        duplicates: catchUp.duplicates,
        flowControl: { pauses: catchUp.flowControlPauses, pausedMs: catchUp.flowControlPausedMs },
        peakHeapMb: Math.round(catchUp.peakHeapMb),
        peakRssMb: Math.round(catchUp.peakRssMb),
        cpu: catchUp.cpu,
      };
    }
    if (options.phases.has('memory')) {
      const memory = await measureMemory(ctx, options.inNodes, options.subscriptions, options.loadRate ?? Math.max(1, Math.round(rate / 2)), options.loadSeconds, options.filter);
      printMemory(memory);
      summary.memory = {
        inNodes: memory.inNodes,
        subscriptions: memory.subscriptions,
        deployMs: memory.deployMs,
        heapMb: { baseline: +memory.baseline.heapMb.toFixed(1), idle: +memory.idle.heapMb.toFixed(1), loadedPeak: +memory.loadedPeak.heapMb.toFixed(1), afterLoad: +memory.afterLoad.heapMb.toFixed(1) },
        rssMb: { baseline: Math.round(memory.baseline.rssMb), idle: Math.round(memory.idle.rssMb), loadedPeak: Math.round(memory.loadedPeak.rssMb), afterLoad: Math.round(memory.afterLoad.rssMb) },
      };
    }
    if (options.phases.has('broker')) {
      const publisher = await PeerProcess.start('publisher', [broker.url]);
      peers.push(publisher);
      ctx.processes.push({ name: 'publisher', pid: publisher.pid });
      const result = await measureBroker(ctx, publisher, options.brokerMessages, options.devices);
      printBroker(result);
      summary.broker = { messages: result.messages, rate: Math.round(result.rate), missing: result.missing, duplicates: result.duplicates };
    }
    console.log(`node-red log: ${log.warnings} warnings, ${log.errors} errors${log.top(3).map((line) => `; ${line}`).join('')}`);
    summary.seconds = Math.round((Date.now() - startedAt) / 1000);
    summary.loadAverageAtEnd = loadavg().map((load) => Number(load.toFixed(1)));
    console.log(`JSON ${JSON.stringify(summary)}`);
    console.log(`result: ${finalLine(summary)} in ${summary.seconds} s`);
    return 0;
  } finally {
    for (const peer of peers) await peer.stop();
    await red?.stop();
    await sim?.close();
    await broker?.stop();
    clearTimeout(watchdog);
  }
}

/** The one-line result: the numbers the README quotes. */
function finalLine(summary: Record<string, unknown>): string {
  const parts: string[] = [];
  const throughput = summary.throughput as { sustained: number | null } | undefined;
  if (throughput) parts.push(`sustained ${throughput.sustained === null ? 'none' : formatCount(throughput.sustained)} events/s`);
  const memory = summary.memory as { inNodes: number; heapMb: { idle: number; loadedPeak: number }; rssMb: { idle: number; loadedPeak: number }; deployMs: number } | undefined;
  if (memory) parts.push(`${memory.inNodes} in-nodes: heap ${memory.heapMb.idle} MB idle, RSS ${memory.rssMb.idle}/${memory.rssMb.loadedPeak} MB idle/loaded, deploy ${(memory.deployMs / 1000).toFixed(1)} s`);
  const catchUp = summary.catchUp as { outageSeconds: number; seconds: number; missing: number } | undefined;
  if (catchUp) parts.push(`${catchUp.outageSeconds} s outage caught up in ${catchUp.seconds} s (${catchUp.missing} missing)`);
  const broker = summary.broker as { rate: number } | undefined;
  if (broker) parts.push(`broker alone ${formatCount(broker.rate)} messages/s`);
  return parts.join('; ');
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`fleet failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
