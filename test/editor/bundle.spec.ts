/**
 * The editor bundle as the build makes it (scripts/build-editor.js): only browser-safe inputs,
 * no global of its own, seven literal type registrations, and a dist/ayla-dss.html that is the
 * templates plus exactly that bundle. Runs the bundle in a Node `vm` context with a stand-in
 * RED, without a browser (support/bundle-context.ts).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { INITIAL_EVENT_TYPES } from '../../nodes/lib/initial-values';
import { NUMERIC_SETTINGS } from '../../nodes/lib/node-options';
import { loadBundle } from './support/bundle-context';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const build = require('../../scripts/build-editor.js') as {
  ALLOWED_INPUTS: RegExp[];
  bundleEditor(): { code: string; inputs: string[] };
  assembleEditorHtml(): string;
};

const REPO_ROOT = path.resolve(__dirname, '..', '..');

describe('editor bundle', function () {
  this.timeout(20_000);
  let bundle: { code: string; inputs: string[] };

  before(() => {
    bundle = build.bundleEditor();
  });

  it('contains only nodes/editor, the pure nodes/lib modules and small pure dependencies', () => {
    const outside = bundle.inputs.filter((input) => !build.ALLOWED_INPUTS.some((allowed) => allowed.test(input)));
    assert.deepEqual(outside, []);
    assert.ok(!bundle.inputs.some((input) => /ajv|node:|\/ws\//.test(input)), `no ajv, ws or Node built-in: ${bundle.inputs.join(', ')}`);
    for (const shared of ['nodes/lib/node-options.ts', 'nodes/lib/endpoints.ts', 'nodes/lib/pattern-rules.ts', 'nodes/lib/event-types.ts', 'nodes/lib/config-migration.ts', 'nodes/lib/partition.ts']) {
      assert.ok(bundle.inputs.includes(shared), `the editor shares ${shared} with the runtime`);
    }
  });

  it('defines no global and registers the seven types, each as one literal definition', () => {
    const loaded = loadBundle(bundle.code);
    assert.deepEqual(loaded.globalsAfter, loaded.globalsBefore, 'the bundle added a global');
    assert.deepEqual(
      loaded.registered.map((r) => r.type),
      ['ayla-dss-account', 'ayla-connectivity-in', 'ayla-datapoint-in', 'ayla-datapointack-in', 'ayla-location-in', 'ayla-registration-in', 'ayla-datapoint-out'],
    );
    for (const { type, definition } of loaded.registered) {
      assert.match(String(definition.icon), /^ayla-[a-z-]+\.svg$/, `${type} names its icon`);
      assert.ok(fs.existsSync(path.join(REPO_ROOT, 'icons', String(definition.icon))), `${type}: icons/${String(definition.icon)} exists`);
      // Node-RED shows a validator's message only when the function declares two parameters.
      for (const [property, entry] of Object.entries(definition.defaults)) {
        if (entry.validate) assert.equal(entry.validate.length, 2, `${type}.${property}: validate(value, options)`);
      }
    }
    assert.deepEqual(loaded.templates.sort(), ['ayla-connectivity-in', 'ayla-datapoint-in', 'ayla-datapointack-in', 'ayla-location-in', 'ayla-registration-in']);
    assert.ok(loaded.events.includes('editor:save'), 'follows edits of event-in nodes to re-validate their accounts');
  });

  it('gives the heartbeat its runtime default and the event-in types their own properties only', () => {
    const { registered } = loadBundle(bundle.code);
    const byType = new Map(registered.map((r) => [r.type, r.definition.defaults as Record<string, { value?: unknown }>]));
    assert.equal(byType.get('ayla-dss-account')?.heartbeatTimeout.value, 90);
    assert.ok(byType.get('ayla-datapoint-in')?.propertyFilter);
    assert.ok(!byType.get('ayla-location-in')?.propertyFilter);
    assert.ok(byType.get('ayla-connectivity-in')?.statuses);
    assert.equal(byType.get('ayla-datapoint-in')?.dsns.value, '*');
    assert.equal(byType.get('ayla-dss-account')?.instanceLabel.value, '');
    for (const [type, defaults] of byType) assert.equal(defaults.configVersion?.value, 1, `${type} starts at config version 1`);
  });

  it('gives the in-nodes their running options, initial values where the runtime reads them, and the out node its target and ack', () => {
    const { registered } = loadBundle(bundle.code);
    const byType = new Map(registered.map((r) => [r.type, r.definition.defaults as Record<string, { value?: unknown; type?: string; required?: boolean }>]));
    for (const eventType of ['connectivity', 'datapoint', 'datapointack', 'location', 'registration']) {
      const defaults = byType.get(`ayla-${eventType}-in`);
      assert.deepEqual([defaults?.partition.value, defaults?.autoStart.value, defaults?.control.value, defaults?.inputs.value], ['', true, false, 0], eventType);
      assert.equal('initial' in (defaults ?? {}), (INITIAL_EVENT_TYPES as readonly string[]).includes(eventType), `${eventType}: initial exactly where the runtime reads initial values`);
    }
    const account = byType.get('ayla-dss-account');
    assert.deepEqual([account?.deviceUrl.value, account?.writeRate.value], ['', NUMERIC_SETTINGS.writeRate.default]);
    const out = byType.get('ayla-datapoint-out');
    assert.deepEqual(Object.keys(out ?? {}).sort(), ['account', 'ackTimeout', 'configVersion', 'dsn', 'name', 'property', 'waitForAck']);
    assert.deepEqual([out?.account.type, out?.account.required, out?.waitForAck.value, out?.ackTimeout.value], ['ayla-dss-account', true, false, NUMERIC_SETTINGS.ackTimeout.default]);
    const definition = registered.find((r) => r.type === 'ayla-datapoint-out')?.definition;
    assert.deepEqual([definition?.category, definition?.inputs, definition?.outputs, definition?.icon], ['Ayla DSS', 1, 1, 'ayla-datapoint-out.svg']);
    assert.equal(definition?.category, registered.find((r) => r.type === 'ayla-datapoint-in')?.definition.category, 'in the in-nodes\' palette category');
  });

  it('labels the output port of each event-in type (a function: the catalog is read when the label is shown)', () => {
    const { registered } = loadBundle(bundle.code);
    for (const { type, definition } of registered.filter((r) => r.type !== 'ayla-dss-account')) {
      assert.equal(typeof definition.outputLabels, 'function', `${type} has output labels`);
      // Without a catalog the stand-in translates to the key: the key names the type.
      assert.equal((definition.outputLabels as (index: number) => string)(0), `${type}.outputLabel`);
    }
  });
});

describe('editor html (dist/ayla-dss.html)', () => {
  it('is the templates with the bundle as their one script, in place of the marker', function () {
    this.timeout(20_000);
    const html = build.assembleEditorHtml();
    const source = fs.readFileSync(path.join(REPO_ROOT, 'nodes', 'ayla-dss.html'), 'utf8');
    assert.ok(!/<script[^>]*text\/javascript/.test(source), 'nodes/ayla-dss.html holds no code');
    assert.equal(source.split('<!-- ayla-dss:editor-bundle -->').length, 2, 'one marker');
    const scripts = [...html.matchAll(/<script type="text\/javascript">/g)];
    assert.equal(scripts.length, 1);
    assert.ok(!html.includes('<!-- ayla-dss:editor-bundle -->'));
    assert.ok(html.includes('data-template-name="ayla-dss-account"') && html.includes('id="ayla-dss-event-in-template"'));
  });
});
