/**
 * Lets `node -r ./bench/register.js bench/x.ts` run the benchmarks' TypeScript, compiled file by
 * file with esbuild (already the editor's bundler), and nothing else.
 *
 * Why not ts-node, which the tests use: ts-node loads Node's `repl` module, and `repl` loads
 * `domain`, which replaces `EventEmitter.prototype.emit` for the whole process with a wrapper.
 * Every `emit` in a benchmark (ws, sockets, Node-RED) then pays for a domain check that no
 * Node-RED installation pays, so the harness would be measuring itself (and ts-node keeps the
 * TypeScript compiler in the measured heap). This hook keeps `EventEmitter.prototype.emit`
 * untouched; `environmentLine` in bench/report.ts, every benchmark's first line, says so when
 * `domain` is loaded after all.
 */
'use strict';

const { readFileSync } = require('node:fs');
const { transformSync } = require('esbuild');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    loader: 'ts',
    format: 'cjs',
    target: 'node20',
    sourcefile: filename,
    sourcemap: 'inline',
  });
  module._compile(code, filename);
};
