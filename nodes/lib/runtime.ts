/**
 * The one object per Node-RED runtime that everything shared lives in: the account
 * identities (sessions, subscriptions, streams, device services, write limits), the flow
 * controller, the sign-in budget and the position file. The entry (`nodes/ayla-dss.ts`) creates it and hands it to every node
 * registration; nothing of it is module state, so each test makes its own.
 */
import { DEFAULT_REQUEST_TIMEOUT_MS } from './http';
import { AccountIdentity, identityKeyOf, type AccountLogs, type AccountSettings } from './hub/account-identity';
import type { RegisterOptions, Registration, StreamListener, StreamRequest } from './hub/contract';
import type { DeviceAccess } from './hub/device-access';
import { FlowControlGroup } from './hub/flow-control-group';
import { PositionFiles } from './hub/position-files';
import type { StreamClientFactory } from './hub/shared-stream';
import type { StreamDiagnostics } from './hub/stream-hub';
import { SignInBudget } from './sign-in-budget';
import { StreamClient } from './stream';

export type { AccountSettings, AccountLogs } from './hub/account-identity';

/** An identity nobody has used for this long is forgotten (1 h): its session and found subscriptions go. */
export const IDENTITY_IDLE_MS = 60 * 60_000;

/** Options of {@link AylaDssRuntime}; every field is optional. */
export interface RuntimeOptions {
  /** Node-RED's user directory: where the stream positions are kept. Unknown = in memory. */
  userDir?: unknown;
  /** Timeout of every user-service and DSS REST request, answer included, ms; default 15000. */
  requestTimeoutMs?: number;
  /** How long a removed node's subscription waits for a re-registration before deletion, ms; default 5000. */
  deleteGraceMs?: number;
  /** ms clock; default `Date.now`. */
  now?: () => number;
  /** Creates stream clients; default `new StreamClient(options)`. */
  createClient?: StreamClientFactory;
  /** The flow controller group; default one with the default thresholds. */
  flowControl?: FlowControlGroup;
  /** Sign-in budgets; default 3 per e-mail and user service per 30 min. */
  signInBudget?: SignInBudget;
}

/** What an account node holds while it runs. */
export interface AccountLease {
  /** The identity's key (a fingerprint), shared by every account node with the same identity. */
  readonly identity: string;
  /**
   * Registers an in-node for a subscription; equal requests of the identity share one stream.
   *
   * @throws {@link ConfigError} when the request cannot work with this account
   */
  register(request: StreamRequest, listener: StreamListener, options?: RegisterOptions): Registration;
  /**
   * The device service of this account node's settings (pickers, initial values, writes),
   * shared with every account node of the identity that names the same URL.
   *
   * @throws {@link ConfigError} `NO_DEVICE_URL`, `NO_ENDPOINT` or `MISSING_CREDENTIALS`
   */
  devices(): DeviceAccess;
  /** Live streams of the identity. */
  readonly streamCount: number;
  /** The identity's streams, for diagnostics (no secrets). */
  streams(): StreamDiagnostics[];
  /** Ends the lease; the last one of an identity drains its streams and pending deletions (bounded). Idempotent. */
  release(): Promise<void>;
}

/** The runtime-wide state of the package; see the module comment. */
export class AylaDssRuntime {
  readonly signInBudget: SignInBudget;
  readonly flowControl: FlowControlGroup;
  private readonly positionFiles = new PositionFiles();
  private readonly identities = new Map<string, AccountIdentity>();
  private readonly userDir: unknown;
  private readonly services: ConstructorParameters<typeof AccountIdentity>[2];

  /** @param options - see {@link RuntimeOptions}. */
  constructor(options: RuntimeOptions = {}) {
    const now = options.now ?? Date.now;
    this.userDir = options.userDir;
    this.signInBudget = options.signInBudget ?? new SignInBudget({ now });
    this.flowControl = options.flowControl ?? new FlowControlGroup();
    this.services = {
      signInBudget: this.signInBudget,
      flowControl: this.flowControl,
      createClient: options.createClient ?? ((clientOptions) => new StreamClient(clientOptions)),
      now,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      deleteGraceMs: options.deleteGraceMs,
    };
  }

  /** Number of identities in use or remembered. */
  get identityCount(): number {
    return this.identities.size;
  }

  /**
   * Starts using an account: its identity (created on first use, shared with every account
   * node of the same identity) and the runtime's position file.
   *
   * @param warn - receives position-file problems (no secrets)
   */
  leaseAccount(settings: AccountSettings, logs: AccountLogs & { warn(line: string): void }): AccountLease {
    this.forgetIdleIdentities();
    const key = identityKeyOf(settings);
    let identity = this.identities.get(key);
    if (!identity) {
      identity = new AccountIdentity(key, settings, this.services);
      this.identities.set(key, identity);
    }
    identity.use(settings);
    const positions = this.positionFiles.lease(this.userDir, (line) => logs.warn(line));
    const user = { settings, logs, positions };
    identity.users.push(user);
    const held = identity;
    let released: Promise<void> | null = null;
    return {
      identity: key,
      register: (request, listener, options) => {
        if (released) throw new Error('the account lease was released');
        return held.hub.register(request, listener, options);
      },
      devices: () => {
        if (released) throw new Error('the account lease was released');
        return held.devices(settings.endpoints.deviceUrl);
      },
      get streamCount() {
        return held.hub.streamCount;
      },
      streams: () => held.hub.diagnostics(),
      release: () => {
        released ??= this.release(held, user);
        return released;
      },
    };
  }

  /**
   * The device service for account settings no account node runs with: the account dialog's
   * unsaved values (`docs/protocol.md` §7.7). The identity is found or created as for a lease,
   * so its session (one sign-in, the runtime's budget) is shared with any account node of the
   * same identity and with the dialog's next look-up; an identity nobody leases is forgotten
   * {@link IDENTITY_IDLE_MS} after its last look-up.
   *
   * @throws {@link ConfigError} `NO_DEVICE_URL`, `NO_ENDPOINT` or `MISSING_CREDENTIALS`
   */
  lookUpDevices(settings: AccountSettings): DeviceAccess {
    this.forgetIdleIdentities();
    const key = identityKeyOf(settings);
    let identity = this.identities.get(key);
    if (!identity) {
      identity = new AccountIdentity(key, settings, this.services);
      this.identities.set(key, identity);
    }
    identity.lastUsedAt = this.services.now();
    return identity.devices(settings.endpoints.deviceUrl);
  }

  private async release(identity: AccountIdentity, user: AccountIdentity['users'][number]): Promise<void> {
    // Leave at once: an in-node closing later in the same deploy must see an identity without
    // users (its subscription is then deleted now, not after a grace period nobody can use).
    identity.leave(user);
    identity.lastUsedAt = this.services.now();
    if (identity.users.length === 0) await identity.hub.drain();
    await user.positions.release();
  }

  private forgetIdleIdentities(): void {
    const now = this.services.now();
    for (const [key, identity] of this.identities) {
      if (identity.users.length === 0 && now - identity.lastUsedAt > IDENTITY_IDLE_MS) this.identities.delete(key);
    }
  }
}
