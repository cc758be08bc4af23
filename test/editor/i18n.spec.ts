/**
 * The editor in each language the package ships, the way a user gets it: one real Node-RED
 * (red.js in a child process, loading the built dist/) and, per language, a headless Chromium
 * whose language is that one (Playwright's `locale`: navigator.language and Accept-Language,
 * from which Node-RED's editor picks its language when the user chose none in its settings).
 *
 * For en-US, de, zh-CN and ja it checks that no text of this package falls back to a raw
 * catalog key, and that the texts are the language's own (from locales/<lang>/ayla-dss.json,
 * different from English where they should be):
 * - the palette label of every node type and its label on the canvas, and the port labels;
 * - every event-in dialog: labels, options, placeholders, tips, the rule lists, the share,
 *   start and control options, the pickers' own words, a rule's validation message with its
 *   placeholder filled, the share's message and the hint that nothing would start the node;
 * - the ayla-datapoint-out dialog: labels, placeholders, the tip, the pickers' own words and the
 *   message a picker shows without an account (no server round trip), the ack timeout's message
 *   with its placeholders filled;
 * - the account dialog: labels, options, placeholders, tips (the instance label's with its
 *   maximum filled), the resolved-endpoint summary, the heartbeat, write rate, instance label
 *   and credentials messages, Copy diagnostics' answer and Test connection's answer (worded by
 *   the editor in its language, though the runtime runs in English);
 * - the help sidebar for every node type: the language's help page, titled by its palette label.
 *
 * Set AYLA_E2E_SCREENSHOTS=<dir> to keep a screenshot of every dialog and help page per
 * language (for a translator's review of wording and layout).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { freePort } from '../support/node-red-process';
import { launchBrowser, type EditorBrowser } from './support/browser';
import { closeDialog, closeDialogs, IN_DIALOG_READY, openAccountOf } from './support/editor-session';
import { openEditor, openNodeDialog, readDialogForm, UI_WAIT_MS, waitAtRest, waitUntil } from './support/editor-page';
import { assertBuilt, startNodeRed, type RunningNodeRed } from './support/node-red-process';

const LANGUAGES = ['en-US', 'de', 'zh-CN', 'ja'] as const;
type Language = (typeof LANGUAGES)[number];
const EVENT_TYPES = ['connectivity', 'datapoint', 'datapointack', 'location', 'registration'] as const;
type EventType = (typeof EVENT_TYPES)[number];

const TAB_ID = 'i18n-tab';
const ACCOUNT_ID = 'i18n-account';
const MODEL = 'thermo-t100';
/** A rule with a mode no version knows: its row shows common.error.badMode, a message with a placeholder. */
const UNKNOWN_MODE = 'fuzzy';

const LOCALES_DIR = path.resolve(__dirname, '..', '..', 'locales');
const CATALOGS = Object.fromEntries(
  LANGUAGES.map((lang) => [lang, JSON.parse(fs.readFileSync(path.join(LOCALES_DIR, lang, 'ayla-dss.json'), 'utf8')) as Record<string, unknown>]),
) as Record<Language, Record<string, unknown>>;
const HELP = Object.fromEntries(LANGUAGES.map((lang) => [lang, fs.readFileSync(path.join(LOCALES_DIR, lang, 'ayla-dss.html'), 'utf8')])) as Record<Language, string>;

/** A raw catalog key of this package, as i18next shows a key it cannot resolve. */
const RAW_KEY = /(?:^|[^\w-])((?:ayla-dss-account|common|ayla-[a-z]+-(?:in|out))\.[A-Za-z][\w.-]*)/;
/** The "Outputs" heading of Node-RED's help pages in each language (Node-RED's core nodes use the same). */
const OUTPUTS_HEADING: Record<Language, string> = { 'en-US': 'Outputs', de: 'Ausgangsdaten', 'zh-CN': '输出', ja: '出力' };
/** The "Inputs" heading likewise. */
const INPUTS_HEADING: Record<Language, string> = { 'en-US': 'Inputs', de: 'Eingangsdaten', 'zh-CN': '输入', ja: '入力' };
/** The write node. */
const OUT_TYPE = 'ayla-datapoint-out';

/** The part of the editor's `RED` global the write node's checks use. */
interface RedForHelp {
  nodes: { getType(type: string): { _(key: string): string } | undefined };
  sidebar: { help: { show(type: string): void } };
}

/** A port label of a node type's definition: a text, or a function of the node and the port index. */
type PortLabel = string | ((this: unknown, index: number) => string) | undefined;

/** The part of the editor's `RED` global the port label check uses. */
interface RedForPorts {
  nodes: {
    getType(type: string): { inputLabels?: PortLabel; outputLabels?: PortLabel } | undefined;
    node(id: string): unknown;
  };
}


/** The text of `key` in `lang`, placeholders filled from `params`. */
function say(lang: Language, key: string, params: Record<string, string | number> = {}): string {
  const value = key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], CATALOGS[lang]);
  assert.equal(typeof value, 'string', `${lang} has a text for ${key}`);
  return (value as string).replace(/__([A-Za-z0-9]+)__/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Text without any whitespace: line breaks and the spaces HTML adds or drops do not matter for a comparison. */
function squeeze(text: string): string {
  return text.replace(/\s+/g, '');
}

/** The first paragraph of a node type's help page in `lang`, as text. */
function firstHelpParagraph(lang: Language, type: string): string {
  const page = new RegExp(`data-help-name="${type}">\\s*<p>([\\s\\S]*?)</p>`).exec(HELP[lang]);
  assert.ok(page, `${lang} has a help page for ${type}`);
  return page[1].replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** What the topmost edit tray shows: all its text (hidden rows too), and the placeholders and titles of its elements. */
interface TrayTexts {
  text: string;
  attributes: string[];
}

function readTopTray(page: Page): Promise<TrayTexts> {
  return page.evaluate(() => {
    const trays = Array.from(document.querySelectorAll('.red-ui-tray'));
    const tray = trays[trays.length - 1];
    if (!tray) return { text: '', attributes: [] };
    const attributes: string[] = [];
    tray.querySelectorAll('[placeholder], [title], [aria-label]').forEach((element) => {
      for (const name of ['placeholder', 'title', 'aria-label']) {
        const value = element.getAttribute(name);
        if (value) attributes.push(value);
      }
    });
    return { text: tray.textContent ?? '', attributes };
  });
}

/** Raw catalog keys in a tray's texts. */
function rawKeys(texts: TrayTexts): string[] {
  return [texts.text, ...texts.attributes].map((text) => RAW_KEY.exec(text)?.[1]).filter((key): key is string => key !== undefined);
}

/** The texts of `keys` in `lang` that the tray does not show (compared without whitespace). */
function notShown(texts: TrayTexts, lang: Language, keys: string[]): string[] {
  const shown = squeeze([texts.text, ...texts.attributes].join('\n'));
  return keys.filter((key) => !shown.includes(squeeze(say(lang, key))));
}

/** The catalog keys every event-in dialog shows. */
const EVENT_IN_KEYS = [
  'common.label.account',
  'common.label.source',
  'common.source.auto',
  'common.source.key',
  'common.label.oemModel',
  'common.placeholder.oemModel',
  'common.label.dsns',
  'common.placeholder.dsns',
  'common.tip.auto',
  'common.label.streamKey',
  'common.placeholder.streamKey',
  'common.tip.key',
  'common.label.filters',
  'common.label.dsnFilter',
  'common.label.modelFilter',
  'common.button.addRule',
  'common.tip.filters',
  'common.label.partition',
  'common.placeholder.partition',
  'common.tip.partition',
  'common.label.autoStart',
  'common.label.control',
  'common.tip.control',
  // The pickers' own words, in the (hidden) panels under the OEM model and DSN fields.
  'common.picker.refresh',
  'common.picker.more',
  'common.picker.otherDevice',
];

/** The catalog keys the ayla-datapoint-out dialog shows (waiting for the ack, so the timeout row is there). */
const OUT_KEYS = [
  'common.label.account',
  'ayla-datapoint-out.label.dsn',
  'ayla-datapoint-out.placeholder.dsn',
  'ayla-datapoint-out.label.property',
  'ayla-datapoint-out.placeholder.property',
  'ayla-datapoint-out.tip.target',
  'ayla-datapoint-out.label.waitForAck',
  'ayla-datapoint-out.label.ackTimeout',
  'ayla-datapoint-out.label.seconds',
  'common.picker.refresh',
  'common.picker.more',
  'common.picker.otherDevice',
];

/** The further catalog keys each event-in dialog shows. */
const TYPE_KEYS: Record<EventType, string[]> = {
  connectivity: ['ayla-connectivity-in.label.statuses', 'ayla-connectivity-in.label.otherStatuses', 'ayla-connectivity-in.label.allWhenNone', 'ayla-connectivity-in.placeholder.otherStatuses'],
  datapoint: ['common.label.properties', 'common.placeholder.properties', 'common.label.propertyFilter', 'common.label.onlyChanges'],
  datapointack: [
    'common.label.properties',
    'common.label.propertyFilter',
    'common.label.onlyChanges',
    'ayla-datapointack-in.label.ack',
    'ayla-datapointack-in.ack.both',
    'ayla-datapointack-in.ack.success',
    'ayla-datapointack-in.ack.failure',
  ],
  // The location node carries a DSN rule of an unknown mode: its row offers the three modes.
  location: ['common.mode.exact', 'common.mode.wildcard', 'common.mode.regex'],
  registration: ['ayla-registration-in.label.registration', 'ayla-registration-in.registration.both', 'ayla-registration-in.registration.registered', 'ayla-registration-in.registration.unregistered'],
};

/** The catalog keys the account dialog shows (custom region, so the URL rows are there too). */
const ACCOUNT_KEYS = [
  'ayla-dss-account.label.name',
  'ayla-dss-account.label.region',
  'ayla-dss-account.region.us',
  'ayla-dss-account.region.eu',
  'ayla-dss-account.region.cn',
  'ayla-dss-account.region.custom',
  'ayla-dss-account.label.deployment',
  'ayla-dss-account.deployment.field',
  'ayla-dss-account.deployment.dev',
  'ayla-dss-account.deployment.staging',
  'ayla-dss-account.label.clientType',
  'ayla-dss-account.clientType.cloud',
  'ayla-dss-account.clientType.mobile',
  'ayla-dss-account.label.endpoints',
  'ayla-dss-account.label.streamUrl',
  'ayla-dss-account.label.apiUrl',
  'ayla-dss-account.label.userUrl',
  'ayla-dss-account.label.allowInsecure',
  'ayla-dss-account.tip.custom',
  'ayla-dss-account.tip.insecure',
  'ayla-dss-account.label.email',
  'ayla-dss-account.placeholder.email',
  'ayla-dss-account.label.password',
  'ayla-dss-account.placeholder.secret',
  'ayla-dss-account.label.appId',
  'ayla-dss-account.label.appSecret',
  'ayla-dss-account.tip.env',
  'ayla-dss-account.label.deviceUrl',
  'ayla-dss-account.placeholder.deviceUrl',
  'ayla-dss-account.tip.deviceUrl',
  'ayla-dss-account.label.heartbeatTimeout',
  'ayla-dss-account.label.seconds',
  'ayla-dss-account.label.writeRate',
  'ayla-dss-account.label.perSecond',
  'ayla-dss-account.label.instanceLabel',
  'ayla-dss-account.placeholder.instanceLabel',
  'ayla-dss-account.button.test',
  'ayla-dss-account.tip.testUnsaved',
  'ayla-dss-account.button.diagnostics',
  'ayla-dss-account.tip.diagnostics',
];

/** Sentences that must not be shown in English once the editor speaks another language. */
const ENGLISH_SENTENCES = ['common.tip.filters', 'common.tip.auto', 'common.tip.control', 'ayla-dss-account.tip.custom', 'ayla-dss-account.tip.env'];

/** The write node's dialog: its tip must not be shown in English either. */
const OUT_ENGLISH_SENTENCES = ['ayla-datapoint-out.tip.target'];

/** The event-in node that has its control input (an input port, labelled). */
const CONTROLLED: EventType = 'datapointack';
/** The write node on the canvas: unnamed, without a target (its canvas label is the palette label), waiting for the ack. */
const OUT_ID = 'i18n-out';

/**
 * One disabled node per event-in type (the runtime never starts them), unnamed so the canvas
 * shows the palette label; one of them with its control input; and a disabled write node.
 */
function flow(closedPort: number): Array<Record<string, unknown>> {
  const loopback = `127.0.0.1:${closedPort}`;
  return [
    { id: TAB_ID, type: 'tab', label: 'Ayla DSS i18n', disabled: false, info: '' },
    {
      id: ACCOUNT_ID, type: 'ayla-dss-account', name: '', region: 'custom', deployment: 'field', clientType: 'cloud',
      streamUrl: `ws://${loopback}/stream`, apiUrl: `http://${loopback}`, userUrl: `http://${loopback}`, heartbeatTimeout: 90, allowInsecure: false,
    },
    ...EVENT_TYPES.map((eventType, index) => ({
      id: `i18n-${eventType}`, type: `ayla-${eventType}-in`, z: TAB_ID, d: true, name: '', account: ACCOUNT_ID, source: 'auto',
      oemModel: MODEL, dsns: '*', properties: '*', modelFilter: [], propertyFilter: [],
      dsnFilter: eventType === 'location' ? [{ mode: UNKNOWN_MODE, pattern: 'AC000W*' }] : [],
      ...(eventType === CONTROLLED ? { control: true, inputs: 1 } : {}),
      x: 160, y: 80 + 80 * index, wires: [[]],
    })),
    {
      id: OUT_ID, type: OUT_TYPE, z: TAB_ID, d: true, name: '', account: ACCOUNT_ID, dsn: '', property: '', waitForAck: true, ackTimeout: 10,
      x: 480, y: 80, wires: [[]],
    },
  ];
}

/** With AYLA_E2E_SCREENSHOTS=<dir>: the page (or `selector`'s element) as <dir>/i18n-<name>.png. */
async function screenshot(page: Page, name: string, selector?: string): Promise<void> {
  const dir = process.env.AYLA_E2E_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `i18n-${name}.png`);
  if (selector) await page.locator(selector).last().screenshot({ path: file });
  else await page.screenshot({ path: file });
}

/** Clicks the help button of the topmost edit tray and waits until the help sidebar shows `type`'s page in `lang`. */
async function showHelpOf(page: Page, lang: Language, type: string, title: string): Promise<string> {
  await page.locator('.red-ui-tray').last().locator('.red-ui-tray-footer-left button:has(i.fa-book)').click();
  return helpShown(page, lang, type, title);
}

/** Waits until the help sidebar shows `type`'s page in `lang` under `title`, and returns its text. */
async function helpShown(page: Page, lang: Language, type: string, title: string): Promise<string> {
  const opening = squeeze(firstHelpParagraph(lang, type)).slice(0, 24);
  await waitUntil(
    page,
    `the help sidebar shows the ${lang} help of ${type}`,
    (wanted: { title: string; opening: string }) => {
      const text = (document.querySelector('.red-ui-sidebar-help-stack .red-ui-help') as HTMLElement | null)?.innerText ?? '';
      return text.trim().split('\n')[0].trim() === wanted.title && text.replace(/\s+/g, '').includes(wanted.opening);
    },
    { title, opening },
  );
  return page.locator('.red-ui-sidebar-help-stack .red-ui-help').first().innerText();
}

describe('editor in every language: no raw catalog key, the language\'s own texts (real Node-RED + headless Chromium)', function () {
  this.timeout(60_000);
  let red: RunningNodeRed | undefined;
  let closedPort = 0;

  before(async function () {
    assertBuilt();
    closedPort = await freePort(); // nothing listens there: Test connection is refused
    red = await startNodeRed({ flows: flow(closedPort), credentials: {}, env: {} });
  });

  after(async function () {
    await red?.stop();
  });

  for (const lang of LANGUAGES) {
    describe(lang, () => {
      let browser: EditorBrowser | undefined;
      let page: Page;

      before(async function () {
        assert.ok(red, 'Node-RED is running');
        browser = await launchBrowser({ locale: lang });
        page = browser.page;
        page.setDefaultTimeout(UI_WAIT_MS);
        await openEditor(page, red.url, 'ayla-datapoint-in');
        assert.equal(await page.evaluate(() => navigator.language), lang, 'the browser speaks the language under test');
      });

      afterEach(async function () {
        if (this.currentTest?.state !== 'failed' || !browser) return;
        const file = path.join(os.tmpdir(), `ayla-dss-e2e-i18n-${lang}-${Date.now()}.png`);
        await page.screenshot({ path: file }).then(
          () => console.error(`    editor screenshot of the failure: ${file}`),
          () => undefined, // the page itself is gone: nothing to show
        );
        await closeDialogs(page);
      });

      after(async function () {
        await browser?.close();
      });

      it('palette and canvas: every event-in node under its label in this language', async () => {
        await screenshot(page, `${lang}-editor`);
        for (const eventType of EVENT_TYPES) {
          const type = `ayla-${eventType}-in`;
          const expected = say(lang, `${type}.paletteLabel`);
          const shown = (await page.locator(`.red-ui-palette-node[data-palette-type="${type}"] .red-ui-palette-label`).innerText()).trim();
          assert.equal(squeeze(shown), squeeze(expected), `${type}: palette label`);
          if (lang !== 'en-US') assert.notEqual(expected, say('en-US', `${type}.paletteLabel`), `${type}: not the English palette label`);
          const onCanvas = (await page.locator(`g.red-ui-flow-node-group[id="i18n-${eventType}"] .red-ui-flow-node-label`).textContent()) ?? '';
          assert.ok(squeeze(onCanvas).startsWith(squeeze(`${expected}: ${MODEL}`).slice(0, 12)), `${type}: canvas label "${onCanvas}" starts with "${expected}"`);
          assert.equal(RAW_KEY.exec(onCanvas), null, `${type}: no raw key on the canvas`);
        }
        const outOnCanvas = (await page.locator(`g.red-ui-flow-node-group[id="${OUT_ID}"] .red-ui-flow-node-label`).textContent()) ?? '';
        assert.equal(squeeze(outOnCanvas), squeeze(say(lang, `${OUT_TYPE}.paletteLabel`)), `${OUT_TYPE}: canvas label without a target`);
      });

      it('port labels: what each node\'s output carries, the control input\'s commands, what the write node takes', async () => {
        const ports: Array<{ id: string; type: string; port: 'inputLabels' | 'outputLabels'; key: string }> = [
          ...EVENT_TYPES.map((eventType) => ({ id: `i18n-${eventType}`, type: `ayla-${eventType}-in`, port: 'outputLabels' as const, key: `ayla-${eventType}-in.outputLabel` })),
          { id: `i18n-${CONTROLLED}`, type: `ayla-${CONTROLLED}-in`, port: 'inputLabels', key: 'common.inputLabel' },
          { id: OUT_ID, type: OUT_TYPE, port: 'inputLabels', key: `${OUT_TYPE}.inputLabel` },
          { id: OUT_ID, type: OUT_TYPE, port: 'outputLabels', key: `${OUT_TYPE}.outputLabel` },
        ];
        for (const { id, type, port, key } of ports) {
          // As Node-RED asks for a port's label when the mouse rests on it: the definition's function, on the node, for port 0.
          const shown = await page.evaluate(
            (asked: { id: string; type: string; port: 'inputLabels' | 'outputLabels' }) => {
              const red = (window as unknown as { RED: RedForPorts }).RED;
              const label = red.nodes.getType(asked.type)?.[asked.port];
              return typeof label === 'function' ? label.call(red.nodes.node(asked.id), 0) : label ?? null;
            },
            { id, type, port },
          );
          assert.equal(shown, say(lang, key), `${type} ${port}`);
          if (lang !== 'en-US') assert.notEqual(shown, say('en-US', key), `${type} ${port}: not in English`);
        }
      });

      it('every event-in dialog: labels, options, placeholders, tips and messages, and its help page', async () => {
        for (const eventType of EVENT_TYPES) {
          const type = `ayla-${eventType}-in`;
          await openNodeDialog(page, `i18n-${eventType}`, IN_DIALOG_READY);
          await waitAtRest(page, '.red-ui-tray-footer', `the ${eventType} dialog has stopped sliding in`);
          const form = await readDialogForm(page, []);
          assert.deepEqual(form.untranslated, [], `${eventType}: every data-i18n text resolved`);
          const texts = await readTopTray(page);
          assert.deepEqual(rawKeys(texts), [], `${eventType}: no raw catalog key`);
          assert.deepEqual(notShown(texts, lang, [...EVENT_IN_KEYS, ...TYPE_KEYS[eventType]]), [], `${eventType}: texts of the ${lang} catalog`);
          if (lang !== 'en-US') {
            const english = squeeze(texts.text);
            assert.deepEqual(ENGLISH_SENTENCES.filter((key) => english.includes(squeeze(say('en-US', key)))), [], `${eventType}: no English sentence`);
          }
          if (eventType === 'location') {
            const message = await page.locator('#ayla-dss-dsnFilter .ayla-dss-rule-error').first().innerText();
            assert.equal(message.trim(), say(lang, 'common.error.badMode', { mode: UNKNOWN_MODE }), 'a rule\'s message, placeholder filled');
            // The share's message (its maximum filled) and the hint when nothing would start the node.
            const partition = page.locator('#node-input-partition');
            await partition.fill('5/4');
            await partition.dispatchEvent('change');
            await page.locator('.ayla-dss-field-message', { hasText: say(lang, 'common.error.partition', { max: 1000 }) }).waitFor({ state: 'visible', timeout: 5_000 });
            await page.locator('#node-input-autoStart').uncheck();
            await page.locator('.ayla-dss-field-message', { hasText: say(lang, 'common.hint.neverStarts') }).waitFor({ state: 'visible', timeout: 5_000 });
          }
          await screenshot(page, `${lang}-${eventType}-dialog`, '.red-ui-tray');
          const help = await showHelpOf(page, lang, type, say(lang, `${type}.paletteLabel`));
          await screenshot(page, `${lang}-${eventType}-help`);
          assert.ok(help.includes(OUTPUTS_HEADING[lang]), `${type}: the help has the "${OUTPUTS_HEADING[lang]}" section`);
          assert.equal(RAW_KEY.exec(help), null, `${type}: no raw key in the help`);
          await closeDialog(page, 'node-dialog-cancel');
        }
      });

      it('account dialog: texts, endpoint summary, field messages, Test connection\'s answer and its help page', async () => {
        await openAccountOf(page, 'i18n-datapoint');
        await waitAtRest(page, '.red-ui-tray:last-child .red-ui-tray-footer', 'the account dialog has stopped sliding in');
        let texts = await readTopTray(page);
        assert.deepEqual(rawKeys(texts), [], 'no raw catalog key');
        assert.deepEqual(notShown(texts, lang, ACCOUNT_KEYS), [], `texts of the ${lang} catalog`);
        assert.ok(squeeze(texts.text).includes(squeeze(say(lang, 'ayla-dss-account.tip.instanceLabel', { max: 32 }))), 'the instance label\'s tip, its maximum filled');

        // Field messages with their placeholders filled.
        const writeRate = page.locator('#ayla-dss-writeRate');
        await writeRate.fill('0');
        await writeRate.dispatchEvent('change');
        await page.locator('.ayla-dss-field-message', { hasText: say(lang, 'ayla-dss-account.error.writeRate', { min: 1, max: 50 }) }).waitFor({ state: 'visible', timeout: 5_000 });
        await writeRate.fill('5');
        await writeRate.dispatchEvent('change');
        const instanceLabel = page.locator('#node-config-input-instanceLabel');
        await instanceLabel.fill('plant a');
        await instanceLabel.dispatchEvent('change');
        await page.locator('.ayla-dss-field-message', { hasText: say(lang, 'ayla-dss-account.error.instanceLabelCharacters') }).waitFor({ state: 'visible', timeout: 5_000 });
        await instanceLabel.fill('');
        await instanceLabel.dispatchEvent('change');

        // Copy diagnostics of the deployed account: copied, or (where the browser refuses the clipboard) offered in a box.
        await page.locator('#ayla-dss-copy-diagnostics').click();
        await waitUntil(page, 'Copy diagnostics reports a result', () => !!document.querySelector('#ayla-dss-diagnostics-result.ayla-dss-ok, #ayla-dss-diagnostics-result.ayla-dss-failed'), undefined);
        const copied = (await page.locator('#ayla-dss-diagnostics-result').innerText()).trim();
        assert.ok(
          [say(lang, 'ayla-dss-account.diagnostics.copied'), say(lang, 'ayla-dss-account.diagnostics.fallback')].includes(copied),
          `Copy diagnostics answers in ${lang}: "${copied}"`,
        );
        const heartbeat = page.locator('#ayla-dss-heartbeatTimeout');
        await heartbeat.fill('0');
        await heartbeat.dispatchEvent('change');
        const heartbeatMessage = say(lang, 'ayla-dss-account.error.heartbeatTimeout', { min: 1, max: 3600 });
        await page.locator('.ayla-dss-field-message', { hasText: heartbeatMessage }).waitFor({ state: 'visible', timeout: 5_000 });
        await heartbeat.fill('90');
        await heartbeat.dispatchEvent('change');
        await page.locator('#node-config-input-email').fill(`i18n-${lang.toLowerCase()}@example.com`);
        await page.locator('.ayla-dss-field-message', { hasText: say(lang, 'ayla-dss-account.error.credentialsPartial') }).waitFor({ state: 'visible', timeout: 5_000 });

        // Test connection against a loopback port nobody listens on: the runtime (in English)
        // answers TEST_UNREACHABLE_REFUSED; the editor words it in its own language.
        for (const field of ['password', 'appId', 'appSecret']) await page.locator(`#node-config-input-${field}`).fill(`i18n-${field}`);
        await page.locator('#ayla-dss-test-connection').click();
        await waitUntil(page, 'Test connection reports a result', () => !!document.querySelector('#ayla-dss-test-result.ayla-dss-ok, #ayla-dss-test-result.ayla-dss-failed'), undefined);
        const reason = say(lang, 'ayla-dss-account.errors.TEST_UNREACHABLE_REFUSED', { host: `127.0.0.1:${closedPort}` });
        const expected = say(lang, 'ayla-dss-account.test.failedCode', { code: 'TEST_UNREACHABLE_REFUSED', message: reason });
        assert.equal((await page.locator('#ayla-dss-test-result').innerText()).trim(), expected);

        // A table region: the resolved endpoints, and the words for what Ayla does not publish (US staging).
        await page.locator('#node-config-input-region').selectOption('us');
        await page.locator('#node-config-input-deployment').selectOption('staging');
        await waitUntil(page, 'the endpoint summary is shown', () => document.querySelectorAll('#ayla-dss-endpoints .ayla-dss-endpoint').length === 4, undefined);
        texts = await readTopTray(page);
        assert.deepEqual(rawKeys(texts), [], 'no raw catalog key after the region changed');
        const summary = await page.locator('#ayla-dss-endpoints').innerText();
        for (const key of ['ayla-dss-account.label.streamUrl', 'ayla-dss-account.tip.notPublished', 'ayla-dss-account.tip.noRest']) {
          assert.ok(squeeze(summary).includes(squeeze(say(lang, key))), `the endpoint summary shows ${key} in ${lang}`);
        }

        await screenshot(page, `${lang}-account-dialog`, '.red-ui-tray');
        const help = await showHelpOf(page, lang, 'ayla-dss-account', say(lang, 'ayla-dss-account.paletteLabel'));
        await screenshot(page, `${lang}-account-help`);
        assert.equal(RAW_KEY.exec(help), null, 'no raw key in the account help');
        await closeDialog(page, 'node-config-dialog-cancel');
        await closeDialog(page, 'node-dialog-cancel');
        assert.deepEqual(browser?.pageErrors, [], 'no uncaught errors in the editor page');
      });

      it('datapoint out dialog: texts, the pickers\' own words, the picker without an account, the ack timeout\'s message, its help page', async () => {
        await openNodeDialog(page, OUT_ID, '#node-input-property');
        await waitAtRest(page, '.red-ui-tray-footer', 'the datapoint out dialog has stopped sliding in');
        const form = await readDialogForm(page, []);
        assert.deepEqual(form.untranslated, [], 'every data-i18n text resolved');
        const texts = await readTopTray(page);
        assert.deepEqual(rawKeys(texts), [], 'no raw catalog key');
        assert.deepEqual(notShown(texts, lang, OUT_KEYS), [], `texts of the ${lang} catalog`);
        if (lang !== 'en-US') {
          const shown = squeeze(texts.text);
          assert.deepEqual(OUT_ENGLISH_SENTENCES.filter((key) => shown.includes(squeeze(say('en-US', key)))), [], 'no English sentence');
        }

        // The ack timeout's message, its range filled.
        const ackTimeout = page.locator('#ayla-dss-ackTimeout');
        await ackTimeout.fill('0');
        await ackTimeout.dispatchEvent('change');
        await page.locator('.ayla-dss-field-message', { hasText: say(lang, 'ayla-datapoint-out.error.ackTimeout', { min: 1, max: 300 }) }).waitFor({ state: 'visible', timeout: 5_000 });

        // Without an account the device picker says so itself, without asking the runtime.
        await page.locator('#node-input-account').selectOption('_ADD_');
        await page.locator('#node-input-dsn').click();
        await waitUntil(
          page,
          `the device picker asks for an account in ${lang}`,
          (wanted: string) => Array.from(document.querySelectorAll('.ayla-dss-picker')).some((panel) => (panel as HTMLElement).offsetParent !== null && (panel.textContent ?? '').includes(wanted)),
          say(lang, 'common.picker.noAccount'),
        );
        await page.locator('#node-input-dsn').press('Escape');
        await screenshot(page, `${lang}-datapoint-out-dialog`, '.red-ui-tray');

        const help = await showHelpOf(page, lang, OUT_TYPE, say(lang, `${OUT_TYPE}.paletteLabel`));
        assert.equal(RAW_KEY.exec(help), null, 'no raw key in the help');
        await closeDialog(page, 'node-dialog-cancel');
        assert.deepEqual(browser?.pageErrors, [], 'no uncaught errors in the editor page');
      });

      it('datapoint out: the palette label the editor translates, and its help page in the help sidebar', async () => {
        const label = say(lang, `${OUT_TYPE}.paletteLabel`);
        if (lang !== 'en-US') assert.notEqual(label, say('en-US', `${OUT_TYPE}.paletteLabel`), 'not the English palette label');
        // The node set's catalog as the editor loaded it, through the namespace every type of the set shares.
        const translated = await page.evaluate((key: string) => (window as unknown as { RED: RedForHelp }).RED.nodes.getType('ayla-dss-account')?._(key), `${OUT_TYPE}.paletteLabel`);
        assert.equal(translated, label, 'the editor translates the palette label');

        // The help sidebar, as its node list opens a page: titled by the palette label.
        await page.evaluate((type: string) => (window as unknown as { RED: RedForHelp }).RED.sidebar.help.show(type), OUT_TYPE);
        const help = await helpShown(page, lang, OUT_TYPE, label);
        await screenshot(page, `${lang}-datapoint-out-help`);
        for (const heading of [INPUTS_HEADING[lang], OUTPUTS_HEADING[lang]]) assert.ok(help.includes(heading), `the help has the "${heading}" section`);
        assert.equal(RAW_KEY.exec(help), null, 'no raw key in the help');
      });

      it('datapoint out: in the palette under its label in this language', async () => {
        const shown = (await page.locator(`.red-ui-palette-node[data-palette-type="${OUT_TYPE}"] .red-ui-palette-label`).innerText()).trim();
        assert.equal(squeeze(shown), squeeze(say(lang, `${OUT_TYPE}.paletteLabel`)));
      });
    });
  }
});
