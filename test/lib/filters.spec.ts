import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateEvent } from '../../nodes/lib/events';
import {
  buildFilter,
  checkPatternRule,
  createChangeTracker,
  FilterConfigError,
  MAX_PATTERN_CHARS,
  type FilterConfigErrorCode,
  MAX_REGEX_SUBJECT_CHARS,
  type FilterConfig,
  type MatchMode,
  type PatternRule,
} from '../../nodes/lib/filters';
import {
  normaliseEvent,
  type NormalisedConnectivity,
  type NormalisedDatapoint,
  type NormalisedDatapointAck,
  type NormalisedEvent,
  type NormalisedRegistration,
} from '../../nodes/lib/normalise';
import { fixtureEvent } from '../fixtures/events';

function fromFixture<T extends NormalisedEvent>(name: string, change?: (data: Record<string, Record<string, unknown>>) => void): T {
  const data = fixtureEvent(name) as Record<string, Record<string, unknown>>;
  change?.(data);
  return normaliseEvent(validateEvent(data)) as T;
}

function datapoint(dsn: string, property = 'Blue_LED', oemModel: string | null = 'linuxevb', value: unknown = 0): NormalisedDatapoint {
  return fromFixture<NormalisedDatapoint>('datapoint', (data) => {
    data.metadata.dsn = dsn;
    data.metadata.property_name = property;
    data.metadata.oem_model = oemModel;
    data.datapoint.value = value;
  });
}

function rule(mode: MatchMode, pattern: string): PatternRule {
  return { mode, pattern };
}

/** Catches the FilterConfigError a call must throw. */
function configErrorOf(run: () => unknown): FilterConfigError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof FilterConfigError, `expected a FilterConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a FilterConfigError, nothing was thrown');
}

describe('filters', () => {
  describe('a single DSN rule', () => {
    const cases: Array<[MatchMode, string, string, boolean]> = [
      ['exact', 'AC000W005606115', 'AC000W005606115', true],
      ['exact', 'AC000W005606115', 'AC000W005606116', false],
      ['exact', 'AC000W005606115', 'ac000w005606115', false],
      ['exact', ' AC000W005606115 ', 'AC000W005606115', true],
      ['exact', 'AC000W', 'AC000W005606115', false],
      ['wildcard', 'AC000W*', 'AC000W005606115', true],
      ['wildcard', 'AC000W*', 'XAC000W005606115', false],
      ['wildcard', '*115', 'AC000W005606115', true],
      ['wildcard', '*606*', 'AC000W005606115', true],
      ['wildcard', 'AC000W00560611?', 'AC000W005606115', true],
      ['wildcard', 'AC000W00560611?', 'AC000W0056061155', false],
      ['wildcard', 'AC???W*', 'AC000W005606115', true],
      ['wildcard', '*', 'anything at all', true],
      ['wildcard', '**', '', true],
      ['wildcard', '?', '', false],
      ['wildcard', 'a*b*c', 'aXXbYYc', true],
      ['wildcard', 'a*b*c', 'aXXcYYb', false],
      ['wildcard', '*a*a*a*a*a*a*a*a*b', 'a'.repeat(200), false],
      // Regex metacharacters in wildcard patterns are literal.
      ['wildcard', 'dev.1*', 'dev.1-kitchen', true],
      ['wildcard', 'dev.1*', 'devX1-kitchen', false],
      ['wildcard', 'a+b', 'a+b', true],
      ['wildcard', 'a+b', 'aab', false],
      ['wildcard', '(x)[y]{2}^$|\\', '(x)[y]{2}^$|\\', true],
      ['wildcard', '日本*', '日本語', true],
      ['wildcard', '?語', '本語', true],
      ['wildcard', 'x?y', 'x😀y', true],
      ['exact', 'a.b', 'a.b', true],
      ['exact', 'a.b', 'aXb', false],
      ['regex', '^AC000W', 'AC000W005606115', true],
      ['regex', '^AC000W', 'XAC000W005606115', false],
      ['regex', '606', 'AC000W005606115', true],
      ['regex', '^AC0{3}W\\d+$', 'AC000W005606115', true],
      ['regex', '^AC0{3}W\\d+$', 'AC000W00560611x', false],
      ['regex', '^(AC|VR)', 'VR00ZN000000001', true],
      ['regex', '^(ac|vr)', 'VR00ZN000000001', false],
    ];
    for (const [mode, pattern, dsn, expected] of cases) {
      it(`${mode} ${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(dsn)}`, () => {
        const filter = buildFilter({ dsns: [rule(mode, pattern)] });
        // Validation refuses an empty DSN, so that case is built by hand.
        const event = dsn === '' ? { ...datapoint('X'), dsn } : datapoint(dsn);
        assert.equal(filter(event), expected);
      });
    }

    it('regex rules never see subjects longer than the cap', () => {
      const filter = buildFilter({ dsns: [rule('regex', '^A+$')] });
      assert.equal(filter(datapoint('A'.repeat(MAX_REGEX_SUBJECT_CHARS))), true);
      assert.equal(filter(datapoint('A'.repeat(MAX_REGEX_SUBJECT_CHARS + 1))), false);
    });
  });

  describe('lists', () => {
    it('an empty or absent config lets everything through', () => {
      for (const config of [{}, { dsns: [], oemModels: [], properties: [], statuses: [] }] as FilterConfig[]) {
        const filter = buildFilter(config);
        assert.equal(filter(datapoint('X')), true);
        assert.equal(filter(fromFixture('connectivity')), true);
      }
    });

    it('a list matches when any rule matches', () => {
      const filter = buildFilter({ dsns: [rule('exact', 'A1'), rule('wildcard', 'B*'), rule('regex', '^C\\d$')] });
      assert.deepEqual(
        ['A1', 'A2', 'B77', 'C5', 'C55'].map((dsn) => filter(datapoint(dsn))),
        [true, false, true, true, false],
      );
    });

    it('all lists must match', () => {
      const filter = buildFilter({
        dsns: [rule('wildcard', 'AC*')],
        oemModels: [rule('exact', 'linuxevb')],
        properties: [rule('wildcard', '*_LED')],
      });
      assert.equal(filter(datapoint('AC1', 'Blue_LED', 'linuxevb')), true);
      assert.equal(filter(datapoint('XX1', 'Blue_LED', 'linuxevb')), false);
      assert.equal(filter(datapoint('AC1', 'Blue_LED', 'ledevb')), false);
      assert.equal(filter(datapoint('AC1', 'Blue_Button', 'linuxevb')), false);
    });

    it('a missing OEM model is matched as the empty string', () => {
      assert.equal(buildFilter({ oemModels: [rule('wildcard', '*')] })(datapoint('A', 'p', null)), true);
      assert.equal(buildFilter({ oemModels: [rule('exact', 'linuxevb')] })(datapoint('A', 'p', null)), false);
    });

    it('the property list only applies to datapoint and datapointack events', () => {
      const filter = buildFilter({ properties: [rule('exact', 'Blue_LED')] });
      assert.equal(filter(fromFixture('datapointack')), true);
      assert.equal(filter(fromFixture('datapointack', (d) => (d.metadata.property_name = 'Red_LED'))), false);
      assert.equal(filter(fromFixture('connectivity')), true);
      assert.equal(filter(fromFixture('location')), true);
      assert.equal(filter(fromFixture('registration')), true);
    });

    it('DSN and model lists apply to every event type', () => {
      const filter = buildFilter({ dsns: [rule('exact', 'AC000W000340649')] });
      assert.equal(filter(fromFixture('connectivity')), true);
      assert.equal(filter(fromFixture('registration')), true);
      assert.equal(filter(fromFixture('location')), false);
    });

    it('matching cloud-supplied names such as __proto__ is plain string work', () => {
      const filter = buildFilter({ properties: [rule('exact', 'constructor'), rule('wildcard', '__proto_?')] });
      assert.equal(filter(datapoint('A', 'constructor')), true);
      assert.equal(filter(datapoint('A', '__proto__')), true);
      assert.equal(filter(datapoint('A', 'toString')), false);
    });
  });

  describe('event-specific conditions', () => {
    const online = fromFixture<NormalisedConnectivity>('connectivity');
    const offline = fromFixture<NormalisedConnectivity>('connectivity', (d) => (d.connection.status = 'Offline'));
    const polling = fromFixture<NormalisedConnectivity>('oddities/connectivity-pollingOnline');

    it('statuses: empty means all', () => {
      const filter = buildFilter({ statuses: [] });
      assert.deepEqual([online, offline, polling].map(filter), [true, true, true]);
    });

    it('statuses: only the listed ones, case-insensitive, blanks ignored', () => {
      const filter = buildFilter({ statuses: ['online', ' pollingOnline ', ''] });
      assert.deepEqual([online, offline, polling].map(filter), [true, false, true]);
    });

    it('statuses do not affect other event types', () => {
      assert.equal(buildFilter({ statuses: ['Offline'] })(datapoint('A')), true);
    });

    const registered = fromFixture<NormalisedRegistration>('oddities/registration-registered');
    const unregistered = fromFixture<NormalisedRegistration>('registration');
    const registrationCases: Array<[FilterConfig['registration'], boolean, boolean]> = [
      [undefined, true, true],
      ['both', true, true],
      ['registered', true, false],
      ['unregistered', false, true],
    ];
    for (const [choice, passRegistered, passUnregistered] of registrationCases) {
      it(`registration ${choice ?? '(absent)'}`, () => {
        const filter = buildFilter({ registration: choice });
        assert.deepEqual([filter(registered), filter(unregistered)], [passRegistered, passUnregistered]);
        assert.equal(filter(online), true);
      });
    }

    const success = fromFixture<NormalisedDatapointAck>('datapointack');
    const failure = fromFixture<NormalisedDatapointAck>('oddities/datapointack-failure-string-status');
    const ackCases: Array<[FilterConfig['ack'], boolean, boolean]> = [
      [undefined, true, true],
      ['both', true, true],
      ['success', true, false],
      ['failure', false, true],
    ];
    for (const [choice, passSuccess, passFailure] of ackCases) {
      it(`ack ${choice ?? '(absent)'}`, () => {
        const filter = buildFilter({ ack: choice });
        assert.deepEqual([filter(success), filter(failure)], [passSuccess, passFailure]);
        assert.equal(filter(datapoint('A')), true);
      });
    }

    it('ack and property conditions combine', () => {
      const filter = buildFilter({ ack: 'success', properties: [rule('exact', 'Other')] });
      assert.equal(filter(success), false);
    });
  });

  describe('configuration errors', () => {
    const cases: Array<[string, unknown, FilterConfigErrorCode, string, RegExp]> = [
      ['an unterminated group', { dsns: [rule('regex', 'AC(000')] }, 'INVALID_REGEX', 'dsns', /^DSN filter, rule 1: regular expression "AC\(000" is invalid: /],
      ['a bad character class', { properties: [rule('exact', 'ok'), rule('regex', '[z-a]')] }, 'INVALID_REGEX', 'properties', /^property filter, rule 2: regular expression "\[z-a\]" is invalid/],
      ['a dangling quantifier', { oemModels: [rule('regex', '*abc')] }, 'INVALID_REGEX', 'oemModels', /^OEM model filter, rule 1: regular expression "\*abc"/],
      ['an unknown mode', { dsns: [{ mode: 'glob', pattern: 'A*' }] }, 'INVALID_RULE', 'dsns', /unknown mode "glob" \(expected exact, wildcard or regex\)/],
      ['a missing pattern', { dsns: [{ mode: 'exact' }] }, 'INVALID_RULE', 'dsns', /the pattern is missing/],
      ['an empty pattern', { dsns: [rule('wildcard', '  ')] }, 'INVALID_RULE', 'dsns', /rule 1: the pattern is empty/],
      ['an empty regex', { dsns: [rule('regex', '')] }, 'INVALID_RULE', 'dsns', /the pattern is empty/],
      ['a rule that is not an object', { dsns: ['AC*'] }, 'INVALID_RULE', 'dsns', /not a \{mode, pattern\} object/],
      ['a list that is not a list', { dsns: 'AC*' }, 'INVALID_RULE', 'dsns', /DSN filter must be a list of rules/],
      ['a too long pattern', { dsns: [rule('regex', 'a'.repeat(MAX_PATTERN_CHARS + 1))] }, 'INVALID_RULE', 'dsns', /is 501 characters long \(at most 500\)/],
      ['a status that is not text', { statuses: ['Online', 3] }, 'INVALID_RULE', 'statuses', /connectivity status 2 is not a string/],
      ['statuses that are not a list', { statuses: 'Online' }, 'INVALID_RULE', 'statuses', /must be a list/],
      ['an unknown registration choice', { registration: 'yes' }, 'INVALID_RULE', 'registration', /registration filter must be one of registered, unregistered, both, got "yes"/],
      ['an unknown ack choice', { ack: 'ok' }, 'INVALID_RULE', 'ack', /ack filter must be one of success, failure, both/],
    ];
    for (const [name, config, code, field, message] of cases) {
      it(`${name} -> ${code} on ${field}`, () => {
        const error = configErrorOf(() => buildFilter(config as FilterConfig));
        assert.equal(error.code, code);
        assert.equal(error.field, field);
        assert.equal(error.name, 'FilterConfigError');
        assert.match(error.message, message);
      });
    }

    it('reports the index of the failing rule', () => {
      const error = configErrorOf(() => buildFilter({ dsns: [rule('exact', 'a'), rule('exact', 'b'), rule('regex', '(')] }));
      assert.equal(error.index, 2);
    });

    it('a pattern of exactly the maximum length is fine', () => {
      assert.doesNotThrow(() => buildFilter({ dsns: [rule('regex', 'a'.repeat(MAX_PATTERN_CHARS))] }));
    });

    it('quotes at most 60 characters of a long pattern', () => {
      const error = configErrorOf(() => buildFilter({ dsns: [rule('regex', `(${'x'.repeat(400)}`)] }));
      assert.ok(error.message.length < 160, error.message);
      assert.match(error.message, /is invalid: Unterminated group$/);
    });
  });

  describe('regular expressions that could block the event loop are refused (UNSAFE_REGEX)', () => {
    const unsafe: Array<[string, string]> = [
      ['nested repetition (286 ms on a 27-character name, doubling per character)', '^([a-z_]+)*$'],
      ['nested repetition, classic', '^(a+)+$'],
      ['nested repetition of a class', '(\\w+\\s?)*'],
      // Harmless in fact (the literal AC separates the repetitions): a known false positive of safe-regex2.
      ['repetition of a group with a repetition inside', '^(AC\\d+)+$'],
      ['more than 25 repetitions', 'a*'.repeat(26)],
      ['repeated overlapping alternation', '(a|aa)+$'],
      ['repeated alternation, counted', '^(x|xy){10,}$'],
      ['repeated alternation, fixed count', '^(a|ab){20}c$'],
      ['alternation nested in a repeated group', '^((a|ab)c?)*$'],
    ];
    for (const [name, pattern] of unsafe) {
      it(`${name}: ${JSON.stringify(pattern)}`, () => {
        const error = configErrorOf(() => buildFilter({ properties: [rule('exact', 'ok'), rule('regex', pattern)] }));
        assert.equal(error.code, 'UNSAFE_REGEX');
        assert.equal(error.field, 'properties');
        assert.equal(error.index, 1);
        assert.match(error.message, /^property filter, rule 2: regular expression ".*" is refused: /);
        assert.ok(error.message.length <= 250, `${error.message.length} characters`);
        assert.deepEqual(error.params, { field: 'properties', detail: error.message, index: 1 });
        assert.match(checkPatternRule(rule('regex', pattern)) ?? '', /is refused: /);
      });
    }

    const accepted = [
      '^AC000W\\d+$',
      '^(temp|humidity)_\\w+$',
      '.*',
      '^AC0{3}W\\d+$',
      '^(AC|VR)',
      '^(power_w|pm25|outlet\\d)$',
      '^AC000W00560612[0-9]$',
      '^[\\w.-]+$',
      '^(?!tmp_).*',
      '(?:ab)+c',
      '[(|)]+',
      '\\(a\\|b\\)+',
      '^(?<model>[a-z]+)-\\d+$',
      'a'.repeat(MAX_PATTERN_CHARS),
    ];
    for (const pattern of accepted) {
      it(`accepts the common pattern ${JSON.stringify(pattern.slice(0, 40))}`, () => {
        assert.equal(checkPatternRule(rule('regex', pattern)), null);
        assert.doesNotThrow(() => buildFilter({ dsns: [rule('regex', pattern)] }));
      });
    }

    it('a syntax error is still INVALID_REGEX, not UNSAFE_REGEX', () => {
      assert.equal(configErrorOf(() => buildFilter({ dsns: [rule('regex', '(a+)+(')] })).code, 'INVALID_REGEX');
    });

    it('wildcards never need the check: nested stars are literal work', () => {
      assert.doesNotThrow(() => buildFilter({ dsns: [rule('wildcard', '(a+)+*')] }));
    });
  });

  it('filters.ts and pattern-rules.ts import nothing the editor bundle cannot load (no Node built-ins, no ajv)', () => {
    const importsOf = (file: string) =>
      [...readFileSync(join(__dirname, '../../nodes/lib', file), 'utf8').matchAll(/^import\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)]
        .map((match) => `${match[1] ? 'type ' : ''}${match[2]}`)
        .sort();
    assert.deepEqual(importsOf('filters.ts'), ['./pattern-rules', 'type ./normalise']);
    assert.deepEqual(importsOf('pattern-rules.ts'), ['./errors', 'safe-regex2']);
  });

  describe('checkPatternRule', () => {
    const cases: Array<[unknown, RegExp | null]> = [
      [rule('exact', 'AC000W005606115'), null],
      [rule('wildcard', 'AC*'), null],
      [rule('regex', '^AC\\d+$'), null],
      [rule('regex', '(unclosed'), /^regular expression "\(unclosed" is invalid: /],
      [rule('exact', ''), /^the pattern is empty$/],
      [{ mode: 'fuzzy', pattern: 'x' }, /^unknown mode "fuzzy"/],
      [null, /not a \{mode, pattern\} object/],
      [rule('wildcard', 'x'.repeat(600)), /600 characters long/],
    ];
    for (const [input, expected] of cases) {
      it(`${JSON.stringify(input)?.slice(0, 50)} -> ${expected ?? 'valid'}`, () => {
        const result = checkPatternRule(input as PatternRule);
        if (expected === null) assert.equal(result, null);
        else assert.match(result ?? '', expected);
      });
    }
  });

  describe('createChangeTracker', () => {
    it('reports the first value and every change, per dsn and property', () => {
      const tracker = createChangeTracker();
      const seen = [
        datapoint('A', 'p', 'm', 1),
        datapoint('A', 'p', 'm', 1),
        datapoint('A', 'q', 'm', 1),
        datapoint('B', 'p', 'm', 1),
        datapoint('A', 'p', 'm', 2),
        datapoint('A', 'p', 'm', 2),
        datapoint('A', 'p', 'm', 1),
      ].map((event) => tracker.isChange(event));
      assert.deepEqual(seen, [true, false, true, true, true, false, true]);
      assert.equal(tracker.size, 3);
    });

    it('compares converted values: 1, "1" and true of a boolean are one reading', () => {
      const tracker = createChangeTracker();
      const results = [1, '1', true, 0, '0'].map((value) => tracker.isChange(datapoint('A', 'Blue_LED', 'linuxevb', value)));
      assert.deepEqual(results, [true, false, false, true, false]);
    });

    it('keeps pairs apart whatever characters the names contain', () => {
      const tracker = createChangeTracker();
      assert.equal(tracker.isChange(datapoint('a/b', 'c', 'm', 1)), true);
      assert.equal(tracker.isChange(datapoint('a', 'b/c', 'm', 1)), true);
      assert.equal(tracker.isChange(datapoint('__proto__', 'constructor', 'm', 1)), true);
      assert.equal(tracker.isChange(datapoint('__proto__', 'constructor', 'm', 1)), false);
      assert.equal(({} as { polluted?: unknown }).polluted, undefined);
    });

    it('tracks datapointack events too', () => {
      const tracker = createChangeTracker();
      const ack = fromFixture<NormalisedDatapointAck>('datapointack');
      assert.deepEqual([tracker.isChange(ack), tracker.isChange(ack)], [true, false]);
    });

    it('clear() forgets everything', () => {
      const tracker = createChangeTracker();
      const event = datapoint('A');
      tracker.isChange(event);
      tracker.clear();
      assert.equal(tracker.size, 0);
      assert.equal(tracker.isChange(event), true);
    });

    it('forgets the least recently updated pair beyond maxEntries', () => {
      const tracker = createChangeTracker({ maxEntries: 2 });
      tracker.isChange(datapoint('A', 'p', 'm', 1));
      tracker.isChange(datapoint('B', 'p', 'm', 1));
      tracker.isChange(datapoint('A', 'p', 'm', 1)); // A is now the most recent
      tracker.isChange(datapoint('C', 'p', 'm', 1)); // evicts B
      assert.equal(tracker.size, 2);
      assert.equal(tracker.isChange(datapoint('A', 'p', 'm', 1)), false);
      assert.equal(tracker.isChange(datapoint('B', 'p', 'm', 1)), true);
    });
  });
});
