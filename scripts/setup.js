'use strict';
// First step of `npm test` and `npm start`: installs the locked dependencies when
// node_modules is missing or does not match package-lock.json, then builds dist/ if any source
// changed. This is what lets a fresh clone run either command with nothing else before it.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const lockfile = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(args) {
  const result = spawnSync(npm, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/**
 * Why node_modules does not hold what package-lock.json locks, or null when it does. Compared by
 * content (npm's own record of what it installed, node_modules/.package-lock.json), not by file
 * times: a git checkout (a new worktree, a branch switch) gives the lockfile a fresh time without
 * changing a byte, and must not cost a reinstall. Optional packages for other platforms are
 * never installed, so they are not expected.
 */
function installProblem() {
  if (!fs.existsSync(installed)) return 'node_modules is missing';
  try {
    const locked = JSON.parse(fs.readFileSync(lockfile, 'utf8')).packages || {};
    const present = JSON.parse(fs.readFileSync(installed, 'utf8')).packages || {};
    for (const [name, entry] of Object.entries(locked)) {
      if (name === '' || entry.link) continue;
      const have = present[name];
      if (!have && !entry.optional) return `${name} is not installed`;
      if (have && have.version !== entry.version) return `${name} is ${have.version}, the lockfile wants ${entry.version}`;
    }
    return null;
  } catch (error) {
    return `cannot compare node_modules with the lockfile (${error.message})`;
  }
}

const problem = installProblem();
if (problem) {
  // `npm ci` starts by deleting node_modules; through a symlink (a tree shared by several
  // checkouts) that empties the shared tree under everyone else. Only the owner reinstalls it.
  if (fs.existsSync(path.join(root, 'node_modules')) && fs.lstatSync(path.join(root, 'node_modules')).isSymbolicLink()) {
    console.error(`[setup] ${problem}, but node_modules is a symlink to a shared tree: not running npm ci here (run it where the tree lives).`);
  } else {
    console.error(`[setup] ${problem}: installing dependencies from package-lock.json (npm ci)…`);
    run(['ci', '--no-audit', '--no-fund']);
  }
}

// Two test dependencies come from the distribution, never downloaded by the tests themselves:
// Chromium (the editor tests drive a real headless one) and Mosquitto (the MQTT fan-out tests
// start their own broker from the binary). On a Debian-like machine where we are root, missing
// ones are installed with apt-get in one go; elsewhere we say what to do, and the tests that
// need them fail with the same advice.
const DEBIAN_PACKAGES = {
  chromium: { binary: process.env.CHROMIUM_PATH || '/usr/bin/chromium', pathVariable: 'CHROMIUM_PATH', usedBy: 'the editor tests' },
  mosquitto: { binary: process.env.MOSQUITTO_PATH || '/usr/sbin/mosquitto', pathVariable: 'MOSQUITTO_PATH', usedBy: 'the MQTT fan-out tests' },
};

function runQuietly(command, args) {
  return spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/**
 * The Debian package starts a system-wide broker on port 1883 where an init system runs (not in
 * a container whose policy-rc.d forbids it). Nothing here uses that broker (each test starts its
 * own on a free loopback port) and a development machine should not gain an open service as a
 * side effect of `npm test`, so a broker we just installed is stopped and disabled. Failures are
 * reported, not fatal: they cannot break the tests.
 */
function disableMosquittoService() {
  const systemdRuns = fs.existsSync('/run/systemd/system');
  const attempts = [];
  // systemctl disables offline too: the unit must not start at the next boot either.
  if (fs.existsSync('/bin/systemctl') || fs.existsSync('/usr/bin/systemctl')) {
    attempts.push(['systemctl', systemdRuns ? ['disable', '--now', 'mosquitto.service'] : ['disable', 'mosquitto.service']]);
  }
  if (!systemdRuns && fs.existsSync('/etc/init.d/mosquitto')) {
    attempts.push(['/etc/init.d/mosquitto', ['stop']], ['update-rc.d', ['mosquitto', 'disable']]);
  }
  for (const [command, args] of attempts) {
    const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status !== 0) console.error(`[setup] ${command} ${args.join(' ')} failed: check that no system-wide mosquitto is left running.`);
  }
}

function ensureDebianPackages(names) {
  const missing = names.filter((name) => !fs.existsSync(DEBIAN_PACKAGES[name].binary));
  if (missing.length === 0) return;
  const canApt = process.platform === 'linux' && typeof process.getuid === 'function' && process.getuid() === 0 && fs.existsSync('/usr/bin/apt-get');
  if (!canApt) {
    for (const name of missing) {
      const { binary, pathVariable, usedBy } = DEBIAN_PACKAGES[name];
      console.error(`[setup] ${name} not found at ${binary}: ${usedBy} need it (install the ${name} package, or set ${pathVariable}).`);
    }
    return;
  }
  // Only a service this very install brings gets disabled; one the machine already had is left alone.
  const brokerWasInstalled = fs.existsSync('/usr/sbin/mosquitto');
  console.error(`[setup] installing Debian's ${missing.join(' and ')} for the tests (apt-get)…`);
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...missing]]) {
    const result = runQuietly('apt-get', args);
    if (result.status !== 0) {
      console.error(`[setup] apt-get ${args.join(' ')} failed; ${missing.map((name) => DEBIAN_PACKAGES[name].usedBy).join(' and ')} will fail.`);
      return;
    }
  }
  if (missing.includes('mosquitto') && !brokerWasInstalled) disableMosquittoService();
}

const wanted = [];
if (process.argv.includes('--with-browser')) wanted.push('chromium');
if (process.argv.includes('--with-mosquitto')) wanted.push('mosquitto');
ensureDebianPackages(wanted);
require('./build-if-needed.js');
