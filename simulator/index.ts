/**
 * An offline Ayla cloud for tests and demos: the user service, the DSS subscription REST API,
 * the DSS WebSocket stream and a device service, driven by virtual devices, on one port.
 *
 * ```ts
 * const sim = await startSimulator({ rate: 0 });
 * // sim.userUrl, sim.apiUrl, sim.deviceUrl, sim.streamUrl, sim.account ...
 * await sim.close();
 * ```
 */
import { randomInt } from 'node:crypto';
import { DEMO_ACCOUNT, LIMITED_ACCOUNT, type DemoAccount } from './accounts';
import type { Clock } from './clock';
import { loadScenario, type Scenario } from './scenario';
import { SimulatorServer } from './server';
import type { DuplicateSocketPolicy } from './stream';

export { DEMO_ACCOUNT, LIMITED_ACCOUNT, type DemoAccount };
export { ACCESS_RULE_ROLES, type OemAccessRule } from './access-rules';
export { DEFAULT_SCENARIO } from './default-scenario';
export { DEVICE_ERROR_STATUSES, LOST_ANSWER_MODES, type DeviceErrorStatus, type LostAnswerMode } from './device-faults';
export { DEFAULT_DEVICES_PER_PAGE, MAX_DEVICES_PER_PAGE } from './device-records';
export { ACK_MESSAGE_FAILURE, ACK_MESSAGE_SUCCESS, ACK_STATUS_FAILURE, ACK_STATUS_SUCCESS } from './device-writes';
export { MALFORMED_KINDS, type MalformedKind } from './faults';
export { FLEET_MODELS, fleetDsn } from './fleet';
export {
  ScenarioError,
  type PropertyBehaviour,
  type Scenario,
  type ScenarioApplication,
  type ScenarioDevice,
  type ScenarioModel,
  type ScenarioProperty,
  type ScenarioUser,
} from './scenario';
export { CLOSE_MISSED_HEARTBEATS, CLOSE_REPLACED, CLOSE_SEQ_END, type DuplicateSocketPolicy } from './stream';
export { ACCOUNT_LOCK_MS, FAILED_SIGN_INS_BEFORE_LOCK } from './user-service';

/** Options of {@link startSimulator}; every field is optional. */
export interface SimulatorOptions {
  /** Interface to bind; default 127.0.0.1 (the `/sim/` control API is unauthenticated). */
  host?: string;
  /** TCP port; default 0 = any free port. */
  port?: number;
  /** Heartbeat interval on every socket, ms; default 30000. */
  heartbeatMs?: number;
  /** Unanswered heartbeats in a row before a socket is closed (code 4001); default 2. */
  missedHeartbeats?: number;
  /**
   * Interval of `1|X` keep-alives on mobile streams, ms; default 0 = none (some published
   * Ayla collectors fail on them, so they are opt-in).
   */
  keepAliveMs?: number;
  /**
   * Automatic events per second across all devices (0 to 100,000); default 1; 0 = none. Shared
   * out in proportion to 1 / each model's `reportIntervalSec` (see `GET /sim/state`'s `naturalRate`).
   */
  rate?: number;
  /** Seed of the value generator; default random. Same seed, same devices, values and acks. */
  seed?: number;
  /** Events kept per stream key for replay (1 to 10,000,000); default 10000. Memory: about 0.5 KB per event. */
  retention?: number;
  /**
   * Generate this many devices (1 to 1,000,000) instead of the scenario's device lists, over the
   * scenario's models or, without `scenario`, the built-in fleet catalog; default: none.
   */
  devices?: number;
  /** Access-token lifetime, seconds; default 86400. */
  tokenTtlSec?: number;
  /**
   * Path to a scenario JSON file, or a scenario object (models and devices, extra applications
   * and users); default the built-in one (the fleet catalog with `devices`).
   */
  scenario?: string | Scenario;
  /** Receives one line per notable thing; default: nothing is logged. Never receives secrets. */
  log?: (line: string) => void;
  /** Clock for token expiry and the account lock, ms since epoch; default `Date.now`. For tests. */
  now?: Clock;
  /** Delay between a written datapoint reaching the (online) device and its datapointack, ms; default 250. */
  ackDelayMs?: number;
  /** Share of acks reporting a failure (`ack_status` 500), 0..1; default 0. Deterministic for a seed. */
  ackFailureRate?: number;
  /** Share of writes the device never acknowledges, 0..1; default 0. Deterministic for a seed. */
  ackDropRate?: number;
  /** A second socket on a key: `replace` (default, old one closed with 4000) or `refuse` (409). */
  duplicateSockets?: DuplicateSocketPolicy;
}

/** A running simulator. */
export interface RunningSimulator {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `ws://127.0.0.1:PORT/stream` */
  streamUrl: string;
  /** DSS REST base (same as `url`). */
  apiUrl: string;
  /** User-service base (same as `url`). */
  userUrl: string;
  /** Device-service base, `/apiv1/…` (same as `url`). */
  deviceUrl: string;
  port: number;
  /** The built-in demo account (all five event types allowed). */
  account: DemoAccount;
  /** Terminates every socket, clears every timer and stops listening. Idempotent. */
  close(): Promise<void>;
}

/** Defaults, exported for the CLI's help text. */
export const SIMULATOR_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  heartbeatMs: 30_000,
  missedHeartbeats: 2,
  keepAliveMs: 0,
  rate: 1,
  retention: 10_000,
  tokenTtlSec: 86_400,
  ackDelayMs: 250,
  ackFailureRate: 0,
  ackDropRate: 0,
});

function checkNumber(name: string, value: number, min: number, max: number, integer: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new RangeError(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** The host as it goes into a URL: wildcard binds are reached on loopback, IPv6 in brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts a simulator and resolves once it listens.
 *
 * @throws RangeError for an out-of-range option, ScenarioError for a bad scenario, and the
 *   listen error (e.g. EADDRINUSE).
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const defaults = SIMULATOR_DEFAULTS;
  const host = options.host ?? defaults.host;
  const server = new SimulatorServer({
    host,
    port: checkNumber('port', options.port ?? defaults.port, 0, 65535, true),
    heartbeatMs: checkNumber('heartbeatMs', options.heartbeatMs ?? defaults.heartbeatMs, 10, 86_400_000, true),
    missedHeartbeats: checkNumber('missedHeartbeats', options.missedHeartbeats ?? defaults.missedHeartbeats, 1, 1000, true),
    keepAliveMs: checkNumber('keepAliveMs', options.keepAliveMs ?? defaults.keepAliveMs, 0, 86_400_000, true),
    rate: checkNumber('rate', options.rate ?? defaults.rate, 0, 100_000, false),
    seed: checkNumber('seed', options.seed ?? randomInt(0, 2 ** 31), -(2 ** 53), 2 ** 53, true),
    retention: checkNumber('retention', options.retention ?? defaults.retention, 1, 10_000_000, true),
    tokenTtlSec: checkNumber('tokenTtlSec', options.tokenTtlSec ?? defaults.tokenTtlSec, 1, 10 * 365 * 86_400, true),
    scenario: options.scenario === undefined ? undefined : loadScenario(options.scenario),
    devices: options.devices === undefined ? undefined : checkNumber('devices', options.devices, 1, 1_000_000, true),
    log: options.log ?? (() => undefined),
    now: options.now ?? Date.now,
    ackDelayMs: checkNumber('ackDelayMs', options.ackDelayMs ?? defaults.ackDelayMs, 0, 600_000, true),
    ackFailureRate: checkNumber('ackFailureRate', options.ackFailureRate ?? defaults.ackFailureRate, 0, 1, false),
    ackDropRate: checkNumber('ackDropRate', options.ackDropRate ?? defaults.ackDropRate, 0, 1, false),
    duplicateSockets: options.duplicateSockets ?? 'replace',
  });
  const port = await server.listen();
  const url = `http://${urlHost(host)}:${port}`;
  return {
    url,
    streamUrl: `ws://${urlHost(host)}:${port}/stream`,
    apiUrl: url,
    userUrl: url,
    deviceUrl: url,
    port,
    account: { ...DEMO_ACCOUNT },
    close: () => server.close(),
  };
}
