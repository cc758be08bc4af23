/**
 * `ayla-datapoint-out`: writes `msg.payload` to a device property through the account's device
 * service and sends the message on with the outcome (`lib/datapoint-writer.ts` does the work;
 * this file wires it to Node-RED). Failures go to `done(error)` with a stable `code` on the
 * error, so a Catch node gets `msg.error.code` and the message as it was when the write failed.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { isAccountNode } from './account-node';
import { errorText, statusKey, type Translate } from './lib/catalog';
import { DeviceError } from './lib/device-errors';
import { CodedError, messageOf } from './lib/errors';
import { outNodeStatus, writeDatapoint, type WriterConfig } from './lib/datapoint-writer';
import type { DeviceAccess } from './lib/hub/device-access';
import { DEFAULT_ACK_TIMEOUT_S, readNumericSetting, type DatapointOutNodeProperties } from './lib/node-options';

/** The node type name. */
export const DATAPOINT_OUT_TYPE = 'ayla-datapoint-out';

type DatapointOutNodeDef = NodeDef & DatapointOutNodeProperties;

/** Registers the `ayla-datapoint-out` node type. */
export function registerDatapointOutNode(RED: NodeAPI): void {
  const translate: Translate = (key, params) => RED._(key, params as Record<string, string>);

  /** `error` as the flow sees it: the catalog text, the same code and parameters. */
  function reportable(error: unknown): DeviceError {
    const code = error instanceof CodedError ? error.code : 'UNKNOWN';
    const params = error instanceof CodedError ? error.params : {};
    const outcome = error instanceof DeviceError ? error.outcome : undefined;
    return new DeviceError(code, errorText(translate, code, { detail: messageOf(error), ...params }), { params, cause: error, outcome });
  }

  function AylaDatapointOutNode(this: Node, config: DatapointOutNodeDef): void {
    RED.nodes.createNode(this, config);
    startDatapointOutNode(this, config);
  }

  function startDatapointOutNode(node: Node, config: DatapointOutNodeDef): void {
    const closing = new AbortController();
    let access: DeviceAccess | null = null;
    let configProblem: CodedError | null = null;
    let ackTimeoutS: number = DEFAULT_ACK_TIMEOUT_S;
    try {
      ackTimeoutS = readNumericSetting('ackTimeout', config.ackTimeout);
      const account = config.account ? RED.nodes.getNode(config.account) : null;
      if (!isAccountNode(account)) throw new CodedError('NO_ACCOUNT', 'no account');
      // Leases the account now, so a missing device URL or credentials show at deploy, not at the first message.
      access = account.devices();
    } catch (error) {
      configProblem = error instanceof CodedError ? error : new CodedError('UNKNOWN', messageOf(error));
      node.status({ fill: 'red', shape: 'ring', text: translate(statusKey('config-error'), { code: configProblem.code }) });
    }
    const writer: WriterConfig = { dsn: config.dsn, property: config.property, waitForAck: config.waitForAck === true, ackTimeoutMs: ackTimeoutS * 1000 };

    node.on('input', (msg: NodeMessage, send: (msg: NodeMessage) => void, done: (error?: Error) => void) => {
      if (!access) {
        done(reportable(configProblem));
        return;
      }
      const showProgress = (progress: Parameters<typeof outNodeStatus>[0]) => {
        if (!closing.signal.aborted) node.status(outNodeStatus(progress, translate));
      };
      writeDatapoint(access, writer, msg as Record<string, unknown>, showProgress, closing.signal).then(
        (written) => {
          if (closing.signal.aborted) return done();
          send(written as NodeMessage);
          done();
        },
        (error: unknown) => {
          // Closing cancels waits and queued writes: that is the redeploy, not a failure of the message.
          if (closing.signal.aborted) return done();
          done(reportable(error));
        },
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing.abort(new Error('the node closed'));
      done();
    });
  }

  RED.nodes.registerType(DATAPOINT_OUT_TYPE, AylaDatapointOutNode);
}
