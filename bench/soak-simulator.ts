/**
 * The soak's simulator: the DSS simulator CLI in a child process (so its retention buffer and
 * work stay out of the heap and handles the soak measures), with fast heartbeats so that the
 * heartbeat faults are noticed within a fault interval.
 *
 * Why not `startBenchSimulator` from simulator-process.ts: it does not pass the heartbeat
 * options to the CLI. Everything after the start (the `/sim/` calls) is shared with the other
 * benchmarks through `controlCall` and the `BenchSimulator` shape.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BenchSimulator } from './simulator-process';

/** How long the child may take to print its `listening` line (ts-node compiles on start). */
const CHILD_START_TIMEOUT_MS = 60_000;
/** How long the child may take to exit after SIGTERM before it is killed outright. */
const CHILD_EXIT_TIMEOUT_MS = 5_000;

/** Options of {@link startSoakSimulator}. */
export interface SoakSimulatorOptions {
  /** Events retained per stream key: must cover every outage (the soak paces generation, see soak.ts). */
  retention: number;
  /** Seed of the value generator, so that runs generate the same events. */
  seed: number;
  /** Heartbeat interval on every socket, ms. */
  heartbeatMs: number;
  /** Unanswered heartbeats in a row before the simulator closes a socket. */
  missedHeartbeats: number;
}

/** Starts `simulator/cli.ts` with no automatic events (rate 0) in a child process. */
export async function startSoakSimulator(options: SoakSimulatorOptions): Promise<BenchSimulator> {
  const root = join(__dirname, '..');
  const args = [
    '-r',
    'ts-node/register/transpile-only',
    join('simulator', 'cli.ts'),
    '--rate',
    '0',
    '--retention',
    String(options.retention),
    '--seed',
    String(options.seed),
    '--heartbeat-ms',
    String(options.heartbeatMs),
    '--missed-heartbeats',
    String(options.missedHeartbeats),
    '--quiet',
  ];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
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
    return { ...info, where: `child (pid ${child.pid ?? '?'})`, close: stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

type ListeningInfo = Omit<BenchSimulator, 'where' | 'close'>;

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
