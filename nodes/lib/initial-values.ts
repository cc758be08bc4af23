/**
 * Initial values (`docs/protocol.md` §7.6): the current state an in-node with `initial` sends
 * once after it starts, read from the device service and shaped exactly like the events of its
 * type (they go through the same normaliser): a property's value for `ayla-datapoint-in`, a
 * device's `connection_status` for `ayla-connectivity-in`, its `lat` / `lng` for
 * `ayla-location-in`. Only the devices and properties the node's subscription covers are read;
 * the node's own filters are applied by the node, as to events. The order against live events
 * is `initial-gate.ts`'s job.
 */
import type { DeviceInfo, PropertyInfo } from './device-records';
import { CodedError } from './errors';
import type { AylaEvent, EventType } from './events';
import type { StreamRequest } from './hub/contract';
import type { DeviceSnapshot, PropertySnapshot } from './hub/device-access';
import { normaliseEvent, type NormalisedEvent } from './normalise';

/** The event types an in-node can send initial values for. */
export const INITIAL_EVENT_TYPES = ['datapoint', 'connectivity', 'location'] as const;
export type InitialEventType = (typeof INITIAL_EVENT_TYPES)[number];

/** Devices whose properties are read at once (the device service limits the identity's reads too). */
export const INITIAL_READ_WORKERS = 4;

/** True for the event types with initial values. */
export function supportsInitial(eventType: EventType): eventType is InitialEventType {
  return (INITIAL_EVENT_TYPES as readonly string[]).includes(eventType);
}

/** What a node's subscription covers; null = everything (a `*`, or a stream key whose subscription is unknown). */
export interface InitialScope {
  oemModels: ReadonlySet<string> | null;
  dsns: ReadonlySet<string> | null;
  properties: readonly string[] | null;
}

function listOf(spec: string): string[] | null {
  const entries = spec.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  return entries.length === 0 || entries.includes('*') ? null : [...new Set(entries)];
}

/** The scope of a node's stream request: its subscription spec, or everything for a stream key. */
export function initialScopeOf(request: StreamRequest): InitialScope {
  if (request.source === 'key') return { oemModels: null, dsns: null, properties: null };
  const models = listOf(request.spec.oemModel);
  const dsns = listOf(request.spec.dsns);
  return {
    oemModels: models ? new Set(models) : null,
    dsns: dsns ? new Set(dsns) : null,
    properties: request.spec.eventType === 'datapoint' ? listOf(request.spec.properties) : null,
  };
}

function inScope(device: DeviceInfo, scope: InitialScope): boolean {
  return (scope.dsns === null || scope.dsns.has(device.dsn)) && (scope.oemModels === null || scope.oemModels.has(device.oemModel ?? ''));
}

/** A property's current value as a datapoint event would give it (`createdAt` / `updatedAt` = `data_updated_at`). */
export function initialDatapoint(device: DeviceInfo, property: PropertyInfo): NormalisedEvent {
  const raw = {
    seq: '0',
    metadata: { dsn: device.dsn, oem_model: device.oemModel, event_type: 'datapoint', property_name: property.name, display_name: property.displayName, base_type: property.baseType },
    datapoint: { value: property.value, created_at: property.dataUpdatedAt, updated_at: property.dataUpdatedAt },
  };
  return normaliseEvent(raw as unknown as AylaEvent);
}

/** A device's `connection_status` as a connectivity event would give it; null when the service does not say. */
export function initialConnectivity(device: DeviceInfo): NormalisedEvent | null {
  if (device.connectionStatus === null) return null;
  const raw = { seq: '0', metadata: { dsn: device.dsn, oem_model: device.oemModel, event_type: 'connectivity' }, connection: { status: device.connectionStatus } };
  return normaliseEvent(raw as unknown as AylaEvent);
}

/** A device's `lat` / `lng` as a location event would give it; null when it has no location. */
export function initialLocation(device: DeviceInfo): NormalisedEvent | null {
  const missing = (value: unknown) => value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
  if (missing(device.lat) || missing(device.lng)) return null;
  const raw = { seq: '0', metadata: { dsn: device.dsn, oem_model: device.oemModel, event_type: 'location' }, location_event: { lat: device.lat, long: device.lng, dsn: device.dsn } };
  return normaliseEvent(raw as unknown as AylaEvent);
}

/** Where the values read go, device by device. */
export interface InitialSink {
  /** The devices that will be resolved, once the device list is read. */
  devicesKnown(dsns: readonly string[]): void;
  /** A device's values (none when its read failed), with the service's time of the read. */
  device(dsn: string, values: readonly NormalisedEvent[], readAtMs: number | null): void;
}

/** How the read went. */
export interface InitialReadResult {
  devices: number;
  /** Devices whose properties could not be read (skipped). */
  failed: number;
  firstFailure: CodedError | null;
}

/** What the read needs of the account's device service. */
export interface InitialSource {
  devices(options: { fresh?: boolean }): Promise<DeviceSnapshot>;
  properties(dsn: string, options: { fresh?: boolean; names?: readonly string[] }): Promise<PropertySnapshot>;
}

/**
 * Reads the current state for a node and hands it to `sink` device by device (always fresh
 * reads: a value up to 30 s old would not be current).
 *
 * @param deviceFilter - the node's DSN and model filters, so no property list is read for a device the node would drop anyway
 * @throws the device list's {@link CodedError}; a device whose properties fail is skipped and counted
 */
export async function readInitialValues(
  source: InitialSource,
  eventType: InitialEventType,
  scope: InitialScope,
  deviceFilter: (device: DeviceInfo) => boolean,
  sink: InitialSink,
  signal?: AbortSignal,
): Promise<InitialReadResult> {
  const snapshot = await source.devices({ fresh: true });
  if (signal?.aborted) return { devices: 0, failed: 0, firstFailure: null };
  const devices = snapshot.devices.filter((device) => inScope(device, scope) && deviceFilter(device));
  sink.devicesKnown(devices.map((device) => device.dsn));
  const result: InitialReadResult = { devices: devices.length, failed: 0, firstFailure: null };
  if (eventType !== 'datapoint') {
    for (const device of devices) {
      const value = eventType === 'connectivity' ? initialConnectivity(device) : initialLocation(device);
      sink.device(device.dsn, value ? [value] : [], snapshot.readAtMs);
    }
    return result;
  }
  const queue = [...devices];
  const names = scope.properties ?? [];
  const worker = async () => {
    for (let device = queue.shift(); device && !signal?.aborted; device = queue.shift()) {
      try {
        const { properties, readAtMs } = await source.properties(device.dsn, { fresh: true, names });
        if (signal?.aborted) return;
        const wanted = properties.filter((property) => scope.properties === null || scope.properties.includes(property.name));
        sink.device(device.dsn, wanted.map((property) => initialDatapoint(device as DeviceInfo, property)), readAtMs);
      } catch (error) {
        if (signal?.aborted) return;
        result.failed++;
        result.firstFailure ??= error instanceof CodedError ? error : new CodedError('UNKNOWN', String(error));
        sink.device(device.dsn, [], null);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(INITIAL_READ_WORKERS, queue.length) }, worker));
  return result;
}

/** What {@link startInitialValues} needs from the in-node. */
export interface InitialRun<T extends { normalised: NormalisedEvent }> {
  source: InitialSource;
  eventType: InitialEventType;
  request: StreamRequest;
  /** The node's DSN and model filters, tried on a device before its properties are read. */
  deviceFilter: (device: DeviceInfo) => boolean;
  /** The node's full filter, tried on each initial value. */
  accept: (event: NormalisedEvent) => boolean;
  /** Where values and held events go, in order (`initial-gate.ts`). */
  gate: {
    devicesKnown(dsns: Iterable<string>): void;
    resolve(dsn: string, initials: ReadonlyArray<{ item: T; send: boolean }>, readAtMs: number | null): void;
    finish(): void;
  };
  /** Wraps a value into the gate's item. */
  itemOf: (event: NormalisedEvent) => T;
  signal: AbortSignal;
}

/**
 * Reads the node's initial values into its gate, and ends the gate's holding however the read
 * ends. Resolves with the read's result, or rejects with the device list's error (after the
 * gate let its held events through).
 */
export async function startInitialValues<T extends { normalised: NormalisedEvent }>(run: InitialRun<T>): Promise<InitialReadResult> {
  const { gate } = run;
  try {
    const sink: InitialSink = {
      devicesKnown: (dsns) => gate.devicesKnown(dsns),
      device: (dsn, values, readAtMs) =>
        gate.resolve(
          dsn,
          values.map((value) => ({ item: run.itemOf(value), send: run.accept(value) })),
          readAtMs,
        ),
    };
    return await readInitialValues(run.source, run.eventType, initialScopeOf(run.request), run.deviceFilter, sink, run.signal);
  } finally {
    gate.finish();
  }
}
