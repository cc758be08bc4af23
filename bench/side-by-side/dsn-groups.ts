/**
 * The disjoint filters of the fan-out scenario: node `index` of `groups` accepts the DSNs whose
 * number is `index` modulo `groups`, written as the exact-match DSN list a user would enter.
 */
import type { PatternRule } from '../../nodes/lib/pattern-rules';
import { DSN_COUNT, dsnOf } from './frame-corpus';

/** Exact rules for the DSNs of group `index` (of `groups`). */
export function dsnGroupRules(index: number, groups: number): PatternRule[] {
  const rules: PatternRule[] = [];
  for (let dsn = index; dsn < DSN_COUNT; dsn += groups) rules.push({ mode: 'exact', pattern: dsnOf(dsn) });
  return rules;
}
