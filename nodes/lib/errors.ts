/**
 * The one base class of every error this package raises on purpose: a stable, typed `code`
 * (the catalog key of its text, see `locales/en-US/ayla-dss.json` → `ayla-dss-account.errors`)
 * and optional parameters for that text. Consumers switch on `code`, never on `message` or on
 * the class name, and never need to duck-type an `Error`.
 */

/** Parameters for the catalog text of an error. Never secrets. */
export type ErrorParams = Record<string, string | number>;

/** An error with a stable code; `C` narrows the codes a subclass can carry. */
export class CodedError<C extends string = string> extends Error {
  /** Stable identifier of the failure; a key of the message catalog. */
  readonly code: C;
  /** Parameters for the catalog text (never secrets). */
  readonly params: ErrorParams;

  constructor(code: C, message: string, options: { params?: ErrorParams; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.params = options.params ?? {};
  }
}

/** Codes of {@link ConfigError}. */
/** Stable codes of {@link ConfigError}. */
export const CONFIG_ERROR_CODES = [
  'MISSING_CREDENTIALS',
  'NO_ENDPOINT',
  /** The account has no device-service URL (docs/protocol.md §7.1). */
  'NO_DEVICE_URL',
  'MISSING_STREAM_KEY',
  'MISSING_DSN',
  'INVALID_SOURCE',
  'ENV_MISSING',
  'OUT_OF_RANGE',
  'BAD_INSTANCE_LABEL',
  'BAD_PARTITION',
  'BAD_COMMAND',
  'NO_ACCOUNT',
  'CLOSED',
  'UNKNOWN',
] as const;

/** One of {@link CONFIG_ERROR_CODES}. */
export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[number];

/** A configuration problem found before anything touched the network. */
export class ConfigError extends CodedError<ConfigErrorCode> {}

/** `code` when `error` is a {@link CodedError}, else `fallback`. */
export function codeOf(error: unknown, fallback: string): string {
  return error instanceof CodedError ? error.code : fallback;
}

/** The message of anything thrown, for a log line. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
