/**
 * The one error class of the device service (`docs/protocol.md` §7): reads for pickers and
 * initial values, datapoint writes and their acknowledgements. Every failure has a stable `code`
 * (a key of `locales/en-US/ayla-dss.json` → `ayla-dss-account.errors`) and, for writes, says
 * whether the write may have happened, so a flow never has to guess.
 */
import { CodedError, type ErrorParams } from './errors';

/** Codes of {@link DeviceError} beyond the user service's sign-in codes it passes on. */
export const DEVICE_ERROR_CODES = [
  /** The account has no device-service URL (custom region without one, US staging). */
  'NO_DEVICE_URL',
  /** `ayla-datapoint-out`: neither the node nor the message names the device and property. */
  'NO_TARGET',
  /** The payload cannot be converted to the property's base type: nothing was sent. */
  'INVALID_VALUE',
  /** A base type this package cannot write (`file` needs Ayla's upload protocol). */
  'UNSUPPORTED_BASE_TYPE',
  /** An `output` property: the device reports it, nobody writes it. */
  'PROPERTY_NOT_WRITABLE',
  /** A `read_only` input property. */
  'PROPERTY_READ_ONLY',
  /** 404: the device service does not know the DSN, the property or the datapoint. */
  'DEVICE_NOT_FOUND',
  /** 403: not this account's device, or a permission the account lacks. */
  'DEVICE_FORBIDDEN',
  /** 400 / 422 to a write: the service refused the value. Not written. */
  'WRITE_REFUSED',
  /** Any other final status (500, 3xx, …). */
  'DEVICE_SERVICE_ERROR',
  /** 429 / 502 / 503 / 504 after every retry, or a `Retry-After` beyond the cap. Not written. */
  'DEVICE_SERVICE_BUSY',
  /** No answer to a read, or a write that surely never reached the service. */
  'DEVICE_UNREACHABLE',
  /** A write that went out without an answer (timeout, cut connection): it may have happened; not repeated. */
  'WRITE_OUTCOME_UNKNOWN',
  /** This package's own per-account write limit: its queue is full. Not written. */
  'WRITE_RATE_LIMITED',
  /** No acknowledgement from the device within the node's ack timeout (the write itself was accepted). */
  'ACK_TIMEOUT',
  /** The service's answer to a write has no datapoint id to follow its acknowledgement with. */
  'ACK_UNTRACKABLE',
  /** An answer that does not have the documented shape. */
  'BAD_RESPONSE',
] as const;

/** One of {@link DEVICE_ERROR_CODES}. */
export type DeviceErrorCode = (typeof DEVICE_ERROR_CODES)[number];

/** What a caller knows about a write when its request failed. */
export type WriteOutcome = 'not-written' | 'unknown';

/** A failure of the device service or of the checks before a write; see the module comment. */
export class DeviceError extends CodedError<string> {
  /** HTTP status, when the service answered. */
  readonly status?: number;
  /** For writes: `not-written` when the service surely did not apply it, `unknown` when it may have. */
  readonly outcome?: WriteOutcome;

  constructor(
    code: DeviceErrorCode | string,
    message: string,
    options: { params?: ErrorParams; cause?: unknown; status?: number; outcome?: WriteOutcome } = {},
  ) {
    super(code, message, { params: options.params, cause: options.cause });
    if (options.status !== undefined) this.status = options.status;
    if (options.outcome !== undefined) this.outcome = options.outcome;
  }
}

/** True when `error` is a {@link DeviceError} with one of `codes`. */
export function isDeviceError(error: unknown, ...codes: string[]): error is DeviceError {
  return error instanceof DeviceError && (codes.length === 0 || codes.includes(error.code));
}
