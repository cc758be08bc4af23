/**
 * The account picker row of the event-in dialogs: Node-RED turns the template's
 * `#node-input-account` into its config-node select; this component adds the line under it
 * that says when the chosen account cannot serve this node (no or partial credentials while
 * the node creates its own subscription), before a deploy turns the node red.
 */
import { credentialsProblem, filledCredentials } from './credentials-check';
import { createFieldMessage } from './field-message';
import { sourceOf } from './spec-fields';
import { countSignInUsers } from './account-users';
import { describe } from './translate';

/** Mounts the hint under the account row and keeps it current while account or source change. */
export function createAccountPicker(accountSelect: JQuery, sourceSelect: JQuery): void {
  const hint = createFieldMessage(accountSelect.closest('.form-row'));
  function refresh(): void {
    const account = RED.nodes.node(String(accountSelect.val() ?? ''));
    if (!account) {
      hint.show(null);
      return;
    }
    // This node counts as a user of the chosen account when it creates a subscription,
    // whatever is stored yet.
    const otherUsers = countSignInUsers(account.id);
    const users = sourceOf(sourceSelect.val()) === 'auto' ? Math.max(otherUsers, 1) : otherUsers;
    const found = credentialsProblem(filledCredentials(account.credentials), users);
    hint.show(found ? describe(found) : null);
  }
  accountSelect.on('change', refresh);
  sourceSelect.on('change', refresh);
  refresh();
}
