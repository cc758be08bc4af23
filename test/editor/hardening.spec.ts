/**
 * The editor's hardening, tried as a user would in a real Node-RED and headless Chromium:
 *
 * - the heartbeat field says its range (from NUMERIC_SETTINGS) instead of only turning red, and a
 *   plain ws:// URL to another host is refused with the name of the checkbox that allows it;
 * - a freshly dropped event-in node (OEM model and DSNs both `*`, which Ayla refuses) opens with
 *   the OEM model focused and a hint under the fields, and is valid once the model is filled in;
 * - an imported flow (an example exported with its account), whose account has no credentials,
 *   is listed by Deploy's warning (the account and its node); an account used only with stream keys needs none; filling in the
 *   four credentials makes both valid.
 *
 * Nothing is deployed: the flows only start disabled nodes, so no connection leaves the machine.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import catalog from '../../locales/en-US/ayla-dss.json';
import { NUMERIC_SETTINGS } from '../../nodes/lib/node-options';
import { dragFromPalette, nodeIds, openNodeDialog, waitAtRest, waitUntil } from './support/editor-page';
import { closeDialog, deployWarning, IN_DIALOG_READY, importFlow, openAccountOf, showFlow, useEditorSession, validityOf } from './support/editor-session';

const TAB_ID = 'hardening-tab';
/** An account without credentials whose only node uses a stream key: valid. */
const KEY_ACCOUNT_ID = 'hardening-key-account';
const KEY_IN_ID = 'hardening-key-in';
/** An account with `${NAME}` credentials, never opened: the editor cannot see them, so it is valid. */
const FULL_ACCOUNT_ID = 'hardening-full-account';
const FULL_ACCOUNT_NAME = 'Full account';
const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', '01 - Datapoint events.json');
const account = catalog['ayla-dss-account'];

/** The text of the message line under the row holding `selector`, or null when none is shown. */
function lineUnder(page: import('playwright-core').Page, selector: string): Promise<string | null> {
  return page.evaluate((css: string) => {
    // A row may have several message lines (a picker's soft warning too): the first one on show.
    let line = document.querySelector(css)?.closest('.form-row')?.nextElementSibling as HTMLElement | null | undefined;
    for (; line && line.classList.contains('ayla-dss-field-message'); line = line.nextElementSibling as HTMLElement | null) {
      if (line.offsetParent !== null) return line.textContent ?? '';
    }
    return null;
  }, selector);
}

/** The id of the config node named `name` (read-only use of the RED API). */
function configIdByName(page: import('playwright-core').Page, name: string): Promise<string> {
  return page.evaluate((wanted: string) => {
    const red = (window as unknown as { RED: { nodes: { eachConfig(visit: (node: { id: string; name?: unknown }) => void): void } } }).RED;
    let id = '';
    red.nodes.eachConfig((node) => {
      if (node.name === wanted) id = node.id;
    });
    return id;
  }, name);
}

describe('editor hardening: messages, a dropped node, imported examples', function () {
  this.timeout(60_000);

  const session = useEditorSession(() => ({
    flows: [
      { id: TAB_ID, type: 'tab', label: 'Hardening', disabled: false, info: '' },
      {
        id: KEY_ACCOUNT_ID, type: 'ayla-dss-account', name: 'Key account', region: 'custom', deployment: 'field', clientType: 'cloud',
        streamUrl: 'ws://127.0.0.1:9/stream', apiUrl: '', userUrl: '', heartbeatTimeout: 90, allowInsecure: false,
      },
      {
        id: FULL_ACCOUNT_ID, type: 'ayla-dss-account', name: FULL_ACCOUNT_NAME, region: 'custom', deployment: 'field', clientType: 'cloud',
        streamUrl: 'ws://127.0.0.1:9/stream', apiUrl: 'http://127.0.0.1:9', userUrl: 'http://127.0.0.1:9', heartbeatTimeout: 90, allowInsecure: false,
      },
      {
        id: KEY_IN_ID, type: 'ayla-datapoint-in', z: TAB_ID, d: true, name: 'key node', account: KEY_ACCOUNT_ID, source: 'key',
        oemModel: '*', dsns: '*', properties: '*', dsnFilter: [], modelFilter: [], propertyFilter: [], onlyChanges: false, x: 160, y: 80, wires: [[]],
      },
    ],
    credentials: { [FULL_ACCOUNT_ID]: { email: '${AYLA_HARDENING_EMAIL}', password: '${AYLA_HARDENING_PASSWORD}', appId: '${AYLA_HARDENING_APP_ID}', appSecret: '${AYLA_HARDENING_APP_SECRET}' } },
    env: {},
  }));

  it('account dialog: the heartbeat says its range, an insecure URL names the real checkbox', async function () {
    const { page } = session();
    const { min, max } = NUMERIC_SETTINGS.heartbeatTimeout;
    await openAccountOf(page, KEY_IN_ID);
    const heartbeat = page.locator('#ayla-dss-heartbeatTimeout');
    assert.equal(await heartbeat.inputValue(), '90');
    assert.equal(await lineUnder(page, '#ayla-dss-heartbeatTimeout'), null, 'no message for a valid value');

    await heartbeat.fill('0');
    await waitUntil(page, 'the heartbeat field is marked', () => !!document.querySelector('#ayla-dss-heartbeatTimeout.input-error'), undefined, 5_000);
    assert.equal(await lineUnder(page, '#ayla-dss-heartbeatTimeout'), account.error.heartbeatTimeout.replace('__min__', String(min)).replace('__max__', String(max)));
    await heartbeat.fill(String(min)); // the runtime's minimum: the editor used to refuse anything below 5 s
    await waitUntil(page, 'the heartbeat field is fine again', () => !document.querySelector('#ayla-dss-heartbeatTimeout.input-error'), undefined, 5_000);
    assert.equal(await lineUnder(page, '#ayla-dss-heartbeatTimeout'), null);

    const streamUrl = page.locator('#node-config-input-streamUrl');
    await streamUrl.fill('');
    await streamUrl.pressSequentially('ws://dss.example.com/stream'); // typed: Node-RED validates on key events
    assert.equal(await streamUrl.inputValue(), 'ws://dss.example.com/stream');
    await waitUntil(page, 'the plain remote stream URL is marked', () => !!document.querySelector('#node-config-input-streamUrl.input-error'), undefined, 5_000);
    const tooltip = page.locator('.red-ui-popover', { hasText: 'Unencrypted ws://' });
    // Node-RED opens a field's tooltip on mouseenter, after a delay; a busy machine can miss the
    // first entry, so the pointer leaves and enters again (three tries, bounded).
    for (let attempt = 1; ; attempt += 1) {
      await page.mouse.move(1, 1);
      await streamUrl.hover();
      try {
        await tooltip.waitFor({ state: 'visible', timeout: 5_000 });
        break;
      } catch (err) {
        if (attempt === 3) throw err;
      }
    }
    assert.ok((await tooltip.innerText()).includes(account.label.allowInsecure), 'the message names the checkbox as the dialog labels it');
    await page.locator('#node-config-input-allowInsecure').check();
    await waitUntil(page, 'ticking the checkbox accepts the URL', () => !document.querySelector('#node-config-input-streamUrl.input-error'), undefined, 5_000);
    assert.ok(await page.locator('#ayla-dss-insecure-warning').isVisible(), 'and warns about clear text');

    await closeDialog(page, 'node-config-dialog-cancel');
    await closeDialog(page, 'node-dialog-cancel');
  });

  it('a dropped datapoint node opens on the OEM model with a hint, and is valid once it is filled', async function () {
    const { page } = session();
    const id = await dragFromPalette(page, 'ayla-datapoint-in', 'datapoint', { x: 300, y: 220 });
    await openNodeDialog(page, id, IN_DIALOG_READY);
    // Checked once the tray is at rest: Node-RED focuses the tray's first field while it slides in.
    await waitAtRest(page, '.red-ui-tray-footer', 'the dialog has stopped sliding in');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'node-input-oemModel', 'the OEM model field has the focus');
    assert.equal(await lineUnder(page, '#node-input-dsns'), catalog.common.hint.scopeRequired);

    // Credentials the editor has not loaded (a deployed account never opened) are not flagged.
    await page.locator('#node-input-account').selectOption(FULL_ACCOUNT_ID);
    assert.equal(await lineUnder(page, '#node-input-account'), null);

    await closeDialog(page, 'node-dialog-ok');
    assert.equal((await validityOf(page, id)).valid, false, 'saved with its defaults, the node is invalid');

    await openNodeDialog(page, id, IN_DIALOG_READY);
    await page.locator('#node-input-oemModel').fill('thermo-t100');
    await waitUntil(page, 'the hint goes once a model is entered', () => !document.querySelector('#node-input-dsns.input-error'), undefined, 5_000);
    assert.equal(await lineUnder(page, '#node-input-dsns'), null);
    await closeDialog(page, 'node-dialog-ok');
    assert.deepEqual(await validityOf(page, id), { valid: true, errors: [] });
  });

  it('Deploy lists an imported example whose account has no credentials; a stream-key account needs none', async function () {
    const { page } = session();
    // The example as a user exports it with the account it uses (the shipped examples carry none: import-accounts.ts).
    const example = (JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')) as Array<Record<string, unknown>>).map((node) =>
      node.type === 'ayla-datapoint-in' ? { ...node, account: 'hardening-example-account' } : node,
    );
    example.push({
      id: 'hardening-example-account', type: 'ayla-dss-account', name: 'My Ayla account', region: 'us', deployment: 'field', clientType: 'cloud',
      credentials: { email: '', password: '', appId: '', appSecret: '' },
    });
    const exampleAccount = example.find((node) => node.type === 'ayla-dss-account');
    const exampleIn = example.find((node) => node.type === 'ayla-datapoint-in');
    assert.ok(exampleAccount && exampleIn, 'the example has an account and a datapoint node');
    const before = new Set(await nodeIds(page, 'ayla-datapoint-in'));
    await importFlow(page, example);
    await waitUntil(page, 'the example is imported', (count: number) => (window as unknown as { RED: { nodes: { filterNodes(f: object): unknown[] } } }).RED.nodes.filterNodes({ type: 'ayla-datapoint-in' }).length > count, before.size);
    const importedIn = (await nodeIds(page, 'ayla-datapoint-in')).find((id) => !before.has(id));
    assert.ok(importedIn);

    const warning = await deployWarning(page);
    const accountLine = warning.find((line) => line.includes('(ayla-dss-account)'));
    assert.ok(accountLine?.includes(String(exampleAccount.name)), `Deploy lists the example's account: ${warning.join(' | ')}`);
    assert.ok(warning.some((line) => line.includes(`${String(exampleIn.name)} (ayla-datapoint-in)`)), 'and the node that needs it');
    assert.ok(!warning.some((line) => line.includes('Key account')), 'an account used only with stream keys needs no credentials');
    assert.equal((await validityOf(page, KEY_ACCOUNT_ID)).valid, true);
    const accountState = await validityOf(page, await configIdByName(page, String(exampleAccount.name)));
    assert.deepEqual(accountState.errors, [account.error.credentialsMissing], 'the account says why');

    // The imported node's dialog says it too; filling in the account makes both valid.
    const exampleTab = example.find((node) => node.type === 'tab');
    await showFlow(page, String(exampleTab?.label));
    await openNodeDialog(page, importedIn, IN_DIALOG_READY);
    assert.equal(await lineUnder(page, '#node-input-account'), account.error.credentialsMissing, 'the account picker says why');
    await page.locator('#node-input-btn-account-edit').click();
    await page.locator('#node-config-input-region').waitFor({ state: 'visible' });
    assert.equal(await lineUnder(page, '#node-config-input-appSecret'), account.error.credentialsMissing);
    await page.locator('#node-config-input-email').fill('someone@example.com');
    assert.equal(await lineUnder(page, '#node-config-input-appSecret'), account.error.credentialsPartial, 'a partial set is called out');
    for (const field of ['password', 'appId', 'appSecret']) await page.locator(`#node-config-input-${field}`).fill(`hardening-${field}`);
    assert.equal(await lineUnder(page, '#node-config-input-appSecret'), null);
    await closeDialog(page, 'node-config-dialog-ok');
    await closeDialog(page, 'node-dialog-ok');
    assert.deepEqual(await validityOf(page, importedIn), { valid: true, errors: [] });
  });
});
