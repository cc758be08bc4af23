/**
 * The translations (locales/<lang>/ayla-dss.json and .html) against en-US: exactly en-US's keys
 * in en-US's order (plural keys by each language's own plural forms), the same placeholders in
 * every text, nothing left in English but identifiers, and help pages that document the same
 * node types, message properties, identifiers and links.
 *
 * The comparisons are scripts/i18n-missing.js's, the script that lists what a language lacks
 * for the next translation pass: what it reports is what fails here.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

type Pairs = Array<[string, unknown]>;
interface CatalogComparison {
  missing: Array<{ key: string; english: unknown }>;
  extra: string[];
  placeholders: Array<{ key: string; expected: string[]; found: string[] }>;
  untranslated: string[];
  empty: string[];
  outOfOrder: { expected: string; found: string } | null;
}
interface HelpComparison {
  missingTypes: string[];
  extraTypes: string[];
  pages: Array<{ type: string; problems: unknown[] }>;
}
interface HelpPage {
  dts: Array<{ name: string; type: string }>;
  codes: string[];
  links: string[];
  headings: number;
}
/** scripts/i18n-missing.js (plain CommonJS; typed here for what the test uses). */
interface I18nCheck {
  LOCALES_DIR: string;
  REFERENCE: string;
  SAME_AS_ENGLISH: Record<string, '*' | string[]>;
  languages(localesDir?: string): string[];
  readCatalog(lang: string): Record<string, unknown>;
  readHelp(lang: string): string;
  flatten(catalog: unknown): Pairs;
  pluralCategories(lang: string): string[];
  expectedKeys(referencePairs: Pairs, lang: string): string[];
  compareCatalog(reference: unknown, catalog: unknown, lang: string): CatalogComparison;
  compareHelp(referenceHtml: string, html: string): HelpComparison;
  helpPages(html: string): Map<string, HelpPage>;
  isIdentifier(name: string): boolean;
  changedSince(oldCatalog: unknown, oldHtml: string, catalog: unknown, html: string): { texts: Array<{ key: string; before: unknown; now: unknown }>; helpTypes: string[] };
}

const SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'i18n-missing.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const check = require(SCRIPT) as I18nCheck;

/** The languages this package ships besides en-US. */
const LANGUAGES = ['de', 'ja', 'zh-CN'];

const english = check.readCatalog(check.REFERENCE);
const englishHelp = check.readHelp(check.REFERENCE);

/** The text at a dotted key. */
function text(catalog: Record<string, unknown>, key: string): string {
  const value = key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], catalog);
  assert.equal(typeof value, 'string', `${key} is a text`);
  return value as string;
}

/**
 * Latin-script words that may stand in Japanese and Chinese texts: names, protocols,
 * identifiers the user types or sees elsewhere, and Ayla's names for its deployments.
 */
const LATIN_WORDS_IN_CJK = new Set(
  [
    'Ayla', 'Networks', 'DSS', 'OEM', 'DSN', 'API', 'REST', 'URL', 'HTTP', 'TLS', 'DNS', 'JSON', 'UTF', 'LEN', 'ACK', 'App', 'ID',
    'WebSocket', 'Node', 'RED', 'Catch', 'JavaScript', 'README', 'Datastream', 'Service', 'Field', 'PORT', 'NAME', 'ENV', 'VAR',
    'AYLA', 'EMAIL', 'npx', 'ayla', 'dss', 'sim', 'auto', 'key', 'us', 'eu', 'cn', 'custom', 'true', 'false', 'localhost',
    'connectivity', 'datapoint', 'datapointack', 'location', 'registration', 'model1', 'model2', 'Blue_LED', 'temperature',
    'ADS', // Ayla's device service, as its documentation names it
    'contrib', // the package's name, node-red-contrib-ayla-dss
    'plant', // the instance label's example, plant-a (as the help page has it)
    'Ctrl', // the key, as keyboards label it
  ].map((word) => word.toLowerCase()),
);

/** English words no German sentence uses: any of them in a German text is an untranslated rest. */
const ENGLISH_IN_GERMAN = /\b(the|and|with|without|which|when|only|this|that|from|could|would|must|every|other|is|are|was|not)\b/i;

/**
 * What of a text is prose: placeholders, `${NAME}` references, URLs, e-mail addresses, dotted
 * names (msg.topic, host names), literals in ASCII double quotes ("start", "<dsn>/<property>":
 * the translations quote prose with their own marks) and codes with digits (DSNs) taken out.
 */
function prose(value: string): string {
  return value
    .replace(/__[A-Za-z0-9]+__/g, ' ')
    .replace(/\$\{[A-Za-z0-9_]+\}/g, ' ')
    .replace(/\b[a-z]+:\/\/\S*/g, ' ')
    .replace(/\S+@\S+/g, ' ')
    .replace(/\b[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+/g, ' ')
    .replace(/"[^"\s]*"/g, ' ')
    .replace(/\b\w*\d\w*\b/g, ' ');
}

/** Latin-script words of a Japanese or Chinese text that are not in {@link LATIN_WORDS_IN_CJK}. */
function strayLatin(value: string): string[] {
  return (prose(value).match(/[A-Za-z][A-Za-z0-9_]*/g) ?? []).filter((word) => word.length > 1 && !LATIN_WORDS_IN_CJK.has(word.toLowerCase()));
}

/** The visible prose of a help file: tags, `<code>` contents and comments removed. */
function helpProse(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<code>[\s\S]*?<\/code>/g, ' ')
    .replace(/<dt[^>]*>[\s\S]*?<\/dt>/g, ' ') // message property names and dialog labels (compared above), optional ones too
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z]+;/g, ' ');
}

describe('translations: catalogs and help pages against en-US', () => {
  it(`ships ${LANGUAGES.join(', ')} besides en-US`, () => {
    for (const lang of LANGUAGES) assert.ok(check.languages().includes(lang), `locales/${lang}/ is missing`);
  });

  it('allows only en-US keys to stay in English (the allow-list is not stale)', () => {
    const keys = new Set(check.flatten(english).map(([key]) => key));
    assert.deepEqual(Object.keys(check.SAME_AS_ENGLISH).filter((key) => !keys.has(key)), []);
  });

  for (const lang of LANGUAGES) {
    describe(lang, () => {
      const catalog = check.readCatalog(lang);
      const comparison = check.compareCatalog(english, catalog, lang);
      const html = check.readHelp(lang);

      it('has exactly the keys of en-US (no missing, no extra), in en-US\'s order, none empty', () => {
        assert.deepEqual(comparison.missing, [], 'missing keys (node scripts/i18n-missing.js lists them with their English text)');
        assert.deepEqual(comparison.extra, [], 'keys en-US does not have');
        assert.deepEqual(comparison.empty, [], 'keys without a text');
        assert.equal(comparison.outOfOrder, null, 'same key order as en-US, for review side by side');
      });

      it('keeps every __placeholder__ and ${NAME} of each en-US text', () => {
        assert.deepEqual(comparison.placeholders, []);
      });

      it('translates every text (identifiers and examples excepted)', () => {
        assert.deepEqual(comparison.untranslated, [], 'identical to en-US and not in SAME_AS_ENGLISH');
      });

      it('leaves no English prose in any text', () => {
        const leftovers = check
          .flatten(catalog)
          .filter(([key, value]) => typeof value === 'string' && !(key in check.SAME_AS_ENGLISH))
          .map(([key, value]) => [key, lang === 'de' ? (ENGLISH_IN_GERMAN.exec(prose(value as string))?.[0] ?? '') : strayLatin(value as string).join(' ')])
          .filter(([, found]) => found !== '');
        assert.deepEqual(leftovers, []);
      });

      it('quotes its own label of the "allow unencrypted" checkbox wherever a message names it', () => {
        const checkbox = text(catalog, 'ayla-dss-account.label.allowInsecure');
        for (const key of ['ayla-dss-account.errors.INSECURE_URL', 'ayla-dss-account.error.insecureStreamUrl', 'ayla-dss-account.error.insecureHttpUrl']) {
          assert.ok(text(catalog, key).includes(checkbox), `${key} quotes "${checkbox}"`);
        }
      });

      it('has a help page for each node type of en-US with the same message properties, identifiers and links', () => {
        const help = check.compareHelp(englishHelp, html);
        assert.deepEqual(help.missingTypes, [], 'node types without a help page');
        assert.deepEqual(help.extraTypes, [], 'help pages for node types en-US does not document');
        assert.deepEqual(help.pages, [], 'per node type: <dt> names, <code> identifiers, links, <h3> sections');
        // The message properties by name, page by page (compareHelp compares them too; this says it in the test).
        const pages = check.helpPages(html);
        for (const [type, page] of check.helpPages(englishHelp)) {
          const names = (p: HelpPage | undefined) => (p?.dts ?? []).map((dt) => dt.name).filter((name) => check.isIdentifier(name));
          assert.deepEqual(names(pages.get(type)), names(page), `${type}: message properties`);
        }
      });

      it('help: translated headings and prose, the simulator command and the heartbeat range', () => {
        // "Details" is German too (Node-RED's German help uses it).
        const englishHeadings = lang === 'de' ? /<h3>(Inputs|Outputs|Properties|References)<\/h3>/ : /<h3>(Inputs|Outputs|Details|Properties|References)<\/h3>/;
        assert.doesNotMatch(html, englishHeadings, 'headings are translated');
        assert.ok(html.includes('npx ayla-dss-sim'), 'names the command installed users run');
        assert.ok(!/npm (run|start)/.test(html), 'npm run / npm start only work in a clone of the repository');
        assert.match(helpProse(html), /\b1\b[^.。]*\b3600\b/, 'states the heartbeat range 1 to 3600');
        const visible = helpProse(html);
        if (lang === 'de') assert.doesNotMatch(visible, ENGLISH_IN_GERMAN);
        else assert.deepEqual([...new Set(strayLatin(visible))], [], 'Latin-script words in the prose');
      });
    });
  }
});

describe('translations: plural keys (i18next as Node-RED uses it)', () => {
  /** The i18next Node-RED's runtime and editor translate with. */
  const i18nextDir = path.dirname(require.resolve('i18next/package.json', { paths: [path.dirname(require.resolve('@node-red/util/package.json'))] }));

  it('uses i18next 21 or later: plural keys end in _zero/_one/_two/_few/_many/_other, chosen by Intl.PluralRules', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(i18nextDir, 'package.json'), 'utf8')) as { version: string };
    assert.ok(Number(version.split('.')[0]) >= 21, `i18next ${version} still uses the v3 suffixes (_plural)`);
  });

  it('needs _one and _other in de, only _other in ja and zh-CN (the forms of each language)', () => {
    assert.deepEqual(check.pluralCategories('en-US'), ['one', 'other']);
    assert.deepEqual(check.pluralCategories('de'), ['one', 'other']);
    assert.deepEqual(check.pluralCategories('ja'), ['other']);
    assert.deepEqual(check.pluralCategories('zh-CN'), ['other']);
    const reference: Pairs = [
      ['s.count_one', '__count__ event'],
      ['s.count_other', '__count__ events'],
      ['s.plain', 'plain'],
    ];
    assert.deepEqual(check.expectedKeys(reference, 'de'), ['s.count_one', 's.count_other', 's.plain']);
    assert.deepEqual(check.expectedKeys(reference, 'ja'), ['s.count_other', 's.plain']);
    assert.deepEqual(check.expectedKeys(reference, 'zh-CN'), ['s.count_other', 's.plain']);
    // A _zero form of en-US is looked up for a count of 0 in every language.
    const withZero: Pairs = [['n_zero', 'none'], ['n_other', '__count__ things'], ...reference];
    assert.deepEqual(check.expectedKeys(withZero, 'ja'), ['n_zero', 'n_other', 's.count_other', 's.plain']);
    assert.deepEqual(check.expectedKeys(withZero, 'de'), ['n_zero', 'n_one', 'n_other', 's.count_one', 's.count_other', 's.plain']);
  });

  it('flags a Japanese _one as extra, a missing German _one as missing, and takes Node-RED\'s v3 _plural for _other', () => {
    const reference = { s: { count_one: '__count__ event', count_other: '__count__ events' } };
    const ja = check.compareCatalog(reference, { s: { count_one: '1 件', count_other: '__count__ 件' } }, 'ja');
    assert.deepEqual(ja.extra, ['s.count_one']);
    const de = check.compareCatalog(reference, { s: { count_plural: '__count__ Ereignisse' } }, 'de');
    assert.deepEqual(de.missing.map((m) => m.key), ['s.count_one']);
    assert.deepEqual(de.extra, []);
    // A singular form may say "ein" instead of the count.
    const singular = check.compareCatalog(reference, { s: { count_one: 'ein Ereignis', count_other: '__count__ Ereignisse' } }, 'de');
    assert.deepEqual([singular.missing, singular.extra, singular.placeholders], [[], [], []]);
  });

  it('matches what i18next itself picks for a count in each language', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const i18next = require(i18nextDir) as { createInstance(): { init(options: Record<string, unknown>): unknown; t(key: string, options: Record<string, unknown>): string } };
    const resources = {
      'en-US': { ns: { n_one: 'one', n_other: 'other' } },
      de: { ns: { n_one: 'one', n_other: 'other' } },
      ja: { ns: { n_other: 'other' } },
      'zh-CN': { ns: { n_other: 'other' } },
    };
    for (const lang of ['en-US', 'de', 'ja', 'zh-CN']) {
      const instance = i18next.createInstance();
      instance.init({ resources, lng: lang, fallbackLng: false, ns: ['ns'], defaultNS: 'ns', initAsync: false, initImmediate: false, showSupportNotice: false });
      const forms = [0, 1, 2, 5].map((count) => instance.t('n', { count }));
      const wanted = check.pluralCategories(lang).includes('one') ? ['other', 'one', 'other', 'other'] : ['other', 'other', 'other', 'other'];
      assert.deepEqual(forms, wanted, `${lang}: the forms i18next picks for 0, 1, 2 and 5`);
    }
  });
});

describe('scripts/i18n-missing.js', function () {
  this.timeout(20_000);

  it('reports every shipped language complete and exits 0', () => {
    const output = execFileSync(process.execPath, [SCRIPT], { encoding: 'utf8' });
    for (const lang of LANGUAGES) assert.match(output, new RegExp(`^${lang}: complete`, 'm'));
  });

  it('lists what a language lacks or adds, with the English text, and exits 1', () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'ayla-dss-i18n-'));
    try {
      fs.cpSync(check.LOCALES_DIR, copy, { recursive: true });
      const file = path.join(copy, 'ja', 'ayla-dss.json');
      const ja = JSON.parse(fs.readFileSync(file, 'utf8')) as { common: { label: Record<string, string> } };
      delete ja.common.label.source;
      ja.common.label.surplus = '余分';
      fs.writeFileSync(file, JSON.stringify(ja, null, 2));
      const help = path.join(copy, 'de', 'ayla-dss.html');
      fs.writeFileSync(help, fs.readFileSync(help, 'utf8').replace('<dt>payload <span', '<dt>nutzdaten <span'));
      const run = spawnSync(process.execPath, [SCRIPT, '--locales', copy], { encoding: 'utf8' });
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.match(run.stdout, /missing +common\.label\.source = "Source"/);
      assert.match(run.stdout, /extra +common\.label\.surplus/);
      assert.match(run.stdout, /help +ayla-connectivity-in: <dt> en-US \[topic, payload, ayla, event\], de \[topic, nutzdaten, ayla, event\]/);
      assert.match(run.stdout, /^zh-CN: complete/m);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it('--since: names en-US texts and help pages whose wording changed (not what en-US gained, not whitespace)', () => {
    const page = (type: string, body: string) => `<script type="text/html" data-help-name="${type}">${body}</script>\n`;
    const before = { s: { kept: 'Same', reworded: 'The DSS API refused it' } };
    const now = { s: { kept: 'Same', reworded: 'The Ayla service refused it', added: 'New' } };
    const oldHtml = page('a-in', '<p>Sends a\n    message.</p>') + page('b-in', '<p>Old wording.</p>');
    const html = page('a-in', '<p>Sends a message.</p>') + page('b-in', '<p>New wording.</p>') + page('c-out', '<p>Added.</p>');
    assert.deepEqual(check.changedSince(before, oldHtml, now, html), {
      texts: [{ key: 's.reworded', before: 'The DSS API refused it', now: 'The Ayla service refused it' }],
      helpTypes: ['b-in'],
    });
    // Against the checked-out revision nothing has changed (where the tree is a git checkout).
    const run = spawnSync(process.execPath, [SCRIPT, 'de', '--since', 'HEAD'], { encoding: 'utf8' });
    if (run.status === 2 && /git show/.test(run.stderr)) return; // no git here
    assert.match(run.stdout, /^en-US since HEAD: (no text changed|\d+ texts)/m, run.stdout + run.stderr);
  });
});
