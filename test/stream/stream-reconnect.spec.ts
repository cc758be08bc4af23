/**
 * StreamClient failure handling against a scripted server: dead sockets, refused upgrades,
 * handshake timeouts, stream-key errors, and close().
 *
 * Waits are checked by the delays the client reports (`delayMs` of its `state` events) and, where
 * only timers are involved (the heartbeat watchdog, a stream-key lookup that fails before any
 * socket), on a fake clock; not by counting attempts in some milliseconds of wall-clock time.
 */
import { strict as assert } from 'node:assert';
import FakeTimers from '@sinonjs/fake-timers';
import type { StateInfo, StreamError } from '../../nodes/lib/stream';
import { AylaApiError } from '../../nodes/lib/http';
import { datapointFrame, startStreamBench, type StreamBench } from '../support/stream-test-kit';
import { delay, nextEvent, record } from '../support/wait-for';

/** Live timers in this process (mocha's own are constant within a test). */
const activeTimers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
const isError = (code: string) => (error: StreamError) => error.code === code;
const isState = (state: string) => (info: StateInfo) => info.state === state;

describe('StreamClient reconnects', () => {
  let bench: StreamBench;

  beforeEach(async () => {
    bench = await startStreamBench();
  });

  afterEach(async () => {
    await bench.close();
  });

  it('terminates a silent socket after heartbeatTimeoutMs and reconnects', async () => {
    const client = bench.client({ heartbeatTimeoutMs: 200 });
    client.start();
    const first = await bench.server.nextConnection();
    const error = await nextEvent<StreamError>(client, 'error', isError('HEARTBEAT_TIMEOUT'));
    assert.match(error.message, /no frame from the stream for 200 ms/);
    await first.closed; // the client terminated it
    const second = await bench.server.nextConnection();
    assert.equal(second.query.get('stream_key'), first.query.get('stream_key'));
  });

  it('stays connected while frames keep arriving within the heartbeat timeout (fake clock for the watchdog)', async () => {
    // Installed before start(): the watchdog is armed (and refreshed) on the fake clock; the socket is real.
    const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const client = bench.client({ heartbeatTimeoutMs: 300 });
      const errors = record<StreamError>(client, 'error');
      const opened = nextEvent(client, 'state', isState('open'));
      client.start();
      const connection = await bench.server.nextConnection();
      await opened;
      for (let i = 1; i <= 4; i++) {
        connection.send('1|Z');
        while (client.stats.heartbeats < i) await new Promise((resolve) => setImmediate(resolve));
        clock.tick(250); // 1 s of silence in all, never 300 ms without a frame
      }
      assert.deepEqual(errors.map((error) => error.code), []);
      assert.equal(bench.server.attempts.length, 1);
      assert.equal(client.state, 'open');
      // And the watchdog is live: 300 ms without a frame end the socket.
      clock.tick(300);
      assert.deepEqual(errors.map((error) => error.code), ['HEARTBEAT_TIMEOUT']);
      await client.close();
    } finally {
      clock.uninstall();
    }
  });

  it('treats a 401 upgrade as auth-failed and waits authRetryDelayMs before asking for a key again', async () => {
    const attemptedAt: number[] = [];
    bench.server.decide = () => {
      attemptedAt.push(Date.now());
      return 401;
    };
    const client = bench.client({ authRetryDelayMs: 400 });
    const errorPromise = nextEvent<StreamError>(client, 'error');
    const statePromise = nextEvent<StateInfo>(client, 'state', isState('auth-failed'));
    client.start();
    const error = await errorPromise;
    const state = await statePromise;
    assert.equal(error.code, 'AUTH_REFUSED');
    assert.equal(error.status, 401);
    assert.equal(state.code, 'AUTH_REFUSED');
    assert.equal(state.delayMs, 400, 'the reported wait is authRetryDelayMs, not a backoff step');
    assert.equal(typeof state.nextAttemptAt, 'number');
    assert.equal(client.state, 'auth-failed');
    assert.equal(bench.keyRequests, 1);
    await nextEvent(client, 'error', undefined, 2000);
    assert.equal(bench.server.attempts.length, 2);
    assert.equal(bench.keyRequests, 2);
    // A timer never fires early: the second attempt came at the reported time, not before (1 ms of clock rounding).
    assert.ok(attemptedAt[1] >= (state.nextAttemptAt as number) - 1, `second attempt ${(state.nextAttemptAt as number) - attemptedAt[1]} ms early`);
    assert.ok(!error.message.includes(bench.server.attempts[0].query.get('stream_key') as string));
  });

  it('retries other refused upgrades with backoff (UPGRADE_FAILED)', async () => {
    let refusals = 2;
    bench.server.decide = () => (refusals-- > 0 ? 503 : 'accept');
    const client = bench.client();
    const errors = record<StreamError>(client, 'error');
    const states = record<StateInfo>(client, 'state');
    client.start();
    await bench.server.nextConnection();
    assert.deepEqual(
      errors.map((error) => [error.code, error.status]),
      [
        ['UPGRADE_FAILED', 503],
        ['UPGRADE_FAILED', 503],
      ],
    );
    assert.equal(bench.server.attempts.length, 3);
    // The kit's backoff: 20 ms, doubling, no jitter.
    assert.deepEqual(
      states.filter((info) => info.state === 'reconnecting').map((info) => [info.attempt, info.delayMs]),
      [
        [1, 20],
        [2, 40],
      ],
    );
  });

  it('gives up on a handshake that never completes (CONNECT_TIMEOUT) and tries again', async () => {
    let hangs = 1;
    bench.server.decide = () => (hangs-- > 0 ? 'hang' : 'accept');
    const client = bench.client({ connectTimeoutMs: 150 });
    const errorPromise = nextEvent<StreamError>(client, 'error');
    client.start();
    assert.equal((await errorPromise).code, 'CONNECT_TIMEOUT');
    await bench.server.nextConnection();
    assert.equal(bench.server.attempts.length, 2);
  });

  it('reports a failed stream-key lookup as KEY_ERROR and retries with backoff', async () => {
    let failures = 1;
    const client = bench.client({
      getStreamKey: async () => {
        if (failures-- > 0) throw new AylaApiError('NETWORK_ERROR', 'could not reach the DSS API');
        return 'good-key';
      },
    });
    const errorPromise = nextEvent<StreamError>(client, 'error');
    const statePromise = nextEvent<StateInfo>(client, 'state', isState('reconnecting'));
    client.start();
    const error = await errorPromise;
    assert.equal(error.code, 'KEY_ERROR');
    assert.equal(error.causeCode, 'NETWORK_ERROR');
    assert.equal((await statePromise).code, 'NETWORK_ERROR');
    const connection = await bench.server.nextConnection();
    assert.equal(connection.query.get('stream_key'), 'good-key');
  });

  it('treats an authentication error from getStreamKey as auth-failed and retries after exactly authRetryDelayMs (fake clock)', async () => {
    // No socket is ever opened (the key lookup fails first): timers only, so a fake clock.
    const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      let calls = 0;
      const client = bench.client({
        authRetryDelayMs: 300,
        getStreamKey: () => {
          calls++;
          throw new AylaApiError('BAD_CREDENTIALS', 'sign-in failed: wrong email or password (HTTP 401)', { status: 401 });
        },
      });
      const errors = record<StreamError>(client, 'error');
      const states = record<StateInfo>(client, 'state');
      client.start();
      await clock.tickAsync(0);
      assert.deepEqual(errors.map((error) => [error.code, error.causeCode]), [['KEY_ERROR', 'BAD_CREDENTIALS']]);
      const failed = states.find((info) => info.state === 'auth-failed');
      assert.equal(failed?.code, 'BAD_CREDENTIALS');
      assert.equal(failed?.delayMs, 300);
      await clock.tickAsync(299);
      assert.equal(calls, 1, 'no second attempt before the auth retry delay');
      await clock.tickAsync(1);
      assert.equal(calls, 2, 'the second attempt at exactly 300 ms');
      assert.equal(bench.server.attempts.length, 0);
      await client.close();
    } finally {
      clock.uninstall();
    }
  });

  it('emits no error events when nobody listens for them (does not throw)', async () => {
    bench.server.decide = () => 503;
    const client = bench.client();
    client.start();
    await nextEvent(client, 'state', isState('reconnecting'));
    await nextEvent(client, 'state', isState('reconnecting'));
    assert.ok(bench.server.attempts.length >= 2);
  });

  describe('close()', () => {
    it('is idempotent, ends in state closed, and stops every further attempt', async () => {
      await delay(1); // let mocha arm its own test timeout first
      const timersBefore = activeTimers();
      bench.server.decide = () => 503;
      const client = bench.client();
      client.start();
      await nextEvent(client, 'state', isState('reconnecting'));
      assert.ok(activeTimers() > timersBefore, 'a retry is scheduled');
      const states = record<StateInfo>(client, 'state');
      const firstClose = client.close();
      const secondClose = client.close();
      assert.equal(firstClose, secondClose);
      await firstClose;
      assert.equal(client.state, 'closed');
      assert.equal(activeTimers(), timersBefore, 'the retry timer is gone: nothing can start another attempt');
      const attempts = bench.server.attempts.length;
      const keyRequests = bench.keyRequests;
      await delay(50); // socket events of the last refusal, if any, have arrived
      assert.equal(bench.server.attempts.length, attempts);
      assert.equal(bench.keyRequests, keyRequests);
      assert.deepEqual(
        states.map((info) => info.state),
        ['closed'],
      );
      client.start(); // no effect after close
      await delay(50);
      assert.equal(bench.server.attempts.length, attempts);
    });

    it('terminates an open socket and leaves no timers behind', async () => {
      await delay(1); // let mocha arm its own test timeout first
      const timersBefore = activeTimers();
      const client = bench.client({ heartbeatTimeoutMs: 100 });
      const errors = record<StreamError>(client, 'error');
      client.start();
      const connection = await bench.server.nextConnection();
      await nextEvent(client, 'state', isState('open'));
      assert.ok(activeTimers() > timersBefore, 'the watchdog is running while open');
      await client.close();
      await connection.closed;
      assert.equal(activeTimers(), timersBefore);
      await delay(250); // longer than the heartbeat timeout
      assert.deepEqual(errors, []);
      assert.equal(bench.server.attempts.length, 1);
    });

    it('aborts a pending handshake', async () => {
      await delay(1); // let mocha arm its own test timeout first
      const timersBefore = activeTimers();
      bench.server.decide = () => 'hang';
      const client = bench.client({ connectTimeoutMs: 100 });
      const errors = record<StreamError>(client, 'error');
      client.start();
      while (bench.server.attempts.length === 0) await delay(5);
      await client.close();
      assert.equal(activeTimers(), timersBefore, 'the connect timeout is gone: no CONNECT_TIMEOUT can follow');
      await delay(20); // socket events of the aborted handshake, if any, have arrived
      assert.deepEqual(errors, []);
      assert.equal(bench.server.attempts.length, 1);
    });

    it('ignores a stream key that arrives after close', async () => {
      let release: (key: string) => void = () => undefined;
      const client = bench.client({ getStreamKey: () => new Promise<string>((resolve) => (release = resolve)) });
      client.start();
      await delay(10);
      await client.close();
      release('late-key');
      await delay(50);
      assert.equal(bench.server.attempts.length, 0);
      assert.equal(client.state, 'closed');
    });

    it('delivers nothing after close', async () => {
      const client = bench.client();
      const events = record(client, 'event');
      client.start();
      const connection = await bench.server.nextConnection();
      connection.send(datapointFrame(0));
      await nextEvent(client, 'event');
      await client.close();
      assert.equal(events.length, 1);
    });
  });
});

describe('StreamClient backoff after short connections', () => {
  let bench: StreamBench;

  beforeEach(async () => {
    bench = await startStreamBench();
  });

  afterEach(async () => {
    await bench.close();
  });

  /** Opens `count` short connections, each closed by the server after it sent `eventsEach` events; returns the retry delays. */
  async function shortConnections(count: number, eventsEach: number): Promise<number[]> {
    const client = bench.client({ backoff: { initialDelayMs: 20, maxDelayMs: 10_000, factor: 2, random: () => 0, jitter: 0 } });
    const retries = record<StateInfo>(client, 'state');
    client.start();
    for (let i = 0; i < count; i++) {
      const connection = await bench.server.nextConnection();
      for (let e = 0; e < eventsEach; e++) connection.send(datapointFrame(i * eventsEach + e));
      if (eventsEach > 0) await nextEvent(client, 'event', (info: { seq: number }) => info.seq === i * eventsEach + eventsEach - 1);
      connection.socket.close();
      await connection.closed;
    }
    await bench.server.nextConnection();
    return retries.filter((info) => info.state === 'reconnecting').map((info) => info.delayMs ?? -1);
  }

  it('grows the delay when connections deliver nothing', async () => {
    assert.deepEqual(await shortConnections(4, 0), [20, 40, 80, 160]);
  });

  it('retries from the shortest delay after a connection that delivered events', async () => {
    // Frequent short outages would otherwise climb to the cap: none stays up for stableAfterMs.
    assert.deepEqual(await shortConnections(4, 2), [20, 20, 20, 20]);
  });
});
