import { strict as assert } from 'node:assert';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { request, signIn, subscribe, waitUntil } from './support/sim-client';

const THERMOSTAT = 'AC000W005606115';
const WRITE_PATH = `/apiv1/dsns/${THERMOSTAT}/properties/target_temp/datapoints.json`;

/** A raw write, so that a cut connection or a missing answer shows as a rejected fetch. */
function rawWrite(sim: RunningSimulator, token: string, value: number, signal: AbortSignal): Promise<Response> {
  return fetch(`${sim.deviceUrl}${WRITE_PATH}`, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: `auth_token ${token}` },
    body: JSON.stringify({ datapoint: { value } }),
    signal,
  });
}

async function targetTemp(sim: RunningSimulator, token: string): Promise<unknown> {
  return ((await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}/properties/target_temp.json`, { token })).body as { property: { value: unknown } }).property.value;
}

describe('simulator: device-service faults', () => {
  let sim: RunningSimulator;
  let token: string;

  beforeEach(async () => {
    sim = await startSimulator({ rate: 0, ackDelayMs: 10 });
    token = (await signIn(sim)).access_token;
  });
  afterEach(() => sim.close());

  it('device-errors: the next N device-service requests answer the status, then service resumes', async () => {
    const set = await request(sim, 'POST', '/sim/faults/device-errors', { body: { status: 503, count: 2 } });
    assert.equal(set.status, 200);
    assert.deepEqual(set.body, { errors: 2, status: 503 });
    const datapoints = await subscribe(sim, token, { dsn: THERMOSTAT });
    for (let i = 0; i < 2; i++) {
      const refused = await request(sim, 'POST', WRITE_PATH, { token, body: { datapoint: { value: 23 } } });
      assert.equal(refused.status, 503);
      assert.equal(typeof (refused.body as { error: unknown }).error, 'string');
    }
    assert.equal(await targetTemp(sim, token), 21, 'an injected error applies nothing');
    const state = (await request(sim, 'GET', '/sim/state')).body as { subscriptions: Array<{ id: number; nextSeq: number }> };
    assert.equal(state.subscriptions.find((entry) => entry.id === datapoints.id)?.nextSeq, 0, 'and publishes nothing');
    assert.equal((await request(sim, 'POST', WRITE_PATH, { token, body: { datapoint: { value: 23 } } })).status, 201);
    // The user service and DSS REST are not affected.
    await request(sim, 'POST', '/sim/faults/device-errors', { body: { status: 502 } });
    assert.equal((await request(sim, 'GET', '/api/v1/subscriptions.json', { token })).status, 200);
    assert.equal((await request(sim, 'GET', '/apiv1/devices.json', { token })).status, 502);
  });

  it('device-errors 429 carries Retry-After in seconds (default 1); count 0 clears', async () => {
    await request(sim, 'POST', '/sim/faults/device-errors', { body: { status: 429, count: 1, retryAfterSec: 7 } });
    const limited = await request(sim, 'GET', '/apiv1/devices.json', { token });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    await request(sim, 'POST', '/sim/faults/device-errors', { body: { status: 429 } });
    assert.equal((await request(sim, 'GET', '/apiv1/devices.json', { token })).headers.get('retry-after'), '1');
    await request(sim, 'POST', '/sim/faults/device-errors', { body: { status: 504, count: 5 } });
    await request(sim, 'POST', '/sim/faults/device-errors', { body: { count: 0 } });
    assert.equal((await request(sim, 'GET', '/apiv1/devices.json', { token })).status, 200);
    for (const body of [{ status: 404 }, { status: 503, count: -1 }, { status: 503, retryAfterSec: 'soon' }]) {
      assert.equal((await request(sim, 'POST', '/sim/faults/device-errors', { body })).status, 422, JSON.stringify(body));
    }
  });

  it('device-lost-answers "cut": the write is applied but the connection is cut without an answer', async () => {
    const acks = await subscribe(sim, token, { subscription_type: 'datapointack', dsn: THERMOSTAT });
    assert.deepEqual((await request(sim, 'POST', '/sim/faults/device-lost-answers', { body: { count: 1 } })).body, { lostAnswers: 1, mode: 'cut' });
    await assert.rejects(rawWrite(sim, token, 24.5, AbortSignal.timeout(3000)), (error: Error) => error.name === 'TypeError');
    assert.equal(await targetTemp(sim, token), 24.5);
    // The device still acknowledges the applied write.
    await waitUntil('the ack', async () => ((await request(sim, 'GET', `/sim/subscriptions/${acks.id}/events`)).body as { events: unknown[] }).events.length === 1);
    const next = await rawWrite(sim, token, 25, AbortSignal.timeout(3000));
    assert.equal(next.status, 201, 'only one answer was lost');
    await next.text();
  });

  it('device-lost-answers "hang": the write is applied and the answer never comes', async () => {
    await request(sim, 'POST', '/sim/faults/device-lost-answers', { body: { count: 1, mode: 'hang' } });
    await assert.rejects(rawWrite(sim, token, 26, AbortSignal.timeout(300)), (error: Error) => error.name === 'TimeoutError');
    assert.equal(await targetTemp(sim, token), 26);
    assert.equal((await request(sim, 'POST', '/sim/faults/device-lost-answers', { body: { mode: 'later' } })).status, 422);
    const state = (await request(sim, 'GET', '/sim/state')).body as { deviceFaults: { lostAnswers: number } };
    assert.equal(state.deviceFaults.lostAnswers, 0);
  });
});
