/**
 * The config migration (nodes/lib/config-migration.ts), pure: a 0.1.0 flow (the fixture) comes
 * out in the current shape, retyped properties are converted, unknown properties are kept as
 * they are, the input is never changed, and a newer version than the package knows is left alone.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CONFIG_VERSION,
  configVersionOf,
  isMigratedType,
  migrateNodeConfig,
  MIGRATED_TYPES,
  newerConfigVersion,
  type NodeProperties,
} from '../../nodes/lib/config-migration';
import { NUMERIC_SETTINGS } from '../../nodes/lib/node-options';

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'flows', '0.1.0-flow.json');
const ACCOUNT = 'ayla-dss-account';

function fixture(): Array<NodeProperties & { id: string; type: string }> {
  return JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Array<NodeProperties & { id: string; type: string }>;
}

describe('config migration', () => {
  it('is at version 1, for the account, the five in-node types and the out node', () => {
    assert.equal(CONFIG_VERSION, 1);
    assert.deepEqual([...MIGRATED_TYPES].sort(), [
      'ayla-connectivity-in',
      'ayla-datapoint-in',
      'ayla-datapoint-out',
      'ayla-datapointack-in',
      'ayla-dss-account',
      'ayla-location-in',
      'ayla-registration-in',
    ]);
    assert.equal(isMigratedType('debug'), false);
  });

  it('reads a missing or unusable version as 0 (0.1.0 wrote none)', () => {
    for (const [props, version] of [
      [{}, 0],
      [{ configVersion: 1 }, 1],
      [{ configVersion: '1' }, 1],
      [{ configVersion: 7 }, 7],
      [{ configVersion: -1 }, 0],
      [{ configVersion: 1.5 }, 0],
      [{ configVersion: 'x' }, 0],
      [{ configVersion: null }, 0],
    ] as const) {
      assert.equal(configVersionOf(props), version, JSON.stringify(props));
    }
  });

  it('brings the 0.1.0 fixture to the current shape and keeps its unknown properties untouched', () => {
    const flow = fixture();
    const before = JSON.stringify(flow);
    const migrated = flow.map((node) => (isMigratedType(node.type) ? migrateNodeConfig(node.type, node) : node));
    assert.equal(JSON.stringify(flow), before, 'the input is not changed');

    const account: NodeProperties = migrated.find((node) => node.type === ACCOUNT) ?? {};
    const original: NodeProperties = flow.find((node) => node.type === ACCOUNT) ?? {};
    assert.deepEqual(account, { ...original, configVersion: 1, instanceLabel: '', deviceUrl: '', writeRate: 5 } as NodeProperties);
    assert.equal(account.futureAccountOption, 'kept as written');

    const temp: NodeProperties = migrated.find((node) => node.id === 'temp') ?? {};
    const tempBefore: NodeProperties = flow.find((node) => node.id === 'temp') ?? {};
    const added = tempBefore.type === 'ayla-datapoint-in' || tempBefore.type === 'ayla-connectivity-in' || tempBefore.type === 'ayla-location-in' ? { initial: false } : {};
    assert.deepEqual(temp, { ...tempBefore, configVersion: 1, partition: '', autoStart: true, control: false, ...added } as NodeProperties);
    assert.equal(temp.futureOption, tempBefore.futureOption, 'the unknown value is the same object, not a copy');
    assert.deepEqual(temp.futureOption, { x: 1 });

    for (const node of migrated) {
      if (isMigratedType(node.type)) assert.equal(node.configVersion, 1, `${node.id} has a version`);
      else assert.equal(node.configVersion, undefined, `${node.id} (${node.type}) is not ours and is left alone`);
    }
  });

  it('is idempotent: a current node comes back equal', () => {
    for (const node of fixture().filter((n) => isMigratedType(n.type))) {
      const once = migrateNodeConfig(node.type, node);
      assert.deepEqual(migrateNodeConfig(node.type, once), once);
    }
  });

  it('account: numeric heartbeat text becomes a number, empty or missing the default; other text stays for the validators', () => {
    const heartbeat = (value: unknown): unknown => migrateNodeConfig(ACCOUNT, value === undefined ? {} : { heartbeatTimeout: value }).heartbeatTimeout;
    const fallback = NUMERIC_SETTINGS.heartbeatTimeout.default;
    assert.equal(heartbeat('60'), 60);
    assert.equal(heartbeat(' 45 '), 45);
    assert.equal(heartbeat('2.5'), 2.5, 'converted; the range check is the validators\' job');
    assert.equal(heartbeat(''), fallback);
    assert.equal(heartbeat('   '), fallback);
    assert.equal(heartbeat(undefined), fallback);
    assert.equal(heartbeat(null), fallback);
    assert.equal(heartbeat(120), 120);
    assert.equal(heartbeat('abc'), 'abc');
  });

  it('account: "true"/"false" text for allowInsecure becomes a boolean (0.1.0 read "true" as true); anything else stays', () => {
    assert.equal(migrateNodeConfig(ACCOUNT, { allowInsecure: 'true' }).allowInsecure, true);
    assert.equal(migrateNodeConfig(ACCOUNT, { allowInsecure: 'false' }).allowInsecure, false);
    assert.equal(migrateNodeConfig(ACCOUNT, { allowInsecure: true }).allowInsecure, true);
    assert.equal(migrateNodeConfig(ACCOUNT, { allowInsecure: 'yes' }).allowInsecure, 'yes');
    assert.equal((migrateNodeConfig(ACCOUNT, {}) as NodeProperties).allowInsecure, undefined, 'a missing value keeps meaning "no"');
  });

  it('account: keeps a set instance label, fills an absent one', () => {
    assert.equal(migrateNodeConfig(ACCOUNT, { instanceLabel: 'plant-a' }).instanceLabel, 'plant-a');
    assert.equal(migrateNodeConfig(ACCOUNT, { instanceLabel: null }).instanceLabel, '');
  });

  it('a newer version than the package knows: every property as it is, and reported', () => {
    const newer = { configVersion: CONFIG_VERSION + 1, heartbeatTimeout: '60', renamedLater: 'x', allowInsecure: 'true' };
    const result = migrateNodeConfig(ACCOUNT, newer);
    assert.deepEqual(result, newer);
    assert.notEqual(result, newer, 'still a copy');
    assert.equal(newerConfigVersion(result), CONFIG_VERSION + 1);
    assert.equal(newerConfigVersion(migrateNodeConfig(ACCOUNT, {})), null);
  });

  it('keeps non-enumerable properties (Node-RED hands constructors a non-enumerable _flow)', () => {
    const flowObject = { id: 'flow' };
    const props: NodeProperties = { id: 'a', type: ACCOUNT };
    Object.defineProperty(props, '_flow', { value: flowObject, enumerable: false, writable: true });
    const result = migrateNodeConfig(ACCOUNT, props);
    assert.equal((result as { _flow?: unknown })._flow, flowObject);
    assert.equal(Object.keys(result).includes('_flow'), false, 'and keeps it non-enumerable');
  });

  it('leaves nodes of other packages alone', () => {
    const debug = { id: 'd', type: 'debug', complete: 'payload' };
    assert.deepEqual(migrateNodeConfig('debug', debug), debug);
  });
});
