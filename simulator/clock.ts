/** Time as the simulator sees it: injectable so tests can move past token expiry or an account lock. */

/** Milliseconds since the epoch, like `Date.now`. */
export type Clock = () => number;

/** The last second formatted, since bursts stamp many events within the same second. */
let cachedSecond = Number.NaN;
let cachedText = '';

/** Ayla's timestamp format: ISO 8601 in UTC, whole seconds (`2018-09-24T10:25:14Z`). */
export function aylaTimestamp(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== cachedSecond) {
    cachedText = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    cachedSecond = second;
  }
  return cachedText;
}
