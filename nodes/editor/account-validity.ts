/**
 * Keeps accounts' validity current while their users change. Whether an account without
 * credentials is valid depends on its event-in and out nodes (see credentials-check.ts), but
 * Node-RED re-validates a config node only when the config node itself is edited: so when such
 * a node is added, removed or edited, its account is validated again here, and then the nodes
 * using it (their validity includes the account's).
 */
import { ACCOUNT_TYPE, isAccountUserType } from './account-users';
import type { EditorNode } from './red-api';

/** Node-RED's events after which an event-in node may have started or stopped needing credentials. */
const USER_EVENTS = ['nodes:add', 'nodes:remove', 'nodes:change', 'editor:save'];

/** Validates every account and its users again; redraws when a validity changed. */
function revalidateAccounts(): void {
  let changed = false;
  RED.nodes.eachConfig((config) => {
    if (config.type !== ACCOUNT_TYPE) return;
    const before = config.valid;
    RED.editor.validateNode(config);
    if (config.valid === before) return;
    changed = true;
    for (const user of config.users ?? []) RED.editor.validateNode(user);
  });
  if (changed) RED.view.redraw(true);
}

function isEditorNode(subject: unknown): subject is EditorNode {
  return typeof subject === 'object' && subject !== null && typeof (subject as EditorNode).type === 'string';
}

/**
 * Starts following Node-RED's node events. One pass per burst (an import adds many nodes at
 * once): the pass runs after the current event handlers, when the flow is complete again.
 */
export function followAccountUsers(): void {
  let scheduled = false;
  const onEvent = (subject?: unknown): void => {
    if (scheduled || !isEditorNode(subject) || !isAccountUserType(subject.type)) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      revalidateAccounts();
    }, 0);
  };
  for (const event of USER_EVENTS) RED.events.on(event, onEvent);
}
