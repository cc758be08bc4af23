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
require('./build-if-needed.js');
