'use strict';
// Compatibility matrix: runs the Node-RED flow tests (test/nodes) against every Node-RED major the
// package claims to support ("node-red": {"version": ">=3.1.0"}), each on a Node.js it runs on.
// The extra Node-RED and Node.js versions come from the npm registry into .tools/ (git-ignored)
// and are reused while they are still at the wanted version. The harness
// (test/nodes/support/flow-kit.ts) loads the runtime named by AYLA_NODE_RED_PATH.
//
//   node scripts/compat.js                 every entry
//   node scripts/compat.js --only 5        one entry (comma-separated keys: --only 3.1,5)
//   node scripts/compat.js --spec test/nodes/filters.spec.ts   other specs (repeatable)
//   node scripts/compat.js --verbose       mocha's output for passing entries too
//
// One line per entry: "compat: node-red 3.1.15 on node v20.20.2: 41 passed, 0 failed".
// Exit status 0 only when every selected entry installed and passed.
const fs = require('node:fs');
const path = require('node:path');
const { runBounded } = require('./run-bounded.js');

const root = path.resolve(__dirname, '..');
const toolsDir = path.join(root, '.tools');
const compatDir = path.join(toolsDir, 'compat');
const mochaBin = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');

/** npm install of one package tree (a Node-RED or a Node.js binary); generous for a slow mirror. */
const INSTALL_TIMEOUT_MS = 5 * 60 * 1000;
/** One mocha run of the flow tests (about 15 s normally; hung sockets must not hang CI). */
const TEST_TIMEOUT_MS = 5 * 60 * 1000;
/** `node -v` of a downloaded binary. */
const PROBE_TIMEOUT_MS = 15 * 1000;

const DEFAULT_SPECS = ['test/nodes/*.spec.ts'];

/**
 * The matrix. `nodeRed` is the npm version range to install (null: the repo's own dev dependency,
 * which is what `npm test` uses); `nodeMajor` is the Node.js major to run it on (the running Node
 * when it is that major, else node@<major> from npm in .tools/node<major>).
 */
const ENTRIES = [
  { key: '3.1', nodeRed: '3.1', nodeMajor: 20 },
  { key: '4.1', nodeRed: null, nodeMajor: 20 },
  // Node-RED 5 requires Node >= 22.9.
  { key: '5', nodeRed: '5', nodeMajor: 22 },
];

function usage(message) {
  if (message) console.error(`compat: ${message}`);
  console.error(`usage: node scripts/compat.js [--only ${ENTRIES.map((e) => e.key).join(',')}] [--spec <path or glob>]... [--verbose]`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = { only: null, specs: [], verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) usage(`${name} needs a value`);
      return argv[++i];
    };
    if (name === '--only') options.only = value().split(',').map((key) => key.trim()).filter(Boolean);
    else if (name === '--spec') options.specs.push(value());
    else if (name === '--verbose') options.verbose = true;
    else if (name === '--help' || name === '-h') usage();
    else usage(`unknown argument ${arg}`);
  }
  if (options.only) {
    const unknown = options.only.filter((key) => !ENTRIES.some((entry) => entry.key === key));
    if (unknown.length) usage(`no matrix entry ${unknown.join(', ')}`);
  }
  if (!options.specs.length) options.specs = DEFAULT_SPECS;
  return options;
}

/** {@link runBounded} from the repository root unless told otherwise. */
function run(command, args, { cwd = root, env = process.env, timeoutMs }) {
  return runBounded(command, args, { cwd, env, timeoutMs });
}

function readVersion(packageJsonPath) {
  try {
    return JSON.parse(fs.readFileSync(packageJsonPath, 'utf8')).version;
  } catch (error) {
    // Missing or half-written: the caller treats "no version" as "install it".
    if (error.code === 'ENOENT' || error instanceof SyntaxError) return null;
    throw error;
  }
}

/** "3.1" matches 3.1.x, "5" matches 5.x; pre-releases (5.0.0-beta.1) never match. */
function versionMatches(version, range) {
  return Boolean(version) && !version.includes('-') && (version === range || version.startsWith(`${range}.`));
}

const npmCommand = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** `npm install --prefix <dir> <spec>`; the log is kept next to the tree for a failed install. */
async function npmInstall(prefix, spec, label) {
  fs.mkdirSync(prefix, { recursive: true });
  const result = await run(npmCommand, ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', spec], { timeoutMs: INSTALL_TIMEOUT_MS });
  fs.writeFileSync(path.join(prefix, 'install.log'), result.output);
  if (result.code !== 0) {
    const why = result.timedOut ? `timed out after ${INSTALL_TIMEOUT_MS / 1000} s` : `exit ${result.code}`;
    throw new Error(`npm install ${spec} for ${label} failed (${why}); see ${path.relative(root, path.join(prefix, 'install.log'))}:\n${result.output.trim().split('\n').slice(-15).join('\n')}`);
  }
}

// Several entries may share one Node.js or Node-RED; each is installed once per run.
const pending = new Map();
function once(key, task) {
  if (!pending.has(key)) pending.set(key, task());
  return pending.get(key);
}

/** The node binary of the wanted major: this Node when it matches, else node@<major> from npm. */
function ensureNode(major) {
  if (Number(process.versions.node.split('.')[0]) === major) return Promise.resolve({ bin: process.execPath, version: process.version });
  return once(`node${major}`, async () => {
    const prefix = path.join(toolsDir, `node${major}`);
    const packageDir = path.join(prefix, 'node_modules', 'node');
    const bin = path.join(packageDir, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
    if (!versionMatches(readVersion(path.join(packageDir, 'package.json')), String(major)) || !fs.existsSync(bin)) {
      await npmInstall(prefix, `node@${major}`, `Node.js ${major}`);
    }
    const probe = await run(bin, ['-v'], { timeoutMs: PROBE_TIMEOUT_MS });
    const version = probe.output.trim();
    if (probe.code !== 0 || !version.startsWith(`v${major}.`)) throw new Error(`${path.relative(root, bin)} is not a working Node.js ${major} (${version || `exit ${probe.code}`})`);
    return { bin, version };
  });
}

/** The Node-RED package directory for the entry (installed into .tools/compat when needed). */
function ensureNodeRed(range) {
  if (range === null) {
    const dir = path.join(root, 'node_modules', 'node-red');
    const version = readVersion(path.join(dir, 'package.json'));
    if (!version) return Promise.reject(new Error('node_modules/node-red is missing: run npm ci first'));
    return Promise.resolve({ dir: null, version });
  }
  return once(`node-red@${range}`, async () => {
    const prefix = path.join(compatDir, `node-red-${range}`);
    const dir = path.join(prefix, 'node_modules', 'node-red');
    let version = readVersion(path.join(dir, 'package.json'));
    if (!versionMatches(version, range)) {
      await npmInstall(prefix, `node-red@${range}`, `Node-RED ${range}`);
      version = readVersion(path.join(dir, 'package.json'));
      if (!versionMatches(version, range)) throw new Error(`npm installed node-red ${version} for the range ${range}`);
    }
    return { dir, version };
  });
}

/** Mocha with the repo's .mocharc.json (ts-node, summary reporter) on the entry's Node and Node-RED. */
async function runEntry(entry, node, nodeRed, options) {
  const env = { ...process.env };
  // The 4.1 entry is exactly `npm test`'s setup: no override, whatever the caller's shell has set.
  if (nodeRed.dir) env.AYLA_NODE_RED_PATH = nodeRed.dir;
  else delete env.AYLA_NODE_RED_PATH;
  const result = await run(node.bin, [mochaBin, ...options.specs], { env, timeoutMs: TEST_TIMEOUT_MS });
  const logFile = path.join(compatDir, `test-${entry.key}.log`);
  fs.mkdirSync(compatDir, { recursive: true });
  fs.writeFileSync(logFile, result.output);
  // The last "tests: N passed, M failed" line is the summary reporter's (test output could contain one).
  const summaries = [...result.output.matchAll(/^tests: (\d+) passed, (\d+) failed/gm)];
  const summary = summaries[summaries.length - 1];
  const passed = summary ? Number(summary[1]) : 0;
  let failed = summary ? Number(summary[2]) : 0;
  let note = '';
  if (result.timedOut) note = ` (killed after ${TEST_TIMEOUT_MS / 1000} s)`;
  else if (!summary) note = ` (mocha exited ${result.code} without a summary)`;
  else if (result.code !== 0 && failed === 0) note = ` (mocha exited ${result.code})`;
  const ok = !result.timedOut && summary && result.code === 0 && failed === 0 && passed > 0;
  if (!ok && failed === 0) failed = 1;
  return { ok, line: `node-red ${nodeRed.version} on node ${node.version}: ${passed} passed, ${failed} failed${note}`, output: result.output, logFile };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(mochaBin)) usage('node_modules/mocha is missing: run npm ci first');
  const entries = ENTRIES.filter((entry) => !options.only || options.only.includes(entry.key));
  // Downloads first, all at once (they are network-bound); then the test runs one after another so
  // their output and their loopback servers do not interleave.
  const prepared = entries.map((entry) =>
    Promise.all([ensureNode(entry.nodeMajor), ensureNodeRed(entry.nodeRed)]).then(
      ([node, nodeRed]) => ({ entry, node, nodeRed }),
      (error) => ({ entry, error }),
    ),
  );
  let allPassed = true;
  for (const ready of prepared) {
    const { entry, node, nodeRed, error } = await ready;
    if (error) {
      allPassed = false;
      console.log(`compat: node-red ${entry.nodeRed ?? 'dev dependency'} on node ${entry.nodeMajor}: not run: ${error.message}`);
      continue;
    }
    const outcome = await runEntry(entry, node, nodeRed, options);
    if (!outcome.ok || options.verbose) process.stdout.write(outcome.output.endsWith('\n') ? outcome.output : `${outcome.output}\n`);
    console.log(`compat: ${outcome.line}${outcome.ok ? '' : ` — log: ${path.relative(root, outcome.logFile)}`}`);
    if (!outcome.ok) allPassed = false;
  }
  process.exit(allPassed ? 0 : 1);
}

main().catch((error) => {
  console.error(`compat: ${error.stack || error.message}`);
  process.exit(1);
});
