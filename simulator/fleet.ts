/**
 * Generated fleets (`devices: N`): the built-in catalog of OEM models, each with properties of
 * every base type (inputs and outputs, some without acknowledgements) and its own report
 * interval, and the generator that turns a device count and a seed into devices.
 *
 * Generation is deterministic: the same seed and count give the same models, names, places and
 * initial values. DSNs depend on the index only (`AC000W700000000`, `AC000W700000001`, …), so
 * scripts can address device i without asking.
 */
import { REGISTRATION_TYPES } from '../nodes/lib/events';
import { DEFAULT_SCENARIO } from './default-scenario';
import { pickOne, type Random } from './prng';
import type { ScenarioDevice, ScenarioModel, ScenarioProperty } from './scenario';

/** First number of generated DSNs (`AC000W` + 9 digits, like Ayla's). */
const FLEET_DSN_BASE = 700_000_000;
/** Share of generated devices that start Offline. */
const OFFLINE_SHARE = 0.03;
/** Largest distance of a generated device from its city centre, degrees (a few km). */
const CITY_RADIUS_DEGREES = 0.05;

/** City centres devices are scattered around: lat, long. */
const CITIES: ReadonlyArray<readonly [number, number]> = [
  [44.7695, -69.4283],
  [48.8566, 2.3522],
  [35.6762, 139.6503],
  [-33.8688, 151.2093],
  [40.7128, -74.006],
  [52.52, 13.405],
  [37.3382, -121.8863],
  [19.076, 72.8777],
];

function defaultModel(oemModel: string): ScenarioModel {
  const model = DEFAULT_SCENARIO.models.find((candidate) => candidate.oemModel === oemModel);
  if (!model) throw new Error(`the default scenario has no model ${oemModel}`);
  return model;
}

/** A default-scenario model with extra properties (so every base type is there) and fleet settings. */
function extended(oemModel: string, reportIntervalSec: number, fleetWeight: number, extra: ScenarioProperty[]): ScenarioModel {
  const model = defaultModel(oemModel);
  return { ...model, reportIntervalSec, fleetWeight, properties: [...model.properties, ...extra], devices: [] };
}

/** The models of generated fleets: the three default ones, extended, and three more. */
export const FLEET_MODELS: readonly ScenarioModel[] = [
  extended('smartplug-v2', 30, 4, [
    { name: 'diag_log', displayName: 'Diagnostics log', baseType: 'file', direction: 'output', value: 'https://files.example.com/ayla/diag/initial.log', behaviour: { kind: 'file', extension: 'log' } },
  ]),
  extended('thermo-t100', 60, 3, [
    { name: 'usage_report', displayName: 'Usage report', baseType: 'file', direction: 'output', value: 'https://files.example.com/ayla/usage/initial.csv', behaviour: { kind: 'file', extension: 'csv' } },
  ]),
  extended('airpure-ap3', 45, 2, [
    { name: 'status_msg', displayName: 'Status message', baseType: 'message', direction: 'output', value: 'ok', behaviour: { kind: 'choice', values: ['ok', 'filter change due', 'sensor warming up'] } },
  ]),
  {
    oemModel: 'waterheat-wh50',
    model: 'AY008WHT1',
    productName: 'Water Heater',
    swVersion: 'ADA 1.9.4-wh',
    reportIntervalSec: 120,
    fleetWeight: 1,
    properties: [
      { name: 'heater_on', displayName: 'Heater', baseType: 'boolean', direction: 'input', value: 1, behaviour: { kind: 'static' } },
      { name: 'set_temp_c', displayName: 'Set temperature (°C)', baseType: 'decimal', direction: 'input', value: 50, behaviour: { kind: 'static' } },
      { name: 'vacation_days', displayName: 'Vacation days', baseType: 'integer', direction: 'input', value: 0, ackEnabled: false, behaviour: { kind: 'static' } },
      { name: 'mode', displayName: 'Mode', baseType: 'string', direction: 'input', value: 'eco', behaviour: { kind: 'static' } },
      { name: 'tank_temp_c', displayName: 'Tank temperature (°C)', baseType: 'decimal', direction: 'output', value: 48.5, behaviour: { kind: 'drift', min: 10, max: 75, step: 0.5, decimals: 1 } },
      { name: 'energy_kwh', displayName: 'Energy (kWh)', baseType: 'decimal', direction: 'output', value: 311.2, behaviour: { kind: 'counter', step: 0.05, decimals: 3 } },
      { name: 'element_cycles', displayName: 'Element cycles', baseType: 'integer', direction: 'output', value: 1200, behaviour: { kind: 'counter', step: 1 } },
      { name: 'leak_detected', displayName: 'Leak detected', baseType: 'boolean', direction: 'output', value: 0, behaviour: { kind: 'static' } },
      { name: 'status_msg', displayName: 'Status message', baseType: 'message', direction: 'output', value: 'ok', behaviour: { kind: 'choice', values: ['ok', 'heating', 'anode check due', 'scale build-up detected'] } },
      { name: 'diag_log', displayName: 'Diagnostics log', baseType: 'file', direction: 'output', value: 'https://files.example.com/ayla/diag/initial.log', behaviour: { kind: 'file', extension: 'log' } },
    ],
    devices: [],
  },
  {
    oemModel: 'doorlock-dl2',
    model: 'AY008DLK1',
    productName: 'Door Lock',
    swVersion: 'ADA 1.8.7-dl',
    reportIntervalSec: 300,
    fleetWeight: 1,
    properties: [
      { name: 'lock', displayName: 'Lock', baseType: 'boolean', direction: 'input', value: 1, behaviour: { kind: 'static' } },
      { name: 'auto_lock_sec', displayName: 'Auto-lock (s)', baseType: 'integer', direction: 'input', value: 30, behaviour: { kind: 'static' } },
      { name: 'door_label', displayName: 'Door label', baseType: 'string', direction: 'input', value: 'front door', ackEnabled: false, behaviour: { kind: 'static' } },
      { name: 'locked_state', displayName: 'Locked', baseType: 'boolean', direction: 'output', value: 1, behaviour: { kind: 'toggle' } },
      { name: 'battery_pct', displayName: 'Battery (%)', baseType: 'integer', direction: 'output', value: 87, behaviour: { kind: 'drift', min: 5, max: 100, step: 1 } },
      { name: 'temperature_c', displayName: 'Temperature (°C)', baseType: 'decimal', direction: 'output', value: 18.2, behaviour: { kind: 'drift', min: -20, max: 50, step: 0.3, decimals: 1 } },
      { name: 'last_event', displayName: 'Last event', baseType: 'message', direction: 'output', value: 'locked by app', behaviour: { kind: 'choice', values: ['unlocked by keypad', 'locked by app', 'auto-locked', 'jammed | retrying'] } },
      { name: 'entry_snapshot', displayName: 'Entry snapshot', baseType: 'file', direction: 'output', value: 'https://files.example.com/ayla/snapshots/initial.jpg', behaviour: { kind: 'file', extension: 'jpg' } },
    ],
    devices: [],
  },
  {
    oemModel: 'bulb-rgb1',
    model: 'AY008BLB1',
    productName: 'Smart Bulb',
    swVersion: 'ADA 1.9.1-bl',
    reportIntervalSec: 180,
    fleetWeight: 3,
    properties: [
      { name: 'on', displayName: 'On', baseType: 'boolean', direction: 'input', value: 1, behaviour: { kind: 'static' } },
      { name: 'brightness', displayName: 'Brightness (%)', baseType: 'integer', direction: 'input', value: 80, behaviour: { kind: 'static' } },
      { name: 'color_hex', displayName: 'Colour', baseType: 'string', direction: 'input', value: '#ffd8a8', ackEnabled: false, behaviour: { kind: 'static' } },
      { name: 'firmware_channel', displayName: 'Firmware channel', baseType: 'string', direction: 'input', value: 'stable', readOnly: true, behaviour: { kind: 'static' } },
      { name: 'power_w', displayName: 'Power (W)', baseType: 'decimal', direction: 'output', value: 7.5, behaviour: { kind: 'drift', min: 0, max: 12, step: 0.4, decimals: 1 } },
      { name: 'uptime_h', displayName: 'Uptime (h)', baseType: 'decimal', direction: 'output', value: 10.25, behaviour: { kind: 'counter', step: 0.01, decimals: 2 } },
      { name: 'rssi_dbm', displayName: 'Wi-Fi RSSI (dBm)', baseType: 'integer', direction: 'output', value: -58, behaviour: { kind: 'drift', min: -90, max: -30, step: 2 } },
      { name: 'scene_msg', displayName: 'Scene', baseType: 'message', direction: 'output', value: 'reading', behaviour: { kind: 'choice', values: ['reading', 'relax', 'wake-up', 'night light'] } },
      { name: 'crash_dump', displayName: 'Crash dump', baseType: 'file', direction: 'output', value: 'https://files.example.com/ayla/dumps/none.bin', behaviour: { kind: 'file', extension: 'bin' } },
    ],
    devices: [],
  },
];

/** One generated device: its model and the same fields a scenario device has. */
export interface FleetDevice {
  model: ScenarioModel;
  spec: ScenarioDevice;
}

/** The DSN of generated device `index` (0-based). */
export function fleetDsn(index: number): string {
  return `AC000W${String(FLEET_DSN_BASE + index).padStart(9, '0')}`;
}

/** A model chosen in proportion to `fleetWeight` (default 1). */
function weightedModelPicker(models: readonly ScenarioModel[]): (random: Random) => ScenarioModel {
  const weights = models.map((model) => model.fleetWeight ?? 1);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  if (total <= 0) return (random) => pickOne(random, models);
  return (random) => {
    let roll = random() * total;
    for (let i = 0; i < models.length; i++) {
      roll -= weights[i];
      if (roll < 0) return models[i];
    }
    return models[models.length - 1];
  };
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** Initial values that differ between devices: drifting readings start anywhere in their range. */
function initialValues(model: ScenarioModel, random: Random): Record<string, number> {
  const values: Record<string, number> = {};
  for (const property of model.properties) {
    const behaviour = property.behaviour;
    if (behaviour?.kind !== 'drift') continue;
    const decimals = property.baseType === 'integer' ? 0 : (behaviour.decimals ?? 2);
    values[property.name] = round(behaviour.min + random() * (behaviour.max - behaviour.min), decimals);
  }
  return values;
}

/**
 * `count` devices over `models` (weighted by `fleetWeight`), drawn from `random`.
 *
 * @param models - non-empty; the built-in {@link FLEET_MODELS} unless a scenario gives its own.
 */
export function* generateFleet(models: readonly ScenarioModel[], count: number, random: Random): Generator<FleetDevice> {
  const pickModel = weightedModelPicker(models);
  for (let index = 0; index < count; index++) {
    const model = pickModel(random);
    const [lat, long] = pickOne(random, CITIES);
    yield {
      model,
      spec: {
        dsn: fleetDsn(index),
        productName: `${model.productName ?? model.oemModel} ${index + 1}`,
        lat: round(lat + (random() * 2 - 1) * CITY_RADIUS_DEGREES, 6),
        long: round(long + (random() * 2 - 1) * CITY_RADIUS_DEGREES, 6),
        // 198.18.0.0/15 is set aside for benchmarks: no real device has these.
        ip: `198.18.${(index >> 8) & 255}.${index & 255}`,
        registrationType: pickOne(random, REGISTRATION_TYPES),
        connectionStatus: random() < OFFLINE_SHARE ? 'Offline' : 'Online',
        values: initialValues(model, random),
      },
    };
  }
}
