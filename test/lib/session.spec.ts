import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { serverMessageOf, type AylaApiError } from '../../nodes/lib/http';
import { Session, type Credentials } from '../../nodes/lib/session';
import { apiError } from '../support/api-error';
import { sendJson, startScriptedHttpServer, type ScriptedHttpServer } from '../support/scripted-http-server';

const CREDENTIALS: Credentials = {
  email: 'flow@example.com',
  password: 'hunter2-very-secret-password',
  appId: 'app-id-4f1c9a',
  appSecret: 'app-secret-77d0e2b1c9',
};
const SECRETS = [CREDENTIALS.password, CREDENTIALS.appSecret, CREDENTIALS.appId];

const SIGN_IN = 'POST /users/sign_in.json';
const REFRESH = 'POST /users/refresh_token.json';
const SIGN_OUT = 'POST /users/sign_out.json';

/** Asserts that none of `secrets` appears in the error's message or string form. */
function assertNoSecrets(error: Error, secrets: string[]): void {
  for (const secret of secrets) {
    assert.ok(!error.message.includes(secret), `message leaks a secret: ${error.message}`);
    assert.ok(!String(error).includes(secret), `String(error) leaks a secret: ${String(error)}`);
  }
}

/** A port on 127.0.0.1 that nothing listens on (bound then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Session', () => {
  let server: ScriptedHttpServer;
  let clock: number;
  let tokenCounter: number;

  /** Answers sign-in and refresh with numbered tokens valid for `expiresIn` seconds. */
  function tokenRoutes(expiresIn = 86_400): void {
    const issue = () => {
      tokenCounter++;
      return { access_token: `access-${tokenCounter}`, refresh_token: `refresh-${tokenCounter}`, expires_in: expiresIn, role: 'OEM::Admin' };
    };
    server.route(SIGN_IN, (_req, res) => sendJson(res, 200, issue()));
    server.route(REFRESH, (_req, res) => sendJson(res, 200, issue()));
  }

  function session(extra: Partial<ConstructorParameters<typeof Session>[0]> = {}): Session {
    return new Session({ userUrl: server.url, credentials: CREDENTIALS, now: () => clock, ...extra });
  }

  beforeEach(async () => {
    server = await startScriptedHttpServer();
    clock = 1_700_000_000_000;
    tokenCounter = 0;
  });

  afterEach(async () => {
    await server.close();
  });

  it('signs in with the documented body and JSON headers', async () => {
    tokenRoutes();
    const token = await session().getAccessToken();
    assert.equal(token, 'access-1');
    const [request] = server.requestsTo(SIGN_IN);
    assert.deepEqual(request.json, {
      user: {
        email: CREDENTIALS.email,
        password: CREDENTIALS.password,
        application: { app_id: CREDENTIALS.appId, app_secret: CREDENTIALS.appSecret },
      },
    });
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers.accept, 'application/json');
  });

  it('reuses a fresh token without another request', async () => {
    tokenRoutes();
    const s = session();
    await s.getAccessToken();
    clock += 3600_000;
    assert.equal(await s.getAccessToken(), 'access-1');
    assert.equal(server.requests.length, 1);
  });

  it('refreshes ahead of expiry with the refresh token', async () => {
    tokenRoutes(86_400);
    const s = session({ refreshAheadMs: 600_000 });
    await s.getAccessToken();
    clock += 86_400_000 - 600_000 + 1; // inside the refresh-ahead window, token still valid
    assert.equal(await s.getAccessToken(), 'access-2');
    const refreshes = server.requestsTo(REFRESH);
    assert.equal(refreshes.length, 1);
    assert.deepEqual(refreshes[0].json, { user: { refresh_token: 'refresh-1' } });
    assert.equal(server.requestsTo(SIGN_IN).length, 1);
  });

  it('does not treat a short-lived token as due for refresh from birth', async () => {
    tokenRoutes(60); // 60 s token, much shorter than the 10 min refresh-ahead
    const s = session();
    await s.getAccessToken();
    clock += 10_000;
    assert.equal(await s.getAccessToken(), 'access-1');
    clock += 25_000; // past half its life
    assert.equal(await s.getAccessToken(), 'access-2');
  });

  it('makes one sign-in request for ten concurrent callers (single flight)', async () => {
    server.route(SIGN_IN, (_req, res) => {
      setTimeout(() => sendJson(res, 200, { access_token: 'shared', refresh_token: 'r', expires_in: 86_400 }), 30);
    });
    const s = session();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => s.getAccessToken()));
    assert.deepEqual(new Set(tokens), new Set(['shared']));
    assert.equal(server.requestsTo(SIGN_IN).length, 1);
  });

  it('makes one refresh request for concurrent callers', async () => {
    tokenRoutes();
    const s = session();
    await s.getAccessToken();
    clock += 86_400_000;
    const tokens = await Promise.all(Array.from({ length: 10 }, () => s.getAccessToken()));
    assert.deepEqual(new Set(tokens), new Set(['access-2']));
    assert.equal(server.requestsTo(REFRESH).length, 1);
  });

  it('signs in again when the refresh token is refused (422)', async () => {
    tokenRoutes();
    server.route(REFRESH, (_req, res) => sendJson(res, 422, { error: 'invalid refresh token' }));
    const s = session();
    await s.getAccessToken();
    clock += 86_400_000;
    assert.equal(await s.getAccessToken(), 'access-2');
    assert.equal(server.requestsTo(REFRESH).length, 1);
    assert.equal(server.requestsTo(SIGN_IN).length, 2);
  });

  it('keeps a still-valid token when a refresh fails for a transient reason', async () => {
    tokenRoutes();
    const s = session();
    await s.getAccessToken();
    server.route(REFRESH, (_req, res) => sendJson(res, 503, { error: 'maintenance' }));
    clock += 86_400_000 - 60_000; // due for refresh, not yet expired
    assert.equal(await s.getAccessToken(), 'access-1');
    assert.equal(server.requestsTo(REFRESH).length, 1);
  });

  describe('authorizedFetch', () => {
    it('sends the auth_token header and JSON headers', async () => {
      tokenRoutes();
      server.route('GET /api/thing.json', (_req, res) => sendJson(res, 200, { ok: true }));
      const response = await session().authorizedFetch(`${server.url}/api/thing.json`);
      assert.equal(response.status, 200);
      const [request] = server.requestsTo('GET /api/thing.json');
      assert.equal(request.headers.authorization, 'auth_token access-1');
      assert.equal(request.headers.accept, 'application/json');
    });

    it('retries once with a fresh token after a 401', async () => {
      tokenRoutes();
      server.route('GET /api/thing.json', (req, res) => {
        if (req.headers.authorization === 'auth_token access-1') sendJson(res, 401, { error: 'expired' });
        else sendJson(res, 200, { ok: true });
      });
      const response = await session().authorizedFetch(`${server.url}/api/thing.json`);
      assert.equal(response.status, 200);
      const calls = server.requestsTo('GET /api/thing.json').map((request) => request.headers.authorization);
      assert.deepEqual(calls, ['auth_token access-1', 'auth_token access-2']);
      assert.equal(server.requestsTo(REFRESH).length, 1);
    });

    it('retries only once: a second 401 is returned to the caller', async () => {
      tokenRoutes();
      server.route('GET /api/thing.json', (_req, res) => sendJson(res, 401, { error: 'nope' }));
      const response = await session().authorizedFetch(`${server.url}/api/thing.json`);
      assert.equal(response.status, 401);
      assert.equal(server.requestsTo('GET /api/thing.json').length, 2);
    });
  });

  describe('errors', () => {
    it('maps 401 on sign-in to BAD_CREDENTIALS with the server message', async () => {
      server.route(SIGN_IN, (_req, res) => sendJson(res, 401, { error: 'Your email or password is incorrect.' }));
      const error = await apiError(session().getAccessToken());
      assert.equal(error.code, 'BAD_CREDENTIALS');
      assert.equal(error.status, 401);
      assert.equal(error.retryable, false);
      assert.match(error.message, /wrong email or password/);
      assert.match(error.message, /Your email or password is incorrect/);
      assertNoSecrets(error, SECRETS);
    });

    it('maps 404 on sign-in to BAD_APPLICATION', async () => {
      server.route(SIGN_IN, (_req, res) => sendJson(res, 404, { error: { message: 'Could not find application' } }));
      const error = await apiError(session().getAccessToken());
      assert.equal(error.code, 'BAD_APPLICATION');
      assert.match(error.message, /Could not find application/);
    });

    it('maps 5xx to a retryable SERVER_ERROR and reads {"errors":"…"}', async () => {
      server.route(SIGN_IN, (_req, res) => sendJson(res, 503, { errors: 'service unavailable' }));
      const error = await apiError(session().getAccessToken());
      assert.equal(error.code, 'SERVER_ERROR');
      assert.equal(error.status, 503);
      assert.equal(error.retryable, true);
      assert.match(error.message, /service unavailable/);
    });

    it('reads all three error-body shapes', () => {
      assert.equal(serverMessageOf({ error: 'flat' }), 'flat');
      assert.equal(serverMessageOf({ error: { message: 'nested' } }), 'nested');
      assert.equal(serverMessageOf({ errors: 'plural' }), 'plural');
      assert.equal(serverMessageOf({ errors: { email: ['is invalid'] } }), 'email is invalid');
      assert.equal(serverMessageOf('not an object'), null);
      assert.equal(serverMessageOf({}), null);
    });

    it('maps an unreachable server to NETWORK_ERROR', async () => {
      const port = await closedPort();
      const error = await apiError(session({ userUrl: `http://127.0.0.1:${port}` }).getAccessToken());
      assert.equal(error.code, 'NETWORK_ERROR');
      assert.equal(error.retryable, true);
      assert.match(error.message, /could not reach the user service/);
      assertNoSecrets(error, SECRETS);
    });

    it('maps a server that never answers to TIMEOUT', async () => {
      server.route(SIGN_IN, () => {
        // never answer
      });
      const error = await apiError(session({ requestTimeoutMs: 100 }).getAccessToken());
      assert.equal(error.code, 'TIMEOUT');
      assert.match(error.message, /within 100 ms/);
    });

    it('maps a 200 without access_token to BAD_RESPONSE', async () => {
      server.route(SIGN_IN, (_req, res) => sendJson(res, 200, { hello: 'world' }));
      const error = await apiError(session().getAccessToken());
      assert.equal(error.code, 'BAD_RESPONSE');
    });

    it('fails with NO_ENDPOINT when no user URL is configured, without a request', async () => {
      const error = await apiError(session({ userUrl: '' }).getAccessToken());
      assert.equal(error.code, 'NO_ENDPOINT');
      assert.equal(server.requests.length, 0);
    });

    it('never quotes a secret or token the server echoes back, and truncates long messages', async () => {
      tokenRoutes();
      const s = session();
      await s.getAccessToken();
      server.route(REFRESH, (req, res) => {
        const sent = (req.json as { user: { refresh_token: string } }).user.refresh_token;
        sendJson(res, 500, { error: `boom for ${sent} and ${CREDENTIALS.password} access-1 ${'x'.repeat(500)}` });
      });
      clock += 86_400_000 + 1; // expired: the refresh error surfaces
      const error = await apiError(s.getAccessToken());
      assert.equal(error.code, 'SERVER_ERROR');
      assertNoSecrets(error, [...SECRETS, 'refresh-1', 'access-1']);
      assert.match(error.message, /\[redacted\]/);
      assert.ok(error.message.length < 400, `message too long: ${error.message.length}`);
    });
  });

  describe('sign-in throttle', () => {
    it('refuses further sign-ins within the window with SIGN_IN_THROTTLED, without a request', async () => {
      server.route(SIGN_IN, (_req, res) => sendJson(res, 401, { error: 'bad password' }));
      const s = session({ maxSignInsPerWindow: 3, signInWindowMs: 30 * 60_000 });
      for (let i = 0; i < 3; i++) assert.equal((await apiError(s.getAccessToken())).code, 'BAD_CREDENTIALS');
      const throttled = await apiError(s.getAccessToken());
      assert.equal(throttled.code, 'SIGN_IN_THROTTLED');
      assert.ok(throttled.retryAfterMs !== undefined && throttled.retryAfterMs > 0);
      assert.match(throttled.message, /next attempt allowed in about 30 minutes/);
      assert.equal(server.requestsTo(SIGN_IN).length, 3);
      assertNoSecrets(throttled, SECRETS);
    });

    it('allows sign-in again once the window has passed', async () => {
      server.route(SIGN_IN, (_req, res) => sendJson(res, 401, { error: 'bad password' }));
      const s = session({ maxSignInsPerWindow: 2, signInWindowMs: 60_000 });
      await apiError(s.getAccessToken());
      await apiError(s.getAccessToken());
      assert.equal((await apiError(s.getAccessToken())).code, 'SIGN_IN_THROTTLED');
      clock += 60_001;
      tokenRoutes();
      assert.equal(await s.getAccessToken(), 'access-1');
    });

    it('explicit signIn() counts against the same ration', async () => {
      tokenRoutes();
      const s = session({ maxSignInsPerWindow: 2 });
      await s.signIn();
      await s.signIn();
      assert.equal((await apiError(s.signIn())).code, 'SIGN_IN_THROTTLED');
      assert.equal(server.requestsTo(SIGN_IN).length, 2);
    });
  });

  describe('redirects are refused, never followed (they would re-send secrets elsewhere)', () => {
    let elsewhere: ScriptedHttpServer;

    beforeEach(async () => {
      // A second loopback server on another port: the redirect target, which must hear nothing.
      elsewhere = await startScriptedHttpServer();
      for (const route of [SIGN_IN, REFRESH, SIGN_OUT, 'GET /api/v1/subscriptions.json']) {
        elsewhere.route(route, (_req, res) => sendJson(res, 200, { access_token: 'stolen', refresh_token: 'stolen', expires_in: 86_400 }));
      }
    });

    afterEach(async () => {
      await elsewhere.close();
    });

    /** Answers `route` on the user service with `status` and a Location on the other server. */
    function redirect(route: string, status: number): void {
      const path = route.slice(route.indexOf(' ') + 1);
      server.route(route, (_req, res) => {
        res.writeHead(status, { Location: `${elsewhere.url}${path}` });
        res.end();
      });
    }

    function assertRefused(error: AylaApiError, status: number): void {
      const host = new URL(elsewhere.url).host;
      assert.equal(error.code, 'REDIRECT_REFUSED');
      assert.equal(error.status, status);
      assert.equal(error.retryable, false);
      assert.deepEqual(error.params, { status, host });
      assert.ok(error.message.includes(host), error.message);
      assertNoSecrets(error, [...SECRETS, 'access-1', 'refresh-1']);
    }

    for (const status of [301, 302, 303, 307, 308]) {
      it(`sign-in answered with ${status}: REDIRECT_REFUSED, and the password goes nowhere else`, async () => {
        redirect(SIGN_IN, status);
        assertRefused(await apiError(session().getAccessToken()), status);
        assert.equal(server.requestsTo(SIGN_IN).length, 1);
        assert.deepEqual(elsewhere.requests, [], 'the redirect target received a request');
      });
    }

    it('token refresh answered with 307: REDIRECT_REFUSED, the refresh token goes nowhere else', async () => {
      tokenRoutes(3600);
      const s = session();
      await s.getAccessToken();
      redirect(REFRESH, 307);
      clock += 3600_000; // expired: the refresh must happen and its failure surfaces
      assertRefused(await apiError(s.getAccessToken()), 307);
      assert.deepEqual(elsewhere.requests, []);
    });

    it('an authorized API call answered with 307: REDIRECT_REFUSED, the token goes nowhere else', async () => {
      tokenRoutes();
      redirect('GET /api/v1/subscriptions.json', 307);
      const s = session();
      assertRefused(await apiError(s.authorizedFetch(`${server.url}/api/v1/subscriptions.json`)), 307);
      assert.deepEqual(elsewhere.requests, []);
    });

    it('sign-out answered with 307 sends nothing elsewhere and still does not throw', async () => {
      tokenRoutes();
      redirect(SIGN_OUT, 307);
      const s = session();
      await s.getAccessToken();
      await s.signOut();
      assert.equal(server.requestsTo(SIGN_OUT).length, 1);
      assert.deepEqual(elsewhere.requests, []);
    });

    it('a redirect without a usable Location is refused too, and says so', async () => {
      server.route(SIGN_IN, (_req, res) => {
        res.writeHead(302, { Location: 'http://[bad' });
        res.end();
      });
      const error = await apiError(session().getAccessToken());
      assert.equal(error.code, 'REDIRECT_REFUSED');
      assert.deepEqual(error.params, { status: 302, host: '(invalid Location)' });
    });
  });

  describe('signIn / signOut', () => {
    it('signIn() signs in even with a cached token; signOut() sends the token and forgets it', async () => {
      tokenRoutes();
      server.route(SIGN_OUT, (_req, res) => sendJson(res, 200, {}));
      const s = session();
      await s.getAccessToken();
      await s.signIn();
      assert.equal(server.requestsTo(SIGN_IN).length, 2);
      assert.equal(s.signedIn, true);
      await s.signOut();
      assert.equal(s.signedIn, false);
      assert.deepEqual(server.requestsTo(SIGN_OUT)[0].json, { user: { access_token: 'access-2' } });
      assert.equal(await s.getAccessToken(), 'access-3');
    });

    it('signOut() never throws, even when the server is gone', async () => {
      tokenRoutes();
      const s = session();
      await s.getAccessToken();
      await server.close();
      await s.signOut();
      assert.equal(s.signedIn, false);
      server = await startScriptedHttpServer(); // for afterEach
    });
  });
});
