/**
 * Enough of Ayla's device service to drive events the way the real API does:
 * `GET /apiv1/devices`, `GET /apiv1/dsns/{dsn}/properties[/{name}]` and
 * `POST /apiv1/dsns/{dsn}/properties/{name}/datapoints`, which creates a datapoint event and,
 * after a short delay, the device's datapointack.
 */
import type { Clock } from './clock';
import { coerceWrittenValue, type DeviceRegistry, type PropertyValue, type UnsequencedEvent, type VirtualDevice } from './devices';
import { decodePathSegment, errorString, errorsString, objectField, readJsonBody, sendJson, type RoutedRequest } from './http-io';
import type { ScenarioProperty } from './scenario';
import type { UserService } from './user-service';

const PROPERTIES_PATH = /^\/apiv1\/dsns\/([^/]+)\/properties$/;
const PROPERTY_PATH = /^\/apiv1\/dsns\/([^/]+)\/properties\/([^/]+)$/;
const DATAPOINTS_PATH = /^\/apiv1\/dsns\/([^/]+)\/properties\/([^/]+)\/datapoints$/;

/** Options for {@link DeviceApi}. */
export interface DeviceApiOptions {
  users: UserService;
  devices: DeviceRegistry;
  publish: (event: UnsequencedEvent) => void;
  /** Delay between a written datapoint and the device's ack, ms. */
  ackDelayMs: number;
  now: Clock;
  log: (line: string) => void;
}

/** Routes for `/apiv1/…`, and the cloud-to-device write shared with the control API. */
export class DeviceApi {
  private readonly ackTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: DeviceApiOptions) {}

  /**
   * Writes a value from the cloud: stores it, publishes the datapoint event and, when the
   * device is online and acknowledges this property, the datapointack after `ackDelayMs`.
   *
   * @returns the datapoint body (as the REST answer shows it).
   */
  writeFromCloud(device: VirtualDevice, property: ScenarioProperty, value: PropertyValue, userUuid: string): Record<string, unknown> {
    const { devices, publish } = this.options;
    const { event, datapointId } = devices.setValue(device, property, value, { userUuid });
    publish(event);
    if (devices.acknowledges(property) && device.connectionStatus === 'Online') {
      const timer = setTimeout(() => {
        this.ackTimers.delete(timer);
        publish(devices.ackEvent(device, property, value, datapointId, userUuid));
      }, this.options.ackDelayMs);
      this.ackTimers.add(timer);
    }
    return event.datapoint as Record<string, unknown>;
  }

  /** Clears pending acknowledgements. */
  close(): void {
    for (const timer of this.ackTimers) clearTimeout(timer);
    this.ackTimers.clear();
  }

  /** Handles device-service paths; returns false for other paths. */
  async handle(request: RoutedRequest): Promise<boolean> {
    const { method, path, res, query } = request;
    if (!path.startsWith('/apiv1/')) return false;
    const { users, devices } = this.options;

    if (path === '/apiv1/devices' && method === 'GET') {
      users.authenticate(request.req);
      sendJson(res, 200, devices.list().map((device) => devices.deviceRecord(device)));
      return true;
    }
    let match = PROPERTIES_PATH.exec(path);
    if (match && method === 'GET') {
      users.authenticate(request.req);
      const device = this.deviceOr404(match[1]);
      // Ayla filters with names[]=a&names[]=b.
      const names = query.getAll('names[]');
      const properties = device.model.properties.filter((property) => names.length === 0 || names.includes(property.name));
      sendJson(res, 200, properties.map((property) => devices.propertyRecord(device, property)));
      return true;
    }
    match = PROPERTY_PATH.exec(path);
    if (match && method === 'GET') {
      users.authenticate(request.req);
      const device = this.deviceOr404(match[1]);
      sendJson(res, 200, devices.propertyRecord(device, this.propertyOr404(device, match[2])));
      return true;
    }
    match = DATAPOINTS_PATH.exec(path);
    if (match && method === 'POST') {
      const account = users.authenticate(request.req);
      const device = this.deviceOr404(match[1]);
      const property = this.propertyOr404(device, match[2]);
      const body = objectField(await readJsonBody(request.req), 'datapoint');
      if (!('value' in body)) throw errorsString(422, "value can't be blank");
      if (property.direction === 'output') throw errorsString(422, `property ${property.name} is read only (from device)`);
      const coerced = coerceWrittenValue(property, body.value);
      if ('error' in coerced) throw errorsString(422, coerced.error);
      this.options.log(`datapoint written: ${device.dsn}/${property.name}`);
      sendJson(res, 201, { datapoint: { ...this.writeFromCloud(device, property, coerced.value, account.userUuid), generated_from: 'api' } });
      return true;
    }
    return false;
  }

  private deviceOr404(dsn: string): VirtualDevice {
    const device = this.options.devices.get(decodePathSegment(dsn));
    if (!device) throw errorString(404, 'Device not found');
    return device;
  }

  private propertyOr404(device: VirtualDevice, name: string): ScenarioProperty {
    const property = this.options.devices.propertyOf(device, decodePathSegment(name));
    if (!property) throw errorString(404, 'Property not found');
    return property;
  }
}
