/**
 * Shared pieces of the flow tests: the Node-RED test helper, a simulator on 127.0.0.1, flow
 * builders and bounded waits. Every wait has a deadline and rejects with a message that says
 * what did not happen, so a failure is an assertion, not a mocha timeout.
 */
import path from 'node:path';
import type { Node } from 'node-red';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../../simulator/index';
import { simulatorAccountNode } from '../../support/account-node';

type FlowJson = Array<Record<string, unknown>>;
type CredentialsJson = Record<string, Record<string, string>>;

/** A supertest request against the helper's admin app (thenable). */
export interface AdminRequest extends PromiseLike<{ status: number; body: Record<string, unknown> }> {
  send(body: unknown): AdminRequest;
}

/** The part of node-red-node-test-helper these tests use (the package ships no types). */
export interface TestHelper {
  init(runtimePath: string, settings?: Record<string, unknown>): void;
  /** Runtime settings (`RED.settings`) for the next load, merged over Node-RED's defaults; `{}` restores them. */
  settings(userSettings: Record<string, unknown>): Record<string, unknown>;
  load(nodes: unknown, flow: FlowJson, credentials?: CredentialsJson): Promise<void>;
  unload(): Promise<void>;
  setFlows(flow: FlowJson, type?: 'full' | 'flows' | 'nodes', credentials?: CredentialsJson): Promise<void>;
  getNode(id: string): Node;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  request(): { get(path: string): AdminRequest; post(path: string): AdminRequest };
}

/**
 * The Node-RED runtime under test: the package directory named by `AYLA_NODE_RED_PATH` when set
 * (scripts/compat.js points it at another Node-RED version), else the repo's own dev dependency.
 */
const nodeRedMain = process.env.AYLA_NODE_RED_PATH ? require.resolve(path.resolve(process.env.AYLA_NODE_RED_PATH)) : require.resolve('node-red');

/**
 * Loads a core node module (`@node-red/nodes/core/...`) from the same Node-RED tree as the runtime
 * under test, so core nodes and runtime always come from one version.
 */
export function requireCoreNode(modulePath: string): (RED: unknown) => void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(resolveCoreModule(modulePath)) as (RED: unknown) => void;
}

/** The file of a module (e.g. `@node-red/nodes/package.json`) in the Node-RED tree of the runtime under test. */
export function resolveCoreModule(modulePath: string): string {
  return require.resolve(modulePath, { paths: [path.dirname(nodeRedMain)] });
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper') as TestHelper;
helper.init(nodeRedMain);

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const aylaNodes = require('../../../nodes/ayla-dss') as (RED: unknown) => void;
export { helper };

/** Default deadline of the waits here (5 s): everything runs on loopback with short intervals. */
export const WAIT_MS = 5000;

export const ACCOUNT_ID = 'account1';

/** Starts a quiet simulator (no automatic events) unless options say otherwise. */
export function startQuietSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({ rate: 0, seed: 1, ackDelayMs: 20, ...options });
}

/** Options of {@link useSimulatorAndHelper}. */
export interface SimulatorAndHelperOptions {
  /**
   * `'block'` (default): one simulator for the whole describe block, cheapest when tests do not
   * care about subscriptions or seqs left by earlier tests; `'test'`: a fresh simulator for every
   * test, for tests that count subscriptions or sockets from zero.
   */
  simulatorPerTest?: boolean;
  /** Simulator options over the quiet defaults of {@link startQuietSimulator}. */
  simulator?: SimulatorOptions;
}

/**
 * Registers the mocha hooks every flow test block repeats, in the calling `describe`: a quiet
 * simulator started before the block (or before each test), `helper.unload()` after every test
 * (then the per-test simulator closed), and the block's simulator closed after the block.
 * Returns a getter for the running simulator, callable inside tests and hooks.
 */
export function useSimulatorAndHelper(options: SimulatorAndHelperOptions = {}): () => RunningSimulator {
  let sim: RunningSimulator | null = null;
  const start = async () => {
    sim = await startQuietSimulator(options.simulator);
  };
  const stop = async () => {
    const running = sim;
    sim = null;
    await running?.close();
  };
  if (options.simulatorPerTest) {
    beforeEach(start);
    afterEach(async () => {
      await helper.unload();
      await stop();
    });
  } else {
    before(start);
    afterEach(() => helper.unload());
    after(stop);
  }
  return () => {
    if (!sim) throw new Error('no simulator is running: call the getter inside a test or hook of the block that called useSimulatorAndHelper');
    return sim;
  };
}

/** The account config node `account1` named `simulator`, pointing at the simulator (see {@link simulatorAccountNode}). */
export function accountNode(sim: RunningSimulator, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return simulatorAccountNode(sim, { id: ACCOUNT_ID, name: 'simulator', ...extra });
}

/** Credentials map for helper.load: the demo account on the account node. */
export function accountCredentials(sim: RunningSimulator, extra: Record<string, Record<string, string>> = {}): Record<string, Record<string, string>> {
  return { [ACCOUNT_ID]: { ...sim.account }, ...extra };
}

/** An in-node wired to a helper node `out`. */
export function inNode(type: string, id: string, props: Record<string, unknown> = {}, wires: string[] = ['out']): Record<string, unknown> {
  return { id, type: `ayla-${type}-in`, account: ACCOUNT_ID, source: 'auto', oemModel: '*', dsns: '*', properties: '*', wires: [wires], ...props };
}

export function helperNode(id = 'out'): Record<string, unknown> {
  return { id, type: 'helper' };
}

/** Resolves when `check` returns a truthy value; rejects after `ms` with `what`. */
type Falsy = null | undefined | false | 0 | '';

export async function waitFor<T>(what: string, check: () => T | Falsy | Promise<T | Falsy>, ms = WAIT_MS, everyMs = 20): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Records every message a helper node receives. */
export function recordInputs(node: Node): Array<Record<string, unknown>> {
  const received: Array<Record<string, unknown>> = [];
  node.on('input', (msg: Record<string, unknown>) => received.push(msg));
  return received;
}

/** Records every status a node shows (the helper wraps Node.prototype.status in a spy). */
export function recordStatuses(node: Node): Array<Record<string, unknown>> {
  const seen: Array<Record<string, unknown>> = [];
  (node as unknown as NodeJS.EventEmitter).on('call:status', (call: { args: unknown[] }) => seen.push(call.args[0] as Record<string, unknown>));
  return seen;
}

/** Records node.error / node.warn calls: the first argument (the text; in tests the catalog key). */
export function recordCalls(node: Node, method: 'error' | 'warn'): Array<{ text: string; msg?: Record<string, unknown> }> {
  const seen: Array<{ text: string; msg?: Record<string, unknown> }> = [];
  (node as unknown as NodeJS.EventEmitter).on(`call:${method}`, (call: { args: unknown[] }) =>
    seen.push({ text: String(call.args[0]), msg: call.args[1] as Record<string, unknown> | undefined }),
  );
  return seen;
}

/**
 * What the nodes `ids` passed to their own `node.error` so far (first arguments), from the
 * helper's spies: calls made on another node's behalf are left out.
 */
export function errorsOf(ids: string[]): unknown[] {
  const calls: unknown[] = [];
  for (const id of ids) {
    const node = helper.getNode(id) as unknown as { error: { getCalls(): Array<{ thisValue: unknown; args: unknown[] }> } };
    calls.push(...node.error.getCalls().filter((call) => call.thisValue === node).map((call) => call.args[0]));
  }
  return calls;
}

/** JSON POST to the simulator's control API. */
export async function simPost(sim: RunningSimulator, path: string, body: unknown = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export interface SimState {
  subscriptions: Array<{ id: number; name: string; stream_key: string; subscription_type: string; client_type: string; connected: boolean; nextSeq: number }>;
  sockets: number;
  tokens: number;
}

export async function simState(sim: RunningSimulator): Promise<SimState> {
  const response = await fetch(`${sim.url}/sim/state`);
  return (await response.json()) as SimState;
}

/** Waits until the simulator has `count` sockets, every subscription named in `types` connected. */
export async function waitConnected(sim: RunningSimulator, sockets: number): Promise<SimState> {
  return waitFor(`${sockets} connected socket(s)`, async () => {
    const state = await simState(sim);
    return state.sockets === sockets && state.subscriptions.filter((s) => s.connected).length === sockets ? state : null;
  });
}

/** A datapoint event for /sim/events (metadata is completed by the simulator from the device). */
export function datapointEvent(dsn: string, property: string, value: unknown, eventType: 'datapoint' | 'datapointack' = 'datapoint'): Record<string, unknown> {
  return { metadata: { event_type: eventType, dsn, property_name: property }, datapoint: { value } };
}

/** The demo scenario's devices used by the tests. */
export const THERMOSTAT = 'AC000W005606115';
export const THERMOSTAT_2 = 'AC000W005606116';
export const PLUG = 'AC000W000340649';
