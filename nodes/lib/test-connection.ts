/**
 * "Test connection" for the account dialog: one sign-in with the settings being edited, and an
 * answer in words. It guards the account and its secrets:
 * - stored secrets (a password field left unchanged) and `${NAME}` environment references are
 *   only sent to the user service the account was deployed with (`docs/protocol.md` §3.6);
 * - every attempt draws from the runtime's sign-in budget for that e-mail and user service, the
 *   one the streams use, so clicking cannot lock the Ayla account (`docs/protocol.md` §3.7);
 * - an empty e-mail means empty: only password fields may mean "unchanged".
 */
import { resolveAccount } from './account-config';
import { shownParams } from './catalog';
import { EndpointError } from './endpoints';
import { CodedError } from './errors';
import { AylaApiError, systemCodeOf } from './http';
import type { AccountCredentials, AccountNodeProperties } from './node-options';
import { isEnvironmentReference, redactEmail } from './secrets';
import { Session } from './session';
import type { SignInBudget } from './sign-in-budget';

/** Node-RED's stand-in for a password field the editor did not change. */
export const UNCHANGED_PASSWORD = '__PWRD__';
/** A test sign-in must answer while the user waits (10 s). */
export const TEST_SIGN_IN_TIMEOUT_MS = 10_000;
/** Failure code of a test that would send stored secrets or environment values to a user service other than the deployed one. */
export const STORED_CREDENTIALS_ELSEWHERE_CODE = 'STORED_CREDENTIALS_ELSEWHERE';
/** Failure code of a request whose body is not JSON (CSRF: see `admin-routes.ts`). */
export const NOT_JSON_CODE = 'NOT_JSON';
/** The failure codes only Test connection gives (each has a catalog text). */
export const TEST_CONNECTION_CODES = [
  STORED_CREDENTIALS_ELSEWHERE_CODE,
  NOT_JSON_CODE,
  'TEST_UNREACHABLE_TIMEOUT',
  'TEST_UNREACHABLE_DNS',
  'TEST_UNREACHABLE_REFUSED',
  'TEST_UNREACHABLE_TLS',
  'TEST_UNREACHABLE_OTHER',
] as const;

/**
 * The answer: `message` is plain text in the runtime's language (the editor escapes it);
 * `params` are the values that text shows, so the editor can word the same catalog text
 * (`ayla-dss-account.messages.signed-in`, or `ayla-dss-account.errors.<code>`) in the
 * language of the browser, which may differ from the runtime's.
 */
export type TestConnectionAnswer =
  | { ok: true; message: string; params: Record<string, string | number> }
  | { ok: false; code: string; message: string; params: Record<string, string | number> };

/** The deployed account node whose stored credentials a test may use. */
export interface StoredAccount {
  /** Its properties as deployed: they say which user service the secrets belong to. */
  properties: AccountNodeProperties;
  credentials: AccountCredentials;
}

/** What the test needs from its caller. */
export interface TestConnectionContext {
  signInBudget: SignInBudget;
  /** Catalog lookup (`RED._`). */
  translate: (key: string, params?: Record<string, unknown>) => string;
  /** The catalog key of an error code's text. */
  errorKey: (code: string) => string;
  /** The catalog key of the success text. */
  successKey: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides the sign-in timeout, ms. */
  timeoutMs?: number;
}

const SECRET_FIELDS = ['password', 'appId', 'appSecret'] as const;

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

/** Why a request got no answer, in one word a user can act on. */
function networkReason(error: AylaApiError): 'timeout' | 'dns' | 'refused' | 'tls' | 'other' {
  if (error.code === 'TIMEOUT') return 'timeout';
  const code = systemCodeOf(error.cause) ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code === 'ECONNREFUSED') return 'refused';
  if (/CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code)) return 'tls';
  return 'other';
}

/**
 * Runs a test sign-in for the account settings in `body` (the dialog's fields).
 *
 * @param stored - the deployed account named by `body.id`; its credentials fill unchanged
 *   password fields, but only when the test signs in at the same user service
 */
export async function testConnection(body: Record<string, unknown>, stored: StoredAccount | undefined, context: TestConnectionContext): Promise<TestConnectionAnswer> {
  const fail = (code: string, params: Record<string, unknown> = {}): TestConnectionAnswer => {
    const key = context.errorKey(code);
    const filled = { detail: '', ...params, code };
    return { ok: false, code, message: context.translate(key, filled), params: shownParams(key, filled) };
  };
  const given = (body.credentials ?? {}) as Record<string, unknown>;
  const credentials: AccountCredentials = { email: text(given.email) ?? '' };
  let protectedValues = isEnvironmentReference(credentials.email);
  for (const field of SECRET_FIELDS) {
    const value = text(given[field]);
    const unchanged = value === undefined || value === '' || value === UNCHANGED_PASSWORD;
    credentials[field] = unchanged ? stored?.credentials[field] : value;
    if (unchanged ? Boolean(stored?.credentials[field]) : isEnvironmentReference(value)) protectedValues = true;
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
    account = resolveAccount(props, credentials, context.env);
  } catch (error) {
    if (error instanceof EndpointError) return fail(error.code, { detail: error.message });
    if (error instanceof CodedError) return fail(error.code, { detail: error.message, ...error.params });
    throw error;
  }
  const c = account.credentials;
  if (!c || !c.email || !c.password || !c.appId || !c.appSecret) return fail('MISSING_CREDENTIALS');
  const userUrl = account.endpoints.userUrl;
  if (!userUrl) return fail('NO_ENDPOINT');
  if (protectedValues && userUrl !== deployedUserUrl(stored?.properties ?? {})) return fail(STORED_CREDENTIALS_ELSEWHERE_CODE);
  const session = new Session({
    userUrl,
    credentials: c,
    requestTimeoutMs: context.timeoutMs ?? TEST_SIGN_IN_TIMEOUT_MS,
    signInGate: context.signInBudget.gate(c.email, userUrl),
  });
  try {
    await session.signIn();
  } catch (error) {
    if (!(error instanceof AylaApiError)) return fail('UNKNOWN');
    if (error.code === 'SIGN_IN_THROTTLED') return fail(error.code, { minutes: Math.max(1, Math.ceil((error.retryAfterMs ?? 60_000) / 60_000)) });
    if (error.code === 'NETWORK_ERROR' || error.code === 'TIMEOUT') {
      return fail(`TEST_UNREACHABLE_${networkReason(error).toUpperCase()}`, { host: new URL(userUrl).host });
    }
    return fail(error.code);
  }
  // The token was only a proof; do not leave a live session behind.
  await session.signOut();
  const signedIn = { email: redactEmail(c.email) };
  return { ok: true, message: context.translate(context.successKey, signedIn), params: shownParams(context.successKey, signedIn) };
}
