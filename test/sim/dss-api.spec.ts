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

  it('lists the OEM access rules, wrapped in OemAccessRule, with their models and properties', async () => {
    const answer = await request(sim, 'GET', '/api/v1/oemAccessRules.json', { token });
    assert.equal(answer.status, 200);
    const rules = (answer.body as Array<{ OemAccessRule: Record<string, unknown> & { role: string; subscription_type: string } }>).map((item) => item.OemAccessRule);
    const admin = rules.filter((rule) => rule.role === 'OEM::Admin').map((rule) => rule.subscription_type);
    assert.deepEqual([...admin].sort(), [...EVENT_TYPES].sort());
    assert.deepEqual(rules.filter((rule) => rule.role === 'OEM::Staff').map((rule) => rule.subscription_type), ['datapoint']);
    for (const field of ['id', 'role', 'oem', 'oem_model', 'property_name', 'client_type', 'subscription_type', 'access_grant', 'created_at', 'updated_at']) {
      assert.ok(field in rules[0], field);
    }
    assert.deepEqual([rules[0].oem, rules[0].oem_model, rules[0].property_name, rules[0].access_grant], ['0dfc7900', '*', '*', true]);
  });

  it('refuses a cloud subscription to every model and every device: DSNs are required when oem_model is *', async () => {
    const create = (dsn: string | undefined) =>
      request(sim, 'POST', '/api/v1/subscriptions.json', {
        token,
        body: { subscription: { name: 'all', oem_model: '*', ...(dsn === undefined ? {} : { dsn }), client_type: 'cloud', subscription_type: 'connectivity' } },
      });
    assert.equal((await create(undefined)).status, 422);
    assert.equal((await create('*')).status, 422);
    assert.equal((await create('AC000W005606115')).status, 201);
  });

  it('creates (201), shows and deletes (204) access rules; subscription creation honours them', async () => {
    const limited = (await signIn(sim, LIMITED_ACCOUNT)).access_token;
    const connectivity = { oem_model: 'thermo-t100', dsn: '*', client_type: 'cloud', subscription_type: 'connectivity' };
    const tryCreate = (fields: Record<string, unknown>) => request(sim, 'POST', '/api/v1/subscriptions.json', { token: limited, body: { subscription: { name: 'x', ...fields } } });
    assert.equal((await tryCreate(connectivity)).status, 403);

    const created = await request(sim, 'POST', '/api/v1/oemAccessRules.json', {
      token,
      body: { OemAccessRule: { role: 'OEM::Staff', oem_model: 'thermo-t100', property_name: '*', client_type: 'cloud', subscription_type: 'connectivity' } },
    });
    assert.equal(created.status, 201);
    const rule = (created.body as { OemAccessRule: { id: number; role: string; oem_model: string; access_grant: boolean } }).OemAccessRule;
    assert.deepEqual([rule.role, rule.oem_model, rule.access_grant], ['OEM::Staff', 'thermo-t100', true]);
    assert.deepEqual((await request(sim, 'GET', `/api/v1/oemAccessRules/${rule.id}.json`, { token })).body, { OemAccessRule: rule });

    assert.equal((await tryCreate(connectivity)).status, 201, 'the new rule grants thermo-t100 connectivity');
    assert.equal((await tryCreate({ ...connectivity, oem_model: 'smartplug-v2' })).status, 403, 'but no other model');
    assert.equal((await tryCreate({ ...connectivity, oem_model: '*', dsn: 'AC000W005606115' })).status, 403, 'nor every model');

    // A flat body works too; a revoking rule wins over grants.
    const revoke = await request(sim, 'POST', '/api/v1/oemAccessRules', {
      token,
      body: { role: 'OEM::Staff', oem_model: '*', property_name: 'humidity', subscription_type: 'datapoint', access_grant: false },
    });
    assert.equal(revoke.status, 201);
    assert.equal((await tryCreate({ oem_model: 'thermo-t100', dsn: '*', property_name: 'humidity', subscription_type: 'datapoint' })).status, 403);
    assert.equal((await tryCreate({ oem_model: 'thermo-t100', dsn: '*', property_name: 'current_temp', subscription_type: 'datapoint' })).status, 201);

    assert.equal((await request(sim, 'DELETE', `/api/v1/oemAccessRules/${rule.id}.json`, { token })).status, 204);
    assert.equal((await request(sim, 'GET', `/api/v1/oemAccessRules/${rule.id}.json`, { token })).status, 404);
    assert.equal((await tryCreate(connectivity)).status, 403, 'deleting the rule takes the access away');
  });

  it('refuses rule changes by other roles (403) and invalid rules (422)', async () => {
    const limited = (await signIn(sim, LIMITED_ACCOUNT)).access_token;
    const valid = { role: 'OEM::Staff', subscription_type: 'location' };
    assert.equal((await request(sim, 'POST', '/api/v1/oemAccessRules.json', { token: limited, body: valid })).status, 403);
    assert.equal((await request(sim, 'DELETE', '/api/v1/oemAccessRules/1.json', { token: limited })).status, 403);
    for (const body of [{ ...valid, role: 'OEM::Boss' }, { ...valid, subscription_type: 'weather' }, { ...valid, client_type: 'fax' }, { ...valid, access_grant: 'yes' }, { ...valid, oem_model: 5 }]) {
      const answer = await request(sim, 'POST', '/api/v1/oemAccessRules.json', { token, body });
      assert.equal(answer.status, 422, JSON.stringify(body));
      assert.equal(typeof (answer.body as { errors: unknown }).errors, 'string');
    }
    assert.equal((await request(sim, 'POST', '/api/v1/oemAccessRules.json', { body: valid })).status, 401);
  });

  it('answers 404 for unknown paths', async () => {
    const answer = await request(sim, 'GET', '/api/v1/nothing.json', { token });
    assert.equal(answer.status, 404);
    assert.equal((await request(sim, 'GET', '/api/v1/subscriptions/abc.json', { token })).status, 404);
  });
});
