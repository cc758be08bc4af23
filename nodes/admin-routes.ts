/**
 * Admin HTTP routes the editor calls. Both sit behind `RED.auth.needsPermission`; the GET route
 * only reads a constant table, and only POST does anything (a sign-in, which changes no state
 * of Node-RED or of the account).
 *
 * The POST route can fill in the stored password and app secret of a deployed account, so it
 * guards them against two ways of sending them elsewhere:
 * - it accepts JSON only: without `adminAuth` (Node-RED's default) a web page on another site can
 *   make the browser POST a urlencoded form to the local editor, but never JSON without a CORS
 *   preflight Node-RED does not grant;
 * - stored secrets are only sent to the user service the account was deployed with; testing
 *   other URLs needs the secrets typed in again.
 */
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import { ENDPOINT_TABLE, EndpointError, REGIONS, deploymentsFor, type Region } from './lib/endpoints';
import { AylaApiError } from './lib/http';
import { Session } from './lib/session';
import { ACCOUNT_NODE_TYPE, resolveAccount } from './account-node';
import { errorText, messageKey } from './catalog';
import type { AccountCredentials, AccountNodeProperties } from './lib/node-options';
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

/** The JSON answer of the test-connection route (HTTP 200; 415 for a body that is not JSON). */
export type TestConnectionAnswer = { ok: true; message: string } | { ok: false; code: string; message: string };

/** The deployed account node whose stored credentials a test may use. */
export interface StoredAccount {
  /** Its properties as deployed: they say which user service the secrets belong to. */
  properties: AccountNodeProperties;
  credentials: AccountCredentials;
}

/** Failure code of a request whose body is not JSON (see the module comment: CSRF). */
export const NOT_JSON_CODE = 'NOT_JSON';
/** Failure code of a test that would send stored secrets to a user service other than the deployed one. */
export const STORED_CREDENTIALS_ELSEWHERE_CODE = 'STORED_CREDENTIALS_ELSEWHERE';

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

/** The user service a deployed account signs in at, or null when its settings do not resolve. */
function deployedUserUrl(properties: AccountNodeProperties): string | null {
  try {
    return resolveAccount(properties, undefined).endpoints.userUrl;
  } catch {
    // A deployed account that does not resolve has no service its secrets could belong to.
    return null;
  }
}

/**
 * Runs a test sign-in for the account settings in `body`.
 *
 * @param stored - the deployed account named by `body.id`; its credentials fill `__PWRD__` or
 *   empty fields, but only when the test signs in at the same user service as the deployed node
 */
export async function testConnection(
  body: Record<string, unknown>,
  stored: StoredAccount | undefined,
  translate: (key: string, params?: Record<string, unknown>) => string,
): Promise<TestConnectionAnswer> {
  const fail = (code: string, params: Record<string, unknown> = {}): TestConnectionAnswer => ({
    ok: false,
    code,
    message: errorText(translate, code, params),
  });
  const given = (body.credentials ?? {}) as Record<string, unknown>;
  const credentials: AccountCredentials = {};
  let usesStoredSecret = false;
  for (const field of CREDENTIAL_FIELDS) {
    const value = text(given[field]);
    const fromStore = value === undefined || value === '' || value === UNCHANGED_PASSWORD;
    credentials[field] = fromStore ? stored?.credentials[field] : value;
    // The e-mail address is not a secret; the other three are.
    if (fromStore && field !== 'email' && stored?.credentials[field]) usesStoredSecret = true;
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
  if (usesStoredSecret && account.endpoints.userUrl !== deployedUserUrl(stored?.properties ?? {})) {
    return fail(STORED_CREDENTIALS_ELSEWHERE_CODE);
  }
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

/** The deployed account node `id` with its stored credentials; undefined for any other node or an undeployed one. */
function storedAccount(RED: NodeAPI, id: string): StoredAccount | undefined {
  let properties: AccountNodeProperties | undefined;
  RED.nodes.eachNode((node) => {
    if (node.id === id && node.type === ACCOUNT_NODE_TYPE) properties = node as AccountNodeProperties;
  });
  if (!properties) return undefined;
  return { properties, credentials: (RED.nodes.getCredentials(id) as AccountCredentials | undefined) ?? {} };
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
    if (!req.is('application/json')) {
      res.status(415).json({ ok: false, code: NOT_JSON_CODE, message: errorText(translate, NOT_JSON_CODE) });
      return;
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const id = text(body.id);
    testConnection(body, id ? storedAccount(RED, id) : undefined, translate).then(
      (answer) => res.json(answer),
      (error: Error) => {
        RED.log.debug(`ayla-dss test connection failed: ${error.name}`);
        res.json({ ok: false, code: 'UNKNOWN', message: errorText(translate, 'UNKNOWN') });
      },
    );
  });
}
