'use strict';
// `npm run scorecard`: the Flow Library's own checks (`node-red-dev validate`) on the package as
// `npm pack` would publish it, offline.
//
// The Flow Library scores a module by downloading its tarball and running
// `node-red-dev validate -p <unpacked tarball> -o <scorecard.json> -e true`; this does the same
// with our `npm pack` output. node-red-dev asks the network for two things: the Flow Library
// catalogue (unique node names, similar package names) and npm metadata (Node-RED's current
// releases and the Node.js its latest needs; our dependencies' trees and latest versions). A
// small HTTP server on 127.0.0.1 answers those from scripts/scorecard-stubs/; the preload
// scripts/scorecard-offline.js points node-red-dev at it and refuses any other connection.
//
// node-red-dev exits 0 whatever it finds, so the result is read from the scorecard file it
// writes: every check must be there and pass, and every request must have had a stub.
//
//   node scripts/scorecard.js                 run the checks (dist/ must be built)
//   node scripts/scorecard.js --refresh-stubs rewrite the npm stubs with `npm view` (network;
//                                             never in CI) from package-lock.json's tree
const { Buffer } = require('node:buffer');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { runBounded } = require('./run-bounded.js');

const root = path.resolve(__dirname, '..');
const stubsDir = path.join(__dirname, 'scorecard-stubs');
const workDir = path.join(root, '.test-tmp', 'scorecard');
const preload = path.join(__dirname, 'scorecard-offline.js');
const nodeRedDevDir = path.dirname(require.resolve('node-red-dev/package.json'));
const npmCommand = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** `node-red-dev validate` of one unpacked package: a few seconds; a hang must not hang CI. */
const VALIDATE_TIMEOUT_MS = 2 * 60 * 1000;
/** `npm pack` of the built tree, and one `npm view` when refreshing the stubs. */
const NPM_TIMEOUT_MS = 2 * 60 * 1000;

/**
 * The checks node-red-dev 0.1.6 writes into its scorecard (P02, "package name matches the
 * repository's", is disabled in it), with what each one asks.
 */
const CHECKS = {
  P01: 'package.json names a license',
  P03: 'package.json has a repository or bugs URL',
  P04: 'the name is scoped, or uses node-red-contrib- if it starts with node-red',
  P05: "package.json keywords include 'node-red'",
  P06: "node-red.version admits a current Node-RED release (npm dist-tag 'latest' or '*maintenance*')",
  P07: "engines.node admits the lowest Node.js that Node-RED's latest release supports",
  P08: 'no similarly named package in the catalogue',
  N01: 'no node type name is used by another catalogue module',
  N02: 'examples/ use every non-config node',
  D01: 'at most 6 dependencies',
  D02: 'no known-incompatible package in the dependency tree',
  D03: 'dependencies admit their latest release (no major behind)',
};

function fail(message) {
  console.error(`scorecard: ${message}`);
  process.exit(1);
}

/** Runs a command to completion with output captured; never longer than timeoutMs. */
function runSync(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: NPM_TIMEOUT_MS, shell: process.platform === 'win32', ...options });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${(result.stderr || result.stdout).trim()}`);
  return result.stdout;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** File name of the stub of one npm package's metadata ("@scope/name" kept in one file). */
function npmStubFile(name) {
  return path.join(stubsDir, 'npm', `${name.replace('/', '__')}.json`);
}

/** `npm pack` into the work folder and unpack it: exactly the files a publish would ship. */
function packAndUnpack() {
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.mkdirSync(workDir, { recursive: true });
  // --ignore-scripts: prepack would rebuild; `npm run scorecard` has built dist/ already.
  const packed = JSON.parse(runSync(npmCommand, ['pack', '--ignore-scripts', '--json', '--pack-destination', workDir]));
  const tarball = path.join(workDir, packed[0].filename);
  runSync('tar', ['-xzf', tarball, '-C', workDir]);
  return { dir: path.join(workDir, 'package'), files: packed[0].files.map((f) => f.path) };
}

/** Node types an editor html registers (what the Flow Library lists for the module). */
function registeredTypes(html) {
  return [...html.matchAll(/RED\.nodes\.registerType\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
}

/**
 * The documents the stub server answers with. The catalogue is the committed stub plus this
 * package's own entry as the Flow Library would list it once published (node-red-dev ignores a
 * module's own entry, as it must: the library scores modules that are already in it).
 */
function loadStubs(pkgDir) {
  const pkg = readJson(path.join(pkgDir, 'package.json'));
  const types = Object.values(pkg['node-red'].nodes).flatMap((js) => registeredTypes(fs.readFileSync(path.join(pkgDir, js.replace(/\.js$/, '.html')), 'utf8')));
  const catalogue = readJson(path.join(stubsDir, 'catalogue.json'));
  if (catalogue.modules.some((m) => m.id === pkg.name)) throw new Error(`scorecard-stubs/catalogue.json must not list ${pkg.name}: its entry is made from the packed package`);
  catalogue.modules.push({
    id: pkg.name,
    version: pkg.version,
    description: pkg.description,
    keywords: pkg.keywords,
    updated_at: new Date().toISOString(),
    types,
    url: `https://flows.nodered.org/node/${pkg.name}`,
  });
  const npm = new Map();
  for (const file of fs.readdirSync(path.join(stubsDir, 'npm')).filter((f) => f.endsWith('.json'))) {
    const doc = readJson(path.join(stubsDir, 'npm', file));
    npm.set(doc.name, doc);
  }
  return { pkg, types, catalogue, npm };
}

/**
 * Serves the stubs on 127.0.0.1: `/catalogue.json` and `/<package name>` (npm's metadata
 * route). Every request is logged; one with no stub gets 404 and fails the run.
 */
function startStubServer(stubs) {
  const log = [];
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(req.url.split('?')[0]);
    const meantFor = req.headers['x-scorecard-host'] || 'npm registry';
    let body = null;
    if (req.method === 'GET' && pathname === '/catalogue.json') body = stubs.catalogue;
    else if (req.method === 'GET') body = stubs.npm.get(pathname.slice(1)) || null;
    log.push({ what: `${req.method} ${meantFor} ${pathname}`, found: body !== null });
    const text = JSON.stringify(body ?? { error: 'no stub for this request: add it under scripts/scorecard-stubs/' });
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, log, url: `http://127.0.0.1:${server.address().port}` }));
  });
}

/** Runs `node-red-dev validate` on the unpacked package with the offline preload; resolves its output. */
function validate(pkgDir, cardFile, stubUrl) {
  const env = { ...process.env, AYLA_SCORECARD_STUB_URL: stubUrl, npm_registry: `${stubUrl}/`, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };
  // npm-check and npm-remote-ls read the registry from npm's config (rc('npm'): npm_registry in
  // the environment beats every .npmrc); no proxy may take their loopback requests elsewhere.
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'npm_config_proxy', 'npm_config_https_proxy']) delete env[name];
  const args = ['--require', preload, path.join(nodeRedDevDir, 'bin', 'run'), 'validate', '-p', pkgDir, '-o', cardFile, '-e', 'true'];
  return runBounded(process.execPath, args, { cwd: workDir, env, timeoutMs: VALIDATE_TIMEOUT_MS, shell: false });
}

/** One line per check, and the failures. */
function judge(card, output) {
  const failures = [];
  const lines = [];
  for (const [id, what] of Object.entries(CHECKS)) {
    const entry = card ? card[id] : undefined;
    let ok = Boolean(entry && entry.test === true);
    let note = '';
    if (!entry) note = ' (not in the scorecard: node-red-dev stopped before it)';
    // node-red-dev 0.1.6 warns "P05 … MUST contain node-red" and still records a pass.
    if (id === 'P05' && /P05 Package\.json keywords MUST contain node-red/.test(output)) {
      ok = false;
      note = ' (node-red-dev records a pass even when it warns; its warning decides)';
    }
    // Printed for every unscoped name before the node-red-contrib- rule records the pass.
    if (id === 'P04' && ok && /P04 New Packages should use a scoped name/.test(output)) note = ' (node-red-dev also prints its advice that new packages use a scoped name)';
    if (entry && !ok && entry.similar) note = ` (${entry.similar.join(', ')})`;
    if (entry && !ok && entry.packages) note = ` (${entry.packages.join(', ')})`;
    if (entry && !ok && entry.nodes && id === 'N01') note = ` (used by ${entry.nodes.join(', ')})`;
    lines.push(`  ${id} ${ok ? 'pass' : 'FAIL'}  ${what}${note}`);
    if (!ok) failures.push(id);
  }
  return { lines, failures };
}

async function runChecks() {
  if (!fs.existsSync(path.join(root, 'dist', 'ayla-dss.js'))) fail('dist/ is not built: run `npm run build` first (or `npm run scorecard`, which builds when needed)');
  const packed = packAndUnpack();
  const stubs = loadStubs(packed.dir);
  console.log(`scorecard: node-red-dev validate on ${stubs.pkg.name}@${stubs.pkg.version} as packed (${packed.files.length} files), offline`);
  const stub = await startStubServer(stubs);
  const cardFile = path.join(workDir, 'scorecard.json');
  let result;
  try {
    result = await validate(packed.dir, cardFile, stub.url);
  } finally {
    await new Promise((resolve) => stub.server.close(resolve));
  }
  // node-red-dev's own report, indented under ours.
  for (const line of result.output.trimEnd().split('\n')) console.log(`  | ${line}`);

  const card = fs.existsSync(cardFile) ? readJson(cardFile) : null;
  const { lines, failures } = judge(card, result.output);
  console.log('scorecard: checks');
  for (const line of lines) console.log(line);

  const problems = [];
  if (result.timedOut) problems.push(`node-red-dev was killed after ${VALIDATE_TIMEOUT_MS / 1000} s`);
  else if (result.code !== 0) problems.push(`node-red-dev exited ${result.code}`);
  if (!card) problems.push('node-red-dev wrote no scorecard');
  const missing = stub.log.filter((entry) => !entry.found);
  if (missing.length) problems.push(`requests with no stub (add them under scripts/scorecard-stubs/): ${[...new Set(missing.map((m) => m.what))].join('; ')}`);
  if (/ESCORECARDOFFLINE/.test(result.output)) problems.push('node-red-dev tried to reach a host other than the stub server');
  const served = [...new Set(stub.log.filter((entry) => entry.found).map((entry) => entry.what))];
  console.log(`scorecard: answered from scripts/scorecard-stubs/: ${served.join('; ') || 'nothing'}`);

  if (failures.length || problems.length) {
    for (const problem of problems) console.log(`scorecard: ${problem}`);
    console.log(`scorecard: FAILED${failures.length ? `: ${failures.join(', ')} of ${Object.keys(CHECKS).length} checks` : ''}`);
    process.exit(1);
  }
  console.log(`scorecard: all ${Object.keys(CHECKS).length} checks pass`);
}

/**
 * Rewrites scripts/scorecard-stubs/npm/ with `npm view` (the ordinary client, so whatever
 * registry npm is configured for): node-red's dist-tags and its latest release's engines, and
 * for each package of our production dependency tree in package-lock.json its dist-tags, its
 * latest release and the locked one with their dependencies. Needs the network; CI never runs it.
 */
function refreshStubs() {
  const view = (spec, fields) => JSON.parse(runSync(npmCommand, ['view', spec, ...fields, '--json']));
  const today = new Date().toISOString().slice(0, 10);
  const write = (doc) => {
    fs.mkdirSync(path.dirname(npmStubFile(doc.name)), { recursive: true });
    fs.writeFileSync(npmStubFile(doc.name), `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`scorecard: wrote ${path.relative(root, npmStubFile(doc.name))} (latest ${doc['dist-tags'].latest})`);
  };
  const note = (what) => `Offline stand-in for the npm registry's metadata of this package, as far as node-red-dev reads it (${what}). Written by \`node scripts/scorecard.js --refresh-stubs\` from \`npm view\` on ${today}.`;

  const nodeRed = view('node-red', ['dist-tags', 'version', 'engines']);
  const nodeRedVersions = {};
  for (const version of new Set(Object.values(nodeRed['dist-tags']))) {
    nodeRedVersions[version] = { name: 'node-red', version, engines: view(`node-red@${version}`, ['engines']) };
  }
  write({ _stub: note("dist-tags, and each tagged release's engines: checks P06 and P07"), name: 'node-red', 'dist-tags': nodeRed['dist-tags'], versions: nodeRedVersions });

  const lock = readJson(path.join(root, 'package-lock.json'));
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') || entry.dev || entry.devOptional || entry.optional) continue;
    const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const latest = view(name, ['dist-tags', 'version', 'dependencies']);
    const versions = {
      [entry.version]: { name, version: entry.version, dependencies: entry.dependencies || {} },
      [latest.version]: { name, version: latest.version, dependencies: latest.dependencies || {} },
    };
    write({ _stub: note(`dist-tags, the latest release and the one package-lock.json resolves (${entry.version}) with their dependencies: checks D02 and D03`), name, 'dist-tags': latest['dist-tags'], versions });
  }
}

if (process.argv.includes('--refresh-stubs')) {
  try {
    refreshStubs();
  } catch (error) {
    fail(error.message);
  }
} else {
  runChecks().catch((error) => fail(error.stack || error.message));
}
