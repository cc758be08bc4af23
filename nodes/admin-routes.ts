/**
 * Admin HTTP routes the editor calls. Both sit behind `RED.auth.needsPermission`; the GET route
 * only reads a constant table, and only POST does anything (a sign-in, which changes no state
 * of Node-RED or of the account).
 */
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import { ENDPOINT_TABLE, EndpointError, REGIONS, deploymentsFor, type Region } from './lib/endpoints';
import { AylaApiError } from './lib/http';
import { Session } from './lib/session';
import { ACCOUNT_NODE_TYPE, resolveAccount } from './account-node';
import { errorText, messageKey } from './catalog';
import type { AccountCredentials, AccountNodeProperties } from './node-options';
import { redactEmail } from './secrets';
import { HubConfigError } from './stream-hub';

/** GET: the endpoint table and the deployments of each region. */
export const ENDPOINTS_ROUTE = '/ayla-dss/endpoints';
/** POST: sign in with the given (or stored) account settings. */
export const TEST_CONNECTION_ROUTE = '/ayla-dss/test-connection';
/** Node-RED's stand-in for a password the editor did not change. */
const UNCHANGED_PASSWORD = '__PWRD__';
/** A test sign-in must answer while the user waits (10 s). */
export const TEST_SIGN_IN_TIMEOUT_MS = 10_000;
/** At most this many test sign-ins per e-mail in {@link TEST_WINDOW_MS}: Ayla locks an account after five failures. */
export const MAX_TEST_SIGN_INS = 3;
/** Window of {@link MAX_TEST_SIGN_INS} (60 s). */
export const TEST_WINDOW_MS = 60_000;

/** The JSON answer of the test-connection route (always HTTP 200). */
export type TestConnectionAnswer = { ok: true; message: string } | { ok: false; code: string; message: string };

const CREDENTIAL_FIELDS = ['email', 'password', 'appId', 'appSecret'] as const;

/** Apps already carrying our routes: the entry may be called again for the same runtime (tests, reloads). */
const routedApps = new WeakSet<object>();
/** Recent test sign-ins per e-mail address (epoch ms). */
const recentTests = new Map<string, number[]>();

function allowTest(email: string, now: number): boolean {
  for (const [key, times] of recentTests) {
    const fresh = times.filter((t) => now - t < TEST_WINDOW_MS);
    if (fresh.length === 0) recentTests.delete(key);
    else recentTests.set(key, fresh);
  }
  const times = recentTests.get(email) ?? [];
  if (times.length >= MAX_TEST_SIGN_INS) return false;
  times.push(now);
  recentTests.set(email, times);
  return true;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Runs a test sign-in for the account settings in `body`.
 *
 * @param stored - the stored credentials of the node named by `body.id`, used for `__PWRD__` or empty fields
 */
export async function testConnection(
  body: Record<string, unknown>,
  stored: AccountCredentials | undefined,
  translate: (key: string, params?: Record<string, unknown>) => string,
): Promise<TestConnectionAnswer> {
  const fail = (code: string, params: Record<string, unknown> = {}): TestConnectionAnswer => ({
    ok: false,
    code,
    message: errorText(translate, code, params),
  });
  const given = (body.credentials ?? {}) as Record<string, unknown>;
  const credentials: AccountCredentials = {};
  for (const field of CREDENTIAL_FIELDS) {
    const value = text(given[field]);
    credentials[field] = value === undefined || value === '' || value === UNCHANGED_PASSWORD ? stored?.[field] : value;
  }
  const props: AccountNodeProperties = {
    region: text(body.region),
    deployment: text(body.deployment),
    clientType: text(body.clientType),
    streamUrl: text(body.streamUrl),
    apiUrl: text(body.apiUrl),
    userUrl: text(body.userUrl),
    allowInsecure: body.allowInsecure === true || body.allowInsecure === 'true',
  };
  let account;
  try {
    account = resolveAccount(props, credentials);
  } catch (error) {
    if (error instanceof EndpointError || error instanceof HubConfigError) {
      return fail(error.code, { detail: error.message, ...(error instanceof HubConfigError ? error.params : {}) });
    }
    throw error;
  }
  const c = account.credentials;
  if (!c || !c.email || !c.password || !c.appId || !c.appSecret) return fail('MISSING_CREDENTIALS');
  if (!account.endpoints.userUrl) return fail('NO_ENDPOINT');
  if (!allowTest(c.email.toLowerCase(), Date.now())) return fail('SIGN_IN_THROTTLED');
  const session = new Session({ userUrl: account.endpoints.userUrl, credentials: c, requestTimeoutMs: TEST_SIGN_IN_TIMEOUT_MS, maxSignInsPerWindow: 1 });
  try {
    await session.signIn();
  } catch (error) {
    if (error instanceof AylaApiError) return fail(error.code);
    return fail('UNKNOWN');
  }
  // The token was only a proof; do not leave a live session behind.
  await session.signOut().catch(() => undefined /* best effort: the token expires by itself */);
  return { ok: true, message: translate(messageKey('signed-in'), { email: redactEmail(c.email) }) };
}

/** Registers the admin routes once per admin app. */
export function registerAdminRoutes(RED: NodeAPI): void {
  const app = RED.httpAdmin;
  if (!app || routedApps.has(app)) return;
  routedApps.add(app);
  const translate = (key: string, params?: Record<string, unknown>): string => RED._(key, params as Record<string, string>);

  app.get(ENDPOINTS_ROUTE, RED.auth.needsPermission(`${ACCOUNT_NODE_TYPE}.read`), (_req: Request, res: Response) => {
    const deployments = Object.fromEntries(REGIONS.map((region: Region) => [region, deploymentsFor(region)]));
    res.json({ table: ENDPOINT_TABLE, deployments });
  });

  app.post(TEST_CONNECTION_ROUTE, RED.auth.needsPermission(`${ACCOUNT_NODE_TYPE}.write`), (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const id = text(body.id);
    const stored = id ? (RED.nodes.getCredentials(id) as AccountCredentials | undefined) : undefined;
    testConnection(body, stored, translate).then(
      (answer) => res.json(answer),
      (error: Error) => {
        RED.log.debug(`ayla-dss test connection failed: ${error.name}`);
        res.json({ ok: false, code: 'UNKNOWN', message: errorText(translate, 'UNKNOWN') });
      },
    );
  });
}
