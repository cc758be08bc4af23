/**
 * The `/sim/` control API, for tests and demos: state, injected events and raw frames, device
 * changes, and faults.
 *
 * UNAUTHENTICATED BY DESIGN: anyone who can reach the port can drive the simulator. It is a
 * local test tool, which is why it binds to 127.0.0.1 by default; do not expose it elsewhere.
 */
import { REGISTRATION_TYPES } from '../nodes/lib/events';
import type { AutomaticEvents } from './automation';
import type { Clock } from './clock';
import type { DeviceServiceFaults } from './device-faults';
import type { DatapointWrites } from './device-writes';
import { SYSTEM_USER_UUID, type DeviceRegistry, type UnsequencedEvent, type VirtualDevice } from './devices';
import { completeEvent } from './event-injection';
import { isMalformedKind, malformedFrame, MALFORMED_KINDS } from './faults';
import { MAX_CONTROL_BODY_BYTES, decodePathSegment, errorString, errorsString, readJsonBody, sendJson, sendJsonText, stringField, type RoutedRequest } from './http-io';
import type { Random } from './prng';
import type { StreamServer } from './stream';
import type { SubscriptionEntry, SubscriptionStore } from './subscriptions';
import type { UserService } from './user-service';
import { coerceWrittenValue } from './values';

/** Longest stall or upgrade refusal accepted (10 minutes), so a typo cannot wedge a demo for hours. */
const MAX_FAULT_DURATION_MS = 10 * 60 * 1000;
/** Most automatic events `POST /sim/generate` produces in one call (memory is bounded by the retention, not by this). */
export const MAX_GENERATED_EVENTS = 10_000_000;

/** Everything the control API drives. */
export interface ControlApiOptions {
  users: UserService;
  store: SubscriptionStore;
  stream: StreamServer;
  devices: DeviceRegistry;
  writes: DatapointWrites;
  deviceFaults: DeviceServiceFaults;
  automatic: AutomaticEvents;
  publish: (event: UnsequencedEvent) => Array<{ subscriptionId: number; seq: number }>;
  /** Restart: sockets lost, state kept; the listener is down for `downMs`. */
  restart: (downMs: number) => void;
  now: Clock;
  random: Random;
}

const SUBSCRIPTION_ACTION = /^\/sim\/subscriptions\/([0-9]+)\/(events|suspend)$/;
const DEVICE_ACTION = /^\/sim\/devices\/([^/]+)\/(connectivity|location|registration)$/;
const DEVICE_PROPERTY = /^\/sim\/devices\/([^/]+)\/properties\/([^/]+)$/;

function numberField(body: Record<string, unknown>, key: string, min: number, max: number): number {
  const value = body[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw errorsString(422, `${key} must be a number from ${min} to ${max}`);
  }
  return value;
}

/** What a POST route answers, and optionally what to do once the answer is sent. */
interface ControlAnswer {
  status?: number;
  body: unknown;
  afterAnswer?: () => void;
}

/** Routes for `/sim/…`. */
export class ControlApi {
  constructor(private readonly options: ControlApiOptions) {}

  /** Handles control paths; returns false for other paths. */
  async handle(request: RoutedRequest): Promise<boolean> {
    const { method, path, res } = request;
    if (!path.startsWith('/sim/')) return false;
    if (method === 'GET') {
      if (path === '/sim/state') {
        sendJson(res, 200, this.state());
        return true;
      }
      if (path === '/sim/devices') {
        sendJson(res, 200, { devices: this.options.devices.list().map((device) => this.deviceState(device)) });
        return true;
      }
      const match = SUBSCRIPTION_ACTION.exec(path);
      if (match && match[2] === 'events') {
        const entry = this.subscriptionOr404(match[1]);
        sendJsonText(res, 200, `{"events":[${this.retainedJson(entry, request.query).join(',')}]}`);
        return true;
      }
      return false;
    }
    if (method !== 'POST') return false;
    const body = await readJsonBody(request.req, MAX_CONTROL_BODY_BYTES);
    const answer = path === '/sim/generate' ? await this.generate(body) : this.post(path, body, request.query);
    if (answer === undefined) return false;
    const afterAnswer = answer.afterAnswer;
    // Run once the answer has been handed to the OS: a restart closes this very connection.
    if (afterAnswer) res.once('finish', () => setImmediate(afterAnswer));
    sendJson(res, answer.status ?? 200, answer.body);
    return true;
  }

  private post(path: string, body: Record<string, unknown>, query: URLSearchParams): ControlAnswer | undefined {
    const { stream, users, publish, store } = this.options;
    switch (path) {
      case '/sim/events': {
        const validate = query.get('validate') !== 'false';
        return { body: { delivered: publish(completeEvent(body, this.options, validate)) } };
      }
      case '/sim/frames': {
        const frame = stringField(body, 'frame');
        if (frame === undefined) throw errorsString(422, 'frame must be a string');
        return { body: { sent: stream.sendRaw(frame, stringField(body, 'streamKey')) } };
      }
      case '/sim/faults/device-errors':
        return { body: this.options.deviceFaults.setErrors(body) };
      case '/sim/faults/device-lost-answers':
        return { body: this.options.deviceFaults.setLostAnswers(body) };
      case '/sim/faults/drop-sockets':
        return { body: { dropped: stream.dropAllSockets() } };
      case '/sim/faults/heartbeats': {
        if (typeof body.enabled !== 'boolean') throw errorsString(422, 'enabled must be true or false');
        stream.setHeartbeats(body.enabled);
        return { body: { heartbeats: body.enabled } };
      }
      case '/sim/faults/stall': {
        const ms = numberField(body, 'ms', 1, MAX_FAULT_DURATION_MS);
        stream.stall(ms);
        return { body: { stalledMs: ms } };
      }
      case '/sim/faults/refuse-upgrades': {
        const seconds = numberField(body, 'seconds', 0, MAX_FAULT_DURATION_MS / 1000);
        stream.refuseUpgrades(seconds);
        return { body: { refusingSeconds: seconds } };
      }
      case '/sim/faults/malformed': {
        if (!isMalformedKind(body.kind)) throw errorsString(422, `kind must be one of ${MALFORMED_KINDS.join(', ')}`);
        return { body: { sent: stream.sendRaw(malformedFrame(body.kind), stringField(body, 'streamKey')) } };
      }
      case '/sim/faults/expire-tokens':
        return { body: { expired: users.expireAllTokens(body.refreshTokens === true) } };
      case '/sim/restart': {
        const downMs = body.downMs === undefined ? 0 : numberField(body, 'downMs', 0, MAX_FAULT_DURATION_MS);
        return { status: 202, body: { restarting: true, downMs }, afterAnswer: () => this.options.restart(downMs) };
      }
    }
    let match = SUBSCRIPTION_ACTION.exec(path);
    if (match && match[2] === 'suspend') {
      const entry = this.subscriptionOr404(match[1]);
      const suspended = body.suspended !== false;
      store.setSuspended(entry, suspended);
      if (suspended) stream.disconnectKey(entry.record.stream_key, 'subscription suspended');
      return { body: { subscription: entry.record } };
    }
    match = DEVICE_ACTION.exec(path);
    if (match) {
      const device = this.deviceOr404(match[1]);
      return { body: { delivered: publish(this.changeDevice(device, match[2], body)) } };
    }
    match = DEVICE_PROPERTY.exec(path);
    if (match) return { body: this.writeProperty(this.deviceOr404(match[1]), decodePathSegment(match[2]), body) };
    return undefined;
  }

  /**
   * `POST /sim/generate {"count":N}`: N automatic events as fast as possible; answers 200
   * `{"generated":N}` once they exist, or at once 202 `{"generating":N}` with `"wait":false`
   * (progress in `GET /sim/state`'s `burstRemaining`).
   */
  private async generate(body: Record<string, unknown>): Promise<ControlAnswer> {
    const count = body.count === undefined ? 1 : Math.floor(numberField(body, 'count', 1, MAX_GENERATED_EVENTS));
    if (body.wait !== undefined && typeof body.wait !== 'boolean') throw errorsString(422, 'wait must be true or false');
    const { automatic } = this.options;
    if (body.wait === false) {
      void automatic.generate(count);
      return { status: 202, body: { generating: count } };
    }
    return { body: { generated: await automatic.generate(count) } };
  }

  private changeDevice(device: VirtualDevice, what: string, body: Record<string, unknown>): UnsequencedEvent {
    const { devices } = this.options;
    if (what === 'connectivity') {
      const status = stringField(body, 'status');
      if (status === undefined || status === '') throw errorsString(422, 'status must be a string such as Online or Offline');
      return devices.setConnectivity(device, status);
    }
    if (what === 'location') {
      const lat = numberField(body, 'lat', -90, 90);
      const long = numberField(body, 'long', -180, 180);
      return devices.setLocation(device, lat, long, { ip: stringField(body, 'ip'), provider: stringField(body, 'provider') });
    }
    if (typeof body.registered !== 'boolean') throw errorsString(422, 'registered must be true or false');
    const registrationType = stringField(body, 'registration_type');
    if (registrationType !== undefined && !(REGISTRATION_TYPES as readonly string[]).includes(registrationType)) {
      throw errorsString(422, `registration_type must be one of ${REGISTRATION_TYPES.join(', ')}`);
    }
    return devices.setRegistration(device, body.registered, registrationType);
  }

  /**
   * A property change: `from: "device"` (default) is the device reporting a value (datapoint
   * only); `from: "cloud"` is a write, as through the device API (datapoint, then ack).
   */
  private writeProperty(device: VirtualDevice, name: string, body: Record<string, unknown>): unknown {
    const { devices, publish, writes } = this.options;
    const property = devices.propertyOf(device, name);
    if (!property) throw errorString(404, 'Property not found');
    if (!('value' in body)) throw errorsString(422, "value can't be blank");
    const coerced = coerceWrittenValue(property, body.value);
    if ('error' in coerced) throw errorsString(422, coerced.error);
    if (body.from === 'cloud') {
      return { datapoint: writes.write(device, property, coerced.value, SYSTEM_USER_UUID) };
    }
    const { event } = devices.setValue(device, property, coerced.value);
    return { datapoint: event.datapoint, delivered: publish(event) };
  }

  private state(): object {
    const { store, stream, users, devices, automatic, writes, deviceFaults } = this.options;
    return {
      subscriptions: store.list().map((entry) => ({
        id: entry.record.id,
        name: entry.record.name,
        stream_key: entry.record.stream_key,
        subscription_type: entry.record.subscription_type,
        client_type: entry.record.client_type,
        oem_model: entry.record.oem_model,
        dsn: entry.record.dsn,
        property_name: entry.record.property_name,
        is_suspended: entry.record.is_suspended,
        connected: stream.isConnected(entry.record.stream_key),
        nextSeq: entry.log.nextSeq,
        retained: entry.log.length,
        // Behind nextSeq while the socket works through a replay or a burst.
        sendCursor: stream.sendCursorOf(entry.record.stream_key) ?? null,
      })),
      sockets: stream.socketCount,
      tokens: users.validTokenCount,
      fleet: {
        devices: devices.list().length,
        models: devices.kinds.map((kind) => ({ oem_model: kind.model.oemModel, devices: kind.devices.length, reportIntervalSec: kind.reportIntervalSec })),
        naturalRate: Math.round(automatic.naturalRate * 1000) / 1000,
      },
      burstRemaining: automatic.pendingBurstEvents,
      pendingAcks: writes.pendingAcks,
      deviceFaults: deviceFaults.state(),
    };
  }

  private deviceState(device: VirtualDevice): object {
    return {
      dsn: device.dsn,
      oem_model: device.model.oemModel,
      product_name: device.productName,
      connection_status: device.connectionStatus,
      registered: device.registered,
      lat: device.lat,
      long: device.long,
      values: this.options.devices.valuesOf(device),
    };
  }

  /**
   * `GET /sim/subscriptions/{id}/events[?seq_start=N][&limit=N]`: the retained events from
   * `seq_start` (default the oldest), at most `limit` (default all).
   */
  private retainedJson(entry: SubscriptionEntry, query: URLSearchParams): string[] {
    const number = (name: string): number | undefined => {
      const text = query.get(name);
      if (text === null) return undefined;
      if (!/^[0-9]{1,15}$/.test(text)) throw errorsString(422, `${name} must be a non-negative integer`);
      return Number(text);
    };
    const seqStart = number('seq_start') ?? 0;
    const limit = number('limit');
    const from = Math.max(seqStart, entry.log.firstSeq);
    return entry.log.jsonFrom(from, limit === undefined ? undefined : from + limit);
  }

  private subscriptionOr404(id: string): SubscriptionEntry {
    const entry = this.options.store.get(Number(id));
    if (!entry) throw errorString(404, 'Subscription not found');
    return entry;
  }

  private deviceOr404(dsn: string): VirtualDevice {
    const device = this.options.devices.get(decodePathSegment(dsn));
    if (!device) throw errorString(404, 'Device not found');
    return device;
  }
}
