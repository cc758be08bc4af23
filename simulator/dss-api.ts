/**
 * The simulated DSS REST API (docs/protocol.md §4): subscriptions create / list / show / delete and
 * the OEM access rules, all behind `Authorization: auth_token …`.
 */
import { accessRulesOf, type SimulatedAccount } from './accounts';
import { aylaTimestamp } from './clock';
import { errorObject, errorString, readJsonBody, sendEmpty, sendJson, type RoutedRequest } from './http-io';
import type { StreamServer } from './stream';
import type { SubscriptionStore } from './subscriptions';
import type { UserService } from './user-service';

const SUBSCRIPTION_PATH = /^\/api\/v1\/subscriptions\/([^/]+)$/;

/** Options for {@link DssApi}. */
export interface DssApiOptions {
  users: UserService;
  store: SubscriptionStore;
  stream: StreamServer;
  accounts: readonly SimulatedAccount[];
  /** When the access rules claim to have been created. */
  startedAtMs: number;
}

/** Routes for `/api/v1/…`. */
export class DssApi {
  constructor(private readonly options: DssApiOptions) {}

  /** Handles DSS REST paths; returns false for other paths. */
  async handle(request: RoutedRequest): Promise<boolean> {
    const { method, path, res } = request;
    if (!path.startsWith('/api/v1/')) return false;
    const { users, store, stream } = this.options;

    if (path === '/api/v1/oemAccessRules' && method === 'GET') {
      users.authenticate(request.req);
      const rules = accessRulesOf(this.options.accounts, aylaTimestamp(this.options.startedAtMs));
      sendJson(res, 200, rules.map((rule) => ({ OemAccessRule: rule })));
      return true;
    }
    if (path === '/api/v1/subscriptions') {
      if (method === 'GET') {
        users.authenticate(request.req);
        sendJson(res, 200, store.list().map((entry) => ({ subscription: entry.record })));
        return true;
      }
      if (method === 'POST') {
        const account = users.authenticate(request.req);
        const entry = store.create(account, await readJsonBody(request.req));
        sendJson(res, 201, { subscription: entry.record });
        return true;
      }
      return false;
    }
    const match = SUBSCRIPTION_PATH.exec(path);
    if (!match || (method !== 'GET' && method !== 'DELETE')) return false;
    users.authenticate(request.req);
    const entry = /^[0-9]+$/.test(match[1]) ? store.get(Number(match[1])) : undefined;
    if (!entry) throw errorObject(404, 'Subscription not found');
    if (method === 'GET') {
      sendJson(res, 200, { subscription: entry.record });
      return true;
    }
    if (!store.delete(entry.record.id)) throw errorString(404, 'Subscription not found');
    stream.disconnectKey(entry.record.stream_key, 'subscription deleted');
    sendEmpty(res, 204);
    return true;
  }
}
