/**
 * The messages the package's nodes send: the one place a message is built, and its TypeScript
 * types, which a flow author (or a function node written in TypeScript) can import from the
 * package. The five `ayla-*-in` nodes send events (and, with `initial`, the current state once
 * after they start); `ayla-datapoint-out` sends on the message it wrote, with the outcome.
 *
 * Every message has the same four parts:
 * - `topic`: `<dsn>/<property_name>` for datapoint and datapointack, `<dsn>` otherwise;
 * - `payload`: the one value most flows want (see each type below);
 * - `ayla`: the normalised fields (plain object, numbers and booleans already typed);
 * - `event`: the event exactly as DSS sent it (after JSON parsing, before normalising).
 */
import type {
  AylaEvent,
  ConnectivityEvent,
  DatapointAckEvent,
  DatapointEvent,
  EventType,
  LocationEvent,
  RegistrationEvent,
} from './events';
import type { AckResult } from './ack-wait';
import type { DatapointInfo } from './device-records';
import type {
  NormalisedConnectivity,
  NormalisedDatapoint,
  NormalisedDatapointAck,
  NormalisedEvent,
  NormalisedLocation,
  NormalisedRegistration,
} from './normalise';

/**
 * One message from an `ayla-*-in` node.
 *
 * @typeParam N - the normalised fields (`msg.ayla`)
 * @typeParam E - the raw event (`msg.event`)
 * @typeParam P - the payload type
 */
// A type alias, not an interface: aliases are assignable to Node-RED's indexable NodeMessage.
export type AylaMessage<N extends NormalisedEvent = NormalisedEvent, E extends AylaEvent = AylaEvent, P = unknown> = {
  /** Set by Node-RED when the message enters the flow. */
  _msgid?: string;
  /** `<dsn>/<property_name>` for datapoint and datapointack, `<dsn>` for the other types. */
  topic: string;
  payload: P;
  /** The normalised event: `eventType`, `seq` (a number), `dsn`, `oemModel`, `oemId` and type-specific fields. */
  ayla: N;
  /** The event object exactly as received from DSS. */
  event: E;
};

/** `ayla-datapoint-in`: payload is the value converted by its base type (boolean, number or string). */
export type DatapointMessage = AylaMessage<NormalisedDatapoint, DatapointEvent, boolean | number | string | null>;
/** `ayla-datapointack-in`: payload is the acknowledged value converted by its base type. */
export type DatapointAckMessage = AylaMessage<NormalisedDatapointAck, DatapointAckEvent, boolean | number | string | null>;
/** `ayla-connectivity-in`: payload is the status string (`Online`, `Offline`, `initializing`, …). */
export type ConnectivityMessage = AylaMessage<NormalisedConnectivity, ConnectivityEvent, string>;
/** `ayla-location-in`: payload is `{ lat, long }` as numbers. */
export type LocationMessage = AylaMessage<NormalisedLocation, LocationEvent, { lat: number; long: number }>;
/** `ayla-registration-in`: payload is true when the device was registered, false when unregistered. */
export type RegistrationMessage = AylaMessage<NormalisedRegistration, RegistrationEvent, boolean>;

/** The message type each event type produces. */
export interface MessageByEventType {
  connectivity: ConnectivityMessage;
  datapoint: DatapointMessage;
  datapointack: DatapointAckMessage;
  location: LocationMessage;
  registration: RegistrationMessage;
}

/** The Node-RED type name of the in-node for an event type: `ayla-<event>-in`. */
export function inNodeTypeOf(eventType: EventType): string {
  return `ayla-${eventType}-in`;
}

/** The `msg.topic` for an event: `<dsn>/<property>` for datapoint(ack), else `<dsn>`. */
export function topicOf(n: NormalisedEvent): string {
  return n.eventType === 'datapoint' || n.eventType === 'datapointack' ? `${n.dsn}/${n.property}` : n.dsn;
}

/**
 * The `msg.payload` for an event: the converted value for datapoint(ack), the status for
 * connectivity, `{ lat, long }` for location, `registered` for registration.
 */
export function payloadOf(n: NormalisedEvent): unknown {
  switch (n.eventType) {
    case 'datapoint':
    case 'datapointack':
      return n.value;
    case 'connectivity':
      return n.status;
    case 'location':
      return { lat: n.lat, long: n.long };
    case 'registration':
      return n.registered;
  }
}

/** The two hex digits of every byte value (a constant table: formatting numbers is the slow part). */
const HEX_BYTES: readonly string[] = Object.freeze(Array.from({ length: 256 }, (_unused, byte) => byte.toString(16).padStart(2, '0')));

/** Eight random hex digits from one draw of `Math.random` (32 bits). */
function randomHex8(): string {
  const bits = (Math.random() * 0x100000000) >>> 0;
  return HEX_BYTES[bits >>> 24] + HEX_BYTES[(bits >>> 16) & 0xff] + HEX_BYTES[(bits >>> 8) & 0xff] + HEX_BYTES[bits & 0xff];
}

/**
 * A new `msg._msgid` in Node-RED's form: 16 random hex digits (`Math.random`, like Node-RED's
 * own `generateId`), about five times faster than `generateId`, which formats and joins eight
 * numbers: at tens of thousands of messages a second that is a measurable share of a message's
 * cost (`bench/README.md`). A message that has an id is sent without Node-RED making one.
 */
export function newMessageId(): string {
  return randomHex8() + randomHex8();
}

/**
 * The message for an event: a fresh `_msgid`, topic, typed payload, normalised fields and the
 * raw event. Both objects become part of the message as they are (the hub hands each listener
 * its own copy).
 */
export function buildMessage(normalised: NormalisedEvent, raw: AylaEvent): AylaMessage {
  return { _msgid: newMessageId(), topic: topicOf(normalised), payload: payloadOf(normalised), ayla: normalised, event: raw };
}

/**
 * A message of the current state an in-node with `initial` sends once after it starts
 * (`docs/protocol.md` §7.6): the shape of the event message of its type, read from the device
 * service instead of the stream. `initial` is true, `ayla.seq` is null (no stream event stands
 * behind it) and there is no `event`.
 */
export type InitialMessage<N extends NormalisedEvent = NormalisedEvent, P = unknown> = {
  _msgid?: string;
  topic: string;
  payload: P;
  ayla: Omit<N, 'seq'> & { seq: null };
  initial: true;
};

/** `ayla-datapoint-in` with `initial`: a property's current value (`ayla.createdAt` = its `data_updated_at`). */
export type InitialDatapointMessage = InitialMessage<NormalisedDatapoint, boolean | number | string | null>;
/** `ayla-connectivity-in` with `initial`: a device's `connection_status`. */
export type InitialConnectivityMessage = InitialMessage<NormalisedConnectivity, string>;
/** `ayla-location-in` with `initial`: a device's `lat` / `lng`. */
export type InitialLocationMessage = InitialMessage<NormalisedLocation, { lat: number; long: number }>;

/** The message of a current state, from its normalised form (see {@link InitialMessage}). */
export function buildInitialMessage(normalised: NormalisedEvent): InitialMessage {
  return { topic: topicOf(normalised), payload: payloadOf(normalised), ayla: { ...normalised, seq: null }, initial: true };
}

/** What `ayla-datapoint-out` puts into `msg.ayla` of the message it sends on. */
export interface DatapointWrite {
  dsn: string;
  property: string;
  /** The property's base type, as the device service reports it. */
  baseType: string | null;
  /** The value as sent: booleans as 1 / 0, numbers as numbers, text as text. */
  value: number | string;
  /** Requests the write took, retries after 429 / 502 / 503 / 504 included. */
  attempts: number;
  /** The datapoint as the service created it. */
  datapoint: Pick<DatapointInfo, 'id' | 'value' | 'createdAt' | 'updatedAt' | 'ackEnabled'>;
  /** The device's acknowledgement when the node waited for it; null otherwise (or when the property has none). */
  ack: AckResult | null;
}

/** The message `ayla-datapoint-out` sends on: the input message, `topic` `<dsn>/<property>`, `ayla` the write. */
export type DatapointWriteMessage = Record<string, unknown> & { topic: string; ayla: DatapointWrite };

/**
 * The input message with the write's outcome: `topic` becomes `<dsn>/<property>` and `ayla`
 * the {@link DatapointWrite} (an `ayla` the message had, say from an event, is replaced);
 * `payload` and every other property stay as they were.
 */
export function buildWriteMessage(msg: Record<string, unknown>, write: DatapointWrite): DatapointWriteMessage {
  return Object.assign(msg, { topic: `${write.dsn}/${write.property}`, ayla: write });
}
