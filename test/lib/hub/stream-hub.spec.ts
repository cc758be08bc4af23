/**
 * StreamHub and SharedStream without sockets: sharing, filter before copy, deferred deletion,
 * deletion during a find-or-create, and the report caps (fake clients, fake timers).
 */
import { strict as assert } from 'node:assert';
import FakeTimers from '@sinonjs/fake-timers';
import type { NormalisedEvent } from '../../../nodes/lib/normalise';
import { MAX_PROBLEMS_PER_WINDOW, PROBLEM_WINDOW_MS } from '../../../nodes/lib/hub/problem-reporter';
import { StreamError } from '../../../nodes/lib/stream';
import { subscriptionName, type SubscriptionSpec } from '../../../nodes/lib/subscriptions';
import { autoRequest, datapoint, hubWithFakes, RecordingListener } from './hub-kit';

/** Lets pending promise callbacks run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

const dsnOf = (event: NormalisedEvent) => event.dsn;

describe('StreamHub', () => {
  let clock: ReturnType<typeof FakeTimers.install>;
  beforeEach(() => {
    clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'setInterval', 'clearInterval'] });
  });
  afterEach(() => clock.uninstall());

  it('equal requests share one client; another spec gets its own', async () => {
    const { hub, clients } = hubWithFakes();
    hub.register(autoRequest('A'), new RecordingListener());
    hub.register(autoRequest('A'), new RecordingListener());
    hub.register(autoRequest('B'), new RecordingListener());
    await flush();
    assert.equal(clients.length, 2);
    assert.equal(hub.streamCount, 2);
  });

  it('filters before copying: a listener that declines costs no copy, and only extra accepting listeners get copies', async () => {
    const { hub, clients } = hubWithFakes();
    const declines = new RecordingListener('datapoint', (event) => dsnOf(event) === 'other');
    const first = new RecordingListener();
    const second = new RecordingListener();
    for (const listener of [declines, first, second]) hub.register(autoRequest('A'), listener);
    await flush();
    const event = datapoint(1, 'A');
    clients[0].emitEvent(event);
    assert.equal(declines.delivered.length, 0);
    assert.equal(declines.offered.length, 1, 'the filter saw the event once');
    assert.equal(first.delivered.length, 1);
    assert.equal(second.delivered.length, 1);
    assert.strictEqual(first.delivered[0].raw, event, 'the first accepting listener gets the original');
    assert.notStrictEqual(second.delivered[0].raw, event, 'the next one gets a copy');
    assert.deepEqual(second.delivered[0].raw, event);
    assert.notStrictEqual(second.delivered[0].normalised, first.delivered[0].normalised);
    assert.deepEqual(second.delivered[0].normalised, first.delivered[0].normalised);
  });

  it('a listener whose filter or delivery throws costs that listener only', async () => {
    const { hub, clients, logs } = hubWithFakes();
    const broken = new RecordingListener('datapoint', () => {
      throw new Error('filter bug');
    });
    const fine = new RecordingListener();
    hub.register(autoRequest('A'), broken);
    hub.register(autoRequest('A'), fine);
    await flush();
    clients[0].emitEvent(datapoint(1, 'A'));
    assert.equal(fine.delivered.length, 1);
    assert.ok(logs.some((line) => line.includes('filter bug')));
  });

  it('keeps one { seq, subscriptionId } record per stream and resumes a new client after it', async () => {
    const { hub, clients, positions } = hubWithFakes();
    const registration = hub.register(autoRequest('A'), new RecordingListener());
    await flush();
    await clients[0].connect();
    clients[0].emitEvent(datapoint(7, 'A'));
    const key = `scope:${subscriptionName((autoRequest('A') as { spec: SubscriptionSpec }).spec)}`;
    assert.deepEqual(positions.get(key), { subscriptionId: 100, seq: 7 });
    registration.release(false);
    hub.register(autoRequest('A'), new RecordingListener());
    await flush();
    assert.equal(clients[1].options.startSeq, 8);
  });

  it('deletes a removed node\'s subscription after the grace period; a re-registration within it cancels', async () => {
    const { hub, clients, subscriptions } = hubWithFakes({ deleteGraceMs: 5000 });
    const registration = hub.register(autoRequest('A'), new RecordingListener());
    await flush();
    await clients[0].connect();
    assert.equal(subscriptions.subscriptions.length, 1);
    registration.release(true);
    await clock.tickAsync(4000);
    hub.register(autoRequest('A'), new RecordingListener()).release(true);
    await clock.tickAsync(4000);
    assert.equal(subscriptions.subscriptions.length, 1, 'the re-registration restarted the grace period');
    await clock.tickAsync(1001);
    await flush();
    assert.equal(subscriptions.subscriptions.length, 0);
  });

  it('a node removed during a find-or-create leaves no orphan: the deletion waits for the creation, then deletes it', async () => {
    const { hub, clients, subscriptions, logs } = hubWithFakes({ deleteGraceMs: 10 });
    subscriptions.holdFinds = true;
    const registration = hub.register(autoRequest('A'), new RecordingListener());
    await flush();
    const connecting = clients[0].connect();
    await flush();
    registration.release(true);
    await clock.tickAsync(20);
    assert.deepEqual(subscriptions.calls, ['find'], 'nothing deleted while the creation is in flight');
    subscriptions.releaseFinds();
    await connecting.catch(() => undefined);
    await clock.tickAsync(1);
    await flush();
    assert.deepEqual(subscriptions.subscriptions, [], 'the subscription created meanwhile was deleted');
    assert.ok(logs.some((line) => /deleted subscription .* \(id 100\)/.test(line)), logs.join('\n'));
  });

  it('drain runs pending deletions at once and closes every stream', async () => {
    const { hub, clients, subscriptions } = hubWithFakes({ deleteGraceMs: 60_000 });
    const registration = hub.register(autoRequest('A'), new RecordingListener());
    hub.register(autoRequest('B'), new RecordingListener());
    await flush();
    await clients[0].connect();
    await clients[1].connect();
    registration.release(true);
    const draining = hub.drain();
    await clock.tickAsync(1);
    await draining;
    assert.deepEqual(
      subscriptions.subscriptions.map((s) => s.dsn),
      ['B'],
    );
    assert.ok(clients.every((client) => client.closed));
    assert.equal(hub.streamCount, 0);
  });

  it('without an account node left, a removed node\'s subscription is deleted at once', async () => {
    let users = true;
    const { hub, clients, subscriptions } = hubWithFakes({ deleteGraceMs: 60_000, hasUsers: () => users });
    const registration = hub.register(autoRequest('A'), new RecordingListener());
    await flush();
    await clients[0].connect();
    users = false;
    registration.release(true);
    await clock.tickAsync(1);
    await flush();
    assert.deepEqual(subscriptions.subscriptions, []);
  });

  it('caps gap warnings per window like invalid frames, counts the rest silently, and summarises them', async () => {
    const { hub, clients } = hubWithFakes();
    const listener = new RecordingListener();
    hub.register(autoRequest('A'), listener);
    await flush();
    for (let i = 0; i < 300; i++) clients[0].emit('gap', { expected: i * 2, received: i * 2 + 1 });
    const gaps = listener.problems.filter((p) => p.code === 'GAP');
    assert.equal(gaps.length, 300, 'every gap still reaches the listener (for its status)');
    assert.equal(gaps.filter((p) => !p.silent).length, MAX_PROBLEMS_PER_WINDOW);
    await clock.tickAsync(PROBLEM_WINDOW_MS);
    clients[0].emit('gap', { expected: 1000, received: 1002 });
    const summary = listener.problems.find((p) => p.code === 'SUPPRESSED');
    assert.deepEqual(summary?.params, { count: 300 - MAX_PROBLEMS_PER_WINDOW, kind: 'gap' });
  });

  it('warns once per stream about length prefixes that disagree, with the first one\'s two numbers, to every listener', async () => {
    const { hub, clients } = hubWithFakes();
    const first = new RecordingListener();
    const second = new RecordingListener();
    hub.register(autoRequest('A'), first);
    hub.register(autoRequest('A'), second);
    await flush();
    for (let i = 0; i < 50; i++) clients[0].emit('notice', { code: 'LEN_PREFIX_MISMATCH', declared: String(400 + i), bytes: 480 });
    clients[0].emit('notice', { code: 'SEQ_JUMP', expected: 2, received: 999999999999999 });
    for (const listener of [first, second]) {
      assert.deepEqual(
        listener.problems.map((p) => [p.code, p.level, p.params]),
        [
          ['LEN_PREFIX_MISMATCH', 'warn', { declared: '400', bytes: 480 }],
          ['SEQ_JUMP', 'warn', { expected: 2, received: 999999999999999 }],
        ],
      );
    }
  });

  it('reports a connection failure once until a connect succeeds, and REPLACED as a warning with its status', async () => {
    const { hub, clients } = hubWithFakes();
    const listener = new RecordingListener();
    hub.register(autoRequest('A'), listener);
    await flush();
    const client = clients[0];
    const lost = new StreamError('CONNECTION_LOST', 'lost');
    for (let i = 0; i < 3; i++) client.emit('error', lost);
    client.emit('state', { state: 'open' });
    client.emit('error', lost);
    const replaced = new StreamError('REPLACED', 'replaced');
    client.emit('error', replaced);
    client.emit('state', { state: 'reconnecting', delayMs: 30_000, code: 'REPLACED' });
    assert.deepEqual(
      listener.problems.map((p) => [p.code, p.level]),
      [
        ['CONNECTION_LOST', 'warn'],
        ['CONNECTION_LOST', 'warn'],
        ['REPLACED', 'warn'],
      ],
    );
    assert.deepEqual(listener.statuses[listener.statuses.length - 1], { state: 'reconnecting', delayMs: 30_000, attempt: undefined, code: 'REPLACED' });
  });
});
