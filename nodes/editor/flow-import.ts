/**
 * Brings this package's nodes to the current config shape as the editor loads or imports them
 * (lib/config-migration.ts, shared with the runtime), so that a deploy or an export writes the
 * new shape, and keeps the properties this version does not know (written by a newer one).
 *
 * Why around `RED.nodes.import` and not in a `nodes:add` handler: Node-RED (3.1 to 4.1, red.js
 * `importNodes`) builds each node from the flow JSON by copying only the properties its type's
 * `defaults` declare, before `nodes:add` fires; an unknown property is gone by then, and setting
 * a property of a node on a locked flow throws. Every load and import path (the flow load, the
 * Import dialog and paste, undo, the deploy's "merge") calls `RED.nodes.import` through the
 * `RED.nodes` object, so wrapping it sees the JSON first. There each node of ours is migrated,
 * and each unknown property it carries is declared in its type's `defaults` with no value:
 * Node-RED then copies it in and exports it again, and a node without it exports nothing.
 */
import { CONFIG_VERSION, isMigratedType, migrateNodeConfig, newerConfigVersion, type NodeProperties } from '../lib/config-migration';
import { isEventInType } from './account-users';
import { notifyText } from './escape';
import { assignAccounts, editorAccounts } from './import-accounts';
import { inputsFor } from './event-in-options';
import { t } from './translate';

/** Properties Node-RED itself imports and exports for every node, whatever its `defaults`. */
const NODE_RED_PROPERTIES: ReadonlySet<string> = new Set([
  'id', 'type', 'z', 'g', 'd', 'l', 'x', 'y', 'w', 'h', 'wires', 'info', 'credentials', 'inputLabels', 'outputLabels', 'icon', 'inputs', 'outputs', 'users',
]);

/** `RED.nodes.import`: the flow as JSON text, one node or an array of nodes, and Node-RED's options. */
type ImportFunction = (this: unknown, flow: unknown, ...options: unknown[]) => unknown;

function isNodeObject(value: unknown): value is NodeProperties & { type: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as NodeProperties).type === 'string';
}

/**
 * Migrates `node` (a node of ours in flow JSON) in place: Node-RED's import keeps using the same
 * object. Returns the version when it is newer than this package knows, else null.
 */
export function migrateInPlace(node: NodeProperties & { type: string }): number | null {
  const migrated = migrateNodeConfig(node.type, node) as NodeProperties;
  for (const key of Object.keys(node)) if (!(key in migrated)) delete node[key];
  Object.assign(node, migrated);
  return newerConfigVersion(node);
}

/** The properties of `node` that neither its type's `defaults` nor Node-RED itself know. */
export function unknownProperties(node: NodeProperties, defaults: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(node).filter(
    (key) => !Object.prototype.hasOwnProperty.call(defaults, key) && !NODE_RED_PROPERTIES.has(key) && !key.startsWith('_'),
  );
}

/** Declares each unknown property of `node` in its type's `defaults` (no value, no validator), so Node-RED keeps it. */
function keepUnknownProperties(node: NodeProperties & { type: string }): void {
  const definition = RED.nodes.getType(node.type);
  if (!definition) return;
  for (const key of unknownProperties(node, definition.defaults)) definition.defaults[key] = { value: undefined };
}

/**
 * The flow to hand to Node-RED's import: JSON text is parsed (text that does not parse is
 * passed on, for Node-RED to report), each node of ours is migrated in place, and an in-node
 * with a control input but no `inputs` (written by hand or by another tool) gets its port.
 *
 * @param onNewer - called with the version of each node saved by a newer package version
 */
export function prepareImport(flow: unknown, onNewer: (version: number) => void): unknown {
  let parsed = flow;
  if (typeof flow === 'string') {
    try {
      parsed = JSON.parse(flow) as unknown;
    } catch {
      return flow; // Node-RED says what is wrong with it
    }
  }
  for (const node of Array.isArray(parsed) ? parsed : [parsed]) {
    if (!isNodeObject(node) || !isMigratedType(node.type)) continue;
    const newer = migrateInPlace(node);
    if (newer !== null) onNewer(newer);
    keepUnknownProperties(node);
    if (isEventInType(node.type) && node.inputs === undefined) node.inputs = inputsFor(node.control);
  }
  return parsed;
}

/** True for the options Node-RED's import takes from the user's Import, Examples and paste (red.js `RED.view.importNodes`). */
function isUserImport(options: unknown): boolean {
  return typeof options === 'object' && options !== null && (options as { markChanged?: unknown }).markChanged === true;
}

/** A fresh node id as Node-RED makes them. */
function newNodeId(): string {
  const ids = RED.nodes as unknown as { id?: () => string };
  return typeof ids.id === 'function' ? ids.id() : Math.random().toString(16).slice(2, 18);
}

/**
 * Wraps `RED.nodes.import` (once, when the bundle loads, before Node-RED loads the flows). Nodes
 * saved by a newer version are reported once per editor session, as a warning notification;
 * nodes the user imports without a usable account get one (import-accounts.ts).
 */
export function installFlowImport(): void {
  const nodes = RED.nodes as unknown as { import?: ImportFunction };
  const original = nodes.import;
  if (typeof original !== 'function') return;
  let warned = false;
  const onNewer = (version: number): void => {
    if (warned) return;
    warned = true;
    notifyText(t('ayla-dss-account.messages.newer-config-editor', { version, known: CONFIG_VERSION }), 'warning');
  };
  // Node-RED's other arguments (its options) pass through as they are; only the flow is prepared.
  nodes.import = function importMigrated(this: unknown, flow: unknown, ...rest: unknown[]): unknown {
    const prepared = prepareImport(flow, onNewer);
    // Only what the user imports: the flow load, undo and a deploy's merge keep their accounts as they are.
    if (isUserImport(rest[0]) && Array.isArray(prepared)) {
      const plan = assignAccounts(prepared.filter(isNodeObject), editorAccounts(), newNodeId);
      if (plan.kind === 'new') {
        prepared.push(plan.account);
        notifyText(t('ayla-dss-account.tip.importedAccount'), 'warning');
      }
    }
    return original.call(this, prepared, ...rest);
  };
}
