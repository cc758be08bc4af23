/**
 * DSS subscriptions as the simulated cloud keeps them (docs/protocol.md §4, §5): the records,
 * their filters, and per stream key the `seq` counter and the retention buffer used for replay.
 *
 * Events are routed to every matching subscription whether or not a socket is attached, so a
 * client that reconnects with `seq_start` gets what it missed.
 */
import { randomBytes } from 'node:crypto';
import { EVENT_TYPES, type EventMetadata } from '../nodes/lib/events';
import type { SimulatedAccount } from './accounts';
import { aylaTimestamp, type Clock } from './clock';
import type { AccessRules } from './access-rules';
import type { UnsequencedEvent } from './devices';
import { EventLog } from './event-log';
import { errorObject, errorsString } from './http-io';

/** A subscription exactly as the REST API shows it (key order as in Ayla's example). */
export interface SubscriptionRecord {
  id: number;
  oem: string;
  dsn: string;
  name: string;
  description: string;
  property_name: string;
  connection_status: 'Online' | 'Offline';
  batch_size: number;
  is_suspended: boolean;
  created_at: string;
  updated_at: string;
  date_suspended: string | null;
  user_uuid: string;
  oem_model: string;
  stream_key: string;
  client_type: 'cloud' | 'mobile';
  subscription_type: string;
}

/** A subscription with its stream bookkeeping. */
export interface SubscriptionEntry {
  readonly record: SubscriptionRecord;
  readonly filters: SubscriptionFilters;
  /** The seq counter and the last `retention` events of this key. */
  readonly log: EventLog;
}

/** Called for every event routed to a subscription, after it is stored in the entry's log. */
export type DeliveryListener = (entry: SubscriptionEntry, seq: number) => void;

/** First id handed out, so ids look like Ayla's five-digit ones. */
const FIRST_SUBSCRIPTION_ID = 50155;

/** One subscription filter parsed once: undefined selects everything (`*` or empty). */
type ParsedFilter = ReadonlySet<string> | undefined;

/** A subscription filter, `*` (or empty) or a comma-separated list, parsed for matching. */
export function parseFilter(list: string): ParsedFilter {
  const items = list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length === 0 || items.includes('*') ? undefined : new Set(items);
}

/** A subscription's filters, parsed once when it is created (events are matched against every one). */
export interface SubscriptionFilters {
  types: ParsedFilter;
  models: ParsedFilter;
  dsns: ParsedFilter;
  properties: ParsedFilter;
}

function selects(filter: ParsedFilter, value: string | undefined): boolean {
  return filter === undefined || (value !== undefined && filter.has(value));
}

/** Whether an event with this metadata belongs on the subscription's stream. */
export function subscriptionMatches(filters: SubscriptionFilters, metadata: EventMetadata): boolean {
  if (!selects(filters.types, metadata.event_type)) return false;
  if (!selects(filters.models, metadata.oem_model)) return false;
  if (!selects(filters.dsns, metadata.dsn)) return false;
  // property_name only narrows events that have a property.
  if (metadata.event_type === 'datapoint' || metadata.event_type === 'datapointack') return selects(filters.properties, metadata.property_name);
  return true;
}

function textField(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (typeof value === 'string') return value.trim();
  return undefined;
}

/** Options for {@link SubscriptionStore}. */
export interface SubscriptionStoreOptions {
  oemId: string;
  /** Events kept per stream key for replay. */
  retention: number;
  /** Decides which roles may subscribe to what (403 otherwise). */
  accessRules: AccessRules;
  now: Clock;
  log: (line: string) => void;
}

/** All subscriptions of the simulated OEM and the events routed to them. */
export class SubscriptionStore {
  private readonly entries = new Map<number, SubscriptionEntry>();
  private readonly byKey = new Map<string, SubscriptionEntry>();
  private readonly listeners: DeliveryListener[] = [];
  private nextId = FIRST_SUBSCRIPTION_ID;

  constructor(private readonly options: SubscriptionStoreOptions) {}

  /** Registers a listener for routed events (the stream server). */
  onDeliver(listener: DeliveryListener): void {
    this.listeners.push(listener);
  }

  /**
   * Creates a subscription from a REST body (wrapped in `subscription` or flat).
   *
   * @throws HttpError 422 for an invalid body, 403 when no access rule of the
   *   account's role covers the subscription type.
   */
  create(account: SimulatedAccount, body: Record<string, unknown>): SubscriptionEntry {
    const wrapped = body.subscription;
    const fields = wrapped !== null && typeof wrapped === 'object' && !Array.isArray(wrapped) ? (wrapped as Record<string, unknown>) : body;
    const clientType = textField(fields, 'client_type') || 'cloud';
    if (clientType !== 'cloud' && clientType !== 'mobile') throw errorsString(422, 'client_type must be cloud or mobile');
    const types = (textField(fields, 'subscription_type') ?? '')
      .split(',')
      .map((type) => type.trim())
      .filter((type) => type !== '');
    if (types.length === 0) throw errorsString(422, "subscription_type can't be blank");
    const unknown = types.find((type) => !(EVENT_TYPES as readonly string[]).includes(type));
    if (unknown !== undefined) throw errorsString(422, `subscription_type ${unknown} is not one of ${EVENT_TYPES.join(', ')}`);
    if (clientType === 'cloud' && types.length > 1) throw errorsString(422, 'a cloud subscription carries exactly one subscription_type');
    const oemModel = textField(fields, 'oem_model') || '*';
    const propertyName = textField(fields, 'property_name') || '*';
    const denied = types.find((type) => !this.options.accessRules.allows(account, { subscriptionType: type, oemModel, propertyName }));
    if (denied !== undefined) {
      this.options.log(`403: role ${account.role} has no access rule for ${denied} subscriptions of ${oemModel}`);
      throw errorObject(403, `No OEM access rule allows ${account.role} to subscribe to ${denied} events`);
    }
    let dsn = textField(fields, 'dsn') ?? '';
    // Mobile: an omitted dsn means all of the user's devices. Cloud: DSNs are required with
    // oem_model '*', and '*' is not a list of DSNs (docs/protocol.md §4.2).
    if (clientType === 'cloud' && oemModel === '*' && (dsn === '' || dsn === '*')) throw errorsString(422, "dsn can't be blank or * when oem_model is *");
    if (dsn === '') dsn = '*';
    const batchSize = fields.batch_size === undefined ? 1 : Number(fields.batch_size);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw errorsString(422, 'batch_size must be a positive integer');
    const at = aylaTimestamp(this.options.now());
    const record: SubscriptionRecord = {
      id: this.nextId++,
      oem: this.options.oemId,
      dsn,
      name: textField(fields, 'name') || `subscription-${this.nextId - 1}`,
      description: textField(fields, 'description') ?? '',
      property_name: propertyName,
      connection_status: 'Offline',
      batch_size: batchSize,
      is_suspended: false,
      created_at: at,
      updated_at: at,
      date_suspended: null,
      user_uuid: account.userUuid,
      oem_model: oemModel,
      stream_key: randomBytes(16).toString('hex'),
      client_type: clientType,
      subscription_type: types.join(','),
    };
    const filters = { types: parseFilter(record.subscription_type), models: parseFilter(record.oem_model), dsns: parseFilter(record.dsn), properties: parseFilter(record.property_name) };
    const entry: SubscriptionEntry = { record, filters, log: new EventLog(this.options.retention) };
    this.entries.set(record.id, entry);
    this.byKey.set(record.stream_key, entry);
    this.options.log(`subscription ${record.id} created (${record.subscription_type}, key ${record.stream_key.slice(0, 4)}…)`);
    return entry;
  }

  /** Every subscription, oldest first. */
  list(): SubscriptionEntry[] {
    return [...this.entries.values()];
  }

  /** The subscription with this id, if it exists. */
  get(id: number): SubscriptionEntry | undefined {
    return this.entries.get(id);
  }

  /** The subscription owning this stream key, if it exists. */
  byStreamKey(streamKey: string): SubscriptionEntry | undefined {
    return this.byKey.get(streamKey);
  }

  /** Deletes a subscription; its key stops working at once. Returns false when unknown. */
  delete(id: number): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.entries.delete(id);
    this.byKey.delete(entry.record.stream_key);
    this.options.log(`subscription ${id} deleted`);
    return true;
  }

  /** Suspends or resumes a subscription (a suspended key is refused on upgrade). */
  setSuspended(entry: SubscriptionEntry, suspended: boolean): void {
    entry.record.is_suspended = suspended;
    entry.record.date_suspended = suspended ? aylaTimestamp(this.options.now()) : null;
    entry.record.updated_at = aylaTimestamp(this.options.now());
  }

  /**
   * Routes an event to every matching subscription: assigns the next seq of each key, stores
   * it in the key's log and tells the listeners.
   *
   * @returns where it went, in subscription order.
   */
  publish(event: UnsequencedEvent): Array<{ subscriptionId: number; seq: number }> {
    const delivered: Array<{ subscriptionId: number; seq: number }> = [];
    // Serialised once, and only when some subscription wants it; every key stores the same string.
    let body: string | undefined;
    for (const entry of this.entries.values()) {
      if (!subscriptionMatches(entry.filters, event.metadata)) continue;
      body ??= eventBody(event);
      const seq = entry.log.append(body);
      delivered.push({ subscriptionId: entry.record.id, seq });
      for (const listener of this.listeners) listener(entry, seq);
    }
    return delivered;
  }
}

/** An event's JSON without `seq` and without its opening `{` (what {@link EventLog} keeps). */
function eventBody(event: UnsequencedEvent): string {
  // Only injected events can carry a seq of their own; copying every event would cost a burst dearly.
  if (!('seq' in event)) return JSON.stringify(event).slice(1);
  const { seq: _ignored, ...withoutSeq } = event as UnsequencedEvent & { seq?: unknown };
  return JSON.stringify(withoutSeq).slice(1);
}
