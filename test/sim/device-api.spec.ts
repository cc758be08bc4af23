import { strict as assert } from 'node:assert';
import { BASE_TYPES } from '../../nodes/lib/events';
import { MAX_DEVICES_PER_PAGE, startSimulator, type RunningSimulator } from '../../simulator';
import { request, signIn } from './support/sim-client';

const THERMOSTAT = 'AC000W005606115';

type DeviceItem = { device: Record<string, unknown> & { dsn: string; product_name: string; oem_model: string; connection_status: string } };
type Page = { devices: DeviceItem[]; total: number; current_page_number: number; start_count: number; end_count: number; next_page_number?: number; previous_page_number?: number };

describe('simulator: device service (reading)', () => {
  let sim: RunningSimulator;
  let token: string;

  afterEach(() => sim.close());

  describe('built-in scenario', () => {
    beforeEach(async () => {
      sim = await startSimulator({ rate: 0 });
      token = (await signIn(sim)).access_token;
    });

    it('lists devices of several OEM models with Ayla\'s device fields, with and without .json', async () => {
      for (const path of ['/apiv1/devices.json', '/apiv1/devices']) {
        const answer = await request(sim, 'GET', path, { token });
        assert.equal(answer.status, 200);
        const devices = (answer.body as DeviceItem[]).map((item) => item.device);
        assert.equal(devices.length, 8);
        assert.ok(new Set(devices.map((device) => device.oem_model)).size >= 3);
        const thermostat = devices.find((device) => device.dsn === THERMOSTAT);
        assert.ok(thermostat);
        for (const field of ['dsn', 'product_name', 'model', 'oem_model', 'connection_status', 'lat', 'lng', 'connected_at', 'key', 'lan_ip', 'sw_version']) {
          assert.ok(field in thermostat, field);
        }
        assert.equal(thermostat.connection_status, 'Online');
      }
      assert.equal((await request(sim, 'GET', '/apiv1/devices.json')).status, 401);
    });

    it('shows one device by DSN, and 404 for an unknown one', async () => {
      const answer = await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}.json`, { token });
      assert.equal(answer.status, 200);
      assert.equal((answer.body as DeviceItem).device.product_name, 'Living room');
      const unknown = await request(sim, 'GET', '/apiv1/dsns/NOPE.json', { token });
      assert.equal(unknown.status, 404);
      assert.equal(typeof (unknown.body as { error: unknown }).error, 'string');
    });

    it('lists properties with Ayla\'s property fields, covering every base type across the default models', async () => {
      const answer = await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}/properties.json`, { token });
      assert.equal(answer.status, 200);
      const properties = (answer.body as Array<{ property: Record<string, unknown> }>).map((item) => item.property);
      const target = properties.find((property) => property.name === 'target_temp');
      assert.ok(target);
      for (const field of ['name', 'display_name', 'base_type', 'direction', 'value', 'data_updated_at', 'read_only', 'ack_enabled', 'key']) assert.ok(field in target, field);
      assert.deepEqual([target.direction, target.read_only, target.ack_enabled, target.value], ['input', false, true, 21]);
      const firmware = properties.find((property) => property.name === 'firmware_channel');
      assert.deepEqual([firmware?.direction, firmware?.read_only], ['input', true]);
      assert.equal(properties.find((property) => property.name === 'current_temp')?.direction, 'output');

      const devices = (await request(sim, 'GET', '/apiv1/devices.json', { token })).body as DeviceItem[];
      const baseTypes = new Set<string>();
      for (const { device } of devices) {
        const list = (await request(sim, 'GET', `/apiv1/dsns/${device.dsn}/properties`, { token })).body as Array<{ property: { base_type: string } }>;
        for (const { property } of list) baseTypes.add(property.base_type);
      }
      assert.deepEqual([...baseTypes].sort(), [...BASE_TYPES].sort());

      const filtered = await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}/properties.json?names[]=humidity&names[]=fan_on`, { token });
      assert.deepEqual((filtered.body as Array<{ property: { name: string } }>).map((item) => item.property.name), ['fan_on', 'humidity']);
      const one = await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}/properties/target_temp.json`, { token });
      assert.equal((one.body as { property: { value: number } }).property.value, 21);
      assert.equal((await request(sim, 'GET', '/apiv1/dsns/NOPE/properties.json', { token })).status, 404);
      assert.equal((await request(sim, 'GET', `/apiv1/dsns/${THERMOSTAT}/properties/nope.json`, { token })).status, 404);
    });

    it('orders the plain list by dsn or product_name, asc or desc, and refuses other orders with 422', async () => {
      const names = async (query: string) => ((await request(sim, 'GET', `/apiv1/devices.json?${query}`, { token })).body as DeviceItem[]).map((item) => item.device.product_name);
      const ascending = await names('order_by=product_name&order=asc');
      assert.deepEqual(ascending, [...ascending].sort());
      assert.deepEqual(await names('order_by=product_name&order=desc'), [...ascending].reverse());
      const dsns = ((await request(sim, 'GET', '/apiv1/devices.json?order_by=dsn', { token })).body as DeviceItem[]).map((item) => item.device.dsn);
      assert.deepEqual(dsns, [...dsns].sort());
      assert.equal((await request(sim, 'GET', '/apiv1/devices.json?order_by=key', { token })).status, 422);
      assert.equal((await request(sim, 'GET', '/apiv1/devices.json?order=up', { token })).status, 422);
    });
  });

  describe('paginated list of a generated fleet', () => {
    beforeEach(async () => {
      sim = await startSimulator({ rate: 0, devices: 237, seed: 5 });
      token = (await signIn(sim)).access_token;
    });

    async function page(query: string): Promise<Page> {
      const answer = await request(sim, 'GET', `/apiv1/devices.json?paginated=true&${query}`, { token });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body as Page;
    }

    it('answers Ayla\'s paginated shape and walks every device exactly once', async () => {
      const first = await page('per_page=100&page=1&order_by=product_name&order=asc');
      assert.equal(first.total, 237);
      assert.equal(first.current_page_number, 1);
      assert.deepEqual([first.start_count, first.end_count, first.next_page_number, first.previous_page_number], [1, 100, 2, undefined]);
      assert.equal(first.devices.length, 100);
      assert.ok('dsn' in first.devices[0].device);

      const seen: string[] = [];
      let number: number | undefined = 1;
      while (number !== undefined) {
        const current: Page = await page(`per_page=100&page=${number}&order_by=product_name&order=asc`);
        seen.push(...current.devices.map((item) => item.device.product_name));
        number = current.next_page_number;
      }
      assert.equal(seen.length, 237);
      assert.equal(new Set(seen).size, 237);
      assert.deepEqual(seen, [...seen].sort());

      const last = await page('per_page=100&page=3&order_by=product_name&order=asc');
      assert.deepEqual([last.start_count, last.end_count, last.next_page_number, last.previous_page_number], [201, 237, undefined, 2]);
      const beyond = await page('per_page=100&page=9');
      assert.deepEqual([beyond.devices.length, beyond.start_count, beyond.end_count, beyond.total], [0, 0, 0, 237]);
    });

    it('orders pages by dsn descending, defaults per_page to 50 and caps it at 100', async () => {
      const descending = await page('order_by=dsn&order=desc');
      assert.equal(descending.devices.length, 50);
      const dsns = descending.devices.map((item) => item.device.dsn);
      assert.deepEqual(dsns, [...dsns].sort().reverse());
      assert.equal(dsns[0], 'AC000W700000236');
      assert.equal((await page('per_page=500')).devices.length, MAX_DEVICES_PER_PAGE);
      for (const bad of ['page=0', 'per_page=-1', 'page=two']) {
        assert.equal((await request(sim, 'GET', `/apiv1/devices.json?paginated=true&${bad}`, { token })).status, 422, bad);
      }
    });
  });
});
