// Fuzz: filter settings of any shape and names of any kind. Building a filter either works or
// throws a FilterConfigError; a built predicate never throws, always answers a boolean, and
// runs regular expressions only on subjects within MAX_REGEX_SUBJECT_CHARS.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { validateEvent } from '../../nodes/lib/events';
import {
  buildFilter,
  checkPatternRule,
  FilterConfigError,
  MAX_REGEX_SUBJECT_CHARS,
  patternRuleProblem,
  type FilterConfig,
  type PatternRule,
} from '../../nodes/lib/filters';
import { normaliseEvent, type NormalisedEvent } from '../../nodes/lib/normalise';
import { EXAMPLE_TYPES, fixtureEvent } from '../fixtures/events';
import { filterConfig, patternRule, subject } from './support/arbitraries';
import { checkProperty, fuzzRuns } from './support/fuzz-config';

const NORMALISED_EXAMPLES: readonly NormalisedEvent[] = EXAMPLE_TYPES.map((type) => normaliseEvent(validateEvent(fixtureEvent(type))));

/** A normalised example event whose matched names are replaced by fuzzed ones. */
const fuzzedEvent = fc
  .record({ index: fc.nat({ max: NORMALISED_EXAMPLES.length - 1 }), dsn: subject, model: fc.option(subject), property: subject, status: subject })
  .map(({ index, dsn, model, property, status }) => {
    const event = { ...NORMALISED_EXAMPLES[index], dsn, oemModel: model } as NormalisedEvent & Record<string, unknown>;
    if ('property' in event) event.property = property;
    if ('status' in event) event.status = status;
    return event as NormalisedEvent;
  });

/** RegExp#test calls seen by {@link longestRegexSubject}, so a test can show the spy saw any. */
let regexCalls = 0;

/**
 * Runs `check` while recording the longest subject any RegExp#test call sees (the filter's
 * compiled rules use `test`), then restores the original method.
 */
function longestRegexSubject(check: () => void): number {
  const original = RegExp.prototype.test;
  let longest = 0;
  RegExp.prototype.test = function (this: RegExp, text: string): boolean {
    longest = Math.max(longest, String(text).length);
    regexCalls++;
    return original.call(this, text);
  };
  try {
    check();
  } finally {
    RegExp.prototype.test = original;
  }
  return longest;
}

function rulesOf(config: Record<string, unknown>): unknown[] {
  return [config.dsns, config.oemModels, config.properties].flatMap((list) => (Array.isArray(list) ? list : []));
}

describe('fuzz: filters', function () {
  this.timeout(60_000);

  it('any settings: a FilterConfigError or a predicate that never throws and never runs a regex on a long name', () => {
    regexCalls = 0;
    checkProperty(
      'filter settings and names',
      fc.property(filterConfig, fc.array(fuzzedEvent, { minLength: 1, maxLength: 6 }), (config, events) => {
        let accept: (event: NormalisedEvent) => boolean;
        try {
          accept = buildFilter(config as FilterConfig);
        } catch (error) {
          assert.ok(error instanceof FilterConfigError, `buildFilter threw ${String(error)}`);
          assert.ok(['INVALID_REGEX', 'UNSAFE_REGEX', 'INVALID_RULE'].includes(error.code));
          assert.ok(error.message.length <= 300, `${error.message.length} characters`);
          return;
        }
        // What buildFilter accepted, the editor's check accepts too (one rule, one place).
        for (const rule of rulesOf(config)) assert.equal(checkPatternRule(rule as PatternRule), null);
        const longest = longestRegexSubject(() => {
          for (const event of events) assert.equal(typeof accept(event), 'boolean');
        });
        assert.ok(longest <= MAX_REGEX_SUBJECT_CHARS, `a regular expression ran on ${longest} characters`);
      }),
      1500,
    );
    if (fuzzRuns(1500) >= 100) assert.ok(regexCalls > 0, 'no regular expression ever ran: the property checked nothing');
  });

  it('checkPatternRule never throws and agrees with buildFilter on the code', () => {
    checkProperty(
      'single rules',
      fc.property(patternRule, (rule) => {
        const message = checkPatternRule(rule as PatternRule);
        const problem = patternRuleProblem(rule as PatternRule);
        assert.equal(message, problem?.message ?? null);
        try {
          buildFilter({ dsns: [rule as PatternRule] });
          assert.equal(problem, null);
        } catch (error) {
          assert.ok(error instanceof FilterConfigError, `buildFilter threw ${String(error)}`);
          assert.equal(error.code, problem?.code);
          assert.equal(error.index, 0);
        }
      }),
      2000,
    );
  });
});
