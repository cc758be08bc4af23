/**
 * Which nodes use an account, and which of them make it sign in: the event-in nodes with the
 * `auto` source create subscriptions, and those reading initial values and the out nodes use
 * the device service; each needs the account's credentials.
 */
import { EVENT_TYPES } from '../lib/event-types';
import { sourceOf } from './spec-fields';
import type { EditorNode } from './red-api';

/** The config node type of an account. */
export const ACCOUNT_TYPE = 'ayla-dss-account';

/** The five event-in node types. */
export const EVENT_IN_TYPES: readonly string[] = EVENT_TYPES.map((eventType) => `ayla-${eventType}-in`);

/** The out node type. */
export const OUT_TYPE = 'ayla-datapoint-out';

/** True for a node type that uses an account: the five event-in types and the out node. */
export function isAccountUserType(type: unknown): boolean {
  return isEventInType(type) || type === OUT_TYPE;
}

/** True for one of the five event-in types. */
export function isEventInType(type: unknown): boolean {
  return typeof type === 'string' && EVENT_IN_TYPES.includes(type);
}

/** True when the node will not run: disabled itself or on a disabled flow. */
function isDisabled(node: EditorNode): boolean {
  return node.d === true || (typeof node.z === 'string' && RED.nodes.workspace(node.z)?.disabled === true);
}

/** True when `node` makes its account sign in: an out node, or an in-node that subscribes (source `auto`) or reads initial values. */
export function signsIn(node: { type: unknown; source?: unknown; initial?: unknown }): boolean {
  if (node.type === OUT_TYPE) return true;
  return isEventInType(node.type) && (sourceOf(node.source) === 'auto' || node.initial === true);
}

/** Enabled nodes of `accountId` that make it sign in ({@link signsIn}). */
export function countSignInUsers(accountId: string): number {
  let count = 0;
  RED.nodes.eachNode((node) => {
    if (node.account === accountId && signsIn(node) && !isDisabled(node)) count++;
  });
  return count;
}
