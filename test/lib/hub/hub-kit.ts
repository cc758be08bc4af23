/**
 * Test doubles for the hub: a stream client that a test drives by hand (no socket), a
 * subscription API that records calls and can hold a find-or-create open, listeners that record
 * what they get, and a {@link StreamHub} wired to them with a fake clock.
 */
import { EventEmitter } from 'node:events';
import { EVENT_TYPES, type AylaEvent, type EventType } from '../../../nodes/lib/events';
import { FlowControlGroup } from '../../../nodes/lib/hub/flow-control-group';
import type { StreamListener, StreamProblem, StreamRequest, StreamStatus } from '../../../nodes/lib/hub/contract';
import type { SubscriptionApi } from '../../../nodes/lib/hub/shared-stream';
import { StreamHub } from '../../../nodes/lib/hub/stream-hub';
import type { NormalisedEvent } from '../../../nodes/lib/normalise';
import { MemoryPositionStore } from '../../../nodes/lib/position-file';
import type { StreamClient, StreamClientOptions } from '../../../nodes/lib/stream';
import { subscriptionName, type FoundSubscription, type Subscription, type SubscriptionSpec } from '../../../nodes/lib/subscriptions';

/** A stream client driven by the test: `connect()` asks for the key, `emitEvent()` delivers. */
export class FakeStreamClient extends EventEmitter {
  readonly stats = { frames: 0, events: 0, heartbeats: 0, duplicates: 0, invalid: 0, lengthMismatches: 0, reconnects: 0 };
  state = 'closed';
  position: number | null = null;
  paused = false;
  started = false;
  closed = false;

  constructor(readonly options: StreamClientOptions) {
    super();
  }

  start(): void {
    this.started = true;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.state = 'closed';
    this.emit('state', { state: 'closed' });
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Asks for the stream key as a connect would, then reports the socket open. */
  async connect(): Promise<unknown> {
    const grant = await this.options.getStreamKey();
    this.state = 'open';
    this.emit('state', { state: 'open' });
    return grant;
  }

  emitEvent(event: AylaEvent): void {
    const seq = Number(event.seq);
    this.position = seq;
    this.emit('event', { event, seq, json: JSON.stringify(event) });
  }
}

/** A datapoint event of `dsn`. */
export function datapoint(seq: number, dsn = 'AC000W000000001', value: unknown = 1): AylaEvent {
  return {
    seq: String(seq),
    metadata: { oem_id: 'oem1', oem_model: 'thermo', dsn, property_name: 'temp', display_name: 'Temp', base_type: 'integer', event_type: 'datapoint' },
    datapoint: { id: `dp${seq}`, created_at_from_device: null, updated_at: '2026-01-01T00:00:00Z', created_at: '2026-01-01T00:00:00Z', echo: false, closed: false, value, metadata: {} },
  } as unknown as AylaEvent;
}

/** A subscription API in memory; `holdFinds` keeps find-or-create pending until released. */
export class FakeSubscriptions implements SubscriptionApi {
  readonly subscriptions: Subscription[] = [];
  readonly calls: string[] = [];
  holdFinds = false;
  private held: Array<() => void> = [];
  private nextId = 100;

  async create(spec: SubscriptionSpec, name?: string): Promise<Subscription> {
    this.calls.push('create');
    const subscription = {
      id: this.nextId++,
      name: name ?? subscriptionName(spec),
      stream_key: `key-${this.nextId}`,
      subscription_type: spec.eventType,
      oem_model: spec.oemModel,
      dsn: spec.dsns,
      property_name: spec.properties,
      client_type: spec.clientType,
    } as Subscription;
    this.subscriptions.push(subscription);
    return subscription;
  }

  async list(): Promise<Subscription[]> {
    this.calls.push('list');
    return [...this.subscriptions];
  }

  async delete(id: number): Promise<void> {
    this.calls.push(`delete ${id}`);
    const index = this.subscriptions.findIndex((s) => s.id === id);
    if (index !== -1) this.subscriptions.splice(index, 1);
  }

  async findOrCreateWithOrigin(spec: SubscriptionSpec): Promise<FoundSubscription> {
    this.calls.push('find');
    if (this.holdFinds) await new Promise<void>((resolve) => this.held.push(resolve));
    const name = subscriptionName(spec);
    const found = this.subscriptions.find((s) => s.name === name);
    return found ? { subscription: found, created: false } : { subscription: await this.create(spec, name), created: true };
  }

  releaseFinds(): void {
    this.holdFinds = false;
    for (const resolve of this.held.splice(0)) resolve();
  }
}

/** A listener recording what it gets; `accept` decides its filter. */
export class RecordingListener implements StreamListener {
  readonly delivered: Array<{ normalised: NormalisedEvent; raw: AylaEvent }> = [];
  readonly offered: NormalisedEvent[] = [];
  readonly statuses: StreamStatus[] = [];
  readonly problems: StreamProblem[] = [];

  constructor(
    readonly eventType: EventType = 'datapoint',
    private readonly accept: (event: NormalisedEvent) => boolean = () => true,
  ) {}

  accepts(event: NormalisedEvent): boolean {
    this.offered.push(event);
    return this.accept(event);
  }

  deliver(normalised: NormalisedEvent, raw: AylaEvent): void {
    this.delivered.push({ normalised, raw });
  }

  status(status: StreamStatus): void {
    this.statuses.push(status);
  }

  problem(problem: StreamProblem): void {
    this.problems.push(problem);
  }
}

/** An auto datapoint request for `dsns`. */
export function autoRequest(dsns = 'AC000W000000001', eventType: EventType = 'datapoint'): StreamRequest {
  return { source: 'auto', spec: { eventType, oemModel: 'thermo', dsns, properties: '*', clientType: 'cloud' } };
}

/** A hub wired to fakes: every client it creates is in `clients`. */
export function hubWithFakes(options: { deleteGraceMs?: number; now?: () => number; hasUsers?: () => boolean } = {}) {
  const clients: FakeStreamClient[] = [];
  const subscriptions = new FakeSubscriptions();
  const positions = new MemoryPositionStore();
  const logs: string[] = [];
  const hub = new StreamHub(
    {
      streamUrl: 'ws://127.0.0.1:1/stream',
      mobile: false,
      positionScope: 'scope',
      heartbeatTimeoutMs: () => 90_000,
      subscriptionClient: () => subscriptions,
      checkAutoPossible: () => undefined,
      knownSubscriptions: new Map(),
      hasUsers: options.hasUsers ?? (() => true),
      positionStore: () => ({ store: positions, ready: Promise.resolve() }),
      flowControl: new FlowControlGroup(),
      createClient: (clientOptions) => {
        const client = new FakeStreamClient(clientOptions);
        clients.push(client);
        return client as unknown as StreamClient;
      },
      now: options.now ?? Date.now,
      log: (line) => logs.push(line),
      info: (line) => logs.push(line),
    },
    options.deleteGraceMs,
  );
  return { hub, clients, subscriptions, positions, logs };
}

export { EVENT_TYPES };
