/**
 * Words the editor shows that must match the dialog and the runtime: messages that name a
 * checkbox quote its real label, the help states the runtime's heartbeat range, and the help
 * tells installed users a command that works where they are (scripts/ is not shipped).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import catalog from '../../locales/en-US/ayla-dss.json';
import { NUMERIC_SETTINGS } from '../../nodes/lib/node-options';

const HELP = fs.readFileSync(path.resolve(__dirname, '..', '..', 'locales', 'en-US', 'ayla-dss.html'), 'utf8');
const account = catalog['ayla-dss-account'];

/** i18next placeholders of a text, sorted. */
function placeholders(text: string): string[] {
  return [...text.matchAll(/__([a-zA-Z]+)__/g)].map((m) => m[1]).sort();
}

describe('editor catalog and help', () => {
  it('names the real "allow unencrypted" checkbox wherever a message refers to it, and says each thing once', () => {
    const checkbox = account.label.allowInsecure;
    for (const [where, text] of [
      ['errors.INSECURE_URL', account.errors.INSECURE_URL],
      ['error.insecureStreamUrl', account.error.insecureStreamUrl],
      ['error.insecureHttpUrl', account.error.insecureHttpUrl],
    ]) {
      assert.ok(text.includes(`\u201c${checkbox}\u201d`), `${where} quotes the checkbox label: ${text}`);
      assert.ok(!/allow insecure transport/i.test(text.replace('__detail__', '')), `${where} names no other checkbox`);
    }
    assert.deepEqual(placeholders(account.errors.INSECURE_URL), ['detail'], 'the runtime passes __detail__ only');
  });

  it('states the heartbeat range the runtime enforces', () => {
    const { min, max } = NUMERIC_SETTINGS.heartbeatTimeout;
    assert.deepEqual(placeholders(account.error.heartbeatTimeout), ['max', 'min']);
    assert.ok(HELP.includes(`from ${min} to ${max}`), `the help says "from ${min} to ${max}"`);
  });

  it('tells installed users to run npx ayla-dss-sim, never an npm script of the source tree', () => {
    assert.ok(HELP.includes('npx ayla-dss-sim'));
    assert.ok(!/npm (run|start)/.test(HELP), 'npm run / npm start only work in a clone of the repository');
    assert.ok(!/npm (run|start)/.test(JSON.stringify(catalog)));
  });

  it('every example that mentions the simulator names npx ayla-dss-sim, never an npm script of the source tree', () => {
    const examplesDir = path.resolve(__dirname, '..', '..', 'examples');
    const files = fs.readdirSync(examplesDir).filter((name) => name.endsWith('.json'));
    assert.ok(files.length >= 10, 'the examples are there');
    for (const file of files) {
      const text = fs.readFileSync(path.join(examplesDir, file), 'utf8');
      assert.ok(!/npm (run|start)/.test(text), `${file}: npm run / npm start only work in a clone of the repository`);
      if (/simulator/i.test(text)) assert.ok(text.includes('npx ayla-dss-sim'), `${file} says how to start the simulator`);
    }
  });
});
