/**
 * The side-by-side benchmark: the same datapoint frames through what a user could build, in one
 * run, rounds interleaved, medians reported.
 *
 * Run: `npm run build && node --expose-gc -r ./bench/register.js bench/side-by-side.ts`
 * (`npm run bench` does both). `--help` lists the options.
 *
 * - A loopback frame server in a child process (`side-by-side/frame-server.ts`, its own CPU)
 *   sends N datapoint frames of ~490 bytes (48 DSNs × 5 properties, one per base type).
 * - One embedded Node-RED (the dev dependency) loads the package from dist/ the way it loads any
 *   installed module; flows are deployed through the runtime API, never through the test
 *   helper (which wraps `send` in spies). Every flow ends in `bench-sink` nodes
 *   (`side-by-side/sink/`) that account for every seq exactly (loss, duplicates, order).
 * - Scenarios: the raw limit (a `ws` client, split at the first `|`, `JSON.parse`, no
 *   Node-RED); the DIY flow (`websocket in` → `function` → sink); one `ayla-datapoint-in`;
 *   ten on one key, all accepting; ten with disjoint DSN filters; ten all accepting with the
 *   package's flow control off; steady 10,000 frames/s for latency (ours ×1, ×10, DIY); a slow
 *   flow (2 ms of synchronous work per message in each of ten sinks) for flow control.
 *
 * Prints one table (medians over the rounds), the ratios the goals are written in, and a last
 * line `JSON {...}` with every round. Exit code 1 when any sink lost, duplicated or reordered a
 * seq, or a round timed out.
 */
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { environmentLine, positiveIntegerOption } from './report';
import { startFrameServer } from './side-by-side/frame-server-process';
import { printSummary } from './side-by-side/summary';
import { runRound, type RoundResult, type ScenarioSpec } from './side-by-side/scenarios';
import { startBenchRuntime } from './side-by-side/bench-runtime';


const DEFAULTS = { frames: 100_000, rounds: 3, latencyFrames: 30_000, rate: 10_000, slowFrames: 20_000, slowMs: 15_000, workMs: 2, timeoutMs: 180_000 };

const HELP = `Usage: npm run build && node --expose-gc -r ./bench/register.js bench/side-by-side.ts [options]

  --frames <n>          frames per full-speed round (default ${DEFAULTS.frames})
  --rounds <n>          interleaved rounds; the table shows medians (default ${DEFAULTS.rounds})
  --latency-frames <n>  frames per latency round (default ${DEFAULTS.latencyFrames})
  --rate <n>            frames/s of the latency rounds (default ${DEFAULTS.rate})
  --slow-frames <n>     frames of the slow-flow round (default ${DEFAULTS.slowFrames})
  --slow-ms <ms>        how long the slow flow is slow (default ${DEFAULTS.slowMs})
  --work-ms <ms>        synchronous work per message in the slow flow (default ${DEFAULTS.workMs})
  --only <ids>          comma-separated scenario ids (default: all)
  --package <dir>       load the package from this directory (built, with dist/) instead of
                        this repository: how the "before" numbers in bench/README.md were taken
  --timeout-ms <ms>     longest wait for one round (default ${DEFAULTS.timeoutMs})
`;

function scenarios(options: typeof DEFAULTS): ScenarioSpec[] {
  const base = { nodes: 1, disjoint: false, flowControl: true, frames: options.frames, rate: 0, latency: false, workMs: 0, slowPhaseMs: 0 };
  const latency = { frames: options.latencyFrames, rate: options.rate, latency: true };
  return [
    { ...base, id: 'raw', label: 'raw: ws + split + JSON.parse', kind: 'raw' },
    { ...base, id: 'diy', label: 'DIY: websocket in → function → sink', kind: 'diy' },
    { ...base, id: 'one', label: 'one ayla-datapoint-in → sink', kind: 'ayla' },
    { ...base, id: 'fan10', label: 'ten on one key, all accepting', kind: 'ayla', nodes: 10 },
    { ...base, id: 'fan10-disjoint', label: 'ten on one key, disjoint DSN filters', kind: 'ayla', nodes: 10, disjoint: true },
    { ...base, id: 'one-fc-off', label: 'one node, flow control off', kind: 'ayla', flowControl: false },
    { ...base, id: 'fan10-fc-off', label: 'ten all accepting, flow control off', kind: 'ayla', nodes: 10, flowControl: false },
    { ...base, ...latency, id: 'lat-diy', label: `DIY at ${options.rate}/s`, kind: 'diy' },
    { ...base, ...latency, id: 'lat-one', label: `one node at ${options.rate}/s`, kind: 'ayla' },
    { ...base, ...latency, id: 'lat-fan10', label: `ten nodes at ${options.rate}/s`, kind: 'ayla', nodes: 10 },
    {
      ...base,
      id: 'slow',
      label: `slow flow: ten, ${options.workMs} ms work per message`,
      kind: 'ayla',
      nodes: 10,
      frames: options.slowFrames,
      workMs: options.workMs,
      slowPhaseMs: options.slowMs,
    },
  ];
}

/**
 * The order scenarios run in within a round (the table keeps its own). Ours first and the two
 * flows without pacing last — ten nodes with flow control off, then DIY: they grow the heap by
 * hundreds of MB, which the runtime keeps (garbage collection makes it free, not smaller) and
 * every later scenario in the process would pay for (ten disjoint nodes measured right after
 * them cost 9.1 µs a frame, right after ten accepting nodes with flow control on 6.6 µs). Each
 * flow-control-off round sits next to its "on" twin, and even rounds swap the two, so neither
 * always runs first.
 */
function runOrder(specs: ScenarioSpec[], round: number): ScenarioSpec[] {
  const order = ['raw', 'one', 'one-fc-off', 'fan10-disjoint', 'lat-one', 'lat-fan10', 'slow', 'fan10', 'fan10-fc-off', 'diy', 'lat-diy'];
  if (round % 2 === 0) {
    for (const [on, off] of [['one', 'one-fc-off'], ['fan10', 'fan10-fc-off']]) {
      const at = order.indexOf(on);
      order[at] = off;
      order[at + 1] = on;
    }
  }
  const rank = (spec: ScenarioSpec) => (order.includes(spec.id) ? order.indexOf(spec.id) : order.length);
  return [...specs].sort((a, b) => rank(a) - rank(b));
}

function readOptions(): { options: typeof DEFAULTS; only: Set<string> | null; packageDir: string } {
  const { values } = parseArgs({
    options: {
      frames: { type: 'string' },
      rounds: { type: 'string' },
      'latency-frames': { type: 'string' },
      rate: { type: 'string' },
      'slow-frames': { type: 'string' },
      'slow-ms': { type: 'string' },
      'work-ms': { type: 'string' },
      only: { type: 'string' },
      package: { type: 'string' },
      'timeout-ms': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const options = {
    frames: positiveIntegerOption('frames', values.frames, DEFAULTS.frames),
    rounds: positiveIntegerOption('rounds', values.rounds, DEFAULTS.rounds),
    latencyFrames: positiveIntegerOption('latency-frames', values['latency-frames'], DEFAULTS.latencyFrames),
    rate: positiveIntegerOption('rate', values.rate, DEFAULTS.rate),
    slowFrames: positiveIntegerOption('slow-frames', values['slow-frames'], DEFAULTS.slowFrames),
    slowMs: positiveIntegerOption('slow-ms', values['slow-ms'], DEFAULTS.slowMs),
    workMs: positiveIntegerOption('work-ms', values['work-ms'], DEFAULTS.workMs),
    timeoutMs: positiveIntegerOption('timeout-ms', values['timeout-ms'], DEFAULTS.timeoutMs),
  };
  return {
    options,
    only: values.only ? new Set(values.only.split(',').map((id) => id.trim())) : null,
    packageDir: resolve(values.package ?? join(__dirname, '..')),
  };
}

/**
 * Flow control on or off for a round. "Off" is a benchmark-only switch: the runtime's
 * FlowControlGroup (loaded from dist/, the module Node-RED uses) attaches nothing, so streams
 * are neither paced nor paused. Users have no such switch.
 */
function flowControlSwitch(root: string): (on: boolean) => void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiled module Node-RED loaded, not the TypeScript source
  const { FlowControlGroup } = require(join(root, 'dist', 'nodes', 'lib', 'hub', 'flow-control-group.js')) as {
    FlowControlGroup: { prototype: { attach: (...args: unknown[]) => () => void } };
  };
  const attach = FlowControlGroup.prototype.attach;
  const detached = () => () => undefined;
  return (on) => {
    FlowControlGroup.prototype.attach = on ? attach : detached;
  };
}

async function main(): Promise<void> {
  const { options, only, packageDir: root } = readOptions();
  const specs = scenarios(options).filter((spec) => !only || only.has(spec.id));
  process.stdout.write(`side-by-side: ${environmentLine()}\n`);
  const loadAtStart = loadavg()[0];
  const server = await startFrameServer(Math.max(options.frames, options.latencyFrames, options.slowFrames));
  const { red, sinks, takeFlowControlLog, problems } = await startBenchRuntime(root);
  process.stdout.write(`node-red ${red.version}, package ${root}, frame server pid ${server.pid}, ${options.rounds} rounds, ${specs.length} scenarios\n`);
  const setFlowControl = flowControlSwitch(root);
  const results: RoundResult[] = [];
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const spec of runOrder(specs, round)) {
        const result = await runRound(spec, round, {
          server,
          red,
          sinks,
          setFlowControl,
          timeoutMs: options.timeoutMs,
          takeFlowControlLog,
        });
        results.push(result);
        process.stderr.write(
          `round ${round} ${spec.id}: ${Math.round(result.framesPerSec)} frames/s, ${result.cpuUsPerFrame.toFixed(1)} µs/frame, ` +
            `rss peak ${result.rssPeakMb.toFixed(0)} MB, pauses ${result.pauses}${result.timedOut ? ' TIMED OUT' : ''}\n`,
        );
      }
    }
  } finally {
    await red.stop();
    await server.close();
  }
  const failed = printSummary(specs, results, problems);
  process.stdout.write(
    `load average (1 min) at start ${loadAtStart.toFixed(2)}, at end ${loadavg()[0].toFixed(2)} on ${cpus().length} CPUs: ` +
      `other processes on the machine compete for them, so compare ratios within one run\n`,
  );
  process.stdout.write(`JSON ${JSON.stringify({ environment: environmentLine(), options, results })}\n`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`side-by-side failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
