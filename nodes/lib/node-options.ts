/**
 * The properties of each node type as the runtime receives them from the flow, the defaults
 * the editor declares, and the bounds of every numeric setting. The editor bundle imports this
 * same file, so a range or a default is written down once and both sides enforce it.
 * Type names follow the node type names.
 */
import { ConfigError } from './errors';
import type { PatternRule } from './filters';

/** A numeric node setting: its unit, bounds (inclusive) and default. */
export interface NumericSetting {
  /** Shown after the number in the editor and in error texts: seconds, or writes per second. */
  readonly unit: 's' | '/s';
  readonly min: number;
  readonly max: number;
  readonly default: number;
  /** Whole numbers only. */
  readonly integer: boolean;
}

/**
 * Every numeric setting of the package, by property name.
 *
 * - `heartbeatTimeout` (account): seconds without any frame before a socket is declared dead;
 *   `docs/protocol.md` §5 (~3 server heartbeats of 30 s). The minimum of 1 s only suits a fast
 *   simulator; the maximum stays far below the 2^31 ms where Node's timers overflow.
 * - `writeRate` (account): datapoint writes per second the account sends at most, shared by
 *   every `ayla-datapoint-out` node of the account identity (`docs/protocol.md` §7.5). Five a
 *   second serves a dashboard; a loop in a flow then costs the cloud no more than that.
 * - `ackTimeout` (`ayla-datapoint-out`): seconds to wait for the device's acknowledgement of a
 *   write (`docs/protocol.md` §7.3); devices usually answer within a few seconds, an offline one
 *   only when it is back, which nobody should wait five minutes for.
 */
export const NUMERIC_SETTINGS = {
  heartbeatTimeout: { unit: 's', min: 1, max: 3600, default: 90, integer: true },
  writeRate: { unit: '/s', min: 1, max: 50, default: 5, integer: true },
  ackTimeout: { unit: 's', min: 1, max: 300, default: 10, integer: true },
} as const satisfies Record<string, NumericSetting>;

/** Name of a setting in {@link NUMERIC_SETTINGS}. */
export type NumericSettingName = keyof typeof NUMERIC_SETTINGS;

/** Seconds without any frame before a socket is declared dead (`docs/protocol.md` §5: ~3 heartbeats). */
export const DEFAULT_HEARTBEAT_TIMEOUT_S = NUMERIC_SETTINGS.heartbeatTimeout.default;
/** Datapoint writes per second per account when the account does not say. */
export const DEFAULT_WRITE_RATE = NUMERIC_SETTINGS.writeRate.default;
/** Seconds an `ayla-datapoint-out` node waits for an acknowledgement when it does not say. */
export const DEFAULT_ACK_TIMEOUT_S = NUMERIC_SETTINGS.ackTimeout.default;

/**
 * Why `value` is not a valid `name`, or null when it is. Empty, null and undefined are valid
 * (they mean the default: old flows lack newer properties). Numeric text is accepted because
 * the editor stores what was typed.
 */
export function numericSettingProblem(name: NumericSettingName, value: unknown): { min: number; max: number; unit: string } | null {
  if (value === undefined || value === null || value === '') return null;
  const setting: NumericSetting = NUMERIC_SETTINGS[name];
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  const fine = Number.isFinite(number) && number >= setting.min && number <= setting.max && (!setting.integer || Number.isInteger(number));
  return fine ? null : { min: setting.min, max: setting.max, unit: setting.unit };
}

/**
 * Reads a numeric setting for the runtime: the default when absent, the number when valid.
 *
 * @throws {@link ConfigError} `OUT_OF_RANGE` (params `setting`, `min`, `max`, `unit`) for anything else
 */
export function readNumericSetting(name: NumericSettingName, value: unknown): number {
  const problem = numericSettingProblem(name, value);
  if (problem) {
    throw new ConfigError('OUT_OF_RANGE', `${name} must be a whole number from ${problem.min} to ${problem.max} ${problem.unit}`, {
      params: { setting: name, ...problem },
    });
  }
  if (value === undefined || value === null || value === '') return NUMERIC_SETTINGS[name].default;
  return Number(value);
}

/** Longest instance label (32 characters): it goes into subscription names. */
export const MAX_INSTANCE_LABEL_CHARS = 32;
/** Letters, digits, dot, dash and underscore: safe in a subscription name on any server. */
const INSTANCE_LABEL_PATTERN = /^[A-Za-z0-9._-]*$/;

/** Why `label` cannot be an instance label, or null when it can ('' and undefined mean none). */
export function instanceLabelProblem(label: unknown): 'characters' | 'length' | null {
  if (label === undefined || label === null) return null;
  const text = String(label).trim();
  if (text.length > MAX_INSTANCE_LABEL_CHARS) return 'length';
  return INSTANCE_LABEL_PATTERN.test(text) ? null : 'characters';
}

/** `ayla-dss-account` properties (never secrets: those are {@link AccountCredentials}). */
export interface AccountNodeProperties {
  /** The shape of these properties; see `config-migration.ts` (0.1.0 flows have none). */
  configVersion?: number;
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
  /**
   * Device-service URL: the only one of the custom region (empty = none), an override of the
   * table's host in the other regions (empty = the table's); `docs/protocol.md` §7.1.
   */
  deviceUrl?: string;
  /** Seconds; see {@link NUMERIC_SETTINGS}. Strings are accepted because the editor stores text. */
  heartbeatTimeout?: number | string;
  /** Datapoint writes per second; see {@link NUMERIC_SETTINGS}. */
  writeRate?: number | string;
  /** Allow plain ws:// and http:// to hosts other than loopback; default false. */
  allowInsecure?: boolean;
  /**
   * Goes into the names of the subscriptions this account creates, so that two Node-RED
   * instances with the same flow read separate subscriptions on purpose; default '' (none).
   */
  instanceLabel?: string;
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
  /** The shape of these properties; see `config-migration.ts` (0.1.0 flows have none). */
  configVersion?: number;
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
  /** This instance's share of the fleet, `i/n` (see `partition.ts`); '' = every device. */
  partition?: string;
  /** Start reading when deployed; false waits for a `start` command on the control input. Default true. */
  autoStart?: boolean;
  /** Show a control input (start / stop commands); default false. */
  control?: boolean;
  /**
   * Datapoint, connectivity and location only: once after the node starts, send the current
   * state the node's subscription and filters match, read from the device service
   * (`docs/protocol.md` §7.6); default false.
   */
  initial?: boolean;
}

/** `ayla-datapoint-out` properties. */
export interface DatapointOutNodeProperties {
  name?: string;
  /** Id of the `ayla-dss-account` config node. */
  account?: string;
  /** The device written to; empty = from the message (`msg.dsn` or `msg.topic` "<dsn>/<property>"). */
  dsn?: string;
  /** The property written; empty = from the message (`msg.property` or `msg.topic`). */
  property?: string;
  /** Wait for the device's acknowledgement before sending the message on; default false. */
  waitForAck?: boolean;
  /** Seconds; see {@link NUMERIC_SETTINGS}. */
  ackTimeout?: number | string;
}

/** `ayla-*-in` credentials: the stream key used when `source` is `key`. */
export interface EventInCredentials {
  streamKey?: string;
}

/**
 * True when a subscription list (`*` or a comma-separated list, as an event-in node's OEM model,
 * DSNs and properties are written) means "every value": missing, empty, or any entry `*` (the
 * same reading as `normaliseList` in subscriptions.ts, which would turn it into `*`).
 */
export function isWholeSpecList(list: string | undefined | null): boolean {
  const entries = (list ?? '*')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return entries.length === 0 || entries.includes('*');
}

/**
 * Why Ayla would refuse the subscription an `auto` event-in node asks for, or null. Ayla needs
 * DSNs when the OEM model is `*`: a subscription to every device of every model is refused
 * (`docs/protocol.md` §4). `MISSING_DSN` is the catalog code of that text.
 */
export function subscriptionScopeProblem(spec: { oemModel?: string | null; dsns?: string | null }): 'MISSING_DSN' | null {
  return isWholeSpecList(spec.oemModel) && isWholeSpecList(spec.dsns) ? 'MISSING_DSN' : null;
}
