/**
 * Per-listener copies of a delivered event. A stream is parsed, validated and normalised once
 * per frame; when several nodes listen to it, each extra listener gets its own copy so that a
 * flow changing its `msg` cannot change what another node's flow sees.
 *
 * Why not `structuredClone`: on a ~490-byte datapoint event it takes several microseconds per
 * copy where these take under one (`bench/copy-event.ts`), and it recurses, so nesting of
 * ~2,000 levels (which `JSON.parse` accepts, and which fits easily in a 1 MiB frame) throws a
 * RangeError. Events are JSON data
 * (`docs/protocol.md` §6): plain objects, arrays and scalars, no cycles, no dates, no class
 * instances. That is all these functions handle, and they handle it quickly:
 *
 * - Plain objects are copied with a spread (`{ ...value }`), which defines own data properties
 *   (CreateDataProperty): a `__proto__` key stays an ordinary own key, no prototype is set and
 *   nothing reaches Object.prototype. Nested values are then written over the spread's own
 *   properties, which is an ordinary write for the same reason.
 * - Up to {@link RECURSIVE_COPY_DEPTH} levels the copy recurses (fast for the shallow events
 *   every real stream carries); anything deeper is copied with an explicit stack, so depth is
 *   bounded by memory, never by the call stack.
 * - A normalised event is flat except for three free-form fields (`rawValue`, `metadata`,
 *   `ackMessage`), so only those are copied deeply.
 *
 * Mutating a copy never changes the original, at any depth, and the other way round.
 */
import type { AylaEvent } from './events';
import type { NormalisedEvent } from './normalise';

/**
 * Levels copied by plain recursion; deeper parts are copied iteratively. 64 frames cost a few
 * kilobytes of stack, far from any limit, and no real event comes near that depth.
 */
export const RECURSIVE_COPY_DEPTH = 64;

type JsonRecord = Record<string, unknown>;

/** A shallow copy of one JSON container: a new array, or a new plain object by spread. */
function shallowCopy(value: object): object {
  return Array.isArray(value) ? value.slice() : { ...(value as JsonRecord) };
}

/**
 * Copies a container of any depth with an explicit stack of (source, copy) pairs. Every copy
 * starts as a shallow copy; its nested containers are then replaced by their own shallow
 * copies and queued, so the loop visits each container once.
 */
function copyIteratively(root: object): object {
  const rootCopy = shallowCopy(root);
  const pending: object[] = [root, rootCopy];
  while (pending.length > 0) {
    const target = pending.pop() as JsonRecord | unknown[];
    const source = pending.pop() as JsonRecord | unknown[];
    if (Array.isArray(source)) {
      const copy = target as unknown[];
      for (let i = 0; i < source.length; i++) {
        const item = source[i];
        if (item !== null && typeof item === 'object') {
          const itemCopy = shallowCopy(item);
          copy[i] = itemCopy;
          pending.push(item, itemCopy);
        }
      }
    } else {
      const copy = target as JsonRecord;
      for (const key of Object.keys(source)) {
        const item = source[key];
        if (item !== null && typeof item === 'object') {
          const itemCopy = shallowCopy(item);
          // `copy` already has `key` as an own data property (from the spread), so this plain
          // write updates it, even for `__proto__`.
          copy[key] = itemCopy;
          pending.push(item, itemCopy);
        }
      }
    }
  }
  return rootCopy;
}

/**
 * True for an own property: `for…in` also walks inherited enumerable properties, which JSON
 * data never has, but a polluted `Object.prototype` might. Asked only for containers (rare).
 */
const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

/**
 * The own containers of `source` (a fresh spread of it in `copy`) replaced by their copies.
 * `for…in` walks V8's cached key list without allocating one, unlike `Object.keys`; scalars
 * are already in place from the spread, so they cost a type check.
 */
function copyContainersOf(source: JsonRecord, copy: JsonRecord, depth: number): void {
  for (const key in source) {
    const item = source[key];
    if (item !== null && typeof item === 'object' && hasOwn(source, key)) copy[key] = copyRecursively(item, depth);
  }
}

function copyRecursively(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= RECURSIVE_COPY_DEPTH) return copyIteratively(value);
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) copy[i] = copyRecursively(value[i], depth + 1);
    return copy;
  }
  const copy: JsonRecord = { ...(value as JsonRecord) };
  copyContainersOf(value as JsonRecord, copy, depth + 1);
  return copy;
}

/**
 * A deep copy of JSON data (what `JSON.parse` returns): plain objects, arrays and scalars.
 * Depth-safe: parts nested deeper than {@link RECURSIVE_COPY_DEPTH} levels are copied without
 * recursion. Own `__proto__` keys stay own data keys. Not for cyclic data, which JSON cannot
 * express (a cycle would be copied until memory runs out).
 *
 * @returns a value deep-equal to `value` sharing no object or array with it.
 */
export function copyJsonData<T>(value: T): T {
  return copyRecursively(value, 0) as T;
}

/**
 * A deep copy of a validated DSS event (the `raw` a listener gets), for one extra listener,
 * made for the shape of an Ayla event rather than as a generic clone: the envelope and each of
 * its blocks (`metadata`, the body) are spread as they are (objects of one shape copy fast),
 * and only what they hold that is itself an object or array (`resource_tags`, the datapoint's
 * `value` and `metadata`, extra fields) is copied further, depth-safe. About 0.3 µs for a
 * ~490-byte datapoint event on a 2-vCPU machine (`bench/copy-event.ts`); never throws for data
 * `JSON.parse` produced, however deep.
 */
export function copyEvent<T extends AylaEvent>(event: T): T {
  const source = event as unknown as JsonRecord;
  const copy: JsonRecord = { ...source };
  for (const key in source) {
    const block = source[key];
    if (block === null || typeof block !== 'object' || !hasOwn(source, key)) continue;
    if (Array.isArray(block)) {
      copy[key] = copyRecursively(block, 1);
      continue;
    }
    // metadata or a body: one level spread here, its containers copied below it.
    const blockCopy: JsonRecord = { ...(block as JsonRecord) };
    copyContainersOf(block as JsonRecord, blockCopy, 2);
    copy[key] = blockCopy;
  }
  return copy as unknown as T;
}

/**
 * A copy of a normalised event (see normalise.ts) for one extra listener: a spread of its flat
 * fields, and deep copies of the free-form ones (`rawValue`, `metadata`, `ackMessage`).
 * Never throws, however deep those are.
 */
export function copyNormalised<T extends NormalisedEvent>(normalised: T): T {
  const copy = { ...normalised } as NormalisedEvent;
  if (copy.eventType === 'datapoint' || copy.eventType === 'datapointack') {
    // Scalars come back as they are, so the common case (a scalar value) costs a type check.
    copy.rawValue = copyRecursively(copy.rawValue, 1);
    copy.metadata = copyRecursively(copy.metadata, 1) as Record<string, unknown>;
    if (copy.eventType === 'datapointack') copy.ackMessage = copyRecursively(copy.ackMessage, 1);
  }
  return copy as T;
}

/**
 * Both copies one extra listener needs: the normalised event and its raw event, independent
 * of the originals and of every other listener's copies.
 */
export function copyForListener<N extends NormalisedEvent, R extends AylaEvent>(normalised: N, raw: R): { normalised: N; raw: R } {
  return { normalised: copyNormalised(normalised), raw: copyEvent(raw) };
}
