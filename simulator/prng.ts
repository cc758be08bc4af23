/**
 * A small seeded pseudo-random generator, so a simulator started with the same `seed` produces
 * the same devices' values and ids (tokens and stream keys stay cryptographically random).
 */

/** A source of numbers in [0, 1), like `Math.random`. */
export type Random = () => number;

/**
 * mulberry32: a 32-bit generator, tiny and good enough for believable test data (not for
 * anything secret).
 *
 * @param seed - any integer; the same seed gives the same sequence.
 */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One element of a non-empty list, chosen with `random`. */
export function pickOne<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length) % items.length];
}

/** A UUID-shaped id (8-4-4-4-12 lowercase hex) drawn from `random`, as Ayla uses for datapoints. */
export function randomUuid(random: Random): string {
  let hex = '';
  // 32 bits per draw: one datapoint id costs four draws, not thirty-two (bursts make millions).
  for (let i = 0; i < 4; i++) hex += Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
