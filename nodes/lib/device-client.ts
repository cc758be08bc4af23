/**
 * One request at a time to Ayla's device service (`docs/protocol.md` §7): devices, properties,
 * datapoint writes and reads, authenticated with the account identity's user-service session.
 * Each method makes exactly one attempt (one more after a 401, with a fresh token, §3.5) and
 * says what happened in a form the retry policy (`retry-policy.ts`) can judge; retrying,
 * caching and rate limiting are the caller's.
 *
 * For a write it matters whether the request reached the service: a failure before the request
 * went out (sign-in, refused connection, unknown host, TLS) is `not-written`; no answer after it
 * went out (timeout, cut connection) is `unknown` (`WRITE_OUTCOME_UNKNOWN`, §7.4).
 */
import { DeviceError, type WriteOutcome } from './device-errors';
import { readDatapoint, readDeviceList, readProperty, readPropertyList, type DatapointInfo, type DeviceInfo, type PropertyInfo } from './device-records';
import { AylaApiError, joinUrl, quoteServerMessage, readResponse, sendRequest, serverMessageOf, systemCodeOf, type ReadResponse, type RequestContext } from './http';
import { parseRetryAfter, type AttemptResult } from './retry-policy';
import type { Session } from './session';

/** What the client needs of the identity's session. */
export type DeviceSession = Pick<Session, 'getAccessToken' | 'invalidate' | 'redact'>;

/** Options of {@link DeviceClient}. */
export interface DeviceClientOptions {
  /** Device-service base URL, e.g. `https://ads-field.aylanetworks.com`. */
  deviceUrl: string;
  session: DeviceSession;
  /** Timeout per request, answer body included, ms. */
  requestTimeoutMs: number;
  /** The fetch implementation; default the global `fetch`. */
  fetch?: typeof fetch;
  /** Clock (epoch ms), for `Retry-After` dates; default `Date.now`. */
  now?: () => number;
}

/** A snapshot read from the service, with the service's own time of the answer (`Date`), when it sent one. */
export interface Snapshot<T> {
  value: T;
  /** Epoch ms of the answer's `Date` header (whole seconds), or null. */
  readAtMs: number | null;
}

/** System errors that mean the request never left this machine or never reached the service. */
const NOT_SENT_SYSTEM_CODES = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH)$|CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/;
const SERVICE = 'the device service';

interface Answer extends ReadResponse {
  retryAfterMs: number | null;
  readAtMs: number | null;
}

function segment(value: string): string {
  return encodeURIComponent(value);
}

/** One device service of one account identity; see the module comment. */
export class DeviceClient {
  private readonly now: () => number;

  /** @param options - see {@link DeviceClientOptions}. Nothing is sent until a method is called. */
  constructor(private readonly options: DeviceClientOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The base URL this client talks to. */
  get deviceUrl(): string {
    return this.options.deviceUrl;
  }

  /** `GET /apiv1/devices.json`: every device of the account. */
  async listDevices(): Promise<AttemptResult<Snapshot<DeviceInfo[]>>> {
    const answer = await this.read('apiv1/devices.json', 'listing devices');
    if (!answer.ok) return this.failure(answer, 'listing devices', 'read', {});
    const devices = readDeviceList(answer.body);
    if (!devices) throw this.badResponse('listing devices', 'not a list of devices', answer.status);
    return { ok: true, value: { value: devices, readAtMs: answer.readAtMs } };
  }

  /** `GET /apiv1/dsns/{dsn}/properties.json`, narrowed to `names` when given. */
  async listProperties(dsn: string, names: readonly string[] = []): Promise<AttemptResult<Snapshot<PropertyInfo[]>>> {
    const query = names.map((name) => `names%5B%5D=${segment(name)}`).join('&');
    const path = `apiv1/dsns/${segment(dsn)}/properties.json${query ? `?${query}` : ''}`;
    const answer = await this.read(path, 'listing properties');
    if (!answer.ok) return this.failure(answer, 'listing properties', 'read', { dsn });
    const properties = readPropertyList(answer.body);
    if (!properties) throw this.badResponse('listing properties', 'not a list of properties', answer.status);
    return { ok: true, value: { value: properties, readAtMs: answer.readAtMs } };
  }

  /** `GET /apiv1/dsns/{dsn}/properties/{name}.json`. */
  async getProperty(dsn: string, name: string): Promise<AttemptResult<PropertyInfo>> {
    const answer = await this.read(`apiv1/dsns/${segment(dsn)}/properties/${segment(name)}.json`, 'reading a property');
    if (!answer.ok) return this.failure(answer, 'reading a property', 'read', { dsn, property: name });
    const property = readProperty(answer.body);
    if (!property) throw this.badResponse('reading a property', 'no property in the answer', answer.status);
    return { ok: true, value: property };
  }

  /** `GET …/properties/{name}/datapoints/{id}.json`: a written datapoint and its ack fields. */
  async getDatapoint(dsn: string, name: string, id: string): Promise<AttemptResult<DatapointInfo>> {
    const path = `apiv1/dsns/${segment(dsn)}/properties/${segment(name)}/datapoints/${segment(id)}.json`;
    const answer = await this.read(path, 'reading a datapoint');
    if (!answer.ok) return this.failure(answer, 'reading a datapoint', 'read', { dsn, property: name });
    const datapoint = readDatapoint(answer.body);
    if (!datapoint) throw this.badResponse('reading a datapoint', 'no datapoint in the answer', answer.status);
    return { ok: true, value: datapoint };
  }

  /**
   * `POST …/properties/{name}/datapoints.json` with `{"datapoint":{"value":V}}`: one write.
   *
   * @throws {@link DeviceError} without an answer: `DEVICE_UNREACHABLE` (outcome `not-written`)
   *   or `WRITE_OUTCOME_UNKNOWN` (outcome `unknown`), or a sign-in failure (`not-written`)
   */
  async createDatapoint(dsn: string, name: string, value: number | string): Promise<AttemptResult<DatapointInfo>> {
    const action = 'writing a datapoint';
    const path = `apiv1/dsns/${segment(dsn)}/properties/${segment(name)}/datapoints.json`;
    const answer = await this.send('POST', path, action, true, JSON.stringify({ datapoint: { value } }));
    if (!answer.ok) return this.failure(answer, action, 'write', { dsn, property: name });
    // A 2xx whose body could not be read or parsed is still a write that happened.
    return { ok: true, value: readDatapoint(answer.body) ?? readDatapoint({}) as DatapointInfo };
  }

  private read(path: string, action: string): Promise<Answer> {
    return this.send('GET', path, action, false);
  }

  private context(action: string): RequestContext {
    return { action, service: SERVICE, timeoutMs: this.options.requestTimeoutMs, fetch: this.options.fetch, redact: (text) => this.options.session.redact(text) };
  }

  /** One request with a token; once more with a fresh token after a 401 (§3.5). */
  private async send(method: string, path: string, action: string, write: boolean, body?: string): Promise<Answer> {
    const session = this.options.session;
    const token = await this.token(action);
    const first = await this.attempt(method, path, action, write, token, body);
    if (first.status !== 401) return first;
    session.invalidate(token);
    const fresh = await this.token(action);
    return this.attempt(method, path, action, write, fresh, body);
  }

  /** A token, or the sign-in failure as a {@link DeviceError} (nothing was sent to the device service). */
  private async token(action: string): Promise<string> {
    try {
      return await this.options.session.getAccessToken();
    } catch (error) {
      throw signInFailure(error, action);
    }
  }

  private async attempt(method: string, path: string, action: string, write: boolean, token: string, body?: string): Promise<Answer> {
    const url = joinUrl(this.options.deviceUrl, path);
    const context = this.context(action);
    // Never follow a redirect with a token (docs/protocol.md §3.6): a 3xx is an answer like any other.
    const init: RequestInit = { method, headers: { Authorization: `auth_token ${token}` }, redirect: 'manual', ...(body === undefined ? {} : { body }) };
    let response: Response;
    try {
      response = await sendRequest(url, init, context);
    } catch (error) {
      throw this.noAnswer(error, action, write);
    }
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.now());
    const date = Date.parse(response.headers.get('date') ?? '');
    const readAtMs = Number.isNaN(date) ? null : date;
    try {
      return { ...(await readResponse(response, context)), retryAfterMs, readAtMs };
    } catch (error) {
      // The status arrived, the body did not: the status alone tells what happened.
      if (!write || !response.ok) throw this.noAnswer(error, action, false);
      return { status: response.status, ok: true, body: null, notJson: false, retryAfterMs, readAtMs };
    }
  }

  /** The error for a request that got no answer; see the module comment for `write`. */
  private noAnswer(error: unknown, action: string, write: boolean): DeviceError {
    const detail = error instanceof Error ? error.message : String(error);
    if (error instanceof AylaApiError && error.code !== 'TIMEOUT' && error.code !== 'NETWORK_ERROR') {
      // An answer the transport refused to use (a redirect, say): the service did not act on it.
      return new DeviceError(error.code, detail, { cause: error, status: error.status, outcome: 'not-written' });
    }
    const notSent = error instanceof AylaApiError && error.code === 'NETWORK_ERROR' && NOT_SENT_SYSTEM_CODES.test(systemCodeOf(error.cause) ?? '');
    if (!write || notSent) return new DeviceError('DEVICE_UNREACHABLE', detail, { params: { detail }, cause: error, outcome: 'not-written' });
    return new DeviceError('WRITE_OUTCOME_UNKNOWN', `${detail}: the write may or may not have been applied, and was not repeated`, {
      params: { detail },
      cause: error,
      outcome: 'unknown',
    });
  }

  private failure<T>(answer: Answer, action: string, kind: 'read' | 'write', target: Record<string, string>): AttemptResult<T> {
    const { status } = answer;
    const said = serverMessageOf(answer.body);
    const quoted = said ? quoteServerMessage(this.options.session.redact(said)) : '';
    let code: string;
    if (status === 401) code = 'UNAUTHORIZED';
    else if (status === 403) code = 'DEVICE_FORBIDDEN';
    else if (status === 404) code = 'DEVICE_NOT_FOUND';
    else if (status === 429 || status === 502 || status === 503 || status === 504) code = 'DEVICE_SERVICE_BUSY';
    else if (kind === 'write' && (status === 400 || status === 422)) code = 'WRITE_REFUSED';
    else code = 'DEVICE_SERVICE_ERROR';
    const message = `${action} failed: HTTP ${status}${quoted ? ` — server said: "${quoted}"` : ''}`;
    const outcome: WriteOutcome | undefined = kind === 'write' ? 'not-written' : undefined;
    const error = new DeviceError(code, message, { params: { ...target, status, detail: quoted }, status, outcome });
    return { ok: false, status, retryAfterMs: answer.retryAfterMs, error };
  }

  private badResponse(action: string, what: string, status: number): DeviceError {
    return new DeviceError('BAD_RESPONSE', `${action}: unexpected answer from ${SERVICE}: ${what}`, { status, params: { detail: what } });
  }
}

/** A sign-in failure of the session as a {@link DeviceError}: nothing reached the device service. */
function signInFailure(error: unknown, action: string): DeviceError {
  if (!(error instanceof AylaApiError)) return new DeviceError('UNKNOWN', `${action}: ${String(error)}`, { cause: error, outcome: 'not-written' });
  const params: Record<string, string | number> = { detail: error.message };
  let code: string = error.code;
  if (code === 'NETWORK_ERROR' || code === 'TIMEOUT') code = 'DEVICE_UNREACHABLE';
  else if (code === 'SERVER_ERROR') code = 'DEVICE_SERVICE_ERROR';
  if (code === 'SIGN_IN_THROTTLED') params.minutes = Math.max(1, Math.ceil((error.retryAfterMs ?? 60_000) / 60_000));
  if (error.status !== undefined) params.status = error.status;
  return new DeviceError(code, error.message, { params, cause: error, status: error.status, outcome: 'not-written' });
}
