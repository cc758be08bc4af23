/**
 * Promise helpers for event-driven tests: wait for an emitter event (optionally one matching a
 * predicate) with a bounded timeout, so that a missing event fails the test with a clear
 * message instead of hanging it, and assertions run in the test body, not in listeners.
 */
import type { EventEmitter } from 'node:events';

const DEFAULT_WAIT_MS = 3000;

/** The arguments of the next `name` event on `emitter` whose first argument satisfies `accept`. */
export function nextEvent<T = unknown>(
  emitter: EventEmitter,
  name: string,
  accept: (value: T) => boolean = () => true,
  timeoutMs = DEFAULT_WAIT_MS,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const listener = (value: T) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      emitter.off(name, listener);
      resolve(value);
    };
    const timer = setTimeout(() => {
      emitter.off(name, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${name}'`));
    }, timeoutMs);
    emitter.on(name, listener);
  });
}

/** Records every `name` event's first argument into the returned array (for later assertions). */
export function record<T = unknown>(emitter: EventEmitter, name: string): T[] {
  const seen: T[] = [];
  emitter.on(name, (value: T) => seen.push(value));
  return seen;
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
