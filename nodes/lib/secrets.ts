/**
 * Handling of secrets: `${NAME}` credentials read from the environment, redaction for the rare
 * place a secret must be mentioned, and fingerprints used as map keys so a stream key never
 * becomes a readable identifier.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from './errors';

/** A whole credential of the form `${NAME}`: read from environment variable NAME. */
const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** Characters of a secret that may be shown, followed by an ellipsis. */
const REDACTED_PREFIX_CHARS = 4;

/** True when `value` is a whole `${NAME}` environment reference. */
export function isEnvironmentReference(value: string | undefined | null): boolean {
  return value != null && ENV_REFERENCE.test(value.trim());
}

/**
 * Resolves one credential: `${NAME}` becomes `env.NAME`, anything else is returned trimmed
 * of nothing (passwords may legitimately start or end with spaces).
 *
 * @param value - the stored credential; undefined and null count as empty
 * @param env - the environment to read, default `process.env`
 * @returns the credential, or '' when empty
 * @throws {@link ConfigError} `ENV_MISSING` (param `variable`: the name, not secret) when
 *   `${NAME}` names an unset variable
 */
export function resolveCredential(value: string | undefined | null, env: NodeJS.ProcessEnv = process.env): string {
  if (value == null) return '';
  const reference = ENV_REFERENCE.exec(value.trim());
  if (!reference) return value;
  const resolved = env[reference[1]];
  if (resolved === undefined) {
    throw new ConfigError('ENV_MISSING', `environment variable ${reference[1]} is not set`, { params: { variable: reference[1] } });
  }
  return resolved;
}

/** `abcd…` — at most four characters of a secret, for the rare log line that must refer to one. */
export function redactSecret(secret: string): string {
  return secret.length <= REDACTED_PREFIX_CHARS ? '…' : `${secret.slice(0, REDACTED_PREFIX_CHARS)}…`;
}

/** `d…@example.com` — an e-mail address shown without its local part. */
export function redactEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return redactSecret(email);
  return `${email[0]}…${email.slice(at)}`;
}

/** A short, stable, one-way fingerprint of a secret (16 hex chars of SHA-256), usable as a map key. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}
