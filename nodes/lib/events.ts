/**
 * The five DSS event types: TypeScript shapes and JSON Schemas (docs/protocol.md §6).
 *
 * The schemas are deliberately tolerant where Ayla's pipelines are known to vary (optional
 * `resource_tags`, extra fields anywhere, values whose JSON type does not match `base_type`,
 * new connectivity statuses, the datapointack body under `datapoint` or `datapointack`) and
 * strict only where a message cannot be an event at all. They are compiled once, at load.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

import { EVENT_TYPES, type EventType } from './event-types';

export { BASE_TYPES, EVENT_TYPES, KNOWN_CONNECTIVITY_STATUSES, REGISTRATION_TYPES, isEventType, type BaseType, type EventType } from './event-types';

/** The `metadata` block every event carries. */
export interface EventMetadata {
  oem_id?: string;
  oem_model?: string;
  dsn: string;
  event_type: EventType;
  resource_tags?: unknown[];
  property_name?: string;
  display_name?: string;
  base_type?: string;
  [extra: string]: unknown;
}

/** Fields shared by every event: a per-stream-key sequence number and the metadata. */
export interface EventEnvelope {
  /** A decimal integer, usually as a JSON string ("13"). */
  seq: string | number;
  metadata: EventMetadata;
  [extra: string]: unknown;
}

export interface ConnectivityEvent extends EventEnvelope {
  metadata: EventMetadata & { event_type: 'connectivity' };
  connection: {
    event_time?: string;
    user_uuid?: string | null;
    /** `Online`, `Offline`, and on newer servers `initializing`, `pollingOnline`, ... */
    status: string;
    [extra: string]: unknown;
  };
}

/** The datapoint body; the ack fields appear on datapointack events only. */
export interface DatapointBody {
  id?: string;
  value: unknown;
  created_at?: string;
  updated_at?: string;
  created_at_from_device?: string | null;
  user_uuid?: string | null;
  echo?: boolean;
  closed?: boolean;
  metadata?: Record<string, unknown>;
  ack_message?: unknown;
  ack_status?: number | string;
  ack_id?: string;
  acked_at?: string;
  [extra: string]: unknown;
}

export interface DatapointEvent extends EventEnvelope {
  metadata: EventMetadata & { event_type: 'datapoint'; property_name: string };
  datapoint: DatapointBody;
}

/** Ayla's documents put the body under `datapoint`; its browser client reads `datapointack`. */
export interface DatapointAckEvent extends EventEnvelope {
  metadata: EventMetadata & { event_type: 'datapointack'; property_name: string };
  datapoint?: DatapointBody;
  datapointack?: DatapointBody;
}

export interface LocationEvent extends EventEnvelope {
  metadata: EventMetadata & { event_type: 'location' };
  location_event: {
    dsn?: string;
    ip?: string;
    /** Six decimals, positive values padded with a leading space: `" 44.769500"`. */
    lat: string | number;
    long: string | number;
    provider?: string;
    user_uuid?: string | null;
    created_at?: string;
    [extra: string]: unknown;
  };
}

export interface RegistrationEvent extends EventEnvelope {
  metadata: EventMetadata & { event_type: 'registration' };
  registration_event: {
    dsn?: string;
    user_uuid?: string | null;
    registered: boolean | string | number;
    registration_type?: string;
    registered_at?: string;
    unregistered_at?: string;
    [extra: string]: unknown;
  };
}

/** Any validated DSS event. Narrow it with `event.metadata.event_type`. */
export type AylaEvent = ConnectivityEvent | DatapointEvent | DatapointAckEvent | LocationEvent | RegistrationEvent;

/** Maps each event type to its event interface. */
export interface EventByType {
  connectivity: ConnectivityEvent;
  datapoint: DatapointEvent;
  datapointack: DatapointAckEvent;
  location: LocationEvent;
  registration: RegistrationEvent;
}

/** Thrown by {@link validateEvent}; `path` is the JSON pointer of the first failing field. */
export class EventValidationError extends Error {
  readonly code = 'INVALID_EVENT';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'EventValidationError';
  }
}

const nonEmptyString = { type: 'string', minLength: 1 } as const;
const optionalText = { type: ['string', 'null'] } as const;
/**
 * seq as Ayla sends it (a string of digits) or, tolerated, as a JSON number. At most 15 digits
 * so that every accepted seq converts to a JavaScript number exactly (2^53 has 16 digits).
 */
const seqSchema = {
  anyOf: [
    { type: 'string', pattern: '^[0-9]{1,15}$' },
    { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  ],
} as const;
/** A coordinate: a decimal string, possibly space-padded, or a number. */
const coordinateSchema = {
  anyOf: [{ type: 'string', pattern: '^\\s*[-+]?[0-9]+(\\.[0-9]+)?\\s*$' }, { type: 'number' }],
} as const;

function envelopeSchema(eventType: EventType, metadataRequired: string[], body: Record<string, unknown>, bodyRequired: string[]) {
  return {
    type: 'object',
    required: ['seq', 'metadata', ...bodyRequired],
    properties: {
      seq: seqSchema,
      metadata: {
        type: 'object',
        required: ['dsn', 'event_type', ...metadataRequired],
        properties: {
          dsn: nonEmptyString,
          event_type: { const: eventType },
          oem_id: optionalText,
          oem_model: optionalText,
          resource_tags: { type: ['array', 'null'] },
          property_name: nonEmptyString,
          display_name: optionalText,
          base_type: optionalText,
        },
      },
      ...body,
    },
  };
}

const datapointBodySchema = {
  type: 'object',
  required: ['value'],
  properties: {
    ack_status: { type: ['integer', 'string', 'null'] },
    metadata: { type: ['object', 'null'] },
  },
} as const;

/** JSON Schemas, one per event type (draft-07, as ajv's default). Exported for documentation and tooling. */
export const EVENT_SCHEMAS: Readonly<Record<EventType, object>> = {
  connectivity: envelopeSchema(
    'connectivity',
    [],
    { connection: { type: 'object', required: ['status'], properties: { status: nonEmptyString } } },
    ['connection'],
  ),
  datapoint: envelopeSchema('datapoint', ['property_name'], { datapoint: datapointBodySchema }, ['datapoint']),
  datapointack: {
    ...envelopeSchema('datapointack', ['property_name'], { datapoint: datapointBodySchema, datapointack: datapointBodySchema }, []),
    anyOf: [{ required: ['datapointack'] }, { required: ['datapoint'] }],
  },
  location: envelopeSchema(
    'location',
    [],
    { location_event: { type: 'object', required: ['lat', 'long'], properties: { lat: coordinateSchema, long: coordinateSchema } } },
    ['location_event'],
  ),
  registration: envelopeSchema(
    'registration',
    [],
    {
      registration_event: {
        type: 'object',
        required: ['registered'],
        properties: {
          registered: { anyOf: [{ type: 'boolean' }, { enum: [0, 1, '0', '1', 'true', 'false'] }] },
          registration_type: optionalText,
        },
      },
    },
    ['registration_event'],
  ),
};

/** What every event must have before its type can even be known. */
const ENVELOPE_SCHEMA = {
  type: 'object',
  required: ['seq', 'metadata'],
  properties: {
    seq: seqSchema,
    metadata: {
      type: 'object',
      required: ['event_type', 'dsn'],
      properties: { event_type: { enum: [...EVENT_TYPES] }, dsn: nonEmptyString },
    },
  },
} as const;

// strict: false lets the schemas use `anyOf` next to `required` without ajv warnings;
// allErrors stays off so a hostile event costs one failing check, not a full report.
const ajv = new Ajv({ strict: false, allErrors: false });
const validateEnvelope = ajv.compile(ENVELOPE_SCHEMA);
const validators = Object.fromEntries(EVENT_TYPES.map((type) => [type, ajv.compile(EVENT_SCHEMAS[type])])) as Record<
  EventType,
  ValidateFunction
>;

/**
 * Clearer words than ajv's for the fields whose schema is an `anyOf` (ajv would report the
 * first branch only, e.g. "must match pattern …" for a numeric seq).
 */
const FIELD_EXPECTATIONS: Readonly<Record<string, string>> = {
  '/metadata/event_type': `must be one of ${EVENT_TYPES.join(', ')}`,
  '/seq': 'must be a decimal integer of at most 15 digits (usually a string such as "13")',
  '/location_event/lat': 'must be a decimal number or a decimal string such as " 44.769500"',
  '/location_event/long': 'must be a decimal number or a decimal string such as "-69.428300"',
  '/registration_event/registered': 'must be true, false, 0, 1, "0", "1", "true" or "false"',
};

function describeError(error: ErrorObject | undefined): { message: string; path: string } {
  if (!error) return { message: 'is not a valid event', path: '' };
  const path = error.instancePath;
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    // The datapointack body may be under either key; name the documented one.
    if (path === '' && missing === 'datapointack') {
      return { message: 'is missing (a datapointack event needs a "datapoint" or "datapointack" body)', path: '/datapoint' };
    }
    return { message: 'is missing', path: `${path}/${missing}` };
  }
  const expectation = Object.prototype.hasOwnProperty.call(FIELD_EXPECTATIONS, path) ? FIELD_EXPECTATIONS[path] : undefined;
  if (expectation) return { message: expectation, path };
  if (path === '' && error.keyword === 'type') return { message: 'must be a JSON object', path };
  return { message: error.message ?? 'is invalid', path };
}

function fail(error: ErrorObject | undefined, eventType?: string): never {
  const { message, path } = describeError(error);
  const where = path === '' ? 'the event' : path;
  const prefix = eventType ? `invalid ${eventType} event` : 'invalid event';
  throw new EventValidationError(`${prefix}: ${where} ${message}`, path);
}

/**
 * Checks that `data` (a parsed frame payload) is a DSS event and returns it typed.
 *
 * @param data - the parsed JSON of one event frame.
 * @param expectedType - when given, an event of another type is rejected (a cloud
 *   subscription carries exactly one type).
 * @throws {@link EventValidationError} naming the first failing JSON path, for instance
 *   `/metadata/dsn` or `/metadata/event_type`.
 */
export function validateEvent(data: unknown, expectedType?: EventType): AylaEvent {
  if (!validateEnvelope(data)) fail(validateEnvelope.errors?.[0]);
  const eventType = (data as EventEnvelope).metadata.event_type;
  if (expectedType && eventType !== expectedType) {
    throw new EventValidationError(
      `invalid event: /metadata/event_type is "${eventType}", this stream carries "${expectedType}" events`,
      '/metadata/event_type',
    );
  }
  const validate = validators[eventType];
  if (!validate(data)) fail(validate.errors?.[0], eventType);
  return data as AylaEvent;
}

/**
 * The body of a datapoint or datapointack event, wherever the sender put it. For datapointack
 * events a `datapointack` body wins over `datapoint`; a plain datapoint event always uses
 * `datapoint` (a stray `datapointack` key there is an unvalidated extra field).
 */
export function datapointBody(event: DatapointEvent | DatapointAckEvent): DatapointBody {
  if (event.metadata.event_type === 'datapointack') {
    const ack = (event as DatapointAckEvent).datapointack;
    if (ack !== null && typeof ack === 'object' && !Array.isArray(ack)) return ack;
  }
  return event.datapoint as DatapointBody;
}
