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

/**
 * The position record of one stream. {@link record} runs for every delivered event, so it
 * writes the store at the leading and trailing edge of an event-loop turn only: the first
 * event of a turn at once (a single event is in the store before `record` returns), the rest
 * of the turn's events as one write behind them ({@link flush} does it sooner). The file is
 * throttled to one write a second anyway; this keeps the per-event cost to a comparison.
 */
export class StreamPositions {
  /** The latest seq recorded during this turn and not yet in the store. */
  private pendingSeq: number | null = null;
  /** A trailing write is scheduled (one per turn at most). */
  private trailing = false;
  private readonly writeTrailing = () => {
    this.trailing = false;
    this.flush();
  };

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

  /**
   * Records the stream's position (the last delivered seq) after an event; null leaves it. The
   * first call of a turn writes the store at once, later ones in the same turn once behind
   * them (see the class comment).
   */
  record(seq: number | null): void {
    if (this.key === null || seq === null) return;
    if (this.trailing) {
      this.pendingSeq = seq;
      return;
    }
    this.write(seq);
    this.trailing = true;
    setImmediate(this.writeTrailing);
  }

  /** Writes a position recorded in this turn now (before the store is flushed, when the stream closes). */
  flush(): void {
    const seq = this.pendingSeq;
    this.pendingSeq = null;
    if (seq !== null) this.write(seq);
  }

  private write(seq: number): void {
    if (this.key === null) return;
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
    // A seq still pending belongs to the old subscription.
    this.pendingSeq = null;
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
    this.pendingSeq = null;
    if (this.key !== null) this.store.delete(this.key);
  }
}
