/**
 * StreamClient failure handling against a scripted server: dead sockets, refused upgrades,
 * handshake timeouts, stream-key errors, and close().
 */
import { strict as assert } from 'node:assert';
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

  it('stays connected while frames keep arriving within the heartbeat timeout', async () => {
    const client = bench.client({ heartbeatTimeoutMs: 300 });
    const errors = record<StreamError>(client, 'error');
    client.start();
    const connection = await bench.server.nextConnection();
    for (let i = 0; i < 8; i++) {
      connection.send('1|Z');
      await delay(50);
    }
    assert.deepEqual(errors, []);
    assert.equal(bench.server.attempts.length, 1);
    assert.equal(client.state, 'open');
  });

  it('treats a 401 upgrade as auth-failed and waits authRetryDelayMs before asking for a key again', async () => {
    bench.server.decide = () => 401;
    const client = bench.client({ authRetryDelayMs: 400 });
    const errorPromise = nextEvent<StreamError>(client, 'error');
    const statePromise = nextEvent<StateInfo>(client, 'state', isState('auth-failed'));
    client.start();
    const error = await errorPromise;
    const state = await statePromise;
    assert.equal(error.code, 'AUTH_REFUSED');
    assert.equal(error.status, 401);
    assert.equal(state.code, 'AUTH_REFUSED');
    assert.equal(state.delayMs, 400);
    assert.equal(client.state, 'auth-failed');
    await delay(200);
    assert.equal(bench.server.attempts.length, 1, 'no reconnect before the auth retry delay');
    assert.equal(bench.keyRequests, 1);
    await nextEvent(client, 'error', undefined, 2000);
    assert.equal(bench.server.attempts.length, 2);
    assert.equal(bench.keyRequests, 2);
    assert.ok(!error.message.includes(bench.server.attempts[0].query.get('stream_key') as string));
  });

  it('retries other refused upgrades with backoff (UPGRADE_FAILED)', async () => {
    let refusals = 2;
    bench.server.decide = () => (refusals-- > 0 ? 503 : 'accept');
    const client = bench.client();
    const errors = record<StreamError>(client, 'error');
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

  it('treats an authentication error from getStreamKey as auth-failed and retries slowly', async () => {
    let calls = 0;
    const client = bench.client({
      authRetryDelayMs: 300,
      getStreamKey: () => {
        calls++;
        throw new AylaApiError('BAD_CREDENTIALS', 'sign-in failed: wrong email or password (HTTP 401)', { status: 401 });
      },
    });
    const errorPromise = nextEvent<StreamError>(client, 'error');
    const statePromise = nextEvent<StateInfo>(client, 'state', isState('auth-failed'));
    client.start();
    assert.equal((await errorPromise).causeCode, 'BAD_CREDENTIALS');
    const state = await statePromise;
    assert.equal(state.code, 'BAD_CREDENTIALS');
    assert.equal(state.delayMs, 300);
    await delay(150);
    assert.equal(calls, 1, 'no second attempt before the auth retry delay');
    await nextEvent(client, 'error', undefined, 2000);
    assert.equal(calls, 2);
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
      bench.server.decide = () => 503;
      const client = bench.client();
      client.start();
      await nextEvent(client, 'state', isState('reconnecting'));
      const states = record<StateInfo>(client, 'state');
      const firstClose = client.close();
      const secondClose = client.close();
      assert.equal(firstClose, secondClose);
      await firstClose;
      assert.equal(client.state, 'closed');
      const attempts = bench.server.attempts.length;
      const keyRequests = bench.keyRequests;
      await delay(300); // several backoff delays (20..100 ms)
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
      bench.server.decide = () => 'hang';
      const client = bench.client({ connectTimeoutMs: 100 });
      const errors = record<StreamError>(client, 'error');
      client.start();
      while (bench.server.attempts.length === 0) await delay(5);
      await client.close();
      await delay(200); // longer than the connect timeout
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
