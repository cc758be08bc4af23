/**
 * Reading JSON requests and writing JSON answers for the simulator's HTTP services, with the
 * error-body shapes Ayla's services use (docs/protocol.md §3: `{"error":"…"}`,
 * `{"error":{"message":"…"}}` and `{"errors":"…"}` all occur).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body accepted (64 KiB): the real APIs take small JSON documents. */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;
/** Largest body of a `/sim/` control request (8 MiB): tests inject whole frames, even ones beyond the stream's 1 MiB limit. */
export const MAX_CONTROL_BODY_BYTES = 8 * 1024 * 1024;

/** A request the router has matched: method, path without `.json`, query and raw objects. */
export interface RoutedRequest {
  method: string;
  /** Path with a trailing `.json` removed, since Ayla accepts both forms. */
  path: string;
  query: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
}

/** A refusal with an HTTP status and an Ayla-shaped JSON body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
    this.name = 'HttpError';
  }
}

/** 4xx helper: `{"error":"…"}`, the user service's most common shape. */
export function errorString(status: number, message: string): HttpError {
  return new HttpError(status, { error: message });
}

/** 4xx helper: `{"error":{"message":"…"}}`. */
export function errorObject(status: number, message: string): HttpError {
  return new HttpError(status, { error: { message } });
}

/** 4xx helper: `{"errors":"…"}`, used by validation failures (422). */
export function errorsString(status: number, message: string): HttpError {
  return new HttpError(status, { errors: message });
}

/** Splits a request URL into the path (without `.json`) and the query. */
export function parseRequestUrl(rawUrl: string | undefined): { path: string; query: URLSearchParams } {
  const url = new URL(rawUrl ?? '/', 'http://simulator.invalid');
  const path = url.pathname.replace(/\.json$/, '').replace(/\/+$/, '') || '/';
  return { path, query: url.searchParams };
}

/**
 * True unless the client sent an `Accept` header that rules JSON out. Ayla answers 406 without
 * `Accept: application/json`; the simulator is lenient when the header is missing so plain
 * `curl` examples work.
 */
export function acceptsJson(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  if (accept === undefined || accept.trim() === '') return true;
  return /(^|[\s,])(application\/json|application\/\*|\*\/\*)([\s;,]|$)/i.test(accept);
}

/** Reads the whole body (at most `maxBytes`, default {@link MAX_REQUEST_BODY_BYTES}) and parses it as JSON; empty means `{}`. */
export async function readJsonBody(req: IncomingMessage, maxBytes = MAX_REQUEST_BODY_BYTES): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw errorString(413, 'Request body is too large');
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw errorString(400, 'Request body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw errorString(400, 'Request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** Decodes one `%`-encoded path segment (a DSN, a property name). @throws HttpError 400 on bad encoding. */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw errorString(400, 'Bad percent-encoding in the path');
  }
}

/** Sends `body` as compact JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendJsonText(res, status, JSON.stringify(body));
}

/** Sends text that already is JSON (assembled from stored JSON without parsing it again). */
export function sendJsonText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text, 'utf8'),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/** Sends an empty answer (e.g. 204 after a delete). */
export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}

/** A field of a JSON object if it is itself a (non-array) object, else an empty object. */
export function objectField(source: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = source[key];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A field of a JSON object if it is a string, else undefined. */
export function stringField(source: Record<string, unknown>, key: string): string | undefined {
  const value = source[key];
  return typeof value === 'string' ? value : undefined;
}
