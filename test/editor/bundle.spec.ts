/**
 * The editor bundle as the build makes it (scripts/build-editor.js): only browser-safe inputs,
 * no global of its own, six literal type registrations, and a dist/ayla-dss.html that is the
 * templates plus exactly that bundle. Runs the bundle in a Node `vm` context with a stand-in
 * RED, without a browser.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const build = require('../../scripts/build-editor.js') as {
  ALLOWED_INPUTS: RegExp[];
  bundleEditor(): { code: string; inputs: string[] };
  assembleEditorHtml(): string;
};

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** A registration the bundle made, as the stand-in RED received it. */
interface Registered {
  type: string;
  definition: Record<string, unknown> & { defaults: Record<string, { validate?: (...args: unknown[]) => unknown }> };
}

/** Runs the bundle once in a fresh context with stand-ins for what it touches while loading. */
function loadBundle(code: string): { registered: Registered[]; globalsBefore: string[]; globalsAfter: string[]; events: string[]; templates: string[] } {
  const registered: Registered[] = [];
  const events: string[] = [];
  const templates: string[] = [];
  const sharedTemplate = { textContent: '<div class="form-row"></div>', after: (element: { name: string }) => templates.push(element.name) };
  const context = vm.createContext({
    RED: {
      nodes: {
        registerType: (type: string, definition: Registered['definition']) => registered.push({ type, definition }),
        getType: () => undefined,
      },
      events: { on: (event: string) => events.push(event) },
    },
    document: {
      getElementById: (id: string) => (id === 'ayla-dss-event-in-template' ? sharedTemplate : null),
      querySelector: () => null,
      createElement: () => {
        const element = { name: '', type: '', text: '', setAttribute: (_attribute: string, value: string) => (element.name = value) };
        return element;
      },
    },
    setTimeout,
  });
  const globalsBefore = Object.getOwnPropertyNames(context).sort();
  vm.runInContext(code, context, { filename: 'ayla-dss-editor-bundle.js' });
  return { registered, globalsBefore, globalsAfter: Object.getOwnPropertyNames(context).sort(), events, templates };
}

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
    for (const shared of ['nodes/lib/node-options.ts', 'nodes/lib/endpoints.ts', 'nodes/lib/pattern-rules.ts', 'nodes/lib/event-types.ts']) {
      assert.ok(bundle.inputs.includes(shared), `the editor shares ${shared} with the runtime`);
    }
  });

  it('defines no global and registers the six types, each as one literal definition', () => {
    const loaded = loadBundle(bundle.code);
    assert.deepEqual(loaded.globalsAfter, loaded.globalsBefore, 'the bundle added a global');
    assert.deepEqual(
      loaded.registered.map((r) => r.type),
      ['ayla-dss-account', 'ayla-connectivity-in', 'ayla-datapoint-in', 'ayla-datapointack-in', 'ayla-location-in', 'ayla-registration-in'],
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
