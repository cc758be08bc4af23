/**
 * StreamClient against a scripted WebSocket server: heartbeats, ordered delivery, resume,
 * duplicates, gaps, invalid frames.
 */
import { strict as assert } from 'node:assert';
import type { FrameError } from '../../nodes/lib/frames';
import type { StreamEventInfo } from '../../nodes/lib/stream';
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
    assert.equal(client.lastSeq, 2);
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

  it('asks for resumeFromSeq on the first connect and drops older events', async () => {
    const client = bench.client({ resumeFromSeq: 42 });
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

  it('reports an invalid event whose seq is readable, and resumes past it', async () => {
    const client = bench.client();
    const invalid = record<Error & { code: string; path?: string }>(client, 'invalid');
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
    assert.equal(client.lastSeq, 2);
    first.socket.terminate();
    const second = await bench.server.nextConnection();
    assert.equal(second.query.get('seq_start'), '3');
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
