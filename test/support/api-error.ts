/**
 * Awaiting an expected AylaApiError in the REST client specs, so the test body can assert on its
 * code and message.
 */
import { strict as assert } from 'node:assert';
import { AylaApiError } from '../../nodes/lib/http';

/** Rejection of `promise` as an AylaApiError (fails the test when it resolves or throws something else). */
export async function apiError(promise: Promise<unknown>): Promise<AylaApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AylaApiError, `expected an AylaApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the promise to reject');
}
