/**
 * One instance of the active/standby pattern (examples/10 "Active and standby with MQTT") as a
 * real Node-RED child process (test/support/node-red-process.ts): the example itself, changed
 * only as a user deploying it changes it (its in-nodes get an account on the simulator, whose
 * credentials are `${NAME}` references to the environment; the broker config node points at the
 * test's Mosquitto), the instance's name in `NODE_RED_INSTANCE`, and a probe the test reads
 * without a browser: status nodes keep every status of the coordinator and of the in-nodes, and
 * `GET /standby-test/state` answers them as JSON.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunningSimulator } from '../../../simulator/index';
import { simulatorAccountNode } from '../../support/account-node';
import type { RunningMosquitto } from '../../support/mosquitto';
import { startNodeRedChild, type NodeRedChild } from '../../support/node-red-process';

/** The example this instance runs. */
export const STANDBY_EXAMPLE = path.resolve(__dirname, '../../../examples/10 - Active and standby with MQTT.json');
/** Ids in the example the test looks at. */
export const COORDINATOR_ID = 'ex10-coordinator';
export const IN_NODE_IDS = ['ex10-datapoints', 'ex10-connectivity'];
const ACCOUNT_ID = 'standby-account';
/** The example's tab: status nodes only see the nodes of their own tab, so the probe lives there too. */
const PROBE_TAB = 'ayla-example-tab-10';
/** The route that answers {@link StandbyState}; polled until it answers, so "ready" means "flows started". */
const STATE_ROUTE = '/standby-test/state';
/** Output kept for failure messages (characters). */
const MAX_LOG_CHARS = 200_000;
/** One state request gives up after this long (5 s): it is loopback. */
const REQUEST_TIMEOUT_MS = 5_000;

const ENV = { email: 'AYLA_STANDBY_EMAIL', password: 'AYLA_STANDBY_PASSWORD', appId: 'AYLA_STANDBY_APP_ID', appSecret: 'AYLA_STANDBY_APP_SECRET' } as const;

type FlowNode = Record<string, unknown> & { id: string; type: string };

/** A status as a status node reports it, with the time the probe saw it (ms since the epoch). */
export interface SeenStatus {
  source: string;
  fill?: string;
  text?: string;
  at: number;
}

/** What one instance showed so far. */
export interface StandbyState {
  statuses: SeenStatus[];
}

/** A running instance. */
export interface StandbyInstance {
  name: string;
  pid: number;
  /** Every status the coordinator and the in-nodes showed, in order. */
  state(): Promise<StandbyState>;
  /** Node-RED's console output so far. */
  log(): string;
  /** Ends the process at once (SIGKILL: no close message, no clean disconnect), as a crash would. */
  kill(): void;
  /** Stops the process (SIGTERM, SIGKILL after 5 s) and removes its user directory. Idempotent. */
  dispose(): Promise<void>;
}

/** The example, deployable: an account on the simulator, the broker of the test. */
function standbyFlow(sim: RunningSimulator, broker: RunningMosquitto): FlowNode[] {
  const example = JSON.parse(fs.readFileSync(STANDBY_EXAMPLE, 'utf8')) as FlowNode[];
  const adapted = example.map((node) => {
    const { credentials: _blank, ...rest } = node;
    if (/^ayla-/.test(node.type)) return { ...rest, account: ACCOUNT_ID } as FlowNode;
    if (node.type === 'mqtt-broker') return { ...rest, broker: broker.host, port: String(broker.port) } as FlowNode;
    return rest as FlowNode;
  });
  const keep = (source: string) =>
    `const seen = flow.get('probeStatuses') || [];\nseen.push({ source: ${JSON.stringify(source)}, fill: msg.status.fill, text: msg.status.text, at: Date.now() });\nflow.set('probeStatuses', seen);\nreturn null;`;
  const probe: FlowNode[] = [
    { id: 'probe-coordinator', type: 'status', z: PROBE_TAB, name: '', scope: [COORDINATOR_ID], wires: [['probe-keep-coordinator']] },
    { id: 'probe-keep-coordinator', type: 'function', z: PROBE_TAB, name: '', func: keep('coordinator'), outputs: 0, wires: [] },
    ...IN_NODE_IDS.flatMap((id): FlowNode[] => [
      { id: `probe-${id}`, type: 'status', z: PROBE_TAB, name: '', scope: [id], wires: [[`probe-keep-${id}`]] },
      { id: `probe-keep-${id}`, type: 'function', z: PROBE_TAB, name: '', func: keep(id), outputs: 0, wires: [] },
    ]),
    { id: 'probe-in', type: 'http in', z: PROBE_TAB, name: '', url: STATE_ROUTE, method: 'get', upload: false, swaggerDoc: '', wires: [['probe-state']] },
    {
      id: 'probe-state',
      type: 'function',
      z: PROBE_TAB,
      name: '',
      func: "msg.payload = { statuses: flow.get('probeStatuses') || [] };\nreturn msg;",
      outputs: 1,
      wires: [['probe-out']],
    },
    { id: 'probe-out', type: 'http response', z: PROBE_TAB, name: '', statusCode: '', headers: {}, wires: [] },
  ];
  // The probe keeps its statuses in the tab's flow context, under a key the example does not use.
  return [...adapted, ...probe, simulatorAccountNode(sim, { id: ACCOUNT_ID, name: 'simulator' }) as FlowNode];
}

/** Starts one instance named `name` (its `NODE_RED_INSTANCE`); resolves once its flows run. */
export async function startStandbyInstance(name: string, sim: RunningSimulator, broker: RunningMosquitto): Promise<StandbyInstance> {
  const credentials = {
    [ACCOUNT_ID]: { email: `\${${ENV.email}}`, password: `\${${ENV.password}}`, appId: `\${${ENV.appId}}`, appSecret: `\${${ENV.appSecret}}` },
  };
  const child: NodeRedChild = await startNodeRedChild({
    userDirPrefix: `ayla-dss-standby-${name}-`,
    writtenBy: 'test/scale/support/standby-instance.ts',
    settingsLines: [
      '// The credential file only holds ${NAME} references to the environment, no secrets.',
      'credentialSecret: false,',
      "logging: { console: { level: 'info', metrics: false, audit: false } },",
    ],
    files: {
      'flows.json': JSON.stringify(standbyFlow(sim, broker), null, 2),
      'flows_cred.json': JSON.stringify(credentials, null, 2),
    },
    env: {
      NODE_RED_INSTANCE: name,
      [ENV.email]: sim.account.email,
      [ENV.password]: sim.account.password,
      [ENV.appId]: sim.account.appId,
      [ENV.appSecret]: sim.account.appSecret,
    },
    readyRoute: STATE_ROUTE,
    maxLogChars: MAX_LOG_CHARS,
  });
  return {
    name,
    pid: child.pid,
    async state() {
      const response = await fetch(`${child.url}${STATE_ROUTE}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`instance ${name}: ${STATE_ROUTE} answered ${response.status}`);
      return (await response.json()) as StandbyState;
    },
    log: child.log,
    kill: () => {
      process.kill(child.pid, 'SIGKILL');
    },
    dispose: child.dispose,
  };
}
