/**
 * The DSS subscription REST API (`docs/protocol.md` §4): create, list, show, delete, and
 * find-or-create by a deterministic name, so that a restarted flow reuses its subscription —
 * and with it the server's replay buffer — instead of piling up new ones.
 */
import { createHash } from 'node:crypto';
import type { ClientType } from './endpoints';
import type { EventType } from './events';
import {
  AylaApiError,
  DEFAULT_REQUEST_TIMEOUT_MS,
  badResponse,
  errorForStatus,
  joinUrl,
  readResponse,
  type AylaErrorCode,
  type ReadResponse,
  type RequestContext,
} from './http';
import type { Session } from './session';

/** A subscription as the DSS returns it; unknown fields are kept. */
export interface Subscription {
  id: number;
  name: string;
  description?: string;
  /** The stream's only credential: never log it. */
  stream_key: string;
  subscription_type: string;
  oem_model: string;
  dsn: string;
  property_name: string;
  client_type: string;
  is_suspended?: boolean;
  connection_status?: string;
  [extra: string]: unknown;
}

/** What {@link SubscriptionClient.findOrCreateWithOrigin} found, and whether it had to create it. */
export interface FoundSubscription {
  subscription: Subscription;
  created: boolean;
}

/** What to subscribe to. Lists are comma-separated, `*` means all. */
export interface SubscriptionSpec {
  eventType: EventType;
  /** `*` or a comma list of OEM models. */
  oemModel: string;
  /** `*` or a comma list of DSNs (Ayla requires DSNs when `oemModel` is `*`). */
  dsns: string;
  /** `*` or a comma list of property names; only meaningful for datapoint and datapointack. */
  properties: string;
  clientType: ClientType;
  /** The account's instance label ('' or absent = none): part of the name, so two Node-RED instances can read separate subscriptions. */
  instanceLabel?: string;
  /** Free text stored with the subscription; default: a summary of the spec. */
  description?: string;
}

/** Prefix of every subscription name this package creates. */
export const SUBSCRIPTION_NAME_PREFIX = 'node-red-ayla-dss';
/** Hex digits of the spec hash in a subscription name (40 bits: collisions are not a practical concern). */
const NAME_HASH_CHARS = 10;
/** Ayla's description field is short; keep ours well inside it. */
const MAX_DESCRIPTION_CHARS = 200;
/** DSS REST path of the subscription collection. */
const SUBSCRIPTIONS_PATH = 'api/v1/subscriptions';

/**
 * A comma list in canonical form: entries trimmed, empties dropped, duplicates removed,
 * sorted; `*` when empty or when any entry is `*` (all includes everything else).
 */
export function normaliseList(list: string): string {
  const entries = [...new Set(list.split(',').map((entry) => entry.trim()).filter((entry) => entry !== ''))];
  if (entries.length === 0 || entries.includes('*')) return '*';
  return entries.sort().join(',');
}

/** A spec whose lists are canonical, so that equivalent specs compare equal. */
export interface NormalisedSubscriptionSpec {
  eventType: EventType;
  oemModel: string;
  dsns: string;
  properties: string;
  clientType: ClientType;
}

/** Canonical form of a spec; properties become `*` for event types that carry no property. */
export function normaliseSpec(spec: SubscriptionSpec): NormalisedSubscriptionSpec {
  const hasProperties = spec.eventType === 'datapoint' || spec.eventType === 'datapointack';
  return {
    eventType: spec.eventType,
    oemModel: normaliseList(spec.oemModel ?? '*'),
    dsns: normaliseList(spec.dsns ?? '*'),
    properties: hasProperties ? normaliseList(spec.properties ?? '*') : '*',
    clientType: spec.clientType,
  };
}

/**
 * The deterministic subscription name for a spec: `node-red-ayla-dss-<type>-<hash>`, where the
 * hash covers the normalised type, models, DSNs, properties and client type. Equivalent specs
 * ("b, a" and "a,b") share a name; any real difference gives another. With an instance label
 * the name is `node-red-ayla-dss-<label>-<type>-<hash>` and the label is part of the hash too,
 * so each labelled instance finds only its own subscriptions (unlabelled names are those of
 * 0.1.0).
 */
export function subscriptionName(spec: SubscriptionSpec): string {
  const n = normaliseSpec(spec);
  const label = (spec.instanceLabel ?? '').trim();
  const fields: string[] = [n.eventType, n.oemModel, n.dsns, n.properties, n.clientType];
  if (label !== '') fields.push(label);
  const hash = createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, NAME_HASH_CHARS);
  return label === '' ? `${SUBSCRIPTION_NAME_PREFIX}-${n.eventType}-${hash}` : `${SUBSCRIPTION_NAME_PREFIX}-${label}-${n.eventType}-${hash}`;
}

/** A readable summary of a spec, used as the default description. */
export function describeSpec(spec: SubscriptionSpec): string {
  const n = normaliseSpec(spec);
  const parts = [`model ${n.oemModel}`, `dsn ${n.dsns}`];
  if (n.eventType === 'datapoint' || n.eventType === 'datapointack') parts.push(`property ${n.properties}`);
  const text = `Node-RED ayla-dss ${n.eventType} events: ${parts.join('; ')}`;
  return text.length > MAX_DESCRIPTION_CHARS ? `${text.slice(0, MAX_DESCRIPTION_CHARS - 1)}…` : text;
}

function stringField(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  return typeof value === 'string' ? value : value == null ? '' : String(value);
}

/**
 * A subscription from one element of an answer: `{"subscription":{…}}` (Ayla's shape) or the
 * bare object. Null when it has no usable numeric id.
 */
function toSubscription(raw: unknown): Subscription | null {
  if (raw === null || typeof raw !== 'object') return null;
  let record = raw as Record<string, unknown>;
  const wrapped = record.subscription;
  if (wrapped !== null && typeof wrapped === 'object' && !Array.isArray(wrapped)) record = wrapped as Record<string, unknown>;
  const id = typeof record.id === 'string' && /^[0-9]+$/.test(record.id) ? Number(record.id) : record.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) return null;
  return {
    ...record,
    id,
    name: stringField(record, 'name'),
    stream_key: stringField(record, 'stream_key'),
    subscription_type: stringField(record, 'subscription_type'),
    oem_model: stringField(record, 'oem_model'),
    dsn: stringField(record, 'dsn'),
    property_name: stringField(record, 'property_name'),
    client_type: stringField(record, 'client_type'),
  };
}

export interface SubscriptionClientOptions {
  /** DSS REST base, e.g. `https://stream-field.aylanetworks.com`. */
  apiUrl: string;
  /** Supplies tokens and retries once after a 401. */
  session: Session;
  /** Timeout per request in ms, answer included; default 15000. */
  requestTimeoutMs?: number;
}

/** Client for `/api/v1/subscriptions` on the DSS REST base. */
export class SubscriptionClient {
  private readonly apiUrl: string;
  private readonly session: Session;
  private readonly requestTimeoutMs: number;
  /** findOrCreate calls in progress, by name: two callers asking at once get one subscription. */
  private readonly pendingFinds = new Map<string, Promise<FoundSubscription>>();

  /** @param options - see {@link SubscriptionClientOptions}. */
  constructor(options: SubscriptionClientOptions) {
    this.apiUrl = options.apiUrl;
    this.session = options.session;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /**
   * Creates a subscription for `spec`, named `name` or {@link subscriptionName}(spec), with
   * `batch_size` 1 (the only framing this package understands).
   *
   * @throws {@link AylaApiError} FORBIDDEN when no OEM access rule allows it, UNAUTHORIZED,
   *   SERVER_ERROR, NETWORK_ERROR, TIMEOUT, BAD_RESPONSE, NO_ENDPOINT, REDIRECT_REFUSED (a 3xx
   *   answer: requests carrying a token are never redirected), or a session error.
   */
  async create(spec: SubscriptionSpec, name?: string): Promise<Subscription> {
    const n = normaliseSpec(spec);
    const body = {
      name: name ?? subscriptionName(spec),
      description: spec.description ?? describeSpec(spec),
      oem_model: n.oemModel,
      dsn: n.dsns,
      property_name: n.properties,
      client_type: n.clientType,
      subscription_type: n.eventType,
      batch_size: 1,
    };
    const action = `creating a ${n.eventType} subscription`;
    const { answer, context } = await this.call('POST', `${SUBSCRIPTIONS_PATH}.json`, action, {
      FORBIDDEN: `no OEM access rule allows this account to create ${n.eventType} subscriptions`,
    }, body);
    const subscription = toSubscription(answer.body);
    if (!subscription) throw badResponse(context, 'no subscription in the answer', answer.status);
    if (subscription.stream_key === '') throw badResponse(context, 'the new subscription has no stream_key', answer.status);
    return subscription;
  }

  /** Every subscription of the account. @throws {@link AylaApiError} as {@link create}. */
  async list(): Promise<Subscription[]> {
    const { answer, context } = await this.call('GET', `${SUBSCRIPTIONS_PATH}.json`, 'listing subscriptions', {
      FORBIDDEN: 'no OEM access rule allows this account to list subscriptions',
    });
    let items: unknown = answer.body;
    // Tolerate `{"subscriptions":[…]}` as well as Ayla's bare array.
    if (items !== null && typeof items === 'object' && !Array.isArray(items)) {
      items = (items as Record<string, unknown>).subscriptions;
    }
    if (!Array.isArray(items)) throw badResponse(context, 'the subscription list is not an array', answer.status);
    return items.map(toSubscription).filter((item): item is Subscription => item !== null);
  }

  /** One subscription. @throws {@link AylaApiError} NOT_FOUND when it does not exist, else as {@link create}. */
  async show(id: number): Promise<Subscription> {
    const { answer, context } = await this.call('GET', `${SUBSCRIPTIONS_PATH}/${this.idPath(id)}.json`, `reading subscription ${id}`, {
      FORBIDDEN: `no OEM access rule allows this account to read subscription ${id}`,
      NOT_FOUND: `subscription ${id} does not exist`,
    });
    const subscription = toSubscription(answer.body);
    if (!subscription) throw badResponse(context, 'no subscription in the answer', answer.status);
    return subscription;
  }

  /** Deletes a subscription (204). @throws {@link AylaApiError} NOT_FOUND when it does not exist, else as {@link create}. */
  async delete(id: number): Promise<void> {
    await this.call('DELETE', `${SUBSCRIPTIONS_PATH}/${this.idPath(id)}.json`, `deleting subscription ${id}`, {
      FORBIDDEN: `no OEM access rule allows this account to delete subscription ${id}`,
      NOT_FOUND: `subscription ${id} does not exist`,
    });
  }

  /**
   * The subscription named {@link subscriptionName}(spec), created when there is none. A
   * suspended one is not reused (its key is refused) and not deleted either (it is left for
   * the account owner to inspect); a new one is created beside it. When several match, the
   * oldest (lowest id, longest replay history) wins. Concurrent calls for the same spec share
   * one request sequence.
   *
   * @throws {@link AylaApiError} as {@link create}.
   */
  async findOrCreate(spec: SubscriptionSpec): Promise<Subscription> {
    return (await this.findOrCreateWithOrigin(spec)).subscription;
  }

  /**
   * {@link findOrCreate}, also telling whether the subscription was created by this call. A
   * stream reads a subscription it just created from seq 0: every event on it is new, and a
   * connection lost before the first event must not skip the events in between.
   */
  findOrCreateWithOrigin(spec: SubscriptionSpec): Promise<FoundSubscription> {
    const name = subscriptionName(spec);
    const pending = this.pendingFinds.get(name);
    if (pending) return pending;
    const operation = this.findOrCreateNow(spec, name).finally(() => this.pendingFinds.delete(name));
    this.pendingFinds.set(name, operation);
    return operation;
  }

  private async findOrCreateNow(spec: SubscriptionSpec, name: string): Promise<FoundSubscription> {
    const n = normaliseSpec(spec);
    const candidates = (await this.list())
      .filter(
        (item) =>
          item.name === name &&
          item.subscription_type === n.eventType &&
          (item.client_type === '' || item.client_type === n.clientType) &&
          item.is_suspended !== true,
      )
      .sort((a, b) => a.id - b.id);
    const found = candidates[0];
    if (!found) return { subscription: await this.create(spec, name), created: true };
    // Some servers leave the key out of list answers; the single-item answer has it.
    return { subscription: found.stream_key === '' ? await this.show(found.id) : found, created: false };
  }

  private idPath(id: number): string {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw new AylaApiError('NOT_FOUND', `"${String(id)}" is not a subscription id`);
    }
    return String(id);
  }

  private async call(
    method: string,
    path: string,
    action: string,
    wording: Partial<Record<AylaErrorCode, string>>,
    body?: unknown,
  ): Promise<{ answer: ReadResponse; context: RequestContext }> {
    const context: RequestContext = {
      action,
      service: 'the DSS API',
      timeoutMs: this.requestTimeoutMs,
      redact: (text) => this.session.redact(text),
    };
    if (!this.apiUrl) throw new AylaApiError('NO_ENDPOINT', `${action}: no DSS API URL is configured for this region`);
    const response = await this.session.authorizedFetch(joinUrl(this.apiUrl, path), {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: this.requestTimeoutMs,
      action,
      service: context.service,
    });
    const answer = await readResponse(response, context);
    if (!answer.ok) {
      throw errorForStatus(answer, context, {}, {
        UNAUTHORIZED: 'the DSS refused the access token, even a freshly obtained one',
        SERVER_ERROR: 'the DSS failed',
        ...wording,
      });
    }
    if (answer.notJson) throw badResponse(context, 'the answer is not JSON', answer.status);
    return { answer, context };
  }
}
