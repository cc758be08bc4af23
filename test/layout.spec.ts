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
  devDependencies: Record<string, string>;
  engines: { node: string };
  'node-red': { version: string; nodes: Record<string, string> };
};

/** [major, minor] of a ">=MAJOR.MINOR.0" range, the only form the claims below use. */
function floor(range: string, what: string): [number, number] {
  const m = /^>=(\d+)\.(\d+)\.0$/.exec(range);
  assert.ok(m, `${what} should read ">=MAJOR.MINOR.0", not "${range}"`);
  return [Number(m[1]), Number(m[2])];
}

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

  it('claims the Node.js and Node-RED versions CI tests, and says so in the README', () => {
    // The compatibility matrix .ci/run runs (scripts/compat.js): Node-RED version (null: the
    // devDependency) on a Node.js major. Read as text: the script runs when required.
    const compat = fs.readFileSync(path.join(root, 'scripts', 'compat.js'), 'utf8');
    const matrix = [...compat.matchAll(/\{ key: '([^']+)', nodeRed: (?:'([^']+)'|null), nodeMajor: (\d+) \}/g)].map((m) => ({
      key: m[1],
      nodeRed: m[2] ?? /^[~^]?(\d+\.\d+)\./.exec(pkg.devDependencies['node-red'])?.[1],
      nodeMajor: Number(m[3]),
    }));
    assert.ok(matrix.length >= 2, 'scripts/compat.js has no ENTRIES this test can read');
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

    // engines.node: the Node.js line the whole suite runs on in CI, and nothing below it.
    const [nodeMajor, nodeMinor] = floor(pkg.engines.node, 'engines.node');
    assert.equal(Math.min(...matrix.map((e) => e.nodeMajor)), nodeMajor, 'engines.node names the lowest Node.js major of the matrix');
    const [runMajor, runMinor] = process.versions.node.split('.').map(Number);
    assert.ok(runMajor > nodeMajor || (runMajor === nodeMajor && runMinor >= nodeMinor), `these tests run on Node.js ${process.version}, below engines.node ${pkg.engines.node}`);
    assert.ok(readme.includes(`Node.js ${nodeMajor}.${nodeMinor} or newer`), `the README should say "Node.js ${nodeMajor}.${nodeMinor} or newer"`);

    // node-red.version: the lowest Node-RED of the matrix; the README names every one tested.
    const [redMajor, redMinor] = floor(pkg['node-red'].version, 'node-red.version');
    const lowest = matrix.map((e) => e.nodeRed ?? '').sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))[0];
    assert.equal(lowest, `${redMajor}.${redMinor}`, 'node-red.version names the lowest Node-RED of the matrix');
    assert.ok(readme.includes(`Node-RED ${redMajor}.${redMinor} or newer`), `the README should say "Node-RED ${redMajor}.${redMinor} or newer"`);
    for (const entry of matrix) assert.ok(readme.includes(`Node-RED ${entry.key}`), `the README should name Node-RED ${entry.key}, which CI tests`);
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
