/**
 * "Test connection" for the account dialog: one sign-in with the settings being edited, and an
 * answer in words. It guards the account and its secrets:
 * - stored secrets (a password field left unchanged) and `${NAME}` environment references are
 *   only sent to the user service the account was deployed with (`docs/protocol.md` §3.6; the
 *   rule lives in `dialog-account.ts`, shared with the pickers' device look-ups);
 * - every attempt draws from the runtime's sign-in budget for that e-mail and user service, the
 *   one the streams use, so clicking cannot lock the Ayla account (`docs/protocol.md` §3.7);
 * - an empty e-mail means empty: only password fields may mean "unchanged".
 */
import { mayUseCredentials, readDialogAccount, STORED_CREDENTIALS_ELSEWHERE_CODE, UNCHANGED_PASSWORD, type StoredAccount } from './dialog-account';
import { shownParams } from './catalog';
import { AylaApiError, systemCodeOf } from './http';
import { redactEmail } from './secrets';
import { Session } from './session';
import type { SignInBudget } from './sign-in-budget';

export { STORED_CREDENTIALS_ELSEWHERE_CODE, UNCHANGED_PASSWORD, type StoredAccount };

/** A test sign-in must answer while the user waits (10 s). */
export const TEST_SIGN_IN_TIMEOUT_MS = 10_000;
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

/**
 * Why a request got no answer, in one word a user can act on: the suffix of the
 * `TEST_UNREACHABLE_*` code Test connection answers with.
 */
export function unreachableReasonOf(error: AylaApiError): 'timeout' | 'dns' | 'refused' | 'tls' | 'other' {
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
  const dialog = readDialogAccount(body, stored, context.env);
  if (!dialog.ok) return fail(dialog.code, dialog.params);
  const { account } = dialog;
  const c = account.credentials;
  if (!c || !c.email || !c.password || !c.appId || !c.appSecret) return fail('MISSING_CREDENTIALS');
  const userUrl = account.endpoints.userUrl;
  if (!userUrl) return fail('NO_ENDPOINT');
  if (!mayUseCredentials(dialog, stored, ['userUrl'])) return fail(STORED_CREDENTIALS_ELSEWHERE_CODE);
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
      return fail(`TEST_UNREACHABLE_${unreachableReasonOf(error).toUpperCase()}`, { host: new URL(userUrl).host });
    }
    return fail(error.code);
  }
  // The token was only a proof; do not leave a live session behind.
  await session.signOut();
  const signedIn = { email: redactEmail(c.email) };
  return { ok: true, message: context.translate(context.successKey, signedIn), params: shownParams(context.successKey, signedIn) };
}
