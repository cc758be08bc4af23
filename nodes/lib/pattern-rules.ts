/**
 * One rule of a DSN, OEM model or property filter list: exact, wildcard or regular expression,
 * checked and compiled into a predicate.
 *
 * Patterns come from the flow author (trusted), the strings they are matched against come from
 * the cloud. So: wildcards are matched without regular expressions (no backtracking blow-up, and
 * `.` or `+` in a DSN match literally), regular expressions are length-capped and only tried on
 * subjects of a sane length.
 *
 * A regular expression can still stall the event loop on a short subject: `^([a-z_]+)*$`
 * takes ~0.3 s on a 27-character property name and twice as long per extra character, and
 * every event runs the filter synchronously. So patterns are checked once, when the filter is
 * built (and by the editor, through {@link checkPatternRule}), and refused with `UNSAFE_REGEX`
 * when they may backtrack catastrophically:
 * - safe-regex2's check: no repetition inside a repetition (star height above 1, as in
 *   `(a+)+`), at most 25 repetitions in all. It also refuses what its parser cannot read
 *   (lookbehind, for one), and it refuses a few harmless nestings such as `(AC\d+)+`;
 * - our own check for what safe-regex2 lets through: a repeated group holding an alternation,
 *   as in `(a|aa)+`, whose branches can overlap (rewrite `(a|b)+` as `[ab]+`).
 * Neither catches polynomial patterns such as `.*.*.*x`; the subject cap keeps those to
 * milliseconds for names of real length.
 *
 * This file must stay free of Node built-ins and of ajv: the editor bundle imports it.
 */
import safeRegex from 'safe-regex2';
import { CodedError } from './errors';

/** How a {@link PatternRule} matches: whole-string equality, `*`/`?` wildcards, or a JS RegExp. */
export type MatchMode = 'exact' | 'wildcard' | 'regex';

/** One pattern of a DSN, OEM model or property list. */
export interface PatternRule {
  mode: MatchMode;
  pattern: string;
}

/** Longest accepted pattern, in characters (keeps regular expressions reviewable and cheap). */
export const MAX_PATTERN_CHARS = 500;

/**
 * Regex rules are only tried on subjects up to this many characters: real DSNs, models and
 * property names are far shorter, and a hostile multi-kilobyte name must not let a slow
 * expression stall the event loop. Longer subjects never match a regex rule.
 */
export const MAX_REGEX_SUBJECT_CHARS = 1024;

const MATCH_MODES: readonly MatchMode[] = ['exact', 'wildcard', 'regex'];

/**
 * Stable codes of {@link FilterConfigError}: `INVALID_REGEX` a regular expression that does not
 * compile, `UNSAFE_REGEX` one that could block the event loop (see the module comment),
 * `INVALID_RULE` anything else unusable.
 */
export const FILTER_CONFIG_ERROR_CODES = [
  'INVALID_REGEX',
  'UNSAFE_REGEX',
  'INVALID_RULE',
] as const;

/** One of {@link FILTER_CONFIG_ERROR_CODES}. */
export type FilterConfigErrorCode = (typeof FILTER_CONFIG_ERROR_CODES)[number];

/**
 * A filter setting that cannot be compiled. `field` is the {@link FilterConfig} key; `params`
 * holds `field` and `detail` (the message) for the catalog text, and `index` when one rule failed.
 */
export class FilterConfigError extends CodedError<FilterConfigErrorCode> {
  /** The {@link FilterConfig} key of the failing setting. */
  readonly field: string;
  /** Zero-based position of the failing rule in its list, when the failure is one rule. */
  readonly index?: number;

  constructor(code: FilterConfigErrorCode, field: string, message: string, index?: number) {
    super(code, message, { params: index === undefined ? { field, detail: message } : { field, detail: message, index } });
    this.field = field;
    if (index !== undefined) this.index = index;
  }
}

/** A pattern quoted for a message, shortened when long. */
function quote(pattern: string): string {
  return JSON.stringify(pattern.length > 60 ? `${pattern.slice(0, 60)}…` : pattern);
}

/**
 * The reason part of a RegExp syntax error. V8 words it `Invalid regular expression: /<pattern>/:
 * <reason>`, which would repeat the whole (up to 500-character) pattern.
 */
function regexReason(error: unknown, pattern: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const prefix = `Invalid regular expression: /${pattern}/`;
  if (message.startsWith(prefix)) return message.slice(prefix.length).replace(/^[a-z]*:\s*/, '');
  return message.length > 120 ? `${message.slice(0, 120)}…` : message;
}

/** What is wrong with one rule: a {@link FilterConfigErrorCode} and a message quoting the pattern. */
export interface RuleProblem {
  code: FilterConfigErrorCode;
  message: string;
}

/** Repetitions safe-regex2 allows in one pattern (its default). */
const MAX_REPETITIONS = 25;

/** Whether the text at `at` repeats what precedes it more than once: `*`, `+`, `{n,}`, `{n,m}` with m > 1, `{n}` with n > 1. */
function repeatsAt(pattern: string, at: number): boolean {
  const next = pattern.charAt(at);
  if (next === '*' || next === '+') return true;
  if (next !== '{') return false;
  const counted = /^\{([0-9]+)(,([0-9]*))?\}/.exec(pattern.slice(at, at + 24));
  if (!counted) return false; // a literal `{`
  if (counted[2] === undefined) return Number(counted[1]) > 1;
  return counted[3] === '' || Number(counted[3]) > 1;
}

/**
 * True when a group holding an alternation (`|`, also in a nested group) is repeated, as in
 * `(a|aa)+` or `((a|ab)c?)*`: the branches may overlap, and a failing match then tries every
 * way of splitting the subject among them. safe-regex2 only measures nesting, so it passes
 * these. One pass over the pattern, skipping escapes and character classes.
 */
function repeatsAnAlternation(pattern: string): boolean {
  /** Per open group: whether it holds a `|`. */
  const groups: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charAt(i);
    if (char === '\\') {
      i++;
    } else if (inClass) {
      if (char === ']') inClass = false;
    } else if (char === '[') {
      inClass = true;
    } else if (char === '(') {
      groups.push(false);
    } else if (char === '|') {
      if (groups.length > 0) groups[groups.length - 1] = true;
    } else if (char === ')') {
      const alternates = groups.pop() === true;
      if (alternates && repeatsAt(pattern, i + 1)) return true;
      // The enclosing group now holds an alternation too, and is just as risky when repeated.
      if (alternates && groups.length > 0) groups[groups.length - 1] = true;
    }
  }
  return false;
}

/** Why a compilable regular expression is refused as unsafe, or null when it is accepted. */
function unsafeRegexReason(pattern: string): string | null {
  if (!safeRegex(pattern, { limit: MAX_REPETITIONS })) {
    return (
      `it may backtrack exponentially: nested repetition like (a+)+, over ${MAX_REPETITIONS} repetitions, ` +
      'or syntax the check cannot read (lookbehind)'
    );
  }
  if (repeatsAnAlternation(pattern)) {
    return 'it repeats a group of alternatives like (a|aa)+, which may backtrack exponentially; prefer a class like [ab]+';
  }
  return null;
}

/** What is wrong with `rule` (any value), or null when it is a usable {@link PatternRule}. */
export function findRuleProblem(rule: unknown): RuleProblem | null {
  if (rule === null || typeof rule !== 'object') return { code: 'INVALID_RULE', message: 'the rule is not a {mode, pattern} object' };
  const { mode, pattern } = rule as { mode?: unknown; pattern?: unknown };
  if (typeof mode !== 'string' || !(MATCH_MODES as readonly string[]).includes(mode)) {
    return { code: 'INVALID_RULE', message: `unknown mode ${JSON.stringify(String(mode))} (expected exact, wildcard or regex)` };
  }
  if (typeof pattern !== 'string') return { code: 'INVALID_RULE', message: 'the pattern is missing' };
  if ((mode === 'regex' ? pattern : pattern.trim()) === '') return { code: 'INVALID_RULE', message: 'the pattern is empty' };
  if (pattern.length > MAX_PATTERN_CHARS) {
    return {
      code: 'INVALID_RULE',
      message: `pattern ${quote(pattern)} is ${pattern.length} characters long (at most ${MAX_PATTERN_CHARS})`,
    };
  }
  if (mode === 'regex') {
    try {
      new RegExp(pattern);
    } catch (error) {
      return { code: 'INVALID_REGEX', message: `regular expression ${quote(pattern)} is invalid: ${regexReason(error, pattern)}` };
    }
    const unsafe = unsafeRegexReason(pattern);
    if (unsafe) return { code: 'UNSAFE_REGEX', message: `regular expression ${quote(pattern)} is refused: ${unsafe}` };
  }
  return null;
}

/**
 * Checks one rule without compiling a filter, with the code {@link buildFilter} would throw.
 *
 * @returns null when the rule is usable, else its code (`INVALID_REGEX`, `UNSAFE_REGEX`,
 *   `INVALID_RULE`) and a message quoting the pattern (shortened past 60 characters).
 */
export function patternRuleProblem(rule: PatternRule): RuleProblem | null {
  return findRuleProblem(rule);
}

/**
 * Checks one rule without compiling a filter (the editor uses it to validate a row). Regular
 * expressions must compile and pass the safety check of the module comment.
 *
 * @returns null when the rule is usable, else a human-readable reason that quotes the pattern
 *   (shortened past 60 characters), e.g. `regular expression "ab(" is invalid: …` or
 *   `regular expression "(a+)+" is refused: it may backtrack exponentially …`.
 */
export function checkPatternRule(rule: PatternRule): string | null {
  const problem = findRuleProblem(rule);
  return problem ? problem.message : null;
}

/** Wildcard matching over code points: `*` any run (also empty), `?` exactly one character. */
function compileWildcard(pattern: string): (subject: string) => boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return (subject) => subject === pattern;
  // Collapse runs of `*`: they mean the same and would only cost time.
  const tokens = Array.from(pattern.replace(/\*{2,}/g, '*'));
  return (subject) => {
    const chars = Array.from(subject);
    // Iterative glob match with one backtrack point (the last `*`): O(pattern × subject) worst case.
    let p = 0;
    let s = 0;
    let starAt = -1;
    let starSubject = 0;
    while (s < chars.length) {
      if (p < tokens.length && tokens[p] === '*') {
        starAt = p++;
        starSubject = s;
      } else if (p < tokens.length && (tokens[p] === '?' || tokens[p] === chars[s])) {
        p++;
        s++;
      } else if (starAt >= 0) {
        p = starAt + 1;
        s = ++starSubject;
      } else {
        return false;
      }
    }
    while (p < tokens.length && tokens[p] === '*') p++;
    return p === tokens.length;
  };
}

/** A checked rule (see {@link findRuleProblem}) as a predicate over subjects. */
export function compileRule(rule: PatternRule): (subject: string) => boolean {
  switch (rule.mode) {
    case 'exact': {
      const expected = rule.pattern.trim();
      return (subject) => subject === expected;
    }
    case 'wildcard':
      return compileWildcard(rule.pattern.trim());
    case 'regex': {
      // Unanchored, like RegExp#test: anchor with ^…$ for a whole-string match. No g/y flags,
      // so the expression is stateless between events.
      const expression = new RegExp(rule.pattern);
      return (subject) => subject.length <= MAX_REGEX_SUBJECT_CHARS && expression.test(subject);
    }
  }
}
