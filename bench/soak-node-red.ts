/**
 * A real Node-RED runtime embedded in the soak's own process (`RED.init` + `RED.start`), so the
 * heap and the open handles the soak reads are the runtime's and our nodes'. No editor, no
 * admin HTTP API, no HTTP server at all: flows are deployed through the runtime API
 * (`RED.runtime.flows.setFlows`), the same call the editor's Deploy button ends in.
 *
 * The package is loaded the way Node-RED loads any installed node module: `nodesDir` names the
 * repository root, whose package.json points Node-RED at dist/ayla-dss.js (so run
 * `npm run build` first).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodeRed from 'node-red';

/** One Node-RED log record, as a logging handler receives it. */
export interface NodeRedLogRecord {
  /** 10 fatal, 20 error, 30 warn, 40 info, 50 debug, 60 trace. */
  level: number;
  /** The node type, for messages logged by a node. */
  type?: string;
  id?: string;
  msg?: unknown;
}

/** Node-RED's numeric log level for warnings (and everything more severe). */
export const NODE_RED_WARN_LEVEL = 30;

/** The deploy types of the runtime API: everything restarted, or only changed nodes. */
export type DeploymentType = 'full' | 'nodes';

/** A running embedded Node-RED. */
export interface EmbeddedNodeRed {
  /** Node-RED's version, e.g. `4.1.8`. */
  version: string;
  userDir: string;
  /** Deploys `flows` and resolves once the runtime reports the deploy started (`runtime-deploy`). */
  deploy(flows: object[], type: DeploymentType): Promise<void>;
  /** Calls `listener` for every status a node shows (`node.status(...)`). */
  onNodeStatus(listener: (nodeId: string, status: { fill?: string; shape?: string; text?: string }) => void): void;
  /**
   * Stops or starts the deployed flows, as the editor's "stop flows" / "start flows" does
   * (needs `runtimeState: { enabled: true }` in the settings). Stopping closes every node as a
   * restart does (not removed: subscriptions stay, positions are flushed); starting creates them
   * again from the deployed flow.
   */
  setFlowState(state: 'stop' | 'start'): Promise<void>;
  /** A running node object by id (the runtime's `RED.nodes.getNode`), for diagnostics; null when there is none. */
  getNode(id: string): unknown;
  /** Stops the runtime (closing every node) and, unless kept, deletes the user directory. */
  stop(options?: { keepUserDir?: boolean }): Promise<void>;
}

/** The parts of the `node-red` module the soak uses; its published types lack `deploymentType`. */
interface NodeRedModule {
  init(settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  version(): string;
  events: NodeJS.EventEmitter;
  nodes: { getNode(id: string): unknown };
  runtime: {
    flows: {
      setFlows(opts: { flows: { flows: object[] }; deploymentType: DeploymentType }): Promise<{ rev: string }>;
      setState(opts: { state: 'stop' | 'start' }): Promise<{ state: string }>;
    };
  };
}

/** Longest wait for one deploy to be reported started (a full deploy waits for every node's close, bounded at 4 s by our account node). */
const DEPLOY_TIMEOUT_MS = 30_000;

/** Options of {@link startEmbeddedNodeRed}. */
export interface EmbeddedNodeRedOptions {
  /** Directories Node-RED scans for node modules and node files. */
  nodesDirs: string[];
  /** Receives every log record at `logLevel` and above (nothing goes to the console). */
  onLog: (record: NodeRedLogRecord) => void;
  /** Lowest level passed to `onLog`: `warn` (default) or `info` (node.log lines too, e.g. flow control). */
  logLevel?: 'warn' | 'info';
  /** Extra settings, readable by nodes as `RED.settings.<name>`. */
  settings?: Record<string, unknown>;
}

/** Initialises and starts Node-RED with a fresh user directory under the OS temp directory. */
export async function startEmbeddedNodeRed(options: EmbeddedNodeRedOptions): Promise<EmbeddedNodeRed> {
  const RED = nodeRed as unknown as NodeRedModule;
  const userDir = mkdtempSync(join(tmpdir(), 'ayla-dss-soak-'));
  RED.init({
    userDir,
    flowFile: 'flows.json',
    // Credentials hold only `${NAME}` references (see soak.ts), so there is nothing to encrypt.
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    nodesDir: options.nodesDirs,
    logging: {
      soak: { level: options.logLevel ?? 'warn', metrics: false, audit: false, handler: () => (record: NodeRedLogRecord) => options.onLog(record) },
    },
    diagnostics: { enabled: false },
    runtimeState: { enabled: false },
    externalModules: { autoInstall: false },
    ...options.settings,
  });
  // RED.start() resolves before the runtime has loaded and started the (empty) flow file; a
  // deploy made in between is overwritten by that load, credentials included.
  const firstStart = new Promise<void>((resolve) => RED.events.once('flows:started', () => resolve()));
  await RED.start();
  await withTimeout(firstStart, DEPLOY_TIMEOUT_MS, 'the runtime did not start its flows');
  return {
    // Node-RED appends "-git" when a .git directory sits four levels above its lib/ (this repository's).
    version: RED.version().replace(/-git$/, ''),
    userDir,
    deploy: (flows, type) => deploy(RED, flows, type),
    async setFlowState(state) {
      await RED.runtime.flows.setState({ state });
    },
    getNode: (id) => RED.nodes.getNode(id) ?? null,
    onNodeStatus(listener) {
      RED.events.on('node-status', (event: { id: string; status: { fill?: string; shape?: string; text?: string } }) => listener(event.id, event.status));
    },
    async stop(stopOptions) {
      await RED.stop();
      if (!stopOptions?.keepUserDir) rmSync(userDir, { recursive: true, force: true });
    },
  };
}

/** `work`, or a rejection after `ms`; the timer never outlives it. */
async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `setFlows` resolves before the new nodes are started; the `runtime-deploy` event follows the
 * start, so waiting for both means the flow is really running.
 */
async function deploy(RED: NodeRedModule, flows: object[], type: DeploymentType): Promise<void> {
  let onEvent: ((event: { id?: string }) => void) | undefined;
  const started = new Promise<void>((resolve) => {
    onEvent = (event) => {
      if (event.id === 'runtime-deploy') resolve();
    };
    RED.events.on('runtime-event', onEvent);
  });
  try {
    await RED.runtime.flows.setFlows({ flows: { flows }, deploymentType: type });
    await withTimeout(started, DEPLOY_TIMEOUT_MS, `the ${type} deploy was not reported started`);
  } finally {
    if (onEvent) RED.events.off('runtime-event', onEvent);
  }
}
