/**
 * A tiny HTTP server on 127.0.0.1 (port 0) whose answers each test scripts route by route.
 * It records every request (method, path, headers, body) so tests can assert what was sent.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server saw it. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/users/sign_in.json`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** `JSON.parse(body)`, or undefined when the body is empty or not JSON. */
  json: unknown;
}

/**
 * Answers one request. Not answering at all is allowed (to test timeouts); the server closes
 * such requests when it is closed.
 */
export type RouteHandler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export interface ScriptedHttpServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Requests for one route key (`'POST /users/sign_in.json'`). */
  requestsTo(route: string): RecordedRequest[];
  /** Sets (or replaces) the handler of a route key `'METHOD /path'`. Unrouted requests get 404. */
  route(route: string, handler: RouteHandler): void;
  close(): Promise<void>;
}

/** Sends `body` as JSON with `status` (no body when `body` is undefined). */
export function sendJson(response: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    response.writeHead(status);
    response.end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

/** Options of {@link startScriptedHttpServer}. */
export interface ScriptedHttpServerOptions {
  /** Answers every request no route matches (default: 404), e.g. a recorder standing in for any host. */
  fallback?: RouteHandler;
}

/** Starts a scripted server on 127.0.0.1, any free port. */
export async function startScriptedHttpServer(options: ScriptedHttpServerOptions = {}): Promise<ScriptedHttpServer> {
  const routes = new Map<string, RouteHandler>();
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body === '' ? undefined : JSON.parse(body);
      } catch {
        json = undefined; // not JSON: tests look at `body` then
      }
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json };
      requests.push(recorded);
      const handler = routes.get(`${recorded.method} ${recorded.path}`) ?? options.fallback;
      if (!handler) {
        sendJson(res, 404, { error: 'no such route in this test' });
        return;
      }
      Promise.resolve(handler(recorded, res)).catch((error: unknown) => {
        sendJson(res, 500, { error: `test handler failed: ${String(error)}` });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    requestsTo: (route) => requests.filter((request) => `${request.method} ${request.path}` === route),
    route: (route, handler) => {
      routes.set(route, handler);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
