/**
 * Faults of the device service (`/apiv1/…`), set through `/sim/faults/device-errors` and
 * `/sim/faults/device-lost-answers`:
 * - the next N device-service requests answer an error status before anything is done
 *   (what a gateway or rate limiter in front of Ayla's service answers), 429 with
 *   `Retry-After` in seconds;
 * - the next N datapoint writes are applied (value stored, events published, ack scheduled)
 *   but their answer is lost: the connection is cut (`cut`) or left without an answer until
 *   the client gives up (`hang`), so a client can test a write whose outcome it cannot know.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import { errorsString } from './http-io';

/** The statuses an injected error may have. */
export const DEVICE_ERROR_STATUSES = [429, 500, 502, 503, 504] as const;
export type DeviceErrorStatus = (typeof DEVICE_ERROR_STATUSES)[number];
/** How a lost answer is lost. */
export const LOST_ANSWER_MODES = ['cut', 'hang'] as const;
export type LostAnswerMode = (typeof LOST_ANSWER_MODES)[number];
/** `Retry-After` of an injected 429 when none is given, seconds. */
const DEFAULT_RETRY_AFTER_SEC = 1;
/** Most requests one fault call may affect. */
const MAX_FAULT_COUNT = 1_000_000;

/** An error to answer instead of handling a request. */
export interface InjectedError {
  status: DeviceErrorStatus;
  retryAfterSec?: number;
}

function countField(body: Record<string, unknown>): number {
  const count = body.count ?? 1;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_FAULT_COUNT) {
    throw errorsString(422, `count must be an integer from 0 to ${MAX_FAULT_COUNT}`);
  }
  return count;
}

/** The device service's pending faults. */
export class DeviceServiceFaults {
  private errorsLeft = 0;
  private error: InjectedError = { status: 503 };
  private lostAnswersLeft = 0;
  private lostAnswerMode: LostAnswerMode = 'cut';

  /**
   * `POST /sim/faults/device-errors {"status":503,"count":2,"retryAfterSec":5}`: the next
   * `count` (default 1; 0 clears) device-service requests answer `status`.
   *
   * @throws HttpError 422 for a status not in {@link DEVICE_ERROR_STATUSES} or a bad count.
   */
  setErrors(body: Record<string, unknown>): object {
    const status = body.status ?? 503;
    if (!(DEVICE_ERROR_STATUSES as readonly unknown[]).includes(status)) throw errorsString(422, `status must be one of ${DEVICE_ERROR_STATUSES.join(', ')}`);
    let retryAfterSec = body.retryAfterSec;
    if (retryAfterSec !== undefined && (typeof retryAfterSec !== 'number' || !Number.isInteger(retryAfterSec) || retryAfterSec < 0 || retryAfterSec > 86_400)) {
      throw errorsString(422, 'retryAfterSec must be an integer from 0 to 86400');
    }
    if (retryAfterSec === undefined && status === 429) retryAfterSec = DEFAULT_RETRY_AFTER_SEC;
    this.errorsLeft = countField(body);
    this.error = { status: status as DeviceErrorStatus, retryAfterSec: retryAfterSec as number | undefined };
    return { errors: this.errorsLeft, ...this.error };
  }

  /**
   * `POST /sim/faults/device-lost-answers {"count":1,"mode":"cut"}`: the next `count` (default
   * 1; 0 clears) datapoint writes are applied but not answered.
   *
   * @throws HttpError 422 for an unknown mode or a bad count.
   */
  setLostAnswers(body: Record<string, unknown>): object {
    const mode = body.mode ?? 'cut';
    if (!(LOST_ANSWER_MODES as readonly unknown[]).includes(mode)) throw errorsString(422, `mode must be one of ${LOST_ANSWER_MODES.join(', ')}`);
    this.lostAnswersLeft = countField(body);
    this.lostAnswerMode = mode as LostAnswerMode;
    return { lostAnswers: this.lostAnswersLeft, mode: this.lostAnswerMode };
  }

  /** The error this request must get instead of being handled, if one is pending (and counts it). */
  takeError(): InjectedError | undefined {
    if (this.errorsLeft === 0) return undefined;
    this.errorsLeft--;
    return this.error;
  }

  /** How this write's answer must be lost, if one is pending (and counts it). */
  takeLostAnswer(): LostAnswerMode | undefined {
    if (this.lostAnswersLeft === 0) return undefined;
    this.lostAnswersLeft--;
    return this.lostAnswerMode;
  }

  /** What is pending, for `GET /sim/state`. */
  state(): object {
    return { errors: this.errorsLeft, status: this.error.status, lostAnswers: this.lostAnswersLeft, lostAnswerMode: this.lostAnswerMode };
  }
}

/** Sends an injected error: `{"error":"Service Unavailable"}` with `Retry-After` when set. */
export function sendInjectedError(res: ServerResponse, error: InjectedError): void {
  const text = JSON.stringify({ error: STATUS_CODES[error.status] ?? 'Error' });
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text, 'utf8'),
    'Cache-Control': 'no-store',
  };
  if (error.retryAfterSec !== undefined) headers['Retry-After'] = String(error.retryAfterSec);
  res.writeHead(error.status, headers);
  res.end(text);
}

/** Loses the answer to a request that was carried out: cuts the connection, or never answers. */
export function loseAnswer(res: ServerResponse, mode: LostAnswerMode): void {
  // `hang` leaves the response open; closing the simulator closes every connection.
  if (mode === 'cut') res.socket?.destroy();
}
