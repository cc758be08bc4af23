'use strict';
// First step of `npm test` and `npm start`: installs the locked dependencies when
// node_modules is missing or older than package-lock.json, then builds dist/ if any source
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

const stale = !fs.existsSync(installed) || fs.statSync(installed).mtimeMs < fs.statSync(lockfile).mtimeMs;
if (stale) {
  console.error('[setup] installing dependencies from package-lock.json (npm ci)…');
  run(['ci', '--no-audit', '--no-fund']);
}

// The editor tests drive a real headless Chromium (never a downloaded one). On a Debian-like
// machine where we are root, install the distribution's package; elsewhere say what to do.
function ensureChromium() {
  if (process.env.CHROMIUM_PATH ? fs.existsSync(process.env.CHROMIUM_PATH) : fs.existsSync('/usr/bin/chromium')) return;
  const canApt = process.platform === 'linux' && typeof process.getuid === 'function' && process.getuid() === 0 && fs.existsSync('/usr/bin/apt-get');
  if (!canApt) {
    console.error('[setup] Chromium not found: the editor tests need it (install it, or set CHROMIUM_PATH).');
    return;
  }
  console.error('[setup] installing Debian\'s chromium for the editor tests (apt-get)…');
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) {
      console.error(`[setup] apt-get ${args.join(' ')} failed; the editor tests will fail.`);
      return;
    }
  }
}

if (process.argv.includes('--with-browser')) ensureChromium();
require('./build-if-needed.js');
