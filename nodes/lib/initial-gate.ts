/**
 * The order of initial values and live events in one in-node (`docs/protocol.md` §7.6). Per key — device and property for datapoints, device for connectivity and location — an
 * initial value comes before any live event of that key and never repeats one:
 *
 * 1. While a device's current state is being read, the node's live events of that device are
 *    held (all of them before the device list is known), in arrival order. At most
 *    {@link MAX_HELD_EVENTS} are held; beyond, the oldest is let through, and the initial value
 *    of its key is then dropped, since a live event of the key came first.
 * 2. When a device's state arrives, each of its initial values is sent, unless a live event of
 *    its key was already let through; the held events of the device follow.
 * 3. From then on, a live event of a key whose initial value was sent passes only if it is
 *    newer than that snapshot: its own time (`created_at`, `event_time`) in a later second than
 *    the device service's answer (`Date`); in the same second only with another value; with no
 *    time on either side only with another value. Older and equal events are already part of
 *    the snapshot (a resume after a restart replays them): they are dropped, so no stale value
 *    follows the current one and none is repeated. The first event that passes ends the check
 *    for its key.
 *
 * Initial values the node's filters reject are never sent but still set the snapshot of their
 * key (rule 3), so a replayed event the snapshot already covers cannot pass in their place.
 */
import type { NormalisedEvent } from './normalise';

/** Live events held at most while the state is read (1,000): beyond, the oldest is let through. */
export const MAX_HELD_EVENTS = 1000;

/** What the gate needs to know of an event or an initial value. */
export interface GateItem {
  readonly normalised: NormalisedEvent;
}

/** An initial value and whether the node's filters let it through. */
export interface InitialItem<T extends GateItem> {
  item: T;
  send: boolean;
}

interface Snapshot {
  /** The service's time of the read, or the value's own time, in whole seconds; null when neither is known. */
  second: number | null;
  value: string;
}

/** The key of an event: `dsn` NUL `property` for datapoints, the DSN otherwise. */
export function gateKeyOf(event: NormalisedEvent): string {
  return event.eventType === 'datapoint' || event.eventType === 'datapointack' ? `${event.dsn}\u0000${event.property}` : event.dsn;
}

/** An event's own time, epoch ms, or null. */
export function eventTimeOf(event: NormalisedEvent): number | null {
  let text: string | null = null;
  if (event.eventType === 'datapoint' || event.eventType === 'datapointack') text = event.createdAt ?? event.updatedAt;
  else if (event.eventType === 'connectivity') text = event.eventTime;
  else if (event.eventType === 'location') text = event.createdAt;
  const ms = text === null ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** What an event says, to compare an event with a snapshot. */
export function eventValueOf(event: NormalisedEvent): string {
  switch (event.eventType) {
    case 'datapoint':
    case 'datapointack':
      return JSON.stringify(event.value) ?? 'null';
    case 'connectivity':
      return event.status;
    case 'location':
      return `${event.lat},${event.long}`;
    case 'registration':
      return String(event.registered);
  }
}

/** See the module comment. One per in-node with `initial`. */
export class InitialGate<T extends GateItem> {
  /** Devices whose state is still being read; null = all of them (the device list is not known yet). */
  private pending: Set<string> | null = null;
  private holding = true;
  private readonly held: T[] = [];
  /** Keys a live event was let through for before their initial value came (overflow). */
  private readonly liveFirst = new Set<string>();
  private readonly snapshots = new Map<string, Snapshot>();
  /** Counters for diagnostics and tests. */
  readonly stats = { initialSent: 0, initialDropped: 0, liveDropped: 0, overflow: 0 };

  /**
   * @param deliver - sends an item (`initial` true for an initial value)
   * @param maxHeld - default {@link MAX_HELD_EVENTS}
   */
  constructor(
    private readonly deliver: (item: T, initial: boolean) => void,
    private readonly maxHeld: number = MAX_HELD_EVENTS,
  ) {}

  /** True while live events may still be held. */
  get open(): boolean {
    return this.holding;
  }

  /** A live event the node's filters accepted. */
  live(item: T): void {
    const dsn = item.normalised.dsn;
    if (this.holding && (this.pending === null || this.pending.has(dsn))) {
      this.held.push(item);
      if (this.held.length > this.maxHeld) {
        const oldest = this.held.shift() as T;
        this.stats.overflow++;
        this.liveFirst.add(gateKeyOf(oldest.normalised));
        this.deliver(oldest, false);
      }
      return;
    }
    this.pass(item);
  }

  /** The devices whose state will be resolved; held events of any other device are let through now. */
  devicesKnown(dsns: Iterable<string>): void {
    if (!this.holding) return;
    this.pending = new Set(dsns);
    this.release((dsn) => !(this.pending as Set<string>).has(dsn));
  }

  /**
   * A device's current state: its initial values (sent unless a live event of the key came
   * first, or the filters refuse them), then its held events.
   *
   * @param readAtMs - the device service's time of the read (`Date`), or null
   */
  resolve(dsn: string, initials: ReadonlyArray<InitialItem<T>>, readAtMs: number | null): void {
    if (!this.holding) return;
    this.pending?.delete(dsn);
    for (const { item, send } of initials) {
      const key = gateKeyOf(item.normalised);
      if (this.liveFirst.has(key)) {
        this.stats.initialDropped++;
        continue;
      }
      const at = readAtMs ?? eventTimeOf(item.normalised);
      this.snapshots.set(key, { second: at === null ? null : Math.floor(at / 1000), value: eventValueOf(item.normalised) });
      if (!send) continue;
      this.stats.initialSent++;
      this.deliver(item, true);
    }
    this.release((held) => held === dsn);
    if (this.pending?.size === 0) this.finish();
  }

  /** Ends holding (every state read, or the read failed): held events are let through in order. */
  finish(): void {
    if (!this.holding) return;
    this.holding = false;
    this.pending = null;
    this.release(() => true);
    this.liveFirst.clear();
  }

  /** Forgets everything; nothing is delivered any more. */
  close(): void {
    this.holding = false;
    this.held.length = 0;
    this.snapshots.clear();
    this.liveFirst.clear();
  }

  /** Lets the held events of the devices `which` accepts through, in arrival order. */
  private release(which: (dsn: string) => boolean): void {
    const keep: T[] = [];
    const go: T[] = [];
    for (const item of this.held) (which(item.normalised.dsn) ? go : keep).push(item);
    this.held.splice(0, this.held.length, ...keep);
    for (const item of go) this.pass(item);
  }

  /** Rule 3 of the module comment. */
  private pass(item: T): void {
    const key = gateKeyOf(item.normalised);
    const snapshot = this.snapshots.get(key);
    if (snapshot) {
      const at = eventTimeOf(item.normalised);
      const second = at === null ? null : Math.floor(at / 1000);
      const sameValue = eventValueOf(item.normalised) === snapshot.value;
      const covered = second === null || snapshot.second === null ? sameValue : second < snapshot.second || (second === snapshot.second && sameValue);
      if (covered) {
        this.stats.liveDropped++;
        return;
      }
      this.snapshots.delete(key);
    }
    this.deliver(item, false);
  }
}
