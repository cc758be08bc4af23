/**
 * Scenarios: the OEM models, their properties and their virtual devices, plus extra
 * applications and users, as data. A scenario is a JSON file (`--scenario path.json`) or an
 * object; {@link DEFAULT_SCENARIO} is built in.
 */
import { readFileSync } from 'node:fs';
import { BASE_TYPES, EVENT_TYPES, REGISTRATION_TYPES, type BaseType, type EventType } from '../nodes/lib/events';
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
  /** An input the cloud refuses to write (403), as Ayla's `read_only` flag; default false. */
  readOnly?: boolean;
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
  /** Firmware string shown as `sw_version`; default `ADA 1.9.2-sim`. */
  swVersion?: string;
  /**
   * Mean seconds between two automatic reports of one device of this model; default 60. Only
   * relative: automatic events are shared out in proportion to 1 / interval (see `rate`).
   */
  reportIntervalSec?: number;
  /** Share of generated fleets (`devices: N`) made of this model, relative to the others'; default 1. */
  fleetWeight?: number;
  properties: ScenarioProperty[];
  devices: ScenarioDevice[];
}

/** An application clients may sign in through, besides the demo one. */
export interface ScenarioApplication {
  appId: string;
  appSecret: string;
}

/** A user account besides the built-in demo and limited ones. */
export interface ScenarioUser {
  email: string;
  password: string;
  /** Ayla role; default `OEM::Admin`. Access rules are per role. */
  role?: string;
  /** Event types the role may subscribe to (added to the role's access rules); default none. */
  allowedTypes?: EventType[];
  firstname?: string;
  lastname?: string;
  /** The user's uuid (on events it causes and in its profile); default a generated one. */
  uuid?: string;
}

/** Everything the simulated cloud knows about devices, applications and users. */
export interface Scenario {
  /** Shown as `oem_id` in events; default the simulator's OEM. */
  oemId?: string;
  models: ScenarioModel[];
  /** Extra applications; the demo application always works. */
  applications?: ScenarioApplication[];
  /** Extra users; the demo and limited accounts always exist. */
  users?: ScenarioUser[];
}

/** E-mail addresses the built-in accounts use, which scenario users cannot take. */
const RESERVED_EMAILS = ['demo@example.com', 'limited@example.com'];

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
    check(model.reportIntervalSec === undefined || (Number.isFinite(model.reportIntervalSec) && model.reportIntervalSec > 0), `${at}.reportIntervalSec must be a positive number`);
    check(model.fleetWeight === undefined || (Number.isFinite(model.fleetWeight) && model.fleetWeight >= 0), `${at}.fleetWeight must be a non-negative number`);
    check(model.swVersion === undefined || typeof model.swVersion === 'string', `${at}.swVersion must be a string`);
    const names = new Set<string>();
    model.properties.forEach((property, p) => {
      const pat = `${at}.properties[${p}]`;
      check(typeof property.name === 'string' && property.name !== '', `${pat}.name must be a non-empty string`);
      check(!names.has(property.name), `${pat}.name "${property.name}" is repeated`);
      names.add(property.name);
      check((BASE_TYPES as readonly string[]).includes(property.baseType), `${pat}.baseType must be one of ${BASE_TYPES.join(', ')}`);
      check(property.direction === 'input' || property.direction === 'output', `${pat}.direction must be "input" or "output"`);
      checkValue(`${pat}.value`, property.baseType, property.value);
      check(property.ackEnabled === undefined || typeof property.ackEnabled === 'boolean', `${pat}.ackEnabled must be true or false`);
      check(property.readOnly === undefined || typeof property.readOnly === 'boolean', `${pat}.readOnly must be true or false`);
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
  validateAccounts(scenario);
  return scenario;
}

function validateAccounts(scenario: Scenario): void {
  check(scenario.applications === undefined || Array.isArray(scenario.applications), '"applications" must be an array');
  (scenario.applications ?? []).forEach((application, a) => {
    const at = `applications[${a}]`;
    check(typeof application.appId === 'string' && application.appId !== '', `${at}.appId must be a non-empty string`);
    check(typeof application.appSecret === 'string' && application.appSecret !== '', `${at}.appSecret must be a non-empty string`);
  });
  check(scenario.users === undefined || Array.isArray(scenario.users), '"users" must be an array');
  const emails = new Set(RESERVED_EMAILS);
  (scenario.users ?? []).forEach((user, u) => {
    const at = `users[${u}]`;
    check(typeof user.email === 'string' && /^[^@\s]+@[^@\s]+$/.test(user.email), `${at}.email must be an e-mail address`);
    const email = user.email.trim().toLowerCase();
    check(!emails.has(email), `${at}.email "${email}" is taken`);
    emails.add(email);
    check(typeof user.password === 'string' && user.password !== '', `${at}.password must be a non-empty string`);
    check(user.role === undefined || (typeof user.role === 'string' && user.role !== ''), `${at}.role must be a non-empty string`);
    check(
      user.allowedTypes === undefined || (Array.isArray(user.allowedTypes) && user.allowedTypes.every((type) => (EVENT_TYPES as readonly string[]).includes(type))),
      `${at}.allowedTypes must be a list of ${EVENT_TYPES.join(', ')}`,
    );
    for (const key of ['firstname', 'lastname', 'uuid'] as const) check(user[key] === undefined || typeof user[key] === 'string', `${at}.${key} must be a string`);
  });
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
