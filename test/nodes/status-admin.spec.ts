/**
 * Status transitions of an in-node (connecting -> connected -> count -> reconnecting ->
 * connected) and the admin routes (endpoint table, test connection).
 */
import { strict as assert } from 'node:assert';
import { ENDPOINT_TABLE } from '../../nodes/lib/endpoints';
import { redactEmail } from '../../nodes/lib/secrets';
import {
  ACCOUNT_ID,
  accountCredentials,
  accountNode,
  aylaNodes,
  datapointEvent,
  helper,
  helperNode,
  inNode,
  simPost,
  THERMOSTAT,
  useSimulatorAndHelper,
  waitConnected,
  waitFor,
} from './support/flow-kit';

describe('ayla-*-in status and admin routes', function () {
  this.timeout(20_000);
  const sim = useSimulatorAndHelper({ simulatorPerTest: true });

  function statusTexts(id: string): Array<{ fill: string; shape: string; text: string }> {
    const node = helper.getNode(id) as unknown as { status: { getCalls(): Array<{ thisValue: unknown; args: unknown[] }> } };
    return node.status
      .getCalls()
      .filter((call) => call.thisValue === node)
      .map((call) => call.args[0] as { fill: string; shape: string; text: string });
  }

  it('connecting, connected, connected with a count, reconnecting after a drop, connected again', async () => {
    await helper.load(aylaNodes, [accountNode(sim()), inNode('datapoint', 'n1', { oemModel: 'thermo-t100' }), helperNode()], accountCredentials(sim()));
    await waitConnected(sim(), 1);
    await waitFor('connected', () => statusTexts('n1').some((s) => s.text === 'node-red:common.status.connected'));
    await simPost(sim(), '/sim/events', datapointEvent(THERMOSTAT, 'current_temp', 20));
    await waitFor('the count', () => statusTexts('n1').some((s) => s.text === 'ayla-dss-account.status.connected-count'), 3000);
    await simPost(sim(), '/sim/faults/drop-sockets');
    await waitFor('reconnecting', () => statusTexts('n1').some((s) => s.text === 'ayla-dss-account.status.reconnecting-in'));
    const seen = statusTexts('n1');
    const last = seen.length;
    await waitFor('connected again', () => statusTexts('n1').slice(last).some((s) => s.fill === 'green'));
    const order = statusTexts('n1').map((s) => `${s.fill}:${s.text.split('.').pop()}`);
    assert.equal(order[0], 'yellow:connecting');
    const firstGreen = order.findIndex((s) => s.startsWith('green'));
    const reconnect = order.findIndex((s) => s === 'yellow:reconnecting-in');
    assert.ok(firstGreen > 0 && reconnect > firstGreen, `unexpected order: ${order.join(', ')}`);
    assert.equal(seen.find((s) => s.text.endsWith('reconnecting-in'))?.shape, 'ring');
  });

  it('GET /ayla-dss/endpoints answers the table and the deployments per region', async () => {
    await helper.load(aylaNodes, [accountNode(sim())], {});
    const answer = await helper.request().get('/ayla-dss/endpoints');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.table, JSON.parse(JSON.stringify(ENDPOINT_TABLE)));
    assert.deepEqual((answer.body.deployments as Record<string, string[]>).eu, ['field']);
  });

  it('POST /ayla-dss/test-connection: success, the exact reason of a failure, stored credentials for __PWRD__', async () => {
    await helper.load(aylaNodes, [accountNode(sim())], accountCredentials(sim()));
    const body = { region: 'custom', streamUrl: sim().streamUrl, apiUrl: sim().apiUrl, userUrl: sim().userUrl };
    let answer = await helper.request().post('/ayla-dss/test-connection').send({ ...body, credentials: sim().account });
    // params: what the text shows, so the editor can word it in the browser's language (the e-mail redacted as in the text).
    assert.deepEqual(answer.body, { ok: true, message: 'ayla-dss-account.messages.signed-in', params: { email: redactEmail(sim().account.email) } });
    answer = await helper.request().post('/ayla-dss/test-connection').send({ ...body, credentials: { ...sim().account, password: 'nope-nope' } });
    assert.equal(answer.body.ok, false);
    assert.equal(answer.body.code, 'BAD_CREDENTIALS');
    assert.ok(!JSON.stringify(answer.body).includes('nope-nope'));
    answer = await helper
      .request()
      .post('/ayla-dss/test-connection')
      .send({ ...body, id: ACCOUNT_ID, credentials: { email: sim().account.email, password: '__PWRD__', appId: '__PWRD__', appSecret: '' } });
    assert.equal(answer.body.ok, true, JSON.stringify(answer.body));
    answer = await helper.request().post('/ayla-dss/test-connection').send({ region: 'custom', streamUrl: 'ws://192.0.2.1/stream', credentials: sim().account });
    assert.equal(answer.body.code, 'INSECURE_URL');
  });
});
