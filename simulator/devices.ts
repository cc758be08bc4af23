/**
 * Virtual devices: their current state (connectivity, registration, location, property values)
 * and the DSS events describing changes to it (docs/protocol.md §6 shapes). Events built here carry
 * no `seq`: the router assigns one per stream key.
 */
import type { EventMetadata, EventType } from '../nodes/lib/events';
import { SIMULATED_OEM_ID } from './accounts';
import { aylaTimestamp, type Clock } from './clock';
import { randomUuid, type Random } from './prng';
import type { PropertyBehaviour, Scenario, ScenarioModel, ScenarioProperty } from './scenario';

/** A property value as events carry it: booleans as 0/1. */
export type PropertyValue = number | string;

/** An event before the router gives it a `seq`: metadata plus one body. */
export interface UnsequencedEvent {
  metadata: EventMetadata;
  [body: string]: unknown;
}

/** The all-zero user uuid Ayla puts on events caused by the device or the cloud itself. */
export const SYSTEM_USER_UUID = '00000000-0000-0000-0000-000000000000';

/** One simulated device and its state. */
export interface VirtualDevice {
  readonly dsn: string;
  readonly model: ScenarioModel;
  readonly productName: string;
  /** Ayla's numeric device key. */
  readonly key: number;
  connectionStatus: string;
  connectedAtMs: number;
  registered: boolean;
  registrationType: string;
  lat: number;
  long: number;
  ip: string;
  readonly values: Map<string, PropertyValue>;
  readonly valueUpdatedAtMs: Map<string, number>;
}

/**
 * Ayla's coordinate string: six decimals, positive values padded with a leading space
 * (`" 44.769500"`, `"-69.428300"`).
 */
export function formatCoordinate(degrees: number): string {
  const text = degrees.toFixed(6);
  return degrees < 0 ? text : ` ${text}`;
}

/** Normalises a scenario value to what events carry (booleans as 0/1). */
function eventValue(property: ScenarioProperty, value: boolean | number | string): PropertyValue {
  if (property.baseType === 'boolean') return value === true || value === 1 ? 1 : 0;
  return value as PropertyValue;
}

/**
 * Converts a value written through the device API to the property's base type, as Ayla does
 * ("1", true and 1 are all a boolean 1).
 *
 * @returns the value, or an error message for a 422.
 */
export function coerceWrittenValue(property: ScenarioProperty, raw: unknown): { value: PropertyValue } | { error: string } {
  switch (property.baseType) {
    case 'boolean': {
      if (raw === true || raw === 1 || raw === '1' || raw === 'true') return { value: 1 };
      if (raw === false || raw === 0 || raw === '0' || raw === 'false') return { value: 0 };
      return { error: `value must be a boolean (0 or 1) for ${property.name}` };
    }
    case 'integer': {
      const number = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof number === 'number' && Number.isInteger(number)) return { value: number };
      return { error: `value must be an integer for ${property.name}` };
    }
    case 'decimal': {
      const number = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof number === 'number' && Number.isFinite(number)) return { value: number };
      return { error: `value must be a decimal number for ${property.name}` };
    }
    default:
      if (typeof raw === 'string') return { value: raw };
      if (typeof raw === 'number' || typeof raw === 'boolean') return { value: String(raw) };
      return { error: `value must be a string for ${property.name}` };
  }
}

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/**
 * The next automatic value of a property: small steps, within bounds, so a temperature drifts
 * rather than jumps. Returns undefined for properties that only change when written.
 */
export function nextAutomaticValue(
  property: ScenarioProperty,
  current: PropertyValue,
  random: Random,
  dsn: string,
): PropertyValue | undefined {
  const behaviour: PropertyBehaviour = property.behaviour ?? { kind: 'static' };
  switch (behaviour.kind) {
    case 'static':
      return undefined;
    case 'toggle':
      return current === 1 ? 0 : 1;
    case 'drift': {
      const decimals = property.baseType === 'integer' ? 0 : (behaviour.decimals ?? 2);
      let next = Number(current) + (random() * 2 - 1) * behaviour.step;
      next = Math.min(behaviour.max, Math.max(behaviour.min, next));
      next = roundTo(next, decimals);
      // A drift that rounds back to the same value would be no change; nudge by one unit.
      if (next === current) next = roundTo(next + (next < behaviour.max ? 1 : -1) * 10 ** -decimals, decimals);
      return next;
    }
    case 'counter': {
      const decimals = property.baseType === 'integer' ? 0 : (behaviour.decimals ?? 2);
      return roundTo(Number(current) + Math.max(10 ** -decimals, random() * behaviour.step), decimals);
    }
    case 'choice': {
      const others = behaviour.values.filter((value) => value !== current);
      return others.length > 0 ? others[Math.floor(random() * others.length)] : current;
    }
    case 'file':
      return `https://files.example.com/ayla/${dsn}/${randomUuid(random)}.${behaviour.extension ?? 'bin'}`;
  }
}

/** Every virtual device of a scenario, and the events describing their changes. */
export class DeviceRegistry {
  private readonly devices = new Map<string, VirtualDevice>();
  readonly oemId: string;

  constructor(
    scenario: Scenario,
    private readonly now: Clock,
    private readonly random: Random,
  ) {
    this.oemId = scenario.oemId ?? SIMULATED_OEM_ID;
    let key = 4_100_000;
    const startMs = now();
    for (const model of scenario.models) {
      for (const spec of model.devices) {
        const values = new Map<string, PropertyValue>();
        const updated = new Map<string, number>();
        for (const property of model.properties) {
          values.set(property.name, eventValue(property, spec.values?.[property.name] ?? property.value));
          updated.set(property.name, startMs);
        }
        key += 1;
        this.devices.set(spec.dsn, {
          dsn: spec.dsn,
          model,
          productName: spec.productName ?? model.productName ?? model.oemModel,
          key,
          connectionStatus: spec.connectionStatus ?? 'Online',
          connectedAtMs: startMs,
          registered: spec.registered ?? true,
          registrationType: spec.registrationType ?? 'AP-Mode',
          lat: spec.lat,
          long: spec.long,
          ip: spec.ip ?? '192.0.2.1',
          values,
          valueUpdatedAtMs: updated,
        });
      }
    }
  }

  /** All devices, in scenario order. */
  list(): VirtualDevice[] {
    return [...this.devices.values()];
  }

  /** The device with this DSN, if any. */
  get(dsn: string): VirtualDevice | undefined {
    return this.devices.get(dsn);
  }

  /** The property definition of a device, if it has one by that name. */
  propertyOf(device: VirtualDevice, name: string): ScenarioProperty | undefined {
    return device.model.properties.find((property) => property.name === name);
  }

  /** Metadata for an event about `device` (and `property` for datapoint events). */
  metadataFor(device: VirtualDevice, eventType: EventType, property?: ScenarioProperty): EventMetadata {
    // Key order as in Ayla's captured frames: ids, property fields, tags, then the type.
    const propertyFields = property
      ? { property_name: property.name, display_name: property.displayName ?? property.name, base_type: property.baseType }
      : {};
    return {
      oem_id: this.oemId,
      oem_model: device.model.oemModel,
      dsn: device.dsn,
      ...propertyFields,
      resource_tags: [],
      event_type: eventType,
    };
  }

  /** Stores a new property value and describes it as a datapoint event. */
  setValue(
    device: VirtualDevice,
    property: ScenarioProperty,
    value: PropertyValue,
    options: { datapointId?: string; userUuid?: string; echo?: boolean } = {},
  ): { event: UnsequencedEvent; datapointId: string } {
    const nowMs = this.now();
    device.values.set(property.name, value);
    device.valueUpdatedAtMs.set(property.name, nowMs);
    const datapointId = options.datapointId ?? randomUuid(this.random);
    const at = aylaTimestamp(nowMs);
    return {
      datapointId,
      event: {
        metadata: this.metadataFor(device, 'datapoint', property),
        datapoint: {
          id: datapointId,
          created_at_from_device: null,
          updated_at: at,
          created_at: at,
          user_uuid: options.userUuid ?? SYSTEM_USER_UUID,
          echo: options.echo ?? false,
          closed: false,
          value,
          metadata: {},
        },
      },
    };
  }

  /** The device's acknowledgement of a written value (body under `datapoint`, as Ayla documents). */
  ackEvent(device: VirtualDevice, property: ScenarioProperty, value: PropertyValue, datapointId: string, userUuid: string): UnsequencedEvent {
    const at = aylaTimestamp(this.now());
    return {
      metadata: this.metadataFor(device, 'datapointack', property),
      datapoint: {
        id: datapointId,
        created_at_from_device: null,
        updated_at: at,
        created_at: at,
        user_uuid: userUuid,
        echo: false,
        closed: false,
        value,
        ack_message: 0,
        ack_status: 200,
        ack_id: randomUuid(this.random),
        acked_at: at,
        metadata: {},
      },
    };
  }

  /** Changes connectivity and describes it. */
  setConnectivity(device: VirtualDevice, status: string): UnsequencedEvent {
    device.connectionStatus = status;
    if (status === 'Online') device.connectedAtMs = this.now();
    return {
      metadata: this.metadataFor(device, 'connectivity'),
      connection: { event_time: aylaTimestamp(this.now()), user_uuid: SYSTEM_USER_UUID, status },
    };
  }

  /** Moves the device and describes it with Ayla's padded coordinate strings. */
  setLocation(device: VirtualDevice, lat: number, long: number, extra: { ip?: string; provider?: string } = {}): UnsequencedEvent {
    device.lat = lat;
    device.long = long;
    if (extra.ip) device.ip = extra.ip;
    return {
      metadata: this.metadataFor(device, 'location'),
      location_event: {
        dsn: device.dsn,
        ip: device.ip,
        lat: formatCoordinate(lat),
        long: formatCoordinate(long),
        provider: extra.provider ?? 'ip-based',
        user_uuid: SYSTEM_USER_UUID,
        created_at: aylaTimestamp(this.now()),
      },
    };
  }

  /** Registers or unregisters the device and describes it. */
  setRegistration(device: VirtualDevice, registered: boolean, registrationType?: string, userUuid?: string): UnsequencedEvent {
    device.registered = registered;
    if (registrationType) device.registrationType = registrationType;
    const at = aylaTimestamp(this.now());
    const body: Record<string, unknown> = {
      dsn: device.dsn,
      user_uuid: registered ? (userUuid ?? randomUuid(this.random)) : null,
      registered,
      registration_type: device.registrationType,
    };
    if (registered) body.registered_at = at;
    else body.unregistered_at = at;
    return { metadata: this.metadataFor(device, 'registration'), registration_event: body };
  }

  /** `GET /apiv1/devices` record. */
  deviceRecord(device: VirtualDevice): object {
    return {
      device: {
        product_name: device.productName,
        model: device.model.model ?? 'AY008SIM1',
        dsn: device.dsn,
        oem_model: device.model.oemModel,
        sw_version: 'ADA 1.9.2-sim',
        template_id: 1000 + this.list().findIndex((candidate) => candidate.model === device.model),
        mac: device.dsn.slice(-12).toLowerCase().padStart(12, '0'),
        lan_ip: '192.168.1.' + String(device.key % 200 + 20),
        connected_at: aylaTimestamp(device.connectedAtMs),
        key: device.key,
        lan_enabled: false,
        has_properties: true,
        product_class: null,
        connection_status: device.connectionStatus,
        lat: formatCoordinate(device.lat).trim(),
        lng: formatCoordinate(device.long).trim(),
        locality: null,
        device_type: 'Wifi',
      },
    };
  }

  /** `GET /apiv1/dsns/{dsn}/properties` record. */
  propertyRecord(device: VirtualDevice, property: ScenarioProperty): object {
    const index = device.model.properties.indexOf(property);
    return {
      property: {
        type: 'Property',
        name: property.name,
        base_type: property.baseType,
        read_only: property.direction === 'output',
        direction: property.direction,
        scope: 'user',
        data_updated_at: aylaTimestamp(device.valueUpdatedAtMs.get(property.name) ?? this.now()),
        key: device.key * 100 + index,
        device_key: device.key,
        product_name: device.productName,
        track_only_changes: false,
        display_name: property.displayName ?? property.name,
        host_sw_version: false,
        time_series: false,
        derived: false,
        app_type: null,
        recipe: null,
        value: device.values.get(property.name) ?? null,
        ack_enabled: this.acknowledges(property),
        retention_days: 30,
      },
    };
  }

  /** Whether the device sends datapointack events for writes to this property. */
  acknowledges(property: ScenarioProperty): boolean {
    return property.ackEnabled ?? property.direction === 'input';
  }
}
