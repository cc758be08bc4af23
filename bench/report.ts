/**
 * Shared printing and measuring bits of the benchmark scripts: the environment line, heap
 * readings (after a forced GC when `--expose-gc` is on), and number formatting.
 */
import { cpus, platform, arch } from 'node:os';

const BYTES_PER_MB = 1024 * 1024;

/** Whether `global.gc` is there (node was started with `--expose-gc`). */
export function canForceGc(): boolean {
  return typeof globalThis.gc === 'function';
}

/**
 * Heap in use, MB. With `forceGc` and `--expose-gc`, collects twice first (the second pass
 * frees what finalisers of the first released), so the number is live data, not garbage.
 */
export function heapUsedMb(forceGc: boolean): number {
  if (forceGc && canForceGc()) {
    globalThis.gc?.();
    globalThis.gc?.();
  }
  return process.memoryUsage().heapUsed / BYTES_PER_MB;
}

/** One line naming the Node version, V8, OS and CPU, so numbers can be compared fairly. */
export function environmentLine(): string {
  const cpuList = cpus();
  const cpu = cpuList.length > 0 ? `${cpuList[0].model.trim()} x${cpuList.length}` : 'unknown CPU';
  const domainWarning = domainModuleLoaded()
    ? ', DOMAIN MODULE LOADED (every EventEmitter.emit is wrapped: run with -r ./bench/register.js, not ts-node)'
    : '';
  return `node ${process.version} (V8 ${process.versions.v8}, ${platform()} ${arch()}), ${cpu}, gc ${canForceGc() ? 'exposed' : 'NOT exposed (run with --expose-gc for comparable heap numbers)'}${domainWarning}`;
}

/**
 * Whether Node's `domain` module is loaded. Loading it replaces `EventEmitter.prototype.emit` for
 * the whole process (ts-node does, through `repl`), which no Node-RED installation pays for; see
 * bench/register.js.
 */
export function domainModuleLoaded(): boolean {
  const loaded = (process as unknown as { moduleLoadList?: string[] }).moduleLoadList ?? [];
  return loaded.includes('NativeModule domain');
}

/** Elapsed nanoseconds since `start` (a `process.hrtime.bigint()` reading), as a number. */
export function nsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start);
}

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** `1234567.8` → `1,234,568`. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A number with `digits` decimals, right-aligned in `width` characters. */
export function padNumber(value: number, digits: number, width: number): string {
  return value.toFixed(digits).padStart(width);
}

/** Megabytes (2^20 bytes) in `bytes`. */
export function toMb(bytes: number): number {
  return bytes / BYTES_PER_MB;
}

/** A positive integer option, or the default; exits with a usage message when invalid. */
export function positiveIntegerOption(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    process.stderr.write(`--${name} must be a positive integer, got "${text}"\n`);
    process.exit(2);
  }
  return value;
}
