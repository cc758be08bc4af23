/**
 * A real Node-RED runtime for the editor end-to-end test: `node-red/red.js` in a child process
 * with a private user directory under the OS temp dir, loading this package from the built
 * `dist/` through `nodesDir` (the repository root is a Node-RED module: its package.json names
 * dist/ayla-dss.js), the way Node-RED loads any installed package.
 *
 * Not node-red-node-test-helper on purpose: the editor needs the full admin app, the palette,
 * the comms socket and the real flow file / credential file handling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository root (this file is test/editor/support/). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** The Node-RED entry the package.json `node-red.nodes` section names. */
export const DIST_ENTRY = path.join(REPO_ROOT, 'dist', 'ayla-dss.js');

/** How long Node-RED may take to answer its admin API after spawning (30 s; it loads all core nodes). */
const STARTUP_TIMEOUT_MS = 30_000;
/** After SIGTERM, how long Node-RED may take to stop its flows before SIGKILL (5 s). */
const STOP_TIMEOUT_MS = 5_000;
/** Poll interval of the start-up wait (ms). */
const POLL_INTERVAL_MS = 200;
/** Output kept for failure reports (characters); older output is dropped. */
const MAX_LOG_CHARS = 20_000;

type FlowJson = Array<Record<string, unknown>>;

/** What {@link startNodeRed} needs. */
export interface NodeRedOptions {
  /** The flow file content (flows.json). */
  flows: FlowJson;
  /**
   * The credential file content (flows_cred.json), stored unencrypted
   * (`credentialSecret: false`). Only `${NAME}` references belong here, never secrets.
   */
  credentials: Record<string, Record<string, string>>;
  /** Extra environment for the child, e.g. the variables the `${NAME}` credentials name. */
  env: Record<string, string>;
}

/** A running Node-RED child process. */
export interface RunningNodeRed {
  /** `http://127.0.0.1:PORT/`, the editor. */
  url: string;
  port: number;
  pid: number;
  userDir: string;
  /** The child's recent stdout and stderr, for failure messages. */
  log(): string;
  /** SIGTERM, then SIGKILL after 5 s; removes the user directory. Idempotent. */
  stop(): Promise<void>;
}

/** Editor files the build copies verbatim into dist/: a stale copy would test yesterday's editor. */
const COPIED_EDITOR_FILES = [
  ['nodes/ayla-dss.html', 'dist/ayla-dss.html'],
  ['locales/en-US/ayla-dss.html', 'dist/locales/en-US/ayla-dss.html'],
  ['locales/en-US/ayla-dss.json', 'dist/locales/en-US/ayla-dss.json'],
];

/** Throws with a clear message when the package has not been built, or its editor files are stale. */
export function assertBuilt(): void {
  const rebuild = '`npm run build` first (`npm test` builds it in its pretest step)';
  if (!fs.existsSync(DIST_ENTRY)) {
    throw new Error(`${path.relative(REPO_ROOT, DIST_ENTRY)} is missing: run ${rebuild}`);
  }
  for (const [source, copy] of COPIED_EDITOR_FILES) {
    const built = path.join(REPO_ROOT, copy);
    if (!fs.existsSync(built) || !fs.readFileSync(built).equals(fs.readFileSync(path.join(REPO_ROOT, source)))) {
      throw new Error(`${copy} differs from ${source}: run ${rebuild}`);
    }
  }
}

/** A free TCP port on 127.0.0.1 (red.js needs a fixed port, so bind 0, read it and release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get(url, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.setTimeout(2000, () => request.destroy());
    request.on('error', () => resolve(0)); // not listening yet: the caller polls again
  });
}

function settingsFile(port: number): string {
  return `// Written by test/editor/support/node-red-process.ts for one test run.
module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${port},
  flowFile: 'flows.json',
  // The credential file only holds \${NAME} references to the environment, no secrets.
  credentialSecret: false,
  nodesDir: [${JSON.stringify(REPO_ROOT)}],
  logging: { console: { level: 'info', metrics: false, audit: false } },
  telemetry: { enabled: false, updateNotification: false },
  diagnostics: { enabled: false, ui: false },
  externalModules: { palette: { allowInstall: false } },
  editorTheme: { tours: false, projects: { enabled: false }, palette: { catalogues: [] } },
};
`;
}

/**
 * Writes a private user directory and spawns Node-RED on a free loopback port; resolves once
 * the admin API answers. On any start-up failure the child is killed and the error carries its
 * output.
 */
export async function startNodeRed(options: NodeRedOptions): Promise<RunningNodeRed> {
  assertBuilt();
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ayla-dss-e2e-'));
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(options.flows, null, 2));
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(options.credentials, null, 2));
  const port = await freePort();
  const settings = path.join(userDir, 'settings.js');
  fs.writeFileSync(settings, settingsFile(port));

  const redJs = require.resolve('node-red/red.js', { paths: [REPO_ROOT] });
  const child: ChildProcess = spawn(process.execPath, [redJs, '--userDir', userDir, '--settings', settings, '--port', String(port)], {
    cwd: userDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env, NODE_OPTIONS: '' },
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-MAX_LOG_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS));
      if ((await Promise.race([exited, timer])) === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    }
    fs.rmSync(userDir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while ((await httpStatus(`${url}settings`)) !== 200) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      const why = child.exitCode !== null ? `exited with ${child.exitCode}` : `did not answer within ${STARTUP_TIMEOUT_MS} ms`;
      await stop();
      throw new Error(`Node-RED ${why}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  return { url, port, pid: child.pid ?? -1, userDir, log: () => output, stop };
}
