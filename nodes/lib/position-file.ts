/**
 * PositionFile: the position of every stream (`docs/protocol.md` §9) — the last delivered `seq`
 * and the subscription it belongs to — kept in a small JSON file so that a Node-RED restart
 * resumes each stream from it (`seq_start = seq + 1`) and the events that arrived while
 * Node-RED was down are still delivered (as far as the server retains them).
 *
 * Memory first, disk throttled: {@link PositionFile.set} updates the in-memory map at once and
 * schedules a write at most once per `throttleMs`; the latest values win. A crash loses at most
 * the last `throttleMs` of progress, and the resume then re-requests those events: the server
 * replays them again (at-least-once across a crash, exactly-once across a clean stop, because
 * {@link PositionFile.close} flushes).
 *
 * Writes are atomic and never concurrent: the whole map goes to a temporary file in the same
 * directory, is fsynced, then renamed over the data file, so a reader (or a crash) sees the
 * old file or the new one, never a partial one. One write is in flight at a time; changes made
 * meanwhile are written by the next one.
 *
 * File format (version 2): `{ "version": 2, "positions": { "<key>": { "seq": 41,
 * "subscriptionId": 7 }, … } }`; both fields are optional. Version 1 files of 0.1.0
 * (`{ "version": 1, "seqs": { "<key>": 41, "<key>#subscription": 7 } }`) are read and
 * rewritten as version 2.
 *
 * Keys are opaque strings chosen by the caller (a subscription name scoped by account, or a
 * hash of a stream key). They are written to disk in clear text: a key must never be a secret
 * (never a raw stream key, token or password).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { messageOf } from './errors';

/** Default minimum interval between two writes of the file (1 s). */
export const DEFAULT_POSITION_FILE_THROTTLE_MS = 1000;
/** Version number written to the file. */
export const POSITION_FILE_VERSION = 2;
/** The 0.1.0 format, still read. */
const LEGACY_FILE_VERSION = 1;
/** Suffix of the 0.1.0 keys that held a stream's subscription id. */
const LEGACY_SUBSCRIPTION_SUFFIX = '#subscription';

/** Where one stream stands. */
export interface StreamPosition {
  /** The seq of the last delivered event; absent before the first. */
  seq?: number;
  /** The subscription the seq belongs to (auto subscriptions of cloud accounts); absent otherwise. */
  subscriptionId?: number;
}

/** The in-memory part of a position store, as the hub uses it; {@link PositionFile} is one. */
export interface PositionStore {
  /** The position stored for `key`, or null. */
  get(key: string): Readonly<StreamPosition> | null;
  /** Stores `position` for `key` (an empty position deletes it). */
  set(key: string, position: StreamPosition): void;
  /** Forgets `key`. */
  delete(key: string): void;
}

/** A {@link PositionStore} in memory only (no user directory: a redeploy resumes, a restart does not). */
export class MemoryPositionStore implements PositionStore {
  private readonly positions = new Map<string, StreamPosition>();

  /** See {@link PositionStore.get}. */
  get(key: string): Readonly<StreamPosition> | null {
    return this.positions.get(key) ?? null;
  }

  /** See {@link PositionStore.set}. */
  set(key: string, position: StreamPosition): void {
    if (position.seq === undefined && position.subscriptionId === undefined) this.positions.delete(key);
    else this.positions.set(key, { ...position });
  }

  /** See {@link PositionStore.delete}. */
  delete(key: string): void {
    this.positions.delete(key);
  }
}
/** A file larger than this (1 MiB) is not ours to parse: treated as corrupt. */
const MAX_FILE_BYTES = 1024 * 1024;
/** Longest accepted key (512 characters): keys are names or hashes, never documents. */
const MAX_KEY_LENGTH = 512;
/**
 * Keys refused by {@link SeqStore.set} and ignored on load: harmless in the Map, but a
 * hand-edited or hostile file should never get to play with prototype-shaped names.
 */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
/** After a failed write, the next attempt waits at least this long (1 s). */
const FAILED_WRITE_RETRY_MS = 1000;
/** File mode of the data file (owner read/write only): seqs are not secret, but nobody else's business. */
const FILE_MODE = 0o600;

export interface PositionFileOptions {
  /** Path of the JSON file. Its directory is created on the first write if missing. */
  file: string;
  /** Minimum interval between two writes, ms; default {@link DEFAULT_POSITION_FILE_THROTTLE_MS} (1000). 0 = write as soon as possible. */
  throttleMs?: number;
  /**
   * Receives warnings: an unreadable or corrupt file on load (the store then starts empty),
   * ignored entries, and background write failures (retried after `throttleMs`). Messages
   * name the file and the problem, never a value of the file. Default: ignored.
   */
  onWarning?: (message: string) => void;
}

function isWhole(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isUsableKey(key: unknown): key is string {
  return typeof key === 'string' && key.length > 0 && key.length <= MAX_KEY_LENGTH && !RESERVED_KEYS.has(key);
}

/** A stored position, or null when `value` is not a usable one. */
function positionOf(value: unknown): StreamPosition | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const { seq, subscriptionId } = value as Record<string, unknown>;
  if ((seq !== undefined && !isWhole(seq)) || (subscriptionId !== undefined && !isWhole(subscriptionId))) return null;
  if (seq === undefined && subscriptionId === undefined) return null;
  return { ...(seq === undefined ? {} : { seq }), ...(subscriptionId === undefined ? {} : { subscriptionId }) };
}

/** Version 1 (`seqs`, with `…#subscription` keys) as version 2 positions. */
function positionsOfLegacy(seqs: Record<string, unknown>): Record<string, unknown> {
  const positions: Record<string, Record<string, unknown>> = Object.create(null) as Record<string, Record<string, unknown>>;
  for (const key of Object.keys(seqs)) {
    const isSubscription = key.endsWith(LEGACY_SUBSCRIPTION_SUFFIX);
    const streamKey = isSubscription ? key.slice(0, -LEGACY_SUBSCRIPTION_SUFFIX.length) : key;
    const entry = positions[streamKey] ?? (positions[streamKey] = {});
    entry[isSubscription ? 'subscriptionId' : 'seq'] = seqs[key];
  }
  return positions;
}

/** Persists the position of every stream; see the module comment for the guarantees. */
export class PositionFile implements PositionStore {
  private readonly file: string;
  private readonly throttleMs: number;
  private readonly warn: (message: string) => void;
  private readonly positions = new Map<string, StreamPosition>();

  /** Bumped by every change; a write covers the generation it snapshotted. */
  private generation = 0;
  private writtenGeneration = 0;
  private writing: Promise<void> | null = null;
  private lastWriteStartedAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;
  private closePromise: Promise<void> | null = null;
  /** True after a write failed, until one succeeds: retries then wait at least FAILED_WRITE_RETRY_MS. */
  private writeFailing = false;
  /** A background write failure was reported; no more warnings until a write succeeds. */
  private failureWarned = false;

  /** @param options - see {@link SeqStoreOptions}. Nothing is read until {@link load}. */
  constructor(options: PositionFileOptions) {
    if (typeof options.file !== 'string' || options.file === '') throw new TypeError('PositionFile needs a file path');
    this.file = path.resolve(options.file);
    const throttle = options.throttleMs;
    this.throttleMs = typeof throttle === 'number' && Number.isFinite(throttle) && throttle >= 0 ? throttle : DEFAULT_POSITION_FILE_THROTTLE_MS;
    this.warn = options.onWarning ?? (() => undefined);
  }

  /**
   * Reads the file into memory. A missing file means an empty store. A file that cannot be
   * read or parsed, has another version, or is not the expected shape also gives an empty
   * store, with a warning; it never rejects for that (it is overwritten by the next write).
   * Entries whose key or seq is unusable are skipped with one warning. Keys already set in
   * memory keep their value (they are newer than the file).
   */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return;
      this.warn(`cannot read the stream positions ${this.file}, starting empty: ${messageOf(error)}`);
      return;
    }
    const stored = this.parse(text);
    if (stored === null) return;
    let skipped = 0;
    for (const key of Object.keys(stored.positions)) {
      const position = positionOf(stored.positions[key]);
      if (!isUsableKey(key) || position === null) {
        skipped++;
        continue;
      }
      if (!this.positions.has(key)) this.positions.set(key, position);
    }
    if (skipped > 0) this.warn(`ignored ${skipped} unusable entr${skipped === 1 ? 'y' : 'ies'} in the stream positions ${this.file}`);
    // A version 1 file is rewritten in the current format by the next write.
    if (stored.legacy) this.changed();
  }

  /** The positions of a well-formed file, or null (after a warning) when it is not one. */
  private parse(text: string): { positions: Record<string, unknown>; legacy: boolean } | null {
    const corrupt = (why: string): null => {
      this.warn(`the stream positions ${this.file} are corrupt (${why}); starting empty, the file will be rewritten`);
      return null;
    };
    if (text.length > MAX_FILE_BYTES) return corrupt(`larger than ${MAX_FILE_BYTES} bytes`);
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return corrupt('not JSON');
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return corrupt('not a JSON object');
    const { version, seqs, positions } = data as { version?: unknown; seqs?: unknown; positions?: unknown };
    const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
    // JSON.parse makes own data properties (a "__proto__" key included): reading them is safe.
    if (version === LEGACY_FILE_VERSION) {
      if (!isObject(seqs)) return corrupt('"seqs" is not an object');
      return { positions: positionsOfLegacy(seqs), legacy: true };
    }
    if (version !== POSITION_FILE_VERSION) return corrupt(`version is not ${POSITION_FILE_VERSION}`);
    if (!isObject(positions)) return corrupt('"positions" is not an object');
    return { positions, legacy: false };
  }

  /** The position stored for `key`, or null when none. */
  get(key: string): Readonly<StreamPosition> | null {
    return this.positions.get(key) ?? null;
  }

  /**
   * Records the position of `key`: in memory at once, on disk by the next throttled write. An
   * empty position deletes the key. After {@link close}, memory is still updated but nothing
   * more is written.
   *
   * @throws TypeError when `key` is empty, longer than 512 characters or reserved
   *   (`__proto__`, `constructor`, `prototype`), or a field is not a non-negative safe integer.
   */
  set(key: string, position: StreamPosition): void {
    if (!isUsableKey(key)) throw new TypeError('PositionFile key must be a non-empty, non-reserved string of at most 512 characters');
    if ((position.seq !== undefined && !isWhole(position.seq)) || (position.subscriptionId !== undefined && !isWhole(position.subscriptionId))) {
      throw new TypeError('PositionFile seq and subscriptionId must be non-negative safe integers');
    }
    if (position.seq === undefined && position.subscriptionId === undefined) {
      this.delete(key);
      return;
    }
    const current = this.positions.get(key);
    if (current && current.seq === position.seq && current.subscriptionId === position.subscriptionId) return;
    this.positions.set(key, { ...position });
    this.changed();
  }

  /** Forgets `key` (e.g. a deleted subscription); written like {@link set}. */
  delete(key: string): void {
    if (this.positions.delete(key)) this.changed();
  }

  /**
   * Writes now if anything changed since the last write (waiting for a write in flight
   * first); resolves when every change made before the call is on disk.
   *
   * @throws the file system error when the write fails (the changes stay pending and are
   *   retried by the next write).
   */
  async flush(): Promise<void> {
    const target = this.generation;
    this.clearTimer();
    while (this.writtenGeneration < target) {
      if (this.writing) await this.writing.catch(() => undefined /* this loop retries it, reporting its own failure */);
      else await this.startWrite();
    }
    if (!this.closePromise) this.schedule();
  }

  /**
   * Flushes and stops the timer. Idempotent: later calls return the same promise. After it,
   * {@link set} and {@link delete} only change memory.
   *
   * @throws like {@link flush}.
   */
  close(): Promise<void> {
    if (!this.closePromise) {
      this.clearTimer();
      this.closePromise = this.flush().finally(() => this.clearTimer());
    }
    return this.closePromise;
  }

  private changed(): void {
    this.generation++;
    if (!this.closePromise) this.schedule();
  }

  /** Arms the timer for the next write, unless one is armed or in flight (it re-schedules when done). */
  private schedule(): void {
    if (this.timer || this.writing || this.writtenGeneration >= this.generation) return;
    // After a failure, retry no faster than FAILED_WRITE_RETRY_MS even with throttleMs 0 (no hot loop).
    const gapMs = this.writeFailing ? Math.max(this.throttleMs, FAILED_WRITE_RETRY_MS) : this.throttleMs;
    const waitMs = Math.max(0, this.lastWriteStartedAt + gapMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.startWrite().catch((error: unknown) => {
        // One warning per failure streak, not one per retry (a read-only disk would flood the log).
        if (!this.failureWarned) this.warn(`cannot write the stream positions ${this.file} (will retry): ${messageOf(error)}`);
        this.failureWarned = true;
      });
    }, waitMs);
    // A pending write must not keep the process alive; close() is what makes it durable.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Starts one write of the current map; rejects with its error. Only called when none is in flight. */
  private startWrite(): Promise<void> {
    // A flush can start a write while a throttled one is armed: that one would overlap this one
    // (and two overlapping renames could put an older snapshot over a newer one).
    this.clearTimer();
    const generation = this.generation;
    const text = this.serialise();
    this.lastWriteStartedAt = Date.now();
    const writing = writeFileAtomically(this.file, text).then(
      () => {
        this.writtenGeneration = Math.max(this.writtenGeneration, generation);
        this.writeFailing = false;
        this.failureWarned = false;
      },
      (error: unknown) => {
        this.writeFailing = true;
        throw error;
      },
    );
    this.writing = writing;
    const settle = () => {
      this.writing = null;
      // Changes made during the write (or a failed write) go out with the next one.
      if (!this.closePromise) this.schedule();
    };
    writing.then(settle, settle);
    return writing;
  }

  private serialise(): string {
    // A null-prototype object: every key is a plain own property, whatever its name.
    const positions: Record<string, StreamPosition> = Object.create(null) as Record<string, StreamPosition>;
    for (const [key, position] of this.positions) positions[key] = position;
    return `${JSON.stringify({ version: POSITION_FILE_VERSION, positions })}\n`;
  }
}

/**
 * Replaces `file` with `text` atomically: a temporary file in the same directory (same file
 * system, so rename is atomic), fsynced before the rename, and the directory fsynced after it
 * so the rename itself survives a power cut. The temporary file is removed on failure.
 */
async function writeFileAtomically(file: string, text: string): Promise<void> {
  const directory = path.dirname(file);
  await fs.mkdir(directory, { recursive: true });
  const temporary = path.join(directory, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(temporary, 'wx', FILE_MODE);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true }).catch(() => undefined /* the original error is the one worth reporting */);
    throw error;
  }
  await syncDirectory(directory);
}

async function syncDirectory(directory: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(directory, 'r');
    await handle.sync();
  } catch {
    // Not supported everywhere (Windows cannot open a directory): the rename is still atomic.
  } finally {
    await handle?.close().catch(() => undefined /* closing a read-only directory handle has nothing to lose */);
  }
}
