/**
 * The "last event … ago" hint of a connected in-node, through a running flow in English: it
 * appears once the stream has been quiet for a while, goes away with the next event, and its
 * timer stops when the node closes. The node's interval and the clock are fake (moved on by the
 * test); everything else — sockets, the simulator, the count refresh — runs on real timers.
 */
import { strict as assert } from 'node:assert';
import FakeTimers from '@sinonjs/fake-timers';
import type { Node } from 'node-red';
import { LIVENESS_REFRESH_MS, QUIET_AFTER_MS } from '../../nodes/lib/in-node-status';
import { englishText, inEnglish } from '../support/catalog-translate';
import {
  accountCredentials,
  accountNode,
  aylaNodes,
  datapointEvent,
  helper,
  helperNode,
  inNode,
  recordStatuses,
  simPost,
  THERMOSTAT,
  useSimulatorAndHelper,
  waitFor,
} from './support/flow-kit';

describe('ayla-*-in status: time since the last event', function () {
  this.timeout(20_000);
  const sim = useSimulatorAndHelper({ simulatorPerTest: true });
  let clock: ReturnType<typeof FakeTimers.install> | null = null;

  afterEach(() => {
    clock?.uninstall();
    clock = null;
  });

  it('shows how long the stream has been quiet, drops it on the next event, and stops looking when the node closes', async () => {
    // Date and intervals only (they also move with real time): sockets and the simulator keep real timeouts.
    clock = FakeTimers.install({ toFake: ['setInterval', 'clearInterval', 'Date'], shouldAdvanceTime: true });
    await helper.load(inEnglish(aylaNodes), [accountNode(sim()), inNode('datapoint', 'n1', { oemModel: 'thermo-t100' }), helperNode()], accountCredentials(sim()));
    const statuses = recordStatuses(helper.getNode('n1') as Node);
    const lastText = () => String(statuses[statuses.length - 1]?.text ?? '');
    const twoEvents = englishText('ayla-dss-account.status.connected-count', { count: 2 });
    await waitFor('connected', () => lastText() === englishText('node-red:common.status.connected'));
    await simPost(sim(), '/sim/events', datapointEvent(THERMOSTAT, 'current_temp', 20));
    await simPost(sim(), '/sim/events', datapointEvent(THERMOSTAT, 'current_temp', 21));
    await waitFor(`"${twoEvents}"`, () => lastText() === twoEvents);

    // One look notes the count; the next ones find the stream quiet.
    await clock.tickAsync(LIVENESS_REFRESH_MS);
    assert.equal(lastText(), twoEvents, 'not quiet yet');
    await clock.tickAsync(QUIET_AFTER_MS);
    await waitFor('the hint', () => /last event \d+ s ago$/.test(lastText()));
    assert.ok(lastText().startsWith(`${twoEvents} · `), lastText());
    const shown = statuses.length;
    await clock.tickAsync(60_000);
    await waitFor('minutes', () => lastText().endsWith(englishText('ayla-dss-account.status.last-event-minutes', { count: 1 })));
    assert.ok(statuses.length - shown <= 60_000 / LIVENESS_REFRESH_MS, 'at most one status per look');

    await simPost(sim(), '/sim/events', datapointEvent(THERMOSTAT, 'current_temp', 22));
    const threeEvents = englishText('ayla-dss-account.status.connected-count', { count: 3 });
    await waitFor(`"${threeEvents}" without the hint`, () => lastText() === threeEvents);

    await helper.unload();
    // The streams finish closing just after the unload (the flow controller's sampling stops with the last one).
    const fake = clock;
    await waitFor('no interval left running: the node stopped its look when it closed', () => fake.countTimers() === 0);
  });
});
