/**
 * Defects found by attacking the package, each through a real Node-RED runtime and the
 * simulator: a poisoned seq across a restart, two account nodes with the same credentials,
 * another client taking the stream, instance labels, out-of-range settings, and Test
 * connection's guards (budget, empty e-mail, environment references).
 */
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import WebSocket from 'ws';
import catalog from '../../locales/en-US/ayla-dss.json';
import { POSITION_FILE_NAME } from '../../nodes/lib/hub/position-files';
import { encodeFrame } from '../../nodes/lib/frames';
import { startSimulator, type RunningSimulator } from '../../simulator/index';
import {
  ACCOUNT_ID,
  accountCredentials,
  accountNode,
  aylaNodes,
  datapointEvent,
  helper,
  helperNode,
  inNode,
  recordCalls,
  recordInputs,
  recordStatuses,
  simPost,
  simState,
  THERMOSTAT,
  waitFor,
} from '../nodes/support/flow-kit';
import { makeUserDir, removeUserDir } from './support/reliability-kit';

const THERMO = { oemModel: 'thermo-t100', dsns: THERMOSTAT, properties: 'current_temp' };
const ERRORS = 'ayla-dss-account.errors.';

describe('hardening: defects found by attacking the package', function () {
  this.timeout(30_000);
  let sim: RunningSimulator;
  let userDir: string;
  let simLog: string[];

  beforeEach(async () => {
    simLog = [];
    sim = await startSimulator({ rate: 0, seed: 9, heartbeatMs: 1000, ackDelayMs: 20, log: (line) => simLog.push(line) });
    userDir = await makeUserDir();
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    await sim.close();
    await removeUserDir(userDir);
  });

  const report = (value: number) => simPost(sim, '/sim/events', datapointEvent(THERMOSTAT, 'current_temp', value));

  async function loadThermo(extraAccount: Record<string, unknown> = {}) {
    await helper.load(aylaNodes, [accountNode(sim, extraAccount), inNode('datapoint', 'n1', THERMO), helperNode()], accountCredentials(sim));
    const received = recordInputs(helper.getNode('out'));
    const warnings = recordCalls(helper.getNode('n1'), 'warn');
    await waitFor('the stream', async () => (await simState(sim)).sockets === 1);
    return { received, warnings };
  }

  it('a far-future seq neither silences the stream nor becomes its position, before and after a Node-RED restart', async () => {
    const { received, warnings } = await loadThermo();
    await report(20);
    await waitFor('the first event', () => received.length === 1);
    const key = (await simState(sim)).subscriptions[0].stream_key;
    const poison = JSON.stringify({ ...datapointFull(THERMOSTAT, 99), seq: '999999999999999' });
    await simPost(sim, '/sim/frames', { frame: encodeFrame(poison), streamKey: key });
    for (const value of [21, 22, 23]) await report(value);
    await waitFor('the three events after the poison', () => received.filter((m) => (m.ayla as { seq: number }).seq < 1000).length === 4);
    assert.deepEqual(
      received.map((m) => m.payload),
      [20, 99, 21, 22, 23],
      'the poisoned event is delivered (flagged by a warning), nothing after it is lost',
    );
    assert.deepEqual(
      warnings.map((w) => w.text).filter((text) => text.includes('SEQ_')),
      [`${ERRORS}SEQ_JUMP`],
      'one warning about the jump',
    );
    await helper.unload();
    const stored = JSON.parse(await readFile(path.join(userDir, POSITION_FILE_NAME), 'utf8')) as { positions: Record<string, { seq?: number }> };
    const seqs = Object.values(stored.positions).map((p) => p.seq);
    assert.deepEqual(seqs, [3], 'the persisted position is the last plausible seq');
    await report(24);
    await report(25);
    const again = await loadThermo();
    await waitFor('the events sent while Node-RED was down', () => again.received.length === 2);
    assert.deepEqual(
      again.received.map((m) => m.payload),
      [24, 25],
    );
  });

  it('length prefixes that disagree with the frames: every event arrives, and the node warns once', async () => {
    const { received, warnings } = await loadThermo();
    await report(20);
    await waitFor('the first event', () => received.length === 1);
    const key = (await simState(sim)).subscriptions[0].stream_key;
    // The simulator's next seqs are 1 and 2; these frames carry them, behind prefixes that lie.
    const frames = [1, 2].map((seq, index) => {
      const json = JSON.stringify({ ...datapointFull(THERMOSTAT, 30 + index), seq: String(seq) });
      return `${index === 0 ? 7 : Buffer.byteLength(json) + 10}|${json}`;
    });
    for (const frame of frames) await simPost(sim, '/sim/frames', { frame, streamKey: key });
    await waitFor('both events behind the wrong prefixes', () => received.length === 3);
    assert.deepEqual(
      received.map((m) => [m.payload, (m.ayla as { seq: number }).seq]),
      [
        [20, 0],
        [30, 1],
        [31, 2],
      ],
    );
    assert.deepEqual(
      warnings.map((w) => w.text).filter((text) => text.includes('LEN_PREFIX')),
      [`${ERRORS}LEN_PREFIX_MISMATCH`],
      'one warning for the stream, not one per frame',
    );
  });

  it('two account nodes with the same credentials share one subscription and one socket: no fight', async () => {
    const second = { ...accountNode(sim), id: 'account2', name: 'same credentials' };
    await helper.load(
      aylaNodes,
      [accountNode(sim), second, inNode('datapoint', 'n1', THERMO), inNode('datapoint', 'n2', { ...THERMO, account: 'account2' }, ['out2']), helperNode(), helperNode('out2')],
      { ...accountCredentials(sim), account2: { ...sim.account } },
    );
    const one = recordInputs(helper.getNode('out'));
    const two = recordInputs(helper.getNode('out2'));
    await waitFor('one socket', async () => (await simState(sim)).sockets === 1);
    await report(30);
    await waitFor('the event on both nodes', () => one.length === 1 && two.length === 1);
    const state = await simState(sim);
    assert.equal(state.subscriptions.length, 1);
    assert.equal(state.sockets, 1);
    assert.ok(!simLog.some((line) => /replac/i.test(line)), `no socket was replaced:\n${simLog.join('\n')}`);
  });

  it('another client taking the subscription: a clear status and one warning, and no fight back for a long while', async () => {
    await loadThermo();
    const statuses = recordStatuses(helper.getNode('n1'));
    const warnings = recordCalls(helper.getNode('n1'), 'warn');
    const key = (await simState(sim)).subscriptions[0].stream_key;
    const intruder = new WebSocket(`${sim.streamUrl}?stream_key=${key}`);
    intruder.on('message', (data) => {
      if (data.toString() === '1|Z') intruder.send('Z');
    });
    try {
      await new Promise((resolve, reject) => intruder.once('open', resolve).once('error', reject));
      await waitFor('the replaced status', () => statuses.some((s) => s.text === 'ayla-dss-account.status.replaced'));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.deepEqual(
        warnings.map((w) => w.text),
        [`${ERRORS}REPLACED`],
      );
      assert.equal(intruder.readyState, WebSocket.OPEN, 'the other client keeps the subscription: no replacement within 1.5 s');
    } finally {
      intruder.terminate();
    }
  });

  it('an instance label gives this Node-RED its own subscriptions', async () => {
    await loadThermo({ instanceLabel: 'site-b' });
    const [subscription] = (await simState(sim)).subscriptions;
    assert.match(subscription.name, /^node-red-ayla-dss-site-b-datapoint-[0-9a-f]{10}$/);
  });

  it('a heartbeat timeout beyond the timer range is a configuration error, not a socket killed after 1 ms', async () => {
    await helper.load(aylaNodes, [accountNode(sim, { heartbeatTimeout: 2147484 }), inNode('datapoint', 'n1', THERMO), helperNode()], accountCredentials(sim));
    const errors = recordCalls(helper.getNode('n1'), 'error');
    await waitFor('the configuration error', () => errors.length === 1);
    assert.equal(errors[0].text, `${ERRORS}OUT_OF_RANGE`);
    assert.equal((await simState(sim)).sockets, 0);
  });

  it('redeploys with different wrong passwords share one sign-in budget: the fourth is throttled, the account never locks', async () => {
    const flow = (name: string) => [accountNode(sim), inNode('datapoint', 'n1', { ...THERMO, name }), helperNode()];
    const deploy = async (password: string, index: number) => {
      const credentials = { account1: { ...sim.account, password } };
      if (index === 0) await helper.load(aylaNodes, flow(password), credentials);
      else await helper.setFlows(flow(password), 'full', credentials);
      const errors = recordCalls(helper.getNode('n1'), 'error');
      await waitFor(`the refusal of ${password}`, () => errors.length >= 1);
      return errors[0].text;
    };
    const outcomes: string[] = [];
    for (const [index, password] of ['wrong-1', 'wrong-2', 'wrong-3', 'wrong-4'].entries()) outcomes.push(await deploy(password, index));
    assert.deepEqual(outcomes, [`${ERRORS}BAD_CREDENTIALS`, `${ERRORS}BAD_CREDENTIALS`, `${ERRORS}BAD_CREDENTIALS`, `${ERRORS}SIGN_IN_THROTTLED`]);
    assert.ok(simLog.every((line) => !line.includes('locked')), simLog.join('\n'));
  });

  describe('Test connection', () => {
    beforeEach(async () => {
      await helper.load(aylaNodes, [accountNode(sim)], accountCredentials(sim));
    });
    const body = () => ({ id: ACCOUNT_ID, region: 'custom', streamUrl: sim.streamUrl, apiUrl: sim.apiUrl, userUrl: sim.userUrl });
    const post = async (payload: Record<string, unknown>) =>
      (await helper.request().post('/ayla-dss/test-connection').send(payload)).body as {
        ok: boolean;
        code?: string;
        message?: string;
        params?: Record<string, unknown>;
      };

    it('six wrong clicks reach the user service three times and never lock the account; the answer says when to try again', async () => {
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await post({ ...body(), credentials: { ...sim.account, password: `wrong-${i}` } }));
      assert.deepEqual(
        answers.map((a) => a.code),
        ['BAD_CREDENTIALS', 'BAD_CREDENTIALS', 'BAD_CREDENTIALS', 'SIGN_IN_THROTTLED', 'SIGN_IN_THROTTLED', 'SIGN_IN_THROTTLED'],
      );
      assert.equal(answers[5].message, `${ERRORS}SIGN_IN_THROTTLED`);
      // The dialog words the answer from its own catalog with these parameters: "next try in 30 min".
      assert.deepEqual(answers[3].params, { minutes: 30 });
      assert.match(catalog['ayla-dss-account'].errors.SIGN_IN_THROTTLED, /next try in __minutes__ min/);
      assert.equal(simLog.filter((line) => line.includes('locked')).length, 0, simLog.join('\n'));
      // A deployed flow with the (correct) password draws from the same budget.
      const throttled = await post({ ...body(), credentials: { ...sim.account } });
      assert.equal(throttled.code, 'SIGN_IN_THROTTLED');
    });

    it('a cloud and a mobile account with the same e-mail share one sign-in budget', async () => {
      const answers = [];
      for (const clientType of ['cloud', 'cloud', 'mobile', 'mobile']) {
        answers.push(await post({ ...body(), clientType, credentials: { ...sim.account, password: `wrong-${clientType}-${answers.length}` } }));
      }
      assert.deepEqual(
        answers.map((a) => a.code),
        ['BAD_CREDENTIALS', 'BAD_CREDENTIALS', 'BAD_CREDENTIALS', 'SIGN_IN_THROTTLED'],
      );
    });

    it('an empty e-mail means empty, not the stored one', async () => {
      const answer = await post({ ...body(), credentials: { email: '', password: '__PWRD__', appId: '__PWRD__', appSecret: '__PWRD__' } });
      assert.equal(answer.code, 'MISSING_CREDENTIALS');
    });

    it('environment references are only sent to the deployed user service', async () => {
      process.env.AYLA_HARDENING_PASSWORD = sim.account.password;
      try {
        const other = await startSimulator({ rate: 0 });
        try {
          const elsewhere = await post({
            ...body(),
            streamUrl: other.streamUrl,
            apiUrl: other.apiUrl,
            userUrl: other.userUrl,
            credentials: { ...sim.account, password: '${AYLA_HARDENING_PASSWORD}' },
          });
          assert.equal(elsewhere.code, 'STORED_CREDENTIALS_ELSEWHERE');
          const here = await post({ ...body(), credentials: { ...sim.account, password: '${AYLA_HARDENING_PASSWORD}' } });
          assert.equal(here.ok, true, JSON.stringify(here));
        } finally {
          await other.close();
        }
      } finally {
        delete process.env.AYLA_HARDENING_PASSWORD;
      }
    });
  });
});

/** A complete datapoint event of the demo thermostat (for raw frames, which the simulator does not complete). */
function datapointFull(dsn: string, value: number): Record<string, unknown> {
  return {
    seq: '0',
    metadata: { oem_id: '0dfc7900', oem_model: 'thermo-t100', dsn, property_name: 'current_temp', display_name: 'Temperature', base_type: 'decimal', event_type: 'datapoint' },
    datapoint: { id: 'poison', created_at_from_device: null, updated_at: '2026-01-01T00:00:00Z', created_at: '2026-01-01T00:00:00Z', echo: false, closed: false, value, metadata: {} },
  };
}
