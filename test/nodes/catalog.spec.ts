/**
 * Every error code the runtime can report has a human text in the en-US catalog, so no user
 * ever sees the `UNKNOWN` fallback for a known failure.
 */
import { strict as assert } from 'node:assert';
import catalog from '../../locales/en-US/ayla-dss.json';
import { errorKey, hasErrorText } from '../../nodes/lib/catalog';
import { ENDPOINT_ERROR_CODES } from '../../nodes/lib/endpoints';
import { DEVICE_ERROR_CODES } from '../../nodes/lib/device-errors';
import { CONFIG_ERROR_CODES } from '../../nodes/lib/errors';
import { FILTER_CONFIG_ERROR_CODES } from '../../nodes/lib/filters';
import { FRAME_ERROR_CODES } from '../../nodes/lib/frames';
import { AYLA_ERROR_CODES } from '../../nodes/lib/http';
import { PROBLEM_CODES } from '../../nodes/lib/hub/problem-reporter';
import { STREAM_ERROR_CODES } from '../../nodes/lib/stream';
import { TEST_CONNECTION_CODES } from '../../nodes/lib/test-connection';

/** Every code the runtime can report, taken from the lists the error classes are typed by. */
const CODES: readonly string[] = [
  ...AYLA_ERROR_CODES,
  ...STREAM_ERROR_CODES,
  ...FRAME_ERROR_CODES,
  'INVALID_EVENT',
  ...ENDPOINT_ERROR_CODES,
  ...CONFIG_ERROR_CODES,
  ...FILTER_CONFIG_ERROR_CODES,
  ...PROBLEM_CODES,
  ...TEST_CONNECTION_CODES,
  ...DEVICE_ERROR_CODES,
  // device routes (nodes/device-routes.ts) and initial values
  'ACCOUNT_NOT_DEPLOYED',
  'BAD_QUERY',
  'INITIAL_INCOMPLETE',
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
    for (const key of ['connected-count_one', 'connected-count_other', 'malformed-count_one', 'malformed-count_other', 'lost-range', 'last-event-seconds', 'last-event-minutes', 'last-event-hours', 'reconnecting', 'reconnecting-in', 'auth-failed', 'config-error', 'replaced']) {
      assert.ok(status[key], key);
    }
  });
});
