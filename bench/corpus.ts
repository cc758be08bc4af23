/**
 * A deterministic, realistic corpus of encoded DSS frames for the benchmarks: all five event
 * types in the shapes of docs/protocol.md §6, with the oddities real streams have (values as strings,
 * `|` and non-ASCII text in values, missing `resource_tags`, extra fields, space-padded
 * coordinates) and a sprinkling of `1|Z` heartbeats.
 */
import { encodeFrame, HEARTBEAT_FRAME } from '../nodes/lib/frames';
import type { EventType } from '../nodes/lib/events';
import { mulberry32, pickOne, randomUuid, type Random } from '../simulator/prng';

/** Share of each event type in the corpus (sums to 1): a property-heavy stream, as in practice. */
export const EVENT_MIX: Readonly<Record<EventType, number>> = Object.freeze({
  datapoint: 0.8,
  datapointack: 0.08,
  connectivity: 0.06,
  location: 0.04,
  registration: 0.02,
});

/** Default share of frames that are heartbeats (1 %; a real stream has far fewer per event). */
export const DEFAULT_HEARTBEAT_SHARE = 0.01;

/** Options of {@link buildCorpus}. */
export interface CorpusOptions {
  /** Number of frames (heartbeats included). */
  frames: number;
  /** Seed of the generator; the same seed gives the same corpus. Default 1. */
  seed?: number;
  /** Share of heartbeat frames, 0..1; default {@link DEFAULT_HEARTBEAT_SHARE}. */
  heartbeatShare?: number;
}

/** What {@link buildCorpus} returns: the frames and a description of them. */
export interface Corpus {
  frames: string[];
  /** Frames per event type, plus `heartbeat`. */
  counts: Record<EventType | 'heartbeat', number>;
  /** UTF-8 bytes of all frames together. */
  totalBytes: number;
  /** Smallest and largest event frame, UTF-8 bytes. */
  minEventBytes: number;
  maxEventBytes: number;
}

interface PropertyModel {
  name: string;
  displayName: string;
  baseType: 'boolean' | 'integer' | 'decimal' | 'string' | 'message' | 'file';
  value: (random: Random) => unknown;
}

interface DeviceModel {
  oemModel: string;
  dsns: string[];
  properties: PropertyModel[];
}

const OEM_ID = '0dfc7900';
const SYSTEM_USER_UUID = '00000000-0000-0000-0000-000000000000';
const REGISTRATION_TYPES = ['AP-Mode', 'Same-LAN', 'Dsn', 'Button-Push', 'Display'];
/** Mostly the documented statuses, now and then the newer ones. */
const STATUSES = ['Online', 'Offline', 'Online', 'Offline', 'Online', 'initializing', 'pollingOnline'];

const decimal = (min: number, max: number, decimals: number) => (random: Random) =>
  Number((min + random() * (max - min)).toFixed(decimals));
const integer = (min: number, max: number) => (random: Random) => Math.floor(min + random() * (max - min + 1));

/** Three product lines much like the simulator's default scenario, with more devices each. */
const MODELS: DeviceModel[] = [
  {
    oemModel: 'smartplug-v2',
    dsns: Array.from({ length: 40 }, (_, i) => `AC000W000340${String(600 + i)}`),
    properties: [
      { name: 'outlet1', displayName: 'Outlet', baseType: 'boolean', value: (random) => (random() < 0.5 ? 0 : 1) },
      // Some pipelines render every value as a string.
      { name: 'outlet2', displayName: 'Outlet 2', baseType: 'boolean', value: (random) => (random() < 0.5 ? '0' : '1') },
      { name: 'power_w', displayName: 'Power (W)', baseType: 'decimal', value: decimal(0, 1800, 1) },
      { name: 'energy_kwh', displayName: 'Energy (kWh)', baseType: 'decimal', value: decimal(0, 9000, 3) },
      {
        name: 'status_msg',
        displayName: 'Status message',
        baseType: 'message',
        value: (random) => pickOne(random, ['ok', 'overcurrent protection armed', 'firmware 2.4.1 | up to date', 'wifi rssi -61 dBm']),
      },
    ],
  },
  {
    oemModel: 'thermo-t100',
    dsns: Array.from({ length: 40 }, (_, i) => `AC000W005606${String(100 + i)}`),
    properties: [
      { name: 'current_temp', displayName: 'Temperature', baseType: 'decimal', value: decimal(14, 28, 1) },
      { name: 'target_temp', displayName: 'Target temperature', baseType: 'decimal', value: (random) => String(decimal(16, 24, 1)(random)) },
      { name: 'humidity', displayName: 'Humidity (%)', baseType: 'integer', value: integer(25, 70) },
      { name: 'hvac_mode', displayName: 'Mode', baseType: 'string', value: (random) => pickOne(random, ['heat', 'cool', 'auto', 'off']) },
      {
        name: 'event_log',
        displayName: 'Event log',
        baseType: 'message',
        value: (random) => pickOne(random, ['heating started', 'setpoint reached', 'Außentemperatur 3 °C', 'schedule: 06:30 21 °C | 22:00 17 °C']),
      },
    ],
  },
  {
    oemModel: 'airpure-ap3',
    dsns: Array.from({ length: 20 }, (_, i) => `AC000W0123456${String(i).padStart(2, '0')}`),
    properties: [
      { name: 'pm25', displayName: 'PM2.5 (µg/m³)', baseType: 'integer', value: integer(0, 180) },
      { name: 'fan_speed', displayName: 'Fan speed', baseType: 'integer', value: (random) => String(integer(1, 5)(random)) },
      { name: 'filter_hours', displayName: 'Filter hours', baseType: 'decimal', value: decimal(0, 5000, 1) },
      { name: 'air_quality', displayName: 'Air quality', baseType: 'string', value: (random) => pickOne(random, ['good', 'moderate', 'poor']) },
      {
        name: 'snapshot',
        displayName: 'Sensor snapshot',
        baseType: 'file',
        value: (random) => `https://ads-field.aylanetworks.com/apiv1/devices/snapshots/${randomUuid(random)}.json`,
      },
    ],
  },
];

function pickType(random: Random): EventType {
  let roll = random();
  for (const [type, share] of Object.entries(EVENT_MIX) as Array<[EventType, number]>) {
    if (roll < share) return type;
    roll -= share;
  }
  return 'datapoint';
}

/** An Ayla timestamp (seconds precision, `Z`), walking forward from 2024-05-01. */
function timestampAt(index: number): string {
  return new Date(Date.UTC(2024, 4, 1) + index * 1700).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Six decimals, positive values padded with a leading space, as Ayla sends coordinates. */
function coordinate(value: number): string {
  const text = value.toFixed(6);
  return value >= 0 ? ` ${text}` : text;
}

function metadataFor(random: Random, model: DeviceModel, dsn: string, eventType: EventType, property?: PropertyModel): object {
  const metadata: Record<string, unknown> = { oem_id: OEM_ID, oem_model: model.oemModel, dsn };
  if (property) {
    metadata.property_name = property.name;
    metadata.display_name = property.displayName;
    metadata.base_type = property.baseType;
  }
  // resource_tags is missing from some real frames.
  if (random() < 0.9) metadata.resource_tags = [];
  metadata.event_type = eventType;
  return metadata;
}

function eventJson(random: Random, seq: number, at: string): { type: EventType; json: string } {
  const type = pickType(random);
  const model = pickOne(random, MODELS);
  const dsn = pickOne(random, model.dsns);
  const body: Record<string, unknown> = { seq: String(seq) };
  if (type === 'datapoint' || type === 'datapointack') {
    const property = pickOne(random, model.properties);
    body.metadata = metadataFor(random, model, dsn, type, property);
    const datapoint: Record<string, unknown> = {
      id: randomUuid(random),
      created_at_from_device: random() < 0.2 ? at : null,
      updated_at: at,
      created_at: at,
      user_uuid: SYSTEM_USER_UUID,
      echo: random() < 0.3,
      closed: false,
      value: property.value(random),
    };
    if (type === 'datapointack') {
      Object.assign(datapoint, { ack_message: 0, ack_status: random() < 0.9 ? 200 : 404, ack_id: randomUuid(random), acked_at: at });
    }
    datapoint.metadata = {};
    // Newer pipelines add fields a client must ignore.
    if (random() < 0.1) Object.assign(datapoint, { discarded: false, scope: 'user', direction: 'output' });
    body.datapoint = datapoint;
  } else if (type === 'connectivity') {
    body.metadata = metadataFor(random, model, dsn, type);
    body.connection = { event_time: at, user_uuid: SYSTEM_USER_UUID, status: pickOne(random, STATUSES) };
  } else if (type === 'location') {
    body.metadata = metadataFor(random, model, dsn, type);
    body.location_event = {
      dsn,
      ip: `198.51.100.${integer(1, 254)(random)}`,
      lat: coordinate(-60 + random() * 130),
      long: coordinate(-180 + random() * 360),
      provider: 'ip-based',
      user_uuid: SYSTEM_USER_UUID,
      created_at: at,
    };
  } else {
    body.metadata = metadataFor(random, model, dsn, type);
    const registered = random() < 0.6;
    body.registration_event = {
      dsn,
      user_uuid: registered ? SYSTEM_USER_UUID : null,
      registered,
      registration_type: pickOne(random, REGISTRATION_TYPES),
      [registered ? 'registered_at' : 'unregistered_at']: at,
    };
  }
  return { type, json: JSON.stringify(body) };
}

/**
 * Builds `options.frames` encoded frames (`LEN|JSON`, LEN in UTF-8 bytes), events numbered
 * with consecutive `seq` from 0 and heartbeats interleaved at random.
 */
export function buildCorpus(options: CorpusOptions): Corpus {
  const random = mulberry32(options.seed ?? 1);
  const heartbeatShare = options.heartbeatShare ?? DEFAULT_HEARTBEAT_SHARE;
  const counts: Corpus['counts'] = { datapoint: 0, datapointack: 0, connectivity: 0, location: 0, registration: 0, heartbeat: 0 };
  const frames: string[] = [];
  let totalBytes = 0;
  let minEventBytes = Number.POSITIVE_INFINITY;
  let maxEventBytes = 0;
  let seq = 0;
  for (let i = 0; i < options.frames; i++) {
    if (random() < heartbeatShare) {
      frames.push(HEARTBEAT_FRAME);
      counts.heartbeat++;
      totalBytes += HEARTBEAT_FRAME.length;
      continue;
    }
    const { type, json } = eventJson(random, seq, timestampAt(seq));
    seq++;
    const frame = encodeFrame(json);
    const bytes = Buffer.byteLength(frame, 'utf8');
    frames.push(frame);
    counts[type]++;
    totalBytes += bytes;
    minEventBytes = Math.min(minEventBytes, bytes);
    maxEventBytes = Math.max(maxEventBytes, bytes);
  }
  return { frames, counts, totalBytes, minEventBytes: Number.isFinite(minEventBytes) ? minEventBytes : 0, maxEventBytes };
}
