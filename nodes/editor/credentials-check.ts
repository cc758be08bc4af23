/**
 * When an account's credentials are complete enough to deploy. An account signs in only for
 * event-in nodes with the `auto` source, in-nodes reading initial values and out nodes
 * (account-users.ts `signsIn`); in-nodes using only a stream key need no credentials at all.
 * So: all four credentials, or none while no node of the account creates a subscription. A
 * partial set is never useful (sign-in needs all four) and is always flagged.
 */
import { problem, type Problem } from './problem';

/** The account's credentials, in the order the dialog shows them. */
export const CREDENTIAL_FIELDS = ['email', 'password', 'appId', 'appSecret'] as const;
export type CredentialField = (typeof CREDENTIAL_FIELDS)[number];

/**
 * The credentials that are set, read from what the editor holds: a node's `credentials` object
 * (text values, and `has_<name>` flags for passwords the server did not send) or the dialog's
 * inputs (Node-RED shows a stored password as `__PWRD__`). Null when the editor cannot know:
 * Node-RED loads a deployed node's credentials only when its dialog opens.
 */
export function filledCredentials(credentials: unknown): CredentialField[] | null {
  if (credentials === null || typeof credentials !== 'object') return null;
  const values = credentials as Record<string, unknown>;
  return CREDENTIAL_FIELDS.filter((field) => (typeof values[field] === 'string' && values[field] !== '') || values[`has_${field}`] === true);
}

/**
 * Why the account cannot be deployed as it is, or null.
 *
 * @param filled - {@link filledCredentials}; null (unknown) is never a problem
 * @param signInUsers - enabled nodes of this account that make it sign in
 */
export function credentialsProblem(filled: readonly CredentialField[] | null, signInUsers: number): Problem | null {
  if (filled === null || filled.length === CREDENTIAL_FIELDS.length) return null;
  if (filled.length > 0) return problem('ayla-dss-account.error.credentialsPartial');
  return signInUsers > 0 ? problem('ayla-dss-account.error.credentialsMissing') : null;
}
