/**
 * What the in-nodes and the hub say to each other: the request an in-node registers, the
 * listener it hands over, and the statuses and problems it is told about. Types only.
 */
import type { AylaEvent, EventType } from '../events';
import type { NormalisedEvent } from '../normalise';
import type { SubscriptionSpec } from '../subscriptions';

/** What an in-node asks for: an auto subscription (found or created by spec) or an existing stream key. */
export type StreamRequest =
  | { source: 'auto'; spec: SubscriptionSpec }
  | { source: 'key'; eventType: EventType; streamKey: string };

/** The connection state pushed to every listener of a stream. `code` is a catalog error code. */
export type StreamStatus =
  | { state: 'connecting' }
  | { state: 'connected' }
  /** `code` REPLACED: another client reads this subscription and the stream waits minutes before taking it back. */
  | { state: 'reconnecting'; delayMs?: number; attempt?: number; code?: string }
  | { state: 'auth-failed'; code: string }
  | { state: 'config-error'; code: string }
  /** The node was told to stop (control input, or `autoStart` off): no stream, position kept. */
  | { state: 'stopped' }
  | { state: 'closed' };

/** Something a listener should report through `node.error` / `node.warn`. Never carries a secret. */
export interface StreamProblem {
  /** `error` goes to node.error (Catch nodes), `warn` to node.warn. */
  level: 'error' | 'warn';
  /** A catalog error code (a {@link CodedError}'s code, or GAP, SEQ_JUMP, UNEXPECTED_EVENT_TYPE, SUPPRESSED…). */
  code: string;
  /** The underlying error (its message never holds a secret; it is not shown verbatim to users). */
  error?: Error;
  /** Parameters for the catalog text: excerpt, seq, expected, last, missing, count, eventType… */
  params: Record<string, string | number>;
  /** A malformed frame or invalid event: listeners count it (their status shows the count). */
  invalid?: true;
  /** Count it or show it in the status, do not log it: the report cap of the window was reached. */
  silent?: true;
}

/** One registered in-node, as the hub sees it. */
export interface StreamListener {
  readonly eventType: EventType;
  /**
   * Whether this listener wants an event of its type. Called exactly once per event, before
   * anything is copied, with the shared normalised event: it must not keep or change it.
   */
  accepts(event: NormalisedEvent): boolean;
  /** An accepted event; `normalised` and `raw` belong to this listener alone (copies when shared). */
  deliver(normalised: NormalisedEvent, raw: AylaEvent): void;
  status(status: StreamStatus): void;
  problem(problem: StreamProblem): void;
}

/** How a registration starts its stream. */
export interface RegisterOptions {
  /**
   * Read after this seq when the registration starts the stream (the stream is new): a standby
   * taking over from the last seq the active instance published. Ignored when the stream is
   * already running for other nodes.
   */
  startAfterSeq?: number;
}

/** Returned by a registration. */
export interface Registration {
  /** Stops delivery. `removed` = the node was deleted from the flow (auto subscriptions may then be deleted). Idempotent. */
  release(removed: boolean): void;
}
