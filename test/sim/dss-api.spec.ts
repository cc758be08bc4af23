import { strict as assert } from 'node:assert';
import { EVENT_TYPES } from '../../nodes/lib/events';
import { LIMITED_ACCOUNT, startSimulator, type RunningSimulator } from '../../simulator';
import { request, signIn, subscribe, type SubscriptionRecord } from './support/sim-client';

describe('simulator: DSS subscription REST API', () => {
  let sim: RunningSimulator;
  let token: string;

  beforeEach(async () => {
    sim = await startSimulator({ rate: 0 });
    token = (await signIn(sim)).access_token;
  });
  afterEach(() => sim.close());

  it('creates (201), lists, shows and deletes (204) a subscription, with and without .json', async () => {
    const created = await request(sim, 'POST', '/api/v1/subscriptions.json', {
      token,
      body: { subscription: { name: 'Test', oem_model: 'smartplug-v2', dsn: '*', property_name: 'outlet1', client_type: 'cloud', subscription_type: 'datapoint' } },
    });
    assert.equal(created.status, 201);
    const record = (created.body as { subscription: SubscriptionRecord }).subscription;
    assert.equal(record.name, 'Test');
    assert.equal(record.oem_model, 'smartplug-v2');
    assert.equal(record.property_name, 'outlet1');
    assert.equal(record.connection_status, 'Offline');
    assert.equal(record.batch_size, 1);
    assert.equal(record.is_suspended, false);
    assert.equal(record.client_type, 'cloud');
    assert.match(record.stream_key, /^[0-9a-f]{32}$/);
    assert.match(String(record.created_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const list = await request(sim, 'GET', '/api/v1/subscriptions', { token });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body, [{ subscription: record }]);

    const shown = await request(sim, 'GET', `/api/v1/subscriptions/${record.id}.json`, { token });
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body, { subscription: record });

    const deleted = await request(sim, 'DELETE', `/api/v1/subscriptions/${record.id}`, { token });
    assert.equal(deleted.status, 204);
    assert.equal(deleted.body, undefined);
    assert.equal((await request(sim, 'GET', `/api/v1/subscriptions/${record.id}.json`, { token })).status, 404);
    assert.equal((await request(sim, 'DELETE', `/api/v1/subscriptions/${record.id}.json`, { token })).status, 404);
  });

  it('accepts a flat (unwrapped) create body', async () => {
    const created = await request(sim, 'POST', '/api/v1/subscriptions', {
      token,
      body: { name: 'flat', oem_model: 'thermo-t100', client_type: 'cloud', subscription_type: 'connectivity' },
    });
    assert.equal(created.status, 201);
    const record = (created.body as { subscription: SubscriptionRecord }).subscription;
    assert.equal(record.subscription_type, 'connectivity');
    assert.equal(record.dsn, '*');
  });

  it('answers 422 for invalid create bodies', async () => {
    const cases: Array<Record<string, unknown>> = [
      { oem_model: 'thermo-t100', subscription_type: '' },
      { oem_model: 'thermo-t100', subscription_type: 'weather' },
      { oem_model: 'thermo-t100', subscription_type: 'datapoint,location' },
      { oem_model: '*', subscription_type: 'datapoint' },
      { oem_model: 'thermo-t100', subscription_type: 'datapoint', client_type: 'toaster' },
    ];
    for (const fields of cases) {
      const answer = await request(sim, 'POST', '/api/v1/subscriptions.json', { token, body: { subscription: { name: 'x', ...fields } } });
      assert.equal(answer.status, 422, JSON.stringify(fields));
      assert.equal(typeof (answer.body as { errors: unknown }).errors, 'string');
    }
  });

  it('answers 401 without a token or with an unknown one', async () => {
    assert.equal((await request(sim, 'GET', '/api/v1/subscriptions.json')).status, 401);
    assert.equal((await request(sim, 'GET', '/api/v1/subscriptions.json', { token: 'f'.repeat(32) })).status, 401);
    assert.equal((await request(sim, 'POST', '/api/v1/subscriptions.json', { body: {} })).status, 401);
    assert.equal((await request(sim, 'GET', '/api/v1/oemAccessRules')).status, 401);
  });

  it('answers 403 when no access rule of the role covers the type (limited account)', async () => {
    const limited = (await signIn(sim, LIMITED_ACCOUNT)).access_token;
    const allowed = await subscribe(sim, limited, { subscription_type: 'datapoint' });
    assert.equal(allowed.subscription_type, 'datapoint');
    for (const type of ['connectivity', 'datapointack', 'location', 'registration']) {
      const answer = await request(sim, 'POST', '/api/v1/subscriptions.json', {
        token: limited,
        body: { subscription: { name: 'x', oem_model: 'thermo-t100', dsn: '*', client_type: 'cloud', subscription_type: type } },
      });
      assert.equal(answer.status, 403, type);
      assert.equal(typeof (answer.body as { error: { message: unknown } }).error.message, 'string');
    }
    // The demo account may create all five.
    for (const type of EVENT_TYPES) assert.equal((await subscribe(sim, token, { subscription_type: type })).subscription_type, type);
  });

  it('lists the OEM access rules, wrapped in OemAccessRule', async () => {
    const answer = await request(sim, 'GET', '/api/v1/oemAccessRules.json', { token });
    assert.equal(answer.status, 200);
    const rules = (answer.body as Array<{ OemAccessRule: { role: string; subscription_type: string } }>).map((item) => item.OemAccessRule);
    const admin = rules.filter((rule) => rule.role === 'OEM::Admin').map((rule) => rule.subscription_type);
    assert.deepEqual([...admin].sort(), [...EVENT_TYPES].sort());
    assert.deepEqual(rules.filter((rule) => rule.role === 'OEM::Staff').map((rule) => rule.subscription_type), ['datapoint']);
  });

  it('answers 404 for unknown paths', async () => {
    const answer = await request(sim, 'GET', '/api/v1/nothing.json', { token });
    assert.equal(answer.status, 404);
    assert.equal((await request(sim, 'GET', '/api/v1/subscriptions/abc.json', { token })).status, 404);
  });
});
