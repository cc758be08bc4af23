/**
 * The simulator's single HTTP server: user service, DSS REST, device service, `/sim/` control
 * API and the `/stream` WebSocket upgrade, all on one port, wired from their modules.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccessRules } from './access-rules';
import { accountsWith, DEMO_APPLICATION } from './accounts';
import { AutomaticEvents } from './automation';
import type { Clock } from './clock';
import { ControlApi } from './control';
import { DeviceApi } from './device-api';
import { DeviceServiceFaults } from './device-faults';
import { DatapointWrites } from './device-writes';
import { DeviceRegistry, type UnsequencedEvent } from './devices';
import { DssApi } from './dss-api';
import { acceptsJson, errorString, HttpError, parseRequestUrl, sendJson, type RoutedRequest } from './http-io';
import { mulberry32 } from './prng';
import type { Scenario } from './scenario';
import { StreamServer, type DuplicateSocketPolicy } from './stream';
import { SubscriptionStore } from './subscriptions';
import { UserService } from './user-service';

/** Every option with its value decided (see `SimulatorOptions` for meanings and defaults). */
export interface ResolvedSimulatorOptions {
  host: string;
  port: number;
  heartbeatMs: number;
  missedHeartbeats: number;
  keepAliveMs: number;
  rate: number;
  seed: number;
  retention: number;
  tokenTtlSec: number;
  /** Undefined = the built-in scenario (or fleet catalog when `devices` is set). */
  scenario: Scenario | undefined;
  /** Generated fleet size; undefined = the scenario's own devices. */
  devices: number | undefined;
  log: (line: string) => void;
  now: Clock;
  ackDelayMs: number;
  ackFailureRate: number;
  ackDropRate: number;
  duplicateSockets: DuplicateSocketPolicy;
}

/** Mixed into the seed for the device side's draws, so writes never shift automatic values. */
const ACK_RANDOM_SALT = 0x5eed_ac4;

type RouteHandler = (request: RoutedRequest) => Promise<boolean>;

/** The simulated cloud: owns the HTTP server and every component. */
export class SimulatorServer {
  private readonly http: Server;
  private readonly stream: StreamServer;
  private readonly automatic: AutomaticEvents;
  private readonly writes: DatapointWrites;
  private readonly routes: RouteHandler[];
  private restartTimer: NodeJS.Timeout | null = null;
  private boundPort = 0;
  private closed = false;

  constructor(private readonly options: ResolvedSimulatorOptions) {
    const { now, log, scenario } = options;
    const random = mulberry32(options.seed);
    const applications = [DEMO_APPLICATION, ...(scenario?.applications ?? [])];
    const accounts = accountsWith(scenario?.users ?? [], scenario?.applications?.[0] ?? DEMO_APPLICATION);
    const devices = new DeviceRegistry(scenario, options.devices, now, random);
    const startedAtMs = now();
    const users = new UserService({ accounts, applications, oemId: devices.oemId, createdAtMs: startedAtMs, tokenTtlSec: options.tokenTtlSec, now, log });
    const accessRules = new AccessRules({ oemId: devices.oemId, accounts, now });
    const store = new SubscriptionStore({ oemId: devices.oemId, retention: options.retention, accessRules, now, log });
    this.stream = new StreamServer({
      store,
      heartbeatMs: options.heartbeatMs,
      missedHeartbeats: options.missedHeartbeats,
      keepAliveMs: options.keepAliveMs,
      duplicateSockets: options.duplicateSockets,
      log,
    });
    const publish = (event: UnsequencedEvent) => store.publish(event);
    this.automatic = new AutomaticEvents({ devices, rate: options.rate, random, publish });
    this.writes = new DatapointWrites({
      devices,
      publish,
      ackDelayMs: options.ackDelayMs,
      ackFailureRate: options.ackFailureRate,
      ackDropRate: options.ackDropRate,
      random: mulberry32(options.seed ^ ACK_RANDOM_SALT),
      now,
      log,
    });
    devices.onOnline = (device) => this.writes.deviceOnline(device);
    const deviceFaults = new DeviceServiceFaults();
    const deviceApi = new DeviceApi({ users, devices, writes: this.writes, faults: deviceFaults, log });
    const dssApi = new DssApi({ users, store, stream: this.stream, accessRules });
    const control = new ControlApi({
      users,
      store,
      stream: this.stream,
      devices,
      writes: this.writes,
      deviceFaults,
      automatic: this.automatic,
      publish,
      restart: (downMs) => this.restart(downMs),
      now,
      random,
    });
    this.routes = [
      (request) => users.handle(request),
      (request) => dssApi.handle(request),
      (request) => deviceApi.handle(request),
      (request) => control.handle(request),
    ];
    this.http = createServer((req, res) => void this.onRequest(req, res));
    this.http.on('upgrade', (req, socket, head) => this.stream.handleUpgrade(req, socket, head));
    this.http.on('clientError', (error, socket) => {
      this.options.log(`client error: ${error.message}`);
      socket.destroy();
    });
  }

  /** The bound port (after {@link listen}). */
  get port(): number {
    return this.boundPort;
  }

  /** Starts listening and the automatic events; resolves with the bound port. */
  async listen(): Promise<number> {
    await this.listenOn(this.options.port);
    this.boundPort = (this.http.address() as AddressInfo).port;
    this.automatic.start();
    return this.boundPort;
  }

  private listenOn(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.http.once('error', onError);
      this.http.listen(port, this.options.host, () => {
        this.http.off('error', onError);
        resolve();
      });
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { path, query } = parseRequestUrl(req.url);
    const request: RoutedRequest = { method: req.method ?? 'GET', path, query, req, res };
    try {
      if (!acceptsJson(req)) {
        this.options.log(`406: ${request.method} ${path} without Accept: application/json`);
        throw errorString(406, 'Not Acceptable: send Accept: application/json');
      }
      for (const route of this.routes) if (await route(request)) return;
      throw errorString(404, 'Not found');
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) {
        sendJson(res, error.status, error.body);
        return;
      }
      this.options.log(`500 on ${request.method} ${path}: ${(error as Error).stack ?? String(error)}`);
      sendJson(res, 500, { error: 'Internal server error' });
    }
  }

  /** Restart: every socket and HTTP connection is cut, the listener is down for `downMs`, state is kept. */
  private restart(downMs: number): void {
    if (this.closed || this.restartTimer) return;
    this.options.log(`restarting (down for ${downMs} ms)`);
    this.stream.dropAllSockets();
    this.http.close((error) => {
      if (error) this.options.log(`restart: ${error.message}`);
    });
    this.http.closeAllConnections();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.closed) return;
      this.listenOn(this.boundPort).then(
        () => this.options.log('restarted'),
        (error: Error) => this.options.log(`restart failed to listen again: ${error.message}`),
      );
    }, downMs);
  }

  /** Terminates every socket and connection, clears every timer, stops listening. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.automatic.stop();
    this.writes.close();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.stream.close();
    await new Promise<void>((resolve) => {
      if (!this.http.listening) return resolve();
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }
}
