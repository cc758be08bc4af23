/**
 * From a validated DSS event to the typed fields a flow wants (`docs/protocol.md` §6): seq as a number,
 * datapoint values converted by `base_type`, numeric latitude / longitude, a boolean
 * `registered`, the datapointack outcome.
 *
 * Every output object is built from explicit field picks, so keys such as `__proto__` or
 * `constructor` in the input can never change an output's prototype or Object.prototype. The
 * free-form parts (the datapoint body's `metadata`, `rawValue`, `ackMessage`) are deep copies
 * made by `copyJsonData` (event-copy.ts), which keeps such keys as own data and copies any depth
 * without recursion past its first levels.
 *
 * A value that cannot be converted is never dropped: it stays in `value` in its raw form and
 * `valueError` says why. Nothing here recurses over cloud-supplied data: `JSON.parse` accepts
 * nesting thousands of levels deep, and a RangeError would drop the event. A value nested
 * deeper than {@link MAX_VALUE_DEPTH} levels is flagged instead of rendered (only values that
 * are objects or arrays are measured, so scalar values, the usual case, cost nothing).
 */
import { copyJsonData } from './event-copy';
import { booleanOrNull, convertValue, describeRaw, textOrNull, toBoolean, toNumber } from './value-conversion';

export { convertValue, MAX_VALUE_DEPTH, type ConvertedValue } from './value-conversion';
import {
  datapointBody,
  type AylaEvent,
  type ConnectivityEvent,
  type DatapointAckEvent,
  type DatapointBody,
  type DatapointEvent,
  type EventType,
  type LocationEvent,
  type RegistrationEvent,
} from './events';

/** Fields every normalised event has. */
export interface NormalisedBase {
  eventType: EventType;
  /** The per-stream-key sequence number, as a number. */
  seq: number;
  dsn: string;
  oemModel: string | null;
  oemId: string | null;
}

/** A datapoint event: one property value change. */
export interface NormalisedDatapoint extends NormalisedBase {
  eventType: 'datapoint';
  property: string;
  displayName: string | null;
  baseType: string | null;
  /** Converted by `baseType`; the raw form when conversion failed (see `valueError`). */
  value: boolean | number | string | null;
  /** The value as received. */
  rawValue: unknown;
  /** Set when conversion failed: `value` then keeps the raw form (objects as JSON text). */
  valueError?: string;
  datapointId: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  createdAtFromDevice: string | null;
  echo: boolean | null;
  userUuid: string | null;
  /** The body's free-form `metadata`, copied (empty when absent). */
  metadata: Record<string, unknown>;
}

/** A datapointack event: a device confirmed (or refused) a property change. */
export interface NormalisedDatapointAck extends Omit<NormalisedDatapoint, 'eventType'> {
  eventType: 'datapointack';
  ackStatus: number | null;
  /** True when `ackStatus` is in 200..299. */
  ackSuccess: boolean;
  ackMessage: unknown;
  ackId: string | null;
  ackedAt: string | null;
}

/** A connectivity event. `status` is passed through, including statuses unknown today. */
export interface NormalisedConnectivity extends NormalisedBase {
  eventType: 'connectivity';
  status: string;
  eventTime: string | null;
  userUuid: string | null;
}

/** A location event with numeric coordinates (degrees). */
export interface NormalisedLocation extends NormalisedBase {
  eventType: 'location';
  lat: number;
  long: number;
  ip: string | null;
  provider: string | null;
  createdAt: string | null;
  userUuid: string | null;
  /** Set when a coordinate is not a number or out of range (NaN when it could not be read). */
  valueError?: string;
}

/** A registration event. */
export interface NormalisedRegistration extends NormalisedBase {
  eventType: 'registration';
  registered: boolean;
  registrationType: string | null;
  registeredAt: string | null;
  unregisteredAt: string | null;
  userUuid: string | null;
}

/** Any normalised event; narrow it with `eventType`. */
export type NormalisedEvent =
  | NormalisedDatapoint
  | NormalisedDatapointAck
  | NormalisedConnectivity
  | NormalisedLocation
  | NormalisedRegistration;

/** The ack status as a number (JSON number or decimal string), or null. */
function toAckStatus(raw: unknown): number | null {
  const status = toNumber(raw);
  return status !== undefined && Number.isInteger(status) ? status : null;
}

function baseFields(event: AylaEvent) {
  const metadata = event.metadata;
  return {
    seq: typeof event.seq === 'number' ? event.seq : Number(event.seq),
    dsn: String(metadata.dsn),
    oemModel: textOrNull(metadata.oem_model),
    oemId: textOrNull(metadata.oem_id),
  };
}

/**
 * The fields datapoint and datapointack share. Written out field by field on purpose: an object
 * literal that spreads another object and then adds fifteen more fields takes V8's slow path
 * (about 14 µs per event here, see bench/core-throughput.ts); this form takes about 1 µs.
 */
function datapointFields<T extends 'datapoint' | 'datapointack'>(eventType: T, event: DatapointEvent | DatapointAckEvent, body: DatapointBody) {
  const metadata = event.metadata;
  const baseType = textOrNull(metadata.base_type);
  const converted = convertValue(body.value, baseType);
  const bodyMetadata = body.metadata;
  const fields: Omit<NormalisedDatapoint, 'eventType'> & { eventType: T } = {
    eventType,
    seq: typeof event.seq === 'number' ? event.seq : Number(event.seq),
    dsn: String(metadata.dsn),
    oemModel: textOrNull(metadata.oem_model),
    oemId: textOrNull(metadata.oem_id),
    property: String(metadata.property_name),
    displayName: textOrNull(metadata.display_name),
    baseType,
    value: converted.value,
    rawValue: copyJsonData(body.value),
    datapointId: textOrNull(body.id),
    createdAt: textOrNull(body.created_at),
    updatedAt: textOrNull(body.updated_at),
    createdAtFromDevice: textOrNull(body.created_at_from_device),
    echo: booleanOrNull(body.echo),
    userUuid: textOrNull(body.user_uuid),
    metadata: (bodyMetadata !== null && typeof bodyMetadata === 'object' && !Array.isArray(bodyMetadata)
      ? copyJsonData(bodyMetadata)
      : {}) as Record<string, unknown>,
  };
  // Present only when conversion failed, so `'valueError' in msg.ayla` means trouble.
  if (converted.error !== undefined) fields.valueError = converted.error;
  return fields;
}

function normaliseDatapoint(event: DatapointEvent): NormalisedDatapoint {
  return datapointFields('datapoint', event, datapointBody(event));
}

function normaliseDatapointAck(event: DatapointAckEvent): NormalisedDatapointAck {
  const body = datapointBody(event);
  const ackStatus = toAckStatus(body.ack_status);
  // Extended in place rather than spread into a new literal, for the reason given above.
  const fields = datapointFields('datapointack', event, body) as NormalisedDatapointAck;
  fields.ackStatus = ackStatus;
  fields.ackSuccess = ackStatus !== null && ackStatus >= 200 && ackStatus <= 299;
  fields.ackMessage = copyJsonData(body.ack_message) ?? null;
  fields.ackId = textOrNull(body.ack_id);
  fields.ackedAt = textOrNull(body.acked_at);
  return fields;
}

function normaliseConnectivity(event: ConnectivityEvent): NormalisedConnectivity {
  const connection = event.connection;
  return {
    eventType: 'connectivity',
    ...baseFields(event),
    status: String(connection.status),
    eventTime: textOrNull(connection.event_time),
    userUuid: textOrNull(connection.user_uuid),
  };
}

/** A coordinate in degrees, or an explanation of why it is not one. */
function toCoordinate(raw: unknown, name: 'lat' | 'long', limit: number): { value: number; error?: string } {
  const value = toNumber(raw);
  if (value === undefined) return { value: Number.NaN, error: `${name} ${describeRaw(raw)} is not a number` };
  if (Math.abs(value) > limit) return { value, error: `${name} ${value} is outside ±${limit} degrees` };
  return { value };
}

function normaliseLocation(event: LocationEvent): NormalisedLocation {
  const body = event.location_event;
  const lat = toCoordinate(body.lat, 'lat', 90);
  const long = toCoordinate(body.long, 'long', 180);
  const errors = [lat.error, long.error].filter((error): error is string => error !== undefined);
  return {
    eventType: 'location',
    ...baseFields(event),
    lat: lat.value,
    long: long.value,
    ip: textOrNull(body.ip),
    provider: textOrNull(body.provider),
    createdAt: textOrNull(body.created_at),
    userUuid: textOrNull(body.user_uuid),
    ...(errors.length === 0 ? {} : { valueError: errors.join('; ') }),
  };
}

function normaliseRegistration(event: RegistrationEvent): NormalisedRegistration {
  const body = event.registration_event;
  return {
    eventType: 'registration',
    ...baseFields(event),
    // The schema admits only boolean-like values; anything else would be a caller bypassing it.
    registered: toBoolean(body.registered) ?? false,
    registrationType: textOrNull(body.registration_type),
    registeredAt: textOrNull(body.registered_at),
    unregisteredAt: textOrNull(body.unregistered_at),
    userUuid: textOrNull(body.user_uuid),
  };
}

/**
 * Builds the typed fields of a validated event (see `validateEvent` in events.ts).
 *
 * - `seq` becomes a number; `oemModel` / `oemId` are null when absent.
 * - datapoint / datapointack: `value` converted by `baseType` (boolean from 0/1/"0"/"1"/
 *   true/false/"true"/"false"; integer and decimal from numbers or decimal strings, integers
 *   must be whole and within ±2^53; string, message and file as strings; unknown base types
 *   unchanged). A failed conversion keeps the raw value in `value` (objects as JSON text) and
 *   sets `valueError`; a value nested deeper than {@link MAX_VALUE_DEPTH} levels gets
 *   `value: null` and `valueError`, and stays whole in `rawValue`. datapointack adds `ackStatus`, `ackSuccess` (status 200..299),
 *   `ackMessage`, `ackId`, `ackedAt`.
 * - location: `lat` / `long` as numbers with the padding trimmed; `valueError` when out of range.
 * - registration: `registered` as a boolean.
 *
 * Never throws for an event that passed validation, whatever its size or nesting.
 */
export function normaliseEvent(event: AylaEvent): NormalisedEvent {
  switch (event.metadata.event_type) {
    case 'datapoint':
      return normaliseDatapoint(event as DatapointEvent);
    case 'datapointack':
      return normaliseDatapointAck(event as DatapointAckEvent);
    case 'connectivity':
      return normaliseConnectivity(event as ConnectivityEvent);
    case 'location':
      return normaliseLocation(event as LocationEvent);
    case 'registration':
      return normaliseRegistration(event as RegistrationEvent);
    default:
      throw new TypeError(`cannot normalise an event of type "${String((event.metadata as { event_type: unknown }).event_type)}"`);
  }
}
