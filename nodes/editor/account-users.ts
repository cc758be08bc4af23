/**
 * Which nodes use an account, and which of them make it sign in: the event-in nodes with the
 * `auto` source create subscriptions, which needs the account's credentials.
 */
import { EVENT_TYPES } from '../lib/event-types';
import { sourceOf } from './spec-fields';
import type { EditorNode } from './red-api';

/** The config node type of an account. */
export const ACCOUNT_TYPE = 'ayla-dss-account';

/** The five event-in node types. */
export const EVENT_IN_TYPES: readonly string[] = EVENT_TYPES.map((eventType) => `ayla-${eventType}-in`);

/** True for one of the five event-in types. */
export function isEventInType(type: unknown): boolean {
  return typeof type === 'string' && EVENT_IN_TYPES.includes(type);
}

/** True when the node will not run: disabled itself or on a disabled flow. */
function isDisabled(node: EditorNode): boolean {
  return node.d === true || (typeof node.z === 'string' && RED.nodes.workspace(node.z)?.disabled === true);
}

/** Enabled event-in nodes of `accountId` that create a subscription (source `auto`). */
export function countSignInUsers(accountId: string): number {
  let count = 0;
  RED.nodes.eachNode((node) => {
    if (isEventInType(node.type) && node.account === accountId && sourceOf(node.source) === 'auto' && !isDisabled(node)) count++;
  });
  return count;
}
