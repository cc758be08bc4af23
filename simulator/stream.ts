/**
 * The simulated DSS WebSocket stream (docs/protocol.md §5): upgrade checks, replay from the
 * retention buffer, live events, heartbeats with the missed-answer close, one socket per key,
 * and the socket-level faults (drop, no heartbeats, stall, refuse upgrades, raw frames).
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { encodeFrame, HEARTBEAT_ANSWER, HEARTBEAT_FRAME, KEEPALIVE_FRAME } from '../nodes/lib/frames';
import { parseRequestUrl } from './http-io';
import type { RetainedEvent, SubscriptionEntry, SubscriptionStore } from './subscriptions';

/** Close code sent to a socket replaced by a newer one on the same key (docs/protocol.md §5.7 choice). */
export const CLOSE_REPLACED = 4000;
/** Close code sent to a socket that missed too many heartbeat answers. */
export const CLOSE_MISSED_HEARTBEATS = 4001;
/** Normal close: after the inclusive `seq_end` was sent, or when the subscription goes away. */
export const CLOSE_SEQ_END = 1000;
/** A peer that does not complete the close handshake within this long is cut off (1 s). */
const CLOSE_GRACE_MS = 1000;
/** Largest message accepted from a client (4 KiB): clients only ever send heartbeat answers. */
const MAX_CLIENT_MESSAGE_BYTES = 4 * 1024;
/** What the mobile SDKs send instead of `Z`; accepted too. */
const ECHOED_HEARTBEAT = '1|Z';

/** What happens when a second socket opens on a key that already has one. */
export type DuplicateSocketPolicy = 'replace' | 'refuse';

/** Options for {@link StreamServer}. */
export interface StreamServerOptions {
  store: SubscriptionStore;
  /** Interval between heartbeats on each socket, ms. */
  heartbeatMs: number;
  /** Unanswered heartbeats in a row after which a socket is closed (code 4001). */
  missedHeartbeats: number;
  /** Default `replace`: the old socket is closed with code 4000. `refuse` answers 409 to the new one. */
  duplicateSockets: DuplicateSocketPolicy;
  log: (line: string) => void;
}

/** One attached socket. */
class StreamConnection {
  awaitingAnswer = false;
  missedInARow = 0;
  /** Frames held back while the stream is stalled, sent in order afterwards. */
  readonly held: string[] = [];
  /** A close requested while stalled, performed after the held frames. */
  heldClose: { code: number; reason: string } | null = null;
  heartbeatTimer: NodeJS.Timeout | null = null;
  /** Mobile streams only: `1|X` keep-alives between heartbeats (docs/protocol.md §5). */
  keepAliveTimer: NodeJS.Timeout | null = null;
  graceTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly socket: WebSocket,
    readonly entry: SubscriptionEntry,
    /** Inclusive last seq wanted, when the client asked for `seq_end`. */
    readonly seqEnd: number | undefined,
  ) {}

  get streamKey(): string {
    return this.entry.record.stream_key;
  }

  clearTimers(): void {
    this.stopBeats();
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }

  /** Stops heartbeats and keep-alives (the socket is closing). */
  stopBeats(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.heartbeatTimer = null;
    this.keepAliveTimer = null;
  }
}

type UpgradeQuery = { entry: SubscriptionEntry; seqStart?: number; seqEnd?: number };

/** Answers a refused upgrade with a plain HTTP response (no WebSocket). */
function refuseUpgrade(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ error: message });
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body, 'utf8')}`,
    'Connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

function parseSeq(text: string | null): number | undefined | 'invalid' {
  if (text === null) return undefined;
  return /^[0-9]{1,15}$/.test(text) ? Number(text) : 'invalid';
}

/** The `/stream` endpoint and its sockets. */
export class StreamServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  /** The current socket of each key. */
  private readonly connections = new Map<string, StreamConnection>();
  /** Every socket not yet closed, including replaced ones still finishing their close. */
  private readonly openConnections = new Set<StreamConnection>();
  private heartbeatsEnabled = true;
  private stallTimer: NodeJS.Timeout | null = null;
  private refuseUpgradesUntilMs = 0;

  constructor(private readonly options: StreamServerOptions) {
    options.store.onDeliver((entry, event) => this.deliverLive(entry, event));
  }

  /** Number of attached sockets. */
  get socketCount(): number {
    return this.connections.size;
  }

  /** Whether a socket is attached to this key. */
  isConnected(streamKey: string): boolean {
    return this.connections.has(streamKey);
  }

  /** Handles an HTTP `upgrade` for `/stream`; anything else gets 404. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (error) => this.options.log(`upgrade socket error: ${error.message}`));
    const { path, query } = parseRequestUrl(req.url);
    if (path !== '/stream') return refuseUpgrade(socket, 404, 'Not found');
    if (Date.now() < this.refuseUpgradesUntilMs) {
      const retryAfterSec = Math.ceil((this.refuseUpgradesUntilMs - Date.now()) / 1000);
      return refuseUpgrade(socket, 503, 'Service temporarily unavailable', { 'Retry-After': String(retryAfterSec) });
    }
    const checked = this.checkQuery(query);
    if ('status' in checked) return refuseUpgrade(socket, checked.status, checked.message);
    const { entry, seqStart, seqEnd } = checked;
    if (this.options.duplicateSockets === 'refuse' && this.connections.has(entry.record.stream_key)) {
      return refuseUpgrade(socket, 409, 'This stream key already has a connection');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, entry, seqStart, seqEnd));
  }

  private checkQuery(query: URLSearchParams): UpgradeQuery | { status: number; message: string } {
    const entry = this.options.store.byStreamKey(query.get('stream_key') ?? '');
    // Unknown, deleted and suspended keys look the same to the client (docs/protocol.md §5).
    if (!entry || entry.record.is_suspended) return { status: 401, message: 'Invalid stream key' };
    const seqStart = parseSeq(query.get('seq_start'));
    const seqEnd = parseSeq(query.get('seq_end'));
    if (seqStart === 'invalid' || seqEnd === 'invalid') return { status: 400, message: 'seq_start and seq_end must be non-negative integers' };
    if (seqStart !== undefined && seqEnd !== undefined && seqEnd < seqStart) return { status: 400, message: 'seq_end is before seq_start' };
    return { entry, seqStart, seqEnd };
  }

  private attach(socket: WebSocket, entry: SubscriptionEntry, seqStart: number | undefined, seqEnd: number | undefined): void {
    const key = entry.record.stream_key;
    const previous = this.connections.get(key);
    const connection = new StreamConnection(socket, entry, seqEnd);
    // Registered before the old one closes, so the old close does not mark the key Offline.
    this.connections.set(key, connection);
    this.openConnections.add(connection);
    entry.record.connection_status = 'Online';
    if (previous) {
      this.options.log(`subscription ${entry.record.id}: a new socket replaces the old one (close ${CLOSE_REPLACED})`);
      this.closeConnection(previous, CLOSE_REPLACED, 'replaced by a newer connection');
    }
    this.options.log(`socket attached to subscription ${entry.record.id}${seqStart !== undefined ? ` (seq_start=${seqStart})` : ''}`);

    socket.on('message', (data: RawData, isBinary: boolean) => this.onClientMessage(connection, data, isBinary));
    socket.on('error', (error) => this.options.log(`socket error on subscription ${entry.record.id}: ${error.message}`));
    socket.on('close', () => this.detach(connection));

    if (seqStart !== undefined) {
      for (const event of this.options.store.retainedFrom(entry, seqStart)) {
        if (seqEnd !== undefined && event.seq > seqEnd) break;
        this.sendFrame(connection, encodeFrame(event.json));
      }
    }
    // Everything up to seq_end already exists (or was lost to retention): nothing live to wait for.
    if (seqEnd !== undefined && seqEnd < entry.nextSeq) {
      this.closeConnection(connection, CLOSE_SEQ_END, 'seq_end reached');
      return;
    }
    connection.heartbeatTimer = setInterval(() => this.heartbeatTick(connection), this.options.heartbeatMs);
    if (entry.record.client_type === 'mobile') {
      // Mobile streams also carry keep-alives, which need no answer: one every half heartbeat
      // interval. The heartbeats-off fault silences them too, so the stream really goes quiet.
      connection.keepAliveTimer = setInterval(() => {
        if (this.heartbeatsEnabled) this.sendFrame(connection, KEEPALIVE_FRAME);
      }, this.options.heartbeatMs / 2);
    }
  }

  private detach(connection: StreamConnection): void {
    connection.clearTimers();
    this.openConnections.delete(connection);
    const key = connection.streamKey;
    if (this.connections.get(key) !== connection) return;
    this.connections.delete(key);
    const record = connection.entry.record;
    record.connection_status = 'Offline';
    this.options.log(`socket on subscription ${record.id} closed`);
    // Mobile subscriptions live only as long as their socket (docs/protocol.md §4).
    if (record.client_type === 'mobile') this.options.store.delete(record.id);
  }

  private onClientMessage(connection: StreamConnection, data: RawData, isBinary: boolean): void {
    const text = isBinary ? '' : data.toString();
    if (text === HEARTBEAT_ANSWER || text === ECHOED_HEARTBEAT) {
      connection.awaitingAnswer = false;
      connection.missedInARow = 0;
      return;
    }
    this.options.log(`ignored a client message on subscription ${connection.entry.record.id} (${text.length} characters)`);
  }

  private heartbeatTick(connection: StreamConnection): void {
    // A stalled stream sends nothing, so there is nothing the client could have answered.
    if (!this.heartbeatsEnabled || this.stallTimer) return;
    if (connection.awaitingAnswer) {
      connection.missedInARow += 1;
      if (connection.missedInARow >= this.options.missedHeartbeats) {
        this.options.log(`subscription ${connection.entry.record.id}: ${connection.missedInARow} heartbeat answers missed, closing`);
        this.closeConnection(connection, CLOSE_MISSED_HEARTBEATS, 'heartbeat answers missing');
        return;
      }
    }
    connection.awaitingAnswer = true;
    this.sendFrame(connection, HEARTBEAT_FRAME);
  }

  private deliverLive(entry: SubscriptionEntry, event: RetainedEvent): void {
    const connection = this.connections.get(entry.record.stream_key);
    if (!connection || connection.heldClose) return;
    if (connection.seqEnd !== undefined && event.seq > connection.seqEnd) return;
    this.sendFrame(connection, encodeFrame(event.json));
    if (connection.seqEnd !== undefined && event.seq >= connection.seqEnd) {
      this.closeConnection(connection, CLOSE_SEQ_END, 'seq_end reached');
    }
  }

  /** Sends one text frame now, or holds it while the stream is stalled. */
  private sendFrame(connection: StreamConnection, frame: string): void {
    if (this.stallTimer) {
      connection.held.push(frame);
      return;
    }
    connection.socket.send(frame, (error) => {
      if (error) this.options.log(`send failed on subscription ${connection.entry.record.id}: ${error.message}`);
    });
  }

  /** Starts the close handshake (after held frames when stalled), cutting off a peer that does not answer it. */
  private closeConnection(connection: StreamConnection, code: number, reason: string): void {
    if (this.stallTimer) {
      connection.heldClose ??= { code, reason };
      return;
    }
    connection.stopBeats();
    connection.socket.close(code, reason);
    connection.graceTimer ??= setTimeout(() => connection.socket.terminate(), CLOSE_GRACE_MS);
  }

  /** Fault: cut every socket without a close handshake. Returns how many were dropped. */
  dropAllSockets(): number {
    const dropped = this.connections.size;
    for (const connection of [...this.openConnections]) {
      connection.socket.terminate();
      // Detached now rather than on the 'close' event, so /sim/state is right at once.
      this.detach(connection);
    }
    // Sockets upgraded but not yet attached go too.
    for (const socket of this.wss.clients) socket.terminate();
    return dropped;
  }

  /** Closes the socket of a key whose subscription was deleted or suspended (code 1000). */
  disconnectKey(streamKey: string, reason: string): void {
    const connection = this.connections.get(streamKey);
    if (connection) this.closeConnection(connection, CLOSE_SEQ_END, reason);
  }

  /** Fault: stop (false) or resume (true) heartbeats on every socket. */
  setHeartbeats(enabled: boolean): void {
    this.heartbeatsEnabled = enabled;
    // Resuming starts a fresh count: heartbeats never sent cannot have been missed.
    for (const connection of this.connections.values()) {
      connection.awaitingAnswer = false;
      connection.missedInARow = 0;
    }
  }

  /** Fault: hold every outgoing frame for `ms`, then send them in order. Extends a running stall. */
  stall(ms: number): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => this.endStall(), ms);
  }

  private endStall(): void {
    this.stallTimer = null;
    for (const connection of [...this.openConnections]) {
      for (const frame of connection.held.splice(0)) this.sendFrame(connection, frame);
      const close = connection.heldClose;
      connection.heldClose = null;
      if (close) this.closeConnection(connection, close.code, close.reason);
    }
  }

  /** Fault: answer 503 to every upgrade for `seconds`. */
  refuseUpgrades(seconds: number): void {
    this.refuseUpgradesUntilMs = Date.now() + seconds * 1000;
  }

  /** Sends a raw text frame to every socket, or to the one on `streamKey`. Returns how many got it. */
  sendRaw(frame: string, streamKey?: string): number {
    let count = 0;
    for (const connection of this.connections.values()) {
      if (streamKey !== undefined && connection.streamKey !== streamKey) continue;
      this.sendFrame(connection, frame);
      count++;
    }
    return count;
  }

  /** Terminates every socket and clears every timer. */
  close(): Promise<void> {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = null;
    this.dropAllSockets();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}
