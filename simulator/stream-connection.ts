/**
 * One attached stream socket and what it sends: events read from its key's log at a cursor
 * (replay and live are the same thing, so their order is always seq order), heartbeats,
 * keep-alives and raw frames.
 *
 * Flow control: at most {@link SEND_WINDOW_FRAMES} frames are handed to the socket before the
 * OS has taken them; the rest wait in the key's log, not in memory of their own. A replay of a
 * million events, or a burst faster than the client reads, therefore costs no more memory than
 * the retention itself. A client slower than the events for longer than the retention loses
 * the oldest ones (its cursor jumps to the oldest kept event), as it would on a real server.
 */
import type { WebSocket } from 'ws';
import { encodeFrame } from '../nodes/lib/frames';
import { eventJson } from './event-log';
import type { SubscriptionEntry } from './subscriptions';

/** Frames handed to the socket and not yet taken by the OS, at most. */
export const SEND_WINDOW_FRAMES = 256;
/** Normal close: after the inclusive `seq_end` was sent, or when the subscription goes away. */
export const CLOSE_SEQ_END = 1000;
/** A peer that does not complete the close handshake within this long is cut off (1 s). */
const CLOSE_GRACE_MS = 1000;

/** Something to send once every event before `beforeSeq` has been sent (kept in order across a stall). */
interface HeldItem {
  beforeSeq: number;
  frame?: string;
  close?: { code: number; reason: string };
}

/** What a connection needs from its server. */
export interface ConnectionHost {
  /** True while the stall fault holds every outgoing frame. */
  isStalled(): boolean;
  log(line: string): void;
}

/** One attached socket. */
export class StreamConnection {
  awaitingAnswer = false;
  missedInARow = 0;
  heartbeatTimer: NodeJS.Timeout | null = null;
  /** Mobile streams only, when keep-alives are on: `1|X` between heartbeats (docs/protocol.md §5). */
  keepAliveTimer: NodeJS.Timeout | null = null;
  /** The seq of the next event to send. */
  private cursor: number;
  private inFlight = 0;
  private readonly held: HeldItem[] = [];
  private closing = false;
  private graceTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly socket: WebSocket,
    readonly entry: SubscriptionEntry,
    /** First seq to send: `seq_start` for a replay, the key's next seq for live only. */
    startSeq: number,
    /** Inclusive last seq wanted, when the client asked for `seq_end`. */
    readonly seqEnd: number | undefined,
    private readonly host: ConnectionHost,
  ) {
    this.cursor = startSeq;
  }

  get streamKey(): string {
    return this.entry.record.stream_key;
  }

  /** True once a close was started (or the socket was cut). */
  get isClosing(): boolean {
    return this.closing;
  }

  /** The seq of the next event this socket will be sent. */
  get sendCursor(): number {
    return Math.max(this.cursor, this.entry.log.firstSeq);
  }

  /**
   * Sends what is due, within the window: held frames whose turn has come and events from the
   * cursor. Called when events are published, when the socket takes frames, and after a stall.
   */
  pump(): void {
    if (this.closing || this.host.isStalled()) return;
    const log = this.entry.log;
    while (this.inFlight < SEND_WINDOW_FRAMES) {
      if (this.cursor < log.firstSeq) this.cursor = log.firstSeq;
      const limit = this.seqEnd === undefined ? log.nextSeq : Math.min(log.nextSeq, this.seqEnd + 1);
      const next = this.held[0];
      if (next !== undefined && (next.beforeSeq <= this.cursor || this.cursor >= limit)) {
        this.held.shift();
        if (next.close) return this.closeNow(next.close.code, next.close.reason);
        this.write(next.frame as string);
        continue;
      }
      if (this.cursor < limit) {
        this.write(encodeFrame(eventJson(this.cursor, log.bodyAt(this.cursor) as string)));
        this.cursor++;
        continue;
      }
      if (this.seqEnd !== undefined && this.cursor > this.seqEnd) this.closeNow(CLOSE_SEQ_END, 'seq_end reached');
      return;
    }
  }

  /**
   * Sends a frame that is not an event. `ordered` frames (keep-alives, raw frames) keep their
   * place behind events held by a stall; heartbeats do not wait behind a long replay.
   */
  sendDirect(frame: string, ordered: boolean): void {
    if (this.closing) return;
    if (this.host.isStalled() || (ordered && this.held.length > 0)) {
      this.held.push({ beforeSeq: this.entry.log.nextSeq, frame });
      this.pump();
      return;
    }
    this.write(frame);
  }

  /** Starts the close handshake; while stalled, after the frames held so far. */
  requestClose(code: number, reason: string): void {
    if (this.closing) return;
    if (this.host.isStalled()) {
      if (!this.held.some((item) => item.close)) this.held.push({ beforeSeq: this.entry.log.nextSeq, close: { code, reason } });
      return;
    }
    this.closeNow(code, reason);
  }

  /** Marks the connection gone (socket closed or cut) and clears its timers. */
  markClosed(): void {
    this.closing = true;
    this.stopBeats();
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }

  /** Stops heartbeats and keep-alives. */
  stopBeats(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.heartbeatTimer = null;
    this.keepAliveTimer = null;
  }

  private closeNow(code: number, reason: string): void {
    this.closing = true;
    this.stopBeats();
    this.socket.close(code, reason);
    // A peer that never answers the close handshake is cut off.
    this.graceTimer ??= setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
  }

  private write(frame: string): void {
    this.inFlight++;
    this.socket.send(frame, (error) => {
      this.inFlight--;
      if (error) {
        if (!this.closing) this.host.log(`send failed on subscription ${this.entry.record.id}: ${error.message}`);
        return;
      }
      this.pump();
    });
  }
}
