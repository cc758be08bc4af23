/**
 * The device service's answer shapes (docs/protocol.md §7): device and property records as
 * Ayla's `GET /apiv1/devices` and `GET /apiv1/dsns/{dsn}/properties` show them, and the
 * paginated device list.
 */
import { aylaTimestamp } from './clock';
import type { DeviceRegistry, VirtualDevice } from './devices';
import { errorString } from './http-io';
import type { ScenarioProperty } from './scenario';
import { formatCoordinate } from './values';

/** Devices per page when `per_page` is not given. */
export const DEFAULT_DEVICES_PER_PAGE = 50;
/** Largest page: Ayla documents `per_page` as "max 100"; larger asks get 100. */
export const MAX_DEVICES_PER_PAGE = 100;
/** Template ids start here, one per OEM model. */
const FIRST_TEMPLATE_ID = 1000;

/** The last acknowledgement of a property's latest cloud write (Ayla shows it on the property). */
export interface PropertyAck {
  ack_status: number | null;
  ack_message: number | null;
  acked_at: string | null;
}

/** `{"device": {…}}` as in `GET /apiv1/devices`. */
export function deviceRecord(device: VirtualDevice): { device: Record<string, unknown> } {
  return {
    device: {
      product_name: device.productName,
      model: device.model.model ?? 'AY008SIM1',
      dsn: device.dsn,
      oem_model: device.model.oemModel,
      sw_version: device.model.swVersion ?? 'ADA 1.9.2-sim',
      template_id: FIRST_TEMPLATE_ID + device.kind.index,
      mac: device.dsn.slice(-12).toLowerCase().padStart(12, '0'),
      lan_ip: `192.168.1.${(device.key % 200) + 20}`,
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

/** `{"property": {…}}` as in `GET /apiv1/dsns/{dsn}/properties`. */
export function propertyRecord(devices: DeviceRegistry, device: VirtualDevice, property: ScenarioProperty, ack: PropertyAck | undefined): { property: Record<string, unknown> } {
  const position = device.kind.propertyIndex.get(property.name) ?? 0;
  return {
    property: {
      type: 'Property',
      name: property.name,
      base_type: property.baseType,
      read_only: property.readOnly ?? false,
      direction: property.direction,
      scope: 'user',
      data_updated_at: aylaTimestamp(devices.updatedAtOf(device, property)),
      key: device.key * 100 + position,
      device_key: device.key,
      product_name: device.productName,
      track_only_changes: false,
      display_name: property.displayName ?? property.name,
      host_sw_version: false,
      time_series: false,
      derived: false,
      app_type: null,
      recipe: null,
      value: devices.valueOf(device, property),
      denied_roles: [],
      ack_enabled: devices.acknowledges(property),
      retention_days: 30,
      ack_status: ack?.ack_status ?? null,
      ack_message: ack?.ack_message ?? null,
      acked_at: ack?.acked_at ?? null,
    },
  };
}

function positiveInteger(query: URLSearchParams, name: string, fallback: number): number {
  const text = query.get(name);
  if (text === null || text === '') return fallback;
  if (!/^[0-9]{1,9}$/.test(text) || Number(text) < 1) throw errorString(422, `${name} must be a positive integer`);
  return Number(text);
}

/** Whether the query asks for Ayla's paginated answer (`paginated=true`). */
export function wantsPagination(query: URLSearchParams): boolean {
  const value = query.get('paginated');
  return value === 'true' || value === '1';
}

/**
 * The devices in the order the query asks: `order_by=dsn|product_name` (default: registry
 * order), `order=asc|desc` (default asc).
 *
 * @throws HttpError 422 for another `order_by` or `order`.
 */
export function orderedDevices(devices: DeviceRegistry, query: URLSearchParams): readonly VirtualDevice[] {
  const orderBy = query.get('order_by');
  const order = query.get('order') ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw errorString(422, 'order must be asc or desc');
  if (orderBy !== null && orderBy !== 'dsn' && orderBy !== 'product_name') throw errorString(422, 'order_by must be dsn or product_name');
  const list = orderBy === null ? devices.list() : devices.sortedBy(orderBy);
  return order === 'desc' ? [...list].reverse() : list;
}

/**
 * Ayla's paginated device list: `{devices, total, current_page_number, start_count, end_count}`
 * plus `next_page_number` when there is a later page and `previous_page_number` when
 * `page` > 1. `start_count` / `end_count` are the 1-based positions of the first and last
 * device on the page (both 0 on an empty page). `page` defaults to 1, `per_page` to
 * {@link DEFAULT_DEVICES_PER_PAGE} (at most {@link MAX_DEVICES_PER_PAGE}).
 *
 * @throws HttpError 422 for a `page` or `per_page` that is not a positive integer.
 */
export function devicePage(list: readonly VirtualDevice[], query: URLSearchParams): Record<string, unknown> {
  const perPage = Math.min(MAX_DEVICES_PER_PAGE, positiveInteger(query, 'per_page', DEFAULT_DEVICES_PER_PAGE));
  const page = positiveInteger(query, 'page', 1);
  const offset = (page - 1) * perPage;
  const slice = list.slice(offset, offset + perPage);
  const answer: Record<string, unknown> = {
    devices: slice.map((device) => deviceRecord(device)),
    total: list.length,
    current_page_number: page,
    start_count: slice.length > 0 ? offset + 1 : 0,
    end_count: slice.length > 0 ? offset + slice.length : 0,
  };
  if (offset + perPage < list.length) answer.next_page_number = page + 1;
  if (page > 1) answer.previous_page_number = page - 1;
  return answer;
}
