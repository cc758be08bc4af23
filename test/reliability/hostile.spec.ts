/**
 * The hostile frame corpus through a real Node-RED runtime: every case is sent over the
 * simulator's socket (POST /sim/frames) to a datapoint-in node (auto source), followed by a
 * valid event. Each case must give a Catch-able error with its code, or the documented
 * tolerance (delivered, the value flagged); the status counts the errors; nothing pollutes
 * Object.prototype; and the next valid event still arrives.
 */
import { strict as assert } from 'node:assert';
import { datapointEvent, framed, HOSTILE_CASES, HOSTILE_DSN, type HostileCase } from '../fixtures/hostile-frames';
import type { RunningSimulator } from '../../simulator/index';
import { accountCredentials, accountNode, aylaNodes, helper, helperNode, inNode, simPost, simState, useSimulatorAndHelper, waitFor } from '../nodes/support/flow-kit';
import { englishText, inEnglish } from '../support/catalog-translate';

/** Cases per loaded flow: below the hub's report cap (10 per minute per stream), so every error reaches the Catch node. */
const CASES_PER_FLOW = 8;
/** First seq of the raw frames: raw frames bypass the simulator's counter, so the test keeps its own. */
const FIRST_SEQ = 1000;

interface Caught {
  topic: string;
  payload: Record<string, unknown>;
}

function followUp(seq: number, marker: string): string {
  return framed(JSON.stringify(datapointEvent(seq, { metadata: { base_type: 'string' }, datapoint: { value: marker } })));
}

/**
 * Sends one raw frame to the in-node's socket. Raw frames are not retained, so a frame sent while
 * no socket is attached would be lost and the wait for it would time out: this says so instead.
 */
async function sendFrame(sim: RunningSimulator, frame: string, what: string): Promise<void> {
  const answer = await simPost(sim, '/sim/frames', { frame });
  assert.equal(answer.sent, 1, `${what}: the simulator had no socket to send it to`);
}

describe('reliability: the hostile frame corpus through Node-RED', function () {
  this.timeout(60_000);
  // The simulator's default heartbeat (30 s): with a short one, a client paused by flow control
  // while the machine is busy (event-loop delay) misses two heartbeats and the simulator drops
  // its socket, and the raw frames sent meanwhile are lost (they are not retained).
  const sim = useSimulatorAndHelper();

  it(`the corpus (${HOSTILE_CASES.length} cases): an error with its code or the documented tolerance, counted, and the stream goes on`, async () => {
    const injectable = HOSTILE_CASES;
    assert.ok(injectable.length >= 30, 'at least 30 hostile cases');
    let nextSeq = FIRST_SEQ;
    const prototypeKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

    for (let start = 0; start < injectable.length; start += CASES_PER_FLOW) {
      await helper.unload();
      await helper.load(
        inEnglish(aylaNodes),
        [
          { id: 'f1', type: 'tab', label: 'hostile' },
          accountNode(sim()),
          // The Catch node only sees nodes of its own flow tab.
          { ...inNode('datapoint', 'n1', { oemModel: '*', dsns: HOSTILE_DSN, properties: '*' }), z: 'f1' },
          { ...helperNode(), z: 'f1' },
          { id: 'catch1', type: 'catch', z: 'f1', scope: ['n1'], uncaught: false, wires: [['caught']] },
          { ...helperNode('caught'), z: 'f1' },
        ],
        accountCredentials(sim()),
      );
      const received: Array<{ payload: unknown; ayla: Record<string, unknown> }> = [];
      const caught: Caught[] = [];
      const statuses: Array<{ fill?: string; text?: string }> = [];
      (helper.getNode('out') as unknown as NodeJS.EventEmitter).on('input', (msg: (typeof received)[number]) => received.push(msg));
      (helper.getNode('caught') as unknown as NodeJS.EventEmitter).on('input', (msg: Caught) => caught.push(msg));
      (helper.getNode('n1') as unknown as NodeJS.EventEmitter).on('call:status', (call: { args: unknown[] }) => statuses.push(call.args[0] as { text?: string }));
      await waitFor('the socket', async () => (await simState(sim())).sockets === 1);

      if (start === 0) {
        // The first connect starts live: a valid event sets the client's position.
        await sendFrame(sim(), followUp(nextSeq, 'start'), 'the first event');
        await waitFor('the first event', () => received.length === 1);
        nextSeq += 1;
      }

      let errorsInFlow = 0;
      for (const hostile of injectable.slice(start, start + CASES_PER_FLOW)) {
        const before = { received: received.length, caught: caught.length };
        await sendCase(hostile, nextSeq);
        if (hostile.usesSeq || hostile.closesSocket) nextSeq += 1;
        const marker = `after ${hostile.name}`;
        await sendFrame(sim(), followUp(nextSeq, marker), `the valid event after "${hostile.name}"`);
        nextSeq += 1;
        await waitFor(`the valid event after "${hostile.name}"`, () => received.some((msg) => msg.payload === marker), 5000);
        const expect = hostile.expect;
        if ('delivered' in expect) {
          assert.equal(received.length, before.received + 2, `"${hostile.name}" was delivered, then the valid event`);
          const tolerated = received[before.received];
          assert.equal('valueError' in tolerated.ayla, expect.valueFlagged === true, `"${hostile.name}": valueError flagged as documented`);
          assert.equal(caught.length, before.caught, `"${hostile.name}" raised no error`);
        } else {
          const code = 'frameError' in expect ? expect.frameError : 'INVALID_EVENT';
          await waitFor(`a caught ${code} for "${hostile.name}"`, () => caught.length > before.caught);
          assert.equal(caught[before.caught].topic, code, `"${hostile.name}" is caught with code ${code}`);
          assert.equal(received.length, before.received + 1, `"${hostile.name}" delivered nothing; the valid event arrived`);
          errorsInFlow += 1;
        }
      }
      if (errorsInFlow > 0) {
        await waitFor(`the status to count ${errorsInFlow} malformed`, () => {
          const last = statuses[statuses.length - 1];
          return typeof last?.text === 'string' && last.text.includes(englishText('ayla-dss-account.status.malformed-count', { count: errorsInFlow }));
        }, 3000);
      }
    }

    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeKeysBefore, 'Object.prototype gained no property');
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no polluted property reachable from a plain object');
  });

  /** Sends one case; a frame that closes the socket is followed by a wait for the reconnect. */
  async function sendCase(hostile: HostileCase, seq: number): Promise<void> {
    await sendFrame(sim(), hostile.frame(seq), `"${hostile.name}"`);
    if (!hostile.closesSocket) return;
    await waitFor('the socket to be closed by the oversized frame', async () => (await simState(sim())).sockets === 0, 3000).catch(() => undefined /* it may already be back */);
    await waitFor('the reconnect after the oversized frame', async () => (await simState(sim())).sockets === 1, 5000);
  }
});
