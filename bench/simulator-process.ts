/**
 * The simulator for the stream benchmark, either in a child process (the default: the server's
 * work then runs on its own CPU, as a real cloud's would, and the client's numbers are the
 * client's) or in this process, plus the few `/sim/` control calls the benchmark needs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startSimulator } from '../simulator';
import type { DemoAccount } from '../simulator';

/** How long the child may take to print its `listening` line (it is compiled on start). */
const CHILD_START_TIMEOUT_MS = 60_000;
/** How long the child may take to exit after SIGTERM before it is killed outright. */
const CHILD_EXIT_TIMEOUT_MS = 5_000;
/** Timeout of one control call. `/sim/generate` of 10,000 events takes well under a second. */
const CONTROL_TIMEOUT_MS = 60_000;

/** Where the simulator listens, how to sign in, and how to stop it. */
export interface BenchSimulator {
  url: string;
  streamUrl: string;
  apiUrl: string;
  userUrl: string;
  account: DemoAccount;
  /** `child (pid N)` or `in-process`. */
  where: string;
  /** The child's process id; this process's own for `in-process`. */
  pid: number;
  close(): Promise<void>;
}

/** Options of {@link startBenchSimulator}. */
export interface BenchSimulatorOptions {
  /** Run the simulator in a child process (true) or in this one. */
  child: boolean;
  /** Events retained per stream key: must hold every event injected before the replay. */
  retention: number;
  /** Fixed seed so that runs generate the same events. */
  seed: number;
  /** Heartbeat interval on every socket, ms; default the simulator's own. */
  heartbeatMs?: number;
  /** Unanswered heartbeats in a row before the simulator closes a socket; default the simulator's own. */
  missedHeartbeats?: number;
  /** Generate a fleet of this many devices (`--devices`); default the built-in demo devices. */
  devices?: number;
  /**
   * V8 old-space limit of the child, MB (`--max-old-space-size`); default Node's own. A retention
   * of millions of events (about 0.5 KB each) needs more than the default on some machines.
   */
  maxOldSpaceMb?: number;
}

/** Starts a simulator with no automatic events (rate 0). */
export async function startBenchSimulator(options: BenchSimulatorOptions): Promise<BenchSimulator> {
  if (!options.child) {
    const sim = await startSimulator({
      rate: 0,
      retention: options.retention,
      seed: options.seed,
      heartbeatMs: options.heartbeatMs,
      missedHeartbeats: options.missedHeartbeats,
      devices: options.devices,
    });
    return { ...sim, where: 'in-process', pid: process.pid, close: () => sim.close() };
  }
  const root = join(__dirname, '..');
  const nodeArgs = options.maxOldSpaceMb === undefined ? [] : [`--max-old-space-size=${options.maxOldSpaceMb}`];
  const child = spawn(process.execPath, [...nodeArgs, '-r', join(__dirname, 'register.js'), join('simulator', 'cli.ts'), ...cliArgs(options)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The child's log lines are forwarded, except once it is being stopped (its "closing" line is noise).
  let stopping = false;
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    if (!stopping) process.stderr.write(`simulator: ${line}\n`);
  });
  // Should this process die of an exception, the child must not outlive it.
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);
  const stop = async () => {
    process.off('exit', killChild);
    stopping = true;
    await stopChild(child);
  };
  try {
    const info = await readListeningLine(child);
    return { ...info, where: `child (pid ${child.pid ?? '?'})`, pid: child.pid ?? -1, close: stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The `simulator/cli.ts` arguments for these options; heartbeat flags only when set, so the CLI's defaults apply otherwise. */
function cliArgs(options: BenchSimulatorOptions): string[] {
  const args = ['--rate', '0', '--retention', String(options.retention), '--seed', String(options.seed)];
  if (options.heartbeatMs !== undefined) args.push('--heartbeat-ms', String(options.heartbeatMs));
  if (options.missedHeartbeats !== undefined) args.push('--missed-heartbeats', String(options.missedHeartbeats));
  if (options.devices !== undefined) args.push('--devices', String(options.devices));
  args.push('--quiet');
  return args;
}

type ListeningInfo = Omit<BenchSimulator, 'where' | 'pid' | 'close'>;

function readListeningLine(child: ChildProcess): Promise<ListeningInfo> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(() => finish(new Error(`the simulator did not start within ${CHILD_START_TIMEOUT_MS} ms`)), CHILD_START_TIMEOUT_MS);
    const onExit = (code: number | null) => finish(new Error(`the simulator exited (code ${String(code)}) before listening`));
    function finish(outcome: Error | ListeningInfo): void {
      clearTimeout(timer);
      child.off('exit', onExit);
      lines.close();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    }
    child.once('exit', onExit);
    lines.once('line', (line) => {
      try {
        const parsed = JSON.parse(line) as ListeningInfo & { event?: string };
        if (parsed.event !== 'listening') throw new Error('unexpected first line');
        finish({ url: parsed.url, streamUrl: parsed.streamUrl, apiUrl: parsed.apiUrl, userUrl: parsed.userUrl, account: parsed.account });
      } catch (error) {
        finish(new Error(`cannot read the simulator's listening line: ${(error as Error).message}`));
      }
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_EXIT_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Calls the `/sim/` control API; throws on any answer other than 2xx. */
export async function controlCall(sim: BenchSimulator, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
  return text === '' ? null : (JSON.parse(text) as unknown);
}

/** The next seq of a subscription's stream key, from `GET /sim/state`. */
export async function nextSeqOf(sim: BenchSimulator, subscriptionId: number): Promise<number> {
  const state = (await controlCall(sim, 'GET', '/sim/state')) as { subscriptions: Array<{ id: number; nextSeq: number }> };
  const entry = state.subscriptions.find((subscription) => subscription.id === subscriptionId);
  if (!entry) throw new Error(`subscription ${subscriptionId} is not in /sim/state`);
  return entry.nextSeq;
}
