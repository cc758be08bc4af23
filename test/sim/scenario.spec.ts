import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCoordinate, nextAutomaticValue } from '../../simulator/values';
import { DEFAULT_SCENARIO, ScenarioError, startSimulator, type Scenario } from '../../simulator';
import { mulberry32 } from '../../simulator/prng';
import { loadScenario } from '../../simulator/scenario';
import { request, signIn } from './support/sim-client';

const TINY: Scenario = {
  oemId: 'abcdef01',
  models: [
    {
      oemModel: 'tiny-model',
      properties: [{ name: 'level', baseType: 'integer', direction: 'output', value: 3, behaviour: { kind: 'drift', min: 0, max: 10, step: 1 } }],
      devices: [{ dsn: 'TINY0001', lat: 1, long: 2 }],
    },
  ],
};

describe('simulator: scenarios and values', () => {
  it('formats coordinates the way Ayla does (six decimals, positive values space-padded)', () => {
    assert.equal(formatCoordinate(44.7695), ' 44.769500');
    assert.equal(formatCoordinate(-69.4283), '-69.428300');
    assert.equal(formatCoordinate(0), ' 0.000000');
  });

  it('drifts a temperature in small bounded steps', () => {
    const property = DEFAULT_SCENARIO.models[1].properties.find((candidate) => candidate.name === 'current_temp');
    assert.ok(property && property.behaviour?.kind === 'drift');
    const random = mulberry32(1);
    let value = 20;
    for (let i = 0; i < 500; i++) {
      const next = nextAutomaticValue(property, value, random, 'X') as number;
      assert.ok(Math.abs(next - value) <= 0.2 + 1e-9, `${value} -> ${next}`);
      assert.ok(next >= 14 && next <= 28);
      assert.notEqual(next, value);
      value = next;
    }
  });

  it('refuses invalid scenarios with a message naming the field', () => {
    const broken = [
      {},
      { models: [] },
      { models: [{ oemModel: 'm', properties: [{ name: 'p', baseType: 'blob', direction: 'output', value: 1 }], devices: [] }] },
      { models: [{ oemModel: 'm', properties: [{ name: 'p', baseType: 'integer', direction: 'output', value: 1.5 }], devices: [] }] },
      { models: [{ oemModel: 'm', properties: [], devices: [{ dsn: 'a b', lat: 0, long: 0 }] }] },
      { models: [{ oemModel: 'm', properties: [], devices: [{ dsn: 'A', lat: 0, long: 0, values: { nope: 1 } }] }] },
    ];
    for (const scenario of broken) assert.throws(() => loadScenario(scenario as unknown as Scenario), ScenarioError);
  });

  it('loads a scenario from a JSON file and serves its devices', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ayla-sim-'));
    const file = join(dir, 'tiny.json');
    writeFileSync(file, JSON.stringify(TINY));
    const sim = await startSimulator({ rate: 0, scenario: file });
    try {
      const { access_token: token } = await signIn(sim);
      const devices = (await request(sim, 'GET', '/apiv1/devices.json', { token })).body as Array<{ device: { dsn: string; oem_model: string } }>;
      assert.deepEqual(devices.map((item) => [item.device.dsn, item.device.oem_model]), [['TINY0001', 'tiny-model']]);
      assert.throws(() => loadScenario(join(dir, 'missing.json')), ScenarioError);
      writeFileSync(file, '{not json');
      assert.throws(() => loadScenario(file), ScenarioError);
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects out-of-range options', async () => {
    await assert.rejects(startSimulator({ heartbeatMs: 0 }), RangeError);
    await assert.rejects(startSimulator({ rate: -1 }), RangeError);
    await assert.rejects(startSimulator({ port: 70000 }), RangeError);
  });
});

describe('simulator: scenario applications and users', () => {
  const scenario: Scenario = {
    models: TINY.models,
    applications: [{ appId: 'field-app', appSecret: 'field-secret' }],
    users: [{ email: 'Ops@Example.com', password: 'ops-password', role: 'OEM::SupportEngineer', allowedTypes: ['connectivity'], firstname: 'Olga', lastname: 'Ops' }],
  };

  it('signs in scenario users through any known application; the demo account still works', async () => {
    const sim = await startSimulator({ rate: 0, scenario });
    try {
      const ops = { email: 'ops@example.com', password: 'ops-password', appId: 'field-app', appSecret: 'field-secret' };
      const token = (await signIn(sim, ops)).access_token;
      const profile = (await request(sim, 'GET', '/users/get_user_profile.json', { token })).body as Record<string, unknown>;
      assert.deepEqual([profile.email, profile.firstname, profile.lastname], ['ops@example.com', 'Olga', 'Ops']);
      assert.equal((await signIn(sim, { ...ops, appId: 'demo-app-id', appSecret: 'demo-app-secret' })).expires_in, 86400);
      assert.equal((await signIn(sim, { ...sim.account, appId: 'field-app', appSecret: 'field-secret' })).expires_in, 86400);
      assert.equal((await signIn(sim)).expires_in, 86400);
      const wrongSecret = await request(sim, 'POST', '/users/sign_in.json', { body: { user: { email: ops.email, password: ops.password, application: { app_id: 'field-app', app_secret: 'nope' } } } });
      assert.equal(wrongSecret.status, 404);

      // The user's allowed types become access rules of its role.
      const create = (type: string) =>
        request(sim, 'POST', '/api/v1/subscriptions.json', { token, body: { subscription: { oem_model: 'tiny-model', dsn: '*', client_type: 'cloud', subscription_type: type } } });
      assert.equal((await create('connectivity')).status, 201);
      assert.equal((await create('datapoint')).status, 403);
    } finally {
      await sim.close();
    }
  });

  it('refuses invalid applications and users', () => {
    const broken: unknown[] = [
      { ...TINY, applications: [{ appId: '', appSecret: 'x' }] },
      { ...TINY, users: [{ email: 'not-an-address', password: 'x' }] },
      { ...TINY, users: [{ email: 'demo@example.com', password: 'x' }] },
      { ...TINY, users: [{ email: 'a@example.com', password: '' }] },
      { ...TINY, users: [{ email: 'a@example.com', password: 'x', allowedTypes: ['weather'] }] },
      { ...TINY, users: [{ email: 'a@example.com', password: 'x' }, { email: 'A@example.com', password: 'y' }] },
    ];
    for (const candidate of broken) assert.throws(() => loadScenario(candidate as Scenario), ScenarioError, JSON.stringify(candidate));
  });
});
