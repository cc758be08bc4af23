/**
 * One Node-RED (this package from dist/) and one headless Chromium on its editor, for an editor
 * spec file: started in `before`, stopped in `after`, with a screenshot and Node-RED's last log
 * lines when a test fails. Plus the steps the hardening specs share: importing a flow through
 * the Import dialog, opening an event-in node's account, reading the Deploy warning.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, type EditorBrowser } from './browser';
import { centreOf, openEditor, openNodeDialog, UI_WAIT_MS, waitForTrayFocus, waitUntil } from './editor-page';
import { assertBuilt, startNodeRed, type NodeRedOptions, type RunningNodeRed } from './node-red-process';

/** The selector an event-in dialog is ready at (oneditprepare has built the DSN filter list). */
export const IN_DIALOG_READY = '.red-ui-editableList:has(#ayla-dss-dsnFilter) .red-ui-editableList-addButton';

/** A running Node-RED with a browser on its editor. */
export interface EditorSession {
  red: RunningNodeRed;
  browser: EditorBrowser;
  page: Page;
}

/**
 * Registers `before` / `afterEach` / `after` hooks in the calling `describe` and returns a
 * getter for the session (available from the first test on).
 */
export function useEditorSession(options: () => Promise<NodeRedOptions> | NodeRedOptions, paletteType = 'ayla-datapoint-in'): () => EditorSession {
  let session: EditorSession | undefined;
  let red: RunningNodeRed | undefined;
  let browser: EditorBrowser | undefined;

  before(async function () {
    this.timeout(60_000);
    assertBuilt();
    red = await startNodeRed(await options());
    browser = await launchBrowser();
    browser.page.setDefaultTimeout(UI_WAIT_MS);
    await openEditor(browser.page, red.url, paletteType);
    session = { red, browser, page: browser.page };
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !browser) return;
    const file = path.join(os.tmpdir(), `ayla-dss-e2e-failure-${Date.now()}.png`);
    await browser.page.screenshot({ path: file }).then(
      () => console.error(`    editor screenshot of the failure: ${file}`),
      () => undefined, // the page itself is gone: nothing to show
    );
    if (red) console.error(`    Node-RED output (last lines):\n${red.log().split('\n').slice(-20).join('\n')}`);
    const pageProblems = [...browser.pageErrors.map((text) => `uncaught: ${text}`), ...browser.consoleProblems];
    if (pageProblems.length > 0) console.error(`    the editor page's errors and warnings:\n      ${pageProblems.join('\n      ')}`);
    await closeDialogs(browser.page);
  });

  after(async function () {
    this.timeout(30_000);
    // Both steps run even when the first throws, so no process outlives the file.
    const results = await Promise.allSettled([browser?.close(), red?.stop()]);
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  });

  return () => {
    if (!session) throw new Error('the editor session did not start (see the before hook)');
    return session;
  };
}

/** Cancels every open edit dialog, innermost first (best effort: used to clean up after a failure). */
export async function closeDialogs(page: Page): Promise<void> {
  for (const cancel of ['#node-config-dialog-cancel', '#node-dialog-cancel']) {
    const button = page.locator(cancel);
    if (!(await button.isVisible().catch(() => false))) continue;
    await button.click().catch(() => undefined /* already closing */);
    await button.waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined /* best effort: the next test says what is wrong */);
  }
}

/**
 * Clicks a dialog button and waits until that dialog has gone. On a heavily loaded machine a
 * click on Done was once seen to leave the tray open for 15 s with no uncaught error (test:alone
 * runs two browsers at once, and a stray busy loop held a core); a second click then closes it,
 * and is said on stderr, with the page's warnings printed if the test fails, so that a pattern
 * would show. A dialog that a second click does not close fails the test.
 */
export async function closeDialog(page: Page, buttonId: string): Promise<void> {
  const button = page.locator(`#${buttonId}`);
  await button.click();
  try {
    await button.waitFor({ state: 'detached', timeout: UI_WAIT_MS / 2 });
    return;
  } catch {
    console.error(`    closeDialog: #${buttonId} was clicked but its dialog is still open after ${UI_WAIT_MS / 2} ms; clicking once more`);
  }
  if (await button.isVisible().catch(() => false)) await button.click();
  await button.waitFor({ state: 'detached' });
}

/** Opens an event-in node's dialog, then its account's dialog with the pencil button. */
export async function openAccountOf(page: Page, inNodeId: string): Promise<void> {
  await openNodeDialog(page, inNodeId, IN_DIALOG_READY);
  await page.locator('#node-input-btn-account-edit').click();
  await page.locator('#node-config-input-region').waitFor({ state: 'visible' });
  await waitForTrayFocus(page, '#node-config-input-region');
}

/** A node's validity as the editor holds it (read-only use of the RED API). */
export function validityOf(page: Page, id: string): Promise<{ valid: unknown; errors: string[] }> {
  return page.evaluate((nodeId: string) => {
    const red = (window as unknown as { RED: { nodes: { node(id: string): { valid?: unknown; validationErrors?: string[] } | null } } }).RED;
    const node = red.nodes.node(nodeId);
    return { valid: node?.valid, errors: node?.validationErrors ?? [] };
  }, id);
}

/** Pastes a flow into the Import dialog (menu > Import > clipboard) and imports it into a new flow tab. */
export async function importFlow(page: Page, flow: unknown): Promise<void> {
  await page.locator('#red-ui-header-button-sidemenu').click();
  await page.locator('#menu-item-import').click();
  const text = page.locator('#red-ui-clipboard-dialog-import-text');
  await text.waitFor({ state: 'visible' });
  await text.fill(JSON.stringify(flow));
  await text.press('End'); // the dialog validates on key events
  await page.locator('#red-ui-clipboard-dialog-import-opt-new').click();
  const ok = page.locator('#red-ui-clipboard-dialog-ok');
  await waitUntil(page, 'the Import button is enabled', () => !document.querySelector('#red-ui-clipboard-dialog-ok')?.classList.contains('ui-state-disabled'), undefined, 5_000);
  await ok.click();
  await ok.waitFor({ state: 'hidden' });
  // Nodes imported into the current flow follow the mouse until a click places them; a new
  // flow tab places them itself. Clicking an empty spot is harmless either way.
  const corner = await centreOf(page, '#red-ui-workspace-chart');
  await page.mouse.click(corner.x, corner.y);
}

/** Shows the flow tab labelled `label` by clicking it in the tab bar. */
export async function showFlow(page: Page, label: string): Promise<void> {
  await page.locator('#red-ui-workspace-tabs .red-ui-tab', { hasText: label }).first().click();
  await waitUntil(
    page,
    `the flow "${label}" is shown`,
    (wanted: string) => document.querySelector('#red-ui-workspace-tabs .red-ui-tab.active')?.textContent?.includes(wanted) === true,
    label,
    5_000,
  );
}

/**
 * Clicks Deploy and returns the lines of the "improperly configured nodes" warning, then
 * cancels it (nothing is deployed). Fails when no warning comes.
 */
export async function deployWarning(page: Page): Promise<string[]> {
  await page.locator('#red-ui-header-button-deploy').click();
  const list = page.locator('.red-ui-deploy-dialog-confirm-list');
  await list.waitFor({ state: 'visible' });
  const lines = (await list.locator('li').allInnerTexts()).map((line) => line.trim());
  await page.locator('#red-ui-notifications .red-ui-notification button', { hasText: /^Cancel$/ }).click();
  await list.waitFor({ state: 'detached' });
  return lines;
}
