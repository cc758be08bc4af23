/**
 * The editor's validators, run in Node without a browser: they are pure functions over values,
 * and where the runtime has the rule they must agree with it (same verdict, catalog wording).
 */
import { strict as assert } from 'node:assert';
import { EndpointError, resolveEndpoints, type CustomUrlField } from '../../nodes/lib/endpoints';
import { checkPatternRule, MAX_PATTERN_CHARS } from '../../nodes/lib/pattern-rules';
import { NUMERIC_SETTINGS, readNumericSetting } from '../../nodes/lib/node-options';
import { customUrlFieldProblem, heartbeatProblem, heartbeatToSave, heartbeatToShow } from '../../nodes/editor/account-settings';
import { credentialsProblem, filledCredentials } from '../../nodes/editor/credentials-check';
import { ruleFromRow, ruleListProblem, ruleProblem, rulesToSave } from '../../nodes/editor/filter-rules';
import { dsnsProblem, needsScope, sourceOf, specFieldProblem, specText } from '../../nodes/editor/spec-fields';

describe('editor validators: heartbeat', () => {
  const { min, max } = NUMERIC_SETTINGS.heartbeatTimeout;

  it('accepts the runtime range, 1 to 3600 s, as numbers and as typed text', () => {
    assert.deepEqual([min, max], [1, 3600], 'the range the issue asks for');
    for (const value of [min, max, 90, '1', ' 45 ', '3600']) assert.equal(heartbeatProblem(value), null, `${JSON.stringify(value)} is fine`);
  });

  it('refuses what the runtime refuses, and says the range', () => {
    for (const value of [0, max + 1, 1.5, '2.5', 'abc', -5, '1,5', Number.NaN]) {
      assert.deepEqual(heartbeatProblem(value), { key: 'ayla-dss-account.error.heartbeatTimeout', params: { min, max } }, String(value));
      assert.throws(() => readNumericSetting('heartbeatTimeout', value), /OUT_OF_RANGE|whole number/, `the runtime refuses ${String(value)} too`);
    }
  });

  it('takes empty as the default, like the runtime', () => {
    for (const value of ['', undefined, null]) {
      assert.equal(heartbeatProblem(value), null);
      assert.equal(readNumericSetting('heartbeatTimeout', value), NUMERIC_SETTINGS.heartbeatTimeout.default);
    }
  });

  it('stores a number when the field holds one, else the text (so the validator flags it)', () => {
    assert.equal(heartbeatToSave(' 30 '), 30);
    assert.equal(heartbeatToSave('abc'), 'abc');
    assert.equal(heartbeatToSave(''), '');
    assert.equal(heartbeatToShow(15), 15);
    assert.equal(heartbeatToShow('20'), 20);
    for (const broken of [undefined, '', 'abc', null]) assert.equal(heartbeatToShow(broken), NUMERIC_SETTINGS.heartbeatTimeout.default);
  });
});

describe('editor validators: custom URLs', () => {
  /** What the runtime does with one custom URL: the code of its refusal, or null. */
  function runtimeVerdict(field: CustomUrlField, value: string, allowInsecure: boolean): string | null {
    const custom = { streamUrl: 'wss://dss.example.com/stream', apiUrl: '', userUrl: '', [field]: value };
    try {
      resolveEndpoints({ region: 'custom', custom, allowInsecure });
      return null;
    } catch (error) {
      assert.ok(error instanceof EndpointError);
      return error.code;
    }
  }

  const LOOPBACK_PLAIN = ['ws://127.0.0.1:1880/stream', 'ws://localhost/stream', 'ws://localhost./stream', 'ws://[::1]:9/stream', 'ws://[::ffff:127.0.0.1]/stream', 'ws://127.8.9.10/stream'];

  it('accepts plain ws:// to every loopback form the runtime accepts (trailing dot, IPv4-mapped)', () => {
    for (const url of LOOPBACK_PLAIN) {
      assert.equal(customUrlFieldProblem('streamUrl', url, 'custom', false), null, url);
      assert.equal(runtimeVerdict('streamUrl', url, false), null, `the runtime accepts ${url}`);
    }
  });

  it('refuses plain transport to other hosts unless allowed, with a message naming the checkbox', () => {
    assert.deepEqual(customUrlFieldProblem('streamUrl', 'ws://dss.example.com/stream', 'custom', false), { key: 'ayla-dss-account.error.insecureStreamUrl' });
    assert.deepEqual(customUrlFieldProblem('userUrl', 'http://localhost.example.com', 'custom', false), { key: 'ayla-dss-account.error.insecureHttpUrl' });
    assert.equal(customUrlFieldProblem('streamUrl', 'ws://dss.example.com/stream', 'custom', true), null);
  });

  it('refuses what is not a usable URL, and requires only the stream URL', () => {
    assert.deepEqual(customUrlFieldProblem('streamUrl', '', 'custom', false), { key: 'ayla-dss-account.error.streamUrl' });
    assert.equal(customUrlFieldProblem('apiUrl', '', 'custom', false), null);
    assert.equal(customUrlFieldProblem('apiUrl', '  ', 'custom', false), null);
    for (const bad of ['dss.example.com/stream', 'https://dss.example.com/stream', 'wss://user:pw@dss.example.com/stream', 'wss://dss.example.com/stream?stream_key=abc']) {
      assert.deepEqual(customUrlFieldProblem('streamUrl', bad, 'custom', false), { key: 'ayla-dss-account.error.streamUrl' }, bad);
    }
    assert.deepEqual(customUrlFieldProblem('apiUrl', 'wss://dss.example.com', 'custom', false), { key: 'ayla-dss-account.error.httpUrl' });
  });

  it('leaves ${NAME} references and other regions alone', () => {
    assert.equal(customUrlFieldProblem('streamUrl', '${AYLA_STREAM_URL}', 'custom', false), null);
    assert.equal(customUrlFieldProblem('streamUrl', '', 'us', false), null);
    assert.equal(customUrlFieldProblem('streamUrl', 'nonsense', undefined, false), null);
  });

  it('agrees with resolveEndpoints on every URL of a mixed corpus', () => {
    const corpus = [...LOOPBACK_PLAIN, 'wss://a.example/stream', 'ws://a.example/stream', 'http://a.example', 'https://a.example/base/', 'ftp://a.example', 'x', 'https://u@a.example', 'https://a.example/#f', 'ws://LOCALHOST/stream'];
    for (const field of ['streamUrl', 'apiUrl', 'userUrl'] as const) {
      for (const url of corpus) {
        for (const allowInsecure of [false, true]) {
          const editor = customUrlFieldProblem(field, url, 'custom', allowInsecure) === null;
          const runtime = runtimeVerdict(field, url, allowInsecure) === null;
          assert.equal(editor, runtime, `${field} ${url} allowInsecure=${allowInsecure}: editor ${editor ? 'accepts' : 'refuses'}, runtime ${runtime ? 'accepts' : 'refuses'}`);
        }
      }
    }
  });
});

describe('editor validators: subscription fields', () => {
  it('reads a missing field as * and an unknown source as auto, like the runtime', () => {
    assert.equal(specText(undefined), '*');
    assert.equal(specText(null), '*');
    assert.equal(specText('  a,b '), 'a,b');
    assert.equal(sourceOf(undefined), 'auto');
    assert.equal(sourceOf('key'), 'key');
  });

  it('asks for * or a list instead of an empty OEM model or properties field', () => {
    assert.deepEqual(specFieldProblem('  ', 'auto'), { key: 'common.error.emptyField' });
    assert.equal(specFieldProblem('', 'key'), null, 'ignored with a stream key');
    assert.equal(specFieldProblem('*', 'auto'), null);
    assert.equal(specFieldProblem(undefined, 'auto'), null, 'old flows: *');
  });

  it('refuses DSNs * while the OEM model is * (Ayla refuses that subscription)', () => {
    assert.deepEqual(dsnsProblem('*', '*', 'auto'), { key: 'common.error.dsnsRequired' });
    assert.deepEqual(dsnsProblem('*', 'a, *', 'auto'), { key: 'common.error.dsnsRequired' }, 'a list with * means every model');
    assert.deepEqual(dsnsProblem(undefined, undefined, 'auto'), { key: 'common.error.dsnsRequired' });
    assert.deepEqual(dsnsProblem('', 'thermo', 'auto'), { key: 'common.error.emptyField' });
    assert.equal(dsnsProblem('*', 'thermo-t100', 'auto'), null);
    assert.equal(dsnsProblem('AC000W1', '*', 'auto'), null);
    assert.equal(dsnsProblem('*', '*', 'key'), null, 'ignored with a stream key');
  });

  it('knows when a node still needs its scope (what a freshly dropped node has)', () => {
    assert.equal(needsScope('*', '*', 'auto'), true);
    assert.equal(needsScope('thermo', '*', 'auto'), false);
    assert.equal(needsScope('*', '*', 'key'), false);
  });
});

describe('editor validators: filter rules', () => {
  it('words each kind of bad rule from the catalog', () => {
    assert.equal(ruleProblem({ mode: 'exact', pattern: 'AC000W1' }), null);
    assert.equal(ruleProblem({ mode: 'regex', pattern: '^AC\\d+$' }), null);
    assert.deepEqual(ruleProblem({ mode: 'exact', pattern: '   ' }), { key: 'common.error.emptyPattern' });
    assert.deepEqual(ruleProblem({ mode: 'glob', pattern: 'x' }), { key: 'common.error.badMode', params: { mode: 'glob' } });
    assert.deepEqual(ruleProblem('AC000W1'), { key: 'common.error.emptyPattern' });
    assert.deepEqual(ruleProblem({ mode: 'exact' }), { key: 'common.error.emptyPattern' });
    const long = 'x'.repeat(MAX_PATTERN_CHARS + 1);
    assert.deepEqual(ruleProblem({ mode: 'wildcard', pattern: long }), { key: 'common.error.tooLong', params: { length: long.length, max: MAX_PATTERN_CHARS } });
    const bad = ruleProblem({ mode: 'regex', pattern: 'AC000W(0056' });
    assert.equal(bad?.key, 'common.error.invalidRegex');
    assert.ok(!String(bad?.params?.reason).includes('AC000W'), `the reason does not repeat the pattern: ${String(bad?.params?.reason)}`);
  });

  it('gives the same verdict as the runtime on a corpus of rules', () => {
    const corpus: unknown[] = [
      { mode: 'exact', pattern: 'a' }, { mode: 'exact', pattern: ' ' }, { mode: 'regex', pattern: ' ' }, { mode: 'regex', pattern: '(' },
      { mode: 'regex', pattern: '[a-' }, { mode: 'wildcard', pattern: 'AC*?' }, { mode: 'regex', pattern: 'y'.repeat(MAX_PATTERN_CHARS) },
      { mode: 'regex', pattern: 'y'.repeat(MAX_PATTERN_CHARS + 1) }, { mode: 'EXACT', pattern: 'a' }, { mode: 'regex', pattern: '(a+)+$' },
    ];
    for (const rule of corpus) {
      const runtime = checkPatternRule(rule as never) === null;
      assert.equal(ruleProblem(rule) === null, runtime, `${JSON.stringify(rule).slice(0, 60)}: runtime ${runtime ? 'accepts' : 'refuses'}`);
    }
  });

  it('finds the first bad rule of a list, and treats missing lists as no filter', () => {
    assert.equal(ruleListProblem(undefined), null);
    assert.equal(ruleListProblem(''), null);
    assert.equal(ruleListProblem([]), null);
    assert.deepEqual(ruleListProblem('dsn'), { index: 0, problem: { key: 'common.error.notAList' } });
    const found = ruleListProblem([{ mode: 'exact', pattern: 'a' }, { mode: 'regex', pattern: '(' }, { mode: 'nope', pattern: 'b' }]);
    assert.equal(found?.index, 1);
    assert.equal(found?.problem.key, 'common.error.invalidRegex');
  });

  it('trims DSN and model rows but keeps a regex as typed, and drops untouched empty rows', () => {
    assert.deepEqual(ruleFromRow('exact', '  AC1 '), { mode: 'exact', pattern: 'AC1' });
    assert.deepEqual(ruleFromRow('regex', ' ^a '), { mode: 'regex', pattern: ' ^a ' });
    assert.deepEqual(rulesToSave([{ mode: 'exact', pattern: '' }, { mode: 'wildcard', pattern: 'a*' }, { mode: 'odd', pattern: 'b' }]), [
      { mode: 'wildcard', pattern: 'a*' },
      { mode: 'odd', pattern: 'b' },
    ]);
  });
});

describe('editor validators: account credentials', () => {
  it('reads what is set from a node (has_ flags) or from the dialog (stored passwords show as __PWRD__)', () => {
    assert.equal(filledCredentials(undefined), null, 'a deployed node whose dialog never opened: unknown');
    assert.deepEqual(filledCredentials({ email: '', password: '', appId: '', appSecret: '' }), [], 'an imported example');
    assert.deepEqual(filledCredentials({ email: 'a@b.c', has_password: true, has_appId: false, appSecret: 'x' }), ['email', 'password', 'appSecret']);
    assert.deepEqual(filledCredentials({ email: '${E}', password: '__PWRD__', appId: 'i', appSecret: 's' }), ['email', 'password', 'appId', 'appSecret']);
  });

  it('wants all four, or none while no node of the account creates a subscription', () => {
    const all = ['email', 'password', 'appId', 'appSecret'] as const;
    assert.equal(credentialsProblem(null, 3), null, 'unknown is never flagged');
    assert.equal(credentialsProblem(all, 3), null);
    assert.equal(credentialsProblem([], 0), null, 'stream keys only: no credentials needed');
    assert.deepEqual(credentialsProblem([], 1), { key: 'ayla-dss-account.error.credentialsMissing' });
    assert.deepEqual(credentialsProblem(['email'], 0), { key: 'ayla-dss-account.error.credentialsPartial' }, 'a partial set is never useful');
    assert.deepEqual(credentialsProblem(['email', 'password', 'appId'], 2), { key: 'ayla-dss-account.error.credentialsPartial' });
  });
});
