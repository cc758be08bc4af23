/**
 * PositionFile: load (missing, corrupt, hostile files), throttled and never-concurrent writes,
 * atomic replacement of the file, flush and close.
 */
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PositionFile } from '../../nodes/lib/position-file';
import { delay } from '../support/wait-for';

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
}

/** Counts renames onto the data file (one per completed write) until restore(). */
function watchRenames(): { readonly count: number; restore(): void } {
  const realRename = fs.rename;
  let count = 0;
  fs.rename = ((...args: Parameters<typeof fs.rename>) => {
    count++;
    return realRename(...args);
  }) as typeof fs.rename;
  return {
    get count() {
      return count;
    },
    restore() {
      fs.rename = realRename;
    },
  };
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

  it('writes at most once per throttleMs, in the background, and the latest values win', async () => {
    const store = open({ throttleMs: 150 });
    await store.load();
    const writes = watchRenames();
    try {
      const started = Date.now();
      for (let seq = 0; seq <= 20; seq++) {
        store.set('k', { seq: seq });
        await delay(5);
      }
      // No flush: the throttled write happens by itself, with the latest value.
      const deadline = Date.now() + 2000;
      while ((await readJson(file).catch(() => null) as { positions: { k: { seq: number } } } | null)?.positions.k.seq !== 20) {
        assert.ok(Date.now() < deadline, 'throttled write did not happen');
        await delay(20);
      }
      const elapsed = Date.now() - started;
      assert.ok(writes.count >= 1);
      assert.ok(writes.count <= Math.floor(elapsed / 150) + 1, `${writes.count} writes in ${elapsed} ms: more than one per 150 ms`);
    } finally {
      writes.restore();
    }
  });

  it('counts writes: many changes under a short throttle give few writes, never two at once', async () => {
    const store = open({ throttleMs: 40 });
    await store.load();
    const realRename = fs.rename;
    let renames = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const realOpen = fs.open;
    // Observe the store's file operations: each write opens one temporary file and renames it once.
    fs.open = (async (...args: Parameters<typeof fs.open>) => {
      if (String(args[0]).endsWith('.tmp')) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
      }
      return realOpen(...args);
    }) as typeof fs.open;
    fs.rename = (async (...args: Parameters<typeof fs.rename>) => {
      await delay(15); // a slow disk: changes keep coming while a write is in flight
      renames++;
      inFlight--;
      return realRename(...args);
    }) as typeof fs.rename;
    try {
      const started = Date.now();
      for (let seq = 0; seq < 50; seq++) {
        store.set('k', { seq: seq });
        await delay(4);
      }
      const elapsed = Date.now() - started;
      await store.flush();
      assert.deepEqual(await readJson(file), { version: 2, positions: { k: { seq: 49 } } });
      assert.equal(maxInFlight, 1, 'writes never overlap');
      assert.ok(renames >= 1, 'at least one write');
      // One write per 40 ms at most, plus the final flush.
      assert.ok(renames <= Math.ceil(elapsed / 40) + 2, `${renames} writes in ${elapsed} ms is more than the throttle allows`);
      assert.ok(renames < 50, 'changes were coalesced');
    } finally {
      fs.open = realOpen;
      fs.rename = realRename;
    }
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

  it('close() flushes pending changes, stops the timer, and is idempotent', async () => {
    const store = open({ throttleMs: 60_000 });
    await store.load();
    store.set('a', { seq: 1 });
    await store.flush();
    store.set('a', { seq: 2 }); // throttled: would wait a minute
    const first = store.close();
    assert.equal(store.close(), first);
    await first;
    assert.deepEqual(await readJson(file), { version: 2, positions: { a: { seq: 2 } } });
    store.set('a', { seq: 3 }); // after close: memory only
    assert.equal(store.get('a')?.seq ?? null, 3);
    await delay(20);
    assert.deepEqual(await readJson(file), { version: 2, positions: { a: { seq: 2 } } });
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

  it('reports a failing background write once and keeps retrying', async () => {
    await fs.mkdir(file);
    const warnings: string[] = [];
    const store = open({ throttleMs: 0, onWarning: (message) => warnings.push(message) });
    store.set('a', { seq: 1 });
    const deadline = Date.now() + 2000;
    while (warnings.length === 0) {
      assert.ok(Date.now() < deadline, 'no warning about the failed write');
      await delay(10);
    }
    assert.match(warnings[0], /cannot write the stream positions/);
    await fs.rm(file, { recursive: true });
    // The retry (at most 1 s later) succeeds without another warning.
    while (!(await fs.stat(file).then((stat) => stat.isFile(), () => false))) {
      assert.ok(Date.now() < deadline + 1500, 'the background write was not retried');
      await delay(20);
    }
    assert.deepEqual(await readJson(file), { version: 2, positions: { a: { seq: 1 } } });
    assert.equal(warnings.length, 1);
  });
});
