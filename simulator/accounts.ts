/**
 * The built-in user accounts and their OEM access rules (docs/protocol.md §3, §4).
 *
 * The demo account may create subscriptions of all five event types; the limited account only
 * `datapoint` ones, so a client's handling of 403 can be tested.
 */
import { EVENT_TYPES, type EventType } from '../nodes/lib/events';

/** What a client needs to sign in: printed in the CLI's `listening` line. */
export interface DemoAccount {
  email: string;
  password: string;
  appId: string;
  appSecret: string;
}

/** One user of the simulated user service. */
export interface SimulatedAccount extends DemoAccount {
  /** Ayla role, e.g. `OEM::Admin`. */
  role: string;
  /** Event types this account's role may subscribe to (its OEM access rules). */
  allowedTypes: readonly EventType[];
  userUuid: string;
}

/** The OEM every simulated account and device belongs to (8 hex digits, as Ayla's ids). */
export const SIMULATED_OEM_ID = '0dfc7900';

/** The demo account: full access to all five event types. */
export const DEMO_ACCOUNT: Readonly<DemoAccount> = Object.freeze({
  email: 'demo@example.com',
  password: 'demo-password',
  appId: 'demo-app-id',
  appSecret: 'demo-app-secret',
});

/** A second account whose role may only create `datapoint` subscriptions (403 for the others). */
export const LIMITED_ACCOUNT: Readonly<DemoAccount> = Object.freeze({
  email: 'limited@example.com',
  password: 'limited-password',
  appId: DEMO_ACCOUNT.appId,
  appSecret: DEMO_ACCOUNT.appSecret,
});

/** The accounts a simulator starts with. */
export function builtInAccounts(): SimulatedAccount[] {
  return [
    { ...DEMO_ACCOUNT, role: 'OEM::Admin', allowedTypes: [...EVENT_TYPES], userUuid: '5a1c1e0d-0000-4000-8000-000000000001' },
    { ...LIMITED_ACCOUNT, role: 'OEM::Staff', allowedTypes: ['datapoint'], userUuid: '5a1c1e0d-0000-4000-8000-000000000002' },
  ];
}

/** An `OemAccessRule` record as `/api/v1/oemAccessRules` lists it. */
export interface OemAccessRule {
  id: number;
  oem_id: string;
  role: string;
  subscription_type: EventType;
  created_at: string;
  updated_at: string;
}

/**
 * The access rules of every account's role, numbered in a stable order.
 *
 * @param createdAt - the timestamp reported for every rule.
 */
export function accessRulesOf(accounts: readonly SimulatedAccount[], createdAt: string): OemAccessRule[] {
  const rules: OemAccessRule[] = [];
  const seen = new Set<string>();
  for (const account of accounts) {
    for (const type of account.allowedTypes) {
      const key = `${account.role}/${type}`;
      if (seen.has(key)) continue;
      seen.add(key);
      rules.push({ id: rules.length + 1, oem_id: SIMULATED_OEM_ID, role: account.role, subscription_type: type, created_at: createdAt, updated_at: createdAt });
    }
  }
  return rules;
}
