/**
 * `ayla-dss-account`: the config node. It turns its properties into endpoints and credentials,
 * and owns a {@link StreamHub} (created with the first in-node that registers) holding the
 * session and one StreamClient per subscription. With the hub it leases the runtime's resume
 * store (resume-store.ts: the last delivered seq per stream, in Node-RED's user directory) and
 * gives it back, flushed, when it closes.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { CLIENT_TYPES, EndpointError, isLoopbackHost, resolveEndpoints, type ClientType, type Endpoints } from './lib/endpoints';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './lib/http';
import type { Credentials } from './lib/session';
import { messageKey } from './catalog';
import {
  DEFAULT_HEARTBEAT_TIMEOUT_S,
  NUMERIC_SETTINGS,
  type AccountCredentials,
  type AccountNodeProperties,
} from './lib/node-options';
import { leaseResumeStore, type ResumeStoreLease } from './resume-store';
import { MissingEnvironmentError, resolveCredential } from './secrets';
import { HubConfigError, StreamHub, type Registration, type StreamListener, type StreamRequest } from './stream-hub';

/** The config node type name. */
export const ACCOUNT_NODE_TYPE = 'ayla-dss-account';

/** Credential definitions: secrets are `password` so Node-RED never sends them back to the editor. */
export const ACCOUNT_CREDENTIALS: Record<keyof Required<AccountCredentials>, { type: 'text' | 'password' }> = {
  email: { type: 'text' },
  password: { type: 'password' },
  appId: { type: 'password' },
  appSecret: { type: 'password' },
};

/**
 * Settings of every account node that the editor does not offer, read each time an account
 * node creates its hub. `requestTimeoutMs`: timeout of each sign-in and DSS REST request, ms
 * (default 15 000). Only tests change them, in-process (for instance a short timeout to test
 * a DSS API that never answers); restore them afterwards.
 *
 * @internal
 */
export const accountNodeDefaults: { requestTimeoutMs: number } = { requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS };

/** A usable account configuration, as the account node and "Test connection" both need it. */
export interface ResolvedAccount {
  endpoints: Endpoints;
  clientType: ClientType;
  heartbeatTimeoutMs: number;
  /** Null when no credential is set at all (stream-key-only use). */
  credentials: Credentials | null;
  /** Plain ws:// / http:// URLs to non-loopback hosts the user explicitly allowed. */
  insecureUrls: string[];
}

/** Seconds from the editor (a number or numeric text) to ms, falling back to the default for nonsense. */
export function heartbeatTimeoutMsOf(value: unknown): number {
  const seconds = typeof value === 'number' ? value : Number.parseFloat(String(value ?? ''));
  const valid = Number.isFinite(seconds) && seconds >= NUMERIC_SETTINGS.heartbeatTimeout.min;
  return Math.round((valid ? seconds : DEFAULT_HEARTBEAT_TIMEOUT_S) * 1000);
}

/**
 * Resolves an account's properties and credentials (expanding `${NAME}` credentials).
 *
 * @throws {@link EndpointError} for a region/deployment that does not exist or an unusable custom URL
 * @throws {@link HubConfigError} `ENV_MISSING` when a `${NAME}` credential names an unset variable
 */
export function resolveAccount(props: AccountNodeProperties, stored: AccountCredentials | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedAccount {
  const region = props.region || 'us';
  const clientType = ((CLIENT_TYPES as readonly string[]).includes(props.clientType ?? '') ? props.clientType : 'cloud') as ClientType;
  const allowInsecure = props.allowInsecure === true || String(props.allowInsecure) === 'true';
  const endpoints = resolveEndpoints({
    region,
    deployment: props.deployment || 'field',
    clientType,
    custom: { streamUrl: props.streamUrl, apiUrl: props.apiUrl, userUrl: props.userUrl },
    allowInsecure,
  });
  let credentials: Credentials | null;
  try {
    const c = {
      email: resolveCredential(stored?.email, env).trim(),
      password: resolveCredential(stored?.password, env),
      appId: resolveCredential(stored?.appId, env).trim(),
      appSecret: resolveCredential(stored?.appSecret, env),
    };
    credentials = c.email || c.password || c.appId || c.appSecret ? c : null;
  } catch (error) {
    if (error instanceof MissingEnvironmentError) {
      throw new HubConfigError('ENV_MISSING', error.message, { variable: error.variable });
    }
    throw error;
  }
  const insecureUrls = [endpoints.streamUrl, endpoints.apiUrl, endpoints.userUrl].filter((url): url is string => {
    if (!url) return false;
    const parsed = new URL(url);
    return (parsed.protocol === 'ws:' || parsed.protocol === 'http:') && !isLoopbackHost(parsed.hostname);
  });
  return { endpoints, clientType, heartbeatTimeoutMs: heartbeatTimeoutMsOf(props.heartbeatTimeout), credentials, insecureUrls };
}

/** A configuration problem of the account, for the in-nodes to show. `code` is a catalog error code. */
export interface AccountConfigProblem {
  code: string;
  params: Record<string, string>;
}

/** The runtime side of an `ayla-dss-account` node, as the in-nodes use it. */
export interface AccountNode extends Node<AccountCredentials> {
  /** Cloud or mobile; part of every auto subscription spec. */
  readonly clientType: ClientType;
  /** Set when the account cannot work as configured (bad URL, unset variable…). */
  readonly configProblem: AccountConfigProblem | null;
  /**
   * Registers an in-node for a subscription; equal requests share one stream.
   *
   * @throws {@link HubConfigError} when the request cannot work with this account
   */
  register(request: StreamRequest, listener: StreamListener): Registration;
  /** Live StreamClients of this account (for diagnostics and tests). */
  readonly streamCount: number;
}

type AccountNodeDef = NodeDef & AccountNodeProperties;
/** The account node while its constructor fills in the read-only members. */
type WritableAccountNode = AccountNode & { clientType: ClientType; configProblem: AccountConfigProblem | null };

function problemOf(error: unknown): AccountConfigProblem {
  if (error instanceof EndpointError || error instanceof HubConfigError) {
    return { code: error.code, params: { detail: error.message, ...(error instanceof HubConfigError ? error.params : {}) } };
  }
  return { code: 'UNKNOWN', params: { detail: (error as Error)?.message ?? String(error) } };
}

/** Registers the `ayla-dss-account` node type. */
export function registerAccountNode(RED: NodeAPI): void {
  function AylaDssAccountNode(this: AccountNode, config: AccountNodeDef): void {
    RED.nodes.createNode(this, config);
    startAccountNode(this as WritableAccountNode, config);
  }

  function startAccountNode(node: WritableAccountNode, config: AccountNodeDef): void {
    let resolved: ResolvedAccount | null = null;
    let hub: StreamHub | null = null;
    let resumeLease: ResumeStoreLease | null = null;
    node.configProblem = null;
    node.clientType = 'cloud';
    try {
      resolved = resolveAccount(config, node.credentials);
      node.clientType = resolved.clientType;
      for (const url of resolved.insecureUrls) node.warn(RED._(messageKey('insecure'), { url }));
    } catch (error) {
      node.configProblem = problemOf(error);
    }

    Object.defineProperty(node, 'streamCount', { get: () => hub?.streamCount ?? 0 });

    node.register = (request, listener) => {
      if (!resolved) {
        const problem = node.configProblem ?? { code: 'UNKNOWN', params: {} };
        throw new HubConfigError(problem.code, problem.params.detail ?? problem.code, problem.params);
      }
      if (!hub) {
        const userDir = (RED.settings as unknown as { userDir?: unknown }).userDir;
        resumeLease = leaseResumeStore(userDir, (message) => node.warn(message));
        hub = new StreamHub({
          endpoints: resolved.endpoints,
          clientType: resolved.clientType,
          credentials: resolved.credentials,
          heartbeatTimeoutMs: resolved.heartbeatTimeoutMs,
          requestTimeoutMs: accountNodeDefaults.requestTimeoutMs,
          log: (line) => node.debug(line),
          info: (line) => node.log(line),
          resumeStore: resumeLease.store,
          resumeReady: resumeLease.ready,
        });
      }
      return hub.register(request, listener);
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      const closing = hub;
      const lease = resumeLease;
      hub = null;
      resumeLease = null;
      resolved = null;
      node.configProblem = { code: 'CLOSED', params: {} };
      if (!closing) {
        done();
        return;
      }
      // Streams first (their last positions land in the store), then the store is flushed.
      closing
        .close()
        .catch((error: Error) => node.debug(`closing the account failed: ${error.message}`))
        .then(() => lease?.release())
        .then(done, (error: Error) => {
          node.debug(`saving the stream positions failed: ${error.message}`);
          done();
        });
    });
  }

  RED.nodes.registerType<AccountNode, AccountNodeDef, unknown, AccountCredentials>(ACCOUNT_NODE_TYPE, AylaDssAccountNode, {
    credentials: ACCOUNT_CREDENTIALS,
  });
}
