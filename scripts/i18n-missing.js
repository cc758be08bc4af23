#!/usr/bin/env node
'use strict';
// What each translation lacks next to en-US, for the next translation pass:
//
//   node scripts/i18n-missing.js              every language under locales/
//   node scripts/i18n-missing.js de ja        only these
//   node scripts/i18n-missing.js --json       the same as JSON (missing keys with their English text)
//   node scripts/i18n-missing.js --locales D  another locales folder (the tests use this)
//   node scripts/i18n-missing.js --since REV  also what en-US changed since the git revision REV
//
// --since names en-US texts whose wording changed since REV (the translations of the old wording
// are now stale, though nothing is missing) and help pages whose text changed; give the commit
// of the last translation pass. It only informs: the exit status stays that of the comparison.
//
// Per language it lists catalog keys of en-US that are missing and keys en-US does not have
// (plural keys by the language's own plural forms, see expectedKeys), texts whose `__name__`
// placeholders or `${NAME}` references differ from en-US, texts still identical to en-US (other
// than the allowed ones in SAME_AS_ENGLISH), keys out of en-US's order, and for the help pages:
// node types missing or extra, and per node type differing `<dt>` lists, `<code>` identifiers
// and links. Exit status 0 when nothing differs, 1 otherwise.
//
// test/i18n/catalogs.spec.ts holds the translations to the same rules with this module's
// functions, so what this script reports is what the test fails on.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const LOCALES_DIR = path.resolve(__dirname, '..', 'locales');
const REFERENCE = 'en-US';
const CATALOG_FILE = 'ayla-dss.json';
const HELP_FILE = 'ayla-dss.html';

/**
 * Texts that may stay as in en-US: identifiers, example values, URLs and labels made only of
 * names. Key -> the languages allowed to keep it ('*' = all). Anything else identical to en-US
 * counts as untranslated.
 */
const SAME_AS_ENGLISH = {
  'ayla-dss-account.nodeLabel.table': '*',
  'ayla-dss-account.nodeLabel.custom': '*',
  'ayla-dss-account.label.apiUrl': '*',
  'ayla-dss-account.placeholder.streamUrl': '*',
  'ayla-dss-account.placeholder.apiUrl': '*',
  'ayla-dss-account.placeholder.userUrl': '*',
  'common.placeholder.dsnFilter.exact': '*',
  'common.placeholder.dsnFilter.wildcard': '*',
  'common.placeholder.dsnFilter.regex': '*',
  'common.placeholder.modelFilter.exact': '*',
  'common.placeholder.modelFilter.wildcard': '*',
  'common.placeholder.modelFilter.regex': '*',
  'common.placeholder.propertyFilter.exact': '*',
  'common.placeholder.propertyFilter.wildcard': '*',
  'common.placeholder.propertyFilter.regex': '*',
  // Made only of placeholders and signs ("property = value", "property: code").
  'ayla-datapoint-out.status.written': '*',
  // Chinese writes the full-width colon here ("__property__：__code__").
  'ayla-datapoint-out.status.failed': ['de', 'ja'],
  // German spells these words as English does.
  'ayla-dss-account.label.name': ['de'],
  'ayla-dss-account.label.region': ['de'],
  'ayla-dss-account.region.cn': ['de'],
  'ayla-dss-account.deployment.staging': ['de'],
  'common.label.dsns': ['de'],
  'common.label.dsnFilter': ['de'],
};

/** True when `key` may keep its English text in `lang`. */
function mayStayEnglish(key, lang) {
  const allowed = SAME_AS_ENGLISH[key];
  return allowed === '*' || (Array.isArray(allowed) && allowed.includes(lang));
}

/** The languages with a folder under `localesDir`, en-US excluded, sorted. */
function languages(localesDir = LOCALES_DIR) {
  return fs
    .readdirSync(localesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== REFERENCE)
    .map((entry) => entry.name)
    .sort();
}

function readCatalog(lang, localesDir = LOCALES_DIR) {
  const file = path.join(localesDir, lang, CATALOG_FILE);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) : {};
}

function readHelp(lang, localesDir = LOCALES_DIR) {
  const file = path.join(localesDir, lang, HELP_FILE);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

/** The leaves of a catalog as [dotted key, value] pairs, in file order. */
function flatten(catalog, prefix = '') {
  const pairs = [];
  for (const [name, value] of Object.entries(catalog)) {
    const key = prefix + name;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) pairs.push(...flatten(value, `${key}.`));
    else pairs.push([key, value]);
  }
  return pairs;
}

/**
 * The names a text interpolates, sorted and without repeats: i18next `__name__` placeholders,
 * and `${NAME}` environment references the text shows (identifiers users type).
 */
function placeholders(text) {
  if (typeof text !== 'string') return [];
  const found = new Set();
  for (const match of text.matchAll(/__([A-Za-z0-9]+)__/g)) found.add(`__${match[1]}__`);
  for (const match of text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)) found.add(`\${${match[1]}}`);
  return [...found].sort();
}

/** i18next's plural suffixes (compatibilityJSON v4, the format of i18next 21 and later). */
const PLURAL_CATEGORIES = ['zero', 'one', 'two', 'few', 'many', 'other'];

/**
 * The plural forms i18next looks up for `lang`: it asks Intl.PluralRules for the language's
 * categories (PluralResolver.getSuffixes in i18next 25, which Node-RED 4.1 uses): en and de
 * have `one` and `other`, ja and zh-CN only `other`.
 */
function pluralCategories(lang) {
  return new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
}

/** `{ base, category }` when `key` ends in a plural suffix (`_one`, …, or Node-RED's v3 `_plural` = `_other`), else null. */
function splitPlural(key) {
  const match = /^(.*)_(zero|one|two|few|many|other|plural)$/.exec(key);
  if (!match) return null;
  return { base: match[1], category: match[2] === 'plural' ? 'other' : match[2] };
}

/**
 * The keys `lang` must have, in en-US's order. A key of en-US with an `_other` form is plural:
 * the language needs one key per plural category of its own (see pluralCategories), plus
 * `_zero` where en-US has one (i18next tries `_zero` for a count of 0 in every language).
 * Every other key is needed as it is.
 */
function expectedKeys(referencePairs, lang) {
  const referenceKeys = referencePairs.map(([key]) => key);
  const pluralBases = new Set(referenceKeys.map(splitPlural).filter((p) => p && p.category === 'other').map((p) => p.base));
  const keys = [];
  const done = new Set();
  for (const key of referenceKeys) {
    const plural = splitPlural(key);
    if (!plural || !pluralBases.has(plural.base)) {
      keys.push(key);
      continue;
    }
    if (done.has(plural.base)) continue;
    done.add(plural.base);
    const categories = new Set(pluralCategories(lang));
    if (referenceKeys.includes(`${plural.base}_zero`)) categories.add('zero');
    for (const category of PLURAL_CATEGORIES) if (categories.has(category)) keys.push(`${plural.base}_${category}`);
  }
  return keys;
}

/** The English text a translated key is compared with: the same key, or for a plural form en-US lacks, en-US's `_other`. */
function referenceTextFor(key, reference) {
  if (reference.has(key)) return reference.get(key);
  const plural = splitPlural(key);
  return plural ? reference.get(`${plural.base}_other`) : undefined;
}

/**
 * What `lang`'s catalog lacks or adds next to en-US's:
 * - missing: en-US keys it lacks ({ key, english });
 * - extra: keys en-US does not have (for plurals: forms the language does not use);
 * - placeholders: texts interpolating other names than en-US's (`__count__` may be left out
 *   of a singular form: "ein Ereignis");
 * - untranslated: texts identical to en-US outside SAME_AS_ENGLISH;
 * - empty: keys whose value is not a non-empty string;
 * - outOfOrder: the first key where the order differs from en-US's (null when in order).
 */
function compareCatalog(referenceCatalog, catalog, lang) {
  const referencePairs = flatten(referenceCatalog);
  const reference = new Map(referencePairs);
  // Node-RED reads a v3 `_plural` key as `_other`.
  const pairs = flatten(catalog).map(([key, value]) => {
    const plural = splitPlural(key);
    return [plural && key.endsWith('_plural') ? `${plural.base}_other` : key, value];
  });
  const own = new Map(pairs);
  const expected = expectedKeys(referencePairs, lang);
  const expectedSet = new Set(expected);
  const result = { lang, missing: [], extra: [], placeholders: [], untranslated: [], empty: [], outOfOrder: null };
  for (const key of expected) {
    if (!own.has(key)) result.missing.push({ key, english: referenceTextFor(key, reference) ?? null });
  }
  for (const [key, value] of pairs) {
    if (!expectedSet.has(key)) {
      result.extra.push(key);
      continue;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      result.empty.push(key);
      continue;
    }
    const english = referenceTextFor(key, reference);
    const plural = splitPlural(key);
    const singular = plural && plural.category !== 'other';
    const wanted = placeholders(english).filter((name) => !(singular && name === '__count__'));
    const found = placeholders(value).filter((name) => !(singular && name === '__count__'));
    if (wanted.join(' ') !== found.join(' ')) result.placeholders.push({ key, expected: wanted, found });
    if (value === english && !mayStayEnglish(key, lang)) result.untranslated.push(key);
  }
  const inOrder = pairs.map(([key]) => key).filter((key) => expectedSet.has(key));
  const wantedOrder = expected.filter((key) => own.has(key));
  const firstDifference = wantedOrder.findIndex((key, index) => inOrder[index] !== key);
  if (firstDifference !== -1) result.outOfOrder = { expected: wantedOrder[firstDifference], found: inOrder[firstDifference] };
  return result;
}

/** A `<dt>`'s name is an identifier (a message property such as `payload`) rather than a translated label. */
function isIdentifier(name) {
  return /^[a-z][A-Za-z0-9_.]*$/.test(name);
}

/**
 * The help pages of a help file by node type: for each, its `<dt>` entries (name before the
 * property-type span, and that span), `<code>` contents, link targets and `<h3>` count.
 */
function helpPages(html) {
  const pages = new Map();
  for (const match of html.matchAll(/<script type="text\/(?:html|x-red)" data-help-name="([^"]+)">([\s\S]*?)<\/script>/g)) {
    const body = match[2];
    const dts = [...body.matchAll(/<dt[^>]*>([\s\S]*?)<\/dt>/g)].map((dt) => {
      const type = /<span class="property-type">([\s\S]*?)<\/span>/.exec(dt[1]);
      return { name: dt[1].replace(/<span[\s\S]*$/, '').replace(/\s+/g, ' ').trim(), type: type ? type[1].trim() : '' };
    });
    pages.set(match[1], {
      dts,
      codes: [...new Set([...body.matchAll(/<code>([\s\S]*?)<\/code>/g)].map((code) => code[1].replace(/\s+/g, ' ')))].sort(),
      links: [...new Set([...body.matchAll(/href="([^"]*)"/g)].map((link) => link[1]))].sort(),
      headings: [...body.matchAll(/<h3>/g)].length,
    });
  }
  return pages;
}

/** Each help page's body by node type, whitespace runs made one space. */
function helpBodies(html) {
  const bodies = new Map();
  for (const match of html.matchAll(/<script type="text\/(?:html|x-red)" data-help-name="([^"]+)">([\s\S]*?)<\/script>/g)) {
    bodies.set(match[1], match[2].replace(/\s+/g, ' ').trim());
  }
  return bodies;
}

/**
 * What en-US changed between an earlier version (`oldCatalog`, `oldHtml`) and now: `texts`, the
 * keys both versions have whose text differs ({ key, before, now }), and `helpTypes`, the node
 * types both document whose help page differs in more than whitespace. What en-US gained is not
 * listed: compareCatalog and compareHelp report it as missing.
 */
function changedSince(oldCatalog, oldHtml, catalog, html) {
  const before = new Map(flatten(oldCatalog));
  const texts = flatten(catalog)
    .filter(([key, value]) => before.has(key) && before.get(key) !== value)
    .map(([key, value]) => ({ key, before: before.get(key), now: value }));
  const oldPages = helpBodies(oldHtml);
  const helpTypes = [...helpBodies(html)].filter(([type, body]) => oldPages.has(type) && oldPages.get(type) !== body).map(([type]) => type);
  return { texts, helpTypes };
}

/** en-US's catalog and help file at git revision `rev` (files the revision lacks read as empty). */
function readReferenceAt(rev, localesDir = LOCALES_DIR) {
  const show = (file) => {
    try {
      return execFileSync('git', ['show', `${rev}:./${REFERENCE}/${file}`], { cwd: localesDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      if (/does not exist|exists on disk, but not in/.test(String(error.stderr))) return '';
      throw new Error(`git show ${rev}:${REFERENCE}/${file} failed: ${String(error.stderr || error.message).trim()}`);
    }
  };
  const catalog = show(CATALOG_FILE);
  return { catalog: catalog ? JSON.parse(catalog.replace(/^\uFEFF/, '')) : {}, html: show(HELP_FILE) };
}

/** Human-readable lines for a changedSince result. */
function describeChanges(rev, changes) {
  if (!changes.texts.length && !changes.helpTypes.length) return [`${REFERENCE} since ${rev}: no text changed`];
  const lines = [`${REFERENCE} since ${rev}: ${changes.texts.length} texts and ${changes.helpTypes.length} help pages changed (check their translations)`];
  for (const { key, before, now } of changes.texts) lines.push(`  changed      ${key}: ${JSON.stringify(before)} -> ${JSON.stringify(now)}`);
  for (const type of changes.helpTypes) lines.push(`  help         ${type} (git diff ${rev} -- locales/${REFERENCE}/${HELP_FILE})`);
  return lines;
}

/** The entries of `a` missing from `b`. */
function minus(a, b) {
  const other = new Set(b);
  return a.filter((item) => !other.has(item));
}

/**
 * What `lang`'s help file lacks or adds next to en-US's: node types, and per node type `<dt>`
 * lists that differ (count, or an identifier name: message properties must keep their names),
 * `<code>` identifiers and links missing or added, and a different number of `<h3>` sections.
 */
function compareHelp(referenceHtml, html) {
  const reference = helpPages(referenceHtml);
  const pages = helpPages(html);
  const result = { missingTypes: [], extraTypes: [], pages: [] };
  for (const type of reference.keys()) if (!pages.has(type)) result.missingTypes.push(type);
  for (const type of pages.keys()) if (!reference.has(type)) result.extraTypes.push(type);
  for (const [type, english] of reference) {
    const page = pages.get(type);
    if (!page) continue;
    const problems = [];
    const dtNames = (p) => p.dts.map((dt) => (isIdentifier(dt.name) ? dt.name : '(label)'));
    if (dtNames(english).join(' ') !== dtNames(page).join(' ')) {
      problems.push({ kind: 'dt', expected: dtNames(english), found: dtNames(page) });
    }
    const missingCodes = minus(english.codes, page.codes);
    const extraCodes = minus(page.codes, english.codes);
    if (missingCodes.length || extraCodes.length) problems.push({ kind: 'code', missing: missingCodes, extra: extraCodes });
    const missingLinks = minus(english.links, page.links);
    const extraLinks = minus(page.links, english.links);
    if (missingLinks.length || extraLinks.length) problems.push({ kind: 'link', missing: missingLinks, extra: extraLinks });
    if (english.headings !== page.headings) problems.push({ kind: 'h3', expected: english.headings, found: page.headings });
    if (problems.length) result.pages.push({ type, problems });
  }
  return result;
}

/** Everything that differs for `lang`, catalog and help. */
function compareLanguage(lang, localesDir = LOCALES_DIR) {
  return {
    ...compareCatalog(readCatalog(REFERENCE, localesDir), readCatalog(lang, localesDir), lang),
    help: compareHelp(readHelp(REFERENCE, localesDir), readHelp(lang, localesDir)),
  };
}

/** True when `comparison` (from compareLanguage) found nothing. */
function isClean(comparison) {
  const c = comparison;
  return (
    !c.missing.length && !c.extra.length && !c.placeholders.length && !c.untranslated.length && !c.empty.length && !c.outOfOrder &&
    !c.help.missingTypes.length && !c.help.extraTypes.length && !c.help.pages.length
  );
}

/** Human-readable lines for one comparison. */
function describe(c) {
  if (isClean(c)) return [`${c.lang}: complete (catalog and help match ${REFERENCE})`];
  const lines = [`${c.lang}: ${c.missing.length} missing, ${c.extra.length} extra, ${c.placeholders.length} placeholder differences, ${c.untranslated.length} untranslated`];
  for (const { key, english } of c.missing) lines.push(`  missing      ${key} = ${JSON.stringify(english)}`);
  for (const key of c.extra) lines.push(`  extra        ${key}`);
  for (const { key, expected, found } of c.placeholders) lines.push(`  placeholders ${key}: en-US has [${expected.join(' ')}], ${c.lang} has [${found.join(' ')}]`);
  for (const key of c.untranslated) lines.push(`  untranslated ${key}`);
  for (const key of c.empty) lines.push(`  empty        ${key}`);
  if (c.outOfOrder) lines.push(`  order        ${c.outOfOrder.found} stands where en-US has ${c.outOfOrder.expected}`);
  for (const type of c.help.missingTypes) lines.push(`  help         no page for ${type}`);
  for (const type of c.help.extraTypes) lines.push(`  help         page for ${type}, which en-US does not document`);
  for (const { type, problems } of c.help.pages) {
    for (const p of problems) {
      if (p.kind === 'dt') lines.push(`  help         ${type}: <dt> ${REFERENCE} [${p.expected.join(', ')}], ${c.lang} [${p.found.join(', ')}]`);
      else if (p.kind === 'h3') lines.push(`  help         ${type}: ${p.expected} <h3> sections in ${REFERENCE}, ${p.found} in ${c.lang}`);
      else lines.push(`  help         ${type}: <${p.kind}> missing [${p.missing.join(', ')}], extra [${p.extra.join(', ')}]`);
    }
  }
  return lines;
}

module.exports = {
  LOCALES_DIR,
  REFERENCE,
  SAME_AS_ENGLISH,
  mayStayEnglish,
  languages,
  readCatalog,
  readHelp,
  flatten,
  placeholders,
  pluralCategories,
  splitPlural,
  expectedKeys,
  compareCatalog,
  isIdentifier,
  helpPages,
  compareHelp,
  compareLanguage,
  isClean,
  describe,
  helpBodies,
  changedSince,
  readReferenceAt,
  describeChanges,
};

if (require.main === module) {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const at = args.indexOf('--locales');
  const localesDir = at === -1 ? LOCALES_DIR : path.resolve(args[at + 1] ?? '');
  const sinceAt = args.indexOf('--since');
  const since = sinceAt === -1 ? null : args[sinceAt + 1];
  if (sinceAt !== -1 && !since) {
    console.error('--since needs a git revision (the commit of the last translation pass)');
    process.exit(2);
  }
  const asked = args.filter((arg, index) => !arg.startsWith('--') && !(at !== -1 && index === at + 1) && !(sinceAt !== -1 && index === sinceAt + 1));
  const known = languages(localesDir);
  const unknown = asked.filter((lang) => !known.includes(lang));
  if (unknown.length) {
    console.error(`no folder ${unknown.map((lang) => path.join(localesDir, lang)).join(', ')} (languages: ${known.join(', ')})`);
    process.exit(2);
  }
  const comparisons = (asked.length ? asked : known).map((lang) => compareLanguage(lang, localesDir));
  let changes = null;
  if (since) {
    let old;
    try {
      old = readReferenceAt(since, localesDir);
    } catch (error) {
      console.error(error.message);
      process.exit(2);
    }
    changes = changedSince(old.catalog, old.html, readCatalog(REFERENCE, localesDir), readHelp(REFERENCE, localesDir));
  }
  if (json) console.log(JSON.stringify(changes ? { languages: comparisons, since: { rev: since, ...changes } } : comparisons, null, 2));
  else {
    for (const comparison of comparisons) console.log(describe(comparison).join('\n'));
    if (changes) console.log(describeChanges(since, changes).join('\n'));
  }
  process.exitCode = comparisons.every(isClean) ? 0 : 1;
}
