/**
 * Stored XSS through Test connection, in a real Node-RED and headless Chromium: an account whose
 * e-mail carries HTML (an imported flow can bring one) is tested against a loopback user service
 * that accepts any sign-in. The runtime answers "Signed in as d…@<domain>" with the domain
 * kept, and Node-RED's i18next does not escape it: the dialog must show it as text, in its result
 * line and in the notification, and no script may run.
 */
import { strict as assert } from 'node:assert';
import { startScriptedHttpServer, sendJson, type ScriptedHttpServer } from '../support/scripted-http-server';
import { closeDialog, openAccountOf, useEditorSession } from './support/editor-session';
import { waitUntil } from './support/editor-page';

const TAB_ID = 'xss-tab';
const ACCOUNT_ID = 'xss-account';
const IN_ID = 'xss-in';
/** Would set window.__xss if the browser ever parsed it as HTML (an image that fails to load). */
const HOSTILE_EMAIL = 'demo@<img src=x onerror="window.__xss=1">';

describe('editor: Test connection shows server text as text (stored XSS)', function () {
  this.timeout(60_000);
  let userService: ScriptedHttpServer | undefined;

  const session = useEditorSession(async () => {
    userService = await startScriptedHttpServer();
    userService.route('POST /users/sign_in.json', (_request, response) =>
      sendJson(response, 200, { access_token: 'xss-test-token', refresh_token: 'xss-test-refresh', expires_in: 3600 }),
    );
    userService.route('POST /users/sign_out.json', (_request, response) => sendJson(response, 200, {}));
    return {
      flows: [
        { id: TAB_ID, type: 'tab', label: 'XSS', disabled: false, info: '' },
        {
          id: ACCOUNT_ID, type: 'ayla-dss-account', name: 'Imported account', region: 'custom', deployment: 'field', clientType: 'cloud',
          // Nothing listens on the stream URL: Test connection only signs in.
          streamUrl: 'ws://127.0.0.1:9/stream', apiUrl: userService.url, userUrl: userService.url, heartbeatTimeout: 90, allowInsecure: false,
        },
        {
          id: IN_ID, type: 'ayla-datapoint-in', z: TAB_ID, d: true, name: 'opens the account', account: ACCOUNT_ID, source: 'key',
          oemModel: '*', dsns: '*', properties: '*', dsnFilter: [], modelFilter: [], propertyFilter: [], onlyChanges: false, x: 160, y: 80, wires: [[]],
        },
      ],
      credentials: {},
      env: {},
    };
  });

  after(async () => {
    await userService?.close();
  });

  it('shows the answer literally in the result line and the notification, and runs nothing', async function () {
    const { page, browser } = session();
    await openAccountOf(page, IN_ID);
    await page.locator('#node-config-input-email').fill(HOSTILE_EMAIL);
    for (const field of ['password', 'appId', 'appSecret']) await page.locator(`#node-config-input-${field}`).fill(`xss-test-${field}`);
    await page.locator('#ayla-dss-test-connection').click();
    await waitUntil(page, 'Test connection reports a result', () => !!document.querySelector('#ayla-dss-test-result.ayla-dss-ok, #ayla-dss-test-result.ayla-dss-failed'), undefined);
    const result = await page.locator('#ayla-dss-test-result').innerText();
    assert.ok(await page.locator('#ayla-dss-test-result.ayla-dss-ok').isVisible(), `the loopback sign-in should succeed, said: ${result}`);
    const shownDomain = HOSTILE_EMAIL.slice(HOSTILE_EMAIL.indexOf('@'));
    assert.ok(result.includes(shownDomain), `the result line shows the domain as text: ${result}`);

    const notification = page.locator('#red-ui-notifications .red-ui-notification', { hasText: 'Connection works' }).last();
    await notification.waitFor({ state: 'visible' });
    assert.ok((await notification.innerText()).includes(shownDomain), 'the notification shows the domain as text');
    const injected = await page.evaluate(() => ({
      images: document.querySelectorAll('#red-ui-notifications img, #ayla-dss-test-result img').length,
      flag: (window as unknown as { __xss?: unknown }).__xss,
    }));
    assert.deepEqual(injected, { images: 0, flag: undefined }, 'no element was made from the answer and no script ran');
    assert.equal(userService?.requestsTo('POST /users/sign_in.json').length, 1, 'the runtime really signed in at the loopback service');
    assert.deepEqual(browser.pageErrors, []);

    await closeDialog(page, 'node-config-dialog-cancel');
    await closeDialog(page, 'node-dialog-cancel');
  });
});
