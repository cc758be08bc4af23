/**
 * Checks of the client-side filter lists (DSNs, OEM models, properties): whether a rule is
 * usable is decided by `checkPatternRule` in nodes/lib/pattern-rules.ts, the function the runtime
 * compiles filters with; this file only picks the catalog wording for the reason.
 */
import { checkPatternRule, MAX_PATTERN_CHARS, type MatchMode } from '../lib/pattern-rules';
import { problem, type Problem } from './problem';

/** Every match mode, keyed so the compiler flags a mode added to `MatchMode` but missing here. */
const MODE_NAMES: Readonly<Record<MatchMode, true>> = { exact: true, wildcard: true, regex: true };

/** The match modes in the order the rule rows offer them. */
export const MATCH_MODES = Object.keys(MODE_NAMES) as readonly MatchMode[];

/** The filter lists an event-in node may have, by node property. */
export const FILTER_PROPERTIES = ['dsnFilter', 'modelFilter', 'propertyFilter'] as const;
export type FilterProperty = (typeof FILTER_PROPERTIES)[number];

/** True for one of {@link MATCH_MODES}. */
export function isMatchMode(value: unknown): value is MatchMode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(MODE_NAMES, value);
}

/**
 * The reason a RegExp refuses `pattern`, without the pattern: V8 words it `Invalid regular
 * expression: /<pattern>/<flags>: <reason>`, which would repeat up to 500 characters.
 */
function regexReason(pattern: string): string | null {
  try {
    new RegExp(pattern);
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const prefix = `Invalid regular expression: /${pattern}/`;
    return message.startsWith(prefix) ? message.slice(prefix.length).replace(/^[a-z]*:\s*/, '') : message;
  }
}

/**
 * Why one rule cannot be used, or null. The verdict is the runtime's (`checkPatternRule`); a
 * reason this file does not word itself (a rule added to the runtime later) is shown as the
 * runtime states it.
 */
export function ruleProblem(rule: unknown): Problem | null {
  if (rule === null || typeof rule !== 'object') return problem('common.error.emptyPattern');
  const { mode, pattern } = rule as { mode?: unknown; pattern?: unknown };
  if (!isMatchMode(mode)) return problem('common.error.badMode', { mode: String(mode) });
  if (typeof pattern !== 'string') return problem('common.error.emptyPattern');
  const verdict = checkPatternRule({ mode, pattern });
  if (verdict === null) return null;
  if ((mode === 'regex' ? pattern : pattern.trim()) === '') return problem('common.error.emptyPattern');
  if (pattern.length > MAX_PATTERN_CHARS) return problem('common.error.tooLong', { length: pattern.length, max: MAX_PATTERN_CHARS });
  const reason = mode === 'regex' ? regexReason(pattern) : null;
  return reason !== null ? problem('common.error.invalidRegex', { reason }) : problem('common.error.refusedRule', { detail: verdict });
}

/** The first unusable rule of a list and its position (0-based), or null when every rule is fine. */
export interface RuleListProblem {
  readonly index: number;
  readonly problem: Problem;
}

/**
 * Checks a stored filter list. Missing or empty means "no filter" (old flows lack the newer
 * lists); anything that is not a list is reported at index 0.
 */
export function ruleListProblem(value: unknown): RuleListProblem | null {
  if (value === undefined || value === null || value === '') return null;
  if (!Array.isArray(value)) return { index: 0, problem: problem('common.error.notAList') };
  for (let index = 0; index < value.length; index++) {
    const found = ruleProblem(value[index]);
    if (found) return { index, problem: found };
  }
  return null;
}

/**
 * A rule as a row holds it, ready to store: blanks around a DSN, model or property name never
 * mean anything, in a regular expression they might, so only regex patterns keep them.
 */
export function ruleFromRow(mode: string, pattern: string): { mode: string; pattern: string } {
  return { mode, pattern: mode === 'regex' ? pattern : pattern.trim() };
}

/** The rules worth saving from the rows: an untouched empty row is dropped, everything else kept (and flagged if bad). */
export function rulesToSave(rows: ReadonlyArray<{ mode: string; pattern: string }>): Array<{ mode: string; pattern: string }> {
  return rows.filter((row) => row.pattern !== '').map((row) => ({ mode: row.mode, pattern: row.pattern }));
}
