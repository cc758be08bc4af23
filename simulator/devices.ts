/**
 * Virtual devices: their current state (connectivity, registration, location, property values)
 * and the DSS events describing changes to it (docs/protocol.md §6 shapes). Events built here
 * carry no `seq`: the router assigns one per stream key.
 *
 * Built for fleets of tens of thousands: values live in arrays indexed by the property's
 * position in its model, and every per-model lookup is computed once per model.
 */
import type { EventMetadata, EventType } from '../nodes/lib/events';
import { SIMULATED_OEM_ID } from './accounts';
import { aylaTimestamp, type Clock } from './clock';
import { DEFAULT_SCENARIO } from './default-scenario';
import { generateFleet, FLEET_MODELS } from './fleet';
import { randomUuid, type Random } from './prng';
import type { Scenario, ScenarioDevice, ScenarioModel, ScenarioProperty } from './scenario';
import { eventValue, formatCoordinate, type PropertyValue } from './values';

export type { PropertyValue } from './values';

/** An event before the router gives it a `seq`: metadata plus one body. */
export interface UnsequencedEvent {
  metadata: EventMetadata;
  [body: string]: unknown;
}

/** The all-zero user uuid Ayla puts on events caused by the device or the cloud itself. */
export const SYSTEM_USER_UUID = '00000000-0000-0000-0000-000000000000';
/** Mean seconds between automatic reports of a model that does not say. */
export const DEFAULT_REPORT_INTERVAL_SEC = 60;
/** First device key handed out (Ayla's numeric device ids). */
const FIRST_DEVICE_KEY = 4_100_001;

/** An OEM model as the registry uses it: lookups computed once, and its devices. */
export interface DeviceKind {
  readonly model: ScenarioModel;
  /** Position of the model in the scenario (its template id is derived from it). */
  readonly index: number;
  readonly propertyIndex: ReadonlyMap<string, number>;
  /** Properties that change on their own (not `static`). */
  readonly changing: readonly ScenarioProperty[];
  readonly reportIntervalSec: number;
  readonly devices: VirtualDevice[];
}

/** One simulated device and its state. */
export interface VirtualDevice {
  readonly dsn: string;
  readonly kind: DeviceKind;
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
  /** Current values, by property position in the model. */
  readonly values: PropertyValue[];
  /** When each value last changed, ms since epoch, by property position. */
  readonly updatedAtMs: number[];
}

/** Options of {@link DeviceRegistry.setValue}. */
export interface SetValueOptions {
  datapointId?: string;
  userUuid?: string;
  echo?: boolean;
  /** The datapoint's own metadata (key/value strings a writer attached). */
  metadata?: Record<string, unknown>;
}

/** Every virtual device of a scenario (or a generated fleet), and the events describing their changes. */
export class DeviceRegistry {
  private readonly byDsn = new Map<string, VirtualDevice>();
  private readonly all: VirtualDevice[] = [];
  private readonly sorted = new Map<string, readonly VirtualDevice[]>();
  readonly oemId: string;
  readonly kinds: readonly DeviceKind[];
  /** Told when a device comes Online (pending writes then get their acks). */
  onOnline: (device: VirtualDevice) => void = () => undefined;

  /**
   * @param scenario - the models and devices; undefined = the built-in default scenario, or the
   *   built-in fleet catalog when `fleetSize` is given.
   * @param fleetSize - when given, the scenario's device lists are replaced by this many
   *   generated devices over its models.
   */
  constructor(
    scenario: Scenario | undefined,
    fleetSize: number | undefined,
    private readonly now: Clock,
    private readonly random: Random,
  ) {
    const models = scenario?.models ?? (fleetSize !== undefined ? FLEET_MODELS : DEFAULT_SCENARIO.models);
    this.oemId = scenario?.oemId ?? SIMULATED_OEM_ID;
    this.kinds = models.map((model, index) => ({
      model,
      index,
      propertyIndex: new Map(model.properties.map((property, position) => [property.name, position])),
      changing: model.properties.filter((property) => (property.behaviour?.kind ?? 'static') !== 'static'),
      reportIntervalSec: model.reportIntervalSec ?? DEFAULT_REPORT_INTERVAL_SEC,
      devices: [],
    }));
    const kindOf = new Map(this.kinds.map((kind) => [kind.model, kind]));
    const startMs = now();
    if (fleetSize === undefined) {
      for (const kind of this.kinds) for (const spec of kind.model.devices) this.add(kind, spec, startMs);
    } else {
      for (const { model, spec } of generateFleet(models, fleetSize, random)) this.add(kindOf.get(model) as DeviceKind, spec, startMs);
    }
  }

  private add(kind: DeviceKind, spec: ScenarioDevice, startMs: number): void {
    const properties = kind.model.properties;
    const device: VirtualDevice = {
      dsn: spec.dsn,
      kind,
      model: kind.model,
      productName: spec.productName ?? kind.model.productName ?? kind.model.oemModel,
      key: FIRST_DEVICE_KEY + this.all.length,
      connectionStatus: spec.connectionStatus ?? 'Online',
      connectedAtMs: startMs,
      registered: spec.registered ?? true,
      registrationType: spec.registrationType ?? 'AP-Mode',
      lat: spec.lat,
      long: spec.long,
      ip: spec.ip ?? '192.0.2.1',
      values: properties.map((property) => eventValue(property, spec.values?.[property.name] ?? property.value)),
      updatedAtMs: properties.map(() => startMs),
    };
    this.byDsn.set(device.dsn, device);
    this.all.push(device);
    kind.devices.push(device);
  }

  /** All devices, in scenario (or generation) order. Not a copy: do not change it. */
  list(): readonly VirtualDevice[] {
    return this.all;
  }

  /** All devices ordered by `dsn` or `product_name` (ties by dsn), computed once per key. */
  sortedBy(key: 'dsn' | 'product_name'): readonly VirtualDevice[] {
    let sorted = this.sorted.get(key);
    if (!sorted) {
      const text = (device: VirtualDevice) => (key === 'dsn' ? device.dsn : device.productName);
      sorted = [...this.all].sort((a, b) => compareText(text(a), text(b)) || compareText(a.dsn, b.dsn));
      this.sorted.set(key, sorted);
    }
    return sorted;
  }

  /** The device with this DSN, if any. */
  get(dsn: string): VirtualDevice | undefined {
    return this.byDsn.get(dsn);
  }

  /** The property definition of a device, if it has one by that name. */
  propertyOf(device: VirtualDevice, name: string): ScenarioProperty | undefined {
    const position = device.kind.propertyIndex.get(name);
    return position === undefined ? undefined : device.model.properties[position];
  }

  /** The current value of a device's property. */
  valueOf(device: VirtualDevice, property: ScenarioProperty): PropertyValue {
    return device.values[this.positionOf(device, property)];
  }

  /** When a device's property last changed, ms since epoch. */
  updatedAtOf(device: VirtualDevice, property: ScenarioProperty): number {
    return device.updatedAtMs[this.positionOf(device, property)];
  }

  /** Stores a value without describing it (for injected events the device follows). */
  storeValue(device: VirtualDevice, property: ScenarioProperty, value: PropertyValue): void {
    const position = this.positionOf(device, property);
    device.values[position] = value;
    device.updatedAtMs[position] = this.now();
  }

  /** The values of a device by property name (for `/sim/devices`). */
  valuesOf(device: VirtualDevice): Record<string, PropertyValue> {
    return Object.fromEntries(device.model.properties.map((property, position) => [property.name, device.values[position]]));
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
  setValue(device: VirtualDevice, property: ScenarioProperty, value: PropertyValue, options: SetValueOptions = {}): { event: UnsequencedEvent; datapointId: string } {
    this.storeValue(device, property, value);
    const datapointId = options.datapointId ?? randomUuid(this.random);
    const at = aylaTimestamp(this.now());
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
          metadata: options.metadata ?? {},
        },
      },
    };
  }

  /**
   * The device's acknowledgement of a written datapoint (body under `datapoint`, as Ayla
   * documents): the datapoint as written plus `ack_status`, `ack_message`, `ack_id`, `acked_at`.
   */
  ackEvent(device: VirtualDevice, property: ScenarioProperty, datapoint: Record<string, unknown>, ack: { status: number; message: number; ackedAtMs: number }): UnsequencedEvent {
    const at = aylaTimestamp(ack.ackedAtMs);
    return {
      metadata: this.metadataFor(device, 'datapointack', property),
      datapoint: {
        id: datapoint.id,
        created_at_from_device: null,
        updated_at: at,
        created_at: datapoint.created_at,
        user_uuid: datapoint.user_uuid,
        echo: false,
        closed: false,
        value: datapoint.value,
        ack_message: ack.message,
        ack_status: ack.status,
        ack_id: randomUuid(this.random),
        acked_at: at,
        metadata: datapoint.metadata ?? {},
      },
    };
  }

  /** Changes connectivity without describing it (for injected events the device follows). */
  storeConnectivity(device: VirtualDevice, status: string): void {
    const wasOnline = device.connectionStatus === 'Online';
    device.connectionStatus = status;
    if (status !== 'Online' || wasOnline) return;
    device.connectedAtMs = this.now();
    this.onOnline(device);
  }

  /** Changes connectivity and describes it. */
  setConnectivity(device: VirtualDevice, status: string): UnsequencedEvent {
    this.storeConnectivity(device, status);
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

  /** Whether the device sends datapointack events for writes to this property (default: inputs do). */
  acknowledges(property: ScenarioProperty): boolean {
    return property.ackEnabled ?? property.direction === 'input';
  }

  private positionOf(device: VirtualDevice, property: ScenarioProperty): number {
    const position = device.kind.propertyIndex.get(property.name);
    if (position === undefined) throw new Error(`${device.dsn} has no property ${property.name}`);
    return position;
  }
}

/** Plain code-unit order: stable across locales, which `localeCompare` is not. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
