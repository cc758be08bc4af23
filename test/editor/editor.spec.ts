/**
 * The "done when", tried the way a new user would, in a real Node-RED (red.js in a
 * child process, loading the built dist/) driven by headless Chromium, against the simulator:
 *
 * 1. the editor opens and the pre-deployed demo-like flow shows events in the debug sidebar;
 * 2. the account dialog offers only existing deployments, shows the resolved URLs, and Test
 *    connection reports success, then the reason of a failure (wrong password);
 * 3. a datapoint-in node dragged from the palette opens on its OEM model with a hint (its default
 *    scope * / * is refused by Ayla), gets an account, an auto source and a DSN filter in its
 *    dialog (with a bad regex flagged, then removed), is wired by mouse to a debug node dragged
 *    in too, is deployed, and only the matching device's events reach its debug.
 *
 * The editor's hardening (messages, imported examples, stored XSS) has its own files:
 * hardening.spec.ts and test-connection-xss.spec.ts.
 *
 * Set AYLA_E2E_SCREENSHOTS=<dir> to keep screenshots of the dialogs; on a failure one is
 * always written to the OS temp directory and its path printed.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { ENDPOINT_TABLE, deploymentsFor } from '../../nodes/lib/endpoints';
import { startSimulator, type RunningSimulator } from '../../simulator/index';
import { launchBrowser, type EditorBrowser } from './support/browser';
import {
  centreOf,
  deploy,
  debugTopics,
  dismissNotifications,
  dragFromPalette,
  filterListLayout,
  mouseDrag,
  nodeIds,
  openDebugSidebar,
  openEditor,
  openNodeDialog,
  readDialogForm,
  UI_WAIT_MS,
  waitAtRest,
  waitConnected,
  waitForDebugTopic,
  waitUntil,
  wireByMouse,
} from './support/editor-page';
import { assertBuilt, startNodeRed, type RunningNodeRed } from './support/node-red-process';

const TAB_ID = 'e2e-tab';
const ACCOUNT_ID = 'e2e-account';
const DEMO_IN_ID = 'e2e-demo-datapoint';
const DEMO_DEBUG_ID = 'e2e-demo-debug';
const MODEL = 'thermo-t100';
const PROPERTY = 'current_temp';
/** The `${NAME}` variables the credential file refers to; Node-RED gets them in its environment. */
const ENV_NAMES = { email: 'AYLA_E2E_EMAIL', password: 'AYLA_E2E_PASSWORD', appId: 'AYLA_E2E_APP_ID', appSecret: 'AYLA_E2E_APP_SECRET' };

/**
 * An event-in dialog is ready once oneditprepare has turned the DSN filter into an editableList:
 * Node-RED fills the plain inputs just before that, after fetching the node's credentials.
 */
const IN_DIALOG_READY = '.red-ui-editableList:has(#ayla-dss-dsnFilter) .red-ui-editableList-addButton';

/** Elements only some event-in dialogs have (input ids), asked of every dialog. */
const TYPE_SPECIFIC_IDS = [
  'node-input-properties',
  'node-input-onlyChanges',
  'node-input-initial',
  'ayla-dss-propertyFilter',
  'node-input-ack',
  'node-input-registration',
  'ayla-dss-status-Online',
  'ayla-dss-status-others',
];

/** Two property rules whose saved order the reorder step reverses by dragging. */
const PROPERTY_RULES = [
  { mode: 'exact', pattern: PROPERTY },
  { mode: 'wildcard', pattern: 'set_*' },
];

/**
 * One disabled node per event-in type in the pre-deployed flow (disabled: the runtime never
 * starts them), with non-default values, and what its dialog must show: exactly its own rows,
 * filled from the node (`shows`: input id -> value, or checked state for a checkbox).
 */
const DIALOG_CASES: Array<{ eventType: string; properties: Record<string, unknown>; rows: string[]; shows: Record<string, string | boolean> }> = [
  {
    eventType: 'connectivity',
    properties: { statuses: ['Online', 'sleeping'] },
    rows: ['ayla-dss-status-Online', 'ayla-dss-status-others', 'node-input-initial'],
    shows: { 'ayla-dss-status-Online': true, 'ayla-dss-status-Offline': false, 'ayla-dss-status-others': 'sleeping' },
  },
  {
    eventType: 'datapoint',
    properties: { properties: PROPERTY, propertyFilter: PROPERTY_RULES, onlyChanges: true },
    rows: ['node-input-properties', 'node-input-onlyChanges', 'ayla-dss-propertyFilter', 'node-input-initial'],
    shows: { 'node-input-properties': PROPERTY, 'node-input-onlyChanges': true, 'node-input-initial': false },
  },
  {
    eventType: 'datapointack',
    properties: { properties: PROPERTY, propertyFilter: [], ack: 'failure', onlyChanges: true },
    rows: ['node-input-properties', 'node-input-onlyChanges', 'ayla-dss-propertyFilter', 'node-input-ack'],
    shows: { 'node-input-properties': PROPERTY, 'node-input-ack': 'failure', 'node-input-onlyChanges': true },
  },
  {
    eventType: 'location',
    properties: { initial: true },
    rows: ['node-input-initial'],
    shows: { 'node-input-initial': true },
  },
  {
    eventType: 'registration',
    properties: { registration: 'unregistered' },
    rows: ['node-input-registration'],
    shows: { 'node-input-registration': 'unregistered' },
  },
];

/** A flow like the one `npm start` writes: one account on the simulator, datapoint-in -> debug. */
function demoFlow(sim: RunningSimulator): Array<Record<string, unknown>> {
  return [
    { id: TAB_ID, type: 'tab', label: 'Ayla DSS e2e', disabled: false, info: '' },
    {
      id: ACCOUNT_ID, type: 'ayla-dss-account', name: 'Simulator', region: 'custom', deployment: 'field', clientType: 'cloud',
      streamUrl: sim.streamUrl, apiUrl: sim.apiUrl, userUrl: sim.userUrl, heartbeatTimeout: 90, allowInsecure: false,
    },
    {
      id: DEMO_IN_ID, type: 'ayla-datapoint-in', z: TAB_ID, name: 'Thermostat datapoints', account: ACCOUNT_ID, source: 'auto',
      oemModel: MODEL, dsns: '*', properties: '*', dsnFilter: [], modelFilter: [], propertyFilter: [], onlyChanges: false,
      x: 200, y: 80, wires: [[DEMO_DEBUG_ID]],
    },
    {
      id: DEMO_DEBUG_ID, type: 'debug', z: TAB_ID, name: 'demo debug', active: true, tosidebar: true, console: false, tostatus: false,
      complete: 'true', targetType: 'full', statusVal: '', statusType: 'auto', x: 460, y: 80, wires: [],
    },
    ...DIALOG_CASES.map((c, index) => ({
      id: `e2e-dialog-${c.eventType}`, type: `ayla-${c.eventType}-in`, z: TAB_ID, d: true, name: `${c.eventType} e2e`, account: ACCOUNT_ID,
      source: 'auto', oemModel: MODEL, dsns: '*', dsnFilter: [], modelFilter: [], ...c.properties,
      x: 120 + 200 * index, y: 380, wires: [[]],
    })),
  ];
}

async function injectDatapoint(sim: RunningSimulator, dsn: string, property: string, value: number): Promise<void> {
  const response = await fetch(`${sim.url}/sim/devices/${encodeURIComponent(dsn)}/properties/${encodeURIComponent(property)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ value }),
  });
  assert.equal(response.status, 200, `the simulator refused the datapoint for ${dsn}/${property}: ${await response.text()}`);
}

/** Two online devices of {@link MODEL} from the simulator's default scenario. */
async function thermostatDsns(sim: RunningSimulator): Promise<[string, string]> {
  const response = await fetch(`${sim.url}/sim/devices`);
  const { devices } = (await response.json()) as { devices: Array<{ dsn: string; oem_model: string; connection_status: string }> };
  const online = devices.filter((d) => d.oem_model === MODEL && d.connection_status === 'Online').map((d) => d.dsn);
  assert.ok(online.length >= 2, `the default scenario should have two online ${MODEL} devices, has ${online.join(', ')}`);
  return [online[0], online[1]];
}

describe('editor end to end: real Node-RED + headless Chromium + simulator', function () {
  this.timeout(60_000);

  let sim: RunningSimulator | undefined;
  let red: RunningNodeRed | undefined;
  let browser: EditorBrowser | undefined;
  let page: Page;
  let wanted: string; // the DSN the new node's filter keeps
  let other: string; // a DSN of the same model it must drop
  const keepScreenshots = process.env.AYLA_E2E_SCREENSHOTS;

  async function screenshot(name: string, selector?: string): Promise<void> {
    if (!keepScreenshots) return;
    fs.mkdirSync(keepScreenshots, { recursive: true });
    const file = path.join(keepScreenshots, `${name}.png`);
    if (selector) await page.locator(selector).first().screenshot({ path: file });
    else await page.screenshot({ path: file });
  }

  before(async function () {
    assertBuilt();
    sim = await startSimulator({ rate: 0 });
    [wanted, other] = await thermostatDsns(sim);
    red = await startNodeRed({
      flows: demoFlow(sim),
      credentials: { [ACCOUNT_ID]: { email: `\${${ENV_NAMES.email}}`, password: `\${${ENV_NAMES.password}}`, appId: `\${${ENV_NAMES.appId}}`, appSecret: `\${${ENV_NAMES.appSecret}}` } },
      env: {
        [ENV_NAMES.email]: sim.account.email,
        [ENV_NAMES.password]: sim.account.password,
        [ENV_NAMES.appId]: sim.account.appId,
        [ENV_NAMES.appSecret]: sim.account.appSecret,
      },
    });
    browser = await launchBrowser();
    page = browser.page;
    page.setDefaultTimeout(UI_WAIT_MS);
    await openEditor(page, red.url, 'ayla-datapoint-in');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && browser) {
      const file = path.join(os.tmpdir(), `ayla-dss-e2e-failure-${Date.now()}.png`);
      await page.screenshot({ path: file }).then(
        () => console.error(`    editor screenshot of the failure: ${file}`),
        () => undefined, // the page itself is gone: nothing to show
      );
      if (red) console.error(`    Node-RED output (last lines):\n${red.log().split('\n').slice(-20).join('\n')}`);
      // Close dialogs left open so the next test starts from the workspace, not from this failure.
      for (const cancel of ['#node-config-dialog-cancel', '#node-dialog-cancel']) {
        const button = page.locator(cancel);
        if (await button.isVisible().catch(() => false)) await button.click().catch(() => undefined /* best effort clean-up */);
      }
    }
  });

  after(async function () {
    // Each step runs even when an earlier one throws, so no process outlives the test.
    const steps = [() => browser?.close(), () => red?.stop(), () => sim?.close()];
    const errors: unknown[] = [];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length) throw errors[0];
  });

  it('shows events of the pre-deployed flow in the debug sidebar', async function () {
    assert.ok(sim);
    await waitConnected(page, DEMO_IN_ID);
    await openDebugSidebar(page);
    await injectDatapoint(sim, wanted, PROPERTY, 19.5);
    await waitForDebugTopic(page, DEMO_DEBUG_ID, `${wanted}/${PROPERTY}`);
    const payload = await page.locator(`.red-ui-debug-msg-node-${DEMO_DEBUG_ID} .red-ui-debug-msg-payload`).first().innerText();
    assert.match(payload, /19\.5/, 'the debug message shows the injected value');
    assert.deepEqual(browser?.pageErrors, [], 'no uncaught errors in the editor page');
  });

  it('account dialog: only existing deployments, resolved URLs, Test connection success and failure reason', async function () {
    await openNodeDialog(page, DEMO_IN_ID, '#node-input-account');
    await page.locator('#node-input-btn-account-edit').click();
    const region = page.locator('#node-config-input-region');
    await region.waitFor({ state: 'visible' });
    assert.equal(await region.inputValue(), 'custom');
    assert.ok(await page.locator('#node-config-input-streamUrl').isVisible(), 'custom region shows the URL fields');
    assert.equal(await page.locator('#node-config-input-streamUrl').inputValue(), sim?.streamUrl);

    // Stored credentials (${NAME} references, password fields unchanged) sign in.
    await page.locator('#ayla-dss-test-connection').click();
    await waitUntil(page, 'Test connection reports a result', () => !!document.querySelector('#ayla-dss-test-result.ayla-dss-ok, #ayla-dss-test-result.ayla-dss-failed'), undefined);
    const okText = await page.locator('#ayla-dss-test-result').innerText();
    assert.ok(await page.locator('#ayla-dss-test-result.ayla-dss-ok').isVisible(), `Test connection should succeed, said: ${okText}`);
    assert.match(okText, /Connection works/);
    assert.ok(!okText.includes(sim?.account.email ?? '\u0000'), 'the full e-mail address is not shown');
    await screenshot('account-test-ok', '.red-ui-tray');

    // Europe: only the deployments the endpoint table has, and the URLs they resolve to.
    await region.selectOption('eu');
    const offered = await page.locator('#node-config-input-deployment option').evaluateAll((options) =>
      (options as HTMLOptionElement[]).filter((o) => !o.disabled && !o.hidden).map((o) => o.value),
    );
    assert.deepEqual(offered, deploymentsFor('eu'));
    assert.deepEqual(offered, ['field'], 'Europe has only the field deployment');
    assert.equal(await page.locator('#node-config-input-deployment').inputValue(), 'field');
    assert.ok(!(await page.locator('#ayla-dss-test-result').isVisible()), 'a result of other settings is no longer shown');
    assert.ok(!(await page.locator('#node-config-input-streamUrl').isVisible()), 'a table region hides the custom URL fields');
    await waitUntil(page, 'the resolved endpoints are shown', () => document.querySelectorAll('#ayla-dss-endpoints code').length === 4, undefined);
    const shown = await page.locator('#ayla-dss-endpoints code').allInnerTexts();
    const expected = ENDPOINT_TABLE.eu?.field?.cloud;
    assert.ok(expected, 'the endpoint table has eu/field/cloud');
    assert.deepEqual(shown, [expected.streamUrl, expected.apiUrl, expected.userUrl, expected.deviceUrl]);
    await screenshot('account-eu', '.red-ui-tray');

    // Back to the simulator with a wrong password typed in: the reason is reported.
    await region.selectOption('custom');
    await page.locator('#node-config-input-password').fill('definitely-not-the-password');
    await page.locator('#ayla-dss-test-connection').click();
    await waitUntil(page, 'Test connection reports the failure', () => !!document.querySelector('#ayla-dss-test-result.ayla-dss-failed'), undefined);
    const failedText = await page.locator('#ayla-dss-test-result').innerText();
    assert.match(failedText, /BAD_CREDENTIALS/);
    assert.match(failedText, /wrong e-mail or password/);
    assert.ok(!failedText.includes('definitely-not'), 'the typed password is not echoed');
    await screenshot('account-test-failed', '.red-ui-tray');

    // An answer that arrives after the user edited a tested field describes old values: not shown.
    let releaseAnswer: () => void = () => undefined;
    const answerHeld = new Promise<void>((resolve) => (releaseAnswer = resolve));
    await page.route('**/ayla-dss/test-connection', async (route) => {
      await answerHeld;
      await route.continue();
    });
    try {
      await page.locator('#ayla-dss-test-connection').click();
      await waitUntil(page, 'the test to be running', () => !!document.querySelector('#ayla-dss-test-result .fa-spinner'), undefined);
      await page.locator('#node-config-input-password').fill(sim?.account.password ?? '');
      releaseAnswer();
      await waitUntil(page, 'the Test connection button to be enabled again', () => !(document.querySelector('#ayla-dss-test-connection') as HTMLButtonElement).disabled, undefined);
      assert.ok(!(await page.locator('#ayla-dss-test-result').isVisible()), 'the late answer for the old password is not shown');
    } finally {
      releaseAnswer();
      await page.unroute('**/ayla-dss/test-connection');
    }

    // Cancel both dialogs: nothing changed.
    await page.locator('#node-config-dialog-cancel').click();
    await page.locator('#node-dialog-cancel').click();
    await page.locator('#node-dialog-cancel').waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => (window as unknown as { RED: { nodes: { dirty(): boolean } } }).RED.nodes.dirty()), false);
  });

  it('every event-in dialog shows exactly its own rows, filled from the node, translated, without overlap', async function () {
    await dismissNotifications(page); // left by Test connection; they would cover the screenshots
    for (const c of DIALOG_CASES) {
      const id = `e2e-dialog-${c.eventType}`;
      await openNodeDialog(page, id, IN_DIALOG_READY);
      await waitAtRest(page, '.red-ui-tray-footer', `the ${c.eventType} dialog has stopped sliding in`);
      const form = await readDialogForm(page, TYPE_SPECIFIC_IDS);
      assert.deepEqual([...form.present].sort(), [...c.rows].sort(), `${c.eventType}: its own rows and no others`);
      assert.deepEqual(form.untranslated, [], `${c.eventType}: every label and placeholder translated`);
      assert.deepEqual(form.overlaps, [], `${c.eventType}: no row overlaps another`);
      assert.equal(await page.locator('#dialog-form [data-ayla-dss-type-rows], #dialog-form [data-ayla-dss-property]').count(), 0, 'no composing marker is left');
      assert.equal(await page.locator('#node-input-name').inputValue(), `${c.eventType} e2e`);
      assert.equal(await page.locator('#node-input-account').inputValue(), ACCOUNT_ID);
      assert.equal(await page.locator('#node-input-oemModel').inputValue(), MODEL);
      assert.ok(!(await page.locator('#node-input-streamKey').isVisible()), `${c.eventType}: the auto source hides the stream key`);
      for (const [input, value] of Object.entries(c.shows)) {
        const field = page.locator(`[id="${input}"]`);
        const shown = typeof value === 'boolean' ? await field.isChecked() : await field.inputValue();
        assert.equal(shown, value, `${c.eventType}: #${input} shows the node's value`);
      }
      for (const list of ['ayla-dss-dsnFilter', 'ayla-dss-modelFilter', 'ayla-dss-propertyFilter']) {
        if (list === 'ayla-dss-propertyFilter' && !c.rows.includes(list)) continue;
        const layout = await filterListLayout(page, list);
        assert.deepEqual(layout.problems, [], `${c.eventType}: #${list} renders without overlap or clipping`);
        const rules = c.properties[list.replace('ayla-dss-', '')];
        assert.equal(layout.rows, Array.isArray(rules) ? rules.length : 0, `${c.eventType}: #${list} lists the node's rules`);
      }
      await screenshot(`dialog-${c.eventType}`, '.red-ui-tray');
      await page.locator('#node-dialog-cancel').click();
      await page.locator('#node-dialog-cancel').waitFor({ state: 'detached' });
    }
    assert.equal(await page.evaluate(() => (window as unknown as { RED: { nodes: { dirty(): boolean } } }).RED.nodes.dirty()), false, 'looking changed nothing');
  });

  it('reorders filter rules by dragging a row handle and saves the new order', async function () {
    const id = 'e2e-dialog-datapoint';
    const patterns = (): Promise<string[]> =>
      page.locator('#ayla-dss-propertyFilter > li .ayla-dss-rule-pattern').evaluateAll((inputs) => (inputs as HTMLInputElement[]).map((i) => i.value));
    await openNodeDialog(page, id, IN_DIALOG_READY);
    assert.deepEqual(await patterns(), PROPERTY_RULES.map((r) => r.pattern), 'the rules start in the saved order');

    // The second row's handle, dragged onto the upper part of the first row: what a hand does
    // with jQuery UI sortable. The list is centred first: near the tray's edge sortable would
    // scroll the tray under the pointer.
    await page.locator('#ayla-dss-propertyFilter').evaluate((list) => list.scrollIntoView({ block: 'center' }));
    const handleSelector = '#ayla-dss-propertyFilter > li:nth-child(2) .red-ui-editableList-item-handle';
    await waitAtRest(page, handleSelector, 'the second rule\'s drag handle is in view and the tray has stopped sliding');
    const handle = await centreOf(page, handleSelector);
    const firstRow = await page.locator('#ayla-dss-propertyFilter > li').first().boundingBox();
    assert.ok(firstRow, 'the first rule row is visible');
    await mouseDrag(page, handle, { x: handle.x, y: firstRow.y + firstRow.height / 4 });
    await waitUntil(
      page,
      'the dragged rule is the first row',
      (first: string) => (document.querySelector('#ayla-dss-propertyFilter > li .ayla-dss-rule-pattern') as HTMLInputElement | null)?.value === first,
      PROPERTY_RULES[1].pattern,
      5_000,
    );
    assert.deepEqual(await patterns(), PROPERTY_RULES.map((r) => r.pattern).reverse());
    assert.deepEqual((await filterListLayout(page, 'ayla-dss-propertyFilter')).problems, [], 'the reordered rows render without overlap');
    await screenshot('datapoint-filter-reordered', '.red-ui-tray');
    await page.locator('#node-dialog-ok').click();
    await page.locator('#node-dialog-ok').waitFor({ state: 'detached' });

    const saved = await page.evaluate((nodeId) => {
      const node = (window as unknown as { RED: { nodes: { node(id: string): Record<string, unknown> } } }).RED.nodes.node(nodeId);
      return { propertyFilter: node.propertyFilter, valid: node.valid, changed: node.changed };
    }, id);
    assert.deepEqual(saved, { propertyFilter: [...PROPERTY_RULES].reverse(), valid: true, changed: true });
  });

  it('a datapoint-in node dragged in, filtered in its dialog and deployed sends only the matching device', async function () {
    assert.ok(sim);
    const newIn = await dragFromPalette(page, 'ayla-datapoint-in', 'datapoint', { x: 240, y: 220 });
    await openNodeDialog(page, newIn, '#node-input-oemModel');

    // A new node's scope is OEM model * and DSNs *, which Ayla refuses: the dialog says what to fill in.
    const scopeHint = page.locator('.ayla-dss-field-hint');
    assert.ok(await scopeHint.isVisible(), 'a new node shows the hint under its subscription fields');
    await waitAtRest(page, '.red-ui-tray-footer', 'the dialog has stopped sliding in'); // Node-RED focuses a field as it slides in
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'node-input-oemModel', 'and the OEM model has the focus');
    await page.locator('#node-input-account').selectOption(ACCOUNT_ID);
    await page.locator('#node-input-source').selectOption('auto');
    await page.locator('#node-input-oemModel').fill(MODEL);
    await scopeHint.waitFor({ state: 'hidden', timeout: 5_000 });
    assert.equal(await page.locator('#node-input-dsns').inputValue(), '*');

    const dsnList = page.locator('#ayla-dss-dsnFilter');
    const addRule = page.locator('.red-ui-editableList', { has: dsnList }).locator('.red-ui-editableList-addButton');
    await addRule.click();
    await addRule.click();
    const rows = dsnList.locator(':scope > li');
    await waitUntil(page, 'the DSN filter has two rows', () => document.querySelectorAll('#ayla-dss-dsnFilter > li').length === 2, undefined);
    await rows.nth(0).locator('.ayla-dss-rule-mode').selectOption('exact');
    await rows.nth(0).locator('.ayla-dss-rule-pattern').fill(wanted);
    await rows.nth(1).locator('.ayla-dss-rule-mode').selectOption('regex');
    await rows.nth(1).locator('.ayla-dss-rule-pattern').pressSequentially('AC000W(0056');

    // The bad regex is flagged in its row before anything is deployed; the good row is not.
    const error = rows.nth(1).locator('.ayla-dss-rule-error');
    await error.waitFor({ state: 'visible' });
    assert.match(await error.innerText(), /regular expression|regex/i);
    assert.ok(await rows.nth(1).locator('.ayla-dss-rule-pattern.input-error').isVisible(), 'the bad pattern is marked');
    assert.ok(!(await rows.nth(0).locator('.ayla-dss-rule-error').isVisible()), 'the exact DSN row is fine');
    for (const list of ['ayla-dss-dsnFilter', 'ayla-dss-modelFilter', 'ayla-dss-propertyFilter']) {
      const layout = await filterListLayout(page, list);
      assert.deepEqual(layout.problems, [], `#${list} renders without overlap or clipping`);
    }
    assert.equal((await filterListLayout(page, 'ayla-dss-dsnFilter')).rows, 2);
    await screenshot('datapoint-filter-invalid-regex', '.red-ui-tray');

    await rows.nth(1).locator('.red-ui-editableList-item-remove').click();
    await waitUntil(page, 'the bad row is removed', () => document.querySelectorAll('#ayla-dss-dsnFilter > li').length === 1, undefined, 5_000);
    assert.deepEqual((await filterListLayout(page, 'ayla-dss-dsnFilter')).problems, []);
    await screenshot('datapoint-filter', '.red-ui-tray');
    await page.locator('#node-dialog-ok').click();
    await page.locator('#node-dialog-ok').waitFor({ state: 'detached' });

    const saved = await page.evaluate((id) => {
      const node = (window as unknown as { RED: { nodes: { node(id: string): Record<string, unknown> } } }).RED.nodes.node(id);
      return { account: node.account, source: node.source, oemModel: node.oemModel, dsns: node.dsns, dsnFilter: node.dsnFilter, valid: node.valid };
    }, newIn);
    assert.deepEqual(saved, { account: ACCOUNT_ID, source: 'auto', oemModel: MODEL, dsns: '*', dsnFilter: [{ mode: 'exact', pattern: wanted }], valid: true });

    // Opened again, the dialog shows the saved rule (a round trip through the node's properties).
    await openNodeDialog(page, newIn, '#node-input-oemModel');
    await waitUntil(page, 'the saved DSN rule is listed', () => document.querySelectorAll('#ayla-dss-dsnFilter > li').length === 1, undefined, 5_000);
    assert.equal(await rows.nth(0).locator('.ayla-dss-rule-mode').inputValue(), 'exact');
    assert.equal(await rows.nth(0).locator('.ayla-dss-rule-pattern').inputValue(), wanted);
    assert.deepEqual((await filterListLayout(page, 'ayla-dss-dsnFilter')).problems, [], 'a saved rule renders without overlap');
    await page.locator('#node-dialog-cancel').click();
    await page.locator('#node-dialog-cancel').waitFor({ state: 'detached' });

    // The help sidebar explains the selected node in Node-RED's Inputs / Outputs / Details format.
    await page.locator('#red-ui-tab-help-link-button').click();
    await waitUntil(
      page,
      'the help sidebar shows the datapoint node help',
      (title: string) => {
        const text = (document.querySelector('.red-ui-sidebar-help-stack .red-ui-help') as HTMLElement | null)?.innerText ?? '';
        return text.trim().split('\n')[0].trim() === title && /Outputs[\s\S]*Details/.test(text);
      },
      'datapoint', // the palette label, which titles the help
    );
    await screenshot('datapoint-help');

    const newDebug = await dragFromPalette(page, 'debug', 'debug', { x: 560, y: 220 });
    await wireByMouse(page, newIn, newDebug);
    await screenshot('workspace-before-deploy');
    await deploy(page);
    await waitConnected(page, newIn);
    await waitConnected(page, DEMO_IN_ID);

    await openDebugSidebar(page);
    // Same stream, in order: once the wanted device's event is in, the other one was handled before it.
    await injectDatapoint(sim, other, PROPERTY, 30.25);
    await injectDatapoint(sim, wanted, PROPERTY, 22.75);
    await waitForDebugTopic(page, newDebug, `${wanted}/${PROPERTY}`);
    await waitForDebugTopic(page, DEMO_DEBUG_ID, `${other}/${PROPERTY}`);
    await screenshot('debug-sidebar');

    const newTopics = await debugTopics(page, newDebug);
    assert.deepEqual(newTopics.map((t) => t.split(' ')[0]), [`${wanted}/${PROPERTY}`], 'the new node passed only the filtered device');
    const demoTopics = (await debugTopics(page, DEMO_DEBUG_ID)).map((t) => t.split(' ')[0]);
    assert.deepEqual(demoTopics.sort(), [`${other}/${PROPERTY}`, `${wanted}/${PROPERTY}`].sort(), 'the unfiltered demo node saw both devices');
    const newPayload = await page.locator(`.red-ui-debug-msg-node-${newDebug} .red-ui-debug-msg-payload`).first().innerText();
    assert.match(newPayload, /22\.75/);
    assert.equal((await nodeIds(page, 'ayla-datapoint-in')).length, 3, 'the demo node, the dialog-check node and the new one');
    assert.deepEqual(browser?.pageErrors, [], 'no uncaught errors in the editor page');
  });
});
