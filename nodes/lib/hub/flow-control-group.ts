/**
 * The runtime's one flow controller (there is one event loop) and the streams attached to it:
 * it starts with the first attached stream and stops with the last, so an idle runtime runs no
 * timer. Pause and resume lines go to the log of one attached stream's account.
 */
import { FlowController, type FlowControllerOptions, type Pausable } from '../flow-control';

/** Creates the controller when the first stream attaches; tests inject their own. */
export type FlowControllerFactory = (options: FlowControllerOptions) => FlowController;

/** What {@link FlowControlGroup.state} reports. */
export interface FlowControlState {
  running: boolean;
  clients: number;
  paused: boolean;
}

/** The flow controller of one runtime and its attached streams; see the module comment. */
export class FlowControlGroup {
  private controller: FlowController | null = null;
  /** Attached streams and the info log of the account each belongs to. */
  private readonly targets = new Map<Pausable, (line: string) => void>();

  /** @param createController - default: a {@link FlowController} with its default thresholds */
  constructor(private readonly createController: FlowControllerFactory = (options) => new FlowController(options)) {}

  /** Attaches a stream (starting the controller with the first). Returns the detach function; idempotent. */
  attach(target: Pausable, info: (line: string) => void): () => void {
    if (!this.controller) {
      this.controller = this.createController({
        onPause: ({ delayMs }) =>
          this.log(`flow control: the event loop lags ${Math.round(delayMs)} ms, pausing ${this.targets.size} stream(s); the server holds the events back`),
        onResume: ({ pausedMs, reason }) => this.log(`flow control: resuming ${this.targets.size} stream(s) after ${Math.round(pausedMs)} ms (${reason})`),
      });
      this.controller.start();
    }
    const controller = this.controller;
    this.targets.set(target, info);
    const detach = controller.attach(target);
    let detached = false;
    return () => {
      if (detached) return;
      detached = true;
      detach();
      this.targets.delete(target);
      if (this.targets.size === 0 && this.controller === controller) {
        controller.stop();
        this.controller = null;
      }
    };
  }

  /** Whether the controller runs, how many streams it holds, and whether they are paused. */
  state(): FlowControlState {
    return { running: this.controller !== null, clients: this.targets.size, paused: this.controller?.paused ?? false };
  }

  private log(line: string): void {
    const first = this.targets.values().next();
    if (!first.done) first.value(line);
  }
}
