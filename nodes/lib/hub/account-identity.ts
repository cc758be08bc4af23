/**
 * Everything the runtime keeps per account identity — e-mail, service URLs, client type,
 * instance label and a fingerprint of the secrets — however many `ayla-dss-account` nodes share
 * it: the user-service session (one sign-in for the DSS REST API and the device service alike),
 * the subscriptions found or created, the {@link StreamHub} of its streams, its device services
 * ({@link DeviceAccess}, one per device-service URL) and its write limit. Two account
 * nodes with the same credentials therefore share one find-or-create and one socket per
 * subscription instead of replacing each other's sockets, and a redeploy signs in again for
 * nothing.
 *
 * The secrets are part of the identity only through a one-way fingerprint: two account nodes
 * with the same e-mail but different passwords (one of them wrong) must each report their own
 * failure. A changed password costs nothing that matters: the stream positions are keyed
 * without secrets ({@link positionScopeOf}), subscriptions are found again by name, and the
 * sign-in budget is per e-mail and user service (`docs/protocol.md` §3.7).
 */
import { DeviceClient } from '../device-client';
import type { ClientType, Endpoints } from '../endpoints';
import { ConfigError } from '../errors';
import { DEFAULT_WRITE_RATE } from '../node-options';
import { fingerprint } from '../secrets';
import { Session, type Credentials } from '../session';
import type { SignInBudget } from '../sign-in-budget';
import { SubscriptionClient, type Subscription } from '../subscriptions';
import { WriteLimiter } from '../write-limiter';
import { DeviceAccess } from './device-access';
import type { FlowControlGroup } from './flow-control-group';
import type { PositionLease } from './position-files';
import type { StreamClientFactory } from './shared-stream';
import { StreamHub } from './stream-hub';

/** What an account node brings to its identity. */
export interface AccountSettings {
  endpoints: Endpoints;
  clientType: ClientType;
  /** Resolved credentials (env references expanded); null when the account has none (stream keys only). */
  credentials: Credentials | null;
  /** Seconds without any frame before a socket is declared dead, in ms. */
  heartbeatTimeoutMs: number;
  /** Goes into subscription names, so two Node-RED instances can use separate subscriptions; '' = none. */
  instanceLabel: string;
  /** Datapoint writes per second for the identity (the most recent account node's); default {@link DEFAULT_WRITE_RATE}. */
  writeRate?: number;
}

/** The log sinks of the account node(s) using an identity (no secrets are ever passed). */
export interface AccountLogs {
  debug(line: string): void;
  info(line: string): void;
}

/** What an identity needs from the runtime. */
export interface IdentityServices {
  readonly signInBudget: SignInBudget;
  readonly flowControl: FlowControlGroup;
  readonly createClient: StreamClientFactory;
  readonly now: () => number;
  /** Timeout of every user-service and DSS REST request, ms. */
  readonly requestTimeoutMs: number;
  readonly deleteGraceMs?: number;
}

/** The key of an identity: a fingerprint, so it never holds a readable e-mail, URL or secret. */
export function identityKeyOf(settings: AccountSettings): string {
  const { streamUrl, apiUrl, userUrl } = settings.endpoints;
  const c = settings.credentials;
  const secrets = c ? fingerprint(JSON.stringify([c.password, c.appId, c.appSecret])) : '';
  return fingerprint(JSON.stringify([streamUrl, apiUrl ?? '', userUrl ?? '', settings.clientType, (c?.email ?? '').toLowerCase(), settings.instanceLabel, secrets]));
}

/**
 * The prefix of the position keys of an identity's auto subscriptions: a fingerprint of what
 * makes a subscription name mean one subscription. It is the 0.1.0 formula, so positions saved
 * by 0.1.0 are still found; the instance label needs no place here because it is part of the
 * subscription names.
 */
export function positionScopeOf(settings: AccountSettings): string {
  const { streamUrl, apiUrl, userUrl } = settings.endpoints;
  return fingerprint(JSON.stringify([streamUrl, apiUrl ?? '', userUrl ?? '', settings.clientType, settings.credentials?.email ?? '']));
}

/** Per-identity state; see the module comment. */
export class AccountIdentity {
  readonly hub: StreamHub;
  readonly knownSubscriptions = new Map<string, Subscription>();
  /** Account nodes using the identity now, most recent last. */
  readonly users: Array<{ settings: AccountSettings; logs: AccountLogs; positions: PositionLease }> = [];
  /** The logs of the account node that left last: late lines (a deletion after a deploy) go there. */
  private formerLogs: AccountLogs | null = null;
  /** When the last user left (epoch ms); the runtime forgets idle identities after a while. */
  lastUsedAt: number;
  private subscriptionsClient: SubscriptionClient | null = null;
  private userSession: Session | null = null;
  private readonly deviceServices = new Map<string, DeviceAccess>();
  /** Every write of the identity passes here, whichever account node or device URL it goes through. */
  readonly writeLimiter: WriteLimiter;

  constructor(
    readonly key: string,
    private settings: AccountSettings,
    private readonly services: IdentityServices,
  ) {
    this.lastUsedAt = services.now();
    this.writeLimiter = new WriteLimiter({ rate: () => this.settings.writeRate ?? DEFAULT_WRITE_RATE, now: services.now });
    this.hub = new StreamHub(
      {
        streamUrl: settings.endpoints.streamUrl,
        mobile: settings.clientType === 'mobile',
        positionScope: positionScopeOf(settings),
        heartbeatTimeoutMs: () => this.settings.heartbeatTimeoutMs,
        subscriptionClient: () => this.subscriptionClient(),
        checkAutoPossible: () => this.checkAutoPossible(),
        knownSubscriptions: this.knownSubscriptions,
        hasUsers: () => this.users.length > 0,
        positionStore: () => this.currentUser().positions,
        flowControl: services.flowControl,
        createClient: services.createClient,
        now: services.now,
        log: (line) => this.logs()?.debug(line),
        info: (line) => this.logs()?.info(line),
      },
      services.deleteGraceMs,
    );
  }

  /**
   * Makes `settings` the ones new streams use (the most recent account node wins: two account
   * nodes of one identity may differ in their heartbeat timeout only).
   */
  use(settings: AccountSettings): void {
    this.settings = settings;
  }

  /** Removes an account node; the settings of the most recent remaining one apply. */
  leave(user: AccountIdentity['users'][number]): void {
    const index = this.users.indexOf(user);
    if (index === -1) return;
    this.users.splice(index, 1);
    this.formerLogs = user.logs;
    const latest = this.users[this.users.length - 1];
    if (latest) this.use(latest.settings);
  }

  /** The subscription REST client, created on first use with the identity's session. */
  subscriptionClient(): SubscriptionClient {
    if (this.subscriptionsClient) return this.subscriptionsClient;
    const { apiUrl } = this.checkAutoPossible();
    this.subscriptionsClient = new SubscriptionClient({ apiUrl, session: this.session(), requestTimeoutMs: this.services.requestTimeoutMs });
    return this.subscriptionsClient;
  }

  /**
   * The device service at `deviceUrl` (an account node's; two account nodes of one identity may
   * name different ones), created on first use with the identity's session and write limit.
   *
   * @throws {@link ConfigError} `NO_DEVICE_URL`, `NO_ENDPOINT` or `MISSING_CREDENTIALS`
   */
  devices(deviceUrl: string | null | undefined): DeviceAccess {
    if (!deviceUrl) throw new ConfigError('NO_DEVICE_URL', 'the account has no device-service URL');
    const known = this.deviceServices.get(deviceUrl);
    if (known) return known;
    const client = new DeviceClient({ deviceUrl, session: this.session(), requestTimeoutMs: this.services.requestTimeoutMs, now: this.services.now });
    const access = new DeviceAccess({ client, limiter: this.writeLimiter, now: this.services.now });
    this.deviceServices.set(deviceUrl, access);
    return access;
  }

  /**
   * The user-service session, created on first use: one per identity, so the streams'
   * subscriptions and the device service cost one sign-in together.
   *
   * @throws {@link ConfigError} `NO_ENDPOINT` or `MISSING_CREDENTIALS`
   */
  private session(): Session {
    if (this.userSession) return this.userSession;
    const userUrl = this.settings.endpoints.userUrl;
    if (!userUrl) throw new ConfigError('NO_ENDPOINT', 'signing in needs the user service URL');
    const credentials = this.completeCredentials();
    this.userSession = new Session({
      userUrl,
      credentials,
      requestTimeoutMs: this.services.requestTimeoutMs,
      signInGate: this.services.signInBudget.gate(credentials.email, userUrl),
    });
    return this.userSession;
  }

  private completeCredentials(): Credentials {
    const credentials = this.settings.credentials;
    if (!credentials || !credentials.email || !credentials.password || !credentials.appId || !credentials.appSecret) {
      throw new ConfigError('MISSING_CREDENTIALS', 'signing in needs e-mail, password, app id and app secret');
    }
    return credentials;
  }

  /**
   * What auto subscriptions need: both REST URLs and complete credentials.
   *
   * @throws {@link ConfigError} `NO_ENDPOINT` or `MISSING_CREDENTIALS` when auto subscriptions cannot work
   */
  checkAutoPossible(): { apiUrl: string; userUrl: string; credentials: Credentials } {
    const { apiUrl, userUrl } = this.settings.endpoints;
    if (!apiUrl || !userUrl) throw new ConfigError('NO_ENDPOINT', 'automatic subscriptions need the DSS API and user service URLs');
    const credentials = this.settings.credentials;
    if (!credentials || !credentials.email || !credentials.password || !credentials.appId || !credentials.appSecret) {
      throw new ConfigError('MISSING_CREDENTIALS', 'automatic subscriptions need e-mail, password, app id and app secret');
    }
    return { apiUrl, userUrl, credentials };
  }

  private logs(): AccountLogs | null {
    return this.users[this.users.length - 1]?.logs ?? this.formerLogs;
  }

  private currentUser(): AccountIdentity['users'][number] {
    const user = this.users[this.users.length - 1];
    if (!user) throw new ConfigError('CLOSED', 'no account node uses this account any more');
    return user;
  }
}
