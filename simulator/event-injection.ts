/**
 * Completing a partial event posted to `POST /sim/events`: metadata the device is known to
 * have (oem_id, oem_model, display_name, base_type, resource_tags) and the usual body fields
 * (ids, timestamps) are filled in; whatever the caller gave wins.
 */
import { datapointBody, isEventType, validateEvent, type EventType } from '../nodes/lib/events';
import { aylaTimestamp, type Clock } from './clock';
import { SYSTEM_USER_UUID, type DeviceRegistry, type UnsequencedEvent, type VirtualDevice } from './devices';
import { errorsString } from './http-io';
import { randomUuid, type Random } from './prng';
import type { ScenarioProperty } from './scenario';

/** The body key each event type uses (datapointack under `datapoint`, as Ayla documents). */
const BODY_KEY: Record<EventType, string> = {
  connectivity: 'connection',
  datapoint: 'datapoint',
  datapointack: 'datapoint',
  location: 'location_event',
  registration: 'registration_event',
};

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Context for {@link completeEvent}. */
export interface CompletionContext {
  devices: DeviceRegistry;
  now: Clock;
  random: Random;
}

/**
 * Fills in a partial event and, unless `validate` is false, checks it with the shared event
 * schemas. Known devices' state follows the event (a datapoint value, a connectivity status,
 * a registration), so later automatic events continue from it.
 *
 * @throws HttpError 422 when event_type or dsn is missing, or the completed event is invalid.
 */
export function completeEvent(input: Record<string, unknown>, context: CompletionContext, validate: boolean): UnsequencedEvent {
  const { devices, now, random } = context;
  const metadataIn = asObject(input.metadata) ?? {};
  const eventType = metadataIn.event_type;
  const dsn = metadataIn.dsn;
  if (!isEventType(eventType)) throw errorsString(422, 'metadata.event_type must be one of the five event types');
  if (typeof dsn !== 'string' || dsn === '') throw errorsString(422, "metadata.dsn can't be blank");

  const device = devices.get(dsn);
  const propertyName = typeof metadataIn.property_name === 'string' ? metadataIn.property_name : undefined;
  const property = device && propertyName !== undefined ? devices.propertyOf(device, propertyName) : undefined;
  const known = device ? devices.metadataFor(device, eventType, property) : { resource_tags: [], event_type: eventType, dsn };
  const metadata = { ...known, ...metadataIn, event_type: eventType, dsn };

  const at = aylaTimestamp(now());
  const bodyKey = BODY_KEY[eventType];
  const event: UnsequencedEvent = { ...input, metadata };
  delete (event as Record<string, unknown>).seq;
  const given = asObject(input[bodyKey]);
  if (eventType === 'datapointack' && !given && asObject(input.datapointack)) {
    // The caller chose Ayla's browser-client spelling; leave it as given.
  } else if (eventType === 'datapoint' || eventType === 'datapointack') {
    const defaults: Record<string, unknown> = {
      id: randomUuid(random),
      created_at_from_device: null,
      updated_at: at,
      created_at: at,
      user_uuid: SYSTEM_USER_UUID,
      echo: false,
      closed: false,
      metadata: {},
    };
    if (eventType === 'datapointack') Object.assign(defaults, { ack_message: 0, ack_status: 200, ack_id: randomUuid(random), acked_at: at });
    if (device && property && given && !('value' in given)) defaults.value = devices.valueOf(device, property);
    event[bodyKey] = { ...defaults, ...given };
  } else if (eventType === 'connectivity') {
    event[bodyKey] = { event_time: at, user_uuid: SYSTEM_USER_UUID, status: device?.connectionStatus ?? 'Online', ...given };
  } else if (eventType === 'location') {
    event[bodyKey] = { dsn, ip: device?.ip ?? '192.0.2.1', provider: 'ip-based', user_uuid: SYSTEM_USER_UUID, created_at: at, ...given };
  } else {
    event[bodyKey] = { dsn, user_uuid: null, registration_type: device?.registrationType ?? 'AP-Mode', ...given };
  }

  if (validate) {
    try {
      validateEvent({ seq: '0', ...event });
    } catch (error) {
      throw errorsString(422, (error as Error).message);
    }
  }
  if (device) followEvent(event, eventType, device, property, devices);
  return event;
}

/** Keeps the device's state in line with an injected event it can understand. */
function followEvent(event: UnsequencedEvent, eventType: EventType, device: VirtualDevice, property: ScenarioProperty | undefined, devices: DeviceRegistry): void {
  if ((eventType === 'datapoint' || eventType === 'datapointack') && property !== undefined) {
    const body = datapointBody(event as never);
    if (body && (typeof body.value === 'number' || typeof body.value === 'string')) devices.storeValue(device, property, body.value);
  } else if (eventType === 'connectivity') {
    const status = asObject(event.connection)?.status;
    if (typeof status === 'string') devices.storeConnectivity(device, status);
  } else if (eventType === 'registration') {
    const registered = asObject(event.registration_event)?.registered;
    if (typeof registered === 'boolean') device.registered = registered;
  }
}
