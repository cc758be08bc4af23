/**
 * StreamClient against a scripted WebSocket server: heartbeats, ordered delivery, resume,
 * duplicates, gaps, invalid frames.
 */
import { strict as assert } from 'node:assert';
import type { FrameError } from '../../nodes/lib/frames';
import type { StreamEventInfo, StreamGap, StreamNotice } from '../../nodes/lib/stream';
import {
  TEST_KEY,
  datapointEvent,
  datapointFrame,
  frameOf,
  startStreamBench,
  type StreamBench,
} from '../support/stream-test-kit';
import { nextEvent, record } from '../support/wait-for';

describe('StreamClient delivery', () => {
  let bench: StreamBench;

  beforeEach(async () => {
    bench = await startStreamBench();
  });

  afterEach(async () => {
    await bench.close();
  });

  it('connects with the stream key, opens, and answers a heartbeat with "Z"', async () => {
    const client = bench.client();
    const opened = nextEvent(client, 'state', (info: { state: string }) => info.state === 'open');
    client.start();
    const connection = await bench.server.nextConnection();
    await opened;
    assert.equal(client.state, 'open');
    assert.equal(connection.query.get('stream_key'), TEST_KEY);
    assert.equal(connection.query.has('seq_start'), false);
    connection.send('1|X'); // mobile keep-alive: no answer
    connection.send('1|Z');
    assert.equal(await connection.nextMessage(), 'Z');
    assert.deepEqual(connection.received, ['Z']);
    assert.equal(client.stats.heartbeats, 1);
  });

  it('delivers events in order, typed, with seq and the JSON text', async () => {
    const client = bench.client();
    const events = record<StreamEventInfo>(client, 'event');
    client.start();
    const connection = await bench.server.nextConnection();
    for (const seq of [0, 1, 2]) connection.send(datapointFrame(seq, seq * 10));
    await nextEvent(client, 'event', (info: StreamEventInfo) => info.seq === 2);
    assert.deepEqual(
      events.map((info) => info.seq),
      [0, 1, 2],
    );
    assert.equal(events[1].event.metadata.event_type, 'datapoint');
    assert.deepEqual(JSON.parse(events[1].json), datapointEvent(1, 10));
    assert.equal(client.position, 2);
    assert.equal(client.stats.events, 3);
  });

  it('drops duplicates (seq already delivered) and counts them', async () => {
    const client = bench.client();
    const events = record<StreamEventInfo>(client, 'event');
    client.start();
    const connection = await bench.server.nextConnection();
    for (const seq of [0, 1, 1, 0, 2]) connection.send(datapointFrame(seq));
    await nextEvent(client, 'event', (info: StreamEventInfo) => info.seq === 2);
    assert.deepEqual(
      events.map((info) => info.seq),
      [0, 1, 2],
    );
    assert.equal(client.stats.duplicates, 2);
  });

  it('reports a gap before delivering the event that skipped', async () => {
    const client = bench.client();
    const log: string[] = [];
    client.on('gap', (gap) => log.push(`gap ${gap.expected}->${gap.received}`));
    client.on('event', (info) => log.push(`event ${info.seq}`));
    client.start();
    const connection = await bench.server.nextConnection();
    connection.send(datapointFrame(0));
    connection.send(datapointFrame(5));
    connection.send(datapointFrame(6));
    await nextEvent(client, 'event', (info: StreamEventInfo) => info.seq === 6);
    assert.deepEqual(log, ['event 0', 'gap 1->5', 'event 5', 'event 6']);
  });

  it('resumes from the last delivered seq + 1 after a drop', async () => {
    const client = bench.client();
    const states = record<{ state: string; attempt?: number; delayMs?: number; nextAttemptAt?: number }>(client, 'state');
    client.start();
    const first = await bench.server.nextConnection();
    for (const seq of [0, 1, 2]) first.send(datapointFrame(seq));
    await nextEvent(client, 'event', (info: StreamEventInfo) => info.seq === 2);
    first.socket.terminate();
    const second = await bench.server.nextConnection();
    assert.equal(second.query.get('stream_key'), TEST_KEY);
    assert.equal(second.query.get('seq_start'), '3');
    const reconnecting = states.find((info) => info.state === 'reconnecting');
    assert.ok(reconnecting, 'a reconnecting state was emitted');
    assert.equal(reconnecting.attempt, 1);
    assert.equal(reconnecting.delayMs, 20);
    assert.equal(typeof reconnecting.nextAttemptAt, 'number');
    second.send(datapointFrame(2)); // replay overlap
    second.send(datapointFrame(3));
    const next = await nextEvent<StreamEventInfo>(client, 'event');
    assert.equal(next.seq, 3);
    assert.equal(client.stats.duplicates, 1);
    assert.equal(client.stats.reconnects, 1);
  });

  it('asks for startSeq on the first connect and drops older events', async () => {
    const client = bench.client({ startSeq: 42 });
    client.start();
    const connection = await bench.server.nextConnection();
    assert.equal(connection.query.get('seq_start'), '42');
    connection.send(datapointFrame(41));
    connection.send(datapointFrame(42));
    const delivered = await nextEvent<StreamEventInfo>(client, 'event');
    assert.equal(delivered.seq, 42);
    assert.equal(client.stats.duplicates, 1);
  });

  it('reads from the seq a key grant names, even on a reconnect before the first event', async () => {
    // A subscription its owner has just created: every event on it is new, from seq 0.
    const client = bench.client({ getStreamKey: () => ({ streamKey: TEST_KEY, readFromSeq: 0 }) });
    client.start();
    const first = await bench.server.nextConnection();
    assert.equal(first.query.get('seq_start'), '0');
    first.socket.close();
    const second = await bench.server.nextConnection();
    assert.equal(second.query.get('seq_start'), '0', 'no event was delivered yet: read from 0 again');
    second.send(datapointFrame(0));
    assert.equal((await nextEvent<StreamEventInfo>(client, 'event')).seq, 0);
  });

  it('refuses a key grant with an unusable readFromSeq (KEY_ERROR) instead of connecting', async () => {
    const client = bench.client({ getStreamKey: () => ({ streamKey: TEST_KEY, readFromSeq: -1 }) });
    client.start();
    const error = await nextEvent<Error & { code: string }>(client, 'error');
    assert.equal(error.code, 'KEY_ERROR');
    assert.match(error.message, /readFromSeq/);
    assert.equal(bench.server.attempts.length, 0);
  });

  it('reports malformed frames as invalid and keeps the stream going', async () => {
    const client = bench.client();
    const invalid = record<FrameError>(client, 'invalid');
    client.start();
    const connection = await bench.server.nextConnection();
    connection.send('no separator here');
    connection.send('99|{"seq":"0"'); // LEN is advisory: only a frame that is not JSON either is refused
    connection.send('5|{bad}');
    connection.send('');
    connection.send(datapointFrame(0));
    const delivered = await nextEvent<StreamEventInfo>(client, 'event');
    assert.equal(delivered.seq, 0);
    assert.deepEqual(
      invalid.map((error) => error.code),
      ['NO_SEPARATOR', 'LENGTH_MISMATCH', 'BAD_JSON', 'EMPTY_FRAME'],
    );
    assert.equal(client.stats.invalid, 4);
    assert.equal(client.state, 'open');
  });

  it('reports an invalid event once, never moves the position past it, and does not report its replay again', async () => {
    const client = bench.client();
    const invalid = record<Error & { code: string; path?: string }>(client, 'invalid');
    const gaps = record<StreamGap>(client, 'gap');
    const events = record<StreamEventInfo>(client, 'event');
    client.start();
    const first = await bench.server.nextConnection();
    first.send(datapointFrame(0));
    const broken = datapointEvent(1) as Record<string, unknown>;
    delete broken.datapoint;
    first.send(frameOf(broken));
    const otherType = { ...datapointEvent(2), metadata: { dsn: 'AC1', event_type: 'connectivity' }, connection: { status: 'Online' } };
    first.send(frameOf(otherType)); // this stream carries datapoint events only
    await nextEvent(client, 'invalid', (error: { path?: string }) => error.path === '/metadata/event_type');
    assert.equal(invalid[0].code, 'INVALID_EVENT');
    assert.equal(invalid[0].path, '/datapoint');
    assert.equal(client.position, 0, 'invalid events leave the position at the last valid one');
    first.socket.terminate();
    const second = await bench.server.nextConnection();
    assert.equal(second.query.get('seq_start'), '1');
    // The server replays both invalid events, then a valid one: no second report, no gap.
    second.send(frameOf(broken));
    second.send(frameOf(otherType));
    second.send(datapointFrame(3));
    await nextEvent(client, 'event', (info: StreamEventInfo) => info.seq === 3);
    assert.equal(invalid.length, 2);
    assert.deepEqual(gaps, []);
    assert.deepEqual(events.map((info) => info.seq), [0, 3]);
    assert.equal(client.position, 3);
  });

  it('skips an oversized message (above maxPayloadBytes) instead of fetching it again forever', async () => {
    const client = bench.client({ maxPayloadBytes: 2000 });
    const invalid = record<FrameError>(client, 'invalid');
    client.start();
    const first = await bench.server.nextConnection();
    first.send(datapointFrame(0));
    await nextEvent(client, 'event');
    first.send(datapointFrame(1, 'x'.repeat(5000)));
    const second = await bench.server.nextConnection();
    assert.equal(second.query.get('seq_start'), '2');
    assert.deepEqual(
      invalid.map((error) => error.code),
      ['FRAME_TOO_LARGE'],
    );
  });

  describe('implausible seqs (docs/protocol.md §9)', () => {
    async function run(poison: unknown, expectDelivered: boolean) {
      const client = bench.client();
      const events = record<StreamEventInfo>(client, 'event');
      const invalid = record<FrameError>(client, 'invalid');
      const notices = record<StreamNotice>(client, 'notice');
      const gaps = record<StreamGap>(client, 'gap');
      client.start();
      const first = await bench.server.nextConnection();
      first.send(datapointFrame(1));
      first.send(frameOf({ ...datapointEvent(1), seq: poison }));
      for (const seq of [2, 3, 4]) first.send(datapointFrame(seq));
      await nextEvent(client, 'event', (info: StreamEventInfo) => info.seq === 4);
      const delivered = events.filter((info) => !info.suspect).map((info) => info.seq);
      assert.deepEqual(delivered, [1, 2, 3, 4]);
      assert.equal(events.length, expectDelivered ? 5 : 4);
      assert.deepEqual(gaps, [], 'a poisoned seq is not a gap');
      assert.equal(client.position, 4);
      first.socket.terminate();
      const second = await bench.server.nextConnection();
      assert.equal(second.query.get('seq_start'), '5');
      return { events, invalid, notices };
    }

    it('a schema-valid far-future seq is delivered as suspect with one notice and never becomes the position', async () => {
      const { events, notices, invalid } = await run('999999999999999', true);
      assert.equal(events[1].seq, 999999999999999);
      assert.equal(events[1].suspect, true);
      assert.deepEqual(notices, [{ code: 'SEQ_JUMP', expected: 2, received: 999999999999999 }]);
      assert.deepEqual(invalid, []);
    });

    it('Number.MAX_SAFE_INTEGER as a JSON number is handled the same way', async () => {
      const { notices } = await run(Number.MAX_SAFE_INTEGER, true);
      assert.deepEqual(notices, [{ code: 'SEQ_JUMP', expected: 2, received: Number.MAX_SAFE_INTEGER }]);
    });

    it('a 16-digit seq is invalid: reported, not delivered, and it moves nothing', async () => {
      const { invalid, notices } = await run('1000000000000000', false);
      assert.deepEqual(invalid.map((error) => error.code), ['INVALID_EVENT']);
      assert.deepEqual(notices, []);
    });

    it('a jump the next events confirm is a renumbering: the position follows it, once reported', async () => {
      const client = bench.client();
      const notices = record<StreamNotice>(client, 'notice');
      client.start();
      const connection = await bench.server.nextConnection();
      for (const seq of [1, 2, 500_000, 500_001, 500_002, 500_003]) connection.send(datapointFrame(seq));
      await nextEvent(client, 'event', (info: StreamEventInfo) => info.seq === 500_003);
      assert.deepEqual(
        notices.map((notice) => notice.code),
        ['SEQ_JUMP', 'SEQ_JUMP', 'SEQ_RENUMBERED'],
      );
      assert.deepEqual(notices[2], { code: 'SEQ_RENUMBERED', from: 3, to: 500_000 });
      assert.equal(client.position, 500_003);
    });
  });

  describe('length prefixes are advisory (docs/protocol.md §5.2)', () => {
    it('events whose LEN disagrees are delivered, each counted, each with a notice naming the declared text and the byte count', async () => {
      const client = bench.client();
      const events = record<StreamEventInfo>(client, 'event');
      const invalid = record<FrameError>(client, 'invalid');
      const notices = record<StreamNotice>(client, 'notice');
      client.start();
      const connection = await bench.server.nextConnection();
      const json = (seq: number) => JSON.stringify(datapointEvent(seq));
      connection.send(datapointFrame(1));
      connection.send(`7|${json(2)}`);
      connection.send(`${Buffer.byteLength(json(3)) + 1}|${json(3)}`);
      connection.send(`abc|${json(4)}`);
      connection.send(datapointFrame(5));
      await nextEvent(client, 'event', (info: StreamEventInfo) => info.seq === 5);
      assert.deepEqual(
        events.map((info) => info.seq),
        [1, 2, 3, 4, 5],
        'every event is delivered whatever its prefix says',
      );
      assert.deepEqual(invalid, []);
      assert.deepEqual(notices, [
        { code: 'LEN_PREFIX_MISMATCH', declared: '7', bytes: Buffer.byteLength(json(2)) },
        { code: 'LEN_PREFIX_MISMATCH', declared: String(Buffer.byteLength(json(3)) + 1), bytes: Buffer.byteLength(json(3)) },
        { code: 'LEN_PREFIX_MISMATCH', declared: 'abc', bytes: Buffer.byteLength(json(4)) },
      ]);
      assert.equal(client.stats.lengthMismatches, 3);
      assert.equal(client.stats.events, 5);
    });
  });

  describe('invalid UTF-8 (docs/protocol.md §9)', () => {
    /** A datapoint frame whose string value holds a lone 0xFF byte. */
    function badUtf8Frame(seq: number): Buffer {
      const text = datapointFrame(seq, 'ok');
      const bytes = Buffer.from(text, 'utf8');
      const at = bytes.indexOf('"ok"') + 1;
      bytes[at] = 0xff;
      return bytes;
    }

    it('in a live stream: reported once as INVALID_UTF8, skipped, and the socket stays open', async () => {
      const client = bench.client();
      const events = record<StreamEventInfo>(client, 'event');
      const invalid = record<FrameError>(client, 'invalid');
      const gaps = record<StreamGap>(client, 'gap');
      client.start();
      const connection = await bench.server.nextConnection();
      connection.send(datapointFrame(0));
      connection.sendBytes(badUtf8Frame(1));
      connection.send(datapointFrame(2));
      await nextEvent(client, 'event', (info: StreamEventInfo) => info.seq === 2);
      assert.deepEqual(events.map((info) => info.seq), [0, 2]);
      assert.deepEqual(invalid.map((error) => error.code), ['INVALID_UTF8']);
      assert.deepEqual(gaps, []);
      assert.equal(client.state, 'open');
      assert.equal(bench.server.connections.length, 1, 'no reconnect');
    });

    it('in the middle of a replay: the rest of the replay arrives, and a second replay does not report it again', async () => {
      const client = bench.client();
      const events = record<StreamEventInfo>(client, 'event');
      const invalid = record<FrameError>(client, 'invalid');
      client.start();
      const first = await bench.server.nextConnection();
      first.send(datapointFrame(0));
      await nextEvent(client, 'event');
      first.socket.terminate();
      const replay = await bench.server.nextConnection();
      assert.equal(replay.query.get('seq_start'), '1');
      replay.send(datapointFrame(1));
      replay.sendBytes(badUtf8Frame(2));
      replay.send(datapointFrame(3));
      await nextEvent(client, 'event', (info: StreamEventInfo) => info.seq === 3);
      replay.sendBytes(badUtf8Frame(2)); // the server replays it again: already reported
      replay.send(datapointFrame(4));
      await nextEvent(client, 'event', (info: StreamEventInfo) => info.seq === 4);
      assert.deepEqual(events.map((info) => info.seq), [0, 1, 3, 4]);
      assert.deepEqual(invalid.map((error) => error.code), ['INVALID_UTF8']);
    });
  });

  it('a socket replaced by another reader (close 4000) waits long, doubling, and reports REPLACED', async () => {
    const client = bench.client({ replacedRetryDelayMs: 60 });
    const errors = record<{ code: string }>(client, 'error');
    const states = record<{ state: string; delayMs?: number; code?: string }>(client, 'state');
    client.start();
    const first = await bench.server.nextConnection();
    await nextEvent(client, 'state', (info: { state: string }) => info.state === 'open');
    first.socket.close(4000, 'replaced');
    const second = await bench.server.nextConnection();
    await nextEvent(client, 'state', (info: { state: string }) => info.state === 'open');
    second.socket.close(4000, 'replaced');
    await bench.server.nextConnection();
    assert.deepEqual(errors.map((error) => error.code), ['REPLACED', 'REPLACED']);
    const waits = states.filter((info) => info.state === 'reconnecting').map((info) => [info.code, info.delayMs]);
    assert.deepEqual(waits, [
      ['REPLACED', 60],
      ['REPLACED', 120],
    ]);
  });

  it('starts a fresh sequence when the stream key changes', async () => {
    const keys = ['key-one', 'key-two'];
    let calls = 0;
    const client = bench.client({ getStreamKey: () => keys[Math.min(calls++, 1)] });
    client.start();
    const first = await bench.server.nextConnection();
    first.send(datapointFrame(7));
    await nextEvent(client, 'event');
    first.socket.terminate();
    const second = await bench.server.nextConnection();
    assert.equal(second.query.get('stream_key'), 'key-two');
    assert.equal(second.query.has('seq_start'), false);
    second.send(datapointFrame(0));
    const delivered = await nextEvent<StreamEventInfo>(client, 'event');
    assert.equal(delivered.seq, 0);
  });

  it('reports a throwing listener as LISTENER_ERROR and keeps delivering', async () => {
    const client = bench.client();
    let calls = 0;
    client.on('event', () => {
      calls++;
      if (calls === 1) throw new Error('listener bug');
    });
    const errors = record<{ code: string }>(client, 'error');
    client.start();
    const connection = await bench.server.nextConnection();
    connection.send(datapointFrame(0));
    connection.send(datapointFrame(1));
    await nextEvent(client, 'event', (info: StreamEventInfo) => info.seq === 1);
    assert.deepEqual(
      errors.map((error) => error.code),
      ['LISTENER_ERROR'],
    );
    assert.equal(client.state, 'open');
  });
});
