/**
 * The frames of the side-by-side benchmark: datapoint events of about 480 bytes, as DSS sends
 * them (`LEN|JSON`, `docs/protocol.md` §5.2), cycling over 48 DSNs × 5 properties, one property
 * per base type (boolean, integer, decimal, string, file). Built from the seq alone, so the
 * frame server and the sinks' filters agree on which DSN each seq carries.
 */
import { encodeFrame } from '../../nodes/lib/frames';

/** Number of devices in the stream. */
export const DSN_COUNT = 48;

/** The DSN of device `index` (0 … {@link DSN_COUNT} - 1): 15 characters, as Ayla's. */
export function dsnOf(index: number): string {
  return `AC000W0003406${String(index).padStart(2, '0')}`;
}

interface PropertyShape {
  name: string;
  displayName: string;
  baseType: 'boolean' | 'integer' | 'decimal' | 'string' | 'file';
  value(seq: number): unknown;
}

const PROPERTIES: PropertyShape[] = [
  { name: 'outlet1', displayName: 'Outlet', baseType: 'boolean', value: (seq) => seq % 2 },
  { name: 'humidity', displayName: 'Humidity (%)', baseType: 'integer', value: (seq) => 25 + (seq % 46) },
  { name: 'power_w', displayName: 'Power (W)', baseType: 'decimal', value: (seq) => Math.round((seq * 7.3) % 1800) / 10 },
  { name: 'hvac_mode', displayName: 'Mode', baseType: 'string', value: (seq) => ['heat', 'cool', 'auto', 'off'][seq % 4] },
  {
    name: 'snapshot',
    displayName: 'Snapshot',
    baseType: 'file',
    value: (seq) => `https://ads-field.aylanetworks.com/snap/${(seq * 2654435761 >>> 0).toString(16).padStart(8, '0')}.json`,
  },
];

/** Which device a seq belongs to: the stream walks the 48 devices, 5 properties each. */
export function dsnIndexOf(seq: number): number {
  return Math.floor(seq / PROPERTIES.length) % DSN_COUNT;
}

/** An Ayla timestamp (seconds, `Z`), a second per event from 2024-05-01. */
function timestampAt(seq: number): string {
  return new Date(Date.UTC(2024, 4, 1) + seq * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A UUID-shaped datapoint id derived from the seq. */
function datapointId(seq: number): string {
  const hex = ((seq * 2654435761) >>> 0).toString(16).padStart(8, '0') + ((seq * 40503 + 12345) >>> 0).toString(16).padStart(8, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(1, 4)}-${hex.slice(4, 16)}`;
}

/** The JSON of datapoint event `seq`. */
export function eventJsonOf(seq: number): string {
  const property = PROPERTIES[seq % PROPERTIES.length];
  const at = timestampAt(seq);
  return JSON.stringify({
    seq: String(seq),
    metadata: {
      oem_id: '0dfc7900',
      oem_model: 'smartplug-v2',
      dsn: dsnOf(dsnIndexOf(seq)),
      property_name: property.name,
      display_name: property.displayName,
      base_type: property.baseType,
      resource_tags: [],
      event_type: 'datapoint',
    },
    datapoint: {
      id: datapointId(seq),
      created_at_from_device: null,
      updated_at: at,
      created_at: at,
      user_uuid: '00000000-0000-0000-0000-000000000000',
      echo: false,
      closed: false,
      value: property.value(seq),
      metadata: {},
    },
  });
}

/** Frame `seq` as UTF-8 bytes, ready for the socket. */
export function frameBytesOf(seq: number): Buffer {
  return Buffer.from(encodeFrame(eventJsonOf(seq)), 'utf8');
}
