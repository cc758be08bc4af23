/**
 * Client-side event filters, compiled once from a node's configuration into a plain predicate,
 * and the "only when the value changes" tracker. The rules of one list (exact, wildcard,
 * regular expression) and their safety checks live in `pattern-rules.ts`.
 */
import type { NormalisedDatapoint, NormalisedDatapointAck, NormalisedEvent } from './normalise';
import { compileRule, findRuleProblem, FilterConfigError, type PatternRule } from './pattern-rules';

export {
  checkPatternRule,
  compileRule,
  FILTER_CONFIG_ERROR_CODES,
  FilterConfigError,
  MAX_PATTERN_CHARS,
  MAX_REGEX_SUBJECT_CHARS,
  patternRuleProblem,
  type FilterConfigErrorCode,
  type MatchMode,
  type PatternRule,
  type RuleProblem,
} from './pattern-rules';

/** A node's client-side filter settings. Everything absent or empty lets every event through. */
export interface FilterConfig {
  /** Matched against the DSN; a list matches when ANY rule matches. */
  dsns?: PatternRule[];
  /** Matched against the OEM model (a missing model is matched as the empty string). */
  oemModels?: PatternRule[];
  /** Matched against the property name; applies to datapoint and datapointack events only. */
  properties?: PatternRule[];
  /** Connectivity statuses to pass (case-insensitive); empty or absent = all. */
  statuses?: string[];
  /** Registration events to pass; default `both`. */
  registration?: 'registered' | 'unregistered' | 'both';
  /** Datapointack events to pass by outcome (status 200..299 = success); default `both`. */
  ack?: 'success' | 'failure' | 'both';
}

/** Default bound of {@link createChangeTracker}: remembered dsn+property pairs. */
export const DEFAULT_CHANGE_TRACKER_ENTRIES = 100_000;

const FIELD_LABELS: Readonly<Record<string, string>> = {
  dsns: 'DSN filter',
  oemModels: 'OEM model filter',
  properties: 'property filter',
};

/** One list of rules as a predicate, or null when the list is empty (= match everything). */
function compileList(field: 'dsns' | 'oemModels' | 'properties', rules: unknown): ((subject: string) => boolean) | null {
  if (rules === undefined || rules === null) return null;
  const label = FIELD_LABELS[field];
  if (!Array.isArray(rules)) throw new FilterConfigError('INVALID_RULE', field, `${label} must be a list of rules`);
  if (rules.length === 0) return null;
  const matchers = rules.map((rule: unknown, index) => {
    const problem = findRuleProblem(rule);
    if (problem) {
      throw new FilterConfigError(problem.code, field, `${label}, rule ${index + 1}: ${problem.message}`, index);
    }
    return compileRule(rule as PatternRule);
  });
  return (subject) => matchers.some((matches) => matches(subject));
}

function compileStatuses(statuses: unknown): ((status: string) => boolean) | null {
  if (statuses === undefined || statuses === null) return null;
  if (!Array.isArray(statuses)) throw new FilterConfigError('INVALID_RULE', 'statuses', 'connectivity statuses must be a list of strings');
  const wanted = new Set<string>();
  statuses.forEach((status: unknown, index) => {
    if (typeof status !== 'string') {
      throw new FilterConfigError('INVALID_RULE', 'statuses', `connectivity status ${index + 1} is not a string`, index);
    }
    if (status.trim() !== '') wanted.add(status.trim().toLowerCase());
  });
  if (wanted.size === 0) return null;
  return (status) => wanted.has(status.toLowerCase());
}

function checkChoice(field: 'registration' | 'ack', value: unknown, choices: readonly string[]): void {
  if (value === undefined || value === null || value === '') return;
  if (typeof value !== 'string' || !choices.includes(value)) {
    throw new FilterConfigError(
      'INVALID_RULE',
      field,
      `${field} filter must be one of ${choices.join(', ')}, got ${JSON.stringify(String(value))}`,
    );
  }
}

/**
 * Compiles a node's filter settings once into a predicate over normalised events.
 *
 * Lists: empty or absent lets everything through, otherwise ANY rule must match. `exact` and
 * `wildcard` patterns are trimmed and case-sensitive; wildcards know only `*` and `?`, every
 * other character (`.`, `+`, `(` …) is literal. `regex` rules are JavaScript regular
 * expressions, unanchored, at most {@link MAX_PATTERN_CHARS} characters. The property list
 * applies to datapoint(ack) events, `statuses` to connectivity, `registration` to registration
 * and `ack` to datapointack events; each is ignored for the other types.
 *
 * @throws {@link FilterConfigError} `INVALID_REGEX` for a regular expression that does not
 *   compile, `UNSAFE_REGEX` for one that could block the event loop (see the module comment),
 *   `INVALID_RULE` for anything else unusable; the message names the filter, the rule number
 *   and the pattern.
 */
export function buildFilter(config: FilterConfig): (event: NormalisedEvent) => boolean {
  const matchDsn = compileList('dsns', config.dsns);
  const matchModel = compileList('oemModels', config.oemModels);
  const matchProperty = compileList('properties', config.properties);
  const matchStatus = compileStatuses(config.statuses);
  checkChoice('registration', config.registration, ['registered', 'unregistered', 'both']);
  checkChoice('ack', config.ack, ['success', 'failure', 'both']);
  const registration = config.registration;
  const ack = config.ack;

  return (event) => {
    if (matchDsn && !matchDsn(event.dsn)) return false;
    if (matchModel && !matchModel(event.oemModel ?? '')) return false;
    switch (event.eventType) {
      case 'datapoint':
        return !matchProperty || matchProperty(event.property);
      case 'datapointack':
        if (matchProperty && !matchProperty(event.property)) return false;
        if (ack === 'success') return event.ackSuccess;
        if (ack === 'failure') return !event.ackSuccess;
        return true;
      case 'connectivity':
        return !matchStatus || matchStatus(event.status);
      case 'registration':
        if (registration === 'registered') return event.registered;
        if (registration === 'unregistered') return !event.registered;
        return true;
      default:
        return true;
    }
  };
}

/** Remembers the last value per dsn+property; see {@link createChangeTracker}. */
export interface ChangeTracker {
  /**
   * True when the event's converted value differs from the last one seen for the same
   * dsn+property (the first one always counts as a change). Records the value.
   */
  isChange(event: NormalisedDatapoint | NormalisedDatapointAck): boolean;
  /** Forgets every remembered value. */
  clear(): void;
  /** How many dsn+property pairs are remembered. */
  readonly size: number;
}

function sameValue(a: unknown, b: unknown): boolean {
  // === except that NaN equals NaN (+0 and -0 are the same reading).
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/**
 * Builds the "only when the value changes" memory for one node. Values are compared after
 * conversion, so `1`, `"1"` and `true` of a boolean property are the same reading. Keys live in
 * a Map (never a plain object keyed by cloud-supplied names).
 *
 * @param options.maxEntries - at most this many dsn+property pairs are remembered (default
 *   {@link DEFAULT_CHANGE_TRACKER_ENTRIES}); the least recently updated pair is forgotten first,
 *   and its next value counts as a change.
 */
export function createChangeTracker(options: { maxEntries?: number } = {}): ChangeTracker {
  const maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_CHANGE_TRACKER_ENTRIES);
  const lastValues = new Map<string, unknown>();
  return {
    isChange(event) {
      // JSON of the pair: unambiguous whatever characters the DSN or property name contain.
      const key = JSON.stringify([event.dsn, event.property]);
      const known = lastValues.has(key);
      const changed = !known || !sameValue(lastValues.get(key), event.value);
      // Delete first so the Map's insertion order is least-recently-updated first.
      lastValues.delete(key);
      lastValues.set(key, event.value);
      if (lastValues.size > maxEntries) {
        const oldest = lastValues.keys().next().value;
        if (oldest !== undefined) lastValues.delete(oldest);
      }
      return changed;
    },
    clear() {
      lastValues.clear();
    },
    get size() {
      return lastValues.size;
    },
  };
}
