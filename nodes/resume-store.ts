/**
 * Where the runtime keeps the last delivered `seq` of every stream, so that a reconnect, a
 * redeploy and a Node-RED restart all resume from it (`seq_start = last + 1`).
 *
 * One store per runtime: a {@link SeqStore} file `.ayla-dss-seq.json` in Node-RED's user
 * directory, shared by every account node (keys are scoped per account, see stream-hub.ts).
 * Account nodes lease it; the first lease loads the file, the last release flushes and closes
 * it, and a lease taken while a previous store is still flushing waits for that flush before
 * loading, so a redeploy never reads a stale file. Without a known user directory the store
 * lives in memory only (a redeploy still resumes, a restart does not), with one warning.
 *
 * Keys are never secrets: subscription names (which are hashes of the subscription's filter)
 * and one-way fingerprints of stream keys.
 */
import path from 'node:path';
import { SeqStore } from './lib/seq-store';

/** File name of the store inside Node-RED's user directory. */
export const SEQ_STORE_FILE_NAME = '.ayla-dss-seq.json';
/** Upper bound of the final flush when the last account node closes (2 s): Node-RED waits for it on every redeploy. */
export const RELEASE_FLUSH_TIMEOUT_MS = 2000;

/** A map from key to a non-negative integer (a seq or a subscription id), as the hub needs it. {@link SeqStore} is one. */
export interface ResumeStore {
  /** The value stored for `key`, or null. */
  get(key: string): number | null;
  /** Stores `value` (a non-negative safe integer) for `key`. */
  set(key: string, value: number): void;
  /** Forgets `key`. */
  delete(key: string): void;
}

/** A {@link ResumeStore} in memory only. */
export class MemoryResumeStore implements ResumeStore {
  private readonly values = new Map<string, number>();

  /** See {@link ResumeStore.get}. */
  get(key: string): number | null {
    return this.values.get(key) ?? null;
  }

  /** See {@link ResumeStore.set}. */
  set(key: string, value: number): void {
    this.values.set(key, value);
  }

  /** See {@link ResumeStore.delete}. */
  delete(key: string): void {
    this.values.delete(key);
  }
}

/** What {@link leaseResumeStore} hands out. */
export interface ResumeStoreLease {
  readonly store: ResumeStore;
  /** Resolves once the store has been loaded (never rejects). Streams must not start before. */
  readonly ready: Promise<void>;
  /** The file behind the store; null for the in-memory fallback. */
  readonly file: string | null;
  /** Gives the lease back; the last one flushes and closes the file (bounded by {@link RELEASE_FLUSH_TIMEOUT_MS}). Idempotent. */
  release(): Promise<void>;
}

interface SharedFile {
  store: SeqStore;
  ready: Promise<void>;
  users: number;
}

const openFiles = new Map<string, SharedFile>();
/** Stores of a file whose last user left, still flushing. */
const flushing = new Map<string, Promise<void>>();
/** The fallback when the user directory is unknown: runtime-wide, in memory. */
const memoryStore = new MemoryResumeStore();
let warnedAboutMemory = false;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function within(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Leases the runtime's resume store.
 *
 * @param userDir - Node-RED's user directory (`RED.settings.userDir`); anything but a non-empty
 *   string selects the in-memory fallback
 * @param warn - receives the one-time fallback warning and file problems (no secrets: the
 *   store holds none)
 */
export function leaseResumeStore(userDir: unknown, warn: (message: string) => void): ResumeStoreLease {
  if (typeof userDir !== 'string' || userDir === '') {
    if (!warnedAboutMemory) {
      warnedAboutMemory = true;
      warn('Node-RED user directory unknown: the stream positions are kept in memory only, so a restart cannot resume where it stopped');
    }
    return { store: memoryStore, ready: Promise.resolve(), file: null, release: () => Promise.resolve() };
  }
  const file = path.resolve(userDir, SEQ_STORE_FILE_NAME);
  let shared = openFiles.get(file);
  if (!shared) {
    const store = new SeqStore({ file, onWarning: warn });
    const previous = flushing.get(file) ?? Promise.resolve();
    const ready = previous.then(() => store.load());
    shared = { store, ready, users: 0 };
    openFiles.set(file, shared);
  }
  shared.users += 1;
  const lease = shared;
  let released = false;
  return {
    store: lease.store,
    ready: lease.ready,
    file,
    release: async () => {
      if (released) return;
      released = true;
      lease.users -= 1;
      if (lease.users > 0) return;
      if (openFiles.get(file) === lease) openFiles.delete(file);
      const closing = lease.ready
        .then(() => lease.store.close())
        .catch((error: unknown) => warn(`could not save the stream positions to ${file}: ${messageOf(error)}`));
      flushing.set(file, closing);
      void closing.finally(() => {
        if (flushing.get(file) === closing) flushing.delete(file);
      });
      await within(closing, RELEASE_FLUSH_TIMEOUT_MS);
    },
  };
}
