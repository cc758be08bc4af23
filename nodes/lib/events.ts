/**
 * The five DSS event types as TypeScript shapes (`docs/protocol.md` §6). Their JSON Schemas and
 * the validation live in `event-validation.ts`, re-exported here.
 */
import type { EventType } from './event-types';

export { BASE_TYPES, EVENT_TYPES, KNOWN_CONNECTIVITY_STATUSES, REGISTRATION_TYPES, isEventType, type BaseType, type EventType } from './event-types';
export { EVENT_SCHEMAS, EventValidationError, MAX_VALIDATION_MESSAGE_CHARS, validateEvent, type ValidationReason } from './event-validation';

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
