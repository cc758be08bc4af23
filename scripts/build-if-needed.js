'use strict';
// Runs `npm run build` when dist/ is missing or older than any source it is built from,
// so `npm test` and `npm start` work straight after a clone and stay fast afterwards.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const stamp = path.join(root, 'dist', '.build-stamp');
// `nodes` covers the editor code (nodes/editor) and its templates (nodes/ayla-dss.html) too.
const sources = ['index.ts', 'nodes', 'simulator', 'locales', 'icons', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.editor.json', 'scripts/assemble.js', 'scripts/build-editor.js'];

function newestMtime(target) {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
const changed = Math.max(...sources.map((s) => newestMtime(path.join(root, s))));
if (built < changed) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', '-s', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
