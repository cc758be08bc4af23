/**
 * A flow exported from 0.1.0 (test/fixtures/flows/0.1.0-flow.json), imported through a real
 * editor's Import dialog and exported again through its Export dialog, comes out in the current
 * shape: every node of this package at config version 1 with today's defaults (the account's
 * instance label), and the properties no version knows kept as they were. Nodes of other packages
 * are exported as Node-RED exports them. Nothing is deployed.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_VERSION, isMigratedType } from '../../nodes/lib/config-migration';
import { nodeIds, waitUntil } from './support/editor-page';
import { importFlow, showFlow, useEditorSession } from './support/editor-session';

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'flows', '0.1.0-flow.json');
type FlowNode = Record<string, unknown> & { id: string; type: string };

/** Menu > Export > current flow: the JSON text Node-RED would copy or download. */
async function exportCurrentFlow(page: import('playwright-core').Page): Promise<FlowNode[]> {
  await page.locator('#red-ui-header-button-sidemenu').click();
  await page.locator('#menu-item-export').click();
  await page.locator('#red-ui-clipboard-dialog-export-rng-flow').click();
  await waitUntil(
    page,
    'the Export dialog holds the current flow',
    () => ((document.getElementById('red-ui-clipboard-dialog-export-text') as HTMLTextAreaElement | null)?.value ?? '').includes('ayla-dss-account'),
    undefined,
  );
  const text = await page.locator('#red-ui-clipboard-dialog-export-text').inputValue();
  await page.locator('#red-ui-clipboard-dialog-cancel').click();
  await page.locator('#red-ui-clipboard-dialog-cancel').waitFor({ state: 'hidden' });
  return JSON.parse(text) as FlowNode[];
}

describe('editor: a 0.1.0 flow imported and exported again', function () {
  this.timeout(60_000);

  const session = useEditorSession(() => ({
    flows: [
      { id: 'migration-tab', type: 'tab', label: 'Start', disabled: false, info: '' },
      { id: 'migration-comment', type: 'comment', z: 'migration-tab', name: 'start', info: '', x: 120, y: 60, wires: [] },
    ],
    credentials: {},
    env: {},
  }));

  it('exports the new shape, with the unknown properties kept', async () => {
    const { page } = session();
    const fixture = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as FlowNode[];
    assert.ok(fixture.every((node) => !('configVersion' in node)), 'the fixture has no config versions (0.1.0)');
    await importFlow(page, fixture);
    await waitUntil(page, 'the flow is imported', (id: string) => !!(window as unknown as { RED: { nodes: { node(id: string): unknown } } }).RED.nodes.node(id), 'temp');
    assert.deepEqual(await nodeIds(page, 'ayla-datapoint-in'), ['temp'], 'imported with its ids (no clash)');
    await showFlow(page, String(fixture.find((node) => node.type === 'tab')?.label));

    const exported = await exportCurrentFlow(page);
    const byId = new Map(exported.map((node) => [node.id, node]));
    for (const original of fixture) {
      const node = byId.get(original.id);
      assert.ok(node, `${original.id} is exported`);
      if (!isMigratedType(original.type)) {
        assert.equal('configVersion' in node, false, `${original.id} (${original.type}) is not ours`);
        continue;
      }
      assert.equal(node.configVersion, CONFIG_VERSION, `${original.id} is at the current version`);
      for (const [property, value] of Object.entries(original)) {
        if (['credentials', 'x', 'y', 'z', 'wires'].includes(property)) continue;
        assert.deepEqual(node[property], value, `${original.id}.${property} kept`);
      }
    }
    const account = byId.get('ayla-example-account') as FlowNode;
    assert.equal(account.instanceLabel, '', 'the account has the instance label, empty');
    assert.equal(account.heartbeatTimeout, 90);
    assert.equal(account.futureAccountOption, 'kept as written');
    assert.deepEqual(byId.get('temp')?.futureOption, { x: 1 }, 'the unknown property is kept');
    assert.equal('futureOption' in (byId.get('offline') as FlowNode), false, 'and not added to nodes that had none');
  });
});
