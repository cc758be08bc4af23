/**
 * The simulated DSS WebSocket stream (docs/protocol.md §5): upgrade checks, replay from the
 * retention buffer, live events, heartbeats with the missed-answer close, optional keep-alives
 * on mobile streams, one socket per key, and the socket-level faults (drop, no heartbeats,
 * stall, refuse upgrades, raw frames). What one socket sends is {@link StreamConnection}'s job.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { HEARTBEAT_ANSWER, HEARTBEAT_FRAME, KEEPALIVE_FRAME } from '../nodes/lib/frames';
import { parseRequestUrl } from './http-io';
import { CLOSE_SEQ_END, StreamConnection } from './stream-connection';
import type { SubscriptionEntry, SubscriptionStore } from './subscriptions';

/** Close code sent to a socket replaced by a newer one on the same key (docs/protocol.md §5.7 choice). */
export const CLOSE_REPLACED = 4000;
/** Close code sent to a socket that missed too many heartbeat answers. */
export const CLOSE_MISSED_HEARTBEATS = 4001;
export { CLOSE_SEQ_END } from './stream-connection';
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
  /** Interval of `1|X` keep-alives on mobile streams, ms; 0 = none. */
  keepAliveMs: number;
  /** Default `replace`: the old socket is closed with code 4000. `refuse` answers 409 to the new one. */
  duplicateSockets: DuplicateSocketPolicy;
  log: (line: string) => void;
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

  private readonly host = { isStalled: () => this.stallTimer !== null, log: (line: string) => this.options.log(line) };

  constructor(private readonly options: StreamServerOptions) {
    options.store.onDeliver((entry) => this.connections.get(entry.record.stream_key)?.pump());
  }

  /** Number of attached sockets. */
  get socketCount(): number {
    return this.connections.size;
  }

  /** The seq of the next event the key's socket will be sent, or undefined without a socket. */
  sendCursorOf(streamKey: string): number | undefined {
    return this.connections.get(streamKey)?.sendCursor;
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
    // Without seq_start only live events; an old seq_start starts at the oldest retained event.
    const connection = new StreamConnection(socket, entry, seqStart ?? entry.log.nextSeq, seqEnd, this.host);
    // Registered before the old one closes, so the old close does not mark the key Offline.
    this.connections.set(key, connection);
    this.openConnections.add(connection);
    entry.record.connection_status = 'Online';
    if (previous) {
      this.options.log(`subscription ${entry.record.id}: a new socket replaces the old one (close ${CLOSE_REPLACED})`);
      previous.requestClose(CLOSE_REPLACED, 'replaced by a newer connection');
    }
    this.options.log(`socket attached to subscription ${entry.record.id}${seqStart !== undefined ? ` (seq_start=${seqStart})` : ''}`);

    socket.on('message', (data: RawData, isBinary: boolean) => this.onClientMessage(connection, data, isBinary));
    socket.on('error', (error) => this.options.log(`socket error on subscription ${entry.record.id}: ${error.message}`));
    socket.on('close', () => this.detach(connection));

    connection.heartbeatTimer = setInterval(() => this.heartbeatTick(connection), this.options.heartbeatMs);
    if (entry.record.client_type === 'mobile' && this.options.keepAliveMs > 0) {
      // Keep-alives need no answer. Off by default: some published collectors fail on them.
      // The heartbeats-off fault silences them too, so the stream really goes quiet.
      connection.keepAliveTimer = setInterval(() => {
        if (this.heartbeatsEnabled) connection.sendDirect(KEEPALIVE_FRAME, true);
      }, this.options.keepAliveMs);
    }
    connection.pump();
  }

  private detach(connection: StreamConnection): void {
    connection.markClosed();
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
        connection.requestClose(CLOSE_MISSED_HEARTBEATS, 'heartbeat answers missing');
        return;
      }
    }
    connection.awaitingAnswer = true;
    connection.sendDirect(HEARTBEAT_FRAME, false);
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
    if (connection) connection.requestClose(CLOSE_SEQ_END, reason);
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
    for (const connection of [...this.openConnections]) connection.pump();
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
      connection.sendDirect(frame, true);
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
