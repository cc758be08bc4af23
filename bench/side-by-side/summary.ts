/**
 * The side-by-side benchmark's output: one table of medians over the rounds, the delivery
 * accounting of every sink, and the ratios the performance goals are written in, each with
 * its goal and whether it is met.
 */
import { median } from '../report';
import type { RoundResult, ScenarioSpec } from './scenarios';

function medianOf(results: RoundResult[], pick: (result: RoundResult) => number | undefined): number {
  const values = results.map(pick).filter((value): value is number => value !== undefined && Number.isFinite(value));
  return values.length > 0 ? median(values) : Number.NaN;
}

function fixed(value: number, digits: number, width: number): string {
  return (Number.isFinite(value) ? value.toFixed(digits) : '-').padStart(width);
}

function countText(value: number, width: number): string {
  return (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-').padStart(width);
}

/** "ok" or what went wrong with the deliveries of every round of a scenario. */
function accounting(results: RoundResult[]): string {
  let missing = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  let unexpected = 0;
  let timedOut = 0;
  for (const result of results) {
    if (result.timedOut) timedOut++;
    for (const sink of result.sinks) {
      missing += sink.missing;
      duplicates += sink.duplicates;
      outOfOrder += sink.outOfOrder;
      unexpected += sink.unexpected;
    }
  }
  const parts: string[] = [];
  if (missing) parts.push(`${missing} missing`);
  if (duplicates) parts.push(`${duplicates} dup`);
  if (outOfOrder) parts.push(`${outOfOrder} reordered`);
  if (unexpected) parts.push(`${unexpected} stray`);
  if (timedOut) parts.push(`${timedOut} timed out`);
  return parts.length === 0 ? 'exact' : parts.join(', ');
}

/** Prints the table and the ratios. Returns true when a delivery went wrong anywhere. */
export function printSummary(specs: ScenarioSpec[], results: RoundResult[], problems: string[]): boolean {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const by = new Map<string, RoundResult[]>();
  for (const result of results) by.set(result.scenario, [...(by.get(result.scenario) ?? []), result]);
  const rounds = Math.max(0, ...[...by.values()].map((list) => list.length));
  out('');
  out(`medians of ${rounds} interleaved rounds; CPU = this process (Node-RED + the package), the frame server excluded;`);
  out('RSS +MB = how much the resident set grew during the round (peak - start)');
  out(
    `${'scenario'.padEnd(44)} ${'frames'.padStart(8)} ${'frames/s'.padStart(9)} ${'µs CPU/frame'.padStart(12)} ${'µs/msg'.padStart(7)} ` +
      `${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'p99.9 ms'.padStart(8)} ${'RSS +MB'.padStart(7)} ${'pauses'.padStart(6)}  deliveries`,
  );
  let failed = false;
  const medians = new Map<string, { rate: number; cpu: number; p99: number; p999: number }>();
  for (const spec of specs) {
    const list = by.get(spec.id) ?? [];
    if (list.length === 0) continue;
    const rate = medianOf(list, (r) => r.framesPerSec);
    const cpu = medianOf(list, (r) => r.cpuUsPerFrame);
    const messagesPerFrame = list[0].messages / list[0].frames;
    const p50 = medianOf(list, (r) => r.latencyMs?.p50);
    const p99 = medianOf(list, (r) => r.latencyMs?.p99);
    const p999 = medianOf(list, (r) => r.latencyMs?.p999);
    const delivery = accounting(list);
    if (delivery !== 'exact') failed = true;
    medians.set(spec.id, { rate, cpu, p99, p999 });
    out(
      `${spec.label.padEnd(44)} ${countText(spec.frames, 8)} ${countText(rate, 9)} ${fixed(cpu, 1, 12)} ${fixed(cpu / messagesPerFrame, 1, 7)} ` +
        `${fixed(p50, 2, 7)} ${fixed(p99, 2, 7)} ${fixed(p999, 2, 8)} ${fixed(medianOf(list, (r) => r.rssPeakMb - r.rssStartMb), 0, 7)} ` +
        `${countText(medianOf(list, (r) => r.pauses), 6)}  ${delivery}`,
    );
    for (const result of list) {
      if (result.slowPhase) {
        out(
          `  round ${result.round}: while slow, ${result.slowPhase.framesDelivered} frames delivered, RSS growth ` +
            `${result.slowPhase.rssGrowthMb.toFixed(1)} MB; ${result.pauses} pauses (${(result.pausedMs / 1000).toFixed(1)} s); then the rest at full speed`,
        );
      }
    }
  }
  out('');
  out('ratios (goal in brackets):');
  const get = (id: string) => medians.get(id);
  const line = (text: string, value: number, goal: string, met: boolean | null) =>
    out(`  ${text.padEnd(58)} ${fixed(value, 2, 7)}  [${goal}]${met === null ? '' : met ? ' met' : ' MISSED'}`);
  const raw = get('raw');
  const diy = get('diy');
  const one = get('one');
  const fan = get('fan10');
  const disjoint = get('fan10-disjoint');
  const off = get('fan10-fc-off');
  if (one && raw) line('one node / raw, frames/s', one.rate / raw.rate, '≥ 0.5', one.rate / raw.rate >= 0.5);
  if (one && diy) line('one node / DIY, frames/s', one.rate / diy.rate, '≥ 2.5', one.rate / diy.rate >= 2.5);
  if (one) line('one node, µs CPU per frame', one.cpu, '≤ 7', one.cpu <= 7);
  if (one && disjoint) line('ten disjoint / one node, CPU per frame', disjoint.cpu / one.cpu, '≤ 1.3', disjoint.cpu / one.cpu <= 1.3);
  if (one && fan) line('ten all accepting: µs CPU per extra message', (fan.cpu - one.cpu) / 9, '≤ 3', (fan.cpu - one.cpu) / 9 <= 3);
  if (fan && off) line('ten all accepting: flow control on / off, frames/s', fan.rate / off.rate, '≥ 0.9', fan.rate / off.rate >= 0.9);
  for (const id of ['lat-one', 'lat-fan10', 'lat-diy']) {
    const lat = get(id);
    if (!lat) continue;
    const ours = id !== 'lat-diy';
    line(`${id}: p99 latency, ms`, lat.p99, '≤ 2', ours ? lat.p99 <= 2 : null);
    line(`${id}: p99.9 latency, ms`, lat.p999, '≤ 10', ours ? lat.p999 <= 10 : null);
  }
  const slow = by.get('slow');
  if (slow) {
    const growth = Math.max(...slow.map((r) => r.slowPhase?.rssGrowthMb ?? Number.NaN));
    line('slow flow: largest RSS growth while slow, MB', growth, '< 100', growth < 100);
  }
  printFooter(problems, failed);
  return failed;
}

/**
 * The last lines of a delivery benchmark (side-by-side, partition): the first of the warnings and
 * errors Node-RED logged, then `result: PASS|FAIL`.
 */
export function printFooter(problems: string[], failed: boolean): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (problems.length > 0) {
    out('');
    out(`warnings and errors logged by Node-RED (${problems.length}, first 5):`);
    for (const problem of problems.slice(0, 5)) out(`  ${problem}`);
  }
  out('');
  out(`result: ${failed ? 'FAIL (deliveries not exact)' : 'PASS (every sink got every seq it should, once, in order)'}`);
}
