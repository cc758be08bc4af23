/**
 * Pieces of the reliability suites: a numbered-event pump through the simulator's control API,
 * a counting HTTP/WebSocket proxy that can also refuse REST calls, a private user directory,
 * and sign-in for tests that drive the DSS REST API themselves.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { RunningSimulator } from '../../../simulator/index';

/** The device and integer property whose value carries the event number. */
export const PUMP_DSN = 'AC000W000340649';
export const PUMP_MODEL = 'smartplug-v2';
export const PUMP_PROPERTY = 'led_brightness';

/** A fresh private Node-RED user directory; remove it with {@link removeUserDir}. */
export function makeUserDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'ayla-dss-rel-'));
}

export function removeUserDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One published value and the subscriptions (with the seq) the simulator delivered it to. */
export interface Published {
  value: number;
  at: number;
  delivered: Array<{ subscriptionId: number; seq: number }>;
}

export interface PumpOptions {
  /** Values 1..count are published in order. */
  count: number;
  /** Pause between two publications, ms. */
  paceMs: number;
  /** Called (not awaited) just before value `atValue` is published. */
  onValue?: { atValue: number; run: () => void };
  /** Give up on one value after this long of failed POSTs (the simulator restarting), ms. */
  retryForMs?: number;
}

/** A running pump: `published` grows as values are accepted; `done` settles when all are. */
export interface Pump {
  readonly published: Published[];
  readonly done: Promise<void>;
  /** The highest value accepted so far (0 before any). */
  highest(): number;
}

/**
 * Publishes numbered datapoints (the property value = 1, 2, 3 …) one after the other at a
 * steady pace. A POST that fails (the simulator restarting) is retried with the same value, so
 * the order on the server is always 1..count.
 */
export function startPump(sim: RunningSimulator, options: PumpOptions): Pump {
  const published: Published[] = [];
  const retryForMs = options.retryForMs ?? 10_000;
  const url = `${sim.url}/sim/devices/${PUMP_DSN}/properties/${PUMP_PROPERTY}`;
  const done = (async () => {
    for (let value = 1; value <= options.count; value++) {
      if (options.onValue && options.onValue.atValue === value) options.onValue.run();
      const deadline = Date.now() + retryForMs;
      for (;;) {
        try {
          const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ value }) });
          const body = (await response.json()) as { delivered?: Published['delivered'] };
          if (!response.ok) throw new Error(`publishing ${value} answered ${response.status}`);
          published.push({ value, at: Date.now(), delivered: body.delivered ?? [] });
          break;
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`could not publish value ${value}: ${(error as Error).message}`);
          await sleep(50);
        }
      }
      await sleep(options.paceMs);
    }
  })();
  // The caller awaits `done`; until then a rejection must not count as unhandled.
  done.catch(() => undefined);
  return { published, done, highest: () => published[published.length - 1]?.value ?? 0 };
}

/** Signs in to the simulator's user service as `account`; returns the access token (test use only, never logged). */
export async function signIn(sim: RunningSimulator): Promise<string> {
  const account = sim.account;
  const response = await fetch(`${sim.userUrl}/users/sign_in`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user: { email: account.email, password: account.password, application: { app_id: account.appId, app_secret: account.appSecret } } }),
  });
  if (!response.ok) throw new Error(`sign-in answered ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Deletes a subscription through the DSS REST API, as a person in Ayla's dashboard would. */
export async function deleteSubscription(sim: RunningSimulator, id: number): Promise<void> {
  const token = await signIn(sim);
  const response = await fetch(`${sim.apiUrl}/api/v1/subscriptions/${id}`, { method: 'DELETE', headers: { Authorization: `auth_token ${token}` } });
  if (response.status !== 204) throw new Error(`DELETE subscription ${id} answered ${response.status}`);
}

/**
 * A rule of {@link CountingProxy}: answer `status` to requests whose path starts with
 * `pathPrefix` (and whose method is `method`, when set), while `active()`. `status: 'swallow'`
 * never answers: the request stays open until the client gives up or the proxy closes.
 */
export interface ProxyFault {
  pathPrefix: string;
  method?: string;
  status: number | 'swallow';
  active: () => boolean;
}

/**
 * A loopback proxy in front of the simulator that counts every request (`METHOD /path`) and
 * WebSocket upgrade (`UPGRADE /stream`), and can answer chosen REST paths with an error.
 */
export class CountingProxy {
  private readonly counts = new Map<string, number>();
  private readonly sockets = new Set<Duplex>();
  private readonly server: http.Server;
  faults: ProxyFault[] = [];
  port = 0;

  constructor(private readonly target: RunningSimulator) {
    this.server = http.createServer((req, res) => this.forward(req, res));
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.tunnel(req, socket, head));
    this.server.on('connection', (socket: net.Socket) => this.track(socket));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get streamUrl(): string {
    return `ws://127.0.0.1:${this.port}/stream`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  /** Requests counted so far whose `METHOD /path` key starts with `prefix`. */
  count(prefix: string): number {
    let total = 0;
    for (const [key, n] of this.counts) if (key.startsWith(prefix)) total += n;
    return total;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: Duplex): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private bump(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const pathOnly = (req.url ?? '/').split('?')[0];
    this.bump(`${req.method} ${pathOnly}`);
    const fault = this.faults.find((rule) => pathOnly.startsWith(rule.pathPrefix) && (!rule.method || rule.method === req.method) && rule.active());
    if (fault?.status === 'swallow') {
      // Read the body and say nothing; close() destroys the socket.
      req.resume();
      return;
    }
    if (fault) {
      req.resume();
      res.writeHead(fault.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'injected by the test proxy' }));
      return;
    }
    const upstream = http.request(
      { host: '127.0.0.1', port: this.target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      // The simulator is down (restarting): the client sees a broken connection, as it would for real.
      res.destroy();
    });
    req.pipe(upstream);
  }

  private tunnel(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    this.bump(`UPGRADE ${(req.url ?? '/').split('?')[0]}`);
    const upstream = net.connect(this.target.port, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    this.track(upstream);
    const cut = () => {
      socket.destroy();
      upstream.destroy();
    };
    upstream.on('error', cut);
    upstream.on('close', cut);
    socket.on('error', cut);
    socket.on('close', cut);
  }
}
