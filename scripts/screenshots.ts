#!/usr/bin/env node
/**
 * `npm run screenshots`: the README's pictures, made by the editor itself so they never go
 * stale. Starts the DSS simulator, a Node-RED child loading this package from dist/ with a demo
 * flow on the simulator, and headless Chromium (1280×800) as the editor tests do
 * (test/editor/support), then walks through what the README shows and writes PNGs:
 *
 * - `first-flow-1-drag.png` … `first-flow-5-events.png`: "first flow in 60 seconds": drag a
 *   datapoint node in, pick the account, pick a device from the picker, deploy, see events;
 * - `demo-flow.png`: the demo flow with events in the debug sidebar;
 * - `account-dialog.png`: the account dialog (region, resolved endpoints, credentials);
 * - `in-node-dialog.png`: a datapoint node's dialog with filters and the device picker open;
 * - `out-node-dialog.png`: the datapoint-out dialog offering the writable properties.
 *
 *   npm run screenshots                 writes docs/images/*.png (builds first)
 *   node -r ts-node/register/transpile-only scripts/screenshots.ts DIR   into DIR
 *
 * test/editor/screenshots.spec.ts runs {@link takeScreenshots} into a temporary folder, so the
 * code that makes the README's pictures is exercised with every editor test run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { startSimulator, type RunningSimulator } from '../simulator/index';
import { launchBrowser, type EditorBrowser } from '../test/editor/support/browser';
import { centreOf, deploy, dismissNotifications, dragFromPalette, openDebugSidebar, openEditor, openNodeDialog, waitAtRest, waitConnected, waitForDebugTopic, waitUntil, wireByMouse } from '../test/editor/support/editor-page';
import { assertBuilt, startNodeRed, type RunningNodeRed } from '../test/editor/support/node-red-process';
import { pickerItem, typeAndPick, waitOffered } from '../test/editor/support/picker-steps';

/** The pictures, in the order they are taken. */
export const SCREENSHOTS = [
  'first-flow-1-drag.png',
  'first-flow-2-account.png',
  'first-flow-3-device.png',
  'first-flow-4-deploy.png',
  'first-flow-5-events.png',
  'demo-flow.png',
  'account-dialog.png',
  'in-node-dialog.png',
  'out-node-dialog.png',
] as const;

/** A laptop screen: the README's pictures are this size or crops of it. */
export const SCREEN = { width: 1280, height: 800 } as const;

const DEMO_TAB = 'shots-demo';
const FIRST_TAB = 'shots-first';
const ACCOUNT_ID = 'shots-account';
const DEMO_IN = 'shots-datapoint';
const DEMO_DEBUG = 'shots-debug';
const OUT_ID = 'shots-out';
const MODEL = 'thermo-t100';
const LIVING_ROOM = 'AC000W005606115';
const BEDROOM = 'AC000W005606116';
const OFFICE = 'AC000W005606117';
/** The three thermostats, which a search for `AC000W00560` finds. */
const THERMOSTATS = [LIVING_ROOM, BEDROOM, OFFICE];
const ENV = { email: 'AYLA_SHOTS_EMAIL', password: 'AYLA_SHOTS_PASSWORD', appId: 'AYLA_SHOTS_APP_ID', appSecret: 'AYLA_SHOTS_APP_SECRET' };

/** The demo flow: one account on the simulator, thermostat datapoints to a debug node, a write of the target temperature. */
function demoFlow(sim: RunningSimulator): Array<Record<string, unknown>> {
  return [
    { id: DEMO_TAB, type: 'tab', label: 'Ayla DSS demo', disabled: false, info: '' },
    { id: FIRST_TAB, type: 'tab', label: 'My first flow', disabled: false, info: '' },
    {
      id: ACCOUNT_ID, type: 'ayla-dss-account', name: 'Simulator', region: 'custom', deployment: 'field', clientType: 'cloud',
      streamUrl: sim.streamUrl, apiUrl: sim.apiUrl, userUrl: sim.userUrl, deviceUrl: sim.deviceUrl, heartbeatTimeout: 90, writeRate: 5, allowInsecure: false,
    },
    {
      id: DEMO_IN, type: 'ayla-datapoint-in', z: DEMO_TAB, name: 'Thermostat datapoints', account: ACCOUNT_ID, source: 'auto',
      oemModel: MODEL, dsns: '*', properties: '*', dsnFilter: [], modelFilter: [], propertyFilter: [], onlyChanges: false, x: 200, y: 80, wires: [[DEMO_DEBUG]],
    },
    {
      id: DEMO_DEBUG, type: 'debug', z: DEMO_TAB, name: 'thermostats', active: true, tosidebar: true, console: false, tostatus: false,
      complete: 'payload', targetType: 'msg', statusVal: '', statusType: 'auto', x: 440, y: 80, wires: [],
    },
    { id: 'shots-inject', type: 'inject', z: DEMO_TAB, name: '21 °C', props: [{ p: 'payload' }], repeat: '', once: false, topic: '', payload: '21', payloadType: 'num', x: 170, y: 160, wires: [[OUT_ID]] },
    { id: OUT_ID, type: 'ayla-datapoint-out', z: DEMO_TAB, name: 'Set target temperature', account: ACCOUNT_ID, dsn: LIVING_ROOM, property: 'target_temp', waitForAck: true, ackTimeout: 10, x: 400, y: 160, wires: [[]] },
  ];
}

/** Sets a datapoint through the simulator's control API, as a device would report it. */
async function report(sim: RunningSimulator, dsn: string, property: string, value: number): Promise<void> {
  const response = await fetch(`${sim.url}/sim/devices/${encodeURIComponent(dsn)}/properties/${encodeURIComponent(property)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ value }),
  });
  if (response.status !== 200) throw new Error(`the simulator refused ${dsn}/${property}: ${await response.text()}`);
}

/** The topmost edit tray, once it stopped sliding in. */
async function trayAtRest(page: Page): Promise<string> {
  await waitAtRest(page, '.red-ui-tray:last-child .red-ui-tray-footer', 'the dialog has stopped sliding in');
  return '.red-ui-tray:last-child';
}

/** Shows a flow tab by clicking it. */
async function showTab(page: Page, id: string): Promise<void> {
  await page.locator(`#red-ui-tab-${id}`).click();
  await waitUntil(page, `the tab ${id} is shown`, (tab: string) => document.querySelector(`#red-ui-tab-${tab}`)?.classList.contains('active') === true, id);
}

/** Walks through the README's pictures; see the module comment. Returns the files written. */
export async function takeScreenshots(outDir: string): Promise<string[]> {
  assertBuilt();
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  let sim: RunningSimulator | undefined;
  let red: RunningNodeRed | undefined;
  let browser: EditorBrowser | undefined;
  try {
    sim = await startSimulator({ rate: 0 });
    red = await startNodeRed({
      flows: demoFlow(sim),
      credentials: { [ACCOUNT_ID]: { email: `\${${ENV.email}}`, password: `\${${ENV.password}}`, appId: `\${${ENV.appId}}`, appSecret: `\${${ENV.appSecret}}` } },
      env: { [ENV.email]: sim.account.email, [ENV.password]: sim.account.password, [ENV.appId]: sim.account.appId, [ENV.appSecret]: sim.account.appSecret },
    });
    browser = await launchBrowser();
    const page = browser.page;
    await page.setViewportSize(SCREEN);
    await openEditor(page, red.url, 'ayla-datapoint-in');
    await waitConnected(page, DEMO_IN);
    const shoot = async (name: (typeof SCREENSHOTS)[number], selector?: string): Promise<void> => {
      const file = path.join(outDir, name);
      if (selector) await page.locator(selector).last().screenshot({ path: file });
      else await page.screenshot({ path: file });
      written.push(file);
    };

    // First flow in 60 seconds.
    await showTab(page, FIRST_TAB);
    const inId = await dragFromPalette(page, 'ayla-datapoint-in', 'datapoint', { x: 180, y: 100 });
    await shoot('first-flow-1-drag.png');
    await openNodeDialog(page, inId, '#node-input-oemModel');
    await page.locator('#node-input-account').selectOption(ACCOUNT_ID);
    await page.locator('#node-input-name').click(); // closes the model picker the dialog opened on
    await shoot('first-flow-2-account.png', await trayAtRest(page));
    await typeAndPick(page, '#node-input-oemModel', 'thermo', MODEL);
    await page.locator('#node-input-dsns').click();
    await page.locator('#node-input-dsns').fill('');
    await page.locator('#node-input-dsns').pressSequentially('AC000W00560');
    await waitOffered(page, THERMOSTATS);
    await shoot('first-flow-3-device.png', '.red-ui-tray');
    await page.locator(pickerItem(LIVING_ROOM)).click();
    await page.locator('#node-dialog-ok').click();
    await page.locator('#node-dialog-ok').waitFor({ state: 'detached' });
    const debugId = await dragFromPalette(page, 'debug', 'debug', { x: 460, y: 100 });
    await wireByMouse(page, inId, debugId);
    await deploy(page);
    await waitConnected(page, inId);
    await dismissNotifications(page);
    await shoot('first-flow-4-deploy.png');
    await openDebugSidebar(page);
    await report(sim, LIVING_ROOM, 'current_temp', 21.5);
    await report(sim, LIVING_ROOM, 'humidity', 48);
    await waitForDebugTopic(page, debugId, `${LIVING_ROOM}/humidity`);
    await page.mouse.move(5, SCREEN.height - 5); // no tooltip in the picture
    await shoot('first-flow-5-events.png');

    // The demo flow with its events.
    await showTab(page, DEMO_TAB);
    await page.locator('#red-ui-sidebar-debug-clear').click();
    await report(sim, LIVING_ROOM, 'current_temp', 21.8);
    await report(sim, BEDROOM, 'current_temp', 19.2);
    await report(sim, OFFICE, 'current_temp', 23.4);
    await waitForDebugTopic(page, DEMO_DEBUG, `${OFFICE}/current_temp`);
    await page.mouse.move(5, SCREEN.height - 5);
    await shoot('demo-flow.png');

    // The account dialog (Test connection run first: its answer is further down).
    await openNodeDialog(page, DEMO_IN, '#node-input-account');
    await page.locator('#node-input-btn-account-edit').click();
    await page.locator('#node-config-input-region').waitFor({ state: 'visible' });
    await page.locator('#ayla-dss-test-connection').click();
    await page.locator('#ayla-dss-test-result.ayla-dss-ok').waitFor({ state: 'visible' });
    await dismissNotifications(page);
    await page.locator('#node-config-input-name').evaluate((name) => name.scrollIntoView({ block: 'start' }));
    await shoot('account-dialog.png', await trayAtRest(page));
    await page.locator('#node-config-dialog-cancel').click();
    await page.locator('#node-config-dialog-cancel').waitFor({ state: 'detached' });

    // The datapoint node's dialog: filters, and the device picker open on an exact DSN rule.
    const modelList = page.locator('.red-ui-editableList', { has: page.locator('#ayla-dss-propertyFilter') });
    await modelList.locator('.red-ui-editableList-addButton').click();
    await page.locator('#ayla-dss-propertyFilter > li .ayla-dss-rule-mode').selectOption('wildcard');
    await page.locator('#ayla-dss-propertyFilter > li .ayla-dss-rule-pattern').fill('*_temp');
    const dsnList = page.locator('.red-ui-editableList', { has: page.locator('#ayla-dss-dsnFilter') });
    await dsnList.locator('.red-ui-editableList-addButton').click();
    await page.locator('#ayla-dss-dsnFilter > li').first().scrollIntoViewIfNeeded();
    await page.locator('#ayla-dss-dsnFilter > li .ayla-dss-rule-pattern').click();
    await page.locator('#ayla-dss-dsnFilter > li .ayla-dss-rule-pattern').pressSequentially('AC000W0056');
    await waitOffered(page, THERMOSTATS);
    await shoot('in-node-dialog.png', '.red-ui-tray');
    await page.locator('#node-dialog-cancel').click();
    await page.locator('#node-dialog-cancel').waitFor({ state: 'detached' });

    // The out node's dialog: only the properties it can write.
    await openNodeDialog(page, OUT_ID, '#node-input-property');
    await trayAtRest(page);
    await page.locator('#node-input-property').click();
    await waitOffered(page, ['target_temp', 'hvac_mode', 'fan_on']);
    await shoot('out-node-dialog.png', await trayAtRest(page));
    await page.locator('#node-dialog-cancel').click();
    const corner = await centreOf(page, '#red-ui-workspace-chart');
    await page.mouse.move(corner.x, corner.y);
    if (browser.pageErrors.length > 0) throw new Error(`the editor page had errors: ${browser.pageErrors.join('; ')}`);
    return written;
  } finally {
    await Promise.allSettled([browser?.close(), red?.stop(), sim?.close()]);
  }
}

if (require.main === module) {
  const outDir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'docs', 'images'));
  takeScreenshots(outDir).then(
    (files) => {
      for (const file of files) console.log(`${path.relative(process.cwd(), file)}  ${fs.statSync(file).size} bytes`);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.stack ?? error.message : String(error));
      process.exitCode = 1;
    },
  );
}
