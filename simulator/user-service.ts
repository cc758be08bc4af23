/**
 * The simulated Ayla user service (docs/protocol.md §3): sign-in, refresh, sign-out, the
 * caller's profile, access tokens with an expiry, and the account lock after repeated failed
 * sign-ins.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SimulatedAccount, SimulatedApplication } from './accounts';
import { aylaTimestamp, type Clock } from './clock';
import { errorObject, errorString, errorsString, objectField, readJsonBody, sendJson, stringField, type RoutedRequest } from './http-io';

/** Failed sign-ins in a row that lock an account (Ayla: five). */
export const FAILED_SIGN_INS_BEFORE_LOCK = 5;
/** How long a locked account refuses every sign-in (Ayla: 30 minutes). */
export const ACCOUNT_LOCK_MS = 30 * 60 * 1000;

/** How long an expired access token is remembered (1 hour). */
const EXPIRED_TOKEN_MEMORY_MS = 60 * 60 * 1000;

/** Devise's answer to a missing, unknown or expired token, which Ayla's services return. */
const UNAUTHENTICATED_MESSAGE = 'You need to sign in or sign up before continuing.';

interface AccessTokenRecord {
  account: SimulatedAccount;
  expiresAtMs: number;
  refreshToken: string;
}

interface FailureRecord {
  failuresInARow: number;
  lockedUntilMs: number;
}

/** Random hex like Ayla's tokens (32 hex characters). */
function newToken(): string {
  return randomBytes(16).toString('hex');
}

/** Options for {@link UserService}. */
export interface UserServiceOptions {
  accounts: SimulatedAccount[];
  /** Applications a client may sign in through (any of them, for any account: one OEM). */
  applications: SimulatedApplication[];
  /** The OEM every account belongs to (`oem_id` in the profile). */
  oemId: string;
  /** When the accounts claim to have been created and confirmed, ms since epoch. */
  createdAtMs: number;
  /** Access-token lifetime in seconds, reported as `expires_in`. */
  tokenTtlSec: number;
  now: Clock;
  log: (line: string) => void;
}

/** Token issuing and checking, shared by every simulated service. */
export class UserService {
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  /** refresh token -> the access token issued with it. */
  private readonly refreshTokens = new Map<string, { account: SimulatedAccount; accessToken: string }>();
  private readonly failures = new Map<string, FailureRecord>();

  constructor(private readonly options: UserServiceOptions) {}

  /** Number of access tokens that are still valid now. */
  get validTokenCount(): number {
    const now = this.options.now();
    let count = 0;
    for (const record of this.accessTokens.values()) if (record.expiresAtMs > now) count++;
    return count;
  }

  /** The `expire-tokens` fault: every access token issued so far expires now; refresh tokens keep working unless `alsoRefreshTokens`. */
  expireAllTokens(alsoRefreshTokens = false): number {
    const now = this.options.now();
    for (const record of this.accessTokens.values()) record.expiresAtMs = Math.min(record.expiresAtMs, now);
    if (alsoRefreshTokens) this.refreshTokens.clear();
    return this.accessTokens.size;
  }

  /**
   * The account behind `Authorization: auth_token <token>`.
   *
   * @throws {@link HttpError} 401 when the header is missing, the token unknown or expired.
   */
  authenticate(req: IncomingMessage): SimulatedAccount {
    const header = req.headers.authorization ?? '';
    const match = /^auth_token\s+(\S+)\s*$/i.exec(header);
    if (!match) throw errorString(401, UNAUTHENTICATED_MESSAGE);
    const record = this.accessTokens.get(match[1]);
    if (!record) throw errorString(401, UNAUTHENTICATED_MESSAGE);
    if (record.expiresAtMs <= this.options.now()) throw errorString(401, 'Your access token has expired.');
    return record.account;
  }

  /** Handles `/users/*`; returns false when the path is not the user service's. */
  async handle(request: RoutedRequest): Promise<boolean> {
    if (request.method === 'GET' && request.path === '/users/get_user_profile') {
      sendJson(request.res, 200, this.profile(this.authenticate(request.req)));
      return true;
    }
    if (request.method !== 'POST') return false;
    switch (request.path) {
      case '/users/sign_in':
        sendJson(request.res, 200, this.signIn(objectField(await readJsonBody(request.req), 'user')));
        return true;
      case '/users/refresh_token':
        sendJson(request.res, 200, this.refresh(objectField(await readJsonBody(request.req), 'user')));
        return true;
      case '/users/sign_out':
        this.signOut(objectField(await readJsonBody(request.req), 'user'), request.req);
        sendJson(request.res, 200, {});
        return true;
      default:
        return false;
    }
  }

  private signIn(user: Record<string, unknown>): object {
    const application = objectField(user, 'application');
    const appId = stringField(application, 'app_id');
    const appSecret = stringField(application, 'app_secret');
    const email = (stringField(user, 'email') ?? '').trim().toLowerCase();
    const account = this.options.accounts.find((candidate) => candidate.email === email);
    // The real service checks the application before the user.
    const applicationKnown = this.options.applications.some((candidate) => candidate.appId === appId && candidate.appSecret === appSecret);
    if (!applicationKnown) throw errorObject(404, 'Could not find application');

    const now = this.options.now();
    const failure = this.failures.get(email) ?? { failuresInARow: 0, lockedUntilMs: 0 };
    if (account && failure.lockedUntilMs > now) {
      this.options.log(`sign-in refused: account ${email} is locked`);
      throw errorString(401, 'Your account is locked.');
    }
    if (!account || account.password !== stringField(user, 'password')) {
      if (account) {
        failure.failuresInARow += 1;
        if (failure.failuresInARow >= FAILED_SIGN_INS_BEFORE_LOCK) {
          failure.lockedUntilMs = now + ACCOUNT_LOCK_MS;
          failure.failuresInARow = 0;
          this.options.log(`account ${email} locked for ${ACCOUNT_LOCK_MS / 60000} min after ${FAILED_SIGN_INS_BEFORE_LOCK} failed sign-ins`);
        }
        this.failures.set(email, failure);
      }
      throw errorString(401, 'Your email or password is incorrect.');
    }
    this.failures.delete(email);
    this.options.log(`signed in ${email}`);
    return this.issueTokens(account);
  }

  /**
   * `GET /users/get_user_profile`: the caller's profile in the shape of Ayla's user-service
   * profile (names, uuid, OEM, approval and confirmation flags; address fields null).
   */
  private profile(account: SimulatedAccount): object {
    const at = aylaTimestamp(this.options.createdAtMs);
    return {
      id: account.userId,
      uuid: account.userUuid,
      email: account.email,
      firstname: account.firstname,
      lastname: account.lastname,
      oem_id: this.options.oemId,
      admin: false,
      approved: true,
      oem_approved: true,
      confirmed: true,
      confirmed_at: at,
      terms_accepted: true,
      terms_accepted_at: at,
      company: null,
      street: null,
      city: null,
      state: null,
      zip: null,
      country: null,
      phone_country_code: null,
      phone: null,
      ayla_dev_kit_num: null,
      created_at: at,
      updated_at: at,
    };
  }

  private refresh(user: Record<string, unknown>): object {
    const refreshToken = stringField(user, 'refresh_token') ?? '';
    const record = this.refreshTokens.get(refreshToken);
    if (!record) throw errorsString(422, 'Your refresh token is invalid.');
    // A refresh token is single-use: the new pair replaces it.
    this.refreshTokens.delete(refreshToken);
    return this.issueTokens(record.account);
  }

  private signOut(user: Record<string, unknown>, req: IncomingMessage): void {
    const header = /^auth_token\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const accessToken = stringField(user, 'access_token') ?? header?.[1] ?? '';
    const record = this.accessTokens.get(accessToken);
    if (!record) throw errorString(401, UNAUTHENTICATED_MESSAGE);
    this.accessTokens.delete(accessToken);
    this.refreshTokens.delete(record.refreshToken);
  }

  private issueTokens(account: SimulatedAccount): object {
    this.forgetLongExpiredTokens();
    const accessToken = newToken();
    const refreshToken = newToken();
    const ttlSec = this.options.tokenTtlSec;
    this.accessTokens.set(accessToken, { account, expiresAtMs: this.options.now() + ttlSec * 1000, refreshToken });
    this.refreshTokens.set(refreshToken, { account, accessToken });
    return { access_token: accessToken, refresh_token: refreshToken, expires_in: ttlSec, role: account.role, role_tags: [] };
  }

  /**
   * Drops access tokens that expired more than {@link EXPIRED_TOKEN_MEMORY_MS} ago, so a long run
   * with a short TTL does not grow without bound (recently expired ones are kept to answer
   * "expired" rather than "unknown").
   */
  private forgetLongExpiredTokens(): void {
    const cutoff = this.options.now() - EXPIRED_TOKEN_MEMORY_MS;
    for (const [token, record] of this.accessTokens) if (record.expiresAtMs < cutoff) this.accessTokens.delete(token);
  }
}
