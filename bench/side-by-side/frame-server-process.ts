/**
 * The parent's handle on the frame server child (`frame-server.ts`): starts it, waits for a
 * key's socket to open, tells it to send, and collects its send times.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { FrameServerCommand, FrameServerReport } from './frame-server';

/** How long the child may take to listen (ts-node compiles on start). */
const START_TIMEOUT_MS = 60_000;

/** A running frame server. */
export interface FrameServer {
  /** `ws://127.0.0.1:<port>/stream` */
  streamUrl: string;
  pid: number;
  /** Resolves when a socket for `key` is open (now or later), with the `seq_start` it asked for. */
  connected(key: string, timeoutMs: number): Promise<number | null>;
  /** Sends seq 0 (or the socket's `seq_start`) … `count - 1` on `key`; rate 0 = as fast as TCP allows. */
  go(key: string, count: number, rate: number, timestamps: boolean): void;
  /** Resolves when every frame of `key` was handed to its socket, with the send times when asked for. */
  sent(key: string): Promise<Float64Array | null>;
  /** Drops `key`'s socket and state. */
  forget(key: string): void;
  /** Starts a new window for {@link rssPeakMb}. */
  markRss(): void;
  /** This process's highest resident set since {@link markRss}, MB, as the server sampled it from /proc; null when it cannot. */
  rssPeakMb(): Promise<number | null>;
  close(): Promise<void>;
}

/** Starts the frame server in a child process, with frames `0 … maxFrames - 1` built in advance. */
export async function startFrameServer(maxFrames: number): Promise<FrameServer> {
  const child = fork(join(__dirname, 'frame-server.ts'), [String(maxFrames)], {
    execArgv: ['-r', join(__dirname, '..', 'register.js')],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);
  const connectedKeys = new Map<string, number | null>();
  const connectWaiters = new Map<string, Array<(seqStart: number | null) => void>>();
  const sentKeys = new Map<string, Float64Array | null>();
  const sentWaiters = new Map<string, Array<(times: Float64Array | null) => void>>();
  const rssWaiters: Array<(peakMb: number | null) => void> = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the frame server did not start')), START_TIMEOUT_MS);
    child.on('message', (message: FrameServerReport) => {
      if (message.type === 'listening') {
        clearTimeout(timer);
        resolve(message.port);
      } else if (message.type === 'connected') {
        connectedKeys.set(message.key, message.seqStart);
        for (const waiter of connectWaiters.get(message.key) ?? []) waiter(message.seqStart);
        connectWaiters.delete(message.key);
      } else if (message.type === 'rss') {
        for (const waiter of rssWaiters.splice(0)) waiter(message.peakMb);
      } else if (message.type === 'sent') {
        sentKeys.set(message.key, message.sendTimes);
        for (const waiter of sentWaiters.get(message.key) ?? []) waiter(message.sendTimes);
        sentWaiters.delete(message.key);
      }
    });
    child.once('exit', (code) => reject(new Error(`the frame server exited (${String(code)})`)));
  });
  const send = (command: FrameServerCommand) => child.send(command);
  return {
    streamUrl: `ws://127.0.0.1:${port}/stream`,
    pid: child.pid ?? 0,
    connected(key, timeoutMs) {
      if (connectedKeys.has(key)) return Promise.resolve(connectedKeys.get(key) ?? null);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no socket for ${key} within ${timeoutMs} ms`)), timeoutMs);
        const list = connectWaiters.get(key) ?? [];
        list.push((seqStart) => {
          clearTimeout(timer);
          resolve(seqStart);
        });
        connectWaiters.set(key, list);
      });
    },
    go(key, count, rate, timestamps) {
      sentKeys.delete(key);
      send({ type: 'go', key, count, rate, timestamps });
    },
    sent(key) {
      if (sentKeys.has(key)) return Promise.resolve(sentKeys.get(key) ?? null);
      return new Promise((resolve) => {
        const list = sentWaiters.get(key) ?? [];
        list.push(resolve);
        sentWaiters.set(key, list);
      });
    },
    forget(key) {
      connectedKeys.delete(key);
      sentKeys.delete(key);
      send({ type: 'forget', key });
    },
    markRss() {
      send({ type: 'rss-mark' });
    },
    rssPeakMb() {
      return new Promise((resolve) => {
        rssWaiters.push(resolve);
        send({ type: 'rss-peak' });
      });
    },
    close: () => stopChild(child, killChild),
  };
}

function stopChild(child: ChildProcess, killChild: () => void): Promise<void> {
  process.off('exit', killChild);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
