/**
 * Import → Examples twice in a row, in a real Node-RED and headless Chromium, the way a user
 * tries the package: the examples carry no account, so the first import adds one account and
 * the second uses it; no id clash, no second account, every imported node on that account.
 * (Node-RED's Examples tab imports through `RED.view.importNodes`, which calls
 * `RED.nodes.import` with `markChanged`: nodes/editor/import-accounts.ts.)
 */
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { useEditorSession } from './support/editor-session';
import { centreOf, waitUntil } from './support/editor-page';

/** The editor's accounts and the account of every node of ours, read through the RED API. */
function accountsNow(page: Page): Promise<{ accounts: string[]; users: Array<{ type: string; account: unknown }> }> {
  return page.evaluate(() => {
    interface Red {
      nodes: {
        eachConfig(visit: (node: { id: string; type: string }) => void): void;
        eachNode(visit: (node: { type: string; account?: unknown }) => void): void;
      };
    }
    const red = (window as unknown as { RED: Red }).RED;
    const accounts: string[] = [];
    red.nodes.eachConfig((node) => {
      if (node.type === 'ayla-dss-account') accounts.push(node.id);
    });
    const users: Array<{ type: string; account: unknown }> = [];
    red.nodes.eachNode((node) => {
      if (node.type.startsWith('ayla-')) users.push({ type: node.type, account: node.account });
    });
    return { accounts, users };
  });
}

/** Waits until the editor holds a node of `type` (an import adds its own flow tab, which is not shown). */
function waitForType(page: Page, type: string): Promise<void> {
  return waitUntil(
    page,
    `a ${type} node is imported`,
    (wanted: string) => {
      let found = false;
      (window as unknown as { RED: { nodes: { eachNode(visit: (node: { type: string }) => void): void } } }).RED.nodes.eachNode((node) => {
        if (node.type === wanted) found = true;
      });
      return found;
    },
    type,
  );
}

/** Menu → Import → Examples → this package → `title` → Import. */
async function importExample(page: Page, title: string): Promise<void> {
  await page.locator('#red-ui-header-button-sidemenu').click();
  await page.locator('#menu-item-import').click();
  const examplesTab = page.locator('#red-ui-clipboard-dialog-import-tabs li', { hasText: /Examples/ });
  await examplesTab.click();
  const tree = page.locator('#red-ui-clipboard-dialog-import-tab-library-examples, .red-ui-clipboard-dialog-tab-library:visible').first();
  const example = tree.locator('.red-ui-treeList-label', { hasText: title });
  if (!(await example.isVisible())) await tree.locator('.red-ui-treeList-label', { hasText: 'node-red-contrib-ayla-dss' }).click();
  await example.click();
  const ok = page.locator('#red-ui-clipboard-dialog-ok');
  await waitUntil(page, 'the Import button is enabled', () => !document.querySelector('#red-ui-clipboard-dialog-ok')?.classList.contains('ui-state-disabled'), undefined, 5_000);
  await ok.click();
  await ok.waitFor({ state: 'hidden' });
  // Imported into the current flow, the nodes follow the mouse until a click places them.
  const spot = await centreOf(page, '#red-ui-workspace-chart');
  await page.mouse.click(spot.x, spot.y);
}

describe('editor: importing two examples shares one account', function () {
  this.timeout(60_000);
  const session = useEditorSession(() => ({
    flows: [
      { id: 'import-tab', type: 'tab', label: 'Imports', disabled: false, info: '' },
      { id: 'import-comment', type: 'comment', z: 'import-tab', name: 'imports', info: '', x: 120, y: 40, wires: [] },
    ],
    credentials: {},
    env: {},
  }));

  it('the first example adds an account, the second uses it', async () => {
    const { page, browser } = session();
    assert.deepEqual((await accountsNow(page)).accounts, [], 'no account to begin with');

    await importExample(page, '01 - Datapoint events');
    await waitForType(page, 'ayla-datapoint-in');
    const first = await accountsNow(page);
    assert.equal(first.accounts.length, 1, 'one account was added');
    assert.ok(first.users.length > 0 && first.users.every((user) => user.account === first.accounts[0]), 'the example uses it');
    await page.locator('#red-ui-notifications .red-ui-notification', { hasText: 'an Ayla DSS account was added' }).waitFor({ state: 'visible' });

    await importExample(page, '03 - Device connectivity');
    await waitForType(page, 'ayla-connectivity-in');
    const second = await accountsNow(page);
    assert.deepEqual(second.accounts, first.accounts, 'still the one account');
    assert.ok(second.users.some((user) => user.type === 'ayla-connectivity-in'));
    assert.ok(second.users.every((user) => user.account === first.accounts[0]), 'both examples use it');
    assert.equal(await page.locator('.red-ui-clipboard-dialog-import-conflicts-list').count(), 0, 'no id clash');
    assert.deepEqual(browser.pageErrors, []);
  });
});
