/**
 * The order of initial values and live events (nodes/lib/initial-gate.ts, docs/protocol.md
 * §7.6): per device and property the initial value comes first and no event it already shows is
 * sent after it, whether the event was held while the state was read or arrives later (a replay).
 */
import { strict as assert } from 'node:assert';
import { eventTimeOf, InitialGate, type GateItem } from '../../nodes/lib/initial-gate';
import type { AylaEvent } from '../../nodes/lib/events';
import { normaliseEvent, type NormalisedEvent } from '../../nodes/lib/normalise';

const READ_AT = Date.parse('2026-03-01T10:00:30Z');
const at = (second: number): string => new Date(READ_AT + second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface Item extends GateItem {
  label: string;
}

function datapoint(label: string, dsn: string, property: string, value: unknown, createdAt: string | null): Item {
  const raw = {
    seq: '1',
    metadata: { dsn, event_type: 'datapoint', property_name: property, base_type: 'decimal' },
    datapoint: { value, created_at: createdAt, updated_at: createdAt },
  };
  return { label, normalised: normaliseEvent(raw as unknown as AylaEvent) };
}

function connectivity(label: string, dsn: string, status: string, eventTime: string | null): Item {
  const raw = { seq: '1', metadata: { dsn, event_type: 'connectivity' }, connection: { status, event_time: eventTime } };
  return { label, normalised: normaliseEvent(raw as unknown as AylaEvent) };
}

function recorder(maxHeld?: number) {
  const sent: string[] = [];
  const gate = new InitialGate<Item>((item, initial) => sent.push(`${initial ? 'initial' : 'live'}:${item.label}`), maxHeld);
  return { gate, sent };
}

const initial = (item: Item, send = true) => ({ item, send });

describe('InitialGate', () => {
  it('holds live events until the device list is known, and lets the other devices\' through then', () => {
    const { gate, sent } = recorder();
    gate.live(datapoint('a1', 'A', 't', 1, at(5)));
    gate.live(datapoint('b1', 'B', 't', 1, at(5)));
    assert.deepEqual(sent, []);
    gate.devicesKnown(['A']);
    assert.deepEqual(sent, ['live:b1']);
    gate.live(datapoint('b2', 'B', 't', 2, at(6)));
    gate.live(datapoint('a2', 'A', 't', 2, at(6)));
    assert.deepEqual(sent, ['live:b1', 'live:b2'], 'A is still being read: its events wait');
  });

  it('sends a device\'s initial values first; held events it already shows are dropped, newer ones follow', () => {
    const { gate, sent } = recorder();
    gate.devicesKnown(['A']);
    gate.live(datapoint('older', 'A', 't', 20, at(-10)));
    gate.live(datapoint('same', 'A', 't', 21, at(0)));
    gate.live(datapoint('newer', 'A', 't', 22, at(1)));
    gate.live(datapoint('other-property', 'A', 'u', 5, at(-10)));
    gate.resolve('A', [initial(datapoint('t', 'A', 't', 21, null)), initial(datapoint('u', 'A', 'u', 5, null))], READ_AT);
    assert.deepEqual(sent, ['initial:t', 'initial:u', 'live:newer']);
    assert.deepEqual(gate.stats, { initialSent: 2, initialDropped: 0, liveDropped: 3, overflow: 0 });
    assert.equal(gate.open, false, 'every device resolved: holding ends');
  });

  it('drops a replay of what the snapshot shows after it, until the first newer event', () => {
    const { gate, sent } = recorder();
    gate.devicesKnown(['A']);
    gate.resolve('A', [initial(datapoint('t', 'A', 't', 21, null))], READ_AT);
    gate.live(datapoint('replay-old', 'A', 't', 19, at(-60)));
    gate.live(datapoint('replay-current', 'A', 't', 21, at(-5)));
    gate.live(datapoint('same-second-other-value', 'A', 't', 23, at(0)));
    gate.live(datapoint('after', 'A', 't', 21, at(0)));
    assert.deepEqual(sent, ['initial:t', 'live:same-second-other-value', 'live:after'], 'once an event passed, later ones are not compared');
  });

  it('compares values when an event has no time', () => {
    const { gate, sent } = recorder();
    gate.devicesKnown(['D']);
    gate.resolve('D', [initial(connectivity('now', 'D', 'Online', null))], READ_AT);
    gate.live(connectivity('repeat', 'D', 'Online', null));
    gate.live(connectivity('change', 'D', 'Offline', null));
    assert.deepEqual(sent, ['initial:now', 'live:change']);
  });

  it('uses the value\'s own time when the service gave no Date', () => {
    const { gate, sent } = recorder();
    gate.devicesKnown(['A']);
    gate.resolve('A', [initial(datapoint('t', 'A', 't', 21, at(-30)))], null);
    gate.live(datapoint('before', 'A', 't', 20, at(-31)));
    gate.live(datapoint('after', 'A', 't', 22, at(-29)));
    assert.deepEqual(sent, ['initial:t', 'live:after']);
  });

  it('keeps the snapshot of a value the filters refuse, without sending it', () => {
    const { gate, sent } = recorder();
    gate.devicesKnown(['D']);
    gate.resolve('D', [initial(connectivity('now', 'D', 'Online', null), false)], READ_AT);
    gate.live(connectivity('stale-offline', 'D', 'Offline', at(-120)));
    gate.live(connectivity('fresh-offline', 'D', 'Offline', at(40)));
    assert.deepEqual(sent, ['live:fresh-offline'], 'an old Offline replayed after a restart is not a new alert');
  });

  it('lets the oldest held event through beyond the limit, and then drops the initial value of its key', () => {
    const { gate, sent } = recorder(2);
    gate.live(datapoint('1', 'A', 't', 1, at(-3)));
    gate.live(datapoint('2', 'A', 'u', 2, at(-2)));
    gate.live(datapoint('3', 'A', 't', 3, at(-1)));
    assert.deepEqual(sent, ['live:1']);
    gate.devicesKnown(['A']);
    gate.resolve('A', [initial(datapoint('t', 'A', 't', 3, null)), initial(datapoint('u', 'A', 'u', 2, null))], READ_AT);
    assert.deepEqual(sent, ['live:1', 'initial:u', 'live:3'], 't had a live event first: its initial value is dropped, its later event still comes in order');
    assert.equal(gate.stats.overflow, 1);
    assert.equal(gate.stats.initialDropped, 1);
  });

  it('lets every held event through in order when the read ends (or failed), and nothing after close', () => {
    const { gate, sent } = recorder();
    gate.live(datapoint('1', 'A', 't', 1, at(1)));
    gate.live(datapoint('2', 'B', 't', 1, at(1)));
    gate.finish();
    assert.deepEqual(sent, ['live:1', 'live:2']);
    gate.resolve('A', [initial(datapoint('late', 'A', 't', 5, null))], READ_AT);
    assert.deepEqual(sent, ['live:1', 'live:2'], 'a state that arrives after the end is not sent');
    gate.close();
    assert.equal(gate.open, false);
  });

  it('reads an event\'s own time from the field of its type', () => {
    assert.equal(eventTimeOf(datapoint('x', 'A', 't', 1, at(0)).normalised), READ_AT);
    assert.equal(eventTimeOf(connectivity('x', 'A', 'Online', at(1)).normalised), READ_AT + 1000);
    assert.equal(eventTimeOf({ ...(connectivity('x', 'A', 'Online', 'not a time').normalised as NormalisedEvent) }), null);
  });
});
