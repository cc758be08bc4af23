/**
 * The scenario runner of the fault-injection suites: a datapoint-in node (auto source) in a real
 * Node-RED runtime (node-red-node-test-helper) behind a counting proxy, a pump of numbered
 * events through the simulator, one fault injected mid-stream, and what the flow received.
 */
import { strict as assert } from 'node:assert';
import type { Node } from 'node-red';
import type { RunningSimulator } from '../../../simulator/index';
import { accountNode, aylaNodes, helper, helperNode, inNode, simState, waitFor } from '../../nodes/support/flow-kit';
import { CountingProxy, PUMP_DSN, PUMP_MODEL, PUMP_PROPERTY, startPump, type Published } from './reliability-kit';

/** One message as the flow saw it. */
export interface Received {
  value: number;
  seq: number;
  at: number;
}

/** What a scenario does: `inject` starts the fault and resolves once it is over (the runtime reloaded, the refusal lifted…). */
export interface Scenario {
  name: string;
  inject: (run: FaultRun) => Promise<void>;
  /** Values published, default 200. */
  count?: number;
  /** Pause between publications, ms; default 5. */
  paceMs?: number;
  /** The fault starts just before this value is published; default 50. */
  atValue?: number;
  /** The subscription is re-created: seqs start over once. */
  recreatesSubscription?: boolean;
}

/** Result of {@link FaultRun.run}. */
export interface FaultOutcome {
  received: Received[];
  published: Published[];
  statuses: Array<Record<string, unknown>>;
  warnings: string[];
  errors: string[];
  /** Injection until the status was green "connected" again after leaving it, ms; NaN when it never left. */
  reconnectMs: number;
  /** The longest time an event took from publication to the flow, ms (the outage as the flow felt it). */
  maxDelayMs: number;
  /** WebSocket upgrades the proxy saw during the scenario. */
  upgrades: number;
}

export const IN_NODE_ID = 'n1';

/** A flow, the recorders on it, and the scenario steps. */
export class FaultRun {
  readonly received: Received[] = [];
  readonly statuses: Array<Record<string, unknown>> = [];
  /** When each status was shown (ms), parallel to {@link statuses}. */
  readonly statusTimes: number[] = [];
  readonly warnings: string[] = [];
  readonly errors: string[] = [];

  constructor(
    readonly sim: RunningSimulator,
    readonly proxy: CountingProxy,
    private readonly accountExtra: Record<string, unknown> = {},
  ) {}

  /** The flow: account (through the proxy, heartbeat timeout 1 s) and a datapoint-in node for the pump's property. */
  flow(): Array<Record<string, unknown>> {
    const account = accountNode(this.sim, {
      streamUrl: this.proxy.streamUrl,
      apiUrl: this.proxy.url,
      userUrl: this.proxy.url,
      heartbeatTimeout: 1,
      ...this.accountExtra,
    });
    return [account, inNode('datapoint', IN_NODE_ID, { oemModel: PUMP_MODEL, dsns: PUMP_DSN, properties: PUMP_PROPERTY }), helperNode()];
  }

  /** Loads the flow and attaches the recorders (again after a reload). */
  async load(): Promise<void> {
    await helper.load(aylaNodes, this.flow(), { account1: { ...this.sim.account } });
    const inNodeRef = helper.getNode(IN_NODE_ID) as unknown as NodeJS.EventEmitter;
    inNodeRef.on('call:status', (call: { args: unknown[] }) => {
      this.statuses.push(call.args[0] as Record<string, unknown>);
      this.statusTimes.push(Date.now());
    });
    inNodeRef.on('call:warn', (call: { args: unknown[] }) => this.warnings.push(String(call.args[0])));
    inNodeRef.on('call:error', (call: { args: unknown[] }) => this.errors.push(String(call.args[0])));
    (helper.getNode('out') as unknown as NodeJS.EventEmitter).on('input', (msg: { payload: unknown; ayla: { seq: number } }) => {
      this.received.push({ value: Number(msg.payload), seq: msg.ayla.seq, at: Date.now() });
    });
  }

  /** Waits until the simulator sees our subscription's socket. */
  async connected(): Promise<void> {
    await waitFor('the datapoint-in node to connect', async () => {
      const state = await simState(this.sim);
      return state.sockets === 1 && state.subscriptions.some((s) => s.connected);
    });
  }

  /** The id of the subscription our node uses. */
  async subscriptionId(): Promise<number> {
    const state = await simState(this.sim);
    const connected = state.subscriptions.find((s) => s.connected);
    assert.ok(connected, 'a connected subscription');
    return connected.id;
  }

  /** Time from `since` until the status, having left green after `since`, was green again; NaN if it never left. */
  private reconnectTime(since: number): number {
    const isGreen = (status: Record<string, unknown>) => status.fill === 'green';
    let left = -1;
    for (let i = 0; i < this.statuses.length; i++) {
      if (this.statusTimes[i] < since) continue;
      if (left < 0 && !isGreen(this.statuses[i])) left = i;
      if (left >= 0 && isGreen(this.statuses[i])) return this.statusTimes[i] - since;
    }
    return Number.NaN;
  }

  /** Runs one scenario end to end and checks the delivery guarantees. */
  async run(scenario: Scenario): Promise<FaultOutcome> {
    await this.load();
    await this.connected();
    const upgradesBefore = this.proxy.count('UPGRADE');
    let injectedAt = 0;
    let fault: Promise<void> = Promise.resolve();
    const pump = startPump(this.sim, {
      count: scenario.count ?? 200,
      paceMs: scenario.paceMs ?? 5,
      onValue: {
        atValue: scenario.atValue ?? 50,
        run: () => {
          injectedAt = Date.now();
          fault = scenario.inject(this);
        },
      },
    });
    await pump.done;
    await fault;
    const published = pump.published;
    // Only what the server accepted for a subscription can be delivered (nothing exists for
    // events published while no subscription existed).
    const expected = published.filter((p) => p.delivered.length > 0);
    assert.ok(expected.length > 0, 'some events were published to the subscription');
    const lastExpected = expected[expected.length - 1].value;
    await waitFor(
      `every published value up to ${lastExpected} (got ${this.received.length} of ${expected.length})`,
      () => this.received.some((r) => r.value === lastExpected) && this.received.length >= expected.length,
      20_000,
    );
    // Anything extra (duplicates) arrives with the last one at the latest; give it a moment anyway.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const arrivals = new Map(this.received.map((r) => [r.value, r.at]));
    const maxDelayMs = Math.max(...expected.map((p) => (arrivals.get(p.value) ?? p.at) - p.at));
    return {
      received: [...this.received],
      published,
      statuses: this.statuses,
      warnings: this.warnings,
      errors: this.errors,
      reconnectMs: this.reconnectTime(injectedAt),
      maxDelayMs,
      upgrades: this.proxy.count('UPGRADE') - upgradesBefore,
    };
  }
}

/**
 * The delivery guarantees: every value the server accepted arrived exactly once, in order,
 * with the seq the server gave it; the node is back to a green "connected" status.
 */
export function assertExactlyOnceInOrder(outcome: FaultOutcome, scenario: Scenario): void {
  const expected = outcome.published.filter((p) => p.delivered.length > 0);
  assert.deepEqual(
    outcome.received.map((r) => r.value),
    expected.map((p) => p.value),
    'the flow received every accepted value exactly once, in order',
  );
  const seqOf = new Map(expected.map((p) => [p.value, p.delivered[p.delivered.length - 1].seq]));
  for (const r of outcome.received) assert.equal(r.seq, seqOf.get(r.value), `value ${r.value} carries the seq the server gave it`);
  let restarts = 0;
  for (let i = 1; i < outcome.received.length; i++) {
    if (outcome.received[i].seq <= outcome.received[i - 1].seq) restarts++;
  }
  assert.equal(restarts, scenario.recreatesSubscription ? 1 : 0, 'seqs increase (starting over once on a re-created subscription)');
  const node = helper.getNode(IN_NODE_ID) as Node | null;
  assert.ok(node, 'the in-node is still running');
}

/** One line of the printed recovery table. */
export function recoveryLine(name: string, outcome: FaultOutcome, extra = ''): string {
  const reconnect = Number.isNaN(outcome.reconnectMs) ? 'no reconnect' : `connected again after ${outcome.reconnectMs} ms`;
  return `  recovery: ${name.padEnd(24)} ${reconnect}; longest event delay ${outcome.maxDelayMs} ms; ${outcome.upgrades} upgrade(s)${extra}`;
}

/** Waits until the in-node's latest status is the green "connected" one. */
export async function waitGreen(run: FaultRun): Promise<Record<string, unknown>> {
  return waitFor('a green connected status', () => {
    const last = run.statuses[run.statuses.length - 1];
    return last && last.fill === 'green' && last.shape === 'dot' ? last : null;
  });
}
