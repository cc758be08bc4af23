/**
 * PositionFile: load (missing, corrupt, hostile files), throttled and never-concurrent writes,
 * atomic replacement of the file, flush and close.
 */
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import FakeTimers from '@sinonjs/fake-timers';
import { PositionFile } from '../../nodes/lib/position-file';

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
}

/** One write of the store as the disk saw it: its temporary file opened, filled, renamed. */
interface DiskWrite {
  /** Fake-clock ms when the temporary file was opened. */
  startedAt: number;
  /** Fake-clock ms when the rename onto the data file succeeded; null until then (or when it failed). */
  renamedAt: number | null;
  /** What was written into the temporary file. */
  text: string | null;
}

/** The store's file operations, watched: every write, how many overlapped, and whether any real I/O is in flight. */
interface Disk {
  readonly writes: DiskWrite[];
  /** The most writes that were in flight at the same time. */
  readonly maxConcurrentWrites: number;
  /** Resolves once no real file operation is in flight (the store is waiting for a timer or for nothing). */
  idle(): Promise<void>;
  restore(): void;
}

/** Real I/O may take this long to settle before {@link Disk.idle} gives up (a safety bound, ms). */
const IDLE_LIMIT_MS = 5000;

/**
 * Watches the store's file operations (the functions of `fs.promises` it calls, and the handles
 * `open` returns). With `renameDelayMs`, every rename first waits that long on the (fake) clock:
 * a slow disk, so changes keep coming while a write is in flight.
 */
function watchDisk(options: { renameDelayMs?: number } = {}): Disk {
  const real = { mkdir: fs.mkdir, open: fs.open, rename: fs.rename, rm: fs.rm };
  const writes: DiskWrite[] = [];
  const byTemporary = new Map<string, DiskWrite>();
  let busy = 0;
  let concurrent = 0;
  let maxConcurrentWrites = 0;
  /** Runs one real file operation, counted while in flight. */
  const counted = async <T>(operation: () => Promise<T>): Promise<T> => {
    busy++;
    try {
      return await operation();
    } finally {
      busy--;
    }
  };
  fs.mkdir = ((...args: Parameters<typeof fs.mkdir>) => counted(() => real.mkdir(...args))) as typeof fs.mkdir;
  fs.rm = ((...args: Parameters<typeof fs.rm>) => counted(() => real.rm(...args))) as typeof fs.rm;
  fs.open = (async (...args: Parameters<typeof fs.open>) => {
    const name = String(args[0]);
    const handle = await counted(() => real.open(...args));
    if (name.endsWith('.tmp')) {
      const write: DiskWrite = { startedAt: Date.now(), renamedAt: null, text: null };
      writes.push(write);
      byTemporary.set(name, write);
      concurrent++;
      maxConcurrentWrites = Math.max(maxConcurrentWrites, concurrent);
      const writeFile = handle.writeFile.bind(handle);
      handle.writeFile = ((data: string, ...rest: unknown[]) => {
        write.text = String(data);
        return counted(() => (writeFile as (...all: unknown[]) => Promise<void>)(data, ...rest));
      }) as typeof handle.writeFile;
    }
    const sync = handle.sync.bind(handle);
    const close = handle.close.bind(handle);
    handle.sync = () => counted(sync);
    handle.close = () => counted(close);
    return handle;
  }) as typeof fs.open;
  fs.rename = (async (...args: Parameters<typeof fs.rename>) => {
    const write = byTemporary.get(String(args[0]));
    try {
      if (options.renameDelayMs) await new Promise((resolve) => setTimeout(resolve, options.renameDelayMs));
      await counted(() => real.rename(...args));
      if (write) write.renamedAt = Date.now();
    } finally {
      if (write) concurrent--;
    }
  }) as typeof fs.rename;
  return {
    writes,
    get maxConcurrentWrites() {
      return maxConcurrentWrites;
    },
    async idle() {
      const limit = performance.now() + IDLE_LIMIT_MS;
      do {
        // setImmediate is real: it runs after the I/O callbacks and their promise continuations.
        await new Promise((resolve) => setImmediate(resolve));
        if (performance.now() > limit) throw new Error(`file operations still in flight after ${IDLE_LIMIT_MS} ms`);
      } while (busy > 0);
    },
    restore() {
      Object.assign(fs, real);
    },
  };
}

/** The seq of key `k` in a written file text. */
function seqOf(text: string | null): number | null {
  return text === null ? null : ((JSON.parse(text) as { positions: { k?: { seq?: number } } }).positions.k?.seq ?? null);
}

describe('PositionFile', () => {
  let directory: string;
  let file: string;
  const stores: PositionFile[] = [];
  const open = (options: { throttleMs?: number; onWarning?: (message: string) => void } = {}): PositionFile => {
    const store = new PositionFile({ file, ...options });
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'position-file-'));
    file = path.join(directory, 'ayla-dss-seqs.json');
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close().catch(() => undefined /* a test may have broken the directory */)));
    await fs.rm(directory, { recursive: true, force: true });
  });

  it('starts empty when the file does not exist, without warnings', async () => {
    const warnings: string[] = [];
    const store = open({ onWarning: (message) => warnings.push(message) });
    await store.load();
    assert.equal(store.get('sub-a')?.seq ?? null, null);
    assert.deepEqual(warnings, []);
  });

  it('keeps values in memory at once and writes the documented JSON shape on flush', async () => {
    const store = open({ throttleMs: 60_000 });
    await store.load();
    store.set('sub-a', { seq: 41 });
    store.set('sub-b', { seq: 7 });
    store.set('sub-a', { seq: 42 });
    assert.equal(store.get('sub-a')?.seq ?? null, 42);
    await store.flush();
    assert.deepEqual(await readJson(file), { version: 2, positions: { 'sub-a': { seq: 42 }, 'sub-b': { seq: 7 } } });
    store.delete('sub-b');
    assert.equal(store.get('sub-b')?.seq ?? null, null);
    await store.flush();
    assert.deepEqual(await readJson(file), { version: 2, positions: { 'sub-a': { seq: 42 } } });
  });

  it('survives a restart: a new store loads what the old one closed with', async () => {
    const first = open({ throttleMs: 60_000 });
    await first.load();
    first.set('node-red-ayla-dss-datapoint-1a2b', { seq: 1234 });
    await first.close();
    const second = open();
    await second.load();
    assert.equal(second.get('node-red-ayla-dss-datapoint-1a2b')?.seq ?? null, 1234);
  });

  it('never exposes a partial file: a reader looping during many writes always parses valid JSON', async () => {
    const store = open({ throttleMs: 0 });
    await store.load();
    store.set('padding-key', { seq: 0 });
    await store.flush();
    let writing = true;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const text = await fs.readFile(file, 'utf8');
        const data = JSON.parse(text) as { version: number; positions: Record<string, unknown> };
        assert.equal(data.version, 2);
        reads++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      for (let seq = 1; seq <= 200; seq++) {
        // Many keys make each write big enough that a torn write would be visible.
        store.set(`subscription-${seq % 40}`, { seq: seq });
        if (seq % 10 === 0) await store.flush();
      }
      await store.flush();
    } finally {
      writing = false;
    }
    await reader;
    assert.ok(reads > 0);
    const files = await fs.readdir(directory);
    assert.deepEqual(files, ['ayla-dss-seqs.json'], 'no temporary file left behind');
  });

  for (const [label, content] of [
    ['not JSON', '{"version":1,"seqs":{"a":'],
    ['an array', '[1,2,3]'],
    ['another version', '{"version":3,"positions":{"a":{"seq":1}}}'],
    ['seqs not an object', '{"version":1,"seqs":[1]}'],
    ['positions not an object', '{"version":2,"positions":[1]}'],
    ['empty', ''],
  ] as const) {
    it(`treats a corrupt file (${label}) as empty, with one warning, and rewrites it`, async () => {
      await fs.writeFile(file, content);
      const warnings: string[] = [];
      const store = open({ throttleMs: 0, onWarning: (message) => warnings.push(message) });
      await store.load();
      assert.equal(store.get('a')?.seq ?? null, null);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /corrupt/);
      store.set('a', { seq: 5 });
      await store.flush();
      assert.deepEqual(await readJson(file), { version: 2, positions: { a: { seq: 5 } } });
    });
  }

  it('keeps the subscription a position belongs to beside its seq, and deletes a position emptied', async () => {
    const store = open({ throttleMs: 60_000 });
    store.set('sub-a', { seq: 3, subscriptionId: 70 });
    store.set('sub-b', { subscriptionId: 71 });
    await store.flush();
    assert.deepEqual(await readJson(file), { version: 2, positions: { 'sub-a': { seq: 3, subscriptionId: 70 }, 'sub-b': { subscriptionId: 71 } } });
    store.set('sub-b', {});
    assert.equal(store.get('sub-b'), null);
  });

  it('reads a 0.1.0 (version 1) file, folding "#subscription" keys into their stream, and rewrites it as version 2', async () => {
    await fs.writeFile(file, '{"version":1,"seqs":{"scope:sub-a":41,"scope:sub-a#subscription":7,"key:abc":3}}');
    const store = open({ throttleMs: 0 });
    await store.load();
    assert.deepEqual(store.get('scope:sub-a'), { seq: 41, subscriptionId: 7 });
    assert.deepEqual(store.get('key:abc'), { seq: 3 });
    await store.flush();
    assert.deepEqual(await readJson(file), { version: 2, positions: { 'scope:sub-a': { seq: 41, subscriptionId: 7 }, 'key:abc': { seq: 3 } } });
  });

  it('reads hostile keys safely: __proto__ and friends are ignored, nothing is polluted', async () => {
    await fs.writeFile(
      file,
      '{"version":2,"positions":{"__proto__":{"seq":1,"polluted":true},"constructor":{"seq":3},"prototype":{"seq":4},"good":{"seq":9},"bad":{"seq":-1},"worse":{"seq":"7"}}}',
    );
    const warnings: string[] = [];
    const store = open({ onWarning: (message) => warnings.push(message) });
    await store.load();
    assert.equal(store.get('good')?.seq ?? null, 9);
    assert.equal(store.get('__proto__')?.seq ?? null, null);
    assert.equal(store.get('constructor')?.seq ?? null, null);
    assert.equal(store.get('bad')?.seq ?? null, null);
    assert.equal(store.get('worse')?.seq ?? null, null);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /ignored 5 unusable entries/);
  });

  it('refuses reserved or empty keys and bad seqs', () => {
    const store = open();
    assert.throws(() => store.set('__proto__', { seq: 1 }), TypeError);
    assert.throws(() => store.set('', { seq: 1 }), TypeError);
    assert.throws(() => store.set('k', { seq: -1 }), TypeError);
    assert.throws(() => store.set('k', { subscriptionId: -1 }), TypeError);
    assert.throws(() => store.set('k', { seq: 1.5 }), TypeError);
    assert.throws(() => store.set('k', { seq: Number.NaN }), TypeError);
  });

  it('keeps a value set before load() (it is newer than the file)', async () => {
    await fs.writeFile(file, '{"version":2,"positions":{"a":{"seq":1},"b":{"seq":2}}}');
    const store = open();
    store.set('a', { seq: 10 });
    await store.load();
    assert.equal(store.get('a')?.seq ?? null, 10);
    assert.equal(store.get('b')?.seq ?? null, 2);
  });

  it('creates a missing directory on the first write', async () => {
    file = path.join(directory, 'nested', 'deeper', 'seqs.json');
    const store = open({ throttleMs: 0 });
    store.set('a', { seq: 1 });
    await store.flush();
    assert.deepEqual(await readJson(file), { version: 2, positions: { a: { seq: 1 } } });
  });

  it('flush() rejects when the file cannot be written, and the changes stay pending', async () => {
    // A directory where the file should be: rename onto it fails.
    await fs.mkdir(file);
    const store = open({ throttleMs: 60_000 });
    store.set('a', { seq: 1 });
    await assert.rejects(store.flush());
    await fs.rm(file, { recursive: true });
    await store.flush();
    assert.deepEqual(await readJson(file), { version: 2, positions: { a: { seq: 1 } } });
    const files = await fs.readdir(directory);
    assert.deepEqual(files, ['ayla-dss-seqs.json'], 'the failed write left no temporary file');
  });

  /**
   * Throttling and retries on a fake clock (setTimeout and Date; the file I/O is real). Time moves
   * 1 ms at a time; at each instant the timers due run and the test waits until no file
   * operation is in flight, so a write takes no fake time unless the test's slow disk holds its
   * rename: every write time and count below is exact, whatever the machine's speed.
   */
  describe('on a fake clock', () => {
    let clock: ReturnType<typeof FakeTimers.install>;
    let disk: Disk;

    /** Runs the timers due now and lets the I/O they start finish, at this same instant. */
    async function settleNow(): Promise<void> {
      // A write that ends can arm a 0 ms timer, whose write can end…: a few rounds cover any chain here.
      for (let round = 0; round < 3; round++) {
        await clock.tickAsync(0);
        await disk.idle();
      }
    }

    /** Moves the fake clock `ms` forward, one instant at a time (see {@link settleNow}). */
    async function advance(ms: number): Promise<void> {
      await settleNow();
      for (let i = 0; i < ms; i++) {
        await clock.tickAsync(1);
        await settleNow();
      }
    }

    /** Advances the clock until `promise` settles (at most `maxMs` of fake time); returns its value. */
    async function advanceUntil<T>(promise: Promise<T>, maxMs = 10_000): Promise<T> {
      let settled = false;
      const watched = promise.finally(() => {
        settled = true;
      });
      watched.catch(() => undefined /* the caller awaits `watched` below */);
      await settleNow();
      for (let waited = 0; !settled; waited++) {
        if (waited >= maxMs) throw new Error(`still pending after ${maxMs} ms of fake time`);
        await advance(1);
      }
      return watched;
    }

    function useDisk(options: { renameDelayMs?: number } = {}): void {
      disk.restore();
      disk = watchDisk(options);
    }

    beforeEach(() => {
      disk = watchDisk();
      clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    });

    afterEach(async () => {
      // Close the stores while the fake clock still drives their timers and slow renames.
      try {
        await advanceUntil(Promise.all(stores.splice(0).map((store) => store.close().catch(() => undefined /* a test may have broken the directory */))));
      } finally {
        clock.uninstall();
        disk.restore();
      }
    });

    it('writes at most once per throttleMs, in the background, and the latest values win', async () => {
      const store = open({ throttleMs: 150 });
      await store.load();
      const t0 = Date.now();
      for (let seq = 0; seq <= 20; seq++) {
        store.set('k', { seq });
        await advance(5);
      }
      await advance(200);
      // No flush: the first change is written at once, the rest one throttle interval later, latest value.
      assert.deepEqual(
        disk.writes.map((write) => [write.startedAt - t0, seqOf(write.text)]),
        [
          [0, 0],
          [150, 20],
        ],
      );
      assert.deepEqual(await readJson(file), { version: 2, positions: { k: { seq: 20 } } });
    });

    it('coalesces many changes on a slow disk: one write per throttleMs at most, never two at once, each with the latest value', async () => {
      useDisk({ renameDelayMs: 15 });
      const store = open({ throttleMs: 40 });
      await store.load();
      const t0 = Date.now();
      for (let seq = 0; seq < 50; seq++) {
        store.set('k', { seq });
        await advance(4);
      }
      await advanceUntil(store.flush());
      await advance(200);
      // Changes every 4 ms for 200 ms; each write takes 15 ms; the next may start 40 ms after the last one started.
      assert.deepEqual(
        disk.writes.map((write) => write.startedAt - t0),
        [0, 40, 80, 120, 160, 200],
      );
      // At each start the store wrote what it had: the change made just before (every 4 ms from 0).
      assert.deepEqual(
        disk.writes.map((write) => seqOf(write.text)),
        [0, 9, 19, 29, 39, 49],
      );
      assert.equal(disk.maxConcurrentWrites, 1, 'writes never overlap');
      assert.deepEqual(await readJson(file), { version: 2, positions: { k: { seq: 49 } } });
    });

    it('flush() during a background write, with a change made meanwhile: waits for it, writes once more, never two writes at once', async () => {
      useDisk({ renameDelayMs: 30 });
      const store = open({ throttleMs: 40 });
      await store.load();
      const t0 = Date.now();
      store.set('k', { seq: 1 });
      await advance(1); // the first write starts at once and its rename takes 30 ms
      store.set('k', { seq: 2 });
      await advanceUntil(store.flush());
      await advance(200); // time for any write the flush left scheduled
      assert.equal(disk.maxConcurrentWrites, 1, `writes never overlap: ${JSON.stringify(disk.writes.map((write) => ({ ...write, startedAt: write.startedAt - t0 })))}`);
      assert.deepEqual(
        disk.writes.map((write) => [write.startedAt - t0, seqOf(write.text)]),
        [
          [0, 1],
          [30, 2],
        ],
        'the flush wrote the change once, after the write in flight',
      );
      assert.deepEqual(await readJson(file), { version: 2, positions: { k: { seq: 2 } } });
    });

    it('close() flushes pending changes, stops the timer, and is idempotent; later changes stay in memory', async () => {
      const store = open({ throttleMs: 60_000 });
      await store.load();
      store.set('k', { seq: 1 });
      await advanceUntil(store.flush());
      store.set('k', { seq: 2 }); // throttled: would wait a minute
      const first = store.close();
      assert.equal(store.close(), first);
      await advanceUntil(first);
      assert.deepEqual(await readJson(file), { version: 2, positions: { k: { seq: 2 } } });
      const writesAtClose = disk.writes.length;
      store.set('k', { seq: 3 }); // after close: memory only
      assert.equal(store.get('k')?.seq ?? null, 3);
      await clock.tickAsync(120_000); // two throttle intervals: no timer is left to write it
      await settleNow();
      assert.equal(disk.writes.length, writesAtClose, 'nothing written after close()');
      assert.deepEqual(await readJson(file), { version: 2, positions: { k: { seq: 2 } } });
    });

    it('reports a failing background write once and retries it every second until it succeeds', async () => {
      await fs.mkdir(file); // a directory where the file should be: the rename onto it fails
      const warnings: string[] = [];
      const store = open({ throttleMs: 0, onWarning: (message) => warnings.push(message) });
      const t0 = Date.now();
      store.set('k', { seq: 1 });
      await advance(1);
      assert.equal(warnings.length, 1, 'the failed write is reported');
      assert.match(warnings[0], /cannot write the stream positions/);
      await advance(1000); // throttleMs 0, but a failed write is retried after 1 s, not in a loop
      await fs.rm(file, { recursive: true });
      await advance(1000);
      assert.deepEqual(
        disk.writes.map((write) => [write.startedAt - t0, write.renamedAt === null ? 'failed' : 'written']),
        [
          [0, 'failed'],
          [1000, 'failed'],
          [2000, 'written'],
        ],
      );
      assert.equal(warnings.length, 1, 'one warning for the whole failure streak');
      assert.deepEqual(await readJson(file), { version: 2, positions: { k: { seq: 1 } } });
    });
  });
});
