/**
 * Where one shared stream stands, in the runtime's position store (`docs/protocol.md` §9): one
 * `{ seq, subscriptionId }` record per stream, so that a reconnect, a redeploy and a restart all
 * resume after the last delivered event, and a position never outlives the subscription it
 * belongs to.
 *
 * Keys: `<scope>:<subscription name>` for auto subscriptions (the scope is a fingerprint of the
 * account's service URLs, client type and e-mail) and `key:<fingerprint>` for stream keys; never
 * a secret. Mobile subscriptions are re-created on every connect and have no position.
 */
import type { PositionStore } from '../position-file';
import { fingerprint } from '../secrets';

/** The position record of one stream. */
export class StreamPositions {
  /**
   * @param store - the runtime's position store
   * @param key - the stream's key in it, or null when the stream keeps no position (mobile)
   * @param belongsToSubscription - auto subscriptions: the position is tied to a subscription id
   */
  constructor(
    private readonly store: PositionStore,
    private readonly key: string | null,
    private readonly belongsToSubscription: boolean,
  ) {}

  /** The key of an auto subscription's position. */
  static autoKey(scope: string, subscriptionName: string): string {
    return `${scope}:${subscriptionName}`;
  }

  /** The key of a stream key's position: a fingerprint, never the key itself. */
  static streamKeyKey(streamKey: string): string {
    return `key:${fingerprint(streamKey)}`;
  }

  /**
   * The first seq to ask for when the stream starts; undefined to start live.
   *
   * @param knownSubscriptionId - the subscription this runtime already uses (auto), if any: a
   *   position of another subscription is forgotten and the stream reads the new one from 0
   */
  startSeq(knownSubscriptionId: number | null): number | undefined {
    if (this.key === null) return undefined;
    const stored = this.store.get(this.key);
    if (!stored || stored.seq === undefined) return undefined;
    if (this.belongsToSubscription && knownSubscriptionId !== null && stored.subscriptionId !== undefined && stored.subscriptionId !== knownSubscriptionId) {
      // The position belongs to a subscription that has since been replaced.
      this.store.set(this.key, { subscriptionId: knownSubscriptionId });
      return 0;
    }
    // After a restart the subscription is only found at the first connect: bind() checks it then.
    return stored.seq + 1;
  }

  /** Records the stream's position (the last delivered seq) after an event; null leaves it. */
  record(seq: number | null): void {
    if (this.key === null || seq === null) return;
    const stored = this.store.get(this.key);
    if (stored?.seq === seq) return;
    this.store.set(this.key, { ...stored, seq });
  }

  /**
   * Ties the position to `subscriptionId` (auto subscriptions). Returns true when the position
   * belonged to another, known subscription (its seq is then forgotten); false when it was
   * already this one's, or when no subscription was recorded yet (first use: the stream starts
   * live).
   */
  bind(subscriptionId: number): boolean {
    if (this.key === null || !this.belongsToSubscription) return false;
    const stored = this.store.get(this.key);
    if (stored?.subscriptionId === subscriptionId) return false;
    this.store.set(this.key, { subscriptionId });
    return stored?.subscriptionId !== undefined;
  }

  /** Sets the position to `seq` before the stream starts (keeping the subscription it belongs to). */
  override(seq: number): void {
    if (this.key === null) return;
    this.store.set(this.key, { ...this.store.get(this.key), seq });
  }

  /** Forgets the position (a deleted subscription has none worth keeping). */
  forget(): void {
    if (this.key !== null) this.store.delete(this.key);
  }
}
