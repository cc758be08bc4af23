/**
 * The user accounts and applications of the simulated cloud (docs/protocol.md §3): two
 * built-in accounts and the demo application, plus whatever a scenario declares.
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

/** An application a client signs in through (Ayla's app id / secret pair). */
export interface SimulatedApplication {
  appId: string;
  appSecret: string;
}

/** One user of the simulated user service. */
export interface SimulatedAccount extends DemoAccount {
  /** Ayla role, e.g. `OEM::Admin`; OEM access rules are per role. */
  role: string;
  /** Event types this account's role may subscribe to; they become access rules of the role. */
  allowedTypes: readonly EventType[];
  userUuid: string;
  /** Ayla's numeric user id (shown as `id` in the profile). */
  userId: number;
  firstname: string;
  lastname: string;
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

/** The application every simulator knows. */
export const DEMO_APPLICATION: Readonly<SimulatedApplication> = Object.freeze({ appId: DEMO_ACCOUNT.appId, appSecret: DEMO_ACCOUNT.appSecret });

/** First numeric user id handed out (Ayla's ids are 7-8 digits). */
const FIRST_USER_ID = 6_100_001;

/** The accounts a simulator always has. */
export function builtInAccounts(): SimulatedAccount[] {
  return [
    {
      ...DEMO_ACCOUNT,
      role: 'OEM::Admin',
      allowedTypes: [...EVENT_TYPES],
      userUuid: '5a1c1e0d-0000-4000-8000-000000000001',
      userId: FIRST_USER_ID,
      firstname: 'Demo',
      lastname: 'User',
    },
    {
      ...LIMITED_ACCOUNT,
      role: 'OEM::Staff',
      allowedTypes: ['datapoint'],
      userUuid: '5a1c1e0d-0000-4000-8000-000000000002',
      userId: FIRST_USER_ID + 1,
      firstname: 'Limited',
      lastname: 'User',
    },
  ];
}

/** A user declared by a scenario (see `Scenario.users`). */
export interface AccountSpec {
  email: string;
  password: string;
  role?: string;
  allowedTypes?: EventType[];
  firstname?: string;
  lastname?: string;
  uuid?: string;
}

/**
 * The built-in accounts followed by the scenario's users. A scenario user signs in through any
 * known application; the one shown with it is the scenario's first (else the demo application).
 */
export function accountsWith(users: readonly AccountSpec[], shownApplication: SimulatedApplication): SimulatedAccount[] {
  const accounts = builtInAccounts();
  for (const user of users) {
    const index = accounts.length;
    accounts.push({
      email: user.email.trim().toLowerCase(),
      password: user.password,
      appId: shownApplication.appId,
      appSecret: shownApplication.appSecret,
      role: user.role ?? 'OEM::Admin',
      allowedTypes: user.allowedTypes ?? [],
      userUuid: user.uuid ?? `5a1c1e0d-0000-4000-8000-${String(index + 1).padStart(12, '0')}`,
      userId: FIRST_USER_ID + index,
      firstname: user.firstname ?? user.email.split('@')[0],
      lastname: user.lastname ?? 'User',
    });
  }
  return accounts;
}
