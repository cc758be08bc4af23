/**
 * The simulated DSS REST API (docs/protocol.md §4): subscriptions create / list / show /
 * delete and the OEM access rules create / list / show / delete, all behind
 * `Authorization: auth_token …`.
 */
import type { AccessRules } from './access-rules';
import { errorObject, errorString, readJsonBody, sendEmpty, sendJson, type RoutedRequest } from './http-io';
import type { StreamServer } from './stream';
import type { SubscriptionStore } from './subscriptions';
import type { UserService } from './user-service';

const SUBSCRIPTION_PATH = /^\/api\/v1\/subscriptions\/([^/]+)$/;
const ACCESS_RULE_PATH = /^\/api\/v1\/oemAccessRules\/([^/]+)$/;

/** Options for {@link DssApi}. */
export interface DssApiOptions {
  users: UserService;
  store: SubscriptionStore;
  stream: StreamServer;
  accessRules: AccessRules;
}

function numericId(text: string): number | undefined {
  return /^[0-9]{1,15}$/.test(text) ? Number(text) : undefined;
}

/** Routes for `/api/v1/…`. */
export class DssApi {
  constructor(private readonly options: DssApiOptions) {}

  /** Handles DSS REST paths; returns false for other paths. */
  async handle(request: RoutedRequest): Promise<boolean> {
    const { path } = request;
    if (!path.startsWith('/api/v1/')) return false;
    if (path === '/api/v1/oemAccessRules' || ACCESS_RULE_PATH.test(path)) return this.handleAccessRules(request);
    return this.handleSubscriptions(request);
  }

  private async handleAccessRules(request: RoutedRequest): Promise<boolean> {
    const { method, path, res } = request;
    const { users, accessRules } = this.options;
    if (path === '/api/v1/oemAccessRules') {
      if (method === 'GET') {
        users.authenticate(request.req);
        sendJson(res, 200, accessRules.list().map((rule) => ({ OemAccessRule: rule })));
        return true;
      }
      if (method === 'POST') {
        const account = users.authenticate(request.req);
        sendJson(res, 201, { OemAccessRule: accessRules.create(account, await readJsonBody(request.req)) });
        return true;
      }
      return false;
    }
    if (method !== 'GET' && method !== 'DELETE') return false;
    const account = users.authenticate(request.req);
    const id = numericId((ACCESS_RULE_PATH.exec(path) as RegExpExecArray)[1]);
    const rule = id === undefined ? undefined : accessRules.get(id);
    if (!rule) throw errorObject(404, 'Access rule not found');
    if (method === 'GET') {
      sendJson(res, 200, { OemAccessRule: rule });
      return true;
    }
    accessRules.delete(account, rule.id);
    sendEmpty(res, 204);
    return true;
  }

  private async handleSubscriptions(request: RoutedRequest): Promise<boolean> {
    const { method, path, res } = request;
    const { users, store, stream } = this.options;
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
    const id = numericId(match[1]);
    const entry = id === undefined ? undefined : store.get(id);
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
