/**
 * StreamClient with a read pacer (`setPacer`): a burst arrives complete, in order and exactly
 * once however small the slices; heartbeats held for a slice are still answered; a pause that
 * comes during a yield wins; and removing the pacer reads everything held at once.
 */
import { strict as assert } from 'node:assert';
import { HEARTBEAT_FRAME } from '../../nodes/lib/frames';
import { ReadPacer } from '../../nodes/lib/read-pacer';
import type { StateInfo, StreamEventInfo } from '../../nodes/lib/stream';
import { waitUntil } from '../sim/support/sim-client';
import { datapointFrame, startStreamBench, type StreamBench } from '../support/stream-test-kit';
import { delay, nextEvent, record } from '../support/wait-for';

const seqsOf = (events: StreamEventInfo[]) => events.map((info) => info.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_unused, i) => from + i);

describe('StreamClient read pacing', () => {
  let bench: StreamBench;

  beforeEach(async () => {
    bench = await startStreamBench();
  });

  afterEach(async () => {
    await bench.close();
  });

  async function openPaced(allowance: number) {
    const client = bench.client();
    const pacer = new ReadPacer({ initialAllowance: allowance, maxAllowance: allowance });
    client.setPacer(pacer);
    const events = record<StreamEventInfo>(client, 'event');
    const opened = nextEvent(client, 'state', (info: StateInfo) => info.state === 'open');
    client.start();
    const connection = await bench.server.nextConnection();
    await opened;
    return { client, pacer, events, connection };
  }

  it('delivers a burst complete, in order and once, a few events per slice', async () => {
    const { client, pacer, events, connection } = await openPaced(3);
    for (let seq = 0; seq < 100; seq++) connection.send(datapointFrame(seq));
    await waitUntil('every event', () => events.length >= 100);
    await delay(50);
    assert.deepEqual(seqsOf(events), range(0, 99));
    assert.equal(client.stats.duplicates, 0);
    assert.ok(pacer.state().yields >= 30, `100 events in slices of 3 take at least 33 slices, saw ${pacer.state().yields}`);
  });

  it('answers a heartbeat that waited for the next slice', async () => {
    const { events, connection } = await openPaced(2);
    // The heartbeat comes after the slice is used up, in the same chunk: it is held, then read.
    for (let seq = 0; seq < 4; seq++) connection.send(datapointFrame(seq));
    connection.send(HEARTBEAT_FRAME);
    for (let seq = 4; seq < 8; seq++) connection.send(datapointFrame(seq));
    assert.equal(await connection.nextMessage(), 'Z');
    await waitUntil('every event', () => events.length >= 8);
    assert.deepEqual(seqsOf(events), range(0, 7));
  });

  it('a pause during a yield wins: nothing until resume, then the rest in order', async () => {
    const { client, events, connection } = await openPaced(2);
    client.on('event', (info: StreamEventInfo) => {
      if (info.seq === 1) client.pause();
    });
    for (let seq = 0; seq < 10; seq++) connection.send(datapointFrame(seq));
    await waitUntil('the first slice', () => events.length >= 2);
    await delay(100);
    assert.deepEqual(seqsOf(events), [0, 1]);
    client.resume();
    await waitUntil('every event', () => events.length >= 10);
    assert.deepEqual(seqsOf(events), range(0, 9));
  });

  it('setPacer(null) reads what a yield held at once and stops pacing', async () => {
    const { client, events, connection } = await openPaced(1);
    let removed = false;
    client.on('event', () => {
      if (removed) return;
      removed = true;
      // Inside the first slice: the rest of the chunk is being held when the pacer goes.
      setImmediate(() => client.setPacer(null));
    });
    for (let seq = 0; seq < 20; seq++) connection.send(datapointFrame(seq));
    await waitUntil('every event', () => events.length >= 20);
    assert.deepEqual(seqsOf(events), range(0, 19));
  });
});
