/**
 * What a user sees of the examples in a real editor (Node-RED + headless Chromium) the size of a
 * laptop screen, 1280×800: every node of every example lies inside the visible canvas when its
 * flow opens (nothing cut off at the left or hidden past the right edge), and each in-node's
 * output port says, on hover, what its messages carry.
 *
 * All examples are loaded at once as the flow file (their ids prefixed per example, as Import
 * would renumber clashing ones; positions as in the files). Their in-nodes are disabled: nothing
 * connects anywhere.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import catalog from '../../locales/en-US/ayla-dss.json';
import { UI_WAIT_MS, waitAtRest, waitUntil } from './support/editor-page';
import { useEditorSession } from './support/editor-session';

const EXAMPLES_DIR = path.resolve(__dirname, '..', '..', 'examples');
/** A laptop-sized editor. */
const VIEWPORT = { width: 1280, height: 800 };
/** Node-RED takes two clicks on tabs within 400 ms for a double-click (red.js `onTabClick`), plus a margin. */
const TAB_DOUBLE_CLICK_MS = 500;
/** Wide enough for the tab bar to show all six flow tabs, so a click picks the right one. */
const WIDE_VIEWPORT = { width: 1600, height: 1000 };

type FlowNode = Record<string, unknown> & { id: string; type: string };

/** Every example, its ids prefixed with `e<n>-` (wires, tabs and account references too); one shared account. */
function allExamples(): { flow: FlowNode[]; tabs: Array<{ file: string; tabId: string; label: string; ids: string[] }> } {
  const files = fs.readdirSync(EXAMPLES_DIR).filter((file) => file.endsWith('.json')).sort();
  const flow: FlowNode[] = [];
  const tabs: Array<{ file: string; tabId: string; label: string; ids: string[] }> = [];
  const accounts = new Set<string>();
  files.forEach((file, index) => {
    const nodes = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as FlowNode[];
    const local = new Set(nodes.filter((node) => node.type !== 'ayla-dss-account').map((node) => node.id));
    const id = (old: unknown): unknown => (typeof old === 'string' && local.has(old) ? `e${index + 1}-${old}` : old);
    const tab = nodes.find((node) => node.type === 'tab');
    assert.ok(tab, `${file} has its own flow tab`);
    tabs.push({ file, tabId: String(id(tab.id)), label: String(tab.label), ids: nodes.filter((node) => node.z === tab.id).map((node) => String(id(node.id))) });
    for (const node of nodes) {
      if (node.type === 'ayla-dss-account') {
        if (!accounts.has(node.id)) flow.push(node);
        accounts.add(node.id);
        continue;
      }
      const wires = Array.isArray(node.wires) ? (node.wires as unknown[][]).map((port) => port.map(id)) : undefined;
      flow.push({ ...node, id: String(id(node.id)), ...(node.z ? { z: id(node.z) } : {}), ...(wires ? { wires } : {}), ...(/^ayla-.*-in$/.test(node.type) ? { d: true } : {}) });
    }
  });
  return { flow, tabs };
}

/** Nodes of `ids` whose drawing is not wholly inside the visible part of the canvas, with their boxes. */
function outsideCanvas(page: import('playwright-core').Page, ids: string[]): Promise<string[]> {
  return page.evaluate((wanted: string[]) => {
    const chart = document.getElementById('red-ui-workspace-chart');
    if (!chart) return ['no #red-ui-workspace-chart'];
    const outer = chart.getBoundingClientRect();
    // The visible area: the chart's box without its scroll bars.
    const visible = { left: outer.left, top: outer.top, right: outer.left + chart.clientWidth, bottom: outer.top + chart.clientHeight };
    const problems: string[] = [];
    for (const id of wanted) {
      const group = document.querySelector(`g.red-ui-flow-node-group[id="${id}"]`);
      if (!group) {
        problems.push(`${id} is not drawn`);
        continue;
      }
      const box = group.getBoundingClientRect();
      if (box.left < visible.left || box.top < visible.top || box.right > visible.right || box.bottom > visible.bottom) {
        const at = (n: number) => Math.round(n);
        problems.push(`${id} at [${at(box.left - visible.left)}, ${at(box.top - visible.top)}, ${at(box.right - visible.left)}, ${at(box.bottom - visible.top)}] outside 0, 0, ${at(visible.right - visible.left)}, ${at(visible.bottom - visible.top)}`);
      }
    }
    return problems;
  }, ids);
}

describe('editor: the examples in a 1280×800 editor', function () {
  this.timeout(60_000);
  const examples = allExamples();

  const session = useEditorSession(() => ({ flows: examples.flow, credentials: {}, env: {} }));

  let lastTabClickAt = 0;

  /** Shows an example's flow tab (clicked in a wide window, where every tab is in view, once it stopped moving), then sizes the window. */
  async function showFlowAt(example: { tabId: string; label: string }, size: { width: number; height: number }): Promise<void> {
    const { page } = session();
    await resize(WIDE_VIEWPORT);
    const tab = `#red-ui-tab-${example.tabId}`;
    const active = () => page.evaluate((css: string) => document.querySelector(css)?.classList.contains('active') === true, tab);
    if (!(await active())) {
      // More tabs than the bar shows scroll it: bring this one into view first.
      await page.locator(tab).evaluate((element) => element.scrollIntoView({ block: 'nearest', inline: 'nearest' }));
      await waitAtRest(page, tab, `the tab of "${example.label}" is in view, at rest`);
      // Two clicks on any tabs within TAB_DOUBLE_CLICK_MS are a double-click, which opens the flow's properties.
      const wait = lastTabClickAt + TAB_DOUBLE_CLICK_MS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await page.locator(tab).click();
      lastTabClickAt = Date.now();
    }
    await waitUntil(page, `the flow "${example.label}" is shown`, (css: string) => document.querySelector(css)?.classList.contains('active') === true, tab);
    await resize(size);
  }

  async function resize(size: { width: number; height: number }): Promise<void> {
    const { page } = session();
    await page.setViewportSize(size);
    await waitUntil(page, `the editor is ${size.width}×${size.height}`, (want: { width: number; height: number }) => window.innerWidth === want.width && window.innerHeight === want.height, size);
  }

  for (const example of examples.tabs) {
    it(`"${example.file}": every node is inside the visible canvas`, async () => {
      const { page } = session();
      await showFlowAt(example, VIEWPORT);
      const last = example.ids[example.ids.length - 1];
      await waitAtRest(page, `g.red-ui-flow-node-group[id="${last}"]`, `the flow "${example.label}" is drawn and at rest`).catch(() => undefined /* off-screen: the check below says where */);
      assert.deepEqual(await outsideCanvas(page, example.ids), []);
    });
  }

  it('each in-node type says on its output port what its messages carry', async () => {
    const { page } = session();
    const seen = new Set<string>();
    for (const example of examples.tabs) {
      await showFlowAt(example, VIEWPORT);
      const inNodes = await page.evaluate((ids: string[]) => {
        const red = (window as unknown as { RED: { nodes: { node(id: string): { type: string } | null } } }).RED;
        return ids.map((id) => ({ id, type: red.nodes.node(id)?.type ?? '' })).filter((node) => /^ayla-.*-in$/.test(node.type));
      }, example.ids);
      for (const node of inNodes.filter((n) => !seen.has(n.type))) {
        seen.add(node.type);
        const port = `g.red-ui-flow-node-group[id="${node.id}"] .red-ui-flow-port-output rect.red-ui-flow-port`;
        await waitAtRest(page, port, `the output port of ${node.id} is at rest`);
        const box = await page.locator(port).first().boundingBox();
        assert.ok(box, `${node.id} has an output port`);
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        const tooltip = page.locator('.red-ui-flow-port-tooltip');
        await tooltip.waitFor({ state: 'visible', timeout: UI_WAIT_MS });
        const expected = (catalog as unknown as Record<string, { outputLabel: string }>)[node.type].outputLabel;
        assert.equal((await tooltip.textContent())?.trim(), expected, `${node.type}'s port label`);
        await page.mouse.move(5, 5);
        await tooltip.waitFor({ state: 'detached', timeout: UI_WAIT_MS });
      }
    }
    assert.deepEqual([...seen].sort(), ['ayla-connectivity-in', 'ayla-datapoint-in', 'ayla-datapointack-in', 'ayla-location-in', 'ayla-registration-in']);
  });
});
