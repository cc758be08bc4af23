/**
 * The README's pictures are made by scripts/screenshots.ts (`npm run screenshots`); this runs
 * the same code into a temporary folder, so a change to the editor that breaks a step of the
 * walk-through fails here instead of leaving stale pictures: every file is written, is a PNG,
 * and fits a 1280×800 screen; and the README shows each picture that docs/images/ holds.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SCREEN, SCREENSHOTS, takeScreenshots } from '../../scripts/screenshots';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const REPO_ROOT = path.resolve(__dirname, '..', '..');

describe('editor: the README pictures (scripts/screenshots.ts)', function () {
  this.timeout(120_000);
  let dir = '';

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ayla-dss-screenshots-'));
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('walks through the editor and writes every picture, each a PNG within 1280×800', async () => {
    const written = await takeScreenshots(dir);
    assert.deepEqual(written.map((file) => path.basename(file)), [...SCREENSHOTS]);
    for (const file of written) {
      const bytes = fs.readFileSync(file);
      assert.ok(bytes.subarray(0, 8).equals(PNG_SIGNATURE), `${path.basename(file)} is a PNG`);
      const width = bytes.readUInt32BE(16);
      const height = bytes.readUInt32BE(20);
      assert.ok(width > 200 && width <= SCREEN.width && height > 200 && height <= SCREEN.height, `${path.basename(file)} is ${width}×${height}`);
    }
  });

  it('the README shows every committed picture, and names the script that makes them', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    for (const name of SCREENSHOTS) {
      assert.ok(fs.existsSync(path.join(REPO_ROOT, 'docs', 'images', name)), `docs/images/${name} is committed`);
      assert.ok(readme.includes(`docs/images/${name}`), `the README shows docs/images/${name}`);
    }
    assert.ok(readme.includes('npm run screenshots'), 'the README names the script');
  });
});
