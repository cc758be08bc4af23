/**
 * The loopback frame server of the side-by-side benchmark, run in a child process of its own
 * (its CPU is not the client's): a bare DSS stream endpoint (`/stream?stream_key=K[&seq_start=N]`,
 * `docs/protocol.md` §5.1) that sends nothing until the parent says `go` for a key, then sends
 * that key's frames, seq 0 (or `seq_start`) up to `count - 1`, as fast as TCP lets it or at a
 * steady rate, and records when each frame was handed to the socket (`process.hrtime`, which
 * is the same monotonic clock in every process of the machine: the parent subtracts it from
 * the sinks' arrival times for latencies).
 *
 * ws does the handshake; frames then go to the TCP socket as pre-built wire bytes (see
 * {@link wireFrameOf}). Back-pressure is TCP's: above {@link HIGH_WATER_BYTES} of unsent data the server waits for
 * the socket to drain, so a client that stops reading holds it back, as DSS would be held.
 * No heartbeats: the DIY flow could not answer them, and a round is far shorter than any grace.
 *
 * Protocol with the parent (IPC, advanced serialisation):
 * - child → parent `{ type: 'listening', port }` once, then `{ type: 'connected', key, seqStart }`
 *   for every socket that opens, and `{ type: 'sent', key, count, sendTimes? }` when a key's
 *   frames are all on their socket.
 * - parent → child `{ type: 'go', key, count, rate, timestamps }` (rate 0 = as fast as possible)
 *   and `{ type: 'forget', key }`.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { frameBytesOf } from './frame-corpus';

/** Unsent bytes above which sending waits for the socket to drain (256 KiB, about 500 frames). */
const HIGH_WATER_BYTES = 256 * 1024;
/** Bytes written per slice (one `writev`) before the server looks at the buffer and the clock again. */
const SLICE_BYTES = 64 * 1024;

/** What the parent asks for. */
export type FrameServerCommand =
  | { type: 'go'; key: string; count: number; rate: number; timestamps: boolean }
  | { type: 'forget'; key: string }
  | { type: 'rss-mark' }
  | { type: 'rss-peak' };

/** What the server tells the parent. */
export type FrameServerReport =
  | { type: 'listening'; port: number }
  | { type: 'connected'; key: string; seqStart: number | null }
  | { type: 'sent'; key: string; count: number; sendTimes: Float64Array | null }
  /** The parent's highest resident set since the last `rss-mark`, MB; null where /proc is not there. */
  | { type: 'rss'; peakMb: number | null };

/** One stream key: its socket (the latest), what to send, and how far it got. */
interface KeyState {
  socket: WebSocket | null;
  /** seq_start of the latest connect: where sending (re)starts. */
  nextSeq: number;
  count: number;
  rate: number;
  sendTimes: Float64Array | null;
  startedAt: number;
  sending: boolean;
  reported: boolean;
}

const frames: Buffer[] = [];
const keys = new Map<string, KeyState>();

function report(message: FrameServerReport): void {
  process.send?.(message);
}

/**
 * Frame `seq` as WebSocket wire bytes: an unmasked final text frame (RFC 6455 §5.2; a server
 * never masks) around `LEN|JSON`. Written straight to the TCP socket, so sending costs a
 * memcpy, not a trip through ws's framing per message: the server must never be the bottleneck.
 */
function wireFrameOf(seq: number): Buffer {
  for (let next = frames.length; next <= seq; next++) {
    const payload = frameBytesOf(next);
    let header: Buffer;
    if (payload.length < 126) header = Buffer.from([0x81, payload.length]);
    else if (payload.length < 65536) header = Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
    else throw new Error('benchmark frames stay below 64 KiB');
    frames.push(Buffer.concat([header, payload]));
  }
  return frames[seq];
}

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function stateOf(key: string): KeyState {
  let state = keys.get(key);
  if (!state) {
    state = { socket: null, nextSeq: 0, count: 0, rate: 0, sendTimes: null, startedAt: 0, sending: false, reported: false };
    keys.set(key, state);
  }
  return state;
}

/** The raw TCP socket under a ws socket: frames are written to it as pre-built wire bytes. */
function rawSocketOf(socket: WebSocket): Socket {
  return (socket as unknown as { _socket: Socket })._socket;
}

/**
 * Sends the next slice of frames of `state` (at most {@link SLICE_BYTES}, one `writev`), then
 * schedules itself again; stops when done or when its socket went.
 */
function pump(state: KeyState, key: string): void {
  const socket = state.socket;
  if (!socket || socket.readyState !== socket.OPEN) {
    state.sending = false;
    return;
  }
  const raw = rawSocketOf(socket);
  let due = state.count;
  if (state.rate > 0) due = Math.min(state.count, Math.floor(((nowMs() - state.startedAt) * state.rate) / 1000) + 1);
  const stamp = state.sendTimes ? Number(process.hrtime.bigint()) : 0;
  let bytes = 0;
  raw.cork();
  while (state.nextSeq < due && bytes < SLICE_BYTES) {
    const seq = state.nextSeq++;
    if (state.sendTimes) state.sendTimes[seq] = stamp;
    const frame = wireFrameOf(seq);
    raw.write(frame);
    bytes += frame.length;
  }
  raw.uncork();
  if (state.nextSeq >= state.count) {
    state.sending = false;
    if (!state.reported) {
      state.reported = true;
      report({ type: 'sent', key, count: state.count, sendTimes: state.sendTimes });
    }
    return;
  }
  if (raw.writableLength > HIGH_WATER_BYTES) raw.once('drain', () => pump(state, key));
  else if (state.rate > 0 && state.nextSeq >= due) setTimeout(() => pump(state, key), 1);
  else setImmediate(() => pump(state, key));
}

function start(state: KeyState, key: string): void {
  if (state.sending || state.count === 0) return;
  state.sending = true;
  pump(state, key);
}

/**
 * The parent's resident set, read from /proc every 20 ms by this process: a sampler inside the
 * parent could not run while a long event-loop turn (the very thing to catch) blocks it.
 */
function watchParentRss(): { mark(): void; peakMb(): number | null } {
  const file = `/proc/${process.ppid}/status`;
  let peakKb = 0;
  let available = true;
  const sample = () => {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(file, 'utf8'));
      if (match) peakKb = Math.max(peakKb, Number(match[1]));
    } catch {
      // Not Linux, or the parent is gone: the parent falls back to its own sampler.
      available = false;
    }
  };
  setInterval(sample, 20).unref();
  return {
    mark() {
      peakKb = 0;
      sample();
    },
    peakMb: () => (available ? peakKb / 1024 : null),
  };
}

function main(): void {
  const rss = watchParentRss();
  const http = createServer((_request, response) => {
    response.writeHead(404).end();
  });
  // No compression, no UTF-8 check of the client's (empty) messages: a server this simple is
  // what lets the client, not the server, be the bottleneck.
  const wss = new WebSocketServer({ server: http, path: '/stream', perMessageDeflate: false });
  wss.on('connection', (socket, request) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const key = url.searchParams.get('stream_key') ?? '';
    const seqStartText = url.searchParams.get('seq_start');
    const seqStart = seqStartText === null ? null : Number(seqStartText);
    const state = stateOf(key);
    state.socket?.terminate();
    state.socket = socket;
    state.sending = false;
    if (seqStart !== null) state.nextSeq = seqStart;
    socket.on('error', () => undefined /* a dropped client; its reconnect resumes */);
    socket.on('close', () => {
      if (state.socket === socket) state.socket = null;
    });
    report({ type: 'connected', key, seqStart });
    start(state, key);
  });
  process.on('message', (command: FrameServerCommand) => {
    if (command.type === 'rss-mark') {
      rss.mark();
      return;
    }
    if (command.type === 'rss-peak') {
      report({ type: 'rss', peakMb: rss.peakMb() });
      return;
    }
    if (command.type === 'forget') {
      keys.get(command.key)?.socket?.terminate();
      keys.delete(command.key);
      return;
    }
    const state = stateOf(command.key);
    state.count = command.count;
    state.rate = command.rate;
    state.reported = false;
    state.sendTimes = command.timestamps ? new Float64Array(command.count) : null;
    wireFrameOf(command.count - 1);
    state.startedAt = nowMs();
    start(state, command.key);
  });
  process.on('disconnect', () => process.exit(0));
  // Every frame a round can ask for is built before the server says it listens, so no round's
  // clock includes building frames.
  wireFrameOf(Math.max(1, Number(process.argv[2]) || 1) - 1);
  http.listen(0, '127.0.0.1', () => {
    const address = http.address();
    report({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
  });
}

if (require.main === module) main();
