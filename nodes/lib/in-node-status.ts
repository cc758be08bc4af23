/**
 * The status an `ayla-<event>-in` node shows: the stream's state, how many events it sent,
 * invalid frames seen and events known lost. Words come from the message catalog through
 * `translate`; counts stay outside them so they read the same in every language.
 */
import { statusKey, type Translate } from './catalog';
import type { StreamStatus } from './hub/contract';

export type { Translate } from './catalog';

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

/** The status for a stream state and the node's counters. */
export function inNodeStatus(status: StreamStatus, counters: InNodeCounters, translate: Translate): NodeStatusShape {
  switch (status.state) {
    case 'connected': {
      // "connected · 57 events · 3 malformed · events lost 12–40".
      const parts = [counters.sent > 0 ? translate(statusKey('connected-count'), { count: counters.sent }) : translate('node-red:common.status.connected')];
      if (counters.invalid > 0) parts.push(`${counters.invalid} ${translate(statusKey('malformed'))}`);
      if (counters.lost) parts.push(`${translate(statusKey('lost'))} ${counters.lost.from}–${counters.lost.to}`);
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
      return { fill: 'red', shape: 'ring', text: translate(statusKey('auth-failed'), { code: status.code }) };
    case 'config-error':
      return { fill: 'red', shape: 'ring', text: translate(statusKey('config-error'), { code: status.code }) };
    case 'stopped':
      return { fill: 'grey', shape: 'ring', text: translate(statusKey('stopped')) };
    case 'closed':
      return { fill: 'red', shape: 'ring', text: translate('node-red:common.status.disconnected') };
    default:
      return { fill: 'yellow', shape: 'ring', text: translate('node-red:common.status.connecting') };
  }
}
