/**
 * The parent side of the fleet benchmark's helper processes (bench/fleet-peer.ts): starting one,
 * typed requests over its IPC channel, stopping it by PID; and CPU use per process, read from
 * /proc, so each measurement says which process was busy.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

/** How long a peer may take to report ready (it is compiled on start). */
const PEER_START_TIMEOUT_MS = 60_000;
/** How long a peer may take to exit after SIGTERM before SIGKILL. */
const PEER_STOP_TIMEOUT_MS = 5_000;
/** Longest wait for one request's answer (a backlog burst of millions of events takes a while). */
const REQUEST_TIMEOUT_MS = 15 * 60_000;

/** What the subscriber peer reports. */
export interface SubscriberStats {
  messages: number;
  bytes: number;
  distinct: number;
  duplicates: number;
  outOfOrder: number;
  outOfRange: number;
  /** Highest seq received; -1 before the first. */
  maxSeq: number;
  /** Date.now() of the first and last message (0 before the first). */
  firstAtMs: number;
  lastAtMs: number;
}

/** What the pacer peer reports. */
export interface PacerTotals {
  generated: number;
  calls: number;
  slowestCallMs: number;
}

/** One running peer. */
export class PeerProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void; timer: NodeJS.Timeout }>();
  private readonly exited: Promise<void>;

  private constructor(
    readonly role: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (message: { id?: number; ok?: boolean; result?: unknown; error?: string }) => {
      if (message.id === undefined) return;
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      clearTimeout(waiter.timer);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${role}: ${message.error ?? 'failed'}`));
    });
    child.once('exit', (code, signal) => {
      for (const [, waiter] of this.pending) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`${role} exited (${signal ?? code})`));
      }
      this.pending.clear();
    });
  }

  /** The peer's process id. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Starts `bench/fleet-peer.ts <role> ...args` and resolves once it reports ready. */
  static async start(role: 'subscriber' | 'publisher' | 'pacer', args: string[]): Promise<PeerProcess> {
    const child = fork(join(__dirname, 'fleet-peer.ts'), [role, ...args], {
      execArgv: ['-r', join(__dirname, 'register.js')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Without the parent's flags (--expose-gc and the like): the peer is plain Node.
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    // Should the benchmark die of an exception, the peer must not outlive it.
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => process.off('exit', kill));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the ${role} peer did not start within ${PEER_START_TIMEOUT_MS} ms`)), PEER_START_TIMEOUT_MS);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the ${role} peer exited (${String(code)}) before it was ready`));
      });
      child.on('message', (message: { ready?: boolean }) => {
        if (message.ready) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    return new PeerProcess(role, child);
  }

  /** Sends `cmd` with `args` and resolves with the peer's answer. */
  request<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.role}: no answer to ${cmd} within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve: (value) => resolve(value as T), reject, timer });
      this.child.send({ id, cmd, ...args });
    });
  }

  /** SIGTERM to the PID, SIGKILL after 5 s. Idempotent. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), PEER_STOP_TIMEOUT_MS);
    this.child.kill('SIGTERM');
    await this.exited;
    clearTimeout(timer);
  }
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux Node supports). */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process used so far, from /proc; null where /proc is not there. */
function cpuSecondsOf(pid: number): number | null {
  if (pid === process.pid) {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null; // not Linux, or the process is gone
  }
}

/** The machine's CPU time so far from /proc/stat (ticks): busy (all but idle and iowait), steal, total; null without /proc. */
function machineTicks(): { busy: number; steal: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user).
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = user + nice + system + idle + iowait + irq + softirq + steal;
    return { busy: total - idle - iowait, steal, total };
  } catch {
    return null; // not Linux
  }
}

/**
 * CPU use of named processes between {@link start} and {@link read}, in % of one core, and of
 * the whole machine (`machine`: busy share of all cores; `steal`: time the hypervisor gave to
 * others), so a reading says whether the host itself was the limit.
 */
export class CpuMeter {
  private startedAt = 0;
  private readonly before = new Map<string, number | null>();
  private machineBefore: ReturnType<typeof machineTicks> = null;

  constructor(private readonly processes: ReadonlyArray<{ name: string; pid: number }>) {}

  start(): void {
    this.startedAt = performance.now();
    for (const { name, pid } of this.processes) this.before.set(name, cpuSecondsOf(pid));
    this.machineBefore = machineTicks();
  }

  /** `{ name: percent }` since {@link start} (null where unknown), then `machine` and `steal` (% of all cores). */
  read(): Record<string, number | null> {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const result: Record<string, number | null> = {};
    for (const { name, pid } of this.processes) {
      const before = this.before.get(name);
      const now = cpuSecondsOf(pid);
      result[name] = before == null || now == null || seconds <= 0 ? null : Math.round(((now - before) / seconds) * 100);
    }
    const machineNow = machineTicks();
    const before = this.machineBefore;
    const total = machineNow && before ? machineNow.total - before.total : 0;
    const machine = machineNow && before && total > 0 ? (machineNow.busy - before.busy) / total : null;
    // What the machine did besides the benchmark's processes, in % of one core: other jobs on a shared host.
    const ours = Object.values(result).reduce<number>((sum, percent) => sum + (percent ?? 0), 0);
    result.others = machine === null ? null : Math.max(0, Math.round(machine * cpus().length * 100 - ours));
    result.machine = machine === null ? null : Math.round(machine * 100);
    result.steal = machineNow && before && total > 0 ? Math.round(((machineNow.steal - before.steal) / total) * 100) : null;
    return result;
  }
}

/** `node-red 95%, simulator 60%, …, others 20%; machine 90% of 2 cores` */
export function formatCpu(cpu: Record<string, number | null>): string {
  const { machine, steal, ...processes } = cpu;
  const percent = (value: number | null | undefined) => (value == null ? '?' : `${value}%`);
  const list = Object.entries(processes).map(([name, value]) => `${name} ${percent(value)}`);
  return `${list.join(', ')}; machine ${percent(machine)} of ${cpus().length} cores${steal ? ` (steal ${steal}%)` : ''}`;
}
