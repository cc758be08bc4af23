/**
 * The Node-RED flows the side-by-side benchmark deploys, as a user would build them in the
 * editor: the DIY flow with core nodes (`websocket in` → `function` → sink) and ours (an
 * `ayla-dss-account` and one or ten `ayla-datapoint-in` nodes on one stream key, each wired to
 * its own sink). {@link DIY_FUNCTION} is printed in the README so the comparison can be rebuilt.
 */
import type { AccountNodeProperties, EventInNodeProperties } from '../../nodes/lib/node-options';
import type { PatternRule } from '../../nodes/lib/pattern-rules';

/** The function node of the DIY flow: split at the first `|`, parse, set topic and payload. */
export const DIY_FUNCTION = [
  "const text = String(msg.payload);          // websocket in hands over the frame 'LEN|JSON'",
  "const json = text.slice(text.indexOf('|') + 1);",
  "if (json === 'Z' || json === 'X') return null; // heartbeats",
  'const event = JSON.parse(json);',
  "msg.topic = event.metadata.dsn + '/' + event.metadata.property_name;",
  'msg.payload = event.datapoint.value;',
  'msg.event = event;',
  'return msg;',
].join('\n');

/** A flow and the ids of its sinks, in order. */
export interface BenchFlow {
  nodes: object[];
  sinkIds: string[];
}

const TAB = { id: 'bench-tab', type: 'tab', label: 'side by side' };

function sink(id: string, name: string): object {
  return { id, type: 'bench-sink', z: TAB.id, name, wires: [] };
}

/** `websocket in` (client mode, whole frame as payload) → function → sink. */
export function diyFlow(url: string): BenchFlow {
  return {
    nodes: [
      TAB,
      { id: 'diy-client', type: 'websocket-client', path: url, tls: '', wholemsg: 'false', hb: '0', subprotocol: '', headers: [] },
      { id: 'diy-in', type: 'websocket in', z: TAB.id, name: 'DSS frames', server: '', client: 'diy-client', wires: [['diy-fn']] },
      {
        id: 'diy-fn',
        type: 'function',
        z: TAB.id,
        name: 'parse frame',
        func: DIY_FUNCTION,
        outputs: 1,
        timeout: 0,
        noerr: 0,
        initialize: '',
        finalize: '',
        libs: [],
        wires: [['diy-sink']],
      },
      sink('diy-sink', 'diy'),
    ],
    sinkIds: ['diy-sink'],
  };
}

/** Options of {@link aylaFlow}. */
export interface AylaFlowOptions {
  streamUrl: string;
  streamKey: string;
  /** Number of `ayla-datapoint-in` nodes on the key. */
  nodes: number;
  /** The DSN filter of node `index` (empty = every DSN). */
  dsnFilterOf(index: number): PatternRule[];
}

/** An account (custom region, fixed stream key) and `nodes` datapoint in-nodes, each → its own sink. */
export function aylaFlow(options: AylaFlowOptions): BenchFlow {
  const account: AccountNodeProperties & { id: string; type: string } = {
    id: 'bench-account',
    type: 'ayla-dss-account',
    name: 'frame server',
    region: 'custom',
    deployment: 'field',
    clientType: 'cloud',
    streamUrl: options.streamUrl,
    apiUrl: '',
    userUrl: '',
    // Longer than any round: the frame server sends no heartbeats (see frame-server.ts).
    heartbeatTimeout: 3600,
    allowInsecure: false,
  };
  const nodes: object[] = [TAB, account];
  const sinkIds: string[] = [];
  for (let i = 0; i < options.nodes; i++) {
    const inNode: EventInNodeProperties & { id: string; type: string; z: string; wires: string[][]; credentials: { streamKey: string } } = {
      id: `ayla-in-${i}`,
      type: 'ayla-datapoint-in',
      z: TAB.id,
      name: `datapoints ${i}`,
      account: account.id,
      source: 'key',
      oemModel: '*',
      dsns: '*',
      properties: '*',
      dsnFilter: options.dsnFilterOf(i),
      modelFilter: [],
      propertyFilter: [],
      onlyChanges: false,
      credentials: { streamKey: options.streamKey },
      wires: [[`ayla-sink-${i}`]],
    };
    nodes.push(inNode, sink(`ayla-sink-${i}`, `sink ${i}`));
    sinkIds.push(`ayla-sink-${i}`);
  }
  return { nodes, sinkIds };
}

/** The empty flow deployed between rounds: every node of the previous round stops. */
export function emptyFlow(): object[] {
  return [TAB];
}
