/**
 * An account identity's use of one device service (`docs/protocol.md` §7): what the pickers,
 * the initial values and the `ayla-datapoint-out` nodes of every account node of the identity
 * share. Reads are cached briefly and shared while in flight, at most
 * {@link MAX_CONCURRENT_READS} run at once (a fleet's initial values must not open thousands of
 * requests), and are retried by the policy of `retry-policy.ts`; writes pass the identity's
 * {@link WriteLimiter} first and are retried by the same policy, which never repeats a write
 * without an answer.
 */
import { ackOf, waitForAck, type AckResult } from '../ack-wait';
import type { DeviceClient } from '../device-client';
import type { DatapointInfo, DeviceInfo, PropertyInfo } from '../device-records';
import { runWithRetries, type AttemptResult } from '../retry-policy';
import type { WriteTarget } from '../write-value';
import type { WriteLimiter } from '../write-limiter';

/** How long a device list is reused (30 s): long enough for typing in a picker, short for a fleet that changes. */
export const DEVICE_LIST_TTL_MS = 30_000;
/** How long a device's property list is reused (30 s): its values change. */
export const PROPERTY_LIST_TTL_MS = 30_000;
/** How long a property's base type, direction and flags are reused by writes (10 min): they change only with a new template. */
export const PROPERTY_INFO_TTL_MS = 10 * 60_000;
/** Reads of one identity's device service at once (4). */
export const MAX_CONCURRENT_READS = 4;
/** Property lists and property infos kept, the oldest forgotten first. */
export const MAX_CACHED_PROPERTY_LISTS = 500;
export const MAX_CACHED_PROPERTY_INFOS = 10_000;

/** The devices of the account, sorted by product name then DSN, and when the service read them. */
export interface DeviceSnapshot {
  readonly devices: readonly DeviceInfo[];
  /** Epoch ms of the answer's `Date` header, or null. */
  readonly readAtMs: number | null;
}

/** The properties of one device, in the service's order, and when the service read them. */
export interface PropertySnapshot {
  readonly properties: readonly PropertyInfo[];
  readonly readAtMs: number | null;
}

/** A write the service accepted, and how many requests it took (retries included). */
export interface WriteResult {
  datapoint: DatapointInfo;
  attempts: number;
}

/** Options of {@link DeviceAccess}. */
export interface DeviceAccessOptions {
  client: DeviceClient;
  limiter: WriteLimiter;
  now: () => number;
  /** Jitter source of the retry backoff; default `Math.random`. */
  random?: () => number;
}

interface CacheEntry<T> {
  at: number;
  value?: T;
  pending?: Promise<T>;
}

function compareDevices(a: DeviceInfo, b: DeviceInfo): number {
  const byName = (a.productName ?? '').localeCompare(b.productName ?? '', undefined, { sensitivity: 'base' });
  return byName !== 0 ? byName : a.dsn < b.dsn ? -1 : a.dsn > b.dsn ? 1 : 0;
}

/** A value from an attempt, or its error. */
function valueOf<T>(result: AttemptResult<T>): T {
  if (result.ok) return result.value;
  throw result.error;
}

/** See the module comment. */
export class DeviceAccess {
  private deviceList: CacheEntry<DeviceSnapshot> | null = null;
  private readonly propertyLists = new Map<string, CacheEntry<PropertySnapshot>>();
  private readonly propertyInfos = new Map<string, { at: number; info: PropertyInfo }>();
  /** Property reads in flight, so a burst of writes to one property reads it once. */
  private readonly propertyReads = new Map<string, Promise<PropertyInfo>>();
  private activeReads = 0;
  private readonly waitingReads: Array<() => void> = [];

  constructor(private readonly options: DeviceAccessOptions) {}

  /** The device-service base URL. */
  get deviceUrl(): string {
    return this.options.client.deviceUrl;
  }

  /**
   * The account's devices: the cached list while younger than {@link DEVICE_LIST_TTL_MS},
   * unless `fresh`; a read in flight is shared either way.
   */
  devices(options: { fresh?: boolean } = {}): Promise<DeviceSnapshot> {
    const entry = this.deviceList;
    if (entry?.pending) return entry.pending;
    if (entry?.value && !options.fresh && this.options.now() - entry.at < DEVICE_LIST_TTL_MS) return Promise.resolve(entry.value);
    const pending = this.read(async () => {
      const { value } = await runWithRetries(() => this.options.client.listDevices(), { random: this.options.random });
      return { devices: [...value.value].sort(compareDevices), readAtMs: value.readAtMs };
    });
    const next: CacheEntry<DeviceSnapshot> = { at: this.options.now(), pending };
    this.deviceList = next;
    pending.then(
      (value) => {
        if (this.deviceList === next) this.deviceList = { at: this.options.now(), value };
      },
      () => {
        if (this.deviceList === next) this.deviceList = null;
      },
    );
    return pending;
  }

  /**
   * A device's properties, cached like {@link devices}. With `names` only those are read
   * (never from or into the list cache); their base types are remembered for writes either way.
   */
  properties(dsn: string, options: { fresh?: boolean; names?: readonly string[] } = {}): Promise<PropertySnapshot> {
    const names = options.names ?? [];
    if (names.length > 0) return this.readProperties(dsn, names);
    const entry = this.propertyLists.get(dsn);
    if (entry?.pending) return entry.pending;
    if (entry?.value && !options.fresh && this.options.now() - entry.at < PROPERTY_LIST_TTL_MS) return Promise.resolve(entry.value);
    const pending = this.readProperties(dsn, []);
    const next: CacheEntry<PropertySnapshot> = { at: this.options.now(), pending };
    this.remember(this.propertyLists, dsn, next, MAX_CACHED_PROPERTY_LISTS);
    pending.then(
      (value) => {
        if (this.propertyLists.get(dsn) === next) this.propertyLists.set(dsn, { at: this.options.now(), value });
      },
      () => {
        if (this.propertyLists.get(dsn) === next) this.propertyLists.delete(dsn);
      },
    );
    return pending;
  }

  /** One property's base type, direction and flags, read once per {@link PROPERTY_INFO_TTL_MS}. */
  property(dsn: string, name: string): Promise<PropertyInfo> {
    const key = `${dsn}\u0000${name}`;
    const known = this.propertyInfos.get(key);
    if (known && this.options.now() - known.at < PROPERTY_INFO_TTL_MS) return Promise.resolve(known.info);
    const running = this.propertyReads.get(key);
    if (running) return running;
    const read = this.read(async () => (await runWithRetries(() => this.options.client.getProperty(dsn, name), { random: this.options.random })).value);
    this.propertyReads.set(key, read);
    const done = () => this.propertyReads.delete(key);
    read.then((info) => {
      done();
      this.learn(dsn, [info]);
    }, done);
    return read;
  }

  /**
   * Writes `value` to `target` once the account's write limit allows it.
   *
   * @throws {@link DeviceError} `WRITE_RATE_LIMITED`, `DEVICE_SERVICE_BUSY`, `WRITE_OUTCOME_UNKNOWN`,
   *   `WRITE_REFUSED`, … (each with its `outcome`); the signal's reason when it aborts first
   */
  async write(target: WriteTarget, value: number | string, signal?: AbortSignal): Promise<WriteResult> {
    await this.options.limiter.acquire(signal);
    const { value: datapoint, attempts } = await runWithRetries(() => this.options.client.createDatapoint(target.dsn, target.property, value), {
      signal,
      random: this.options.random,
    });
    return { datapoint, attempts };
  }

  /**
   * The device's acknowledgement of a written datapoint (see `ack-wait.ts`); at once when the
   * write's answer already carries it.
   */
  acknowledgement(target: WriteTarget, datapoint: DatapointInfo & { id: string }, timeoutMs: number, signal?: AbortSignal): Promise<AckResult> {
    const known = ackOf(datapoint);
    if (known) return Promise.resolve(known);
    const read = async () => valueOf(await this.options.client.getDatapoint(target.dsn, target.property, datapoint.id));
    return waitForAck(read, timeoutMs, { dsn: target.dsn, property: target.property }, signal);
  }

  private async readProperties(dsn: string, names: readonly string[]): Promise<PropertySnapshot> {
    const snapshot = await this.read(async () => {
      const { value } = await runWithRetries(() => this.options.client.listProperties(dsn, names), { random: this.options.random });
      return { properties: value.value, readAtMs: value.readAtMs };
    });
    this.learn(dsn, snapshot.properties);
    return snapshot;
  }

  private learn(dsn: string, properties: readonly PropertyInfo[]): void {
    const at = this.options.now();
    for (const info of properties) this.remember(this.propertyInfos, `${dsn}\u0000${info.name}`, { at, info }, MAX_CACHED_PROPERTY_INFOS);
  }

  /** Sets `key` as the newest entry, forgetting the oldest beyond `max` (a Map keeps insertion order). */
  private remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
    map.delete(key);
    map.set(key, value);
    while (map.size > max) map.delete(map.keys().next().value as K);
  }

  /** Runs `task` when fewer than {@link MAX_CONCURRENT_READS} reads are running. */
  private async read<T>(task: () => Promise<T>): Promise<T> {
    // A finishing read hands its slot to the next waiter, so nobody can slip in between.
    if (this.activeReads >= MAX_CONCURRENT_READS) await new Promise<void>((resolve) => this.waitingReads.push(resolve));
    else this.activeReads++;
    try {
      return await task();
    } finally {
      const next = this.waitingReads.shift();
      if (next) next();
      else this.activeReads--;
    }
  }
}
