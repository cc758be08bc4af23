/**
 * Waiting for a device's acknowledgement of a written datapoint (`docs/protocol.md` §7.3): the
 * written datapoint is read again by its id until its `ack_status` or
 * `acked_at` is set, first after {@link ACK_POLL_FIRST_MS}, then at doubling intervals up to
 * {@link ACK_POLL_MAX_MS}, until the node's ack timeout. Ayla's mobile SDKs follow acks the same
 * way; it needs no DSS subscription (which an account may not be allowed to create) and cannot
 * miss an ack that came before a stream connected.
 */
import { DeviceError, isDeviceError } from './device-errors';
import type { DatapointInfo } from './device-records';
import { delay } from './retry-policy';

/** First read of the datapoint after the write (250 ms: devices on a LAN answer about that fast). */
export const ACK_POLL_FIRST_MS = 250;
/** Longest pause between two reads (2 s): at most about five reads in a default 10 s wait. */
export const ACK_POLL_MAX_MS = 2000;

/** The device's answer, as `msg.ayla.ack` carries it. */
export interface AckResult {
  /** True when `status` is 200..299. */
  success: boolean;
  /** The device's `ack_status` (Ayla's devices send HTTP-like codes: 200 done, 4xx/5xx failed). */
  status: number | null;
  /** The device's `ack_message` (a device-specific code or text). */
  message: unknown;
  ackedAt: string | null;
}

/** Failures of one read that the next read may not have: keep waiting. */
const TRANSIENT_CODES: readonly string[] = ['DEVICE_SERVICE_BUSY', 'DEVICE_UNREACHABLE', 'DEVICE_SERVICE_ERROR', 'BAD_RESPONSE'];

/** The ack of a datapoint, or null while the device has not answered. */
export function ackOf(datapoint: DatapointInfo): AckResult | null {
  if (datapoint.ackStatus === null && datapoint.ackedAt === null) return null;
  const status = datapoint.ackStatus;
  return { success: status !== null && status >= 200 && status <= 299, status, message: datapoint.ackMessage, ackedAt: datapoint.ackedAt };
}

/**
 * Reads the datapoint with `read` until it carries an ack.
 *
 * @param params - names the write in the timeout error (`dsn`, `property`)
 * @throws {@link DeviceError} `ACK_TIMEOUT` (params `seconds` and `params`) when `timeoutMs`
 *   passes first; a read's final error (`DEVICE_NOT_FOUND`, `UNAUTHORIZED`, …) at once;
 *   the signal's reason when it aborts
 */
export async function waitForAck(
  read: () => Promise<DatapointInfo>,
  timeoutMs: number,
  params: Record<string, string>,
  signal?: AbortSignal,
): Promise<AckResult> {
  const deadline = Date.now() + timeoutMs;
  let pause = ACK_POLL_FIRST_MS;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const seconds = Math.round(timeoutMs / 100) / 10;
      throw new DeviceError('ACK_TIMEOUT', `no acknowledgement from the device within ${seconds} s (the write itself was accepted)`, { params: { ...params, seconds } });
    }
    await delay(Math.min(pause, remaining), signal);
    pause = Math.min(pause * 2, ACK_POLL_MAX_MS);
    let datapoint: DatapointInfo;
    try {
      datapoint = await read();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (isDeviceError(error, ...TRANSIENT_CODES)) continue;
      throw error;
    }
    const ack = ackOf(datapoint);
    if (ack) return ack;
  }
}
