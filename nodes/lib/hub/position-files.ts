/**
 * The runtime's position file (`.ayla-dss-seq.json` in Node-RED's user directory), shared by
 * every account node: account nodes lease it; the first lease loads the file, the last release
 * flushes and closes it, and a lease taken while a previous file object is still flushing waits
 * for that flush before loading, so a redeploy never reads a stale file. Without a known user
 * directory the positions live in memory only (a redeploy still resumes, a restart does not),
 * with one warning.
 */
import path from 'node:path';
import { messageOf } from '../errors';
import { MemoryPositionStore, PositionFile, type PositionStore } from '../position-file';

/** File name of the positions inside Node-RED's user directory (the 0.1.0 name, kept). */
export const POSITION_FILE_NAME = '.ayla-dss-seq.json';
/** Upper bound of the final flush when the last account node closes (2 s): Node-RED waits for it on every redeploy. */
export const RELEASE_FLUSH_TIMEOUT_MS = 2000;

/** What {@link PositionFiles.lease} hands out. */
export interface PositionLease {
  readonly store: PositionStore;
  /** Resolves once the store has been loaded (never rejects). Streams must not start before. */
  readonly ready: Promise<void>;
  /** The file behind the store; null for the in-memory fallback. */
  readonly file: string | null;
  /** Gives the lease back; the last one flushes and closes the file (bounded by {@link RELEASE_FLUSH_TIMEOUT_MS}). Idempotent. */
  release(): Promise<void>;
}

interface OpenFile {
  store: PositionFile;
  ready: Promise<void>;
  users: number;
}

/** Resolves when `work` settles or after `ms`, whichever comes first; the timer never outlives it. */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([work.then(() => undefined, () => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The position files of one runtime; see the module comment. */
export class PositionFiles {
  private readonly open = new Map<string, OpenFile>();
  /** Files whose last user left, still flushing. */
  private readonly flushing = new Map<string, Promise<void>>();
  private readonly memory = new MemoryPositionStore();
  private warnedAboutMemory = false;

  /**
   * Leases the position store of `userDir`.
   *
   * @param userDir - Node-RED's user directory (`RED.settings.userDir`); anything but a
   *   non-empty string selects the in-memory fallback
   * @param warn - receives the one-time fallback warning and file problems (no secrets: the
   *   file holds none)
   */
  lease(userDir: unknown, warn: (message: string) => void): PositionLease {
    if (typeof userDir !== 'string' || userDir === '') {
      if (!this.warnedAboutMemory) {
        this.warnedAboutMemory = true;
        warn('Node-RED user directory unknown: the stream positions are kept in memory only, so a restart cannot resume where it stopped');
      }
      return { store: this.memory, ready: Promise.resolve(), file: null, release: () => Promise.resolve() };
    }
    const file = path.resolve(userDir, POSITION_FILE_NAME);
    let shared = this.open.get(file);
    if (!shared) {
      const store = new PositionFile({ file, onWarning: warn });
      const previous = this.flushing.get(file) ?? Promise.resolve();
      shared = { store, ready: previous.then(() => store.load()), users: 0 };
      this.open.set(file, shared);
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
        if (this.open.get(file) === lease) this.open.delete(file);
        const closing = lease.ready
          .then(() => lease.store.close())
          .catch((error: unknown) => warn(`could not save the stream positions to ${file}: ${messageOf(error)}`));
        this.flushing.set(file, closing);
        void closing.finally(() => {
          if (this.flushing.get(file) === closing) this.flushing.delete(file);
        });
        await settleWithin(closing, RELEASE_FLUSH_TIMEOUT_MS);
      },
    };
  }
}
