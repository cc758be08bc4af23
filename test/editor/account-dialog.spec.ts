/**
 * The account dialog's newer parts, as a user meets them in a real Node-RED (a deployed account
 * on the simulator, one auto datapoint node) and headless Chromium:
 *
 * - the instance label: its hint names the maximum length, and a label the runtime would refuse
 *   is called out under the field in the catalog's words;
 * - "Copy diagnostics": the deployed account's diagnostics land on the clipboard as JSON (with the
 *   Node-RED version, the instance label and the live subscription, and none of the secrets);
 *   when the browser refuses the clipboard they are shown in a selected box instead; an account
 *   that is not deployed yet says so.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import catalog from '../../locales/en-US/ayla-dss.json';
import { MAX_INSTANCE_LABEL_CHARS } from '../../nodes/lib/node-options';
import { startSimulator, type RunningSimulator } from '../../simulator/index';
import { dismissNotifications, openNodeDialog, waitConnected, waitUntil } from './support/editor-page';
import { closeDialog, IN_DIALOG_READY, openAccountOf, useEditorSession } from './support/editor-session';

const TAB_ID = 'dialog-tab';
const ACCOUNT_ID = 'dialog-account';
const IN_ID = 'dialog-in';
const LABEL = 'lab-1';
const ENV_NAMES = { email: 'AYLA_DIALOG_EMAIL', password: 'AYLA_DIALOG_PASSWORD', appId: 'AYLA_DIALOG_APP_ID', appSecret: 'AYLA_DIALOG_APP_SECRET' };
const account = catalog['ayla-dss-account'];

type Page = import('playwright-core').Page;

/** The text of the message line under the row holding `selector`, or null when none is shown. */
function lineUnder(page: Page, selector: string): Promise<string | null> {
  return page.evaluate((css: string) => {
    const row = document.querySelector(css)?.closest('.form-row');
    const line = row?.nextElementSibling as HTMLElement | null | undefined;
    return line && line.classList.contains('ayla-dss-field-message') && line.offsetParent !== null ? (line.textContent ?? '') : null;
  }, selector);
}

/** Clicks Copy diagnostics and waits for its result line to leave "running". */
async function copyDiagnostics(page: Page): Promise<string> {
  await page.locator('#ayla-dss-copy-diagnostics').click();
  const result = page.locator('#ayla-dss-diagnostics-result');
  await waitUntil(
    page,
    'Copy diagnostics has finished',
    (running: string) => {
      const text = document.getElementById('ayla-dss-diagnostics-result')?.textContent ?? '';
      return text !== '' && text !== running;
    },
    account.diagnostics.running,
  );
  return (await result.textContent()) ?? '';
}

describe('editor: the account dialog (instance label, Copy diagnostics)', function () {
  this.timeout(60_000);
  let sim: RunningSimulator | undefined;

  const session = useEditorSession(async () => {
    sim = await startSimulator({ rate: 0 });
    return {
      flows: [
        { id: TAB_ID, type: 'tab', label: 'Account dialog', disabled: false, info: '' },
        {
          id: ACCOUNT_ID, type: 'ayla-dss-account', name: 'Simulator', region: 'custom', deployment: 'field', clientType: 'cloud', configVersion: 1,
          streamUrl: sim.streamUrl, apiUrl: sim.apiUrl, userUrl: sim.userUrl, heartbeatTimeout: 90, allowInsecure: false, instanceLabel: LABEL,
        },
        {
          id: IN_ID, type: 'ayla-datapoint-in', z: TAB_ID, name: 'thermostats', account: ACCOUNT_ID, source: 'auto', configVersion: 1,
          oemModel: 'thermo-t100', dsns: '*', properties: '*', dsnFilter: [], modelFilter: [], propertyFilter: [], onlyChanges: false, x: 160, y: 80, wires: [[]],
        },
      ],
      credentials: { [ACCOUNT_ID]: { email: `\${${ENV_NAMES.email}}`, password: `\${${ENV_NAMES.password}}`, appId: `\${${ENV_NAMES.appId}}`, appSecret: `\${${ENV_NAMES.appSecret}}` } },
      env: { [ENV_NAMES.email]: sim.account.email, [ENV_NAMES.password]: sim.account.password, [ENV_NAMES.appId]: sim.account.appId, [ENV_NAMES.appSecret]: sim.account.appSecret },
    };
  });

  after(async () => {
    await sim?.close();
  });

  it('instance label: the hint names the limit, and a label the runtime refuses is called out', async () => {
    const { page } = session();
    await openAccountOf(page, IN_ID);
    const input = page.locator('#node-config-input-instanceLabel');
    assert.equal(await input.inputValue(), LABEL);
    assert.equal(await page.locator('#ayla-dss-instance-label-tip').textContent(), account.tip.instanceLabel.replace('__max__', String(MAX_INSTANCE_LABEL_CHARS)));
    assert.equal(await lineUnder(page, '#node-config-input-instanceLabel'), null);

    await input.fill('');
    await input.pressSequentially('plant a!'); // typed: Node-RED validates on key events
    assert.equal(await lineUnder(page, '#node-config-input-instanceLabel'), account.error.instanceLabelCharacters);
    await waitUntil(page, 'Node-RED marks the field', () => !!document.querySelector('#node-config-input-instanceLabel.input-error'), undefined, 5_000);
    await input.fill('x'.repeat(MAX_INSTANCE_LABEL_CHARS + 1));
    assert.equal(await lineUnder(page, '#node-config-input-instanceLabel'), account.error.instanceLabelLength.replace('__max__', String(MAX_INSTANCE_LABEL_CHARS)));
    await input.fill('');
    await input.pressSequentially('plant-a.2_b');
    assert.equal(await lineUnder(page, '#node-config-input-instanceLabel'), null);
    await waitUntil(page, 'the field is fine again', () => !document.querySelector('#node-config-input-instanceLabel.input-error'), undefined, 5_000);

    await closeDialog(page, 'node-config-dialog-cancel');
    await closeDialog(page, 'node-dialog-cancel');
  });

  it('Copy diagnostics puts the deployed account\'s diagnostics on the clipboard, without secrets', async () => {
    const { page, red } = session();
    await waitConnected(page, IN_ID);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(red.url).origin });
    await openAccountOf(page, IN_ID);
    assert.equal(await copyDiagnostics(page), account.diagnostics.copied);
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const diagnostics = JSON.parse(copied) as Record<string, unknown> & { versions: Record<string, string>; account: Record<string, unknown>; streams: Array<Record<string, unknown>> };
    const nodeRed = JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('node-red/package.json')), 'package.json'), 'utf8')) as { version: string };
    assert.ok(diagnostics.versions.nodeRed.startsWith(nodeRed.version), `Node-RED ${diagnostics.versions.nodeRed}`); // "-git" in a checkout
    assert.equal(diagnostics.account.id, ACCOUNT_ID);
    assert.equal(diagnostics.account.instanceLabel, LABEL);
    assert.equal(diagnostics.streams.length, 1);
    assert.equal(diagnostics.streams[0].state, 'open');
    for (const secret of [sim!.account.password, sim!.account.appId, sim!.account.appSecret, sim!.account.email]) {
      assert.ok(!copied.includes(secret), 'a secret is in the copied diagnostics');
    }
    assert.equal(await page.locator('#ayla-dss-diagnostics-text').isVisible(), false, 'no fallback box when the clipboard worked');
    await dismissNotifications(page);
    await closeDialog(page, 'node-config-dialog-cancel');
    await closeDialog(page, 'node-dialog-cancel');
  });

  it('when the browser refuses the clipboard, the diagnostics are shown selected in a box', async () => {
    const { page } = session();
    await openAccountOf(page, IN_ID);
    await page.evaluate(() => {
      Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: () => Promise.reject(new DOMException('refused', 'NotAllowedError')) } });
    });
    assert.equal(await copyDiagnostics(page), account.diagnostics.fallback);
    const box = page.locator('#ayla-dss-diagnostics-text');
    assert.ok(await box.isVisible(), 'the box is shown');
    const shown = JSON.parse(await box.inputValue()) as { account: { id: string } };
    assert.equal(shown.account.id, ACCOUNT_ID);
    const selection = await page.evaluate(() => {
      const area = document.activeElement as HTMLTextAreaElement | null;
      return { id: area?.id, all: !!area && area.selectionStart === 0 && area.selectionEnd === area.value.length };
    });
    assert.deepEqual(selection, { id: 'ayla-dss-diagnostics-text', all: true }, 'focused and selected, ready for Ctrl+C');
    await page.evaluate(() => {
      delete (navigator as unknown as { clipboard?: unknown }).clipboard; // back to the browser's own
    });
    await dismissNotifications(page);
    await closeDialog(page, 'node-config-dialog-cancel');
    await closeDialog(page, 'node-dialog-cancel');
  });

  it('an account that is not deployed yet says so', async () => {
    const { page } = session();
    await openNodeDialog(page, IN_ID, IN_DIALOG_READY);
    await page.locator('#node-input-btn-account-add').click(); // Node-RED 4: the "+" next to the picker
    await page.locator('#node-config-input-region').waitFor({ state: 'visible' });
    const result = await copyDiagnostics(page);
    assert.equal(result, account.diagnostics.notDeployed);
    await dismissNotifications(page);
    await closeDialog(page, 'node-config-dialog-cancel');
    await closeDialog(page, 'node-dialog-cancel');
  });
});
