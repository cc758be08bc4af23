/**
 * HTTP plumbing shared by the user-service session and the DSS subscription client: JSON
 * requests over Node's global `fetch` with a timeout, and one error class whose `code` says
 * what went wrong in words a flow author can act on.
 *
 * Error messages may quote the server's own message (truncated, and with every known secret
 * removed), but never a password, app secret, token or stream key.
 *
 * Redirects are never followed. Every request sent here carries a secret: the password, app ID
 * and app secret (sign-in), a refresh token, or an access token (`Authorization`). fetch's
 * default would re-send a 307/308 POST, body and all, to whatever host the answer names, over
 * plain http if it says so, past the rule that plain http is for loopback hosts only. So the
 * request is made with `redirect: 'manual'` and any 3xx answer is refused with
 * `REDIRECT_REFUSED`, naming the status and the target host (never its path or query, which
 * could hold anything).
 */
import { CodedError, type ErrorParams } from './errors';

/** Stable error codes; messages may change, codes do not. */
/** Stable error codes of {@link AylaApiError}; messages may change, codes do not. */
export const AYLA_ERROR_CODES = [
  /** 401 on sign-in: wrong email or password. */
  'BAD_CREDENTIALS',
  /** 404 on sign-in: unknown app ID / app secret. */
  'BAD_APPLICATION',
  /** 422 on refresh: the refresh token is no longer valid. */
  'REFRESH_REFUSED',
  /** 401 on an API call, even after a fresh token. */
  'UNAUTHORIZED',
  /** 403: no OEM access rule allows it. */
  'FORBIDDEN',
  /** 404 on an API call. */
  'NOT_FOUND',
  /** 5xx. */
  'SERVER_ERROR',
  /** DNS, refused connection, reset… — the request did not get an answer. */
  'NETWORK_ERROR',
  /** No complete answer within the request timeout. */
  'TIMEOUT',
  /** Our own limit on sign-in attempts (Ayla locks an account after five failures). */
  'SIGN_IN_THROTTLED',
  /** An answer we cannot use: not JSON, wrong shape, or an unexpected status. */
  'BAD_RESPONSE',
  /** The service URL is not configured (for instance US staging, whose REST hosts are unpublished). */
  'NO_ENDPOINT',
  /** A 3xx answer: requests carrying credentials or tokens are never redirected (see the module comment). */
  'REDIRECT_REFUSED',
] as const;

/** One of {@link AYLA_ERROR_CODES}. */
export type AylaErrorCode = (typeof AYLA_ERROR_CODES)[number];

/** Codes for which trying the same thing again later, unchanged, may succeed. */
const RETRYABLE_CODES: ReadonlySet<AylaErrorCode> = new Set<AylaErrorCode>([
  'SERVER_ERROR',
  'NETWORK_ERROR',
  'TIMEOUT',
  'SIGN_IN_THROTTLED',
]);

/** Codes that mean "the credentials or the account's rights are wrong": retrying quickly will not help. */
export const AUTH_ERROR_CODES: ReadonlySet<string> = new Set<string>([
  'BAD_CREDENTIALS',
  'BAD_APPLICATION',
  'REFRESH_REFUSED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'SIGN_IN_THROTTLED',
]);

/**
 * A failed call to the user service or the DSS REST API. `params` holds `status` when the server
 * answered (and what the caller added, never a secret).
 */
export class AylaApiError extends CodedError<AylaErrorCode> {
  /** HTTP status, when the server answered. */
  readonly status?: number;
  /** True when the same request may succeed later without any change (5xx, network, timeout, throttle). */
  readonly retryable: boolean;
  /** When known, ms until a retry makes sense (set on SIGN_IN_THROTTLED). */
  readonly retryAfterMs?: number;

  constructor(
    code: AylaErrorCode,
    message: string,
    options: { status?: number; cause?: unknown; retryAfterMs?: number; params?: ErrorParams } = {},
  ) {
    const params: ErrorParams = { ...options.params };
    if (options.status !== undefined) params.status = options.status;
    super(code, message, { params, cause: options.cause });
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    this.retryable = RETRYABLE_CODES.has(code);
  }
}

/** Default time for one request, answer body included (15 s). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/** How much of a server's error message is quoted in ours. */
export const MAX_SERVER_MESSAGE_CHARS = 160;

/** Ayla answers some endpoints with 406 unless Accept is set (`docs/protocol.md` §3). */
export const JSON_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/json',
  Accept: 'application/json',
};

/**
 * The human message inside an Ayla error body, whichever of the three known shapes it has:
 * `{"error":"…"}`, `{"error":{"message":"…"}}` or `{"errors":"…"}` (also tolerated: `errors`
 * as a list of strings or an object of lists, and a top-level `message`). Null when none.
 */
export function serverMessageOf(body: unknown): string | null {
  if (body === null || typeof body !== 'object') return null;
  const record = body as Record<string, unknown>;
  const candidates: unknown[] = [record.error, record.errors, record.message];
  for (const candidate of candidates) {
    const text = textOf(candidate);
    if (text) return text;
  }
  return null;
}

function textOf(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value;
  if (Array.isArray(value)) {
    const parts = value.map(textOf).filter((part): part is string => part !== null);
    return parts.length > 0 ? parts.join('; ') : null;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.message === 'string') return textOf(record.message);
    // Rails-style `{"errors":{"email":["is invalid"]}}`.
    const parts = Object.entries(record)
      .map(([key, inner]) => {
        const text = textOf(inner);
        return text ? `${key} ${text}` : null;
      })
      .filter((part): part is string => part !== null);
    return parts.length > 0 ? parts.join('; ') : null;
  }
  return null;
}

/**
 * `text` with every occurrence of each secret replaced by `[redacted]`. Used on server
 * messages before quoting them: a server may echo what it was sent.
 */
export function scrubSecrets(text: string, secrets: ReadonlyArray<string | null | undefined>): string {
  let result = text;
  for (const secret of secrets) {
    if (secret) result = result.split(secret).join('[redacted]');
  }
  return result;
}

/** A server message made safe to quote: secrets removed, one line, at most {@link MAX_SERVER_MESSAGE_CHARS}. */
export function quoteServerMessage(message: string, secrets: ReadonlyArray<string | null | undefined> = []): string {
  // Scrub before truncating, so a secret cut in half by the truncation cannot survive.
  const flat = scrubSecrets(message, secrets)
    .replace(/\p{Cc}+/gu, ' ')
    .trim();
  return flat.length > MAX_SERVER_MESSAGE_CHARS ? `${flat.slice(0, MAX_SERVER_MESSAGE_CHARS)}…` : flat;
}

/** Where a request goes and how to talk about it in messages. */
export interface RequestContext {
  /** What the caller was doing, for messages: "sign-in", "listing subscriptions". */
  action: string;
  /** Which service, for messages: "the user service", "the DSS API". */
  service: string;
  /** Timeout for the request including its body, ms. */
  timeoutMs: number;
  /** The fetch to use (tests may inject one); default the global fetch. */
  fetch?: typeof fetch;
  /** Values that must never appear in a message (passwords, tokens…). */
  secrets?: ReadonlyArray<string | null | undefined>;
  /** A further scrubber for quoted server text (a session's `Session.redact`). */
  redact?: (text: string) => string;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    // Not a URL at all: say so rather than quoting something that might hold a secret.
    return '(invalid URL)';
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

/** The system error code (ECONNREFUSED…) behind a fetch failure, if any. */
export function systemCodeOf(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as Error & { cause?: unknown }).cause;
  }
  return null;
}

/** Maps a thrown fetch / body-read error to TIMEOUT or NETWORK_ERROR. */
export function transportError(error: unknown, url: string, context: RequestContext): AylaApiError {
  if (error instanceof AylaApiError) return error;
  const where = `${context.service} at ${originOf(url)}`;
  if (isTimeout(error)) {
    return new AylaApiError('TIMEOUT', `${context.action}: no answer from ${where} within ${context.timeoutMs} ms`, {
      cause: error,
    });
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return new AylaApiError('NETWORK_ERROR', `${context.action}: the request to ${where} was cancelled`, { cause: error });
  }
  const systemCode = systemCodeOf(error);
  const detail = systemCode ? ` (${systemCode})` : '';
  return new AylaApiError('NETWORK_ERROR', `${context.action}: could not reach ${where}${detail}`, { cause: error });
}

/** The request's timeout, combined with the caller's own signal when there is one. */
function signalFor(timeoutMs: number, callerSignal: AbortSignal | null | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  if (!callerSignal) return timeout;
  const any = (AbortSignal as unknown as { any?: (signals: AbortSignal[]) => AbortSignal }).any;
  if (typeof any === 'function') return any([callerSignal, timeout]);
  // Node < 20.3 has no AbortSignal.any: forward both by hand.
  const controller = new AbortController();
  const forward = (source: AbortSignal) => () => controller.abort(source.reason);
  if (callerSignal.aborted) controller.abort(callerSignal.reason);
  callerSignal.addEventListener('abort', forward(callerSignal), { once: true });
  timeout.addEventListener('abort', forward(timeout), { once: true });
  return controller.signal;
}

/** Longest target host quoted by REDIRECT_REFUSED (a host name is at most 253 characters). */
const MAX_QUOTED_HOST_CHARS = 100;

/**
 * The host a redirect points to, for a message: `host[:port]` of the Location resolved against
 * the request URL (no user info, path or query), `(no Location)` or `(invalid Location)`.
 */
export function redirectTargetHost(location: string | null, requestUrl: string): string {
  if (location === null || location.trim() === '') return '(no Location)';
  let host: string;
  try {
    host = new URL(location, requestUrl).host;
  } catch {
    return '(invalid Location)';
  }
  if (host === '') return '(invalid Location)';
  return host.length > MAX_QUOTED_HOST_CHARS ? `${host.slice(0, MAX_QUOTED_HOST_CHARS)}…` : host;
}

/** The error for a 3xx answer; see the module comment for why redirects are never followed. */
function redirectRefused(response: Response, url: string, context: RequestContext): AylaApiError {
  const status = response.status;
  const host = redirectTargetHost(response.headers.get('location'), url);
  return new AylaApiError(
    'REDIRECT_REFUSED',
    `${context.action}: ${context.service} at ${originOf(url)} answered HTTP ${status}, redirecting to ${host}; ` +
      'requests that carry credentials or tokens are never redirected: configure the URL the service really has',
    { status, params: { host } },
  );
}

/**
 * Sends one request with a timeout (`AbortSignal.timeout`, which also covers reading the body
 * later) and JSON headers unless the caller set its own. Redirects are not followed, whatever
 * `init.redirect` says: every request here carries a secret (see the module comment).
 *
 * @throws {@link AylaApiError} `TIMEOUT` or `NETWORK_ERROR` when no answer arrives,
 *   `REDIRECT_REFUSED` for any 3xx answer.
 */
export async function sendRequest(url: string, init: RequestInit, context: RequestContext): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(JSON_HEADERS)) {
    if (!headers.has(name)) headers.set(name, value);
  }
  const doFetch = context.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, { ...init, headers, redirect: 'manual', signal: signalFor(context.timeoutMs, init.signal) });
  } catch (error) {
    throw transportError(error, url, context);
  }
  if (response.status >= 300 && response.status <= 399) {
    // The body of a refused redirect is of no use; release the connection.
    await response.body?.cancel().catch(() => undefined /* already closed: nothing to release */);
    throw redirectRefused(response, url, context);
  }
  return response;
}

/** A fully read answer: status and body (parsed JSON, or null when empty or not JSON). */
export interface ReadResponse {
  status: number;
  ok: boolean;
  body: unknown;
  /** True when the body was non-empty but not JSON. */
  notJson: boolean;
}

/**
 * Reads and parses an answer's body (still under the request's timeout).
 *
 * @throws {@link AylaApiError} `TIMEOUT` / `NETWORK_ERROR` when the body does not arrive.
 */
export async function readResponse(response: Response, context: RequestContext): Promise<ReadResponse> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw transportError(error, response.url, context);
  }
  let body: unknown = null;
  let notJson = false;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      // Error pages from proxies are often HTML; the status alone then tells the story.
      notJson = true;
    }
  }
  return { status: response.status, ok: response.ok, body, notJson };
}

/** Default human wording per code, used when the caller does not give its own. */
const DEFAULT_WORDING: Readonly<Record<AylaErrorCode, string>> = {
  BAD_CREDENTIALS: 'wrong email or password',
  BAD_APPLICATION: 'unknown app ID or app secret',
  REFRESH_REFUSED: 'the refresh token was refused',
  UNAUTHORIZED: 'the access token was refused',
  FORBIDDEN: 'the account is not allowed to do this',
  NOT_FOUND: 'not found',
  SERVER_ERROR: 'the server failed',
  NETWORK_ERROR: 'network error',
  TIMEOUT: 'timed out',
  SIGN_IN_THROTTLED: 'too many sign-in attempts',
  BAD_RESPONSE: 'unexpected answer',
  NO_ENDPOINT: 'no URL configured',
  REDIRECT_REFUSED: 'redirect refused',
};

/**
 * Builds the error for a non-2xx answer.
 *
 * @param codes - status → code overrides for this call (sign-in maps 401 to BAD_CREDENTIALS,
 *   an API call maps it to UNAUTHORIZED). Unlisted: 401 UNAUTHORIZED, 403 FORBIDDEN,
 *   404 NOT_FOUND, 5xx SERVER_ERROR, anything else BAD_RESPONSE.
 * @param wording - code → human words overriding the defaults.
 */
export function errorForStatus(
  answer: ReadResponse,
  context: RequestContext,
  codes: Partial<Record<number, AylaErrorCode>> = {},
  wording: Partial<Record<AylaErrorCode, string>> = {},
): AylaApiError {
  const { status } = answer;
  let code: AylaErrorCode = codes[status] ?? 'BAD_RESPONSE';
  if (codes[status] === undefined) {
    if (status === 401) code = 'UNAUTHORIZED';
    else if (status === 403) code = 'FORBIDDEN';
    else if (status === 404) code = 'NOT_FOUND';
    else if (status >= 500) code = 'SERVER_ERROR';
  }
  const words = wording[code] ?? DEFAULT_WORDING[code];
  const serverMessage = serverMessageOf(answer.body);
  const scrubbed = serverMessage && context.redact ? context.redact(serverMessage) : serverMessage;
  const quoted = scrubbed ? ` — server said: "${quoteServerMessage(scrubbed, context.secrets)}"` : '';
  return new AylaApiError(code, `${context.action} failed: ${words} (HTTP ${status})${quoted}`, { status });
}

/** The error for a 2xx answer whose body is not what the protocol promises. */
export function badResponse(context: RequestContext, what: string, status: number): AylaApiError {
  return new AylaApiError('BAD_RESPONSE', `${context.action}: unexpected answer from ${context.service}: ${what}`, {
    status,
  });
}

/** Joins a base URL (with or without trailing slash, possibly with a path prefix) and a path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
