/**
 * The in-node status texts (nodes/lib/in-node-status.ts) as a user reads them: rendered with the
 * en-US catalog by i18next set up as Node-RED sets it up (test/support/catalog-translate.ts), so
 * plural forms ("1 event" / "5 events"), the phrase per failure code and the "last event … ago"
 * hint are checked in words. The clock behind the hint is checked on its own.
 */
import { strict as assert } from 'node:assert';
import catalog from '../../locales/en-US/ayla-dss.json';
import { statusTextKey } from '../../nodes/lib/catalog';
import type { StreamStatus } from '../../nodes/lib/hub/contract';
import { inNodeStatus, LastEventClock, LIVENESS_REFRESH_MS, QUIET_AFTER_MS, type InNodeCounters } from '../../nodes/lib/in-node-status';
import { englishText } from '../support/catalog-translate';

const connected = { state: 'connected' } as const;
const counters = (over: Partial<InNodeCounters> = {}): InNodeCounters => ({ sent: 0, invalid: 0, lost: null, ...over });
const text = (status: StreamStatus, c: InNodeCounters, quietMs: number | null = null): string => inNodeStatus(status, c, englishText, quietMs).text;

describe('in-node status texts (en-US)', () => {
  it('counts in the singular and the plural', () => {
    assert.equal(text(connected, counters()), 'connected');
    assert.equal(text(connected, counters({ sent: 1 })), 'connected · 1 event');
    assert.equal(text(connected, counters({ sent: 5 })), 'connected · 5 events');
    assert.equal(text(connected, counters({ sent: 5, invalid: 1 })), 'connected · 5 events · 1 malformed frame ignored');
    assert.equal(text(connected, counters({ sent: 5, invalid: 3 })), 'connected · 5 events · 3 malformed frames ignored');
    assert.equal(text(connected, counters({ sent: 5, lost: { from: 12, to: 40 } })), 'connected · 5 events · events 12–40 lost');
  });

  it('shows a phrase for a failure code, never the code; the state\'s words for a code without one', () => {
    const auth = inNodeStatus({ state: 'auth-failed', code: 'BAD_CREDENTIALS' }, counters(), englishText);
    assert.deepEqual(auth, { fill: 'red', shape: 'ring', text: 'sign-in refused: wrong e-mail or password' });
    assert.equal(text({ state: 'config-error', code: 'MISSING_STREAM_KEY' }, counters()), 'no stream key');
    assert.equal(text({ state: 'config-error', code: 'SOMETHING_NEW' }, counters()), 'configuration error');
    assert.equal(text({ state: 'auth-failed', code: 'SOMETHING_NEW' }, counters()), 'authentication failed');
    assert.equal(statusTextKey('config-error', 'SOMETHING_NEW'), 'ayla-dss-account.status.config-error');
  });

  it('has a short phrase without a raw code for every failure code a status can show', () => {
    const phrases = catalog['ayla-dss-account'].statusText as Record<string, string>;
    for (const [code, phrase] of Object.entries(phrases)) {
      assert.ok(code in catalog['ayla-dss-account'].errors, `${code} is an error code`);
      assert.ok(!/[A-Z]{3,}_?[A-Z]*/.test(phrase.replace(/\bID\b|\bURL\b|\bDSNs?\b|\bOEM\b/g, '')), `${code}: "${phrase}" has no upper-case code in it`);
      assert.ok(phrase.length <= 45, `${code}: "${phrase}" is short enough for a status`);
    }
  });

  it('says how long ago the last event came once the stream is quiet, in whole units', () => {
    const five = counters({ sent: 5 });
    assert.equal(text(connected, five, null), 'connected · 5 events');
    assert.equal(text(connected, five, QUIET_AFTER_MS - 1), 'connected · 5 events', 'not yet quiet');
    assert.equal(text(connected, five, QUIET_AFTER_MS), 'connected · 5 events · last event 10 s ago');
    assert.equal(text(connected, five, 59_999), 'connected · 5 events · last event 59 s ago');
    assert.equal(text(connected, five, 3 * 60_000 + 59_000), 'connected · 5 events · last event 3 min ago');
    assert.equal(text(connected, five, 2 * 3_600_000 + 1), 'connected · 5 events · last event 2 h ago');
    assert.equal(text(connected, counters(), 60_000), 'connected', 'no hint before the first event');
    assert.equal(text({ state: 'reconnecting', delayMs: 2500 }, five, 60_000), 'reconnecting in 3 s', 'only while connected');
  });
});

describe('LastEventClock', () => {
  it('notes when the count moved, as seen by the periodic look, and is not quiet while events come', () => {
    const clock = new LastEventClock();
    assert.equal(clock.quietFor(0, 1000), null, 'no event yet');
    clock.tick(0, 1000);
    assert.equal(clock.quietFor(0, 2000), null);
    assert.equal(clock.quietFor(3, 2000), null, 'events came since the last look');
    clock.tick(3, 1000 + LIVENESS_REFRESH_MS);
    assert.equal(clock.quietFor(3, 1000 + LIVENESS_REFRESH_MS), 0);
    assert.equal(clock.quietFor(3, 1000 + 3 * LIVENESS_REFRESH_MS), 2 * LIVENESS_REFRESH_MS);
    assert.equal(clock.quietFor(4, 1000 + 3 * LIVENESS_REFRESH_MS), null, 'a new event: not quiet');
    clock.tick(3, 1000 + 3 * LIVENESS_REFRESH_MS);
    assert.equal(clock.quietFor(3, 1000 + 3 * LIVENESS_REFRESH_MS), 2 * LIVENESS_REFRESH_MS, 'a look without news keeps the time');
  });
});
