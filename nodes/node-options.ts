/**
 * The properties of each node type as the runtime receives them from the flow, with the same
 * defaults the editor declares. Type names follow the node type names.
 */
import type { PatternRule } from './lib/filters';

/** Seconds without any frame before a socket is declared dead (PROTOCOL.md §5: ~3 heartbeats). */
export const DEFAULT_HEARTBEAT_TIMEOUT_S = 90;
/** The smallest heartbeat timeout accepted; shorter values would fight the 30 s server heartbeat in real use but are handy against a fast simulator. */
export const MIN_HEARTBEAT_TIMEOUT_S = 1;

/** `ayla-dss-account` properties (never secrets: those are {@link AccountCredentials}). */
export interface AccountNodeProperties {
  name?: string;
  /** `us` | `eu` | `cn` | `custom`; default `us`. */
  region?: string;
  /** `field` | `dev` | `staging`; default `field`. */
  deployment?: string;
  /** `cloud` | `mobile`; default `cloud`. */
  clientType?: string;
  /** Custom-region URLs; ignored for the other regions. */
  streamUrl?: string;
  apiUrl?: string;
  userUrl?: string;
  /** Seconds; default {@link DEFAULT_HEARTBEAT_TIMEOUT_S}. Strings are accepted because the editor stores text. */
  heartbeatTimeout?: number | string;
  /** Allow plain ws:// and http:// to hosts other than loopback; default false. */
  allowInsecure?: boolean;
}

/** `ayla-dss-account` credentials. Any of them may be `${NAME}` to read environment variable NAME. */
export interface AccountCredentials {
  email?: string;
  password?: string;
  appId?: string;
  appSecret?: string;
}

/** Properties shared by the five `ayla-*-in` node types. */
export interface EventInNodeProperties {
  name?: string;
  /** Id of the `ayla-dss-account` config node. */
  account?: string;
  /** `auto` (the account creates or reuses a subscription) or `key` (an existing stream key); default `auto`. */
  source?: string;
  /** Subscription spec for `auto`: `*` or comma-separated lists. */
  oemModel?: string;
  dsns?: string;
  /** Datapoint types only. */
  properties?: string;
  /** Client-side filters; an empty list matches everything. */
  dsnFilter?: PatternRule[];
  modelFilter?: PatternRule[];
  propertyFilter?: PatternRule[];
  /** Connectivity only: statuses to pass; empty = all. */
  statuses?: string[];
  /** Registration only. */
  registration?: string;
  /** Datapointack only. */
  ack?: string;
  /** Datapoint and datapointack only: pass an event only when its value differs from the last one of that device and property. */
  onlyChanges?: boolean;
}

/** `ayla-*-in` credentials: the stream key used when `source` is `key`. */
export interface EventInCredentials {
  streamKey?: string;
}
