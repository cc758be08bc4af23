/** Time as the simulator sees it: injectable so tests can move past token expiry or an account lock. */

/** Milliseconds since the epoch, like `Date.now`. */
export type Clock = () => number;

/** Ayla's timestamp format: ISO 8601 in UTC, whole seconds (`2018-09-24T10:25:14Z`). */
export function aylaTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
