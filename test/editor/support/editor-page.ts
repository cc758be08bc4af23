/**
 * What a user does in the Node-RED editor, as Playwright steps: wait for the editor, drag a
 * node from the palette, wire two ports, deploy, read the debug sidebar. Interactions go through
 * the real mouse and DOM; the RED API is only read (to find ids and check results).
 *
 * Every wait is bounded and fails with a sentence saying what did not happen.
 */
import type { Page } from 'playwright-core';

/** Default deadline of a UI wait (15 s: a deploy restarts the flows and reconnects the streams). */
export const UI_WAIT_MS = 15_000;
/** Intermediate mouse positions of a drag: jQuery UI and the canvas need real motion, not a jump. */
const DRAG_STEPS = 12;

/** The editor's global, seen from test code (only the members used here). */
interface EditorGlobal {
  nodes: {
    filterNodes(filter: { type?: string; z?: string }): Array<{ id: string }>;
    node(id: string): Record<string, unknown> | null;
    filterLinks(filter: { source?: { id: string }; target?: { id: string } }): unknown[];
    dirty(): boolean;
  };
  workspaces: { active(): string };
}
declare const RED: EditorGlobal;

/** Point in page coordinates. */
export interface Point {
  x: number;
  y: number;
}

/**
 * `page.waitForFunction` with a deadline and a readable failure: the error names the condition
 * instead of Playwright's generic timeout text.
 */
export async function waitUntil<A>(page: Page, what: string, condition: (arg: A) => unknown, arg: A, timeoutMs = UI_WAIT_MS): Promise<void> {
  try {
    // The arguments used here are plain JSON, which Playwright passes through unchanged
    // (its Unboxed<A> is A for them); the cast only tells the compiler so.
    await page.waitForFunction(condition as (arg: unknown) => unknown, arg as unknown, { timeout: timeoutMs, polling: 100 });
  } catch (error) {
    throw new Error(`timed out after ${timeoutMs} ms waiting until ${what} (${(error as Error).message.split('\n')[0]})`);
  }
}

/** Opens the editor and waits until the palette shows our nodes and the flows are loaded. */
export async function openEditor(page: Page, url: string, paletteType: string): Promise<void> {
  await page.goto(url, { timeout: UI_WAIT_MS });
  await waitUntil(
    page,
    `the editor is loaded and the palette lists ${paletteType}`,
    (type: string) =>
      typeof RED !== 'undefined' &&
      !!document.querySelector(`.red-ui-palette-node[data-palette-type="${type}"]`) &&
      !!document.querySelector('#red-ui-workspace-chart svg') &&
      RED.nodes.filterNodes({}).length > 0,
    paletteType,
    30_000,
  );
}

/** Centre of the first element the selector matches, which must be visible. */
export async function centreOf(page: Page, selector: string): Promise<Point> {
  const box = await page.locator(selector).first().boundingBox();
  if (!box) throw new Error(`${selector} is not visible`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Presses at `from`, moves in small steps to `to`, releases: what a hand does. */
export async function mouseDrag(page: Page, from: Point, to: Point): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  // A first small move starts jQuery UI's drag (it waits for a few pixels of motion).
  await page.mouse.move(from.x + 5, from.y + 5, { steps: 2 });
  await page.mouse.move(to.x, to.y, { steps: DRAG_STEPS });
  await page.mouse.up();
}

/**
 * Waits until the first element `selector` matches is in the viewport, has not moved since the
 * previous poll (100 ms earlier), and is what a press at its centre would hit: palettes re-lay
 * out and the edit tray slides in, so a position read too early is a press in the wrong place.
 */
export function waitAtRest(page: Page, selector: string, what: string): Promise<void> {
  return waitUntil(
    page,
    what,
    (css: string) => {
      const element = document.querySelector(css) as HTMLElement | null;
      const box = element?.getBoundingClientRect();
      if (!element || !box || box.height === 0 || box.top < 0 || box.bottom > window.innerHeight) return false;
      const where = `${box.left},${box.top}`;
      const still = element.dataset.e2eLastBox === where;
      element.dataset.e2eLastBox = where;
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      return still && !!hit && element.contains(hit);
    },
    selector,
  );
}

/** Clicks away every notification on show (a click closes one) and waits until none is left. */
export async function dismissNotifications(page: Page): Promise<void> {
  const shown = page.locator('#red-ui-notifications .red-ui-notification:visible');
  for (let i = await shown.count(); i > 0; i--) {
    await shown.first().click().catch(() => undefined /* it closed by itself in the meantime */);
  }
  await waitUntil(
    page,
    'no notification is on show',
    () => Array.from(document.querySelectorAll('#red-ui-notifications .red-ui-notification')).every((n) => (n as HTMLElement).offsetParent === null),
    undefined,
    5_000,
  );
}

/** Ids of the nodes of `type` in the editor right now. */
export function nodeIds(page: Page, type: string): Promise<string[]> {
  return page.evaluate((t: string) => RED.nodes.filterNodes({ type: t }).map((n) => n.id), type);
}

/**
 * Types `filter` into the palette search, drags the matching palette entry of `type` onto the
 * workspace at `offset` from the canvas' top-left corner and returns the new node's id.
 */
export async function dragFromPalette(page: Page, type: string, filter: string, offset: Point): Promise<string> {
  const before = new Set(await nodeIds(page, type));
  // Typed key by key: the palette filters on key events, not on a programmatic value change.
  const search = page.locator('#red-ui-palette-search input');
  await search.click();
  await search.pressSequentially(filter);
  const entry = `.red-ui-palette-node[data-palette-type="${type}"]`;
  // The palette re-lays out while it filters (and slowly on a busy machine).
  await waitAtRest(page, entry, `the palette filter "${filter}" leaves the ${type} entry in view, at rest`);
  const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
  if (!chart) throw new Error('the workspace is not visible');
  await mouseDrag(page, await centreOf(page, entry), { x: chart.x + offset.x, y: chart.y + offset.y });
  // Clear the filter the way it was typed, so the whole palette shows again.
  await search.click();
  await search.press('ControlOrMeta+A');
  await search.press('Backspace');
  await waitUntil(
    page,
    `a new ${type} node is on the workspace`,
    (args: { t: string; known: string[] }) => RED.nodes.filterNodes({ type: args.t }).some((n) => !args.known.includes(n.id)),
    { t: type, known: [...before] },
  );
  const added = (await nodeIds(page, type)).filter((id) => !before.has(id));
  if (added.length !== 1) throw new Error(`expected one new ${type} node, found ${added.length}`);
  return added[0];
}

/** Selector of a node's body rectangle on the canvas (Node-RED gives the node's <g> its id). */
export function nodeBody(id: string): string {
  return `g.red-ui-flow-node-group[id="${id}"] rect.red-ui-flow-node`;
}

/**
 * Double-clicks a node on the canvas and waits for its edit tray. Waits first until the node is
 * at rest and on top: right after the editor loads, the sidebar and tips still move the canvas.
 */
export async function openNodeDialog(page: Page, id: string, readySelector: string): Promise<void> {
  await waitAtRest(page, `g.red-ui-flow-node-group[id="${id}"]`, `node ${id} is on the canvas, at rest`);
  const centre = await centreOf(page, nodeBody(id));
  await page.mouse.dblclick(centre.x, centre.y);
  await page.locator(readySelector).waitFor({ state: 'visible', timeout: UI_WAIT_MS });
  await waitForTrayFocus(page, readySelector);
}

/**
 * Waits until the focus is inside the edit tray that holds `selector`. Node-RED focuses a new
 * tray's first field 150 ms after the tray starts to slide in (red.js `RED.tray.show`): keys a
 * test types into another field before that land in the wrong one.
 */
export function waitForTrayFocus(page: Page, selector: string): Promise<void> {
  return waitUntil(
    page,
    `the edit tray of ${selector} has the focus`,
    (css: string) => {
      const tray = document.querySelector(css)?.closest('.red-ui-tray');
      return !!tray && !!document.activeElement && tray.contains(document.activeElement);
    },
    selector,
    UI_WAIT_MS,
  );
}

/** Drags from `from`'s output port to `to`'s input port and checks the wire exists. */
export async function wireByMouse(page: Page, from: string, to: string): Promise<void> {
  const output = await centreOf(page, `g.red-ui-flow-node-group[id="${from}"] .red-ui-flow-port-output rect.red-ui-flow-port`);
  const input = await centreOf(page, `g.red-ui-flow-node-group[id="${to}"] .red-ui-flow-port-input rect.red-ui-flow-port`);
  await mouseDrag(page, output, input);
  await waitUntil(
    page,
    `a wire joins ${from} to ${to}`,
    (ids: { from: string; to: string }) => RED.nodes.filterLinks({ source: { id: ids.from }, target: { id: ids.to } }).length === 1,
    { from, to },
    5_000,
  );
}

/** Clicks Deploy, fails on any confirmation (invalid or unknown nodes), and waits until nothing is left to deploy. */
export async function deploy(page: Page): Promise<void> {
  await page.locator('#red-ui-header-button-deploy').click();
  await waitUntil(
    page,
    'the deploy finished (no unsaved changes) or asked for confirmation',
    () => !RED.nodes.dirty() || !!document.querySelector('.red-ui-deploy-dialog-confirm-list'),
    undefined,
  );
  const confirmation = page.locator('.red-ui-deploy-dialog-confirm-list');
  if ((await confirmation.count()) > 0) {
    throw new Error(`deploy asked for confirmation about: ${(await confirmation.first().innerText()).trim()}`);
  }
}

/** Waits until a node shows a green "connected" status (sent by the runtime over comms). */
export function waitConnected(page: Page, id: string, timeoutMs = UI_WAIT_MS): Promise<void> {
  return waitUntil(
    page,
    `node ${id} shows a green "connected" status`,
    (nodeId: string) => {
      const status = RED.nodes.node(nodeId)?.status as { fill?: string; text?: string } | undefined;
      return !!status && status.fill === 'green' && String(status.text).startsWith('connected');
    },
    id,
    timeoutMs,
  );
}

/** Shows the debug sidebar tab and clears its messages. */
export async function openDebugSidebar(page: Page): Promise<void> {
  await page.locator('#red-ui-tab-debug-link-button').click();
  await page.locator('#red-ui-sidebar-debug-clear').waitFor({ state: 'visible', timeout: UI_WAIT_MS });
  await page.locator('#red-ui-sidebar-debug-clear').click();
}

/** CSS class the debug sidebar gives messages from one debug node. */
function debugClass(debugNodeId: string): string {
  return `red-ui-debug-msg-node-${debugNodeId.replace(/\./g, '_')}`;
}

/** Topics of the messages the debug sidebar shows for one debug node, oldest first. */
export function debugTopics(page: Page, debugNodeId: string): Promise<string[]> {
  return page.evaluate(
    (cls: string) => Array.from(document.querySelectorAll(`.red-ui-debug-msg.${cls} .red-ui-debug-msg-topic`)).map((el) => (el.textContent ?? '').trim()),
    debugClass(debugNodeId),
  );
}

/** Waits until the debug sidebar shows a message from `debugNodeId` whose topic starts with `topic`. */
export function waitForDebugTopic(page: Page, debugNodeId: string, topic: string, timeoutMs = UI_WAIT_MS): Promise<void> {
  return waitUntil(
    page,
    `the debug sidebar shows a message with topic ${topic} from debug node ${debugNodeId}`,
    (args: { cls: string; topic: string }) =>
      Array.from(document.querySelectorAll(`.red-ui-debug-msg.${args.cls} .red-ui-debug-msg-topic`)).some((el) => (el.textContent ?? '').trim().startsWith(args.topic)),
    { cls: debugClass(debugNodeId), topic },
    timeoutMs,
  );
}

/** One overlap or clipping problem in a rendered filter list, or none. */
export interface ListLayout {
  rows: number;
  problems: string[];
}

/**
 * Geometry check of an editableList in the open dialog: rows do not overlap each other, the
 * container is tall enough for all of them (nothing clipped), and the add button sits below.
 */
export function filterListLayout(page: Page, listId: string): Promise<ListLayout> {
  return page.evaluate((id: string) => {
    const problems: string[] = [];
    const list = document.getElementById(id);
    if (!list) return { rows: 0, problems: [`#${id} is missing`] };
    const container = list.closest('.red-ui-editableList-container');
    const wrapper = list.closest('.red-ui-editableList');
    const add = wrapper?.querySelector(':scope > .red-ui-editableList-addButton, .red-ui-editableList-addButton');
    if (!container) return { rows: 0, problems: [`#${id} is not an editableList`] };
    const box = container.getBoundingClientRect();
    const rows = Array.from(list.children).filter((el) => (el as HTMLElement).offsetParent !== null);
    const SLACK_PX = 1;
    rows.forEach((row, index) => {
      const r = row.getBoundingClientRect();
      if (r.height < 20) problems.push(`row ${index} is only ${r.height}px tall`);
      if (r.bottom > box.bottom + SLACK_PX) problems.push(`row ${index} (bottom ${r.bottom}) is clipped by the list (bottom ${box.bottom})`);
      const next = rows[index + 1]?.getBoundingClientRect();
      if (next && next.top < r.bottom - SLACK_PX) problems.push(`row ${index + 1} (top ${next.top}) overlaps row ${index} (bottom ${r.bottom})`);
      const controls = Array.from(row.querySelectorAll('select, input')) as HTMLElement[];
      controls.forEach((control) => {
        const c = control.getBoundingClientRect();
        if (c.bottom > r.bottom + SLACK_PX || c.top < r.top - SLACK_PX) problems.push(`a ${control.tagName.toLowerCase()} of row ${index} sticks out of its row`);
      });
    });
    if (add) {
      const a = add.getBoundingClientRect();
      if (a.top < box.bottom - SLACK_PX) problems.push(`the add button (top ${a.top}) overlaps the list (bottom ${box.bottom})`);
    }
    if (box.height < 20) problems.push(`the list is only ${box.height}px tall`);
    return { rows: rows.length, problems };
  }, listId);
}

/** What the open node dialog shows: which of the asked-for elements exist, and what is wrong. */
export interface DialogForm {
  /** The ids from the question that the form has. */
  present: string[];
  /** `data-i18n` keys whose text or attribute is empty or still the bare key. */
  untranslated: string[];
  /** Visible rows that overlap the row above them. */
  overlaps: string[];
}

/**
 * Reads the open node dialog (`#dialog-form`): which of `ids` exist, every `data-i18n` key
 * that Node-RED could not translate (i18next answers a missing key with the key itself), and
 * visible top-level rows that overlap the row before them.
 */
export function readDialogForm(page: Page, ids: string[]): Promise<DialogForm> {
  return page.evaluate((wanted: string[]) => {
    const form = document.getElementById('dialog-form');
    if (!form) return { present: [], untranslated: ['#dialog-form is missing'], overlaps: [] };
    const present = wanted.filter((id) => form.querySelector(`[id="${id}"]`) !== null);
    const untranslated: string[] = [];
    form.querySelectorAll('[data-i18n]').forEach((el) => {
      for (const spec of (el.getAttribute('data-i18n') ?? '').split(';')) {
        const attribute = /^\[([^\]]+)\]/.exec(spec)?.[1];
        const key = spec.replace(/^\[[^\]]+\]/, '');
        const bareKey = key.replace(/^[^:]+:/, '');
        const shown = (attribute ? el.getAttribute(attribute) : el.textContent) ?? '';
        if (shown.trim() === '' || shown.includes(bareKey)) untranslated.push(spec);
      }
    });
    const overlaps: string[] = [];
    // Node-RED prepends absolutely placed off-screen trap inputs (against browser auto-fill): not rows.
    const rows = Array.from(form.children).filter(
      (el) => (el as HTMLElement).offsetParent !== null && el.getBoundingClientRect().height > 0 && getComputedStyle(el).position !== 'absolute',
    );
    const SLACK_PX = 1;
    rows.forEach((row, index) => {
      const previous = rows[index - 1]?.getBoundingClientRect();
      const top = row.getBoundingClientRect().top;
      if (previous && top < previous.bottom - SLACK_PX) {
        overlaps.push(`row ${index} "${(row.textContent ?? '').trim().slice(0, 30)}" (top ${top}) overlaps the row above (bottom ${previous.bottom})`);
      }
    });
    return { present, untranslated, overlaps };
  }, ids);
}
