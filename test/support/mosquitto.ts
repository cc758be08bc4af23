/**
 * A real Mosquitto broker for one test (or one benchmark run): the Debian binary started with a
 * generated configuration in a temporary directory, listening on 127.0.0.1 and a free port,
 * anonymous, persistence off, and stopped by its PID afterwards.
 *
 * Never the system-wide service on port 1883: a test that relied on it would pass or fail with
 * the machine's state, and could read or overwrite someone else's retained messages.
 * `npm test` installs the binary on Debian when run as root (`scripts/setup.js --with-mosquitto`);
 * where it is missing, {@link startMosquitto} throws with that advice: the MQTT tests fail, they
 * are never skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './node-red-process';

/** The broker binary: `MOSQUITTO_PATH`, else where Debian's `mosquitto` package puts it. */
export const MOSQUITTO_PATH = process.env.MOSQUITTO_PATH || '/usr/sbin/mosquitto';

/** How long the broker may take to accept a TCP connection after spawning (10 s; it takes milliseconds). */
const START_TIMEOUT_MS = 10_000;
/** After SIGTERM, how long the broker may take to exit before SIGKILL (5 s). */
const STOP_TIMEOUT_MS = 5_000;
/** Poll interval of the start-up wait (ms). */
const START_POLL_MS = 50;
/** Ports tried before giving up: another process may take the free port between the probe and the bind. */
const START_ATTEMPTS = 3;
/** Broker output kept for failure messages (characters). */
const MAX_LOG_CHARS = 20_000;

/** Options of {@link startMosquitto}; every field is optional. */
export interface MosquittoOptions {
  /**
   * QoS 1 and 2 messages queued per client beyond those in flight; Mosquitto's default is 1000,
   * and it DROPS what exceeds it for a slow subscriber. 0 = no limit (what a benchmark that
   * counts every message needs). Default: Mosquitto's own.
   */
  maxQueuedMessages?: number;
  /** QoS 1 and 2 messages in flight per client; Mosquitto's default is 20; 0 = no limit. */
  maxInflightMessages?: number;
  /** Extra configuration lines, appended as they are. */
  extraConfig?: string[];
}

/** A running broker. */
export interface RunningMosquitto {
  /** Always 127.0.0.1. */
  host: string;
  port: number;
  /** `mqtt://127.0.0.1:PORT` */
  url: string;
  pid: number;
  /** What the broker wrote to stdout and stderr so far (the last 20,000 characters). */
  log(): string;
  /** SIGTERM to the PID, SIGKILL after 5 s; removes the configuration directory. Idempotent. */
  stop(): Promise<void>;
}

/** Throws the advice of the module comment when the binary is missing. */
export function assertMosquittoInstalled(): void {
  if (!fs.existsSync(MOSQUITTO_PATH)) {
    throw new Error(
      `Mosquitto not found at ${MOSQUITTO_PATH}: the MQTT tests start a real broker. \`npm test\` installs Debian's mosquitto ` +
        'package when it runs as root (scripts/setup.js --with-mosquitto); otherwise install it (apt-get install mosquitto) or set MOSQUITTO_PATH.',
    );
  }
}

function configText(port: number, options: MosquittoOptions): string {
  const lines = [
    '# Written by test/support/mosquitto.ts for one run.',
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    // Nothing outlives the run: no database file, retained messages live in memory only.
    'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
  ];
  if (options.maxQueuedMessages !== undefined) lines.push(`max_queued_messages ${options.maxQueuedMessages}`);
  if (options.maxInflightMessages !== undefined) lines.push(`max_inflight_messages ${options.maxInflightMessages}`);
  lines.push(...(options.extraConfig ?? []), '');
  return lines.join('\n');
}

/** Whether something accepts TCP connections on 127.0.0.1:port right now. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (hasExited(child)) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([exited.then(() => 'exited' as const), new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS)))]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

async function startOnce(options: MosquittoOptions): Promise<RunningMosquitto | 'port-taken'> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ayla-dss-mosquitto-'));
  const port = await freePort();
  const configFile = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(configFile, configText(port, options));
  const child = spawn(MOSQUITTO_PATH, ['-c', configFile], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-MAX_LOG_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    // A spawn failure (no such file, not executable) emits 'error' and maybe no 'exit'.
    child.once('error', (error) => {
      keep(Buffer.from(`spawn failed: ${error.message}\n`));
      resolve();
    });
  });
  // Should the test process die first, the broker must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await stopChild(child, exited);
      process.off('exit', killOnExit);
      fs.rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (hasExited(child) || child.pid === undefined) {
      await stop();
      if (/Address already in use/i.test(output)) return 'port-taken';
      throw new Error(`Mosquitto (${MOSQUITTO_PATH}) exited before accepting connections:\n${output}`);
    }
    if (await accepts(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Mosquitto did not accept connections on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, START_POLL_MS));
  }
  return { host: '127.0.0.1', port, url: `mqtt://127.0.0.1:${port}`, pid: child.pid, log: () => output, stop };
}

/**
 * Starts a broker on 127.0.0.1 and a free port; resolves once it accepts TCP connections.
 *
 * @throws when the binary is missing ({@link assertMosquittoInstalled}), or the broker exits or
 *   does not accept connections within 10 s (the error carries its output).
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<RunningMosquitto> {
  assertMosquittoInstalled();
  for (let attempt = 1; ; attempt++) {
    const started = await startOnce(options);
    if (started !== 'port-taken') return started;
    if (attempt >= START_ATTEMPTS) throw new Error(`Mosquitto could not bind a free port in ${START_ATTEMPTS} attempts`);
  }
}
