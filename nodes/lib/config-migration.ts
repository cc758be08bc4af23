/**
 * Config versions of the package's node types, and the migration of a node's stored properties
 * to the current shape. Pure (no Node-RED, no Node built-in): the runtime runs it at the start
 * of each node constructor, and the editor bundle when flows are loaded or imported, so both see
 * the same shape and a re-export carries it.
 *
 * Version history (a flow without `configVersion` is version 0):
 * - 0: 0.1.0.
 * - 1: every node has `configVersion: 1`; the account has `instanceLabel` and `deviceUrl`
 *   (default '') and `writeRate` (default 5), its `heartbeatTimeout` is a number (numeric text
 *   converted, empty or missing = the default; other text is kept so the validators name it) and
 *   `allowInsecure` a boolean ("true"/"false" text converted; 0.1.0 read the text "true" as true);
 *   every in-node has `partition` (''), `autoStart` (true) and `control` (false), and the
 *   datapoint, connectivity and location in-nodes `initial` (false). `ayla-datapoint-out` was
 *   born at version 1.
 *
 * Every property a step does not name is kept untouched (same value, same reference): a flow
 * written by a newer version may carry properties this one does not know, and must lose none of
 * them. A flow whose version is newer than {@link CONFIG_VERSION} is kept as it is; callers warn
 * about it once ({@link newerConfigVersion}).
 */
import { EVENT_TYPES } from './event-types';
import { NUMERIC_SETTINGS } from './node-options';

/** The config version this package writes (0.1.0 flows have none: version 0). */
export const CONFIG_VERSION = 1;

/** The account's node type. */
const ACCOUNT_TYPE = 'ayla-dss-account';

/** Every node type of the package: the account, the five in-nodes and the out node. */
export const MIGRATED_TYPES: readonly string[] = [ACCOUNT_TYPE, ...EVENT_TYPES.map((eventType) => `ayla-${eventType}-in`), 'ayla-datapoint-out'];
/** In-node types with an `initial` option. */
const INITIAL_TYPES: readonly string[] = ['ayla-datapoint-in', 'ayla-connectivity-in', 'ayla-location-in'];

/** A node's stored properties, as a flow file or an import holds them. */
export type NodeProperties = Record<string, unknown>;

/** One migration step: turns version `n` properties of `type` into version `n + 1` (in place, on a copy). */
type MigrationStep = (type: string, props: NodeProperties) => void;

/** `STEPS[n]` migrates version n to n + 1; its length is {@link CONFIG_VERSION}. */
const STEPS: readonly MigrationStep[] = [toVersion1];

/**
 * The config version of stored properties: a whole number ≥ 0 (a numeric text counts), 0 when
 * the property is missing or unusable (0.1.0 wrote none).
 */
export function configVersionOf(props: object): number {
  const raw = (props as { configVersion?: unknown }).configVersion;
  const version = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  return Number.isInteger(version) && version >= 0 ? version : 0;
}

/** The stored version when it is newer than this package knows (the flow comes from a later release), else null. */
export function newerConfigVersion(props: object): number | null {
  const version = configVersionOf(props);
  return version > CONFIG_VERSION ? version : null;
}

/** True for the node types {@link migrateNodeConfig} migrates. */
export function isMigratedType(type: unknown): boolean {
  return typeof type === 'string' && MIGRATED_TYPES.includes(type);
}

/**
 * The properties of a node of `type` in the current shape, `configVersion` set to
 * {@link CONFIG_VERSION}: defaults of properties added since the stored version filled in,
 * retyped properties converted, every other property kept as it is. A newer version than this
 * package knows, and a type of another package, come back unchanged. Always a shallow copy (with
 * every own property, non-enumerable ones included): `props` itself is never modified.
 */
export function migrateNodeConfig<T extends object>(type: string, props: T): T & { configVersion?: number } {
  // Every own property, non-enumerable ones included: Node-RED hands a node's constructor its
  // config with a non-enumerable `_flow`, which `createNode` needs.
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(props)) as NodeProperties;
  if (!isMigratedType(type) || newerConfigVersion(copy) !== null) return copy as T & { configVersion?: number };
  for (let version = configVersionOf(copy); version < CONFIG_VERSION; version++) STEPS[version](type, copy);
  copy.configVersion = CONFIG_VERSION;
  return copy as T & { configVersion: number };
}

/** 0.1.0 → 1; see the module comment. */
function toVersion1(type: string, props: NodeProperties): void {
  const fill = (name: string, value: unknown) => {
    if (props[name] === undefined || props[name] === null) props[name] = value;
  };
  if (type.endsWith('-in')) {
    fill('partition', '');
    fill('autoStart', true);
    fill('control', false);
    if (INITIAL_TYPES.includes(type)) fill('initial', false);
    return;
  }
  if (type !== ACCOUNT_TYPE) return;
  fill('instanceLabel', '');
  fill('deviceUrl', '');
  fill('writeRate', NUMERIC_SETTINGS.writeRate.default);
  props.heartbeatTimeout = heartbeatSeconds(props.heartbeatTimeout);
  if (props.allowInsecure === 'true') props.allowInsecure = true;
  else if (props.allowInsecure === 'false') props.allowInsecure = false;
}

/** The heartbeat timeout as a number of seconds: the default for none, numeric text converted, anything else as stored. */
function heartbeatSeconds(value: unknown): unknown {
  if (value === undefined || value === null) return NUMERIC_SETTINGS.heartbeatTimeout.default;
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text === '') return NUMERIC_SETTINGS.heartbeatTimeout.default;
  const seconds = Number(text);
  return Number.isFinite(seconds) ? seconds : value;
}
