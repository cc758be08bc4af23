/**
 * One round of one scenario of the side-by-side benchmark: deploy its flow (or open the raw
 * client), wait for the socket, tell the frame server to send, wait until every sink has every
 * seq it should have, and measure rate, main-process CPU, RSS, latencies and flow-control
 * pauses. Every round uses a stream key of its own, so no position or socket carries over.
 */
import WebSocket from 'ws';
import type { EmbeddedNodeRed } from '../soak-node-red';
import { dsnIndexOf } from './frame-corpus';
import type { FrameServer } from './frame-server-process';
import { aylaFlow, diyFlow, emptyFlow, type BenchFlow } from './flows';
import { SinkRecorder, type SinkRegistryImpl, type SinkSummary } from './sink-recorder';
import { dsnGroupRules } from './dsn-groups';

/** What a scenario is. */
export interface ScenarioSpec {
  id: string;
  label: string;
  kind: 'raw' | 'diy' | 'ayla';
  /** Number of in-nodes (ayla). */
  nodes: number;
  /** Ayla: node i accepts only the DSNs of group i (of `nodes` groups). */
  disjoint: boolean;
  /** Ayla: false turns the package's flow control off for the round (see side-by-side.ts). */
  flowControl: boolean;
  frames: number;
  /** Frames per second; 0 = as fast as TCP allows. */
  rate: number;
  latency: boolean;
  /** Slow flow: ms of synchronous work per message in every sink for `slowPhaseMs`, then none. */
  workMs: number;
  slowPhaseMs: number;
}

/** What one round measured. */
export interface RoundResult {
  scenario: string;
  round: number;
  frames: number;
  messages: number;
  elapsedMs: number;
  /** The measured window on the monotonic clock (ms), for bench/profile-summary.ts --from/--to. */
  windowMs: [number, number];
  framesPerSec: number;
  cpuUsPerFrame: number;
  rssStartMb: number;
  rssPeakMb: number;
  /** Slow flow: RSS growth during the slow phase, and frames delivered in it. */
  slowPhase?: { rssGrowthMb: number; framesDelivered: number };
  latencyMs?: { p50: number; p99: number; p999: number; max: number };
  pauses: number;
  pausedMs: number;
  sinks: SinkSummary[];
  timedOut: boolean;
}

/** What a round needs from the benchmark. */
export interface RoundContext {
  server: FrameServer;
  red: EmbeddedNodeRed;
  sinks: SinkRegistryImpl;
  /** Flow-control log lines since the last call (pause / resume), cleared by the call. */
  takeFlowControlLog(): string[];
  /** Turns the package's flow control on or off. */
  setFlowControl(on: boolean): void;
  timeoutMs: number;
}

const MB = 1024 * 1024;
/** Latency rounds: frames sent in the first second are accounted for but not timed (1000 ms). */
export const LATENCY_WARMUP_MS = 1000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function hrNowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The recorders of a scenario's sinks, by sink node id. */
function recordersFor(spec: ScenarioSpec, flow: BenchFlow | null): Map<string, SinkRecorder> {
  const ids = flow ? flow.sinkIds : ['raw'];
  const recorders = new Map<string, SinkRecorder>();
  ids.forEach((id, index) => {
    const expects = spec.disjoint ? (seq: number) => dsnIndexOf(seq) % spec.nodes === index : () => true;
    recorders.set(id, new SinkRecorder(id, spec.frames, expects, spec.latency));
  });
  return recorders;
}

function flowOf(spec: ScenarioSpec, key: string, server: FrameServer): BenchFlow | null {
  const url = `${server.streamUrl}?stream_key=${encodeURIComponent(key)}`;
  if (spec.kind === 'raw') return null;
  if (spec.kind === 'diy') return diyFlow(url);
  return aylaFlow({
    streamUrl: server.streamUrl,
    streamKey: key,
    nodes: spec.nodes,
    dsnFilterOf: (index) => (spec.disjoint ? dsnGroupRules(index, spec.nodes) : []),
  });
}

/** The raw client: `ws` + split at the first `|` + `JSON.parse`, straight into the recorder. */
function openRawClient(url: string, recorder: SinkRecorder): WebSocket {
  const socket = new WebSocket(url);
  socket.on('message', (data: Buffer) => {
    const text = data.toString();
    const json = text.slice(text.indexOf('|') + 1);
    if (json === 'Z' || json === 'X') return;
    const event = JSON.parse(json) as { seq: string };
    recorder.record(Number(event.seq));
  });
  socket.on('error', () => undefined /* reported as a timeout with missing seqs */);
  return socket;
}

/** Pause count and paused time from the flow-control log lines of a round. */
function pausesOf(lines: string[]): { pauses: number; pausedMs: number } {
  let pauses = 0;
  let pausedMs = 0;
  for (const line of lines) {
    if (/pausing/.test(line)) pauses++;
    const resumed = /after (\d+) ms/.exec(line);
    if (resumed) pausedMs += Number(resumed[1]);
  }
  return { pauses, pausedMs };
}

/** Runs one round of `spec`; `round` makes the stream key unique. */
export async function runRound(spec: ScenarioSpec, round: number, context: RoundContext): Promise<RoundResult> {
  const { server, red, sinks } = context;
  const key = `bench-${spec.id}-${round}-${process.pid}`;
  const flow = flowOf(spec, key, server);
  const recorders = recordersFor(spec, flow);
  sinks.use(recorders);
  sinks.workMs = 0;
  context.setFlowControl(spec.flowControl);
  let raw: WebSocket | null = null;
  if (flow) await red.deploy(flow.nodes, 'full');
  else raw = openRawClient(`${server.streamUrl}?stream_key=${encodeURIComponent(key)}`, recorders.get('raw') as SinkRecorder);
  await server.connected(key, 30_000);
  // Let the nodes settle (statuses, the flow-ready immediate) before the clock starts.
  await delay(200);
  globalThis.gc?.();
  context.takeFlowControlLog();

  const rssStart = process.memoryUsage.rss();
  let rssPeak = rssStart;
  server.markRss();
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }, 100);
  const all = [...recorders.values()];
  const distinctSoFar = () => all.reduce((sum, recorder) => sum + recorder.distinct, 0);
  if (spec.workMs > 0) sinks.workMs = spec.workMs;
  const cpuStart = process.cpuUsage();
  const startMs = hrNowMs();
  server.go(key, spec.frames, spec.rate, spec.latency);
  let slowPhase: RoundResult['slowPhase'];
  if (spec.workMs > 0) {
    await delay(spec.slowPhaseMs);
    sinks.workMs = 0;
    const outside = await server.rssPeakMb();
    rssPeak = Math.max(rssPeak, (outside ?? 0) * MB);
    slowPhase = { rssGrowthMb: (rssPeak - rssStart) / MB, framesDelivered: Math.round(distinctSoFar() / all.length) };
  }
  const deadline = startMs + context.timeoutMs;
  let complete = true;
  for (const recorder of all) complete = (await recorder.whenComplete(Math.max(1, deadline - hrNowMs()))) && complete;
  const endMs = hrNowMs();
  const cpu = process.cpuUsage(cpuStart);
  // Listen a little longer: duplicates and strays show up in the counts.
  await delay(300);
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, ((await server.rssPeakMb()) ?? 0) * MB);
  const sendTimes = spec.latency ? await server.sent(key) : null;
  let latencyMs: RoundResult['latencyMs'];
  if (sendTimes) {
    // Steady state only: the first second of a round (JIT, the nodes' first statuses) is delivered and counted, not timed.
    const steadyFrom = sendTimes[0] + LATENCY_WARMUP_MS * 1e6;
    const values = all.flatMap((recorder) => recorder.latenciesMs(sendTimes, steadyFrom)).sort((a, b) => a - b);
    latencyMs = { p50: percentile(values, 50), p99: percentile(values, 99), p999: percentile(values, 99.9), max: values[values.length - 1] ?? Number.NaN };
  }
  const { pauses, pausedMs } = pausesOf(context.takeFlowControlLog());

  if (flow) await red.deploy(emptyFlow(), 'full');
  raw?.terminate();
  server.forget(key);
  sinks.use(new Map());
  context.setFlowControl(true);
  const elapsedMs = endMs - startMs;
  return {
    scenario: spec.id,
    round,
    frames: spec.frames,
    messages: all.reduce((sum, recorder) => sum + recorder.expectedCount, 0),
    elapsedMs,
    windowMs: [Math.round(startMs), Math.round(endMs)],
    framesPerSec: (spec.frames / elapsedMs) * 1000,
    cpuUsPerFrame: (cpu.user + cpu.system) / spec.frames,
    rssStartMb: rssStart / MB,
    rssPeakMb: rssPeak / MB,
    ...(slowPhase ? { slowPhase } : {}),
    ...(latencyMs ? { latencyMs } : {}),
    pauses,
    pausedMs,
    sinks: all.map((recorder) => recorder.summary()),
    timedOut: !complete,
  };
}
