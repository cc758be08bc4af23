/**
 * One sign-in budget per e-mail address and user-service host for the whole Node-RED runtime
 * (`docs/protocol.md` §3): Ayla locks an account for 30 minutes after five failed sign-ins, so
 * every sign-in — a session's, after a redeploy, with a new password, or Test connection's —
 * draws from the same small allowance, and an exhausted budget says when the next attempt is
 * possible instead of touching the network.
 */
import { AylaApiError } from './http';

/** Sign-in attempts allowed per e-mail and user service in {@link SIGN_IN_WINDOW_MS} (3). */
export const MAX_SIGN_INS_PER_WINDOW = 3;
/** The budget window (30 min, Ayla's lock-out period). */
export const SIGN_IN_WINDOW_MS = 30 * 60_000;

/** Something that admits or refuses one sign-in attempt. */
export interface SignInGate {
  /**
   * Records an attempt about to be made.
   *
   * @throws {@link AylaApiError} `SIGN_IN_THROTTLED` with `retryAfterMs` when the budget is spent
   */
  admit(): void;
}

/** Options of {@link SignInBudget}. */
export interface SignInBudgetOptions {
  /** Default {@link MAX_SIGN_INS_PER_WINDOW}. */
  maxPerWindow?: number;
  /** Default {@link SIGN_IN_WINDOW_MS}. */
  windowMs?: number;
  /** ms clock; default `Date.now`. */
  now?: () => number;
}

/** The budget of one e-mail and user service; see {@link SignInBudget.state}. */
export interface SignInBudgetState {
  /** Sign-ins allowed now, before the budget is spent. */
  attemptsLeft: number;
  /** Sign-ins allowed per window. */
  maxAttempts: number;
  /** The window, ms. */
  windowMs: number;
  /** Until the next sign-in may be made, ms; 0 when one may be made now. */
  waitMs: number;
}

/** The sign-in budgets of one runtime, by e-mail and user-service host. */
export class SignInBudget {
  private readonly attempts = new Map<string, number[]>();
  private readonly maxPerWindow: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  /** @param options - see {@link SignInBudgetOptions}. */
  constructor(options: SignInBudgetOptions = {}) {
    this.maxPerWindow = Math.max(1, options.maxPerWindow ?? MAX_SIGN_INS_PER_WINDOW);
    this.windowMs = options.windowMs ?? SIGN_IN_WINDOW_MS;
    this.now = options.now ?? Date.now;
  }

  /** The gate of `email` at the user service `userUrl` (the host decides; case does not). */
  gate(email: string, userUrl: string): SignInGate {
    const key = JSON.stringify([email.trim().toLowerCase(), hostOf(userUrl)]);
    return { admit: () => this.admit(key) };
  }

  /** Milliseconds until `email` at `userUrl` may sign in again; 0 when it may now. */
  waitMs(email: string, userUrl: string): number {
    return this.state(email, userUrl).waitMs;
  }

  /** What is left of the budget of `email` at `userUrl`, for diagnostics. */
  state(email: string, userUrl: string): SignInBudgetState {
    const key = JSON.stringify([email.trim().toLowerCase(), hostOf(userUrl)]);
    const recent = this.recent(key);
    const attemptsLeft = Math.max(0, this.maxPerWindow - recent.length);
    return {
      attemptsLeft,
      maxAttempts: this.maxPerWindow,
      windowMs: this.windowMs,
      waitMs: attemptsLeft > 0 ? 0 : Math.max(0, recent[0] + this.windowMs - this.now()),
    };
  }

  private recent(key: string): number[] {
    const now = this.now();
    const recent = (this.attempts.get(key) ?? []).filter((at) => now - at < this.windowMs);
    if (recent.length === 0) this.attempts.delete(key);
    else this.attempts.set(key, recent);
    return recent;
  }

  private admit(key: string): void {
    const recent = this.recent(key);
    if (recent.length >= this.maxPerWindow) {
      const retryAfterMs = recent[0] + this.windowMs - this.now();
      const minutes = Math.max(1, Math.ceil(retryAfterMs / 60_000));
      throw new AylaApiError(
        'SIGN_IN_THROTTLED',
        `sign-in not attempted: already ${recent.length} attempts in the last ${Math.round(this.windowMs / 60_000)} minutes ` +
          `(Ayla locks an account after five failures); next attempt allowed in about ${minutes} minute${minutes === 1 ? '' : 's'}`,
        { retryAfterMs },
      );
    }
    recent.push(this.now());
    this.attempts.set(key, recent);
  }
}

/** The host of a URL (lower case), or the text itself when it is not a URL. */
function hostOf(url: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    // Not a URL: still a usable, stable budget key.
    return url.trim().toLowerCase();
  }
}
