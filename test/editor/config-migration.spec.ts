/**
 * The editor's side of the config migration (nodes/editor/flow-import.ts), without a browser:
 * the bundle runs in a `vm` context whose stand-in `RED.nodes.import` records what reaches it.
 * A 0.1.0 flow arrives in the current shape, with every default the editor declares today and its
 * unknown properties declared so Node-RED keeps them; a newer flow arrives untouched and is
 * reported once. The same import through a real editor, exported again: config-migration-e2e.spec.ts.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_VERSION, isMigratedType } from '../../nodes/lib/config-migration';
import { loadBundle } from './support/bundle-context';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const build = require('../../scripts/build-editor.js') as { bundleEditor(): { code: string } };

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'flows', '0.1.0-flow.json');
type FlowNode = Record<string, unknown> & { id: string; type: string };

describe('editor config migration (bundle in a vm)', function () {
  this.timeout(20_000);
  let code: string;
  const fixtureText = () => fs.readFileSync(FIXTURE, 'utf8');

  before(() => {
    code = build.bundleEditor().code;
  });

  it('wraps RED.nodes.import: a 0.1.0 flow (JSON text) arrives migrated, with every default the editor declares', () => {
    const bundle = loadBundle(code);
    const options = { generateIds: true };
    bundle.importFlow(fixtureText(), options);
    assert.equal(bundle.imported.length, 1);
    assert.equal(bundle.imported[0].options, options, "Node-RED's options pass through");
    const flow = bundle.imported[0].flow as FlowNode[];
    assert.ok(Array.isArray(flow), 'the text was parsed');
    const defaultsOf = new Map(bundle.registered.map((r) => [r.type, r.definition.defaults]));
    for (const node of flow.filter((n) => isMigratedType(n.type))) {
      assert.equal(node.configVersion, CONFIG_VERSION, `${node.id} is at the current version`);
      for (const property of Object.keys(defaultsOf.get(node.type) ?? {})) {
        assert.ok(property in node, `${node.id} (${node.type}) has ${property} after the migration`);
      }
    }
    const account = flow.find((n) => n.type === 'ayla-dss-account');
    assert.equal(account?.instanceLabel, '');
    const others = flow.filter((n) => !isMigratedType(n.type));
    assert.ok(others.length > 0 && others.every((n) => !('configVersion' in n)), 'core nodes are left alone');
  });

  it('declares unknown properties in their type\'s defaults (no value), so Node-RED imports and exports them', () => {
    const bundle = loadBundle(code);
    const datapointDefaults = () => bundle.registered.find((r) => r.type === 'ayla-datapoint-in')?.definition.defaults ?? {};
    const accountDefaults = () => bundle.registered.find((r) => r.type === 'ayla-dss-account')?.definition.defaults ?? {};
    assert.equal('futureOption' in datapointDefaults(), false);
    bundle.importFlow(JSON.parse(fixtureText()));
    const flow = bundle.imported[0].flow as FlowNode[];
    assert.deepEqual(flow.find((n) => n.id === 'temp')?.futureOption, { x: 1 }, 'kept on the node');
    assert.ok('futureOption' in datapointDefaults());
    assert.equal(datapointDefaults().futureOption.value, undefined, 'no value: nodes without it export nothing');
    assert.equal(datapointDefaults().futureOption.validate, undefined);
    assert.ok('futureAccountOption' in accountDefaults());
    for (const nodeRedOwn of ['x', 'y', 'z', 'wires', 'credentials', 'id', 'type']) {
      assert.equal(nodeRedOwn in datapointDefaults(), false, `${nodeRedOwn} is Node-RED's own, not declared`);
    }
  });

  it('a node saved by a newer version arrives untouched, and the editor warns once (escaped)', () => {
    const bundle = loadBundle(code);
    // A catalog stand-in whose text holds HTML-significant characters, to see them escaped.
    const account = bundle.registered.find((r) => r.type === 'ayla-dss-account');
    if (account) account.definition._ = (key: string, params: Record<string, unknown>) => `<${key}> ${String(params.version)} & ${String(params.known)}`;
    const newer = { id: 'n', type: 'ayla-dss-account', configVersion: CONFIG_VERSION + 1, heartbeatTimeout: '60', renamed: '<b>x</b>' };
    bundle.importFlow([{ ...newer }]);
    bundle.importFlow([{ ...newer, id: 'n2' }]);
    assert.deepEqual((bundle.imported[0].flow as FlowNode[])[0], newer);
    assert.equal(bundle.notified.length, 1, 'one warning per editor session');
    assert.equal(bundle.notified[0].type, 'warning');
    assert.equal(bundle.notified[0].message, `&lt;ayla-dss-account.messages.newer-config-editor&gt; ${CONFIG_VERSION + 1} &amp; ${CONFIG_VERSION}`);
  });

  it('passes on text that is not JSON, for Node-RED to report', () => {
    const bundle = loadBundle(code);
    bundle.importFlow('[{ not json');
    assert.equal(bundle.imported[0].flow, '[{ not json');
  });
});
