/**
 * The pure parts of the device, model and property pickers (device-picker.ts): how a typed
 * field is read (a comma list completes its last entry), what each choice shows, which
 * properties an out node may write, and which request reaches the runtime's look-up routes
 * (nodes/device-routes.ts, `docs/protocol.md` §7.7). No jQuery, no Node-RED: tested under mocha.
 */
import type { TestConnectionRequest } from './test-connection';

/** A device as the look-up routes list it. */
export interface DeviceChoice {
  dsn: string;
  productName: string | null;
  oemModel: string | null;
  connectionStatus: string | null;
}

/** A property as the look-up routes list it. */
export interface PropertyChoice {
  name: string;
  displayName: string | null;
  baseType: string | null;
  /** `input` (to the device) or `output` (from the device). */
  direction: string | null;
  readOnly: boolean;
}

/** What a picker offers: devices, the OEM models of the devices, or a device's properties. */
export type PickerKind = 'device' | 'model' | 'property';

/** The entries of a comma list, trimmed, without empty ones. */
export function listEntries(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** What a picker searches for: the last entry of a comma list (the one being typed), else the whole text; `*` searches everything. */
export function searchText(text: string, list: boolean): string {
  const typed = (list ? text.slice(text.lastIndexOf(',') + 1) : text).trim();
  return typed === '*' ? '' : typed;
}

/**
 * The field's text once `value` is picked: a comma list keeps its earlier entries and replaces
 * the last one (a lone `*` goes), a single field takes the value.
 */
export function withPicked(text: string, value: string, list: boolean): string {
  if (!list) return value;
  const earlier = listEntries(text.slice(0, Math.max(0, text.lastIndexOf(',')))).filter((entry) => entry !== '*' && entry !== value);
  return [...earlier, value].join(', ');
}

/** The first entry of a comma list that names one value (not `*`), or null. */
export function firstNamed(text: string): string | null {
  return listEntries(text).find((entry) => entry !== '*') ?? null;
}

/** The entries of a field that name values to check against the account's devices (not `*`), at most `max`. */
export function namedEntries(text: string, list: boolean, max: number): string[] {
  const entries = list ? listEntries(text) : [text.trim()].filter((entry) => entry !== '');
  return [...new Set(entries.filter((entry) => entry !== '*'))].slice(0, max);
}

/** The muted line beside a device: product name, OEM model and connection status, as known. */
export function deviceDetail(device: DeviceChoice): string {
  return [device.productName, device.oemModel, device.connectionStatus].filter((part): part is string => typeof part === 'string' && part !== '').join(' · ');
}

/** The words a property's detail uses for its direction and read-only flag (from the catalog). */
export interface PropertyWords {
  input: string;
  output: string;
  readOnly: string;
}

/** The muted line beside a property: display name, base type, direction and read-only, as known. */
export function propertyDetail(property: PropertyChoice, words: PropertyWords): string {
  const direction = property.direction === 'input' ? words.input : property.direction === 'output' ? words.output : property.direction;
  return [property.displayName, property.baseType, direction, property.readOnly ? words.readOnly : null]
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .join(' · ');
}

/** True when an out node can write the property: an input, not read-only, not a file. */
export function isWritable(property: PropertyChoice): boolean {
  return property.direction === 'input' && !property.readOnly && property.baseType !== 'file';
}

/** True when every word of `search` is in the property's name or display name (any case). */
export function propertyMatches(property: PropertyChoice, search: string): boolean {
  const words = search.toLowerCase().split(/\s+/).filter((word) => word !== '');
  const fields = [property.name, property.displayName ?? ''].map((field) => field.toLowerCase());
  return words.every((word) => fields.some((field) => field.includes(word)));
}

/** The properties a picker offers for `search`: matching ones, and only writable ones for an out node. */
export function propertyChoices(properties: readonly PropertyChoice[], search: string, writableOnly: boolean): PropertyChoice[] {
  return properties.filter((property) => (!writableOnly || isWritable(property)) && propertyMatches(property, search));
}

/** The OEM models of `devices`, each once, in order of appearance, with the first device's product name. */
export function modelChoices(devices: readonly DeviceChoice[]): Array<{ model: string; productName: string | null }> {
  const seen = new Map<string, string | null>();
  for (const device of devices) if (device.oemModel && !seen.has(device.oemModel)) seen.set(device.oemModel, device.productName);
  return [...seen].map(([model, productName]) => ({ model, productName }));
}

/** The account a picker looks devices up with. */
export interface LookupAccount {
  id: string;
  /** Deployed and not changed since: the GET routes use the runtime's account and its caches. */
  deployed: boolean;
  /** The account's settings and credentials as the editor holds them, for the POST routes. */
  settings: TestConnectionRequest;
}

/** One page of a device search. */
export interface DeviceQuery {
  search: string;
  limit: number;
  offset: number;
  /** Read the list again instead of the runtime's cached one. */
  refresh: boolean;
}

/** A request to the look-up routes, relative to the editor's URL. */
export type LookupRequest = { method: 'GET'; url: string } | { method: 'POST'; url: string; body: Record<string, unknown> };

/** The request for a page of the account's devices: GET for a deployed, unchanged account, else POST with its settings. */
export function devicesRequest(account: LookupAccount, query: DeviceQuery): LookupRequest {
  if (account.deployed) {
    const params = new URLSearchParams({ search: query.search, limit: String(query.limit), offset: String(query.offset) });
    if (query.refresh) params.set('refresh', '1');
    return { method: 'GET', url: `ayla-dss/accounts/${encodeURIComponent(account.id)}/devices?${params.toString()}` };
  }
  return { method: 'POST', url: 'ayla-dss/lookup/devices', body: { ...account.settings, search: query.search, limit: query.limit, offset: query.offset, refresh: query.refresh } };
}

/** The request for a device's properties, chosen like {@link devicesRequest}. */
export function propertiesRequest(account: LookupAccount, dsn: string, refresh: boolean): LookupRequest {
  if (account.deployed) {
    const suffix = refresh ? '?refresh=1' : '';
    return { method: 'GET', url: `ayla-dss/accounts/${encodeURIComponent(account.id)}/devices/${encodeURIComponent(dsn)}/properties${suffix}` };
  }
  return { method: 'POST', url: 'ayla-dss/lookup/properties', body: { ...account.settings, dsn, refresh } };
}

/** What a failed look-up says: the route's `{ code, message }`, or the transport's reason. */
export interface LookupFailure {
  code: string;
  message: string;
}

/** A failed look-up's answer read: the route's code and message when it sent them. */
export function lookupFailure(body: unknown, fallback: string): LookupFailure {
  const answer = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const code = typeof answer.code === 'string' ? answer.code : '';
  const message = typeof answer.message === 'string' && answer.message !== '' ? answer.message : fallback;
  return { code, message };
}

/** The editor's settings of an account node (a config node, dialog closed), as the POST routes take them. */
export function accountSettingsOf(id: string, node: Readonly<Record<string, unknown>>): TestConnectionRequest {
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  const credentials = (node.credentials ?? {}) as Record<string, unknown>;
  return {
    id,
    region: text(node.region) || 'us',
    deployment: text(node.deployment) || 'field',
    clientType: text(node.clientType) || 'cloud',
    streamUrl: text(node.streamUrl).trim(),
    apiUrl: text(node.apiUrl).trim(),
    userUrl: text(node.userUrl).trim(),
    deviceUrl: text(node.deviceUrl).trim(),
    allowInsecure: node.allowInsecure === true || node.allowInsecure === 'true',
    // A password the editor did not load or did not change is sent empty: the runtime then uses the stored one.
    credentials: { email: text(credentials.email).trim(), password: text(credentials.password), appId: text(credentials.appId), appSecret: text(credentials.appSecret) },
  };
}
