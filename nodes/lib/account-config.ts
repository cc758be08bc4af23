/**
 * An `ayla-dss-account` node's properties and credentials turned into what the runtime uses:
 * endpoints (the device service's too), client type, validated settings and resolved credentials. Shared by the account
 * node and Test connection, so both read a configuration the same way.
 */
import { CLIENT_TYPES, isLoopbackHost, resolveEndpoints, type ClientType, type Endpoints } from './endpoints';
import { ConfigError } from './errors';
import { instanceLabelProblem, MAX_INSTANCE_LABEL_CHARS, readNumericSetting, type AccountCredentials, type AccountNodeProperties } from './node-options';
import { resolveCredential } from './secrets';
import type { Credentials } from './session';

/** A usable account configuration. */
export interface ResolvedAccount {
  endpoints: Endpoints;
  clientType: ClientType;
  heartbeatTimeoutMs: number;
  /** Datapoint writes per second the account sends at most. */
  writeRate: number;
  /** Null when no credential is set at all (stream-key-only use). */
  credentials: Credentials | null;
  /** '' when none. */
  instanceLabel: string;
  /** Plain ws:// / http:// URLs to non-loopback hosts the user explicitly allowed. */
  insecureUrls: string[];
}

/**
 * Resolves an account's properties and credentials (expanding `${NAME}` credentials).
 *
 * @throws {@link EndpointError} for a region/deployment that does not exist or an unusable custom URL
 * @throws {@link ConfigError} `ENV_MISSING` when a `${NAME}` credential names an unset variable,
 *   `OUT_OF_RANGE` for a numeric setting outside its bounds, `BAD_INSTANCE_LABEL`
 */
export function resolveAccount(props: AccountNodeProperties, stored: AccountCredentials | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedAccount {
  const clientType: ClientType = (CLIENT_TYPES as readonly string[]).includes(props.clientType ?? '') ? (props.clientType as ClientType) : 'cloud';
  const allowInsecure = props.allowInsecure === true || String(props.allowInsecure) === 'true';
  const endpoints = resolveEndpoints({
    region: props.region || 'us',
    deployment: props.deployment || 'field',
    clientType,
    custom: { streamUrl: props.streamUrl, apiUrl: props.apiUrl, userUrl: props.userUrl },
    deviceUrl: props.deviceUrl,
    allowInsecure,
  });
  const heartbeatTimeoutMs = readNumericSetting('heartbeatTimeout', props.heartbeatTimeout) * 1000;
  const writeRate = readNumericSetting('writeRate', props.writeRate);
  const labelProblem = instanceLabelProblem(props.instanceLabel);
  if (labelProblem) {
    throw new ConfigError('BAD_INSTANCE_LABEL', `the instance label may hold up to ${MAX_INSTANCE_LABEL_CHARS} letters, digits, ".", "-" and "_"`, {
      params: { max: MAX_INSTANCE_LABEL_CHARS },
    });
  }
  const c = {
    email: resolveCredential(stored?.email, env).trim(),
    password: resolveCredential(stored?.password, env),
    appId: resolveCredential(stored?.appId, env).trim(),
    appSecret: resolveCredential(stored?.appSecret, env),
  };
  const credentials = c.email || c.password || c.appId || c.appSecret ? c : null;
  const insecureUrls = [endpoints.streamUrl, endpoints.apiUrl, endpoints.userUrl, endpoints.deviceUrl].filter((url): url is string => {
    if (!url) return false;
    const parsed = new URL(url);
    return (parsed.protocol === 'ws:' || parsed.protocol === 'http:') && !isLoopbackHost(parsed.hostname);
  });
  return { endpoints, clientType, heartbeatTimeoutMs, writeRate, credentials, instanceLabel: (props.instanceLabel ?? '').trim(), insecureUrls };
}
