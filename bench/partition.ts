/**
 * What client-side partitioning costs (`partition` `i/n` on an in-node, `nodes/lib/partition.ts`,
 * docs/protocol.md §4.7): DSS cannot narrow a subscription by hash, so an instance that keeps a
 * share of the fleet still receives, parses, validates and normalises every event of its
 * subscription; only what leaves its share is dropped, after the hash, before a message exists.
 * This script measures how much of the CPU a share saves, and what each dropped event still costs.
 *
 * Run: `npm run bench:partition` (it builds first). `-- --help` lists the options.
 *
 * Built on the side-by-side benchmark's pieces: the loopback frame server in a child process
 * (`side-by-side/frame-server.ts`: datapoint frames of ~490 bytes, 48 DSNs × 5 properties), one
 * embedded Node-RED 4.1 (`soak-node-red.ts`) loading the package from dist/, and a `bench-sink`
 * whose recorder accounts for every seq exactly. Each round deploys an account (fixed stream
 * key) → one `ayla-datapoint-in` (every DSN and property) with the round's partition → sink, and
 * sends the same frames as fast as TCP allows. Scenarios: partition off, then one share of each
 * `--shares` count (default 2, 4, 10). The frame count is rounded up so that the last frame's
 * device is in share 1 of every count: every round then ends with its last frame delivered, and
 * the shares measured are `1/n`.
 *
 * A warm-up round (partition off, not counted) first: the first round in a fresh process pays
 * for JIT compilation. Then medians of `--rounds` (3) rounds; the scenario order rotates from
 * round to round. CPU is this
 * process's (`process.cpuUsage`: Node-RED, the package, GC threads; the frame server excluded).
 * Exit code 1 when a sink lost, duplicated, reordered or got a stray seq, or a round timed out.
 */
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { partitionOf } from '../nodes/lib/partition';
import { environmentLine, median, positiveIntegerOption } from './report';
import type { EmbeddedNodeRed } from './soak-node-red';
import { startBenchRuntime } from './side-by-side/bench-runtime';
import { startFrameServer, type FrameServer } from './side-by-side/frame-server-process';
import { DSN_COUNT, dsnIndexOf, dsnOf } from './side-by-side/frame-corpus';
import { aylaFlow, emptyFlow } from './side-by-side/flows';
import { SinkRecorder, SinkRegistryImpl, type SinkSummary } from './side-by-side/sink-recorder';
import { printFooter } from './side-by-side/summary';

/** The frames cycle over the 48 devices, five frames each. */
const FRAMES_PER_CYCLE = DSN_COUNT * 5;

const DEFAULTS = { frames: 200_000, rounds: 3, shares: '2,4,10', timeoutMs: 60_000 };

const HELP = `Usage: npm run bench:partition [-- options]
       (or: npm run build && node --expose-gc -r ./bench/register.js bench/partition.ts [options])

  --frames <n>       frames per round, at least; rounded up so the last frame's device is in
                     share 1 of every count (default ${DEFAULTS.frames})
  --rounds <n>       rounds; the table shows medians (default ${DEFAULTS.rounds})
  --shares <list>    share counts n to measure 1/n of, comma-separated (default ${DEFAULTS.shares})
  --timeout-ms <ms>  longest wait for one round (default ${DEFAULTS.timeoutMs})
`;

/** One scenario: partition off (count 1) or share 1 of `count`. */
interface Scenario {
  id: string;
  /** The in-node's `partition`: '' (off) or `1/n`. */
  partition: string;
  count: number;
}

interface RoundResult {
  scenario: string;
  round: number;
  frames: number;
  messages: number;
  elapsedMs: number;
  framesPerSec: number;
  cpuUsPerFrame: number;
  cpuUsPerMessage: number;
  pauses: number;
  sink: SinkSummary;
  timedOut: boolean;
}

interface Options {
  frames: number;
  rounds: number;
  counts: number[];
  timeoutMs: number;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      frames: { type: 'string' },
      rounds: { type: 'string' },
      shares: { type: 'string' },
      'timeout-ms': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const counts = (values.shares ?? DEFAULTS.shares).split(',').map((text) => positiveIntegerOption('shares', text.trim(), 0));
  if (counts.some((count) => count < 2 || count > DSN_COUNT)) {
    process.stderr.write(`--shares: every count must be from 2 to ${DSN_COUNT} (the stream has ${DSN_COUNT} devices)\n`);
    process.exit(2);
  }
  return {
    frames: positiveIntegerOption('frames', values.frames, DEFAULTS.frames),
    rounds: positiveIntegerOption('rounds', values.rounds, DEFAULTS.rounds),
    counts,
    timeoutMs: positiveIntegerOption('timeout-ms', values['timeout-ms'], DEFAULTS.timeoutMs),
  };
}

/** Whether the device of frame `seq` is in share 1 of every count. */
function inShareOneOfAll(seq: number, counts: number[]): boolean {
  const dsn = dsnOf(dsnIndexOf(seq));
  return counts.every((count) => partitionOf(dsn, count) === 1);
}

/** The smallest frame count ≥ `atLeast` whose last frame's device is in share 1 of every count; null when no device is. */
function roundedFrames(atLeast: number, counts: number[]): number | null {
  for (let frames = atLeast; frames < atLeast + FRAMES_PER_CYCLE; frames++) if (inShareOneOfAll(frames - 1, counts)) return frames;
  return null;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, ms));
}

function hrNowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** The flow of a round: the side-by-side flow with one in-node, given the scenario's partition. */
function flowOf(server: FrameServer, key: string, scenario: Scenario): { nodes: object[]; sinkId: string } {
  const flow = aylaFlow({ streamUrl: server.streamUrl, streamKey: key, nodes: 1, dsnFilterOf: () => [] });
  const nodes = flow.nodes.map((node) => ((node as { type?: string }).type === 'ayla-datapoint-in' ? { ...node, partition: scenario.partition } : node));
  return { nodes, sinkId: flow.sinkIds[0] };
}

interface RoundContext {
  server: FrameServer;
  red: EmbeddedNodeRed;
  sinks: SinkRegistryImpl;
  frames: number;
  timeoutMs: number;
  takeFlowControlLog(): string[];
}

async function runRound(scenario: Scenario, round: number, context: RoundContext): Promise<RoundResult> {
  const { server, red, sinks, frames } = context;
  const key = `bench-partition-${scenario.id}-${round}-${process.pid}`;
  const { nodes, sinkId } = flowOf(server, key, scenario);
  const inShare = Array.from({ length: DSN_COUNT }, (_, index) => scenario.count === 1 || partitionOf(dsnOf(index), scenario.count) === 1);
  const recorder = new SinkRecorder(sinkId, frames, (seq) => inShare[dsnIndexOf(seq)], false);
  sinks.use(new Map([[sinkId, recorder]]));
  await red.deploy(nodes, 'full');
  await server.connected(key, 30_000);
  // Let the node settle (statuses, the flow-ready immediate) before the clock starts.
  await delay(200);
  globalThis.gc?.();
  context.takeFlowControlLog();

  const cpuStart = process.cpuUsage();
  const startMs = hrNowMs();
  server.go(key, frames, 0, false);
  const complete = await recorder.whenComplete(context.timeoutMs);
  const elapsedMs = hrNowMs() - startMs;
  const cpu = process.cpuUsage(cpuStart);
  // Listen a little longer: duplicates and strays show up in the counts.
  await delay(300);
  const pauses = context.takeFlowControlLog().filter((line) => /pausing/.test(line)).length;
  await red.deploy(emptyFlow(), 'full');
  server.forget(key);
  sinks.use(new Map());
  const cpuUs = cpu.user + cpu.system;
  return {
    scenario: scenario.id,
    round,
    frames,
    messages: recorder.expectedCount,
    elapsedMs,
    framesPerSec: (frames / elapsedMs) * 1000,
    cpuUsPerFrame: cpuUs / frames,
    cpuUsPerMessage: cpuUs / recorder.expectedCount,
    pauses,
    sink: recorder.summary(),
    timedOut: !complete,
  };
}

/** "exact" or what went wrong in the rounds of a scenario. */
function accounting(results: RoundResult[]): string {
  const sum = (pick: (sink: SinkSummary) => number) => results.reduce((total, result) => total + pick(result.sink), 0);
  const parts: string[] = [];
  const missing = sum((sink) => sink.missing);
  const duplicates = sum((sink) => sink.duplicates);
  const outOfOrder = sum((sink) => sink.outOfOrder);
  const unexpected = sum((sink) => sink.unexpected);
  const timedOut = results.filter((result) => result.timedOut).length;
  if (missing) parts.push(`${missing} missing`);
  if (duplicates) parts.push(`${duplicates} dup`);
  if (outOfOrder) parts.push(`${outOfOrder} reordered`);
  if (unexpected) parts.push(`${unexpected} stray`);
  if (timedOut) parts.push(`${timedOut} timed out`);
  return parts.length === 0 ? 'exact' : parts.join(', ');
}

function fixed(value: number, digits: number, width: number): string {
  return (Number.isFinite(value) ? value.toFixed(digits) : '-').padStart(width);
}

function count(value: number, width: number): string {
  return Math.round(value).toLocaleString('en-US').padStart(width);
}

/** Prints the table; returns true when a delivery went wrong. */
function printSummary(scenarios: Scenario[], results: RoundResult[], problems: string[]): boolean {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const medians = new Map<string, { rate: number; cpuFrame: number; cpuMessage: number; share: number }>();
  let failed = false;
  out('');
  out(`medians of ${Math.max(...scenarios.map((s) => results.filter((r) => r.scenario === s.id).length))} rounds; CPU = this process (Node-RED + the package), the frame server excluded`);
  out(
    `${'partition'.padEnd(9)} ${'DSNs'.padStart(5)} ${'messages'.padStart(8)} ${'frames/s'.padStart(9)} ${'µs CPU/frame'.padStart(12)} ${'µs CPU/msg'.padStart(10)} ` +
      `${'saved'.padStart(6)} ${'µs/dropped'.padStart(10)} ${'n × CPU'.padStart(7)} ${'pauses'.padStart(6)}  deliveries`,
  );
  for (const scenario of scenarios) {
    const list = results.filter((result) => result.scenario === scenario.id);
    if (list.length === 0) continue;
    const rate = median(list.map((r) => r.framesPerSec));
    const cpuFrame = median(list.map((r) => r.cpuUsPerFrame));
    const cpuMessage = median(list.map((r) => r.cpuUsPerMessage));
    const share = list[0].messages / list[0].frames;
    const dsns = Array.from({ length: DSN_COUNT }, (_, index) => dsnOf(index)).filter((dsn) => scenario.count === 1 || partitionOf(dsn, scenario.count) === 1).length;
    medians.set(scenario.id, { rate, cpuFrame, cpuMessage, share });
    const off = medians.get('off');
    // C_share = s × C_off + (1 − s) × dropped  ⇒  dropped = (C_share − s × C_off) / (1 − s)
    const dropped = off && share < 1 ? (cpuFrame - share * off.cpuFrame) / (1 - share) : Number.NaN;
    const saved = off && scenario.count > 1 ? `${Math.round((1 - cpuFrame / off.cpuFrame) * 100)} %` : '-';
    // n instances, each keeping one share of the same stream, against one instance keeping it all.
    const together = off && scenario.count > 1 ? (scenario.count * cpuFrame) / off.cpuFrame : Number.NaN;
    const delivery = accounting(list);
    if (delivery !== 'exact') failed = true;
    out(
      `${(scenario.partition || 'off').padEnd(9)} ${`${dsns}/${DSN_COUNT}`.padStart(5)} ${count(list[0].messages, 8)} ${count(rate, 9)} ${fixed(cpuFrame, 2, 12)} ${fixed(cpuMessage, 2, 10)} ` +
        `${saved.padStart(6)} ${fixed(dropped, 2, 10)} ${fixed(together, 2, 7)} ${count(median(list.map((r) => r.pauses)), 6)}  ${delivery}`,
    );
  }
  out('');
  out('saved = CPU per frame of the stream, against partition off (what one instance saves by keeping the share);');
  out('µs/dropped = what an event outside the share still costs (read, parse, validate, normalise, hash), from');
  out('  C_share = s × C_off + (1 − s) × C_dropped with s = messages / frames;');
  out('n × CPU = n instances, each keeping one share of the same stream, against one instance keeping it all.');
  printFooter(problems, failed);
  return failed;
}

async function main(): Promise<void> {
  const options = readOptions();
  const frames = roundedFrames(options.frames, options.counts);
  if (frames === null) {
    process.stderr.write(`no device of the stream is in share 1 of every count ${options.counts.join(', ')}: choose other --shares\n`);
    process.exit(2);
  }
  const scenarios: Scenario[] = [{ id: 'off', partition: '', count: 1 }, ...options.counts.map((n) => ({ id: `1-${n}`, partition: `1/${n}`, count: n }))];
  process.stdout.write(`partition: ${environmentLine()}\n`);
  const loadAtStart = loadavg()[0];
  const root = resolve(join(__dirname, '..'));
  const server = await startFrameServer(frames);
  const { red, sinks, takeFlowControlLog, problems } = await startBenchRuntime(root);
  process.stdout.write(`node-red ${red.version}, frame server pid ${server.pid}, ${frames} frames per round, ${options.rounds} rounds, ${scenarios.length} scenarios\n`);
  const results: RoundResult[] = [];
  try {
    const context = { server, red, sinks, frames, timeoutMs: options.timeoutMs, takeFlowControlLog };
    const warmUp = await runRound(scenarios[0], 0, context);
    process.stderr.write(`warm-up (not counted): ${Math.round(warmUp.framesPerSec)} frames/s, ${warmUp.cpuUsPerFrame.toFixed(2)} µs/frame\n`);
    for (let round = 1; round <= options.rounds; round++) {
      // Rotate the order, so no scenario always runs first (JIT, heap left by the one before).
      const order = scenarios.map((_, index) => scenarios[(index + round - 1) % scenarios.length]);
      for (const scenario of order) {
        const result = await runRound(scenario, round, context);
        results.push(result);
        process.stderr.write(
          `round ${round} ${scenario.partition || 'off'}: ${Math.round(result.framesPerSec)} frames/s, ${result.cpuUsPerFrame.toFixed(2)} µs/frame, ` +
            `${result.messages} messages${result.timedOut ? ' TIMED OUT' : ''}\n`,
        );
      }
    }
  } finally {
    await red.stop();
    await server.close();
  }
  const failed = printSummary(scenarios, results, problems);
  process.stdout.write(`load average (1 min) at start ${loadAtStart.toFixed(2)}, at end ${loadavg()[0].toFixed(2)} on ${cpus().length} CPUs\n`);
  process.stdout.write(`JSON ${JSON.stringify({ environment: environmentLine(), options: { ...options, frames }, results })}\n`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`partition bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
