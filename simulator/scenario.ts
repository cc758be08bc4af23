/**
 * Scenarios: the OEM models, their properties and their virtual devices, as data. A scenario is
 * a JSON file (`--scenario path.json`) or an object; {@link DEFAULT_SCENARIO} is built in.
 */
import { readFileSync } from 'node:fs';
import { BASE_TYPES, REGISTRATION_TYPES, type BaseType } from '../nodes/lib/events';
import { DEFAULT_SCENARIO } from './default-scenario';

/** How a property changes when the simulator generates automatic events. */
export type PropertyBehaviour =
  /** Only changes when someone writes it (cloud-to-device settings). */
  | { kind: 'static' }
  /** A boolean that flips. */
  | { kind: 'toggle' }
  /** A bounded random walk: each change moves at most `step` (a temperature drifts, it does not jump). */
  | { kind: 'drift'; min: number; max: number; step: number; decimals?: number }
  /** A meter that only grows by up to `step`. */
  | { kind: 'counter'; step: number; decimals?: number }
  /** One of a few strings (a mode, a status message). */
  | { kind: 'choice'; values: string[] }
  /** A new file URL each time (base type `file`). */
  | { kind: 'file'; extension?: string };

/** Direction as Ayla names it: `input` = to the device (writable from the cloud), `output` = from the device. */
export type PropertyDirection = 'input' | 'output';

/** One property of an OEM model. */
export interface ScenarioProperty {
  name: string;
  displayName?: string;
  baseType: BaseType;
  direction: PropertyDirection;
  /** Initial value; booleans may be written as true/false or 0/1 (events carry 0/1). */
  value: boolean | number | string;
  behaviour?: PropertyBehaviour;
  /** Whether the device acknowledges writes (datapointack events); default true for inputs. */
  ackEnabled?: boolean;
}

/** One virtual device. */
export interface ScenarioDevice {
  dsn: string;
  productName?: string;
  lat: number;
  long: number;
  ip?: string;
  /** One of Ayla's registration types; default `AP-Mode`. */
  registrationType?: string;
  /** Initial connectivity; default `Online`. */
  connectionStatus?: 'Online' | 'Offline';
  /** Initial registration; default true. */
  registered?: boolean;
  /** Initial values that differ from the model's. */
  values?: Record<string, boolean | number | string>;
}

/** An OEM model with its properties and devices. */
export interface ScenarioModel {
  oemModel: string;
  /** Ayla's hardware model string, e.g. `AY001MUS1`. */
  model?: string;
  productName?: string;
  properties: ScenarioProperty[];
  devices: ScenarioDevice[];
}

/** Everything the simulated cloud knows about devices. */
export interface Scenario {
  /** Shown as `oem_id` in events; default the simulator's OEM. */
  oemId?: string;
  models: ScenarioModel[];
}

/** A scenario that cannot be used; the message names the offending field. */
export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ScenarioError(`invalid scenario: ${message}`);
}

function checkValue(where: string, baseType: BaseType, value: unknown): void {
  switch (baseType) {
    case 'boolean':
      check(typeof value === 'boolean' || value === 0 || value === 1, `${where} must be true, false, 0 or 1`);
      return;
    case 'integer':
      check(Number.isInteger(value), `${where} must be an integer`);
      return;
    case 'decimal':
      check(typeof value === 'number' && Number.isFinite(value), `${where} must be a number`);
      return;
    default:
      check(typeof value === 'string', `${where} must be a string`);
  }
}

/**
 * Checks a parsed scenario and returns it typed.
 *
 * @throws {@link ScenarioError} naming the first problem.
 */
export function validateScenario(data: unknown): Scenario {
  check(data !== null && typeof data === 'object', 'not an object');
  const scenario = data as Scenario;
  check(Array.isArray(scenario.models) && scenario.models.length > 0, '"models" must be a non-empty array');
  const dsns = new Set<string>();
  scenario.models.forEach((model, m) => {
    const at = `models[${m}]`;
    check(typeof model.oemModel === 'string' && model.oemModel !== '', `${at}.oemModel must be a non-empty string`);
    check(Array.isArray(model.properties), `${at}.properties must be an array`);
    check(Array.isArray(model.devices), `${at}.devices must be an array`);
    const names = new Set<string>();
    model.properties.forEach((property, p) => {
      const pat = `${at}.properties[${p}]`;
      check(typeof property.name === 'string' && property.name !== '', `${pat}.name must be a non-empty string`);
      check(!names.has(property.name), `${pat}.name "${property.name}" is repeated`);
      names.add(property.name);
      check((BASE_TYPES as readonly string[]).includes(property.baseType), `${pat}.baseType must be one of ${BASE_TYPES.join(', ')}`);
      check(property.direction === 'input' || property.direction === 'output', `${pat}.direction must be "input" or "output"`);
      checkValue(`${pat}.value`, property.baseType, property.value);
    });
    model.devices.forEach((device, d) => {
      const dat = `${at}.devices[${d}]`;
      check(typeof device.dsn === 'string' && /^[A-Za-z0-9_-]+$/.test(device.dsn), `${dat}.dsn must be letters, digits, "_" or "-"`);
      check(!dsns.has(device.dsn), `${dat}.dsn "${device.dsn}" is repeated`);
      dsns.add(device.dsn);
      check(Number.isFinite(device.lat) && Number.isFinite(device.long), `${dat}.lat and .long must be numbers`);
      check(
        device.registrationType === undefined || (REGISTRATION_TYPES as readonly string[]).includes(device.registrationType),
        `${dat}.registrationType must be one of ${REGISTRATION_TYPES.join(', ')}`,
      );
      for (const [name, value] of Object.entries(device.values ?? {})) {
        const property = model.properties.find((candidate) => candidate.name === name);
        check(property, `${dat}.values.${name} is not a property of ${model.oemModel}`);
        checkValue(`${dat}.values.${name}`, property.baseType, value);
      }
    });
  });
  return scenario;
}

/**
 * The scenario to run: the built-in default, a given object, or a JSON file.
 *
 * @throws {@link ScenarioError} when the file cannot be read or is not a valid scenario.
 */
export function loadScenario(source?: string | Scenario): Scenario {
  if (source === undefined) return DEFAULT_SCENARIO;
  if (typeof source !== 'string') return validateScenario(source);
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (error) {
    throw new ScenarioError(`cannot read scenario file ${source}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(`scenario file ${source} is not JSON: ${(error as Error).message}`);
  }
  return validateScenario(parsed);
}
