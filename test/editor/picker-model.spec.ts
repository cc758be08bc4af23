/**
 * The pure parts behind the pickers, the running options, the out node's label and the
 * accounts given to imported nodes, run in Node without a browser.
 */
import { strict as assert } from 'node:assert';
import { customUrlProblem, EndpointError, resolveEndpoints } from '../../nodes/lib/endpoints';
import { NUMERIC_SETTINGS, readNumericSetting } from '../../nodes/lib/node-options';
import { customUrlFieldProblem, writeRateProblem } from '../../nodes/editor/account-settings';
import { outTarget } from '../../nodes/editor/datapoint-out-type';
import { inputsFor, neverStarts } from '../../nodes/editor/event-in-options';
import { assignAccounts, defaultAccount, nodesWithoutAccount, planAccounts } from '../../nodes/editor/import-accounts';
import { numericFieldProblem } from '../../nodes/editor/numeric-settings';
import {
  accountSettingsOf,
  deviceDetail,
  devicesRequest,
  firstNamed,
  isWritable,
  lookupFailure,
  modelChoices,
  namedEntries,
  propertiesRequest,
  propertyChoices,
  propertyDetail,
  searchText,
  withPicked,
  type LookupAccount,
  type PropertyChoice,
} from '../../nodes/editor/picker-model';

const PROPERTIES: PropertyChoice[] = [
  { name: 'target_temp', displayName: 'Target temperature', baseType: 'decimal', direction: 'input', readOnly: false },
  { name: 'current_temp', displayName: 'Temperature', baseType: 'decimal', direction: 'output', readOnly: false },
  { name: 'firmware_channel', displayName: 'Firmware channel', baseType: 'string', direction: 'input', readOnly: true },
  { name: 'snapshot', displayName: null, baseType: 'file', direction: 'input', readOnly: false },
  { name: 'fan_on', displayName: 'Fan', baseType: 'boolean', direction: 'input', readOnly: false },
];

describe('editor pickers: reading and filling a field', () => {
  it('searches the entry being typed: the last of a comma list, nothing for *', () => {
    assert.equal(searchText('AC1, AC2, ac0', true), 'ac0');
    assert.equal(searchText('AC1, ', true), '');
    assert.equal(searchText('*', true), '');
    assert.equal(searchText(' thermo ', false), 'thermo');
    assert.equal(searchText('a, b', false), 'a, b', 'a single field is searched whole');
  });

  it('completes the last entry of a list, drops a lone * and repeats; a single field takes the value', () => {
    assert.equal(withPicked('AC1, AC', 'AC2', true), 'AC1, AC2');
    assert.equal(withPicked('*', 'AC2', true), 'AC2');
    assert.equal(withPicked('*, AC', 'AC2', true), 'AC2');
    assert.equal(withPicked('AC2, AC', 'AC2', true), 'AC2');
    assert.equal(withPicked('anything', 'x', false), 'x');
  });

  it('names the first device or model of a list, and the entries to check (no *, no repeats, bounded)', () => {
    assert.equal(firstNamed('*, AC1, AC2'), 'AC1');
    assert.equal(firstNamed(' * '), null);
    assert.deepEqual(namedEntries('AC1, *, AC2, AC1', true, 10), ['AC1', 'AC2']);
    assert.deepEqual(namedEntries('a,b,c,d', true, 2), ['a', 'b']);
    assert.deepEqual(namedEntries(' x ', false, 5), ['x']);
    assert.deepEqual(namedEntries('', false, 5), []);
  });
});

describe('editor pickers: what each choice shows', () => {
  it('describes a device by what is known of it', () => {
    assert.equal(deviceDetail({ dsn: 'AC1', productName: 'Kitchen', oemModel: 'plug', connectionStatus: 'Online' }), 'Kitchen · plug · Online');
    assert.equal(deviceDetail({ dsn: 'AC1', productName: null, oemModel: 'plug', connectionStatus: null }), 'plug');
  });

  it('describes a property by display name, base type, direction and read-only, in the catalog words', () => {
    const words = { input: 'to the device', output: 'from the device', readOnly: 'read-only' };
    assert.equal(propertyDetail(PROPERTIES[1], words), 'Temperature · decimal · from the device');
    assert.equal(propertyDetail(PROPERTIES[2], words), 'Firmware channel · string · to the device · read-only');
  });

  it('offers an out node only inputs that are not read-only and not files', () => {
    assert.deepEqual(PROPERTIES.filter(isWritable).map((p) => p.name), ['target_temp', 'fan_on']);
    assert.deepEqual(propertyChoices(PROPERTIES, '', true).map((p) => p.name), ['target_temp', 'fan_on']);
  });

  it('searches property names and display names, every word, any case', () => {
    assert.deepEqual(propertyChoices(PROPERTIES, 'TEMPERATURE', false).map((p) => p.name), ['target_temp', 'current_temp']);
    assert.deepEqual(propertyChoices(PROPERTIES, 'target temp', false).map((p) => p.name), ['target_temp']);
    assert.deepEqual(propertyChoices(PROPERTIES, 'snap', false).map((p) => p.name), ['snapshot']);
  });

  it('lists each OEM model once, in order, with a product name', () => {
    const devices = [
      { dsn: '1', productName: 'A', oemModel: 'm1', connectionStatus: null },
      { dsn: '2', productName: 'B', oemModel: 'm2', connectionStatus: null },
      { dsn: '3', productName: 'C', oemModel: 'm1', connectionStatus: null },
      { dsn: '4', productName: 'D', oemModel: null, connectionStatus: null },
    ];
    assert.deepEqual(modelChoices(devices), [{ model: 'm1', productName: 'A' }, { model: 'm2', productName: 'B' }]);
  });
});

describe('editor pickers: requests', () => {
  const settings = accountSettingsOf('acc/1', { region: 'custom', streamUrl: ' ws://127.0.0.1:1/stream ', deviceUrl: 'http://127.0.0.1:2', credentials: { email: 'a@b.c', password: '__PWRD__' } });
  const deployed: LookupAccount = { id: 'acc/1', deployed: true, settings };
  const edited: LookupAccount = { ...deployed, deployed: false };

  it('reads an account node as the POST routes take it, stored passwords left for the runtime', () => {
    assert.equal(settings.streamUrl, 'ws://127.0.0.1:1/stream');
    assert.equal(settings.deployment, 'field');
    assert.deepEqual(settings.credentials, { email: 'a@b.c', password: '__PWRD__', appId: '', appSecret: '' });
    assert.equal(accountSettingsOf('x', {}).region, 'us');
  });

  it('asks a deployed account with GET (escaped id and DSN, paged, refresh on request), an edited one with POST', () => {
    assert.deepEqual(devicesRequest(deployed, { search: 'a b', limit: 20, offset: 40, refresh: true }), {
      method: 'GET',
      url: 'ayla-dss/accounts/acc%2F1/devices?search=a+b&limit=20&offset=40&refresh=1',
    });
    assert.equal(devicesRequest(deployed, { search: '', limit: 20, offset: 0, refresh: false }).url.includes('refresh'), false);
    assert.deepEqual(propertiesRequest(deployed, 'AC/1', false), { method: 'GET', url: 'ayla-dss/accounts/acc%2F1/devices/AC%2F1/properties' });
    const post = devicesRequest(edited, { search: 'x', limit: 20, offset: 0, refresh: false });
    assert.equal(post.method, 'POST');
    assert.equal(post.url, 'ayla-dss/lookup/devices');
    assert.deepEqual(post.method === 'POST' && { id: post.body.id, deviceUrl: post.body.deviceUrl, search: post.body.search, limit: post.body.limit }, { id: 'acc/1', deviceUrl: 'http://127.0.0.1:2', search: 'x', limit: 20 });
    const properties = propertiesRequest(edited, 'AC1', true);
    assert.deepEqual(properties.method === 'POST' && [properties.url, properties.body.dsn, properties.body.refresh], ['ayla-dss/lookup/properties', 'AC1', true]);
  });

  it('reads a failure: the route\'s code and message, else the transport\'s reason', () => {
    assert.deepEqual(lookupFailure({ code: 'STORED_CREDENTIALS_ELSEWHERE', message: 'retype' }, 'x'), { code: 'STORED_CREDENTIALS_ELSEWHERE', message: 'retype' });
    assert.deepEqual(lookupFailure(undefined, 'timeout'), { code: '', message: 'timeout' });
  });
});

describe('editor: running options, out node label, account settings', () => {
  it('gives a node with the control input one input port, and warns when nothing would start it', () => {
    assert.deepEqual([inputsFor(true), inputsFor(false), inputsFor(undefined)], [1, 0, 0]);
    assert.equal(neverStarts(false, false), true);
    assert.equal(neverStarts(false, true), false);
    assert.equal(neverStarts(true, false), false);
    assert.equal(neverStarts(undefined, false), false, 'an old flow starts by itself');
  });

  it('labels an out node by what it writes to, parts from the message left empty', () => {
    assert.equal(outTarget('AC1', 'power'), 'AC1/power');
    assert.equal(outTarget('', 'power'), '/power');
    assert.equal(outTarget(' ', undefined), '');
  });

  it('checks write rate and ack timeout with the runtime\'s bounds and names the range', () => {
    for (const name of ['writeRate', 'ackTimeout'] as const) {
      const { min, max } = NUMERIC_SETTINGS[name];
      assert.equal(numericFieldProblem(name, ''), null);
      assert.equal(numericFieldProblem(name, max), null);
      assert.deepEqual(numericFieldProblem(name, max + 1)?.params, { min, max });
      assert.throws(() => readNumericSetting(name, max + 1), /whole number/);
    }
    assert.equal(writeRateProblem(0)?.key, 'ayla-dss-account.error.writeRate');
  });

  it('checks the device-service URL in every region with the runtime\'s rule', () => {
    for (const [value, insecure] of [['http://ads.example.com', false], ['https://u:p@ads.example.com', false], ['ftp://x', false], ['http://127.0.0.1:9', false], ['https://ads.example.com', false]] as const) {
      const editor = customUrlFieldProblem('deviceUrl', value, 'eu', insecure);
      let runtime: string | null = null;
      try {
        resolveEndpoints({ region: 'eu', deployment: 'field', clientType: 'cloud', deviceUrl: value, allowInsecure: insecure });
      } catch (error) {
        assert.ok(error instanceof EndpointError);
        runtime = error.code;
      }
      assert.equal(customUrlProblem('deviceUrl', value, insecure), runtime, value);
      assert.equal(editor === null, runtime === null, `${value}: the editor and the runtime agree`);
    }
    assert.equal(customUrlFieldProblem('apiUrl', 'nonsense', 'eu', false), null, 'the custom URLs only count in the custom region');
  });
});

describe('editor: imported nodes share the account by type', () => {
  const example = () => [
    { id: 'tab', type: 'tab' },
    { id: 'in', type: 'ayla-datapoint-in', account: '' },
    { id: 'out', type: 'ayla-datapoint-out', account: 'ayla-example-account' },
    { id: 'dbg', type: 'debug' },
  ];

  it('finds the nodes whose account is empty or exists nowhere', () => {
    assert.deepEqual(nodesWithoutAccount(example(), []).map((n) => n.id), ['in', 'out']);
    assert.deepEqual(nodesWithoutAccount(example(), ['ayla-example-account']).map((n) => n.id), ['in']);
    assert.deepEqual(nodesWithoutAccount([...example(), { id: 'ayla-example-account', type: 'ayla-dss-account' }], []).map((n) => n.id), ['in'], 'an account in the import counts');
  });

  it('gives them the only account, adds one when there is none, leaves the choice when there are several', () => {
    assert.deepEqual(planAccounts(example(), ['acc'], () => 'new'), { kind: 'existing', id: 'acc' });
    assert.deepEqual(planAccounts(example(), [], () => 'new'), { kind: 'new', account: defaultAccount('new') });
    assert.deepEqual(planAccounts(example(), ['a', 'b'], () => 'new'), { kind: 'choose' });
    assert.deepEqual(planAccounts([{ id: 'x', type: 'debug' }], [], () => 'new'), { kind: 'none' });
  });

  it('two imports in a row: the first adds an account, the second uses it', () => {
    const accounts: string[] = [];
    const first = example();
    const plan = assignAccounts(first, accounts, () => 'added');
    assert.equal(plan.kind, 'new');
    assert.deepEqual(first.filter((n) => n.type.startsWith('ayla-')).map((n) => n.account), ['added', 'added']);
    accounts.push('added');
    const second = example();
    assert.deepEqual(assignAccounts(second, accounts, () => 'another'), { kind: 'existing', id: 'added' });
    assert.deepEqual(second.filter((n) => n.type.startsWith('ayla-')).map((n) => n.account), ['added', 'added']);
  });
});
