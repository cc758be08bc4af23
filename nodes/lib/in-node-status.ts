/**
 * The status an `ayla-<event>-in` node shows: the stream's state, how many events it sent,
 * invalid frames seen, events known lost, and — once the stream has been quiet for a while —
 * how long ago the last event came. Every word comes from the message catalog through
 * `translate`: counts go in as i18next's `count` (so `key_one` / `key_other` give "1 event" /
 * "5 events" in each language), and a failure shows a short phrase for its code
 * (`statusText.<CODE>`) instead of the code itself, which stays in the node's error message.
 */
import { statusKey, statusTextKey, type Translate } from './catalog';
import type { StreamStatus } from './hub/contract';

export type { Translate } from './catalog';

/** The connected status says how long ago the last event came once the stream is this quiet (10 s). */
export const QUIET_AFTER_MS = 10_000;
/** How often a connected node looks at its stream's liveness (5 s): the hint changes at most this often. */
export const LIVENESS_REFRESH_MS = 5_000;

/** A Node-RED node status. */
export interface NodeStatusShape {
  fill: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape: 'ring' | 'dot';
  text: string;
}

/** What an in-node counted on its stream. */
export interface InNodeCounters {
  /** Messages sent. */
  sent: number;
  /** Malformed frames and invalid events seen. */
  invalid: number;
  /** The latest seqs the server could not replay, shown until redeploy. */
  lost: { from: number; to: number } | null;
}

/**
 * When the last event came, as seen by a periodic look at the sent count: the event path only
 * counts, and {@link tick} (every {@link LIVENESS_REFRESH_MS}) notes the time when the count has
 * moved. The time is therefore late by up to one period, which a hint can afford.
 */
export class LastEventClock {
  private seenCount = 0;
  private seenAt: number | null = null;

  /** The periodic look: remembers `now` when `sent` differs from the previous look. */
  tick(sent: number, now: number): void {
    if (sent === this.seenCount) return;
    this.seenCount = sent;
    this.seenAt = now;
  }

  /**
   * How long the stream has been quiet, ms; null when no event came yet, or when events came
   * since the last look (the stream is not quiet).
   */
  quietFor(sent: number, now: number): number | null {
    if (this.seenAt === null || sent !== this.seenCount) return null;
    return Math.max(0, now - this.seenAt);
  }
}

/** "last event 12 s ago" / "3 min ago" / "2 h ago", with whole units rounded down. */
function lastEventText(quietMs: number, translate: Translate): string {
  const seconds = Math.floor(quietMs / 1000);
  if (seconds < 60) return translate(statusKey('last-event-seconds'), { count: seconds });
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return translate(statusKey('last-event-minutes'), { count: minutes });
  return translate(statusKey('last-event-hours'), { count: Math.floor(minutes / 60) });
}

/**
 * The status for a stream state and the node's counters.
 *
 * @param quietMs - how long the stream has been quiet ({@link LastEventClock.quietFor}); the
 *   hint shows from {@link QUIET_AFTER_MS} on, when at least one event came
 */
export function inNodeStatus(status: StreamStatus, counters: InNodeCounters, translate: Translate, quietMs: number | null = null): NodeStatusShape {
  switch (status.state) {
    case 'connected': {
      // "connected · 57 events · 3 malformed frames ignored · events 12–40 lost · last event 20 s ago".
      const parts = [counters.sent > 0 ? translate(statusKey('connected-count'), { count: counters.sent }) : translate('node-red:common.status.connected')];
      if (counters.invalid > 0) parts.push(translate(statusKey('malformed-count'), { count: counters.invalid }));
      if (counters.lost) parts.push(translate(statusKey('lost-range'), { from: counters.lost.from, to: counters.lost.to }));
      if (counters.sent > 0 && quietMs !== null && quietMs >= QUIET_AFTER_MS) parts.push(lastEventText(quietMs, translate));
      // Yellow while some events are known to be lost: the flow is running but incomplete.
      return { fill: counters.lost ? 'yellow' : 'green', shape: 'dot', text: parts.join(' · ') };
    }
    case 'reconnecting':
      if (status.code === 'REPLACED') return { fill: 'yellow', shape: 'ring', text: translate(statusKey('replaced')) };
      return {
        fill: 'yellow',
        shape: 'ring',
        text:
          status.delayMs !== undefined
            ? translate(statusKey('reconnecting-in'), { seconds: Math.max(1, Math.ceil(status.delayMs / 1000)) })
            : translate(statusKey('reconnecting')),
      };
    case 'auth-failed':
    case 'config-error':
      return { fill: 'red', shape: 'ring', text: translate(statusTextKey(status.state, status.code)) };
    case 'stopped':
      return { fill: 'grey', shape: 'ring', text: translate(statusKey('stopped')) };
    case 'closed':
      return { fill: 'red', shape: 'ring', text: translate('node-red:common.status.disconnected') };
    default:
      return { fill: 'yellow', shape: 'ring', text: translate('node-red:common.status.connecting') };
  }
}
