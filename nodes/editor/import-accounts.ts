/**
 * Imported nodes share the user's account by type, not by a fixed id: the examples carry no
 * account node, and neither may a flow exported without one. When the user imports nodes of
 * ours (Import, Examples, paste) whose account is empty or names an account that neither the
 * import nor the editor has, they get the editor's only account; when the editor has none yet,
 * one default account is added with the import and every later import finds it. So importing
 * two examples never clashes over an account id and never makes a second account. With
 * several accounts to choose from, the nodes are left for the user to choose (their dialog
 * offers the accounts, and Deploy names them until then).
 */
import { ACCOUNT_TYPE, isAccountUserType } from './account-users';

/** A node as flow JSON holds it. */
type FlowNode = Record<string, unknown> & { type: string };

/** What to do with an import's nodes that have no usable account. */
export type AccountPlan =
  | { kind: 'none' }
  /** Give them this existing account. */
  | { kind: 'existing'; id: string }
  /** Add a default account (this node) and give it to them. */
  | { kind: 'new'; account: FlowNode }
  /** Several accounts exist: the user chooses. */
  | { kind: 'choose' };

/** The settings of the account added for an import: the runtime's defaults, no name, no credentials. */
export function defaultAccount(id: string): FlowNode {
  return { id, type: ACCOUNT_TYPE, name: '', region: 'us', deployment: 'field', clientType: 'cloud' };
}

/** The nodes of `flow` that use an account but name none that exists (in the import or among `existingAccounts`). */
export function nodesWithoutAccount(flow: readonly FlowNode[], existingAccounts: readonly string[]): FlowNode[] {
  const imported = new Set(flow.filter((node) => node.type === ACCOUNT_TYPE).map((node) => String(node.id)));
  return flow.filter((node) => {
    if (!isAccountUserType(node.type)) return false;
    const account = typeof node.account === 'string' ? node.account : '';
    return account === '' || (!imported.has(account) && !existingAccounts.includes(account));
  });
}

/**
 * The plan for an import: nothing when every node has its account; else the only existing
 * account, a new one (id from `newId`) when there is none, or the user's choice.
 */
export function planAccounts(flow: readonly FlowNode[], existingAccounts: readonly string[], newId: () => string): AccountPlan {
  if (nodesWithoutAccount(flow, existingAccounts).length === 0) return { kind: 'none' };
  if (existingAccounts.length === 1) return { kind: 'existing', id: existingAccounts[0] };
  if (existingAccounts.length === 0) return { kind: 'new', account: defaultAccount(newId()) };
  return { kind: 'choose' };
}

/**
 * Applies the plan to the nodes of `flow` (in place: Node-RED's import keeps using the same
 * objects) and returns it; the caller adds a new account (`plan.account`) to what it imports.
 */
export function assignAccounts(flow: readonly FlowNode[], existingAccounts: readonly string[], newId: () => string): AccountPlan {
  const plan = planAccounts(flow, existingAccounts, newId);
  if (plan.kind !== 'existing' && plan.kind !== 'new') return plan;
  const id = plan.kind === 'existing' ? plan.id : String(plan.account.id);
  for (const node of nodesWithoutAccount(flow, existingAccounts)) node.account = id;
  return plan;
}

/** The ids of the editor's accounts. */
export function editorAccounts(): string[] {
  const ids: string[] = [];
  RED.nodes.eachConfig((config) => {
    if (config.type === ACCOUNT_TYPE) ids.push(config.id);
  });
  return ids;
}
