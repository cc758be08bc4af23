/**
 * The account dialog's unsaved values as the runtime reads them for Test connection and for
 * the device look-ups of the pickers (`docs/protocol.md` §3.6, §7.7), and the one rule that
 * guards a deployed account's secrets there: a stored secret (a password field left unchanged)
 * or a `${NAME}` environment reference may only be used with the services the account was
 * deployed with — the user service it signs in at and, for device look-ups, the device service
 * its token goes to. An empty e-mail means empty: only password fields may mean "unchanged".
 */
import { resolveAccount, type ResolvedAccount } from './account-config';
import { EndpointError, type Endpoints } from './endpoints';
import { CodedError } from './errors';
import type { AccountCredentials, AccountNodeProperties } from './node-options';
import { isEnvironmentReference } from './secrets';

/** Node-RED's stand-in for a password field the editor did not change. */
export const UNCHANGED_PASSWORD = '__PWRD__';
/** Failure code of a request that would send stored secrets or environment values to a service other than the deployed one. */
export const STORED_CREDENTIALS_ELSEWHERE_CODE = 'STORED_CREDENTIALS_ELSEWHERE';

/** The deployed account node whose stored credentials a dialog request may use. */
export interface StoredAccount {
  /** Its properties as deployed: they say which services the secrets belong to. */
  properties: AccountNodeProperties;
  credentials: AccountCredentials;
}

/** The dialog's values resolved, or why they cannot be. */
export type DialogAccount =
  | {
      ok: true;
      account: ResolvedAccount;
      /** True when a stored secret or an environment value is part of the credentials. */
      protectedValues: boolean;
    }
  | { ok: false; code: string; params: Record<string, string | number> };

const SECRET_FIELDS = ['password', 'appId', 'appSecret'] as const;

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Reads the dialog's fields in `body` (`region`, `deployment`, `clientType`, the URLs,
 * `allowInsecure`, `credentials`), filling unchanged password fields from `stored`.
 */
export function readDialogAccount(body: Record<string, unknown>, stored: StoredAccount | undefined, env: NodeJS.ProcessEnv = process.env): DialogAccount {
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
    deviceUrl: text(body.deviceUrl),
    allowInsecure: body.allowInsecure === true || body.allowInsecure === 'true',
  };
  try {
    return { ok: true, account: resolveAccount(props, credentials, env), protectedValues };
  } catch (error) {
    if (error instanceof EndpointError) return { ok: false, code: error.code, params: { detail: error.message } };
    if (error instanceof CodedError) return { ok: false, code: error.code, params: { detail: error.message, ...error.params } };
    throw error;
  }
}

/** The services a deployed account uses, or null when its settings do not resolve. */
function deployedEndpoints(stored: StoredAccount | undefined): Endpoints | null {
  try {
    return resolveAccount(stored?.properties ?? {}, undefined).endpoints;
  } catch {
    // A deployed account that does not resolve has no service its secrets could belong to.
    return null;
  }
}

/**
 * Whether `dialog`'s credentials may be sent to the services named in `services`: always for
 * values typed into the dialog, and for stored secrets and environment values only when each
 * of those services is the deployed account's own.
 */
export function mayUseCredentials(dialog: { account: ResolvedAccount; protectedValues: boolean }, stored: StoredAccount | undefined, services: ReadonlyArray<'userUrl' | 'deviceUrl'>): boolean {
  if (!dialog.protectedValues) return true;
  const deployed = deployedEndpoints(stored);
  if (!deployed) return false;
  return services.every((service) => {
    const wanted = dialog.account.endpoints[service] ?? null;
    return wanted !== null && wanted === (deployed[service] ?? null);
  });
}
