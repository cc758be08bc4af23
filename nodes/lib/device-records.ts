/**
 * The device service's answers (`docs/protocol.md` §7.2, §7.3) read into small typed records:
 * devices, properties and datapoints. Reading is tolerant where Ayla's answers vary (records
 * wrapped as `{"device":{…}}` or bare, the plain or the paginated device list, numbers as
 * strings) and strict only where a record would be useless (a device without a DSN, a property
 * without a name). Every record is built field by field, so nothing of the answer but the named
 * fields reaches a flow or the editor.
 */

/** A device as pickers and initial values use it. */
export interface DeviceInfo {
  dsn: string;
  productName: string | null;
  model: string | null;
  oemModel: string | null;
  /** `Online`, `Offline` or any other status string the service reports. */
  connectionStatus: string | null;
  /** Latitude and longitude as the service sends them (often strings with six decimals). */
  lat: unknown;
  lng: unknown;
  connectedAt: string | null;
}

/** A property as pickers, initial values and writes use it. */
export interface PropertyInfo {
  name: string;
  displayName: string | null;
  /** `boolean`, `integer`, `decimal`, `string`, `message`, `file`, or null when not said. */
  baseType: string | null;
  /** `input`: written by the cloud to the device; `output`: reported by the device. */
  direction: string | null;
  /** The current value as the service sends it. */
  value: unknown;
  dataUpdatedAt: string | null;
  readOnly: boolean;
  ackEnabled: boolean;
}

/** A written datapoint, with its acknowledgement once the device answered. */
export interface DatapointInfo {
  /** Null when the answer has none (then the ack cannot be followed). */
  id: string | null;
  value: unknown;
  createdAt: string | null;
  updatedAt: string | null;
  /** Null when the answer does not say. */
  ackEnabled: boolean | null;
  /** Null until the device acknowledged. */
  ackStatus: number | null;
  ackMessage: unknown;
  ackedAt: string | null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function flag(value: unknown): boolean {
  return value === true || value === 1 || value === 'true' || value === '1';
}

/** A scalar as it came (strings, numbers, booleans, null); objects and arrays become JSON text. */
function scalar(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object') return value;
  try {
    return JSON.stringify(value);
  } catch {
    // Parsed JSON cannot be cyclic; anything else is not worth showing.
    return null;
  }
}

function recordOf(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** The record inside `{"<key>": {…}}`, or the object itself when it is not wrapped. */
function unwrap(value: unknown, key: string): Record<string, unknown> | null {
  const record = recordOf(value);
  if (!record) return null;
  return recordOf(record[key]) ?? record;
}

/** One device record; null when it has no DSN. */
export function readDevice(value: unknown): DeviceInfo | null {
  const device = unwrap(value, 'device');
  const dsn = device ? text(device.dsn) : null;
  if (!device || !dsn) return null;
  return {
    dsn,
    productName: text(device.product_name),
    model: text(device.model),
    oemModel: text(device.oem_model),
    connectionStatus: text(device.connection_status),
    lat: scalar(device.lat),
    lng: scalar(device.lng),
    connectedAt: text(device.connected_at),
  };
}

/**
 * The devices of a `GET /apiv1/devices.json` answer: Ayla's plain list, or its paginated shape
 * (`{"devices":[…]}`). Records without a DSN are skipped.
 *
 * @returns null when the answer is neither
 */
export function readDeviceList(body: unknown): DeviceInfo[] | null {
  const list = Array.isArray(body) ? body : recordOf(body) && Array.isArray((body as Record<string, unknown>).devices) ? ((body as Record<string, unknown>).devices as unknown[]) : null;
  if (!list) return null;
  const devices: DeviceInfo[] = [];
  for (const item of list) {
    const device = readDevice(item);
    if (device) devices.push(device);
  }
  return devices;
}

/** One property record; null when it has no name. */
export function readProperty(value: unknown): PropertyInfo | null {
  const property = unwrap(value, 'property');
  const name = property ? text(property.name) : null;
  if (!property || !name) return null;
  return {
    name,
    displayName: text(property.display_name),
    baseType: text(property.base_type),
    direction: text(property.direction),
    value: scalar(property.value),
    dataUpdatedAt: text(property.data_updated_at),
    readOnly: flag(property.read_only),
    ackEnabled: flag(property.ack_enabled),
  };
}

/**
 * The properties of a `GET /apiv1/dsns/{dsn}/properties.json` answer. Records without a name
 * are skipped.
 *
 * @returns null when the answer is not a list
 */
export function readPropertyList(body: unknown): PropertyInfo[] | null {
  if (!Array.isArray(body)) return null;
  const properties: PropertyInfo[] = [];
  for (const item of body) {
    const property = readProperty(item);
    if (property) properties.push(property);
  }
  return properties;
}

/** An integer from a number or a decimal string, else null. */
function integerOrNull(value: unknown): number | null {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(number) ? number : null;
}

/** A datapoint record (`{"datapoint":{…}}` or bare); null when the answer is not an object. */
export function readDatapoint(body: unknown): DatapointInfo | null {
  const datapoint = unwrap(body, 'datapoint');
  if (!datapoint) return null;
  const id = typeof datapoint.id === 'number' ? String(datapoint.id) : text(datapoint.id);
  return {
    id,
    value: scalar(datapoint.value),
    createdAt: text(datapoint.created_at),
    updatedAt: text(datapoint.updated_at),
    ackEnabled: datapoint.ack_enabled === undefined || datapoint.ack_enabled === null ? null : flag(datapoint.ack_enabled),
    ackStatus: integerOrNull(datapoint.ack_status),
    ackMessage: scalar(datapoint.ack_message),
    ackedAt: text(datapoint.acked_at),
  };
}
