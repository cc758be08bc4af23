// Layout guard: after the build, every Node-RED entry named in package.json must have what
// Node-RED loads beside it (compiled js, editor html, en-US catalog and help), and every
// type, icon and help page the editor refers to must exist. Catches a broken assemble step
// before a user installs the package.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  files: string[];
  main: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  'node-red': { version: string; nodes: Record<string, string> };
};

function registeredTypes(html: string): string[] {
  return [...html.matchAll(/RED\.nodes\.registerType\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
}

describe('package layout', () => {
  const entries = Object.entries(pkg['node-red'].nodes);

  it('names at least one Node-RED entry inside dist/ and ships dist', () => {
    assert.ok(entries.length > 0);
    for (const [, file] of entries) assert.match(file, /^dist\//);
    assert.ok(pkg.files.includes('dist'));
    assert.deepEqual(Object.keys(pkg.dependencies).sort(), ['ajv', 'safe-regex2', 'ws']);
  });

  for (const [name, file] of entries) {
    describe(`entry ${name}`, () => {
      const js = path.join(root, file);
      const dir = path.dirname(js);
      const base = path.basename(js, '.js');
      const editorHtml = path.join(dir, `${base}.html`);
      const catalog = path.join(dir, 'locales', 'en-US', `${base}.json`);
      const help = path.join(dir, 'locales', 'en-US', `${base}.html`);

      it('has the compiled js, editor html, en-US catalog and help beside it', () => {
        for (const f of [js, editorHtml, catalog, help]) assert.ok(fs.existsSync(f), `missing ${path.relative(root, f)}`);
        assert.doesNotThrow(() => JSON.parse(fs.readFileSync(catalog, 'utf8')), 'catalog is not valid JSON');
      });

      it('exports a function Node-RED can call', () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const mod = require(js);
        assert.equal(typeof mod, 'function');
      });

      it('has help and a catalog section for every registered type, and every icon', () => {
        const html = fs.readFileSync(editorHtml, 'utf8');
        const types = registeredTypes(html);
        assert.ok(types.length >= 6, `expected six node types, found ${types.join(', ')}`);
        const helpText = fs.readFileSync(help, 'utf8');
        const messages = JSON.parse(fs.readFileSync(catalog, 'utf8')) as Record<string, unknown>;
        for (const type of types) {
          assert.ok(helpText.includes(`data-help-name="${type}"`), `no help for ${type}`);
          assert.ok(messages[type], `no catalog section for ${type}`);
        }
        for (const [, icon] of html.matchAll(/icon:\s*['"]([^'"]+\.svg)['"]/g)) {
          assert.ok(fs.existsSync(path.join(dir, 'icons', icon)), `missing icon ${icon}`);
        }
      });
    });
  }

  it('builds the simulator bin and the library entry', () => {
    for (const file of [pkg.main, ...Object.values(pkg.bin)]) {
      assert.ok(fs.existsSync(path.join(root, file)), `missing ${file}`);
    }
    const cli = fs.readFileSync(path.join(root, pkg.bin['ayla-dss-sim']), 'utf8');
    assert.ok(cli.startsWith('#!/usr/bin/env node'), 'the bin needs a node shebang');
  });

  it('keeps examples importable: every file is a JSON array of nodes with blank credentials', () => {
    const dir = path.join(root, 'examples');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 6, 'at least one example per in-node type plus a home-automation flow');
    for (const f of files) {
      const flow = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Array<Record<string, unknown>>;
      assert.ok(Array.isArray(flow), `${f} is not an array`);
      assert.ok(flow.some((n) => n.type === 'comment'), `${f} has no comment node`);
      for (const node of flow) {
        const creds = node.credentials as Record<string, string> | undefined;
        for (const value of Object.values(creds ?? {})) assert.equal(value, '', `${f} carries a credential`);
      }
    }
  });
});
