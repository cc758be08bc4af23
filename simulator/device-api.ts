/**
 * Enough of Ayla's device service (docs/protocol.md §7) for device pickers, initial values and
 * writes, behind `Authorization: auth_token …`:
 * - `GET /apiv1/devices` (plain list, or Ayla's paginated answer with `paginated=true`),
 *   `GET /apiv1/dsns/{dsn}`;
 * - `GET /apiv1/dsns/{dsn}/properties` (`names[]=a&names[]=b` narrows), `…/properties/{name}`;
 * - `POST …/properties/{name}/datapoints` (a write: see {@link DatapointWrites}) and
 *   `GET …/properties/{name}/datapoints/{id}` (the written datapoint with its ack fields).
 *
 * Refusals, each `{"error": "…"}`: 401 without a valid token; 404 for an unknown DSN, property
 * or datapoint; 422 for a missing value, a value that does not fit the base type, and a write
 * to an `output` property (it reports from the device; the request is well-formed but cannot
 * apply to it, which is also what earlier simulator versions answered); 403 for a write to a
 * `read_only` input (a permission, like the 403 Ayla's API lists for datapoint creation).
 * Injected faults (see {@link DeviceServiceFaults}) come before all of these.
 */
import type { DeviceServiceFaults } from './device-faults';
import { loseAnswer, sendInjectedError } from './device-faults';
import { deviceRecord, devicePage, orderedDevices, propertyRecord, wantsPagination } from './device-records';
import type { DatapointWrites } from './device-writes';
import type { DeviceRegistry, VirtualDevice } from './devices';
import { decodePathSegment, errorString, readJsonBody, sendJson, type RoutedRequest } from './http-io';
import type { ScenarioProperty } from './scenario';
import type { UserService } from './user-service';
import { coerceWrittenValue } from './values';

const DEVICE_PATH = /^\/apiv1\/dsns\/([^/]+)$/;
const PROPERTIES_PATH = /^\/apiv1\/dsns\/([^/]+)\/properties$/;
const PROPERTY_PATH = /^\/apiv1\/dsns\/([^/]+)\/properties\/([^/]+)$/;
const DATAPOINTS_PATH = /^\/apiv1\/dsns\/([^/]+)\/properties\/([^/]+)\/datapoints$/;
const DATAPOINT_PATH = /^\/apiv1\/dsns\/([^/]+)\/properties\/([^/]+)\/datapoints\/([^/]+)$/;

/** Options for {@link DeviceApi}. */
export interface DeviceApiOptions {
  users: UserService;
  devices: DeviceRegistry;
  writes: DatapointWrites;
  faults: DeviceServiceFaults;
  log: (line: string) => void;
}

/** Routes for `/apiv1/…`. */
export class DeviceApi {
  constructor(private readonly options: DeviceApiOptions) {}

  /** Handles device-service paths; returns false for other paths. */
  async handle(request: RoutedRequest): Promise<boolean> {
    const { method, path, res, query } = request;
    if (!path.startsWith('/apiv1/')) return false;
    const { users, devices, writes, faults } = this.options;
    const injected = faults.takeError();
    if (injected) {
      this.options.log(`device service: injected ${injected.status} for ${method} ${path}`);
      sendInjectedError(res, injected);
      return true;
    }

    if (path === '/apiv1/devices' && method === 'GET') {
      users.authenticate(request.req);
      const list = orderedDevices(devices, query);
      sendJson(res, 200, wantsPagination(query) ? devicePage(list, query) : list.map((device) => deviceRecord(device)));
      return true;
    }
    if (method === 'GET') {
      let match = DEVICE_PATH.exec(path);
      if (match) {
        users.authenticate(request.req);
        sendJson(res, 200, deviceRecord(this.deviceOr404(match[1])));
        return true;
      }
      match = PROPERTIES_PATH.exec(path);
      if (match) {
        users.authenticate(request.req);
        const device = this.deviceOr404(match[1]);
        const names = query.getAll('names[]');
        const properties = device.model.properties.filter((property) => names.length === 0 || names.includes(property.name));
        sendJson(res, 200, properties.map((property) => propertyRecord(devices, device, property, writes.lastAck(device, property))));
        return true;
      }
      match = PROPERTY_PATH.exec(path);
      if (match) {
        users.authenticate(request.req);
        const device = this.deviceOr404(match[1]);
        const property = this.propertyOr404(device, match[2]);
        sendJson(res, 200, propertyRecord(devices, device, property, writes.lastAck(device, property)));
        return true;
      }
      match = DATAPOINT_PATH.exec(path);
      if (match) {
        users.authenticate(request.req);
        const device = this.deviceOr404(match[1]);
        const property = this.propertyOr404(device, match[2]);
        const datapoint = writes.find(device.dsn, property.name, decodePathSegment(match[3]));
        if (!datapoint) throw errorString(404, 'Datapoint not found');
        sendJson(res, 200, { datapoint });
        return true;
      }
      return false;
    }
    const match = DATAPOINTS_PATH.exec(path);
    if (!match || method !== 'POST') return false;
    await this.write(request, match[1], match[2]);
    return true;
  }

  private async write(request: RoutedRequest, dsnSegment: string, nameSegment: string): Promise<void> {
    const { users, writes, faults } = this.options;
    const account = users.authenticate(request.req);
    const device = this.deviceOr404(dsnSegment);
    const property = this.propertyOr404(device, nameSegment);
    const wrapper = (await readJsonBody(request.req)).datapoint;
    const body = wrapper !== null && typeof wrapper === 'object' && !Array.isArray(wrapper) ? (wrapper as Record<string, unknown>) : {};
    if (body.value === undefined || body.value === null) throw errorString(422, "value can't be blank");
    const metadata = body.metadata ?? {};
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) throw errorString(422, 'metadata must be an object');
    if (property.direction === 'output') throw errorString(422, `Property ${property.name} is an output (from-device) property and cannot be written`);
    if (property.readOnly) throw errorString(403, `Property ${property.name} is read-only`);
    const coerced = coerceWrittenValue(property, body.value);
    if ('error' in coerced) throw errorString(422, coerced.error);

    const datapoint = writes.write(device, property, coerced.value, account.userUuid, metadata as Record<string, unknown>);
    const lost = faults.takeLostAnswer();
    this.options.log(`datapoint written: ${device.dsn}/${property.name}${lost ? ` (answer lost: ${lost})` : ''}`);
    if (lost) return loseAnswer(request.res, lost);
    sendJson(request.res, 201, { datapoint });
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
