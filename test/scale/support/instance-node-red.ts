/**
 * One Node-RED instance of a multi-instance set-up, as a real child process
 * (test/support/node-red-process.ts: red.js, private user directory, this package from dist/),
 * running the flow every instance shares: an account pointed at the simulator, one
 * `ayla-datapoint-in` for the demo thermostat's temperature (or, with `inNode`, for other models,
 * DSNs and properties, and a share of the fleet), and a way for the test to read what the
 * instance saw without a browser: a function node keeps every message's seq, value, DSN and OEM
 * model, a status node keeps every status the in-node showed, and `GET /scale-test/state`
 * answers both as JSON.
 *
 * The account's credentials and instance label are `${NAME}` references to the environment, as
 * in a real multi-instance deployment: one flow file, one environment per instance.
 */
import type { RunningSimulator } from '../../../simulator/index';
import { simulatorAccountNode } from '../../support/account-node';
import { startNodeRedChild, type NodeRedChild } from '../../support/node-red-process';

/** The in-node's id. */
export const IN_NODE_ID = 'thermo';
/** The in-node's name: Node-RED's log names the node by it, `[ayla-datapoint-in:thermostat]`. */
export const IN_NODE_NAME = 'thermostat';
/** The route that answers {@link InstanceState}; polled until it answers, so "ready" means "flows started". */
const STATE_ROUTE = '/scale-test/state';
/** Output kept for failure messages and warning counts (characters). */
const MAX_LOG_CHARS = 200_000;
/** One state request gives up after this long (5 s): it is loopback. */
const REQUEST_TIMEOUT_MS = 5_000;

/** The environment variables the flow's `${NAME}` references read. */
const ENV = {
  email: 'AYLA_SCALE_EMAIL',
  password: 'AYLA_SCALE_PASSWORD',
  appId: 'AYLA_SCALE_APP_ID',
  appSecret: 'AYLA_SCALE_APP_SECRET',
  instanceLabel: 'AYLA_SCALE_INSTANCE_LABEL',
} as const;

/** What one instance saw. */
export interface InstanceState {
  /** Every message of the in-node, in order. */
  received: Array<{ seq: number; value: unknown; dsn: string; oemModel: string | null }>;
  /** Every status the in-node showed, in order. */
  statuses: Array<{ fill?: string; shape?: string; text?: string }>;
}

/** A running instance. */
export interface RunningInstance {
  name: string;
  pid: number;
  /** What the instance saw so far. */
  state(): Promise<InstanceState>;
  /** Node-RED's console output so far. */
  log(): string;
  /** Stops the process (SIGTERM, SIGKILL after 5 s) and removes its user directory. Idempotent. */
  dispose(): Promise<void>;
}

/**
 * Ends a test of instances: after a failure, prints each instance's console output and the
 * simulator's last log lines (what explains it); then stops every instance and the simulator.
 */
export async function tearDown(failed: boolean, instances: RunningInstance[], sim: RunningSimulator, simLog: string[]): Promise<void> {
  if (failed) {
    for (const instance of instances) process.stderr.write(`--- instance ${instance.name} log:\n${instance.log().slice(-4000)}\n`);
    process.stderr.write(`--- simulator log:\n${simLog.slice(-40).join('\n')}\n`);
  }
  await Promise.all(instances.map((instance) => instance.dispose()));
  await sim.close();
}

/** Options of {@link startInstance}. */
export interface InstanceOptions {
  /** For messages: `A`, `B`. */
  name: string;
  sim: RunningSimulator;
  /**
   * The flow's account takes its instance label from the environment (`${AYLA_SCALE_INSTANCE_LABEL}`)
   * when `labelled`, set to this value; null: the account has no label at all.
   */
  instanceLabel: string | null;
  /**
   * The in-node's subscription and share, over the default (the demo thermostat's
   * `current_temp`): `oemModel`, `dsns`, `properties` as the node's fields (comma lists), and
   * `partition` (`i/n`, `nodes/lib/partition.ts`).
   */
  inNode?: InNodeOptions;
}

/** What {@link InstanceOptions.inNode} may set on the in-node. */
export interface InNodeOptions {
  oemModel?: string;
  dsns?: string;
  properties?: string;
  partition?: string;
}

function sharedFlow(sim: RunningSimulator, labelled: boolean, inNode: InNodeOptions = {}): Array<Record<string, unknown>> {
  const tab = 'scale-tab';
  return [
    { id: tab, type: 'tab', label: 'instance' },
    simulatorAccountNode(sim, { id: 'account', name: 'simulator', ...(labelled ? { instanceLabel: `\${${ENV.instanceLabel}}` } : {}) }),
    {
      id: IN_NODE_ID,
      type: 'ayla-datapoint-in',
      z: tab,
      name: IN_NODE_NAME,
      account: 'account',
      source: 'auto',
      oemModel: 'thermo-t100',
      dsns: 'AC000W005606115',
      properties: 'current_temp',
      ...inNode,
      wires: [['record']],
    },
    {
      id: 'record',
      type: 'function',
      z: tab,
      name: 'keep seq and value',
      func: "const seen = flow.get('received') || [];\nseen.push({ seq: msg.ayla.seq, value: msg.payload, dsn: msg.ayla.dsn, oemModel: msg.ayla.oemModel });\nflow.set('received', seen);\nreturn null;",
      outputs: 0,
      wires: [],
    },
    { id: 'statusOf', type: 'status', z: tab, name: '', scope: [IN_NODE_ID], wires: [['keepStatus']] },
    {
      id: 'keepStatus',
      type: 'function',
      z: tab,
      name: 'keep statuses',
      func: "const seen = flow.get('statuses') || [];\nseen.push({ fill: msg.status.fill, shape: msg.status.shape, text: msg.status.text });\nflow.set('statuses', seen);\nreturn null;",
      outputs: 0,
      wires: [],
    },
    { id: 'stateIn', type: 'http in', z: tab, name: '', url: STATE_ROUTE, method: 'get', upload: false, swaggerDoc: '', wires: [['stateOf']] },
    {
      id: 'stateOf',
      type: 'function',
      z: tab,
      name: 'state',
      func: "msg.payload = { received: flow.get('received') || [], statuses: flow.get('statuses') || [] };\nreturn msg;",
      outputs: 1,
      wires: [['stateOut']],
    },
    { id: 'stateOut', type: 'http response', z: tab, name: '', statusCode: '', headers: {}, wires: [] },
  ];
}

/** Starts one instance and resolves once its flows run (the state route answers). */
export async function startInstance(options: InstanceOptions): Promise<RunningInstance> {
  const { sim } = options;
  const credentials = {
    account: { email: `\${${ENV.email}}`, password: `\${${ENV.password}}`, appId: `\${${ENV.appId}}`, appSecret: `\${${ENV.appSecret}}` },
  };
  const env: Record<string, string> = {
    [ENV.email]: sim.account.email,
    [ENV.password]: sim.account.password,
    [ENV.appId]: sim.account.appId,
    [ENV.appSecret]: sim.account.appSecret,
  };
  if (options.instanceLabel !== null) env[ENV.instanceLabel] = options.instanceLabel;
  const child: NodeRedChild = await startNodeRedChild({
    userDirPrefix: `ayla-dss-instance-${options.name.toLowerCase()}-`,
    writtenBy: 'test/scale/support/instance-node-red.ts',
    settingsLines: [
      '// The credential file only holds ${NAME} references to the environment, no secrets.',
      'credentialSecret: false,',
      "logging: { console: { level: 'info', metrics: false, audit: false } },",
    ],
    files: {
      'flows.json': JSON.stringify(sharedFlow(sim, options.instanceLabel !== null, options.inNode), null, 2),
      'flows_cred.json': JSON.stringify(credentials, null, 2),
    },
    env,
    readyRoute: STATE_ROUTE,
    maxLogChars: MAX_LOG_CHARS,
  });
  return {
    name: options.name,
    pid: child.pid,
    async state() {
      const response = await fetch(`${child.url}${STATE_ROUTE}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`instance ${options.name}: ${STATE_ROUTE} answered ${response.status}`);
      return (await response.json()) as InstanceState;
    },
    log: child.log,
    dispose: child.dispose,
  };
}
