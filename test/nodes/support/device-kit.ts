/**
 * Shared pieces of the device-service flow tests (writes, initial values, pickers): a scenario
 * with one input property of every base type (with and without acks, read-only) and an output,
 * a simulator log that counts what the device service did, and readers of the simulator's state.
 */
import type { RunningSimulator, Scenario } from '../../../simulator/index';
import { ACCOUNT_ID, requireCoreNode, waitFor } from './flow-kit';

/** The test kit's OEM model and its two devices (the second one Offline). */
export const KIT_MODEL = 'testkit-1';
export const KIT_DEVICE = 'AC000W900000001';
export const KIT_OFFLINE = 'AC000W900000002';

/** One model covering every base type as an input, a property without acks, a read-only input and an output. */
export const DEVICE_SCENARIO: Scenario = {
  models: [
    {
      oemModel: KIT_MODEL,
      productName: 'Test kit',
      properties: [
        { name: 'flag', baseType: 'boolean', direction: 'input', value: 0 },
        { name: 'level', baseType: 'integer', direction: 'input', value: 1 },
        { name: 'setpoint', baseType: 'decimal', direction: 'input', value: 20 },
        { name: 'label', baseType: 'string', direction: 'input', value: 'a' },
        { name: 'note', baseType: 'message', direction: 'input', value: 'hello' },
        { name: 'photo', baseType: 'file', direction: 'input', value: 'https://files.example.com/a.jpg' },
        { name: 'quiet', baseType: 'boolean', direction: 'input', value: 0, ackEnabled: false },
        { name: 'locked', baseType: 'string', direction: 'input', value: 'v1', readOnly: true },
        { name: 'reading', baseType: 'decimal', direction: 'output', value: 1.5 },
      ],
      devices: [
        { dsn: KIT_DEVICE, productName: 'Kit one', lat: 52.52, long: 13.405 },
        { dsn: KIT_OFFLINE, productName: 'Kit two', lat: 48.1351, long: 11.582, connectionStatus: 'Offline' },
      ],
    },
  ],
};

/** The simulator's log lines, to count what its device service did. */
export class SimLog {
  readonly lines: string[] = [];
  readonly sink = (line: string): void => {
    this.lines.push(line);
  };

  /** Datapoints written (answered or not) to `dsn/property`, or to anything when not given. */
  writes(target?: string): number {
    return this.lines.filter((line) => line.startsWith('datapoint written: ') && (target === undefined || line.startsWith(`datapoint written: ${target}`))).length;
  }

  /** Device-service requests answered with an injected error. */
  injected(): number {
    return this.lines.filter((line) => line.startsWith('device service: injected ')).length;
  }

  clear(): void {
    this.lines.length = 0;
  }
}

/** The current values of a simulated device, from the control API. */
export async function simValues(sim: RunningSimulator, dsn: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${sim.url}/sim/devices`);
  const { devices } = (await response.json()) as { devices: Array<{ dsn: string; values: Record<string, unknown> }> };
  const device = devices.find((candidate) => candidate.dsn === dsn);
  if (!device) throw new Error(`the simulator has no device ${dsn}`);
  return device.values;
}

/** The device-service faults still pending in the simulator. */
export async function pendingFaults(sim: RunningSimulator): Promise<{ errors: number; lostAnswers: number }> {
  const response = await fetch(`${sim.url}/sim/state`);
  return ((await response.json()) as { deviceFaults: { errors: number; lostAnswers: number } }).deviceFaults;
}

/** Node-RED's catch node, loaded from the runtime under test. */
export const catchNode = requireCoreNode('@node-red/nodes/core/common/25-catch.js');

/** An `ayla-datapoint-out` node wired to a helper node `out`. */
export function outNode(id: string, props: Record<string, unknown> = {}, wires: string[] = ['out']): Record<string, unknown> {
  return { id, type: 'ayla-datapoint-out', account: ACCOUNT_ID, dsn: '', property: '', waitForAck: false, ackTimeout: 10, wires: [wires], ...props };
}

/** A catch node for every node of the flow, wired to a helper node `caught`. */
export function catchAll(id = 'catch1'): Record<string, unknown> {
  return { id, type: 'catch', scope: null, uncaught: false, wires: [['caught']] };
}

/** The error code of a message a catch node got. */
export function caughtCode(msg: Record<string, unknown>): string | undefined {
  return (msg.error as { code?: string } | undefined)?.code;
}

/** Waits for `count` messages in `list` and returns them. */
export function waitForMessages(list: Array<Record<string, unknown>>, count: number, what: string, ms?: number): Promise<Array<Record<string, unknown>>> {
  return waitFor(`${count} ${what}`, () => (list.length >= count ? list : null), ms);
}
