/**
 * Cloud-to-device writes (docs/protocol.md §7): a written value becomes the property's value
 * and a `datapoint` event at once; the device then acknowledges it with a `datapointack` event
 * and the datapoint's `ack_status`, `ack_message`, `acked_at` are filled in.
 *
 * The device's side is configurable and deterministic for a seed (its own random stream, so
 * writes do not change the automatic values): after `ackDelayMs` it acknowledges with
 * {@link ACK_STATUS_SUCCESS}, or with {@link ACK_STATUS_FAILURE} at `ackFailureRate`, or not at
 * all at `ackDropRate` (a lost ack, to test timeouts). A device that is offline keeps the write
 * and acknowledges it after `ackDelayMs` once it is Online again. Properties that are not
 * `ack_enabled` never get an ack; their datapoint's ack fields stay null.
 */
import { aylaTimestamp, type Clock } from './clock';
import type { DeviceRegistry, UnsequencedEvent, VirtualDevice } from './devices';
import type { PropertyAck } from './device-records';
import type { Random } from './prng';
import type { ScenarioProperty } from './scenario';
import type { PropertyValue } from './values';

/** `ack_status` of a write the device applied (as in Ayla's captured datapointack). */
export const ACK_STATUS_SUCCESS = 200;
/** `ack_status` of a write the device could not apply (the simulator's choice; Ayla leaves it to the device). */
export const ACK_STATUS_FAILURE = 500;
/** `ack_message` of a successful ack (as in Ayla's captured datapointack). */
export const ACK_MESSAGE_SUCCESS = 0;
/** `ack_message` of a failed ack: a device-specific error code. */
export const ACK_MESSAGE_FAILURE = 1;
/** Written datapoints kept for `GET …/datapoints/{id}` (the oldest are forgotten beyond it). */
export const KEPT_DATAPOINTS = 10_000;

/** One datapoint written through the device service, as `GET …/datapoints/{id}` shows it. */
interface WrittenDatapoint {
  device: VirtualDevice;
  property: ScenarioProperty;
  body: Record<string, unknown>;
}

/** Options for {@link DatapointWrites}. */
export interface DatapointWritesOptions {
  devices: DeviceRegistry;
  publish: (event: UnsequencedEvent) => void;
  /** Delay between a write reaching the online device and its ack, ms. */
  ackDelayMs: number;
  /** Share of acks that report a failure, 0..1. */
  ackFailureRate: number;
  /** Share of writes never acknowledged, 0..1. */
  ackDropRate: number;
  /** The device side's own random stream (failure and drop draws). */
  random: Random;
  now: Clock;
  log: (line: string) => void;
}

/** Writes, their acks, and the datapoints kept for reading back. */
export class DatapointWrites {
  private readonly datapoints = new Map<string, WrittenDatapoint>();
  /** The latest written datapoint of each `dsn/property`, for the property's ack fields. */
  private readonly latest = new Map<string, WrittenDatapoint>();
  /** Writes to offline devices, acknowledged once the device is Online. */
  private readonly waitingForDevice = new Map<VirtualDevice, WrittenDatapoint[]>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: DatapointWritesOptions) {}

  /**
   * Writes a value from the cloud: stores it, publishes the datapoint event and schedules the
   * device's ack.
   *
   * @returns the datapoint body as the 201 answer shows it.
   */
  write(device: VirtualDevice, property: ScenarioProperty, value: PropertyValue, userUuid: string, metadata: Record<string, unknown> = {}): Record<string, unknown> {
    const { devices, publish } = this.options;
    const { event } = devices.setValue(device, property, value, { userUuid, metadata });
    publish(event);
    const acknowledged = devices.acknowledges(property);
    const body: Record<string, unknown> = {
      ...(event.datapoint as Record<string, unknown>),
      generated_from: 'api',
      ack_enabled: acknowledged,
      ack_status: null,
      ack_message: null,
      acked_at: null,
    };
    const written: WrittenDatapoint = { device, property, body };
    this.keep(written);
    if (acknowledged) {
      if (device.connectionStatus === 'Online') this.scheduleAck(written);
      else this.waitingForDevice.set(device, [...(this.waitingForDevice.get(device) ?? []), written]);
    }
    return { ...body };
  }

  /** The datapoint written with this id to this device's property, if still kept. */
  find(dsn: string, propertyName: string, id: string): Record<string, unknown> | undefined {
    const written = this.datapoints.get(id);
    if (!written || written.device.dsn !== dsn || written.property.name !== propertyName) return undefined;
    return { ...written.body };
  }

  /** The ack fields of the property's latest cloud write, if any. */
  lastAck(device: VirtualDevice, property: ScenarioProperty): PropertyAck | undefined {
    const written = this.latest.get(`${device.dsn}/${property.name}`);
    if (!written) return undefined;
    return { ack_status: written.body.ack_status as number | null, ack_message: written.body.ack_message as number | null, acked_at: written.body.acked_at as string | null };
  }

  /** To be called when a device comes Online: its waiting writes get their acks. */
  deviceOnline(device: VirtualDevice): void {
    const waiting = this.waitingForDevice.get(device);
    if (!waiting) return;
    this.waitingForDevice.delete(device);
    for (const written of waiting) this.scheduleAck(written);
  }

  /** Acks not yet sent (scheduled or waiting for their device). */
  get pendingAcks(): number {
    let waiting = 0;
    for (const list of this.waitingForDevice.values()) waiting += list.length;
    return this.timers.size + waiting;
  }

  /** Clears pending acknowledgements. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.waitingForDevice.clear();
  }

  private keep(written: WrittenDatapoint): void {
    this.datapoints.set(written.body.id as string, written);
    this.latest.set(`${written.device.dsn}/${written.property.name}`, written);
    // A Map iterates in insertion order: the first key is the oldest write.
    if (this.datapoints.size > KEPT_DATAPOINTS) this.datapoints.delete(this.datapoints.keys().next().value as string);
  }

  private scheduleAck(written: WrittenDatapoint): void {
    const { random, ackDropRate, ackFailureRate } = this.options;
    // Both draws happen for every write, so one rate does not shift the other's outcomes.
    const dropRoll = random();
    const failureRoll = random();
    if (dropRoll < ackDropRate) {
      this.options.log(`ack dropped on purpose: ${written.device.dsn}/${written.property.name}`);
      return;
    }
    const failed = failureRoll < ackFailureRate;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.acknowledge(written, failed);
    }, this.options.ackDelayMs);
    this.timers.add(timer);
  }

  private acknowledge(written: WrittenDatapoint, failed: boolean): void {
    const ackedAtMs = this.options.now();
    const ack = { status: failed ? ACK_STATUS_FAILURE : ACK_STATUS_SUCCESS, message: failed ? ACK_MESSAGE_FAILURE : ACK_MESSAGE_SUCCESS, ackedAtMs };
    Object.assign(written.body, { ack_status: ack.status, ack_message: ack.message, acked_at: aylaTimestamp(ackedAtMs), updated_at: aylaTimestamp(ackedAtMs) });
    this.options.publish(this.options.devices.ackEvent(written.device, written.property, written.body, ack));
  }
}
