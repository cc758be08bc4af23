/**
 * The pickers' admin routes through a real Node-RED (permissions are in
 * test/security/device-routes.spec.ts): a deployed account's devices searched and paged in the
 * runtime (5,000 of them too), its cached list, a device's properties, and the POST for the
 * dialog's unsaved values with Test connection's credential rule extended to the device service.
 */
import { strict as assert } from 'node:assert';
import { ACCOUNT_ID, accountCredentials, accountNode, aylaNodes, helper, simPost, THERMOSTAT, useSimulatorAndHelper } from './support/flow-kit';
import { pendingFaults } from './support/device-kit';

type DeviceList = { devices: Array<{ dsn: string; productName: string | null; oemModel: string | null; connectionStatus: string | null }>; total: number };
type PropertyList = { properties: Array<{ name: string; displayName: string | null; baseType: string | null; direction: string | null; value: unknown; readOnly: boolean; ackEnabled: boolean }> };

const devicesRoute = (query = '') => `/ayla-dss/accounts/${ACCOUNT_ID}/devices${query}`;

describe('device and property pickers: admin routes', function () {
  this.timeout(20_000);

  describe('the default scenario', () => {
    const sim = useSimulatorAndHelper();

    it('lists a deployed account\'s devices, searched and paged in the runtime', async () => {
      await helper.load(aylaNodes, [accountNode(sim())], accountCredentials(sim()));
      const all = (await helper.request().get(devicesRoute())).body as DeviceList;
      assert.equal(all.total, 8);
      assert.equal(all.devices.length, 8);
      assert.deepEqual(Object.keys(all.devices[0]).sort(), ['connectionStatus', 'dsn', 'oemModel', 'productName']);
      const names = all.devices.map((device) => device.productName ?? '');
      assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' })), 'sorted by product name');
      const page = (await helper.request().get(devicesRoute('?limit=3&offset=3'))).body as DeviceList;
      assert.equal(page.total, 8);
      assert.deepEqual(page.devices.map((device) => device.dsn), all.devices.slice(3, 6).map((device) => device.dsn));
      const thermostats = (await helper.request().get(devicesRoute('?search=THERMO-T100'))).body as DeviceList;
      assert.equal(thermostats.total, 3, 'the search ignores case and looks at the OEM model');
      const living = (await helper.request().get(devicesRoute('?search=living%20thermo'))).body as DeviceList;
      assert.deepEqual(living.devices.map((device) => device.dsn), [THERMOSTAT], 'every word must match');
      assert.deepEqual((await helper.request().get(devicesRoute('?search=nothing-like-this'))).body, { devices: [], total: 0 });
    });

    it('answers from the account\'s cache for 30 s, and reads again with refresh=1', async () => {
      await helper.load(aylaNodes, [accountNode(sim())], accountCredentials(sim()));
      const first = (await helper.request().get(devicesRoute(`?search=${THERMOSTAT}`))).body as DeviceList;
      assert.equal(first.devices[0].connectionStatus, 'Online');
      await simPost(sim(), `/sim/devices/${THERMOSTAT}/connectivity`, { status: 'Offline' });
      await simPost(sim(), '/sim/faults/device-errors', { status: 503, count: 1, retryAfterSec: 0 });
      const cached = (await helper.request().get(devicesRoute(`?search=${THERMOSTAT}`))).body as DeviceList;
      assert.equal(cached.devices[0].connectionStatus, 'Online', 'the cached list');
      assert.equal((await pendingFaults(sim())).errors, 1, 'no request reached the device service');
      const fresh = (await helper.request().get(devicesRoute(`?search=${THERMOSTAT}&refresh=1`))).body as DeviceList;
      assert.equal(fresh.devices[0].connectionStatus, 'Offline');
      assert.equal((await pendingFaults(sim())).errors, 0, 'refresh read it again (through a retried 503)');
      await simPost(sim(), `/sim/devices/${THERMOSTAT}/connectivity`, { status: 'Online' });
    });

    it('lists a device\'s properties with what a picker needs', async () => {
      await helper.load(aylaNodes, [accountNode(sim())], accountCredentials(sim()));
      const answer = await helper.request().get(`/ayla-dss/accounts/${ACCOUNT_ID}/devices/${THERMOSTAT}/properties`);
      assert.equal(answer.status, 200);
      const { properties } = answer.body as PropertyList;
      const target = properties.find((property) => property.name === 'target_temp');
      assert.deepEqual(target, { name: 'target_temp', displayName: 'Target temperature', baseType: 'decimal', direction: 'input', value: 21, readOnly: false, ackEnabled: true });
      assert.equal(properties.find((property) => property.name === 'firmware_channel')?.readOnly, true);
      assert.equal(properties.find((property) => property.name === 'current_temp')?.direction, 'output');
      const unknown = await helper.request().get(`/ayla-dss/accounts/${ACCOUNT_ID}/devices/AC000W999999999/properties`);
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.code, 'DEVICE_NOT_FOUND');
    });

    it('answers a bad query, an undeployed account and an account without a device URL with a code', async () => {
      await helper.load(aylaNodes, [accountNode(sim()), accountNode(sim(), { id: 'nodevice', deviceUrl: '' })], accountCredentials(sim(), { nodevice: { ...sim().account } }));
      for (const query of ['?limit=0', '?limit=501', '?offset=-1', `?search=${'x'.repeat(101)}`]) {
        const answer = await helper.request().get(devicesRoute(query));
        assert.deepEqual([answer.status, answer.body.code], [400, 'BAD_QUERY'], query);
      }
      const missing = await helper.request().get('/ayla-dss/accounts/no-such-account/devices');
      assert.deepEqual([missing.status, missing.body.code], [404, 'ACCOUNT_NOT_DEPLOYED']);
      const noUrl = await helper.request().get('/ayla-dss/accounts/nodevice/devices');
      assert.deepEqual([noUrl.status, noUrl.body.code], [422, 'NO_DEVICE_URL']);
    });

    it('POST look-ups: the dialog\'s typed values, or stored secrets only with the deployed user and device services', async () => {
      await helper.load(aylaNodes, [accountNode(sim())], accountCredentials(sim()));
      const dialog = { region: 'custom', streamUrl: sim().streamUrl, apiUrl: sim().apiUrl, userUrl: sim().userUrl, deviceUrl: sim().deviceUrl };
      const typed = await helper.request().post('/ayla-dss/lookup/devices').send({ ...dialog, credentials: sim().account, search: 'plug', limit: 2 });
      assert.equal(typed.status, 200, JSON.stringify(typed.body));
      assert.equal((typed.body as DeviceList).total, 3);
      assert.equal((typed.body as DeviceList).devices.length, 2);
      const stored = { email: sim().account.email, password: '__PWRD__', appId: '__PWRD__', appSecret: '__PWRD__' };
      const withStored = await helper.request().post('/ayla-dss/lookup/properties').send({ ...dialog, id: ACCOUNT_ID, credentials: stored, dsn: THERMOSTAT });
      assert.equal(withStored.status, 200, JSON.stringify(withStored.body));
      assert.ok((withStored.body as PropertyList).properties.some((property) => property.name === 'target_temp'));
      // The token bought with the stored secrets would go to another device service: refused before any sign-in.
      const elsewhere = await helper.request().post('/ayla-dss/lookup/devices').send({ ...dialog, deviceUrl: 'http://127.0.0.2:9', id: ACCOUNT_ID, credentials: stored });
      assert.deepEqual([elsewhere.status, elsewhere.body.code], [422, 'STORED_CREDENTIALS_ELSEWHERE']);
      const otherUser = await helper.request().post('/ayla-dss/lookup/devices').send({ ...dialog, userUrl: 'http://127.0.0.2:9', id: ACCOUNT_ID, credentials: stored });
      assert.deepEqual([otherUser.status, otherUser.body.code], [422, 'STORED_CREDENTIALS_ELSEWHERE']);
      process.env.AYLA_TEST_LOOKUP_SECRET = 'not-for-other-hosts';
      try {
        const env = await helper.request().post('/ayla-dss/lookup/devices').send({ ...dialog, deviceUrl: 'http://127.0.0.2:9', credentials: { ...sim().account, appSecret: '${AYLA_TEST_LOOKUP_SECRET}' } });
        assert.deepEqual([env.status, env.body.code], [422, 'STORED_CREDENTIALS_ELSEWHERE']);
      } finally {
        delete process.env.AYLA_TEST_LOOKUP_SECRET;
      }
      const notJson = await helper.request().post('/ayla-dss/lookup/devices').send('region=custom');
      assert.deepEqual([notJson.status, notJson.body.code], [415, 'NOT_JSON']);
      const noDevice = await helper.request().post('/ayla-dss/lookup/devices').send({ ...dialog, deviceUrl: '', credentials: sim().account });
      assert.deepEqual([noDevice.status, noDevice.body.code], [422, 'NO_DEVICE_URL']);
    });
  });

  describe('a fleet of 5,000 devices', () => {
    const sim = useSimulatorAndHelper({ simulator: { devices: 5000 } });

    it('searches and pages them in the runtime', async () => {
      await helper.load(aylaNodes, [accountNode(sim())], accountCredentials(sim()));
      const first = (await helper.request().get(devicesRoute('?limit=100'))).body as DeviceList;
      assert.equal(first.total, 5000);
      assert.equal(first.devices.length, 100);
      const last = (await helper.request().get(devicesRoute('?limit=100&offset=4950'))).body as DeviceList;
      assert.equal(last.devices.length, 50);
      const one = (await helper.request().get(devicesRoute('?search=AC000W700004321'))).body as DeviceList;
      assert.deepEqual(one.devices.map((device) => device.dsn), ['AC000W700004321']);
      assert.equal(one.total, 1);
    });
  });
});
