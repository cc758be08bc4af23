/**
 * Start-up and scale of a flow: `--nodes` (200) `ayla-datapoint-in` nodes on `--subscriptions`
 * (20) automatic subscriptions of one account, against the simulator in a child process, in
 * an embedded Node-RED that loads the package from dist/ (like bench/side-by-side.ts).
 *
 * Run: `npm run build && node --expose-gc -r ./bench/register.js bench/scale.ts`
 *
 * Measures, each from the deploy call to the last in-node showing "connected":
 * - the first deploy (sign-in, then every subscription found or created and connected);
 * - a full redeploy (every node restarted; subscriptions are known, sessions survive);
 * - a "modified nodes" deploy of one renamed in-node: how long it takes, and whether any other
 *   node's stream reconnected (any status of another node that is not "connected" counts);
 * - heap and RSS per idle in-node: (flow running and idle − empty flow) / nodes, after a forced
 *   GC, streams and sockets included.
 *
 * Exit code 1 when a deploy does not connect within `--timeout-ms` or an unrelated stream
 * reconnects.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import type { AccountNodeProperties, EventInNodeProperties } from '../nodes/lib/node-options';
import { environmentLine, heapUsedMb, positiveIntegerOption, toMb } from './report';
import { startBenchSimulator, type BenchSimulator } from './simulator-process';
import { startEmbeddedNodeRed, type DeploymentType, type EmbeddedNodeRed } from './soak-node-red';

const DEFAULTS = { nodes: 200, subscriptions: 20, timeoutMs: 60_000 };
const HELP = `Usage: npm run build && node --expose-gc -r ./bench/register.js bench/scale.ts [options]
  --nodes <n>          datapoint in-nodes (default ${DEFAULTS.nodes})
  --subscriptions <n>  automatic subscriptions they share (default ${DEFAULTS.subscriptions})
  --timeout-ms <ms>    longest wait for one deploy to connect (default ${DEFAULTS.timeoutMs})
  --help               this text
`;
const TAB = { id: 'scale-tab', type: 'tab', label: 'scale' };
const ACCOUNT_ID = 'scale-account';
/** Credentials as `${NAME}` references, resolved by the account node from the environment. */
const ENV = { email: 'AYLA_SCALE_EMAIL', password: 'AYLA_SCALE_PASSWORD', appId: 'AYLA_SCALE_APP_ID', appSecret: 'AYLA_SCALE_APP_SECRET' };

/**
 * The flow; node `renamed` gets another name. Credentials go with the first deploy only: the
 * editor sends them only when they change, and a node that carries them counts as changed
 * (Node-RED would restart the account and every node using it).
 */
function flow(sim: BenchSimulator, nodes: number, subscriptions: number, renamed: number | null, withCredentials: boolean): object[] {
  const account: AccountNodeProperties & { id: string; type: string; credentials?: Record<string, string> } = {
    id: ACCOUNT_ID,
    type: 'ayla-dss-account',
    name: 'simulator',
    region: 'custom',
    deployment: 'field',
    clientType: 'cloud',
    streamUrl: sim.streamUrl,
    apiUrl: sim.apiUrl,
    userUrl: sim.userUrl,
    heartbeatTimeout: 90,
    allowInsecure: false,
  };
  if (withCredentials) {
    account.credentials = { email: `\${${ENV.email}}`, password: `\${${ENV.password}}`, appId: `\${${ENV.appId}}`, appSecret: `\${${ENV.appSecret}}` };
  }
  const result: object[] = [TAB, account];
  for (let i = 0; i < nodes; i++) {
    const node: EventInNodeProperties & { id: string; type: string; z: string; wires: string[][] } = {
      id: `scale-in-${i}`,
      type: 'ayla-datapoint-in',
      z: TAB.id,
      name: i === renamed ? `datapoints ${i} (renamed)` : `datapoints ${i}`,
      account: ACCOUNT_ID,
      source: 'auto',
      oemModel: '*',
      dsns: `SCALE${String(i % subscriptions).padStart(10, '0')}`,
      properties: '*',
      dsnFilter: [],
      modelFilter: [],
      propertyFilter: [],
      onlyChanges: false,
      wires: [[]],
    };
    result.push(node);
  }
  return result;
}

/** Every node's latest status fill, and every non-green status per node since `mark()`. */
class StatusBoard {
  readonly fill = new Map<string, string | undefined>();
  private readonly disturbed = new Set<string>();

  record(id: string, status: { fill?: string }): void {
    if (!id.startsWith('scale-in-')) return;
    this.fill.set(id, status.fill);
    if (status.fill !== 'green') this.disturbed.add(id);
  }

  greenCount(): number {
    let count = 0;
    for (const fill of this.fill.values()) if (fill === 'green') count++;
    return count;
  }

  /** Starts a new observation window for {@link disturbedSince}. */
  mark(): void {
    this.disturbed.clear();
  }

  disturbedSince(): string[] {
    return [...this.disturbed];
  }
}

async function deployAndConnect(red: EmbeddedNodeRed, board: StatusBoard, nodes: object[], type: DeploymentType, expected: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  if (type === 'full') board.fill.clear();
  await red.deploy(nodes, type);
  while (board.greenCount() < expected) {
    if (performance.now() - started > timeoutMs) throw new Error(`only ${board.greenCount()} of ${expected} nodes connected within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return performance.now() - started;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { nodes: { type: 'string' }, subscriptions: { type: 'string' }, 'timeout-ms': { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const nodes = positiveIntegerOption('nodes', values.nodes, DEFAULTS.nodes);
  const subscriptions = positiveIntegerOption('subscriptions', values.subscriptions, DEFAULTS.subscriptions);
  const timeoutMs = positiveIntegerOption('timeout-ms', values['timeout-ms'], DEFAULTS.timeoutMs);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`scale: ${environmentLine()}`);
  const sim = await startBenchSimulator({ child: true, retention: 1000, seed: 7 });
  process.env[ENV.email] = sim.account.email;
  process.env[ENV.password] = sim.account.password;
  process.env[ENV.appId] = sim.account.appId;
  process.env[ENV.appSecret] = sim.account.appSecret;
  const board = new StatusBoard();
  const problems: string[] = [];
  const red = await startEmbeddedNodeRed({
    nodesDirs: [join(__dirname, '..')],
    onLog: (record) => {
      const text = String(record.msg);
      if (!/^(Projects disabled|Using unencrypted credentials)/.test(text)) problems.push(text.slice(0, 160));
    },
  });
  red.onNodeStatus((id, status) => board.record(id, status));
  let failed = false;
  const result: Record<string, number | string[]> = {};
  try {
    await red.deploy([TAB], 'full');
    const heapEmpty = heapUsedMb(true);
    const rssEmpty = toMb(process.memoryUsage.rss());
    result.firstDeployMs = await deployAndConnect(red, board, flow(sim, nodes, subscriptions, null, true), 'full', nodes, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const heapIdle = heapUsedMb(true);
    const rssIdle = toMb(process.memoryUsage.rss());
    result.heapPerNodeKb = ((heapIdle - heapEmpty) * 1024) / nodes;
    result.rssPerNodeKb = ((rssIdle - rssEmpty) * 1024) / nodes;
    result.fullRedeployMs = await deployAndConnect(red, board, flow(sim, nodes, subscriptions, null, false), 'full', nodes, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    board.mark();
    const started = performance.now();
    await red.deploy(flow(sim, nodes, subscriptions, 0, false), 'nodes');
    while (board.fill.get('scale-in-0') !== 'green' || board.greenCount() < nodes) {
      if (performance.now() - started > timeoutMs) throw new Error('the renamed node did not connect again');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    result.oneNodeRedeployMs = performance.now() - started;
    // Statuses settle: give a reconnect the time to show.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const disturbed = board.disturbedSince().filter((id) => id !== 'scale-in-0');
    result.otherNodesDisturbed = disturbed;
    if (disturbed.length > 0) failed = true;
  } catch (error) {
    failed = true;
    out(`scale failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await red.stop();
    await sim.close();
  }
  const ms = (key: string) => (typeof result[key] === 'number' ? `${(result[key] as number).toFixed(0)} ms` : '-');
  out(`${nodes} in-nodes on ${subscriptions} subscriptions, simulator ${sim.where}:`);
  out(`  first deploy → all connected (sign-in, ${subscriptions} subscriptions created):  ${ms('firstDeployMs')}  [goal < 3000 ms]`);
  out(`  full redeploy → all connected (subscriptions known):                      ${ms('fullRedeployMs')}`);
  out(`  redeploy of one renamed node → connected again:                            ${ms('oneNodeRedeployMs')}`);
  out(`  other nodes whose stream reconnected meanwhile:                            ${Array.isArray(result.otherNodesDisturbed) ? result.otherNodesDisturbed.length : '-'}  [goal 0]`);
  out(`  memory per idle in-node (its share of ${subscriptions} streams included):       heap ${Number(result.heapPerNodeKb ?? NaN).toFixed(1)} KB, RSS ${Number(result.rssPerNodeKb ?? NaN).toFixed(1)} KB`);
  if (problems.length > 0) out(`  warnings and errors logged: ${problems.length} (first: ${problems[0]})`);
  out(`JSON ${JSON.stringify({ nodes, subscriptions, ...result })}`);
  out(`result: ${failed ? 'FAIL' : 'PASS'}`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`scale failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
