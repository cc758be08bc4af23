/**
 * Every error code the runtime can report has a human text in the en-US catalog, so no user
 * ever sees the `UNKNOWN` fallback for a known failure.
 */
import { strict as assert } from 'node:assert';
import catalog from '../../locales/en-US/ayla-dss.json';
import { errorKey, hasErrorText } from '../../nodes/lib/catalog';

const CODES = [
  // AylaApiError (nodes/lib/http.ts)
  'BAD_CREDENTIALS', 'BAD_APPLICATION', 'REFRESH_REFUSED', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'SERVER_ERROR',
  'NETWORK_ERROR', 'TIMEOUT', 'SIGN_IN_THROTTLED', 'BAD_RESPONSE', 'NO_ENDPOINT',
  // StreamError (nodes/lib/stream.ts)
  'AUTH_REFUSED', 'UPGRADE_FAILED', 'CONNECT_TIMEOUT', 'CONNECTION_ERROR', 'CONNECTION_LOST', 'HEARTBEAT_TIMEOUT', 'KEY_ERROR', 'LISTENER_ERROR',
  // FrameError and EventValidationError
  'EMPTY_FRAME', 'NO_SEPARATOR', 'BAD_LENGTH', 'LENGTH_MISMATCH', 'BAD_JSON', 'FRAME_TOO_LARGE', 'INVALID_EVENT',
  // EndpointError
  'UNKNOWN_REGION', 'NO_SUCH_DEPLOYMENT', 'BAD_URL', 'INSECURE_URL',
  // node configuration and stream notices
  'NO_ACCOUNT', 'MISSING_CREDENTIALS', 'ENV_MISSING', 'MISSING_STREAM_KEY', 'MISSING_DSN', 'INVALID_SOURCE', 'INVALID_REGEX', 'INVALID_RULE',
  'CLOSED', 'GAP', 'UNEXPECTED_EVENT_TYPE', 'SUPPRESSED',
  // admin routes (nodes/admin-routes.ts, nodes/device-routes.ts)
  'NOT_JSON', 'STORED_CREDENTIALS_ELSEWHERE', 'ACCOUNT_NOT_DEPLOYED', 'BAD_QUERY',
  // DeviceError (nodes/lib/device-errors.ts), initial values
  'NO_DEVICE_URL', 'NO_TARGET', 'INVALID_VALUE', 'UNSUPPORTED_BASE_TYPE', 'PROPERTY_NOT_WRITABLE', 'PROPERTY_READ_ONLY', 'DEVICE_NOT_FOUND',
  'DEVICE_FORBIDDEN', 'WRITE_REFUSED', 'DEVICE_SERVICE_ERROR', 'DEVICE_SERVICE_BUSY', 'DEVICE_UNREACHABLE', 'WRITE_OUTCOME_UNKNOWN',
  'WRITE_RATE_LIMITED', 'ACK_TIMEOUT', 'ACK_UNTRACKABLE', 'INITIAL_INCOMPLETE',
];

describe('en-US catalog', () => {
  it('has a text for every error code the runtime reports', () => {
    const missing = CODES.filter((code) => !hasErrorText(code));
    assert.deepEqual(missing, []);
  });

  it('falls back to UNKNOWN for a code it does not know', () => {
    assert.equal(errorKey('SOMETHING_NEW'), 'ayla-dss-account.errors.UNKNOWN');
    assert.equal(errorKey('BAD_JSON'), 'ayla-dss-account.errors.BAD_JSON');
  });

  it('has the status texts ayla-datapoint-out shows', () => {
    const status = (catalog as unknown as Record<string, { status: Record<string, string> }>)['ayla-datapoint-out'].status;
    for (const key of ['writing', 'waiting', 'written', 'acked', 'ack-failed', 'failed']) assert.ok(status[key], key);
  });

  it('has the status texts the in-nodes show', () => {
    const status = catalog['ayla-dss-account'].status as Record<string, string>;
    for (const key of ['connected-count', 'reconnecting', 'reconnecting-in', 'auth-failed', 'config-error']) assert.ok(status[key], key);
  });
});
