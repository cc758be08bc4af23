/**
 * fast-check generators for the fuzz suite: frame-like text, raw bytes, JSON of any depth,
 * seq values of any shape, unknown extra fields, and filter settings.
 */
import fc from 'fast-check';
import { EXAMPLE_TYPES, fixtureText, oddityNames } from '../../fixtures/events';

/** Every accepted fixture event: the five docs/protocol.md §6 examples and the oddities. */
export const FIXTURE_NAMES: readonly string[] = [...EXAMPLE_TYPES, ...oddityNames()];

/** A fixture's JSON text. */
export const fixtureName = fc.constantFrom(...FIXTURE_NAMES);

/** The characters frames are made of, so that random text often looks almost like a frame. */
const FRAME_ALPHABET = ['|', 'Z', 'X', '{', '}', '[', ']', '"', ':', ',', '0', '1', '9', ' ', '\n', 'é', '😀', '\\', 'a', 'n', 'u', 'l'];

/** Text of any kind: any code points (also lone surrogates), or frame-like characters. */
export const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.string({ unit: fc.constantFrom(...FRAME_ALPHABET), maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\ud800', '\udc00', '\ud83d', '|', '{', '"'), maxLength: 12 }),
);

/** Arbitrary bytes as ws would decode them: UTF-8 with replacement characters. */
export const bytesAsText = fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('utf8'));

/** A LEN prefix: right, counted in characters, off by some, not a number, or missing. */
export function withLength(json: string) {
  const bytes = Buffer.byteLength(json, 'utf8');
  return fc
    .oneof(
      fc.constant(String(bytes)),
      fc.constant(String([...json].length)),
      fc.integer({ min: -3, max: 3 }).map((delta) => String(Math.max(0, bytes + delta))),
      fc.nat({ max: 99_999_999_999 }).map(String),
      fc.string({ unit: fc.constantFrom('a', ' ', '-', '+', '.', '0', '١'), maxLength: 4 }),
    )
    .map((length) => `${length}|${json}`);
}

/**
 * JSON text nested `depth` levels deep (arrays, objects or both alternately) around a small
 * value, built as text: JSON.stringify itself overflows at such depths, JSON.parse does not.
 */
export const deepJsonText = fc
  .record({
    depth: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 100, max: 12_000 })),
    shape: fc.constantFrom('array', 'object', 'mixed'),
    leaf: fc.jsonValue({ maxDepth: 2 }),
  })
  .map(({ depth, shape, leaf }) => {
    const opens: string[] = [];
    const closes: string[] = [];
    for (let i = 0; i < depth; i++) {
      const array = shape === 'array' || (shape === 'mixed' && i % 2 === 0);
      opens.push(array ? '[' : '{"k":');
      closes.push(array ? ']' : '}');
    }
    return { depth, text: `${opens.join('')}${JSON.stringify(leaf)}${closes.reverse().join('')}` };
  });

/** JSON values of any depth: fast-check's own (shallow, varied) or {@link deepJsonText} parsed. */
export const anyJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 5 }), weight: 3 },
  { arbitrary: deepJsonText.map(({ text }) => JSON.parse(text) as unknown), weight: 1 },
);

/** seq values of every shape: valid ones, near misses, and anything JSON can hold. */
export const seqValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.nat({ max: 1_000_000 }).map(String),
  fc.stringMatching(/^[0-9]{1,20}$/),
  fc.bigInt({ min: 0n, max: 10n ** 17n }).map(String),
  fc.integer(),
  fc.double(),
  fc.constantFrom('', '-1', '+1', ' 1', '1 ', '1e3', '0x1', '१', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, -0, 1.5, null, true),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Whether validateEvent must accept a seq (docs/protocol.md §5: a decimal integer, at most 15 digits as text). */
export function seqIsValid(seq: unknown): boolean {
  if (typeof seq === 'string') return /^[0-9]{1,15}$/.test(seq);
  return typeof seq === 'number' && Number.isInteger(seq) && seq >= 0 && seq <= Number.MAX_SAFE_INTEGER;
}

/** Keys no schema knows: pipeline additions seen in the wild, prototype bait, and random names. */
export const unknownKey = fc.oneof(
  fc.constantFrom('discarded', 'scope', 'direction', 'timestamp', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'),
  fc.string({ maxLength: 12 }).map((key) => `x_${key}`),
);

/** Where an unknown field goes: the envelope, its metadata, or the event body. */
export const extraField = fc.record({
  where: fc.constantFrom('envelope', 'metadata', 'body'),
  key: unknownKey,
  value: anyJsonValue,
});

/** Text that may hit every branch of the wildcard and regex matchers. */
const PATTERN_ALPHABET = ['a', 'b', 'A', '0', '1', '(', ')', '*', '+', '?', '|', '[', ']', '\\', '.', '{', '}', '^', '$', ',', '-', 'd', 'w'];

/** Filter patterns: random text, regex-like text, and a few real and hostile patterns. */
export const pattern = fc.oneof(
  fc.string({ maxLength: 16 }),
  fc.string({ unit: fc.constantFrom(...PATTERN_ALPHABET), maxLength: 12 }),
  fc.constantFrom('^AC000W\\d+$', '^(temp|humidity)_\\w+$', '.*', 'AC*', '*?*', '^([a-z_]+)*$', '(a|aa)+$', '(?<=a)b', '[', ''),
);

/** One rule, or something that is not a rule at all. */
export const patternRule = fc.oneof(
  { arbitrary: fc.record({ mode: fc.constantFrom('exact', 'wildcard', 'regex'), pattern }), weight: 8 },
  { arbitrary: fc.record({ mode: fc.string({ maxLength: 8 }), pattern: fc.jsonValue({ maxDepth: 1 }) }), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 },
);

const ruleList = fc.option(fc.oneof({ arbitrary: fc.array(patternRule, { maxLength: 3 }), weight: 9 }, { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 }), { nil: undefined });

/** Filter settings as a flow could hold them, including broken ones. */
export const filterConfig = fc.record(
  {
    dsns: ruleList,
    oemModels: ruleList,
    properties: ruleList,
    statuses: fc.option(fc.oneof(fc.array(fc.oneof(fc.constantFrom('Online', 'offline', ' '), fc.string({ maxLength: 8 })), { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })), { nil: undefined }),
    registration: fc.option(fc.constantFrom('registered', 'unregistered', 'both', '', 'yes'), { nil: undefined }),
    ack: fc.option(fc.constantFrom('success', 'failure', 'both', '', 'ok'), { nil: undefined }),
  },
  { requiredKeys: [] },
);

/** Names a filter is matched against: short and real-looking, or longer than any regex may see. */
export const subject = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 6 },
  { arbitrary: fc.constantFrom('AC000W005606115', 'temp_kitchen', 'Blue_LED', 'linuxevb', ''), weight: 3 },
  { arbitrary: fc.string({ minLength: 1025, maxLength: 1100 }), weight: 1 },
);

export { fixtureText };
