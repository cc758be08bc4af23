import { strict as assert } from 'node:assert';
import { EventLog, eventJson } from '../../simulator/event-log';

describe('simulator: event log (retention buffer)', () => {
  it('numbers events from 0 and keeps the last `capacity` across chunk boundaries', () => {
    const log = new EventLog(5000);
    for (let i = 0; i < 12_345; i++) assert.equal(log.append(`"n":${i}}`), i);
    assert.deepEqual([log.nextSeq, log.firstSeq, log.length], [12_345, 7_345, 5000]);
    assert.equal(log.bodyAt(7_344), undefined, 'evicted');
    assert.equal(log.bodyAt(12_345), undefined, 'not yet');
    for (const seq of [7_345, 8_191, 8_192, 12_287, 12_288, 12_344]) assert.equal(log.bodyAt(seq), `"n":${seq}}`);
  });

  it('keeps exactly one event at capacity 1', () => {
    const log = new EventLog(1);
    for (let i = 0; i < 9000; i++) log.append(`"n":${i}}`);
    assert.deepEqual([log.firstSeq, log.length, log.bodyAt(8999)], [8999, 1, '"n":8999}']);
  });

  it('puts seq first in the JSON, also for an empty body', () => {
    assert.equal(eventJson(7, '"a":1}'), '{"seq":"7","a":1}');
    assert.equal(eventJson(0, '}'), '{"seq":"0"}');
    const log = new EventLog(3);
    for (let i = 0; i < 5; i++) log.append(`"n":${i}}`);
    assert.deepEqual(log.jsonFrom(0), ['{"seq":"2","n":2}', '{"seq":"3","n":3}', '{"seq":"4","n":4}']);
    assert.deepEqual(log.jsonFrom(4), ['{"seq":"4","n":4}']);
  });
});
