/**
 * What the editor's device and property pickers get (`docs/protocol.md` §7.7): a search over the
 * account's devices done in the runtime, one page at a time, so a fleet of thousands stays as
 * quick as a handful, and a device's properties; each reduced to the few fields a picker shows.
 * The values are data from the cloud: the editor escapes them before showing them.
 */
import { CodedError } from './errors';
import type { DeviceInfo, PropertyInfo } from './device-records';

/** Devices per page when the request does not say. */
export const DEFAULT_LOOKUP_LIMIT = 50;
/** Largest page. */
export const MAX_LOOKUP_LIMIT = 500;
/** Longest search text. */
export const MAX_SEARCH_CHARS = 100;

/** A device as a picker lists it. */
export interface DeviceSummary {
  dsn: string;
  productName: string | null;
  oemModel: string | null;
  connectionStatus: string | null;
}

/** A property as a picker lists it. */
export interface PropertySummary {
  name: string;
  displayName: string | null;
  baseType: string | null;
  /** `input` (writable unless `readOnly`) or `output` (reported by the device). */
  direction: string | null;
  value: unknown;
  readOnly: boolean;
  ackEnabled: boolean;
}

/** One page of a device search. */
export interface LookupQuery {
  /** Words that must each appear (any case) in the DSN, product name, OEM model or model; '' = all devices. */
  search: string;
  limit: number;
  offset: number;
  /** Read the devices again instead of using the account's cached list (still only a read). */
  refresh: boolean;
}

function single(value: unknown): string | undefined {
  if (Array.isArray(value)) return single(value[0]);
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function whole(name: string, value: unknown, fallback: number, min: number, max: number): number {
  const raw = single(value);
  if (raw === undefined || raw.trim() === '') return fallback;
  const number = Number(raw);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new CodedError('BAD_QUERY', `${name} must be a whole number from ${min} to ${max}`, { params: { detail: `${name} must be a whole number from ${min} to ${max}` } });
  }
  return number;
}

/**
 * The page a request asks for, from a query string or a JSON body (`search`, `limit`, `offset`,
 * `refresh`).
 *
 * @throws {@link CodedError} `BAD_QUERY` for a limit, offset or search out of bounds
 */
export function readLookupQuery(source: Record<string, unknown>): LookupQuery {
  const search = (single(source.search) ?? '').trim();
  if (search.length > MAX_SEARCH_CHARS) {
    throw new CodedError('BAD_QUERY', `the search may hold up to ${MAX_SEARCH_CHARS} characters`, { params: { detail: `the search may hold up to ${MAX_SEARCH_CHARS} characters` } });
  }
  const refresh = single(source.refresh);
  return {
    search,
    limit: whole('limit', source.limit, DEFAULT_LOOKUP_LIMIT, 1, MAX_LOOKUP_LIMIT),
    offset: whole('offset', source.offset, 0, 0, Number.MAX_SAFE_INTEGER),
    refresh: source.refresh === true || refresh === 'true' || refresh === '1',
  };
}

/** True when every word of `words` is in one of the device's searchable fields. */
function matches(device: DeviceInfo, words: readonly string[]): boolean {
  if (words.length === 0) return true;
  const fields = [device.dsn, device.productName ?? '', device.oemModel ?? '', device.model ?? ''].map((field) => field.toLowerCase());
  return words.every((word) => fields.some((field) => field.includes(word)));
}

/**
 * The page of `devices` (in their given order) that match `query`, and how many match in all.
 */
export function searchDevices(devices: readonly DeviceInfo[], query: LookupQuery): { devices: DeviceSummary[]; total: number } {
  const words = query.search.toLowerCase().split(/\s+/).filter((word) => word !== '');
  const page: DeviceSummary[] = [];
  let total = 0;
  for (const device of devices) {
    if (!matches(device, words)) continue;
    if (total >= query.offset && page.length < query.limit) {
      page.push({ dsn: device.dsn, productName: device.productName, oemModel: device.oemModel, connectionStatus: device.connectionStatus });
    }
    total++;
  }
  return { devices: page, total };
}

/** A device's properties as a picker lists them, in the service's order. */
export function summariseProperties(properties: readonly PropertyInfo[]): { properties: PropertySummary[] } {
  return {
    properties: properties.map((property) => ({
      name: property.name,
      displayName: property.displayName,
      baseType: property.baseType,
      direction: property.direction,
      value: property.value,
      readOnly: property.readOnly,
      ackEnabled: property.ackEnabled,
    })),
  };
}
