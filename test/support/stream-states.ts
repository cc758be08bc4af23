/**
 * The `state` events of every StreamClient in this process, for flow tests that run the real
 * runtime (node-red-node-test-helper): a spy on `StreamClient.prototype.emit`, so a test can
 * assert the retry delays the runtime chose (`delayMs`) instead of counting attempts in a
 * stretch of wall-clock time. The runtime under test loads the same `nodes/lib/stream` module.
 */
import { StreamClient, type StateInfo } from '../../nodes/lib/stream';

/** What {@link recordStreamStates} returns. */
export interface StreamStateRecorder {
  /** Every `state` event since the recording started, in order, from every client. */
  readonly states: StateInfo[];
  /** Stops recording (idempotent). */
  restore(): void;
}

/** Starts recording the `state` events of every StreamClient; call `restore()` after the test. */
export function recordStreamStates(): StreamStateRecorder {
  const prototype = StreamClient.prototype as unknown as { emit(name: string | symbol, ...args: unknown[]): boolean };
  const hadOwn = Object.prototype.hasOwnProperty.call(prototype, 'emit');
  const original = prototype.emit;
  const states: StateInfo[] = [];
  prototype.emit = function emit(this: StreamClient, name: string | symbol, ...args: unknown[]): boolean {
    if (name === 'state') states.push({ ...(args[0] as StateInfo) });
    return original.call(this, name, ...args);
  };
  let restored = false;
  return {
    states,
    restore() {
      if (restored) return;
      restored = true;
      if (hadOwn) prototype.emit = original;
      else delete (prototype as { emit?: unknown }).emit;
    },
  };
}
