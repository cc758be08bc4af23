'use strict';
// `npm run test:alone`: runs every test/**/*.spec.ts in its own mocha process, two at a time,
// each bounded in time, and prints one line per file (ok / FAILED, seconds) and a summary.
// A spec that only passes after another one ran fails here. Plain Node, no shell: works on
// Windows too. Options: `--jobs N` (default 2), `--timeout-s N` per file (default 300), and
// file paths or substrings to run only matching specs.
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const filters = [];
let jobs = 2;
let timeoutSeconds = 300;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--jobs') jobs = Math.max(1, Number(args[++i]) || 1);
  else if (args[i] === '--timeout-s') timeoutSeconds = Math.max(1, Number(args[++i]) || 300);
  else filters.push(args[i].split(path.sep).join('/'));
}

/** Every `*.spec.ts` under `dir`, as forward-slash paths relative to the repository, sorted. */
function findSpecs(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findSpecs(full));
    else if (entry.isFile() && entry.name.endsWith('.spec.ts')) found.push(path.relative(root, full).split(path.sep).join('/'));
  }
  return found.sort();
}

/** The mocha CLI of this repository, run by the current Node (no npx or shell needed, on Windows too). */
const mochaBin = require.resolve('mocha/bin/mocha.js', { paths: [root] });
const isWindows = process.platform === 'win32';
/** The mocha processes running now. */
const running = new Set();

/**
 * Kills a mocha process with everything it started (a Node-RED child, a browser): its process
 * group on POSIX (it was spawned detached, as a group leader), its process tree on Windows.
 */
function killTree(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (isWindows) {
    spawnSync('taskkill', ['/pid', String(child.pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
    return;
  }
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL'); // the group is gone already: the process alone, if it is still there
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) killTree(child);
    process.exit(130);
  });
}

/** Runs one spec file; resolves with { file, ok, seconds, output, timedOut }. */
function runOne(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [mochaBin, file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, detached: !isWindows });
    running.add(child);
    let output = '';
    const keep = (chunk) => {
      output += chunk.toString('utf8');
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killTree(child);
    }, timeoutSeconds * 1000);
    child.on('close', (code) => {
      running.delete(child);
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      resolve({ file, ok: code === 0 && !timedOut, seconds, output, timedOut });
    });
    child.on('error', (error) => {
      running.delete(child);
      clearTimeout(timer);
      resolve({ file, ok: false, seconds: (Date.now() - started) / 1000, output: `${output}\n${String(error)}`, timedOut });
    });
  });
}

/** The closing "tests: N passed, N failed" line of the summary reporter, if any. */
function countsOf(output) {
  const match = /tests: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?/.exec(output);
  return match ? `${match[1]} passed, ${match[2]} failed${match[3] ? `, ${match[3]} skipped` : ''}` : 'no summary';
}

async function main() {
  const specs = findSpecs(path.join(root, 'test')).filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)));
  if (specs.length === 0) {
    console.error('no spec files matched');
    process.exit(2);
  }
  console.log(`running ${specs.length} spec file(s) alone, ${jobs} at a time, at most ${timeoutSeconds} s each`);
  const started = Date.now();
  const queue = specs.slice();
  const results = [];
  const width = Math.max(...specs.map((s) => s.length));
  async function worker() {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const result = await runOne(file);
      results.push(result);
      const status = result.ok ? 'ok    ' : 'FAILED';
      const why = result.timedOut ? `killed after ${timeoutSeconds} s` : countsOf(result.output);
      console.log(`${status} ${file.padEnd(width)} ${result.seconds.toFixed(1).padStart(6)} s  (${why})`);
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, specs.length) }, worker));
  const failed = results.filter((r) => !r.ok).sort((a, b) => a.file.localeCompare(b.file));
  for (const result of failed) {
    console.log(`\n----- ${result.file} (output) -----\n${result.output.trimEnd()}`);
  }
  const total = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\nspec files alone: ${results.length - failed.length} ok, ${failed.length} failed, ${total} s`);
  if (failed.length > 0) {
    console.log(`failed: ${failed.map((r) => r.file).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
