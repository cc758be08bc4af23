#!/usr/bin/env node
/**
 * Runs every benchmark once at a tiny size and fails if any of them fails, so a change to the
 * package cannot silently break a benchmark (the soak once stopped deploying when the rule
 * "DSNs are required when the OEM model is *" arrived, and nothing noticed). It checks that the
 * benchmarks still run and still pass their own loss, duplicate and order checks; it asserts
 * nothing about speed (the numbers at this size mean nothing). Needs `npm run build` first, and
 * Mosquitto for the fleet benchmark. `.ci/run` runs it after the tests.
 *
 * Usage: node scripts/bench-smoke.js [--only name,name]
 */
'use strict';

const { join } = require('node:path');
const { runBounded } = require('./run-bounded.js');

const ROOT = join(__dirname, '..');
const REGISTER = join('bench', 'register.js');
const RUN_TIMEOUT_MS = 240_000;

/** Each benchmark with arguments that make it finish in seconds while still taking every path. */
const BENCHMARKS = [
  { name: 'core-throughput', args: ['--events', '5000', '--corpus', '2000', '--warmup', '1000', '--rounds', '1'] },
  { name: 'copy-event', args: ['--copies', '2000', '--rounds', '1'] },
  { name: 'stream-throughput', args: ['--events', '5000'] },
  {
    name: 'side-by-side',
    args: ['--rounds', '1', '--frames', '5000', '--latency-frames', '3000', '--rate', '3000', '--slow-frames', '400', '--slow-ms', '1000'],
  },
  { name: 'scale', args: [] },
  { name: 'partition', args: ['--frames', '3000', '--rounds', '1', '--shares', '2'] },
  { name: 'soak', args: ['--events', '20000', '--redeploys', '4', '--fault-interval-ms', '1500'] },
  {
    // Needs Mosquitto (`node scripts/setup.js --with-mosquitto`, which `npm test` runs first).
    name: 'fleet',
    args: [
      '--devices', '2000', '--start-rate', '1000', '--max-rate', '1000', '--step-seconds', '3', '--warmup-seconds', '1',
      '--refine-steps', '0', '--outage-seconds', '3', '--in-nodes', '20', '--subscriptions', '4', '--load-seconds', '2',
      '--broker-messages', '2000',
    ],
  },
];

async function main() {
  const onlyIndex = process.argv.indexOf('--only');
  const only = onlyIndex > 0 ? new Set(process.argv[onlyIndex + 1].split(',')) : null;
  const chosen = BENCHMARKS.filter((bench) => only === null || only.has(bench.name));
  const failed = [];
  for (const bench of chosen) {
    const started = Date.now();
    const { code, output, timedOut } = await runBounded(
      process.execPath,
      ['--expose-gc', '-r', `./${REGISTER}`, join('bench', `${bench.name}.ts`), ...bench.args],
      { cwd: ROOT, timeoutMs: RUN_TIMEOUT_MS, shell: false },
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (code === 0) {
      console.log(`bench-smoke: ${bench.name} ok in ${seconds} s`);
      continue;
    }
    failed.push(bench.name);
    const why = timedOut ? `timed out after ${RUN_TIMEOUT_MS / 1000} s` : `exit ${code}`;
    console.log(`bench-smoke: ${bench.name} FAILED (${why}) in ${seconds} s; its last output:`);
    console.log(output.split('\n').slice(-30).join('\n'));
  }
  console.log(`bench-smoke: ${chosen.length - failed.length} of ${chosen.length} benchmarks ran and passed their own checks`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
