/**
 * Benchmark of the per-frame hot path, without any network:
 * parseFrame → validateEvent → normaliseEvent → filter predicate → topicOf / payloadOf.
 *
 * Run: `node --expose-gc -r ./bench/register.js bench/core-throughput.ts [--events N]`
 *
 * Two measurements per round over the same frames:
 * - per stage: frames are handled in chunks of {@link CHUNK_FRAMES}; each stage runs over the
 *   whole chunk before the next one starts, and is timed on its own. This says where time goes.
 * - fused: every frame goes through all stages before the next frame, as the StreamClient and
 *   the nodes do. This is the number to quote as "the core's throughput".
 * Each figure is the median over `--rounds` rounds, after a warm-up so the JIT has settled.
 */
import { parseArgs } from 'node:util';
import { parseFrame, type Frame } from '../nodes/lib/frames';
import { validateEvent, type AylaEvent } from '../nodes/lib/events';
import { normaliseEvent, type NormalisedEvent } from '../nodes/lib/normalise';
import { payloadOf, topicOf } from '../nodes/lib/messages';
import { buildFilter, type FilterConfig } from '../nodes/lib/filters';
import { buildCorpus, EVENT_MIX } from './corpus';
import { canForceGc, environmentLine, formatCount, heapUsedMb, median, nsSince, padNumber, positiveIntegerOption, toMb } from './report';

/** Frames measured per round by default. */
const DEFAULT_EVENTS = 200_000;
/** Distinct frames in the corpus by default; the measured frames cycle through them. */
const DEFAULT_CORPUS_FRAMES = 20_000;
/** Rounds measured by default; the median is reported. */
const DEFAULT_ROUNDS = 3;
/** Frames per chunk of the per-stage measurement: large enough that the timer calls do not matter. */
const CHUNK_FRAMES = 1000;

const HELP = `Usage: node --expose-gc -r ./bench/register.js bench/core-throughput.ts [options]

  --events <n>   frames measured per round (default ${DEFAULT_EVENTS})
  --corpus <n>   distinct frames generated, cycled through (default ${DEFAULT_CORPUS_FRAMES})
  --warmup <n>   frames run before measuring (default: min(events, 50000), both ways)
  --rounds <n>   measured rounds; medians are reported (default ${DEFAULT_ROUNDS})
  --seed <n>     corpus seed (default 1)
`;

/**
 * The filter a busy flow might use: DSN and property lists mixing all three match modes, a
 * status list, and the ack outcome. About half the events pass it.
 */
const FILTER_CONFIG: FilterConfig = {
  dsns: [
    { mode: 'wildcard', pattern: 'AC000W0003406?*' },
    { mode: 'exact', pattern: 'AC000W005606115' },
    { mode: 'regex', pattern: '^AC000W00560612[0-9]$' },
    { mode: 'regex', pattern: '^AC000W0123456[0-4][0-9]$' },
  ],
  oemModels: [{ mode: 'wildcard', pattern: '*-*' }],
  properties: [
    { mode: 'wildcard', pattern: '*temp*' },
    { mode: 'regex', pattern: '^(power_w|pm25|outlet\\d)$' },
    { mode: 'exact', pattern: 'humidity' },
    { mode: 'exact', pattern: 'status_msg' },
  ],
  statuses: ['Online', 'Offline'],
  ack: 'both',
  registration: 'both',
};

const STAGES = ['parseFrame', 'validateEvent', 'normaliseEvent', 'filter', 'topicOf+payloadOf'] as const;
type Stage = (typeof STAGES)[number];

/** Everything a round produces besides times, so the work cannot be optimised away and can be checked. */
interface Tally {
  events: number;
  heartbeats: number;
  passed: number;
  /** Sum of topic lengths and payload kinds: printed so that no stage is dead code. */
  checksum: number;
}

function emptyTally(): Tally {
  return { events: 0, heartbeats: 0, passed: 0, checksum: 0 };
}

function shapeChecksum(topic: string, payload: unknown): number {
  return topic.length + (payload === null ? 1 : typeof payload === 'object' ? 3 : 2);
}

type Predicate = (event: NormalisedEvent) => boolean;

/** All stages for one frame after the other (the production order). */
function runFused(frames: string[], start: number, count: number, filter: Predicate, tally: Tally): void {
  const corpusSize = frames.length;
  for (let i = 0; i < count; i++) {
    const frame = parseFrame(frames[(start + i) % corpusSize]);
    if (frame.kind !== 'event') {
      tally.heartbeats++;
      continue;
    }
    tally.events++;
    const normalised = normaliseEvent(validateEvent(frame.data));
    if (!filter(normalised)) continue;
    tally.passed++;
    tally.checksum += shapeChecksum(topicOf(normalised), payloadOf(normalised));
  }
}

/** Reusable per-chunk buffers of the staged measurement. */
interface ChunkBuffers {
  frames: Frame[];
  events: Array<AylaEvent | null>;
  normalised: Array<NormalisedEvent | null>;
  passed: boolean[];
}

/** Stage by stage over chunks; adds each stage's nanoseconds to `times`. */
function runStaged(frames: string[], count: number, filter: Predicate, buffers: ChunkBuffers, times: Record<Stage, number>, tally: Tally): void {
  const corpusSize = frames.length;
  for (let offset = 0; offset < count; offset += CHUNK_FRAMES) {
    const size = Math.min(CHUNK_FRAMES, count - offset);
    let started = process.hrtime.bigint();
    for (let k = 0; k < size; k++) buffers.frames[k] = parseFrame(frames[(offset + k) % corpusSize]);
    times.parseFrame += nsSince(started);

    started = process.hrtime.bigint();
    for (let k = 0; k < size; k++) {
      const frame = buffers.frames[k];
      buffers.events[k] = frame.kind === 'event' ? validateEvent(frame.data) : null;
    }
    times.validateEvent += nsSince(started);

    started = process.hrtime.bigint();
    for (let k = 0; k < size; k++) {
      const event = buffers.events[k];
      buffers.normalised[k] = event === null ? null : normaliseEvent(event);
    }
    times.normaliseEvent += nsSince(started);

    started = process.hrtime.bigint();
    for (let k = 0; k < size; k++) {
      const normalised = buffers.normalised[k];
      buffers.passed[k] = normalised !== null && filter(normalised);
    }
    times.filter += nsSince(started);

    started = process.hrtime.bigint();
    for (let k = 0; k < size; k++) {
      const normalised = buffers.normalised[k];
      if (normalised === null || !buffers.passed[k]) continue;
      tally.checksum += shapeChecksum(topicOf(normalised), payloadOf(normalised));
    }
    times['topicOf+payloadOf'] += nsSince(started);

    for (let k = 0; k < size; k++) {
      if (buffers.normalised[k] === null) tally.heartbeats++;
      else tally.events++;
      if (buffers.passed[k]) tally.passed++;
    }
  }
  // Drop the last chunk's objects so the heap reading after the run sees no leftovers.
  buffers.frames.fill({ kind: 'keepalive' });
  buffers.events.fill(null);
  buffers.normalised.fill(null);
}

function zeroTimes(): Record<Stage, number> {
  return { parseFrame: 0, validateEvent: 0, normaliseEvent: 0, filter: 0, 'topicOf+payloadOf': 0 };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      corpus: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const events = positiveIntegerOption('events', values.events, DEFAULT_EVENTS);
  const corpusFrames = positiveIntegerOption('corpus', values.corpus, DEFAULT_CORPUS_FRAMES);
  const warmup = positiveIntegerOption('warmup', values.warmup, Math.min(events, 50_000));
  const rounds = positiveIntegerOption('rounds', values.rounds, DEFAULT_ROUNDS);
  const seed = positiveIntegerOption('seed', values.seed, 1);

  console.log(`core-throughput: ${environmentLine()}`);
  const corpus = buildCorpus({ frames: corpusFrames, seed });
  const eventFrames = corpus.frames.length - corpus.counts.heartbeat;
  const averageBytes = corpus.totalBytes / corpus.frames.length;
  console.log(
    `corpus: ${formatCount(corpus.frames.length)} distinct frames, ${toMb(corpus.totalBytes).toFixed(1)} MB, ` +
      `avg ${averageBytes.toFixed(0)} B/frame, event frames ${corpus.minEventBytes}..${corpus.maxEventBytes} B; ` +
      Object.entries(corpus.counts)
        .map(([type, count]) => `${type} ${count}`)
        .join(', '),
  );
  console.log(`target mix: ${Object.entries(EVENT_MIX).map(([type, share]) => `${type} ${(share * 100).toFixed(0)}%`).join(', ')}`);

  const filter = buildFilter(FILTER_CONFIG);
  const buffers: ChunkBuffers = {
    frames: new Array<Frame>(CHUNK_FRAMES).fill({ kind: 'keepalive' }),
    events: new Array<AylaEvent | null>(CHUNK_FRAMES).fill(null),
    normalised: new Array<NormalisedEvent | null>(CHUNK_FRAMES).fill(null),
    passed: new Array<boolean>(CHUNK_FRAMES).fill(false),
  };

  // Every corpus frame must be valid: a benchmark quietly timing error paths would mislead.
  const check = emptyTally();
  runFused(corpus.frames, 0, corpus.frames.length, filter, check);
  if (check.events !== eventFrames) throw new Error(`corpus check: ${check.events} events parsed, expected ${eventFrames}`);

  const heapBefore = heapUsedMb(true);
  const warmTally = emptyTally();
  runFused(corpus.frames, 0, warmup, filter, warmTally);
  runStaged(corpus.frames, warmup, filter, buffers, zeroTimes(), warmTally);

  const stageRuns: Record<Stage, number[]> = { parseFrame: [], validateEvent: [], normaliseEvent: [], filter: [], 'topicOf+payloadOf': [] };
  const fusedRuns: number[] = [];
  let tally = emptyTally();
  let peakHeapMb = 0;
  for (let round = 0; round < rounds; round++) {
    const times = zeroTimes();
    const stagedTally = emptyTally();
    runStaged(corpus.frames, events, filter, buffers, times, stagedTally);
    for (const stage of STAGES) stageRuns[stage].push(times[stage]);

    tally = emptyTally();
    const started = process.hrtime.bigint();
    runFused(corpus.frames, 0, events, filter, tally);
    fusedRuns.push(nsSince(started));
    peakHeapMb = Math.max(peakHeapMb, heapUsedMb(false));
    if (stagedTally.passed !== tally.passed || stagedTally.checksum !== tally.checksum) {
      throw new Error('staged and fused runs disagree: a stage is not doing the same work');
    }
  }
  const heapAfter = heapUsedMb(true);

  const rows: Array<{ stage: string; nsPerFrame: number }> = STAGES.map((stage) => ({ stage, nsPerFrame: median(stageRuns[stage]) / events }));
  const stageSum = rows.reduce((sum, row) => sum + row.nsPerFrame, 0);
  rows.push({ stage: 'sum of stages', nsPerFrame: stageSum });
  const fusedNs = median(fusedRuns) / events;
  rows.push({ stage: 'TOTAL (fused pipeline)', nsPerFrame: fusedNs });

  console.log(
    `measured: ${formatCount(events)} frames/round x ${rounds} rounds (median), warm-up ${formatCount(warmup)}; ` +
      `per round ${formatCount(tally.events)} events + ${formatCount(tally.heartbeats)} heartbeats, ${formatCount(tally.passed)} pass the filter`,
  );
  console.log(`${'stage'.padEnd(24)}${'frames/s'.padStart(14)}${'ns/frame'.padStart(12)}`);
  for (const row of rows) {
    console.log(`${row.stage.padEnd(24)}${formatCount(1e9 / row.nsPerFrame).padStart(14)}${padNumber(row.nsPerFrame, 0, 12)}`);
  }
  const mbPerSecond = toMb(averageBytes) * (1e9 / fusedNs);
  console.log(`fused pipeline input rate: ${mbPerSecond.toFixed(1)} MB/s of frames`);
  console.log(
    `heap used: before ${heapBefore.toFixed(1)} MB, after ${heapAfter.toFixed(1)} MB (${canForceGc() ? 'each after a forced gc' : 'no forced gc: --expose-gc is off'}), ` +
      `highest between rounds ${peakHeapMb.toFixed(1)} MB (no gc)`,
  );
  const summary = {
    bench: 'core-throughput',
    node: process.version,
    frames: events,
    rounds,
    corpusFrames: corpus.frames.length,
    avgFrameBytes: Math.round(averageBytes),
    passRate: Number((tally.passed / tally.events).toFixed(3)),
    nsPerFrame: Object.fromEntries(rows.map((row) => [row.stage, Math.round(row.nsPerFrame)])),
    framesPerSecond: Math.round(1e9 / fusedNs),
    mbPerSecond: Number(mbPerSecond.toFixed(1)),
    heapMb: { before: Number(heapBefore.toFixed(1)), after: Number(heapAfter.toFixed(1)), peakNoGc: Number(peakHeapMb.toFixed(1)) },
    gcExposed: canForceGc(),
    checksum: tally.checksum,
  };
  console.log(`JSON ${JSON.stringify(summary)}`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`core-throughput failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
