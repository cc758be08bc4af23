import { strict as assert } from 'node:assert';
import { ACCOUNT_LOCK_MS, DEMO_ACCOUNT, LIMITED_ACCOUNT, startSimulator, type RunningSimulator } from '../../simulator';
import { request, signIn, signInBody, type Tokens } from './support/sim-client';

describe('simulator: user service', () => {
  let sim: RunningSimulator;
  let nowMs: number;

  beforeEach(async () => {
    nowMs = Date.UTC(2024, 0, 1);
    sim = await startSimulator({ rate: 0, tokenTtlSec: 3600, now: () => nowMs });
  });
  afterEach(() => sim.close());

  it('signs in with and without .json and answers Ayla\'s token shape', async () => {
    for (const path of ['/users/sign_in.json', '/users/sign_in']) {
      const answer = await request(sim, 'POST', path, { body: signInBody(DEMO_ACCOUNT) });
      assert.equal(answer.status, 200);
      const tokens = answer.body as Tokens & { role: string; role_tags: unknown[] };
      assert.match(tokens.access_token, /^[0-9a-f]{32}$/);
      assert.match(tokens.refresh_token, /^[0-9a-f]{32}$/);
      assert.notEqual(tokens.access_token, tokens.refresh_token);
      assert.equal(tokens.expires_in, 3600);
      assert.equal(tokens.role, 'OEM::Admin');
      assert.deepEqual(tokens.role_tags, []);
    }
  });

  it('answers 401 {"error": "…"} for a wrong password and an unknown email', async () => {
    const wrong = await request(sim, 'POST', '/users/sign_in.json', { body: signInBody(DEMO_ACCOUNT, { password: 'nope' }) });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, { error: 'Your email or password is incorrect.' });
    const unknown = await request(sim, 'POST', '/users/sign_in.json', { body: signInBody(DEMO_ACCOUNT, { email: 'who@example.com' }) });
    assert.equal(unknown.status, 401);
  });

  it('answers 404 {"error": {"message": …}} for a wrong application', async () => {
    const answer = await request(sim, 'POST', '/users/sign_in.json', { body: signInBody(DEMO_ACCOUNT, { appSecret: 'bad' }) });
    assert.equal(answer.status, 404);
    assert.deepEqual(answer.body, { error: { message: 'Could not find application' } });
  });

  it('locks the account for 30 minutes after five failed sign-ins in a row', async () => {
    for (let i = 0; i < 5; i++) {
      const answer = await request(sim, 'POST', '/users/sign_in.json', { body: signInBody(DEMO_ACCOUNT, { password: 'nope' }) });
      assert.equal(answer.status, 401);
    }
    const locked = await request(sim, 'POST', '/users/sign_in.json', { body: signInBody(DEMO_ACCOUNT) });
    assert.equal(locked.status, 401);
    assert.deepEqual(locked.body, { error: 'Your account is locked.' });
    nowMs += ACCOUNT_LOCK_MS - 1000;
    assert.equal((await request(sim, 'POST', '/users/sign_in.json', { body: signInBody(DEMO_ACCOUNT) })).status, 401);
    nowMs += 2000;
    assert.equal((await request(sim, 'POST', '/users/sign_in.json', { body: signInBody(DEMO_ACCOUNT) })).status, 200);
  });

  it('a successful sign-in resets the failure count', async () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) await request(sim, 'POST', '/users/sign_in.json', { body: signInBody(DEMO_ACCOUNT, { password: 'nope' }) });
      assert.equal((await request(sim, 'POST', '/users/sign_in.json', { body: signInBody(DEMO_ACCOUNT) })).status, 200);
    }
  });

  it('refreshes a token once (200), then refuses the used refresh token (422 {"errors": …})', async () => {
    const tokens = await signIn(sim);
    const refreshed = await request(sim, 'POST', '/users/refresh_token.json', { body: { user: { refresh_token: tokens.refresh_token } } });
    assert.equal(refreshed.status, 200);
    const fresh = refreshed.body as Tokens;
    assert.notEqual(fresh.access_token, tokens.access_token);
    assert.equal(fresh.expires_in, 3600);
    assert.equal((await request(sim, 'GET', '/api/v1/subscriptions.json', { token: fresh.access_token })).status, 200);

    const again = await request(sim, 'POST', '/users/refresh_token', { body: { user: { refresh_token: tokens.refresh_token } } });
    assert.equal(again.status, 422);
    assert.equal(typeof (again.body as { errors: unknown }).errors, 'string');
  });

  it('signs out: the access token stops working', async () => {
    const tokens = await signIn(sim);
    const out = await request(sim, 'POST', '/users/sign_out.json', { body: { user: { access_token: tokens.access_token } } });
    assert.equal(out.status, 200);
    assert.equal((await request(sim, 'GET', '/api/v1/subscriptions.json', { token: tokens.access_token })).status, 401);
    const refresh = await request(sim, 'POST', '/users/refresh_token.json', { body: { user: { refresh_token: tokens.refresh_token } } });
    assert.equal(refresh.status, 422);
  });

  it('refuses an expired access token with 401, and refresh still works', async () => {
    const tokens = await signIn(sim);
    nowMs += 3600 * 1000;
    const answer = await request(sim, 'GET', '/api/v1/subscriptions.json', { token: tokens.access_token });
    assert.equal(answer.status, 401);
    assert.equal(typeof (answer.body as { error: unknown }).error, 'string');
    const refreshed = await request(sim, 'POST', '/users/refresh_token.json', { body: { user: { refresh_token: tokens.refresh_token } } });
    assert.equal(refreshed.status, 200);
  });

  it('answers 406 when Accept excludes JSON, and is lenient when Accept is missing', async () => {
    const refused = await request(sim, 'POST', '/users/sign_in.json', { body: signInBody(DEMO_ACCOUNT), headers: { Accept: 'text/html' } });
    assert.equal(refused.status, 406);
    const response = await fetch(`${sim.userUrl}/users/sign_in.json`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: '' },
      body: JSON.stringify(signInBody(DEMO_ACCOUNT)),
    });
    assert.equal(response.status, 200);
    await response.text();
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await fetch(`${sim.userUrl}/users/sign_in.json`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{nope' });
    assert.equal(response.status, 400);
    assert.equal(typeof ((await response.json()) as { error: unknown }).error, 'string');
  });

  it('answers the caller\'s profile on GET /users/get_user_profile, and 401 without a token', async () => {
    for (const [account, firstname] of [
      [DEMO_ACCOUNT, 'Demo'],
      [LIMITED_ACCOUNT, 'Limited'],
    ] as const) {
      const tokens = await signIn(sim, account);
      const answer = await request(sim, 'GET', '/users/get_user_profile.json', { token: tokens.access_token });
      assert.equal(answer.status, 200);
      const profile = answer.body as Record<string, unknown>;
      assert.equal(profile.email, account.email);
      assert.equal(profile.firstname, firstname);
      assert.equal(profile.lastname, 'User');
      assert.match(String(profile.uuid), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(profile.oem_id, '0dfc7900');
      assert.equal(profile.approved, true);
      assert.equal(profile.created_at, '2024-01-01T00:00:00Z');
    }
    assert.equal((await request(sim, 'GET', '/users/get_user_profile')).status, 401);
  });
});
