/**
 * The pickers' admin routes behind a REAL Node-RED with `adminAuth`: without a token they answer
 * 401; the read-only user may list a deployed account's devices and properties (GET only reads)
 * but not run a look-up with the dialog's values (a POST that may sign in with stored secrets,
 * refused like a read-only deploy); and stored secrets never buy a token for a device service the
 * account was not deployed with: such a host receives nothing at all.
 */
import { strict as assert } from 'node:assert';
import { DEMO_ACCOUNT, startSimulator, type RunningSimulator } from '../../simulator/index';
import { sendJson, startScriptedHttpServer, type ScriptedHttpServer } from '../support/scripted-http-server';
import { ADMIN_USER, READER_USER, occurrences, SIMULATOR_ACCOUNT_SECRETS, startSecureNodeRed, type AdminAnswer, type RunningNodeRed } from './support/secure-node-red';

const ACCOUNT = 'acct-devices';
const THERMOSTAT = 'AC000W005606115';

describe('security: the device pickers\' routes', function () {
  this.timeout(30_000);
  let sim: RunningSimulator;
  let red: RunningNodeRed | undefined;
  /** A loopback host nobody configured: it answers `[]` to anything and records every request. */
  let recorder: ScriptedHttpServer;
  let adminToken: string;
  let readerToken: string;
  const simLog: string[] = [];
  const signIns = (): number => simLog.filter((line) => line.startsWith('signed in ')).length;

  function endpoints(): Record<string, unknown> {
    return { region: 'custom', streamUrl: sim.streamUrl, apiUrl: sim.apiUrl, userUrl: sim.userUrl, deviceUrl: sim.deviceUrl };
  }

  function assertNoSecrets(answer: AdminAnswer, where: string): void {
    for (const [label, secret] of Object.entries(SIMULATOR_ACCOUNT_SECRETS)) {
      assert.deepEqual(occurrences(answer.text, secret), [], `${where} echoes the ${label}`);
    }
  }

  before(async function () {
    this.timeout(40_000);
    sim = await startSimulator({ rate: 0, seed: 5, log: (line) => simLog.push(line) });
    recorder = await startScriptedHttpServer({ fallback: (_request, response) => sendJson(response, 200, []) });
    red = await startSecureNodeRed();
    adminToken = await red.tokenFor(ADMIN_USER);
    readerToken = await red.tokenFor(READER_USER);
    const deploy = await red.request('POST', '/flows', {
      token: adminToken,
      headers: { 'Node-RED-Deployment-Type': 'full' },
      body: [{ id: ACCOUNT, type: 'ayla-dss-account', name: 'simulator', clientType: 'cloud', ...endpoints(), credentials: { ...DEMO_ACCOUNT } }],
    });
    assert.equal(deploy.status, 204, `deploy failed: HTTP ${deploy.status} ${deploy.text}`);
    // The deploy answers once the flows are set; on a busy machine the account node may start a
    // moment later. Wait until the runtime knows it (the diagnostics route answers 404 before).
    const deadline = Date.now() + 10_000;
    while ((await red.request('GET', `/ayla-dss/accounts/${ACCOUNT}/diagnostics`, { token: adminToken })).status !== 200) {
      assert.ok(Date.now() < deadline, 'the deployed account node never started');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  after(async () => {
    await red?.dispose();
    await recorder?.close();
    await sim?.close();
  });

  it('answers 401 without a token, and signs nobody in', async () => {
    const before = signIns();
    assert.equal((await red!.request('GET', `/ayla-dss/accounts/${ACCOUNT}/devices`)).status, 401);
    assert.equal((await red!.request('GET', `/ayla-dss/accounts/${ACCOUNT}/devices/${THERMOSTAT}/properties`)).status, 401);
    assert.equal((await red!.request('POST', '/ayla-dss/lookup/devices', { body: { ...endpoints(), credentials: { ...DEMO_ACCOUNT } } })).status, 401);
    assert.equal(signIns(), before);
  });

  it('lets the read-only user list devices and properties, and refuses its look-up with the dialog\'s values', async () => {
    const devices = await red!.request('GET', `/ayla-dss/accounts/${ACCOUNT}/devices?search=thermo`, { token: readerToken });
    assert.equal(devices.status, 200, devices.text);
    assert.equal((devices.body as { total: number }).total, 3);
    assertNoSecrets(devices, 'the device list');
    const properties = await red!.request('GET', `/ayla-dss/accounts/${ACCOUNT}/devices/${THERMOSTAT}/properties`, { token: readerToken });
    assert.equal(properties.status, 200, properties.text);
    const before = signIns();
    const nodeRedWrite = await red!.request('POST', '/flows', { token: readerToken, body: [] });
    const lookup = await red!.request('POST', '/ayla-dss/lookup/devices', { token: readerToken, body: { ...endpoints(), id: ACCOUNT, credentials: { email: DEMO_ACCOUNT.email, password: '__PWRD__' } } });
    assert.equal(lookup.status, nodeRedWrite.status, 'refused like a read-only deploy');
    assert.equal(signIns(), before, 'the read-only user caused a sign-in');
  });

  it('refuses a form POST (JSON only) and stored secrets for a device service the account was not deployed with', async () => {
    const form = await red!.request('POST', '/ayla-dss/lookup/devices', { token: adminToken, form: { region: 'custom', id: ACCOUNT } });
    assert.equal(form.status, 415);
    const before = signIns();
    const stored = { email: DEMO_ACCOUNT.email, password: '__PWRD__', appId: '__PWRD__', appSecret: '__PWRD__' };
    const elsewhere = await red!.request('POST', '/ayla-dss/lookup/devices', { token: adminToken, body: { ...endpoints(), deviceUrl: recorder.url, id: ACCOUNT, credentials: stored } });
    assert.deepEqual([elsewhere.status, (elsewhere.body as { code?: string }).code], [422, 'STORED_CREDENTIALS_ELSEWHERE']);
    assert.deepEqual(recorder.requests.map((request) => `${request.method} ${request.path} ${request.headers.authorization ?? ''}`), [], 'the other host received nothing, no token above all');
    assert.equal(signIns(), before, 'nobody signed in for it');
    const same = await red!.request('POST', '/ayla-dss/lookup/devices', { token: adminToken, body: { ...endpoints(), id: ACCOUNT, credentials: stored, search: THERMOSTAT } });
    assert.equal(same.status, 200, same.text);
    assert.equal((same.body as { total: number }).total, 1);
    assertNoSecrets(same, 'the look-up answer');
  });
});
