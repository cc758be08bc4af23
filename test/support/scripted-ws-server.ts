/**
 * A WebSocket server on 127.0.0.1 (port 0) that a test scripts connection by connection: it
 * records every upgrade attempt (with its query), can refuse upgrades with an HTTP status,
 * and hands each accepted socket to the test, which decides what frames to send.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

/** One upgrade request as the server saw it. */
export interface UpgradeAttempt {
  path: string;
  query: URLSearchParams;
  /** The HTTP status it was refused with, or null when accepted. */
  refusedWith: number | null;
}

/** An accepted connection, seen from the server. */
export interface ServerConnection {
  socket: WebSocket;
  query: URLSearchParams;
  /** Text messages received from the client, in order. */
  received: string[];
  /** The next message from the client (already received ones first). */
  nextMessage(timeoutMs?: number): Promise<string>;
  /** Sends one raw text frame. */
  send(frame: string): void;
  /** Sends raw bytes as one text frame (they need not be valid UTF-8). */
  sendBytes(bytes: Buffer): void;
  /** Resolves when the socket has closed, from either side. */
  closed: Promise<void>;
}

export interface ScriptedWsServer {
  /** `ws://127.0.0.1:PORT/stream` */
  url: string;
  attempts: UpgradeAttempt[];
  /**
   * Decides each upgrade: a status number refuses it with that HTTP status, `'accept'`
   * accepts it, `'hang'` never answers. Default: accept everything.
   */
  decide: (attempt: { path: string; query: URLSearchParams }) => number | 'accept' | 'hang';
  /** The next accepted connection (ones accepted earlier and not yet taken come first). */
  nextConnection(timeoutMs?: number): Promise<ServerConnection>;
  /** Connections accepted so far. */
  connections: ServerConnection[];
  close(): Promise<void>;
}

const DEFAULT_WAIT_MS = 3000;

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 503: 'Service Unavailable' };

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function wrapConnection(socket: WebSocket, query: URLSearchParams): ServerConnection {
  const received: string[] = [];
  let taken = 0;
  const waiters: Array<() => void> = [];
  socket.on('message', (data) => {
    received.push(String(data));
    waiters.splice(0).forEach((wake) => wake());
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    query,
    received,
    nextMessage(timeoutMs = DEFAULT_WAIT_MS) {
      const take = (): Promise<string> => {
        if (taken < received.length) return Promise.resolve(received[taken++]);
        return new Promise<void>((resolve) => waiters.push(resolve)).then(take);
      };
      return withTimeout(take(), timeoutMs, 'a client message');
    },
    send(frame) {
      socket.send(frame);
    },
    sendBytes(bytes) {
      socket.send(bytes, { binary: false });
    },
    closed,
  };
}

/** Starts a scripted stream server on 127.0.0.1, any free port, path `/stream`. */
export async function startScriptedWsServer(): Promise<ScriptedWsServer> {
  const wss = new WebSocketServer({ noServer: true });
  const http: Server = createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  const rawSockets = new Set<Duplex>();
  const connections: ServerConnection[] = [];
  let handedOut = 0;
  const waiters: Array<() => void> = [];

  const state: ScriptedWsServer = {
    url: '',
    attempts: [],
    decide: () => 'accept',
    connections,
    nextConnection(timeoutMs = DEFAULT_WAIT_MS) {
      const take = (): Promise<ServerConnection> => {
        if (handedOut < connections.length) return Promise.resolve(connections[handedOut++]);
        return new Promise<void>((resolve) => waiters.push(resolve)).then(take);
      };
      return withTimeout(take(), timeoutMs, 'a client connection');
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      for (const socket of rawSockets) socket.destroy();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };

  http.on('upgrade', (req, socket, head) => {
    rawSockets.add(socket);
    socket.on('close', () => rawSockets.delete(socket));
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const decision = state.decide({ path: url.pathname, query: url.searchParams });
    const attempt: UpgradeAttempt = { path: url.pathname, query: url.searchParams, refusedWith: null };
    state.attempts.push(attempt);
    if (decision === 'hang') return;
    if (typeof decision === 'number') {
      attempt.refusedWith = decision;
      socket.end(`HTTP/1.1 ${decision} ${STATUS_TEXT[decision] ?? 'Refused'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      connections.push(wrapConnection(ws, url.searchParams));
      waiters.splice(0).forEach((wake) => wake());
    });
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  state.url = `ws://127.0.0.1:${port}/stream`;
  return state;
}
