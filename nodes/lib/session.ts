/**
 * A user-service session (`docs/protocol.md` §3): signs in, keeps the access token fresh, and hands
 * it to API callers.
 *
 * - One token operation at a time: any number of concurrent callers share one sign-in or
 *   refresh (single flight).
 * - Tokens are refreshed ahead of expiry; a refused refresh token (422) falls back to a new
 *   sign-in.
 * - Sign-ins are rationed: Ayla locks an account for 30 minutes after five failed sign-ins,
 *   so beyond a few attempts per window the session refuses with `SIGN_IN_THROTTLED` without
 *   touching the network. The ration is a {@link SignInGate}: the runtime shares one per
 *   e-mail and user service between every session and Test connection.
 * - Errors never contain the password, app secret, app ID or any token.
 * - Redirects are never followed: every request here carries the credentials or a token, and a
 *   user service answering 3xx would have them re-sent to another host (http.ts refuses the
 *   answer with `REDIRECT_REFUSED`).
 */
import {
  AylaApiError,
  DEFAULT_REQUEST_TIMEOUT_MS,
  badResponse,
  errorForStatus,
  joinUrl,
  readResponse,
  scrubSecrets,
  sendRequest,
  type RequestContext,
} from './http';
import { SignInBudget, type SignInGate } from './sign-in-budget';

export interface Credentials {
  email: string;
  password: string;
  appId: string;
  appSecret: string;
}

/** Refresh this long before the access token expires (10 min), as community clients do. */
export const DEFAULT_REFRESH_AHEAD_MS = 600_000;
/** At most this many sign-in attempts per {@link DEFAULT_SIGN_IN_WINDOW_MS}; Ayla locks after five failures. */
export const DEFAULT_MAX_SIGN_INS_PER_WINDOW = 3;
/** The sign-in rationing window (30 min, Ayla's lock-out period). */
export const DEFAULT_SIGN_IN_WINDOW_MS = 30 * 60_000;
/** Lifetime assumed when a sign-in answer has no usable `expires_in` (Ayla's documented 24 h). */
export const DEFAULT_TOKEN_LIFETIME_MS = 24 * 3600_000;
/** After a refresh failed for a transient reason, keep using the still-valid token this long (30 s) before trying again. */
export const REFRESH_RETRY_AFTER_MS = 30_000;

export interface SessionOptions {
  /** User-service base URL, e.g. `https://user-field.aylanetworks.com`. */
  userUrl: string;
  credentials: Credentials;
  /** Refresh the access token this many ms before it expires; default 600000 (10 min), at most half the token's lifetime. */
  refreshAheadMs?: number;
  /** Timeout per request in ms, answer body included; default 15000. */
  requestTimeoutMs?: number;
  /**
   * Admits each sign-in attempt; default: a budget of this session alone with
   * `maxSignInsPerWindow` attempts per `signInWindowMs`.
   */
  signInGate?: SignInGate;
  /** Sign-in attempts allowed per window when no gate is given; default 3. */
  maxSignInsPerWindow?: number;
  /** Length of the sign-in window in ms when no gate is given; default 1800000 (30 min). */
  signInWindowMs?: number;
  /** Clock in epoch ms; default `Date.now`. Injected by tests. */
  now?: () => number;
  /** The fetch implementation; default the global `fetch`. */
  fetch?: typeof fetch;
}

/** Extra request options accepted by {@link Session.authorizedFetch}. */
export interface AuthorizedRequestInit extends RequestInit {
  /** Overrides the session's request timeout for this call, ms. */
  timeoutMs?: number;
  /** What the call does, for error messages ("listing subscriptions"). */
  action?: string;
  /** Service name for error messages; default "the DSS API". */
  service?: string;
}

interface Tokens {
  /** Null once invalidated after a 401; the refresh token may still work. */
  accessToken: string | null;
  refreshToken: string | null;
  obtainedAt: number;
  expiresAt: number;
}

const USER_SERVICE = 'the user service';
/** How many recent tokens are kept for scrubbing messages. */
const MAX_REMEMBERED_TOKENS = 16;

/** Signed-in state for one Ayla account. See the module comment for the rules it follows. */
export class Session {
  private readonly userUrl: string;
  private readonly credentials: Credentials;
  private readonly refreshAheadMs: number;
  private readonly requestTimeoutMs: number;
  private readonly signInGate: SignInGate;
  private readonly now: () => number;
  private readonly fetchImpl?: typeof fetch;

  private tokens: Tokens | null = null;
  /** The token operation in progress, shared by every caller that needs a token meanwhile. */
  private inflight: Promise<string> | null = null;
  /** Bumped by signOut so that an operation that started before it does not store its tokens. */
  private generation = 0;
  /** No refresh retry before this time (epoch ms) after a transient refresh failure. */
  private refreshNotBefore = 0;
  /** Tokens seen by this session, so that no message ever quotes one. */
  private readonly seenTokens = new Set<string>();

  /** @param options - see {@link SessionOptions}. Nothing is sent until a token is needed. */
  constructor(options: SessionOptions) {
    this.userUrl = options.userUrl;
    this.credentials = { ...options.credentials };
    this.refreshAheadMs = Math.max(0, options.refreshAheadMs ?? DEFAULT_REFRESH_AHEAD_MS);
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
    this.signInGate =
      options.signInGate ??
      new SignInBudget({
        maxPerWindow: options.maxSignInsPerWindow ?? DEFAULT_MAX_SIGN_INS_PER_WINDOW,
        windowMs: options.signInWindowMs ?? DEFAULT_SIGN_IN_WINDOW_MS,
        now: this.now,
      }).gate(options.credentials.email, options.userUrl);
    this.fetchImpl = options.fetch;
  }

  /** True while the session holds a usable access token. */
  get signedIn(): boolean {
    return this.tokens?.accessToken != null;
  }

  /**
   * A valid access token: the cached one while it is fresh, else one obtained by refreshing
   * (or, failing that, signing in). Concurrent callers share one request.
   *
   * @throws {@link AylaApiError} BAD_CREDENTIALS, BAD_APPLICATION, SIGN_IN_THROTTLED,
   *   SERVER_ERROR, NETWORK_ERROR, TIMEOUT, BAD_RESPONSE, NO_ENDPOINT or REDIRECT_REFUSED.
   */
  getAccessToken(): Promise<string> {
    const tokens = this.tokens;
    if (tokens?.accessToken && this.isFresh(tokens)) return Promise.resolve(tokens.accessToken);
    if (!this.inflight) this.inflight = this.track(this.obtainToken());
    return this.inflight;
  }

  /**
   * Forgets `token` after the server refused it (401). The next {@link getAccessToken}
   * refreshes. A token other than the current one is ignored (someone already replaced it).
   */
  invalidate(token: string): void {
    if (this.tokens && this.tokens.accessToken === token) this.tokens = { ...this.tokens, accessToken: null };
  }

  /**
   * `fetch` with `Authorization: auth_token …` and JSON headers, retried once with a fresh
   * token when the answer is 401. The caller reads the body (use `readResponse` from http.ts
   * so that a slow body maps to TIMEOUT).
   *
   * @throws {@link AylaApiError} from {@link getAccessToken}, or NETWORK_ERROR / TIMEOUT, or
   *   REDIRECT_REFUSED for a 3xx answer (the token is never sent to the redirect's target).
   */
  async authorizedFetch(url: string, init: AuthorizedRequestInit = {}): Promise<Response> {
    const token = await this.getAccessToken();
    const first = await this.sendAuthorized(url, init, token);
    if (first.status !== 401) return first;
    // The body of the refused answer is of no use; release the connection.
    await first.body?.cancel().catch(() => undefined /* already closed: nothing to release */);
    this.invalidate(token);
    const fresh = await this.getAccessToken();
    return this.sendAuthorized(url, init, fresh);
  }

  /**
   * Signs in now, even when a token is cached (used by "Test connection"). Waits for a token
   * operation already in progress first. Counts against the sign-in ration.
   *
   * @throws {@link AylaApiError} as {@link getAccessToken}.
   */
  async signIn(): Promise<void> {
    if (this.inflight) {
      await this.inflight.catch(() => undefined /* that operation's callers get its error; we try our own */);
    }
    const operation = this.track(
      (async () => {
        const generation = this.generation;
        const tokens = await this.requestSignIn();
        if (generation === this.generation) this.tokens = tokens;
        return tokens.accessToken as string;
      })(),
    );
    this.inflight = operation;
    await operation;
  }

  /**
   * Forgets the tokens and tells the user service (best effort: a failed sign-out only means
   * the token lives until it expires). Never throws.
   */
  async signOut(): Promise<void> {
    const accessToken = this.tokens?.accessToken ?? null;
    this.tokens = null;
    this.inflight = null;
    this.generation++;
    if (!accessToken || !this.userUrl) return;
    const context = this.context('sign-out');
    try {
      const response = await sendRequest(
        joinUrl(this.userUrl, 'users/sign_out.json'),
        { method: 'POST', body: JSON.stringify({ user: { access_token: accessToken } }) },
        context,
      );
      await readResponse(response, context);
    } catch {
      // Best effort by design (see above); the caller is shutting down and cannot act on it.
    }
  }

  /** `text` with this session's credentials and every recent token replaced by `[redacted]`. */
  redact(text: string): string {
    return scrubSecrets(text, this.secrets());
  }

  private track(operation: Promise<string>): Promise<string> {
    const tracked = operation.finally(() => {
      if (this.inflight === tracked) this.inflight = null;
    });
    return tracked;
  }

  private isFresh(tokens: Tokens): boolean {
    const lifetime = tokens.expiresAt - tokens.obtainedAt;
    // A short-lived token (a simulator's, say) must not count as "due for refresh" from birth.
    const ahead = Math.min(this.refreshAheadMs, lifetime / 2);
    return this.now() < tokens.expiresAt - ahead;
  }

  private async obtainToken(): Promise<string> {
    const generation = this.generation;
    const current = this.tokens;
    let next: Tokens | null = null;
    if (current?.refreshToken) {
      const stillValid = current.accessToken !== null && this.now() < current.expiresAt;
      if (stillValid && this.now() < this.refreshNotBefore) return current.accessToken as string;
      try {
        next = await this.requestRefresh(current.refreshToken);
      } catch (error) {
        const refused = error instanceof AylaApiError && error.code === 'REFRESH_REFUSED';
        if (!refused) {
          // A transient failure while the token still works: keep using it, try again later.
          if (stillValid) {
            this.refreshNotBefore = this.now() + REFRESH_RETRY_AFTER_MS;
            return current.accessToken as string;
          }
          throw error;
        }
        // Refused refresh token: only a new sign-in helps.
      }
    }
    if (!next) next = await this.requestSignIn();
    if (generation === this.generation) {
      this.tokens = next;
      this.refreshNotBefore = 0;
    }
    return next.accessToken as string;
  }

  private secrets(): string[] {
    const { password, appId, appSecret } = this.credentials;
    return [password, appSecret, appId, ...this.seenTokens];
  }

  private context(action: string, service = USER_SERVICE, timeoutMs = this.requestTimeoutMs): RequestContext {
    return { action, service, timeoutMs, fetch: this.fetchImpl, secrets: this.secrets() };
  }

  private requireUserUrl(action: string): string {
    if (!this.userUrl) {
      throw new AylaApiError('NO_ENDPOINT', `${action}: no user-service URL is configured for this region`);
    }
    return this.userUrl;
  }

  private async requestSignIn(): Promise<Tokens> {
    const action = 'sign-in';
    const url = joinUrl(this.requireUserUrl(action), 'users/sign_in.json');
    this.signInGate.admit();
    const { email, password, appId, appSecret } = this.credentials;
    const body = { user: { email, password, application: { app_id: appId, app_secret: appSecret } } };
    const context = this.context(action);
    const answer = await readResponse(await sendRequest(url, { method: 'POST', body: JSON.stringify(body) }, context), context);
    if (!answer.ok) {
      throw errorForStatus(answer, context, { 401: 'BAD_CREDENTIALS', 404: 'BAD_APPLICATION' }, {
        BAD_CREDENTIALS: 'wrong email or password',
        BAD_APPLICATION: 'the user service does not know this app ID / app secret',
      });
    }
    return this.tokensFrom(answer.body, null, context, answer.status);
  }

  private async requestRefresh(refreshToken: string): Promise<Tokens> {
    const action = 'token refresh';
    const url = joinUrl(this.requireUserUrl(action), 'users/refresh_token.json');
    const context = this.context(action);
    const body = { user: { refresh_token: refreshToken } };
    const answer = await readResponse(await sendRequest(url, { method: 'POST', body: JSON.stringify(body) }, context), context);
    if (!answer.ok) {
      // Ayla answers 422 to a bad refresh token; a 401 means the same thing here.
      throw errorForStatus(answer, context, { 401: 'REFRESH_REFUSED', 422: 'REFRESH_REFUSED' });
    }
    return this.tokensFrom(answer.body, refreshToken, context, answer.status);
  }

  private tokensFrom(body: unknown, previousRefreshToken: string | null, context: RequestContext, status: number): Tokens {
    const record = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
    const accessToken = record.access_token;
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw badResponse(context, 'no access_token in the answer', status);
    }
    const refreshToken =
      typeof record.refresh_token === 'string' && record.refresh_token !== '' ? record.refresh_token : previousRefreshToken;
    const expiresInSec = Number(record.expires_in);
    const lifetimeMs = Number.isFinite(expiresInSec) && expiresInSec > 0 ? expiresInSec * 1000 : DEFAULT_TOKEN_LIFETIME_MS;
    this.rememberToken(accessToken);
    if (refreshToken) this.rememberToken(refreshToken);
    const now = this.now();
    return { accessToken, refreshToken, obtainedAt: now, expiresAt: now + lifetimeMs };
  }

  private rememberToken(token: string): void {
    this.seenTokens.add(token);
    // Recent tokens are enough: old ones are long expired and servers do not echo them.
    if (this.seenTokens.size > MAX_REMEMBERED_TOKENS) {
      const oldest = this.seenTokens.values().next().value;
      if (oldest !== undefined) this.seenTokens.delete(oldest);
    }
  }

  private sendAuthorized(url: string, init: AuthorizedRequestInit, token: string): Promise<Response> {
    const { timeoutMs, action, service, ...requestInit } = init;
    const headers = new Headers(requestInit.headers);
    headers.set('Authorization', `auth_token ${token}`);
    const context = this.context(action ?? `${requestInit.method ?? 'GET'} request`, service ?? 'the DSS API', timeoutMs);
    return sendRequest(url, { ...requestInit, headers }, context);
  }
}
