/**
 * Automatic events: `rate` events per second across all virtual devices, from ONE timer
 * (not one per device), mostly property changes with now and then a device going Offline and
 * back, a location update or a registration change.
 */
import type { DeviceRegistry, UnsequencedEvent, VirtualDevice } from './devices';
import { nextAutomaticValue } from './devices';
import { pickOne, type Random } from './prng';

/** Shortest timer period (50 ms); higher rates emit several events per tick. */
const MIN_TICK_MS = 50;
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

/** The generator of automatic events; `start()` / `stop()`, and `generateOne()` for tests. */
export class AutomaticEvents {
  private timer: NodeJS.Timeout | null = null;
  /** Fractional events carried over between ticks, so odd rates average out. */
  private budget = 0;

  constructor(private readonly options: AutomaticEventsOptions) {}

  /** Starts the single timer (no-op at rate 0 or when running). */
  start(): void {
    if (this.timer || this.options.rate <= 0) return;
    const tickMs = Math.max(MIN_TICK_MS, 1000 / this.options.rate);
    this.timer = setInterval(() => {
      this.budget += (this.options.rate * tickMs) / 1000;
      while (this.budget >= 1) {
        this.budget -= 1;
        this.generateOne();
      }
    }, tickMs);
  }

  /** Stops the timer. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Produces one automatic event (and publishes it). */
  generateOne(): void {
    const { devices, random, publish } = this.options;
    const all = devices.list();
    if (all.length === 0) return;
    const device = pickOne(random, all);
    // An unregistered or offline device first comes back, which is itself the event.
    if (!device.registered) return publish(devices.setRegistration(device, true));
    if (device.connectionStatus !== 'Online') return publish(devices.setConnectivity(device, 'Online'));

    const roll = random();
    if (roll < CONNECTIVITY_SHARE) return publish(devices.setConnectivity(device, 'Offline'));
    if (roll < CONNECTIVITY_SHARE + LOCATION_SHARE) return publish(this.wander(device));
    if (roll < CONNECTIVITY_SHARE + LOCATION_SHARE + REGISTRATION_SHARE) return publish(devices.setRegistration(device, false));

    const changing = device.model.properties.filter((property) => (property.behaviour?.kind ?? 'static') !== 'static');
    if (changing.length === 0) return publish(this.wander(device));
    const property = pickOne(random, changing);
    const current = device.values.get(property.name) ?? property.value;
    const next = nextAutomaticValue(property, current as number | string, random, device.dsn);
    if (next === undefined) return;
    publish(devices.setValue(device, property, next).event);
  }

  private wander(device: VirtualDevice): UnsequencedEvent {
    const { random, devices } = this.options;
    const step = () => Math.round((random() * 2 - 1) * LOCATION_STEP_DEGREES * 1e6) / 1e6;
    return devices.setLocation(device, device.lat + step(), device.long + step());
  }
}
