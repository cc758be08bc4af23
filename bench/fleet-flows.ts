/**
 * The flows the fleet benchmark deploys. Both end in the fan-out recipe of
 * examples/07 ("Fan-out to MQTT"), taken from the example file itself: its change node (topic
 * `ayla/<oem_model>/<dsn>/<event>/<property>` and JSON payload, in JSONata) and its `mqtt out`
 * node (QoS 1, retained), with the broker config node pointed at the benchmark's Mosquitto.
 *
 * - {@link typicalFlow}: one `ayla-datapoint-in` for the whole fleet (its six models by name,
 *   every DSN and property) → a filter → change → mqtt out. The filter is either a core `switch`
 *   node keeping events whose value could be converted (`msg.ayla.valueError` is null), or the
 *   in-node's own property filter (a regular expression every real property name matches). Both
 *   pass every event of the simulator, so every seq must reach the broker and the run can count
 *   them. They differ under a burst: the switch node handles one message per turn of the event
 *   loop and queues the rest in memory, where the package's flow control cannot see them.
 * - {@link manyInNodesFlow}: N in-nodes over S subscriptions (S (model, property) pairs of the
 *   fleet catalog, N / S in-nodes each, every in-node of a subscription keeping the DSNs that end
 *   in its own digit, so each event still leaves through exactly one in-node), all wired into the
 *   same filter → change → mqtt out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AccountCredentials, AccountNodeProperties } from '../nodes/lib/node-options';
import { FLEET_MODELS } from '../simulator';
import type { BenchSimulator } from './simulator-process';

const EXAMPLE_FILE = join(__dirname, '..', 'examples', '07 - Fan-out to MQTT.json');
const TAB_ID = 'fleet-tab';
export const ACCOUNT_ID = 'fleet-account';
export const BROKER_ID = 'fleet-broker';
export const MQTT_OUT_ID = 'fleet-mqtt-out';
export const TYPICAL_IN_NODE_ID = 'fleet-datapoints';
const SWITCH_ID = 'fleet-convertible';
const CHANGE_ID = 'fleet-topic';

/** Environment variables the account's credentials refer to: no secret in the flow. */
export const FLEET_ENV: Record<keyof Required<AccountCredentials>, string> = {
  email: 'AYLA_FLEET_EMAIL',
  password: 'AYLA_FLEET_PASSWORD',
  appId: 'AYLA_FLEET_APP_ID',
  appSecret: 'AYLA_FLEET_APP_SECRET',
};

type FlowNode = Record<string, unknown> & { id: string; type: string };

/** Where the flows' broker config node points. */
export interface BrokerAddress {
  host: string;
  port: number;
}

function exampleNode(type: string): FlowNode {
  const flow = JSON.parse(readFileSync(EXAMPLE_FILE, 'utf8')) as FlowNode[];
  const node = flow.find((candidate) => candidate.type === type);
  if (!node) throw new Error(`examples/07 has no ${type} node`);
  return node;
}

function account(sim: BenchSimulator): FlowNode {
  const props: AccountNodeProperties & { credentials: AccountCredentials } = {
    name: 'fleet simulator',
    region: 'custom',
    deployment: 'field',
    clientType: 'cloud',
    streamUrl: sim.streamUrl,
    apiUrl: sim.apiUrl,
    userUrl: sim.userUrl,
    heartbeatTimeout: 90,
    allowInsecure: false,
    credentials: {
      email: `\${${FLEET_ENV.email}}`,
      password: `\${${FLEET_ENV.password}}`,
      appId: `\${${FLEET_ENV.appId}}`,
      appSecret: `\${${FLEET_ENV.appSecret}}`,
    },
  };
  return { id: ACCOUNT_ID, type: 'ayla-dss-account', ...props };
}

/** Where the typical flow filters: a core switch node, or the in-node's own filter. */
export type FilterKind = 'switch' | 'in-node';

/** What an in-node of these flows is wired to: the switch, or the change node when there is none. */
function firstNodeOf(filter: FilterKind): string {
  return filter === 'switch' ? SWITCH_ID : CHANGE_ID;
}

/** [switch →] change → mqtt out and the broker, the change and mqtt out nodes as in examples/07. */
function fanOutTail(broker: BrokerAddress, filter: FilterKind): FlowNode[] {
  const change = exampleNode('change');
  const mqttOut = exampleNode('mqtt out');
  const brokerNode = exampleNode('mqtt-broker');
  const switchNode: FlowNode[] = [
    {
      id: SWITCH_ID,
      type: 'switch',
      z: TAB_ID,
      name: 'value converted',
      property: 'ayla.valueError',
      propertyType: 'msg',
      rules: [{ t: 'null' }],
      checkall: 'true',
      repair: false,
      outputs: 1,
      wires: [[CHANGE_ID]],
    },
  ];
  return [
    ...(filter === 'switch' ? switchNode : []),
    { ...change, id: CHANGE_ID, z: TAB_ID, wires: [[MQTT_OUT_ID]] },
    { ...mqttOut, id: MQTT_OUT_ID, z: TAB_ID, broker: BROKER_ID, wires: [] },
    { ...brokerNode, id: BROKER_ID, broker: broker.host, port: String(broker.port), clientid: '' },
  ];
}

/** An `ayla-datapoint-in` wired to the first node of the tail. */
function datapointIn(
  id: string,
  name: string,
  spec: { oemModel: string; properties: string },
  dsnFilter: Array<{ mode: string; pattern: string }>,
  filter: FilterKind,
): FlowNode {
  return {
    id,
    type: 'ayla-datapoint-in',
    z: TAB_ID,
    name,
    account: ACCOUNT_ID,
    source: 'auto',
    oemModel: spec.oemModel,
    dsns: '*',
    properties: spec.properties,
    dsnFilter,
    modelFilter: [],
    // The in-node variant filters here: a rule every real property name passes, evaluated per event.
    propertyFilter: filter === 'in-node' ? [{ mode: 'regex', pattern: '^[a-z][a-z0-9_]*$' }] : [],
    onlyChanges: false,
    wires: [[firstNodeOf(filter)]],
  };
}

/** The typical flow; see the module comment. */
export function typicalFlow(sim: BenchSimulator, broker: BrokerAddress, filter: FilterKind): object[] {
  return [
    { id: TAB_ID, type: 'tab', label: 'fleet: typical flow' },
    account(sim),
    // Every model by name: a subscription to every device of every model (* and *) is refused.
    datapointIn(TYPICAL_IN_NODE_ID, 'fleet datapoints', { oemModel: FLEET_MODELS.map((model) => model.oemModel).join(','), properties: '*' }, [], filter),
    ...fanOutTail(broker, filter),
  ];
}

/** (model, property) pairs of the fleet catalog's changing outputs, one model after the other in turn. */
export function subscriptionSpecs(count: number): Array<{ oemModel: string; properties: string }> {
  const perModel = FLEET_MODELS.map((model) =>
    model.properties.filter((property) => property.direction === 'output' && property.behaviour?.kind !== 'static').map((property) => ({ oemModel: model.oemModel, properties: property.name })),
  );
  const specs: Array<{ oemModel: string; properties: string }> = [];
  for (let round = 0; specs.length < count; round++) {
    const before = specs.length;
    for (const list of perModel) if (round < list.length && specs.length < count) specs.push(list[round]);
    if (specs.length === before) throw new Error(`the fleet catalog has only ${specs.length} changing outputs, ${count} subscriptions asked`);
  }
  return specs;
}

/** The many-in-nodes flow and its in-node ids; see the module comment. */
export function manyInNodesFlow(sim: BenchSimulator, broker: BrokerAddress, inNodes: number, subscriptions: number, filter: FilterKind): { flow: object[]; inNodeIds: string[] } {
  const specs = subscriptionSpecs(subscriptions);
  const nodes: FlowNode[] = [];
  for (let index = 0; index < inNodes; index++) {
    const spec = specs[index % specs.length];
    const share = Math.floor(index / specs.length);
    const shares = Math.ceil(inNodes / specs.length);
    // With 10 in-nodes per subscription, in-node k keeps the DSNs ending in k; other counts: no split.
    const dsnFilter = shares === 10 ? [{ mode: 'wildcard', pattern: `*${share}` }] : [];
    nodes.push(datapointIn(`fleet-in-${index}`, `${spec.oemModel} ${spec.properties} #${share}`, spec, dsnFilter, filter));
  }
  return {
    flow: [{ id: TAB_ID, type: 'tab', label: `fleet: ${inNodes} in-nodes` }, account(sim), ...nodes, ...fanOutTail(broker, filter)],
    inNodeIds: nodes.map((node) => node.id),
  };
}
