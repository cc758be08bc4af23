/**
 * One message through `ayla-datapoint-out` (`docs/protocol.md` §7.3): target from the node or
 * the message, the property's base type and direction (read once and cached by the account's
 * device service), the payload converted, the write (rate-limited, retried only when it surely
 * did not happen), and optionally the device's acknowledgement; plus the status text that
 * shows the node's last write and its result.
 */
import { DeviceError, isDeviceError } from './device-errors';
import type { DeviceAccess } from './hub/device-access';
import { buildWriteMessage, type DatapointWriteMessage } from './messages';
import type { Translate } from './catalog';
import { checkWritable, writeTargetOf, writeValueOf, type WriteTarget } from './write-value';

/** What a node writes with, from its configuration. */
export interface WriterConfig {
  dsn?: string;
  property?: string;
  waitForAck: boolean;
  /** How long to wait for the acknowledgement, ms. */
  ackTimeoutMs: number;
}

/** Where a write stands, for the node's status. */
export type WriteProgress =
  | { state: 'writing'; target: WriteTarget }
  | { state: 'waiting'; target: WriteTarget; value: number | string }
  | { state: 'done'; target: WriteTarget; value: number | string; ackStatus: number | null; ackSuccess: boolean | null }
  | { state: 'failed'; target: WriteTarget | null; code: string };

/**
 * Writes `msg.payload` as the node and message say; the message sent on is `msg` itself with
 * `topic` and `ayla` set ({@link buildWriteMessage}). When waiting for the ack fails, `msg`
 * already carries the write (`ayla.ack` null) for the Catch node that gets the error.
 *
 * @throws {@link DeviceError} with a code for every refusal and failure (see `device-errors.ts`);
 *   the signal's reason when the node closes first
 */
export async function writeDatapoint(
  access: DeviceAccess,
  config: WriterConfig,
  msg: Record<string, unknown>,
  progress: (progress: WriteProgress) => void,
  signal?: AbortSignal,
): Promise<DatapointWriteMessage> {
  let target: WriteTarget | null = null;
  try {
    target = writeTargetOf(config, msg);
    progress({ state: 'writing', target });
    const property = await access.property(target.dsn, target.property);
    checkWritable(target, property);
    const value = writeValueOf(msg.payload, target, property.baseType);
    const { datapoint, attempts } = await access.write(target, value, signal);
    const written = buildWriteMessage(msg, {
      dsn: target.dsn,
      property: target.property,
      baseType: property.baseType,
      value,
      attempts,
      datapoint: { id: datapoint.id, value: datapoint.value, createdAt: datapoint.createdAt, updatedAt: datapoint.updatedAt, ackEnabled: datapoint.ackEnabled ?? property.ackEnabled },
      ack: null,
    });
    // A property without acks never gets one: waiting would only ever end in a timeout.
    if (config.waitForAck && (datapoint.ackEnabled ?? property.ackEnabled)) {
      const id = datapoint.id;
      if (id === null) {
        throw new DeviceError('ACK_UNTRACKABLE', 'the device service did not say which datapoint it created, so its acknowledgement cannot be followed', {
          params: { dsn: target.dsn, property: target.property },
        });
      }
      progress({ state: 'waiting', target, value });
      written.ayla.ack = await access.acknowledgement(target, { ...datapoint, id }, config.ackTimeoutMs, signal);
    }
    const ack = written.ayla.ack;
    progress({ state: 'done', target, value, ackStatus: ack?.status ?? null, ackSuccess: ack ? ack.success : null });
    return written;
  } catch (error) {
    if (!signal?.aborted) progress({ state: 'failed', target, code: isDeviceError(error) ? error.code : 'UNKNOWN' });
    throw error;
  }
}

/** Longest value shown in the status. */
const STATUS_VALUE_CHARS = 24;

function shown(value: number | string): string {
  const text = String(value);
  return text.length > STATUS_VALUE_CHARS ? `${text.slice(0, STATUS_VALUE_CHARS - 1)}…` : text;
}

/** The status of an `ayla-datapoint-out` node for a write's progress (texts from its catalog section). */
export function outNodeStatus(progress: WriteProgress, translate: Translate): { fill: 'blue' | 'green' | 'yellow' | 'red'; shape: 'dot' | 'ring'; text: string } {
  const key = (name: string) => `ayla-datapoint-out.status.${name}`;
  const property = progress.target?.property ?? '';
  switch (progress.state) {
    case 'writing':
      return { fill: 'blue', shape: 'ring', text: translate(key('writing'), { property }) };
    case 'waiting':
      return { fill: 'blue', shape: 'dot', text: translate(key('waiting'), { property, value: shown(progress.value) }) };
    case 'done':
      if (progress.ackSuccess === null) return { fill: 'green', shape: 'dot', text: translate(key('written'), { property, value: shown(progress.value) }) };
      return {
        fill: progress.ackSuccess ? 'green' : 'yellow',
        shape: 'dot',
        text: translate(key(progress.ackSuccess ? 'acked' : 'ack-failed'), { property, value: shown(progress.value), status: String(progress.ackStatus ?? '') }),
      };
    case 'failed':
      return { fill: 'red', shape: 'ring', text: translate(key('failed'), { property: property || '?', code: progress.code }) };
  }
}
