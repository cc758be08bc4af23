/**
 * Runs a command with its output captured and a deadline, for the scripts that drive other
 * tools (compat.js, scorecard.js). On POSIX the child leads its own process group, so a timeout
 * also ends what it started (npm's lifecycle scripts, mocha's workers), and never anything else.
 */
'use strict';

const { spawn } = require('node:child_process');

/**
 * Resolves `{code, output, timedOut}` once `command` exits (`code` -1 when it could not start or
 * was killed by a signal); `output` is stdout and stderr interleaved as they arrived. `shell`
 * defaults to Windows only, where npm is a `.cmd` file.
 */
function runBounded(command, args, { cwd, env = process.env, timeoutMs, shell = process.platform === 'win32' }) {
  return new Promise((resolve) => {
    const posix = process.platform !== 'win32';
    const child = spawn(command, args, { cwd, env, detached: posix, shell, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (posix) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch (error) {
        // The group may have exited between the deadline and the kill; nothing is left to end.
        if (error.code !== 'ESRCH') throw error;
      }
    }, timeoutMs);
    let finished = false;
    const finish = (code) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve({ code, output: chunks.map(String).join(''), timedOut });
    };
    child.on('error', (error) => {
      chunks.push(`${command}: ${error.message}\n`);
      finish(-1);
    });
    child.on('close', (code) => finish(code ?? -1));
  });
}

module.exports = { runBounded };
