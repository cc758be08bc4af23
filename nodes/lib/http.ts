/**
 * HTTP plumbing shared by the user-service session and the DSS subscription client: JSON
 * requests over Node's global `fetch` with a timeout, and one error class whose `code` says
 * what went wrong in words a flow author can act on.
 *
 * Error messages may quote the server's own message (truncated, and with every known secret
 * removed), but never a password, app secret, token or stream key.
 */

/** Stable error codes; messages may change, codes do not. */
export type AylaErrorCode =
  /** 401 on sign-in: wrong email or password. */
  | 'BAD_CREDENTIALS'
  /** 404 on sign-in: unknown app ID / app secret. */
  | 'BAD_APPLICATION'
  /** 422 on refresh: the refresh token is no longer valid. */
  | 'REFRESH_REFUSED'
  /** 401 on an API call, even after a fresh token. */
  | 'UNAUTHORIZED'
  /** 403: no OEM access rule allows it. */
  | 'FORBIDDEN'
  /** 404 on an API call. */
  | 'NOT_FOUND'
  /** 5xx. */
  | 'SERVER_ERROR'
  /** DNS, refused connection, reset… — the request did not get an answer. */
  | 'NETWORK_ERROR'
  /** No complete answer within the request timeout. */
  | 'TIMEOUT'
  /** Our own limit on sign-in attempts (Ayla locks an account after five failures). */
  | 'SIGN_IN_THROTTLED'
  /** An answer we cannot use: not JSON, wrong shape, or an unexpected status. */
  | 'BAD_RESPONSE'
  /** The service URL is not configured (for instance US staging, whose REST hosts are unpublished). */
  | 'NO_ENDPOINT';

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

/** A failed call to the user service or the DSS REST API. */
export class AylaApiError extends Error {
  /** What went wrong, stable across releases. */
  readonly code: AylaErrorCode;
  /** HTTP status, when the server answered. */
  readonly status?: number;
  /** True when the same request may succeed later without any change (5xx, network, timeout, throttle). */
  readonly retryable: boolean;
  /** When known, ms until a retry makes sense (set on SIGN_IN_THROTTLED). */
  readonly retryAfterMs?: number;

  constructor(
    code: AylaErrorCode,
    message: string,
    options: { status?: number; cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AylaApiError';
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    this.retryable = RETRYABLE_CODES.has(code);
  }
}

/** Default time for one request, answer body included (15 s). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/** How much of a server's error message is quoted in ours. */
export const MAX_SERVER_MESSAGE_CHARS = 160;

/** Ayla answers some endpoints with 406 unless Accept is set (docs/protocol.md §3). */
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

/**
 * Sends one request with a timeout (`AbortSignal.timeout`, which also covers reading the body
 * later) and JSON headers unless the caller set its own.
 *
 * @throws {@link AylaApiError} `TIMEOUT` or `NETWORK_ERROR` when no answer arrives.
 */
export async function sendRequest(url: string, init: RequestInit, context: RequestContext): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(JSON_HEADERS)) {
    if (!headers.has(name)) headers.set(name, value);
  }
  const doFetch = context.fetch ?? fetch;
  try {
    return await doFetch(url, { ...init, headers, signal: signalFor(context.timeoutMs, init.signal) });
  } catch (error) {
    throw transportError(error, url, context);
  }
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
