/**
 * Converting one cloud-supplied value by its Ayla `base_type` (`docs/protocol.md` §6.5), and the
 * small readers normalising uses for text, booleans and numbers. A value that cannot be
 * converted is never dropped: it stays in its raw form and the result says why. Nothing here
 * recurses over cloud-supplied data.
 */

/**
 * Deepest datapoint value (or coordinate) rendered as JSON text in `value`: an Ayla value is a
 * scalar, so an object or array is already an oddity, and rendering stays well inside the
 * stack that `JSON.stringify` recurses on. Deeper values get `value: null`, a `valueError`, and
 * stay whole in `rawValue`.
 */
export const MAX_VALUE_DEPTH = 64;

/** A decimal number as text: optional sign, digits with optional fraction, optional exponent. */
const DECIMAL_TEXT = /^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;

/** A string field, or null when absent or of another JSON type. */
export function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** A boolean field, or null when absent or of another JSON type. */
export function booleanOrNull(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

/**
 * True when JSON data nests objects or arrays more than `limit` levels deep (a scalar is 0
 * levels, `[1]` is 1). Iterative, and it stops at the first path that goes too deep, so a
 * hostile value costs at most one walk of its first `limit` levels.
 */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const pending: unknown[] = [value];
  const depths: number[] = [1];
  while (pending.length > 0) {
    const current = pending.pop() as object;
    const depth = depths.pop() as number;
    if (depth > limit) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        pending.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/** What `valueError` says about a value nested too deeply (the value itself is never quoted). */
const TOO_DEEP = `a value nested deeper than ${MAX_VALUE_DEPTH} levels`;

/**
 * The raw value as a scalar `value` (objects and arrays as JSON text), for failed conversions;
 * null for a value nested deeper than {@link MAX_VALUE_DEPTH} levels.
 */
function rawScalar(raw: unknown): boolean | number | string | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'boolean' || typeof raw === 'number' || typeof raw === 'string') return raw;
  if (typeof raw !== 'object' || nestedDeeperThan(raw, MAX_VALUE_DEPTH)) return null;
  try {
    return JSON.stringify(raw) ?? null;
  } catch {
    // Not reachable for parsed JSON (no cycles, depth checked); a hand-built cyclic object
    // still must not throw here.
    return null;
  }
}

/** Describes a raw value for `valueError` without quoting more than a short excerpt. */
export function describeRaw(raw: unknown): string {
  if (raw !== null && typeof raw === 'object' && nestedDeeperThan(raw, MAX_VALUE_DEPTH)) return TOO_DEEP;
  const text = typeof raw === 'string' ? JSON.stringify(raw) : String(rawScalar(raw));
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** A number from a JSON number or a decimal string (surrounding whitespace ignored). */
export function toNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (!DECIMAL_TEXT.test(text)) return undefined;
  const parsed = Number(text);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** A boolean from true/false, 0/1, "0"/"1", "true"/"false" (case-insensitive, trimmed). */
export function toBoolean(raw: unknown): boolean | undefined {
  if (typeof raw === 'boolean') return raw;
  if (raw === 0 || raw === 1) return raw === 1;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim().toLowerCase();
  if (text === '1' || text === 'true') return true;
  if (text === '0' || text === 'false') return false;
  return undefined;
}

/** The result of {@link convertValue}: the value, and why conversion failed when it did. */
export interface ConvertedValue {
  value: boolean | number | string | null;
  error?: string;
}

function failed(raw: unknown, expected: string): ConvertedValue {
  return { value: rawScalar(raw), error: `${describeRaw(raw)} is not ${expected}` };
}

/**
 * Converts a datapoint value by its Ayla base type. `null` stays `null` for every type (a
 * property without a value yet). Unknown or missing base types keep scalar values as they are.
 * A failed conversion returns the raw form (objects and arrays as JSON text) and an `error`;
 * an object or array nested deeper than {@link MAX_VALUE_DEPTH} levels returns `value: null`
 * and an error saying so, whatever the base type. Never throws.
 */
export function convertValue(raw: unknown, baseType: string | null): ConvertedValue {
  if (raw === null || raw === undefined) return { value: null };
  if (typeof raw === 'object' && nestedDeeperThan(raw, MAX_VALUE_DEPTH)) {
    return { value: null, error: `${TOO_DEEP}: not converted (kept as received in rawValue)` };
  }
  switch (baseType) {
    case 'boolean': {
      const converted = toBoolean(raw);
      return converted === undefined ? failed(raw, 'a boolean (0, 1, true or false)') : { value: converted };
    }
    case 'integer': {
      const converted = toNumber(raw);
      if (converted === undefined) return failed(raw, 'an integer');
      if (!Number.isInteger(converted)) return failed(raw, 'an integer');
      // Beyond 2^53 a JavaScript number silently changes the value; keep the raw form instead.
      if (!Number.isSafeInteger(converted)) return failed(raw, 'an integer in the safe range (±2^53)');
      return { value: converted };
    }
    case 'decimal': {
      const converted = toNumber(raw);
      return converted === undefined ? failed(raw, 'a decimal number') : { value: converted };
    }
    case 'string':
    case 'message':
    case 'file': {
      if (typeof raw === 'string') return { value: raw };
      // Some pipelines send numbers or booleans for string properties: their text is the value.
      if (typeof raw === 'number' || typeof raw === 'boolean') return { value: String(raw) };
      return failed(raw, 'a string');
    }
    default: {
      if (typeof raw === 'boolean' || typeof raw === 'number' || typeof raw === 'string') return { value: raw };
      return failed(raw, 'a single value');
    }
  }
}
