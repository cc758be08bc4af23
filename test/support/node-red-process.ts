/**
 * A real Node-RED runtime in a child process, for the suites that need more than
 * node-red-node-test-helper gives (the editor's full admin app, adminAuth, the comms socket, the
 * real flow and credential files): `node-red/red.js` with a private user directory under the
 * OS temp dir, bound to 127.0.0.1 on a free port, loading this package from the built `dist/`
 * through `nodesDir` (the repository root is a Node-RED module: its package.json names
 * dist/ayla-dss.js), the way Node-RED loads any installed package.
 *
 * What differs between suites (credential encryption, adminAuth, log level, the files written)
 * comes in through {@link NodeRedChildOptions}; test/editor/support/node-red-process.ts and
 * test/security/support/secure-node-red.ts hold those choices.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository root (this file is test/support/). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** The Node-RED entry the package.json `node-red.nodes` section names. */
export const DIST_ENTRY = path.join(REPO_ROOT, 'dist', 'ayla-dss.js');

/** How long Node-RED may take to answer after spawning (30 s; it loads every core node). */
const STARTUP_TIMEOUT_MS = 30_000;
/** After SIGTERM, how long Node-RED may take to stop its flows before SIGKILL (5 s). */
const STOP_TIMEOUT_MS = 5_000;
/** Poll interval of the start-up wait (ms). */
const STARTUP_POLL_MS = 100;
/** One start-up probe gives up after this long (2 s): it is loopback, a slow answer means "not yet". */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Editor files the build copies verbatim into dist/, every language's catalog and help: a stale
 * copy would test yesterday's editor.
 */
function copiedEditorFiles(): Array<[string, string]> {
  const locales = path.join(REPO_ROOT, 'locales');
  return fs
    .readdirSync(locales, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => fs.readdirSync(path.join(locales, entry.name)).map((file) => `locales/${entry.name}/${file}`))
    .map((source): [string, string] => [source, `dist/${source}`]);
}
/** The editor html is built, not copied (templates + bundled nodes/editor code): compared with a fresh build. */
const BUILT_EDITOR_HTML = 'dist/ayla-dss.html';

/** Throws with a clear message when the package has not been built, or its editor files are stale. */
export function assertBuilt(): void {
  const rebuild = '`npm run build` first (`npm test` builds it in its pretest step)';
  if (!fs.existsSync(DIST_ENTRY)) {
    throw new Error(`${path.relative(REPO_ROOT, DIST_ENTRY)} is missing: run ${rebuild}`);
  }
  for (const [source, copy] of copiedEditorFiles()) {
    const built = path.join(REPO_ROOT, copy);
    if (!fs.existsSync(built) || !fs.readFileSync(built).equals(fs.readFileSync(path.join(REPO_ROOT, source)))) {
      throw new Error(`${copy} differs from ${source}: run ${rebuild}`);
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { assembleEditorHtml } = require('../../scripts/build-editor.js') as { assembleEditorHtml(): string };
  const builtHtml = path.join(REPO_ROOT, BUILT_EDITOR_HTML);
  if (!fs.existsSync(builtHtml) || fs.readFileSync(builtHtml, 'utf8') !== assembleEditorHtml()) {
    throw new Error(`${BUILT_EDITOR_HTML} is older than nodes/ayla-dss.html or nodes/editor/: run ${rebuild}`);
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

/** What {@link startNodeRedChild} needs: the suite's own choices. */
export interface NodeRedChildOptions {
  /** Name prefix of the temporary user directory, e.g. `ayla-dss-e2e-`. */
  userDirPrefix: string;
  /** Who wrote the settings file, for its first comment line (a path relative to the repository). */
  writtenBy: string;
  /**
   * The suite's settings, as lines of the `module.exports` object literal (`key: value,`, comments
   * allowed), after the common ones: loopback host and port, `flows.json`, this package through
   * `nodesDir`, and no telemetry, palette installs, tours or projects.
   */
  settingsLines: string[];
  /** Files written into the user directory before the start, by name (e.g. flows.json). */
  files: Record<string, string>;
  /** Extra environment for the child, e.g. the variables `${NAME}` credentials name. */
  env?: Record<string, string>;
  /** The route (e.g. `/settings`) polled until it answers 200: then Node-RED is up. */
  readyRoute: string;
  /** Output kept for {@link NodeRedChild.log}, in characters (older output is dropped); default all of it. */
  maxLogChars?: number;
}

/** A running Node-RED child process. */
export interface NodeRedChild {
  /** `http://127.0.0.1:PORT`, without trailing slash. */
  url: string;
  port: number;
  pid: number;
  userDir: string;
  /** What the child wrote to stdout and stderr so far (the last `maxLogChars` of it). */
  log(): string;
  /** SIGTERM, then SIGKILL after 5 s; the log and the user directory stay readable. Idempotent. */
  stop(): Promise<void>;
  /** {@link stop}, then removes the user directory. Idempotent. */
  dispose(): Promise<void>;
}

function settingsFile(port: number, options: NodeRedChildOptions): string {
  return [
    `// Written by ${options.writtenBy} for one test run.`,
    'module.exports = {',
    "  uiHost: '127.0.0.1',",
    `  uiPort: ${port},`,
    "  flowFile: 'flows.json',",
    `  nodesDir: [${JSON.stringify(REPO_ROOT)}],`,
    '  telemetry: { enabled: false, updateNotification: false },',
    '  diagnostics: { enabled: false, ui: false },',
    '  externalModules: { palette: { allowInstall: false } },',
    '  editorTheme: { tours: false, projects: { enabled: false }, palette: { catalogues: [] } },',
    ...options.settingsLines.map((line) => `  ${line}`),
    '};',
    '',
  ].join('\n');
}

/** Whether `url` answers 200 now; false while nothing listens or the answer is slow. */
async function answers200(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false; // not listening yet: the caller polls again
  }
}

/**
 * Writes a private user directory and spawns Node-RED on a free loopback port; resolves once
 * `readyRoute` answers 200. On a start-up failure (exit, or no answer within 30 s) the child is
 * killed, the user directory removed, and the error carries the child's output.
 */
export async function startNodeRedChild(options: NodeRedChildOptions): Promise<NodeRedChild> {
  assertBuilt();
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), options.userDirPrefix));
  for (const [name, content] of Object.entries(options.files)) fs.writeFileSync(path.join(userDir, name), content);
  const port = await freePort();
  const settings = path.join(userDir, 'settings.js');
  fs.writeFileSync(settings, settingsFile(port, options));

  const redJs = require.resolve('node-red/red.js', { paths: [REPO_ROOT] });
  const child: ChildProcess = spawn(process.execPath, [redJs, '--userDir', userDir, '--settings', settings, '--port', String(port)], {
    cwd: userDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    // NODE_OPTIONS emptied: the child is plain Node-RED, without the test process's ts-node hooks.
    env: { ...process.env, ...options.env, NODE_OPTIONS: '' },
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (options.maxLogChars !== undefined) output = output.slice(-options.maxLogChars);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS);
      });
      const outcome = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    })();
    return stopping;
  };
  let disposed = false;
  const dispose = async (): Promise<void> => {
    await stop();
    if (disposed) return;
    disposed = true;
    fs.rmSync(userDir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!(await answers200(`${url}${options.readyRoute}`))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      const why = child.exitCode !== null ? `exited with ${child.exitCode}` : `did not answer within ${STARTUP_TIMEOUT_MS} ms`;
      await dispose();
      throw new Error(`Node-RED ${why}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, STARTUP_POLL_MS));
  }
  return { url, port, pid: child.pid ?? -1, userDir, log: () => output, stop, dispose };
}
