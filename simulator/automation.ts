/**
 * Automatic events: `rate` events per second across all virtual devices from ONE timer (never
 * one per device, so a fleet of 50,000 idles like a fleet of 5), mostly property changes with
 * now and then a device going Offline and back, a location update or a registration change.
 *
 * How `rate` and report intervals interact: `rate` is the total. Each event goes to a device
 * drawn in proportion to 1 / `reportIntervalSec` of its model, so a model reporting every 30 s
 * gets twice the events per device of one reporting every 60 s. A device of model m therefore
 * reports on average every `reportIntervalSec(m) × naturalRate / rate` seconds, where
 * `naturalRate` = Σ over devices of 1 / `reportIntervalSec` (shown in `GET /sim/state`): at
 * `rate = naturalRate` every device reports at exactly its model's interval.
 */
import { performance } from 'node:perf_hooks';
import type { DeviceKind, DeviceRegistry, UnsequencedEvent, VirtualDevice } from './devices';
import { pickOne, type Random } from './prng';
import { nextAutomaticValue } from './values';

/** Shortest timer period (50 ms); higher rates emit several events per tick. */
const MIN_TICK_MS = 50;
/** Events a late timer may catch up on, in seconds of rate: a stalled process does not burst for minutes. */
const MAX_CATCH_UP_SEC = 1;
/** Events generated between two yields to the event loop in a burst (sockets and HTTP keep going). */
const BURST_CHUNK = 2000;
/** Share of automatic events that toggle connectivity. */
const CONNECTIVITY_SHARE = 0.04;
/** Share of automatic events that move a device. */
const LOCATION_SHARE = 0.03;
/** Share of automatic events that unregister or re-register a device. */
const REGISTRATION_SHARE = 0.01;
/** Largest automatic move, degrees (about 100 m): devices wander, they do not teleport. */
const LOCATION_STEP_DEGREES = 0.001;

/** Options for {@link AutomaticEvents}. */
export interface AutomaticEventsOptions {
  devices: DeviceRegistry;
  /** Events per second across all devices; 0 = none. */
  rate: number;
  random: Random;
  publish: (event: UnsequencedEvent) => void;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The generator of automatic events; `start()` / `stop()`, and `generate(n)` for bursts and tests. */
export class AutomaticEvents {
  private timer: NodeJS.Timeout | null = null;
  /** Set by {@link stop}: running bursts end at their next chunk. */
  private stopped = false;
  /** Events that running bursts have still to make. */
  private burstRemaining = 0;
  private lastTickMs = 0;
  /** Fractional events carried over between ticks, so odd rates average out. */
  private budget = 0;
  /** Kinds that have devices, with their cumulative share of events. */
  private readonly kinds: Array<{ kind: DeviceKind; upTo: number }> = [];
  private readonly totalWeight: number;
  /** Events per second at which every device reports at its model's interval. */
  readonly naturalRate: number;

  constructor(private readonly options: AutomaticEventsOptions) {
    let total = 0;
    for (const kind of options.devices.kinds) {
      if (kind.devices.length === 0) continue;
      total += kind.devices.length / kind.reportIntervalSec;
      this.kinds.push({ kind, upTo: total });
    }
    this.totalWeight = total;
    this.naturalRate = total;
  }

  /** Starts the single timer (no-op at rate 0 or when running). */
  start(): void {
    const { rate } = this.options;
    if (this.timer || rate <= 0) return;
    this.lastTickMs = performance.now();
    this.timer = setInterval(() => this.tick(), Math.max(MIN_TICK_MS, 1000 / rate));
  }

  /** Stops the timer and any running burst. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Events that running bursts have still to make (for `GET /sim/state`). */
  get pendingBurstEvents(): number {
    return this.burstRemaining;
  }

  /**
   * Produces `count` events as fast as possible, yielding to the event loop every
   * {@link BURST_CHUNK} events. Memory stays bounded by the retention: events wait in the stream
   * keys' logs, not in socket buffers.
   *
   * @returns how many were produced (fewer when the simulator closed meanwhile).
   */
  async generate(count: number): Promise<number> {
    this.burstRemaining += count;
    let done = 0;
    try {
      while (done < count && !this.stopped) {
        const chunkEnd = Math.min(count, done + BURST_CHUNK);
        for (; done < chunkEnd; done++) {
          this.generateOne();
          this.burstRemaining--;
        }
        if (done < count) await yieldToEventLoop();
      }
    } finally {
      this.burstRemaining -= count - done;
    }
    return done;
  }

  private tick(): void {
    const nowMs = performance.now();
    const { rate } = this.options;
    this.budget = Math.min(this.budget + (rate * (nowMs - this.lastTickMs)) / 1000, rate * MAX_CATCH_UP_SEC + 1);
    this.lastTickMs = nowMs;
    while (this.budget >= 1) {
      this.budget -= 1;
      this.generateOne();
    }
  }

  /** Produces one automatic event (and publishes it). */
  generateOne(): void {
    const { devices, random, publish } = this.options;
    const device = this.pickDevice();
    if (!device) return;
    // An unregistered or offline device first comes back, which is itself the event.
    if (!device.registered) return publish(devices.setRegistration(device, true));
    if (device.connectionStatus !== 'Online') return publish(devices.setConnectivity(device, 'Online'));

    const roll = random();
    if (roll < CONNECTIVITY_SHARE) return publish(devices.setConnectivity(device, 'Offline'));
    if (roll < CONNECTIVITY_SHARE + LOCATION_SHARE) return publish(this.wander(device));
    if (roll < CONNECTIVITY_SHARE + LOCATION_SHARE + REGISTRATION_SHARE) return publish(devices.setRegistration(device, false));

    const changing = device.kind.changing;
    if (changing.length === 0) return publish(this.wander(device));
    const property = pickOne(random, changing);
    const next = nextAutomaticValue(property, devices.valueOf(device, property), random, device.dsn);
    if (next === undefined) return;
    publish(devices.setValue(device, property, next).event);
  }

  /** A device drawn in proportion to 1 / its model's report interval. */
  private pickDevice(): VirtualDevice | undefined {
    if (this.kinds.length === 0) return undefined;
    const roll = this.options.random() * this.totalWeight;
    const chosen = this.kinds.find((entry) => roll < entry.upTo) ?? this.kinds[this.kinds.length - 1];
    return pickOne(this.options.random, chosen.kind.devices);
  }

  private wander(device: VirtualDevice): UnsequencedEvent {
    const { random, devices } = this.options;
    const step = () => Math.round((random() * 2 - 1) * LOCATION_STEP_DEGREES * 1e6) / 1e6;
    return devices.setLocation(device, device.lat + step(), device.long + step());
  }
}
