/**
 * `ayla-dss-account`: the config node. It resolves its properties into endpoints, settings and
 * credentials, and, with the first node that needs the cloud (an in-node registering, a write,
 * a device look-up), leases its account identity from the runtime (session, subscriptions,
 * streams, device service and write limit shared with every account node of the same identity;
 * the runtime's position file). It gives the lease back when it closes.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { resolveAccount, type ResolvedAccount } from './lib/account-config';
import { messageKey } from './lib/catalog';
import { CONFIG_VERSION, migrateNodeConfig, newerConfigVersion } from './lib/config-migration';
import { accountDiagnostics, type AccountDiagnostics } from './lib/diagnostics';
import { EndpointError } from './lib/endpoints';
import { CodedError, messageOf } from './lib/errors';
import { identityKeyOf } from './lib/hub/account-identity';
import type { RegisterOptions, Registration, StreamListener, StreamRequest } from './lib/hub/contract';
import type { DeviceAccess } from './lib/hub/device-access';
import type { AccountContext } from './lib/in-node-config';
import type { AccountCredentials, AccountNodeProperties } from './lib/node-options';
import type { AccountLease, AccountSettings, AylaDssRuntime } from './lib/runtime';

/** The config node type name. */
export const ACCOUNT_NODE_TYPE = 'ayla-dss-account';

/** Credential definitions: secrets are `password` so Node-RED never sends them back to the editor. */
export const ACCOUNT_CREDENTIALS: Readonly<Record<keyof Required<AccountCredentials>, { readonly type: 'text' | 'password' }>> = {
  email: { type: 'text' },
  password: { type: 'password' },
  appId: { type: 'password' },
  appSecret: { type: 'password' },
};

/** A configuration problem of the account, for the in-nodes to show. `code` is a catalog error code. */
export interface AccountConfigProblem {
  code: string;
  params: Record<string, string | number>;
}

/** The runtime side of an `ayla-dss-account` node, as the in-nodes and admin routes use it. */
export interface AccountNode extends Node<AccountCredentials> {
  /** Client type and instance label: part of every auto subscription spec. */
  readonly accountContext: AccountContext;
  /** Set when the account cannot work as configured (bad URL, unset variable…). */
  readonly configProblem: AccountConfigProblem | null;
  /**
   * Registers an in-node for a subscription; equal requests share one stream.
   *
   * @throws {@link ConfigError} when the request cannot work with this account
   */
  register(request: StreamRequest, listener: StreamListener, options?: RegisterOptions): Registration;
  /**
   * The account's device service (`docs/protocol.md` §7), for writes, initial values and the
   * editor's pickers.
   *
   * @throws {@link CodedError} the account's configuration problem, or `NO_DEVICE_URL`,
   *   `NO_ENDPOINT`, `MISSING_CREDENTIALS`
   */
  devices(): DeviceAccess;
  /** The identity lease while nodes use the account; null before the first and after close. */
  readonly lease: AccountLease | null;
  /** Its settings, identity, sign-in budget and streams, without any secret (`lib/diagnostics.ts`). */
  diagnostics(): AccountDiagnostics;
}

type AccountNodeDef = NodeDef & AccountNodeProperties;

/** True for a running `ayla-dss-account` node. */
export function isAccountNode(node: Node | null | undefined): node is AccountNode {
  return node != null && node.type === ACCOUNT_NODE_TYPE && 'register' in node;
}

function problemOf(error: unknown): AccountConfigProblem {
  if (error instanceof EndpointError) return { code: error.code, params: { detail: error.message } };
  if (error instanceof CodedError) return { code: error.code, params: { detail: error.message, ...error.params } };
  return { code: 'UNKNOWN', params: { detail: messageOf(error) } };
}

/** Registers the `ayla-dss-account` node type on `runtime`. */
export function registerAccountNode(RED: NodeAPI, runtime: AylaDssRuntime): void {
  function AylaDssAccountNode(this: Node<AccountCredentials>, stored: AccountNodeDef): void {
    const config = migrateNodeConfig(ACCOUNT_NODE_TYPE, stored);
    RED.nodes.createNode(this, config);
    const newer = newerConfigVersion(config);
    if (newer !== null) this.warn(RED._(messageKey('newer-config'), { version: newer, known: CONFIG_VERSION }));
    startAccountNode(this, config);
  }

  function startAccountNode(node: Node<AccountCredentials>, config: AccountNodeDef): void {
    let resolved: ResolvedAccount | null = null;
    let configProblem: AccountConfigProblem | null = null;
    let lease: AccountLease | null = null;
    try {
      resolved = resolveAccount(config, node.credentials);
      for (const url of resolved.insecureUrls) node.warn(RED._(messageKey('insecure'), { url }));
    } catch (error) {
      configProblem = problemOf(error);
    }
    const accountContext: AccountContext = { clientType: resolved?.clientType ?? 'cloud', instanceLabel: resolved?.instanceLabel ?? '' };

    const settingsOf = (account: ResolvedAccount): AccountSettings => ({
      endpoints: account.endpoints,
      clientType: account.clientType,
      credentials: account.credentials,
      heartbeatTimeoutMs: account.heartbeatTimeoutMs,
      instanceLabel: account.instanceLabel,
      writeRate: account.writeRate,
    });

    /** The lease, taken on first use. @throws {@link CodedError} the configuration problem */
    const leased = (): AccountLease => {
      if (!resolved) {
        const problem = configProblem ?? { code: 'UNKNOWN', params: {} };
        throw new CodedError(problem.code, String(problem.params.detail ?? problem.code), { params: problem.params });
      }
      lease ??= runtime.leaseAccount(settingsOf(resolved), {
        debug: (line) => node.debug(line),
        info: (line) => node.log(line),
        warn: (line) => node.warn(line),
      });
      return lease;
    };

    const account: Pick<AccountNode, 'accountContext' | 'configProblem' | 'register' | 'devices' | 'lease' | 'diagnostics'> = {
      accountContext,
      get configProblem() {
        return configProblem;
      },
      get lease() {
        return lease;
      },
      register: (request, listener, options) => leased().register(request, listener, options),
      devices: () => leased().devices(),
      diagnostics() {
        return accountDiagnostics({
          id: node.id,
          properties: config,
          resolved,
          configProblem: configProblem?.code ?? null,
          identity: lease?.identity ?? (resolved ? identityKeyOf(settingsOf(resolved)) : null),
          streams: lease?.streams() ?? [],
          signInBudget: runtime.signInBudget,
          now: Date.now(),
        });
      },
    };
    Object.defineProperties(node, Object.getOwnPropertyDescriptors(account));

    node.on('close', (_removed: boolean, done: () => void) => {
      const closing = lease;
      lease = null;
      resolved = null;
      configProblem = { code: 'CLOSED', params: {} };
      if (!closing) {
        done();
        return;
      }
      // Streams and pending deletions first (their last positions land in the store), then the store is flushed.
      closing.release().then(done, (error: unknown) => {
        node.debug(`closing the account failed: ${messageOf(error)}`);
        done();
      });
    });
  }

  RED.nodes.registerType<Node<AccountCredentials>, AccountNodeDef, unknown, AccountCredentials>(ACCOUNT_NODE_TYPE, AylaDssAccountNode, {
    credentials: ACCOUNT_CREDENTIALS,
  });
}
