/**
 * A fleet of 5,000 devices in the device picker, in a real Node-RED and headless Chromium
 * against the simulator (`devices: 5000`): the panel shows one page and the total, the next
 * page on "Show more", and a typed search narrows the total (the runtime searches and pages,
 * the browser never holds the whole fleet). Counts only, no timing.
 */
import { strict as assert } from 'node:assert';
import { startSimulator, type RunningSimulator } from '../../simulator/index';
import { DEVICE_PAGE } from '../../nodes/editor/device-picker';
import { useEditorSession } from './support/editor-session';
import { dragFromPalette, openNodeDialog, waitUntil } from './support/editor-page';
import { offeredValues, waitPickerText } from './support/picker-steps';

const FLEET = 5000;
const ACCOUNT_ID = 'fleet-account';

describe('editor: the device picker with a fleet of 5,000 devices', function () {
  this.timeout(90_000);
  let sim: RunningSimulator | undefined;

  const session = useEditorSession(async () => {
    sim = await startSimulator({ rate: 0, devices: FLEET });
    return {
      flows: [
        { id: 'fleet-tab', type: 'tab', label: 'Fleet', disabled: false, info: '' },
        { id: 'fleet-comment', type: 'comment', z: 'fleet-tab', name: 'fleet', info: '', x: 120, y: 40, wires: [] },
        {
          id: ACCOUNT_ID, type: 'ayla-dss-account', name: 'Fleet', region: 'custom', deployment: 'field', clientType: 'cloud',
          streamUrl: sim.streamUrl, apiUrl: sim.apiUrl, userUrl: sim.userUrl, deviceUrl: sim.deviceUrl, heartbeatTimeout: 90, allowInsecure: false,
        },
      ],
      credentials: { [ACCOUNT_ID]: { ...sim.account } },
      env: {},
    };
  });

  after(async () => {
    await sim?.close();
  });

  it('shows a page and the total, pages on, and narrows by search', async () => {
    const { page, browser } = session();
    const inId = await dragFromPalette(page, 'ayla-datapoint-in', 'datapoint', { x: 200, y: 140 });
    await openNodeDialog(page, inId, '#node-input-oemModel');
    await page.locator('#node-input-account').selectOption(ACCOUNT_ID);
    await page.locator('#node-input-dsns').click();
    await waitPickerText(page, `${DEVICE_PAGE} of ${FLEET} devices`);
    const first = await offeredValues(page);
    assert.equal(first.length, DEVICE_PAGE, 'one page is listed');

    await page.locator('.ayla-dss-picker:visible .ayla-dss-picker-more').click();
    await waitPickerText(page, `${2 * DEVICE_PAGE} of ${FLEET} devices`);
    const two = await offeredValues(page);
    assert.equal(two.length, 2 * DEVICE_PAGE);
    assert.deepEqual(two.slice(0, DEVICE_PAGE), first, 'the next page is appended');
    assert.equal(new Set(two).size, two.length, 'no device twice');

    // A search for one DSN: the runtime answers its matches only.
    const wanted = two[DEVICE_PAGE + 3];
    await page.locator('#node-input-dsns').fill('');
    await page.locator('#node-input-dsns').pressSequentially(wanted);
    await waitUntil(
      page,
      `the search narrows the list to ${wanted}`,
      (dsn: string) => {
        const items = Array.from(document.querySelectorAll('.ayla-dss-picker-item')).filter((item) => (item as HTMLElement).offsetParent !== null);
        return items.length > 0 && items.length < 20 && items.every((item) => (item.getAttribute('data-value') ?? '').includes(dsn));
      },
      wanted,
    );
    const head = await page.locator('.ayla-dss-picker:visible .ayla-dss-picker-count').innerText();
    const total = Number(/of (\d+) device/.exec(head)?.[1]);
    assert.ok(total >= 1 && total < FLEET, `the total is the search's: ${head}`);
    await page.locator('#node-dialog-cancel').click();
    assert.deepEqual(browser.pageErrors, []);
  });
});
