/**
 * The WebSocket of one stream connection: ws's events translated into the handful of things
 * {@link StreamClient} decides on, and undone again in one call, so a socket the client gave up
 * on can never call back into it.
 */
import WebSocket from 'ws';
import { HEARTBEAT_ANSWER } from './frames';
import type { StreamKeyGrant } from './stream-contract';

/** What a stream socket reports; each handler is called at most until `release()`. */
export interface StreamSocketHandlers {
  open(): void;
  /** One message, as bytes whatever form ws handed it over in. */
  message(bytes: Buffer): void;
  /** A ping or pong: the peer is alive. */
  alive(): void;
  /** The upgrade was refused with this HTTP status. */
  refused(status: number): void;
  /** ws reported an error (its `code`, e.g. WS_ERR_UNSUPPORTED_MESSAGE_LENGTH, when it has one). */
  error(error: Error & { code?: string }): void;
  /** The socket closed with this code and (UTF-8) reason. */
  closed(code: number, reason: string): void;
}

/** An open (or opening) stream socket. */
export interface StreamSocket {
  readonly socket: WebSocket;
  /** Answers a heartbeat (`docs/protocol.md` §5.3); a failed send is the socket going down, which its close reports. */
  answerHeartbeat(): void;
  /** Stops every handler; then terminates the socket. Idempotent. */
  drop(): void;
}

/** The stream URL for `key`, with `seq_start` unless `startSeq` is null (a live start). */
export function streamSocketUrl(streamUrl: string, key: string, startSeq: number | null): string {
  const url = new URL(streamUrl);
  url.searchParams.set('stream_key', key);
  if (startSeq !== null) url.searchParams.set('seq_start', String(startSeq));
  return url.toString();
}

/**
 * What `getStreamKey` answered, as a grant.
 *
 * @throws when the key is empty or `readFromSeq` is not a whole number ≥ 0
 */
export function grantOf(answer: string | StreamKeyGrant): StreamKeyGrant {
  const grant = typeof answer === 'string' ? { streamKey: answer } : answer;
  if (typeof grant?.streamKey !== 'string' || grant.streamKey.trim() === '') throw new Error('the stream key is empty');
  if (grant.readFromSeq !== undefined && !(Number.isSafeInteger(grant.readFromSeq) && grant.readFromSeq >= 0)) {
    throw new Error('readFromSeq must be a whole number >= 0');
  }
  return grant;
}

/**
 * Opens a socket to `url`. ws's own UTF-8 check is off: it would close the socket (1007) on
 * one bad frame and every resume would fetch that frame again; the frame reader checks each
 * frame itself and skips it instead (`docs/protocol.md` §5.8).
 *
 * @throws when `url` is not a usable WebSocket URL
 */
export function openStreamSocket(url: string, maxPayloadBytes: number, handlers: StreamSocketHandlers): StreamSocket {
  const socket = new WebSocket(url, { maxPayload: maxPayloadBytes, skipUTF8Validation: true });
  const onMessage = (data: WebSocket.RawData) => handlers.message(bytesOf(data));
  const onOpen = () => handlers.open();
  const onAlive = () => handlers.alive();
  const onUnexpectedResponse = (_request: unknown, response: { statusCode?: number; resume(): void }) => {
    // Drain the refusal so its socket can be released.
    response.resume();
    handlers.refused(response.statusCode ?? 0);
  };
  const onError = (error: Error & { code?: string }) => handlers.error(error);
  const onClose = (code: number, reason: Buffer) => handlers.closed(code, reason.toString('utf8'));
  socket.on('open', onOpen);
  socket.on('message', onMessage);
  socket.on('ping', onAlive);
  socket.on('pong', onAlive);
  socket.on('unexpected-response', onUnexpectedResponse);
  socket.on('error', onError);
  socket.on('close', onClose);
  let dropped = false;
  return {
    socket,
    answerHeartbeat() {
      socket.send(HEARTBEAT_ANSWER, ignoreLateSocketError);
    },
    drop() {
      if (dropped) return;
      dropped = true;
      socket.off('open', onOpen);
      socket.off('message', onMessage);
      socket.off('ping', onAlive);
      socket.off('pong', onAlive);
      socket.off('unexpected-response', onUnexpectedResponse);
      socket.off('error', onError);
      socket.off('close', onClose);
      // terminate() during the handshake makes ws emit an 'error' nobody cares about any more.
      socket.on('error', ignoreLateSocketError);
      socket.terminate();
    },
  };
}

/** Resolves when `socket` reports 'close', or after `limitMs` at the latest. */
export function waitForSocketClose(socket: WebSocket, limitMs: number): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      socket.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, limitMs);
    socket.on('close', done);
  });
}

/** The bytes of a WebSocket message, whatever form ws handed them over in. */
function bytesOf(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function ignoreLateSocketError(): void {
  // Errors from a socket the client already gave up on, or of a send on a socket going down
  // (its close reports that), carry no news.
}
