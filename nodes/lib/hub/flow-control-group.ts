/**
 * The runtime's flow control (there is one event loop): one read pacer shared by every stream
 * and one flow controller pausing them all while the loop lags (`docs/protocol.md` §5.9). Both
 * start with the first attached stream and stop with the last, so an idle runtime runs no
 * timer. Pause and resume lines go to the log of one attached stream's account.
 */
import { FlowController, eventLoopDelaySource, windowedDelaySource, type FlowControllerOptions, type Pausable } from '../flow-control';
import { ReadPacer } from '../read-pacer';

/** Creates the controller when the first stream attaches; tests inject their own. */
export type FlowControllerFactory = (options: FlowControllerOptions) => FlowController;

/** What {@link FlowControlGroup.state} reports. */
export interface FlowControlState {
  running: boolean;
  clients: number;
  paused: boolean;
}

/**
 * The default controller: the default thresholds, read through {@link windowedDelaySource}
 * (the median of the last ten readings), so one long event-loop turn never pauses a flow that
 * keeps up on average.
 */
export function defaultFlowController(options: FlowControllerOptions): FlowController {
  return new FlowController({ createDelaySource: () => windowedDelaySource(eventLoopDelaySource()), ...options });
}

/** The flow control of one runtime and its attached streams; see the module comment. */
export class FlowControlGroup {
  private controller: FlowController | null = null;
  private pacer: ReadPacer | null = null;
  /** Attached streams and the info log of the account each belongs to. */
  private readonly targets = new Map<Pausable, (line: string) => void>();

  /** @param createController - default: {@link defaultFlowController} */
  constructor(private readonly createController: FlowControllerFactory = defaultFlowController) {}

  /** Attaches a stream (starting the controller with the first) and paces its reading. Returns the detach function; idempotent. */
  attach(target: Pausable, info: (line: string) => void): () => void {
    if (!this.controller) {
      this.controller = this.createController({
        onPause: ({ delayMs }) =>
          this.log(`flow control: the event loop lags ${Math.round(delayMs)} ms, pausing ${this.targets.size} stream(s); the server holds the events back`),
        onResume: ({ pausedMs, reason }) => this.log(`flow control: resuming ${this.targets.size} stream(s) after ${Math.round(pausedMs)} ms (${reason})`),
      });
      this.pacer = new ReadPacer();
      this.controller.start();
    }
    const controller = this.controller;
    this.targets.set(target, info);
    target.setPacer?.(this.pacer);
    const detach = controller.attach(target);
    let detached = false;
    return () => {
      if (detached) return;
      detached = true;
      detach();
      target.setPacer?.(null);
      this.targets.delete(target);
      if (this.targets.size === 0 && this.controller === controller) {
        controller.stop();
        this.controller = null;
        this.pacer = null;
      }
    };
  }

  /** Whether the controller runs, how many streams it holds, and whether they are paused. */
  state(): FlowControlState {
    return { running: this.controller !== null, clients: this.targets.size, paused: this.controller?.paused ?? false };
  }

  /** The read pacer's allowance, yields and latest delivery time; null while nothing is attached. */
  pacing(): ReturnType<ReadPacer['state']> | null {
    return this.pacer?.state() ?? null;
  }

  private log(line: string): void {
    const first = this.targets.values().next();
    if (!first.done) first.value(line);
  }
}
