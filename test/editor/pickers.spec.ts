/**
 * The "done when" for the pickers, in a real Node-RED and headless Chromium against the
 * simulator: in a fresh datapoint-in dialog a device and a property are picked from the
 * pickers and the node deploys and delivers that device's events; a fresh datapoint-out
 * dialog offers only the properties it can write and deploys; a value the account does not
 * have gets a soft warning (saving still works); the pickers use the POST routes with the
 * dialog's values once the account is edited, and ask to retype the secrets when the stored
 * ones would go to another service; text from the cloud shows as text.
 */
import { strict as assert } from 'node:assert';
import { DEFAULT_SCENARIO } from '../../simulator/default-scenario';
import { startSimulator, type RunningSimulator } from '../../simulator/index';
import type { Scenario } from '../../simulator/scenario';
import { closeDialog, closeDialogs, useEditorSession } from './support/editor-session';
import { deploy, dragFromPalette, openDebugSidebar, openNodeDialog, waitConnected, waitForDebugTopic, wireByMouse } from './support/editor-page';
import { pickerItem, typeAndPick, waitOffered, waitPickerText } from './support/picker-steps';

const TAB_ID = 'picker-tab';
const ACCOUNT_ID = 'picker-account';
const THERMOSTAT = 'AC000W005606115';
const OTHER_THERMOSTAT = 'AC000W005606116';
/** Would set window.__xss if the browser ever parsed it as HTML. */
const HOSTILE = '<img src=x onerror="window.__xss=1">';
const HOSTILE_DSN = 'AC000W0HOSTILE1';
const ENV = { email: 'AYLA_PICKER_EMAIL', password: 'AYLA_PICKER_PASSWORD', appId: 'AYLA_PICKER_APP_ID', appSecret: 'AYLA_PICKER_APP_SECRET' };

/** The default scenario plus one model whose names are HTML. */
const SCENARIO: Scenario = {
  models: [
    ...DEFAULT_SCENARIO.models,
    {
      oemModel: 'hostile-x1',
      productName: HOSTILE,
      properties: [{ name: 'mode', displayName: HOSTILE, baseType: 'string', direction: 'input', value: 'a' }],
      devices: [{ dsn: HOSTILE_DSN, productName: HOSTILE, lat: 0, long: 0 }],
    },
  ],
};

describe('editor: device and property pickers', function () {
  this.timeout(90_000);
  let sim: RunningSimulator | undefined;

  const session = useEditorSession(async () => {
    sim = await startSimulator({ rate: 0, scenario: SCENARIO });
    return {
      flows: [
        { id: TAB_ID, type: 'tab', label: 'Pickers', disabled: false, info: '' },
        { id: 'picker-comment', type: 'comment', z: TAB_ID, name: 'pickers', info: '', x: 120, y: 40, wires: [] },
        {
          id: ACCOUNT_ID, type: 'ayla-dss-account', name: 'Simulator', region: 'custom', deployment: 'field', clientType: 'cloud',
          streamUrl: sim.streamUrl, apiUrl: sim.apiUrl, userUrl: sim.userUrl, deviceUrl: sim.deviceUrl, heartbeatTimeout: 90, allowInsecure: false,
        },
      ],
      credentials: { [ACCOUNT_ID]: { email: `\${${ENV.email}}`, password: `\${${ENV.password}}`, appId: `\${${ENV.appId}}`, appSecret: `\${${ENV.appSecret}}` } },
      env: { [ENV.email]: sim.account.email, [ENV.password]: sim.account.password, [ENV.appId]: sim.account.appId, [ENV.appSecret]: sim.account.appSecret },
    };
  });

  after(async () => {
    await sim?.close();
  });

  afterEach(async () => {
    await closeDialogs(session().page);
  });

  it('a fresh datapoint-in dialog: a device and a property picked from the pickers, deployed, delivering that device', async () => {
    const { page, browser } = session();
    const inId = await dragFromPalette(page, 'ayla-datapoint-in', 'datapoint', { x: 200, y: 140 });
    await openNodeDialog(page, inId, '#node-input-oemModel');
    await page.locator('#node-input-account').selectOption(ACCOUNT_ID);

    // The OEM model field offers the models of the account's devices.
    await typeAndPick(page, '#node-input-oemModel', 'thermo', 'thermo-t100');
    assert.equal(await page.locator('#node-input-oemModel').inputValue(), 'thermo-t100');

    // DSNs: typed part of a DSN, the matching devices with product name, model and status.
    await typeAndPick(page, '#node-input-dsns', '56061', THERMOSTAT);
    assert.equal(await page.locator('#node-input-dsns').inputValue(), THERMOSTAT);

    // Properties of the first DSN, searched by name or display name, with base type and direction.
    await page.locator('#node-input-properties').click();
    await page.locator('#node-input-properties').fill('');
    await page.locator('#node-input-properties').pressSequentially('temperature');
    await waitPickerText(page, `of ${THERMOSTAT}`);
    await waitOffered(page, ['current_temp', 'target_temp']); // display names are searched too
    const detail = await page.locator(`${pickerItem('current_temp')} .ayla-dss-picker-detail`).innerText();
    assert.match(detail, /Temperature · decimal · from the device/);
    await page.locator(pickerItem('current_temp')).click();
    assert.equal(await page.locator('#node-input-properties').inputValue(), 'current_temp');

    // A DSN the account does not have: a soft warning under the field, nothing blocks saving.
    const dsns = page.locator('#node-input-dsns');
    await dsns.fill(`${THERMOSTAT}, AC000WNOSUCH01`);
    await dsns.dispatchEvent('change');
    await page.locator('.ayla-dss-field-hint', { hasText: 'AC000WNOSUCH01' }).waitFor({ state: 'visible' });
    await dsns.fill(THERMOSTAT);
    await dsns.dispatchEvent('change');
    await page.locator('.ayla-dss-field-hint', { hasText: 'AC000WNOSUCH01' }).waitFor({ state: 'hidden' });

    // An exact DSN filter row offers the devices too.
    const dsnList = page.locator('#ayla-dss-dsnFilter');
    await page.locator('.red-ui-editableList', { has: dsnList }).locator('.red-ui-editableList-addButton').click();
    await typeAndPick(page, '#ayla-dss-dsnFilter > li .ayla-dss-rule-pattern', '5606115', THERMOSTAT);
    assert.equal(await page.locator('#ayla-dss-dsnFilter > li .ayla-dss-rule-pattern').inputValue(), THERMOSTAT);
    await closeDialog(page, 'node-dialog-ok');

    const saved = await page.evaluate((id) => {
      const node = (window as unknown as { RED: { nodes: { node(id: string): Record<string, unknown> } } }).RED.nodes.node(id);
      return { oemModel: node.oemModel, dsns: node.dsns, properties: node.properties, dsnFilter: node.dsnFilter, valid: node.valid };
    }, inId);
    assert.deepEqual(saved, { oemModel: 'thermo-t100', dsns: THERMOSTAT, properties: 'current_temp', dsnFilter: [{ mode: 'exact', pattern: THERMOSTAT }], valid: true });

    const debugId = await dragFromPalette(page, 'debug', 'debug', { x: 520, y: 140 });
    await wireByMouse(page, inId, debugId);
    await deploy(page);
    await waitConnected(page, inId);
    await openDebugSidebar(page);
    assert.ok(sim);
    const response = await fetch(`${sim.url}/sim/devices/${THERMOSTAT}/properties/current_temp`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ value: 21.25 }) });
    assert.equal(response.status, 200);
    await waitForDebugTopic(page, debugId, `${THERMOSTAT}/current_temp`);
    assert.deepEqual(browser.pageErrors, []);
  });

  it('a fresh datapoint-out dialog: picks a device and one of its writable properties, and deploys', async () => {
    const { page, browser } = session();
    const outId = await dragFromPalette(page, 'ayla-datapoint-out', 'datapoint out', { x: 520, y: 260 });
    await openNodeDialog(page, outId, '#node-input-property');
    await page.locator('#node-input-account').selectOption(ACCOUNT_ID);
    await typeAndPick(page, '#node-input-dsn', 'bedroom', OTHER_THERMOSTAT);

    await page.locator('#node-input-property').click();
    await waitPickerText(page, `of ${OTHER_THERMOSTAT}`);
    await waitOffered(page, ['fan_on', 'hvac_mode', 'target_temp']); // no output, no read-only input

    // Typed by hand: an output property is named in a soft warning.
    const property = page.locator('#node-input-property');
    await property.fill('current_temp');
    await property.dispatchEvent('change');
    await page.locator('.ayla-dss-field-hint', { hasText: 'cannot be written' }).waitFor({ state: 'visible' });
    await typeAndPick(page, '#node-input-property', 'target', 'target_temp');
    await page.locator('.ayla-dss-field-hint', { hasText: 'cannot be written' }).waitFor({ state: 'hidden' });
    await closeDialog(page, 'node-dialog-ok');

    const saved = await page.evaluate((id) => {
      const node = (window as unknown as { RED: { nodes: { node(id: string): Record<string, unknown> } } }).RED.nodes.node(id);
      return { dsn: node.dsn, property: node.property, account: node.account, valid: node.valid };
    }, outId);
    assert.deepEqual(saved, { dsn: OTHER_THERMOSTAT, property: 'target_temp', account: ACCOUNT_ID, valid: true });
    await deploy(page);
    assert.deepEqual(browser.pageErrors, []);
  });

  it('shows names from the cloud as text, never as HTML', async () => {
    const { page, browser } = session();
    const inId = await dragFromPalette(page, 'ayla-datapoint-in', 'datapoint', { x: 200, y: 420 });
    await openNodeDialog(page, inId, '#node-input-oemModel');
    await page.locator('#node-input-account').selectOption(ACCOUNT_ID);
    await typeAndPick(page, '#node-input-dsns', 'HOSTILE', HOSTILE_DSN);
    await page.locator('#node-input-properties').click();
    await page.locator(pickerItem('mode')).waitFor({ state: 'visible' });
    assert.ok((await page.locator(`${pickerItem('mode')} .ayla-dss-picker-detail`).innerText()).includes(HOSTILE));
    const injected = await page.evaluate(() => ({ images: document.querySelectorAll('.ayla-dss-picker img').length, flag: (window as unknown as { __xss?: unknown }).__xss }));
    assert.deepEqual(injected, { images: 0, flag: undefined });
    assert.deepEqual(browser.pageErrors, []);
  });
  it('an edited account is asked with its values (POST); stored secrets for another device service: retype them', async () => {
    const { page } = session();
    const outId = await dragFromPalette(page, 'ayla-datapoint-out', 'datapoint out', { x: 520, y: 340 });
    await openNodeDialog(page, outId, '#node-input-property');
    await page.locator('#node-input-account').selectOption(ACCOUNT_ID);
    await page.locator('#node-input-btn-account-edit').click();
    await page.locator('#node-config-input-instanceLabel').waitFor({ state: 'visible' });
    await page.locator('#node-config-input-instanceLabel').fill('pickers');
    await closeDialog(page, 'node-config-dialog-ok');

    const posted = page.waitForRequest((request) => request.method() === 'POST' && request.url().endsWith('/ayla-dss/lookup/devices'));
    await typeAndPick(page, '#node-input-dsn', '5606117', 'AC000W005606117');
    await posted;

    await page.locator('#node-input-btn-account-edit').click();
    await page.locator('#node-config-input-deviceUrl').waitFor({ state: 'visible' });
    await page.locator('#node-config-input-deviceUrl').fill('http://127.0.0.1:9');
    await closeDialog(page, 'node-config-dialog-ok');
    await page.locator('#node-input-dsn').click();
    await page.locator('#node-input-dsn').pressSequentially('1');
    await waitPickerText(page, 'type them again');

    // Back to the deployed device service: the stored secrets may go there again.
    await page.locator('#node-input-btn-account-edit').click();
    await page.locator('#node-config-input-deviceUrl').waitFor({ state: 'visible' });
    await page.locator('#node-config-input-deviceUrl').fill(sim?.deviceUrl ?? '');
    await closeDialog(page, 'node-config-dialog-ok');
    await typeAndPick(page, '#node-input-dsn', '5606117', 'AC000W005606117');
  });

});
