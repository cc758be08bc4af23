/**
 * What one `ayla-<event>-in` node does, without Node-RED: it builds its filter (rules, value
 * changes, its share of the fleet), registers with its account for the stream it wants, sends
 * each accepted event as a message (`messages.ts`), keeps its status (throttled counts, stream
 * state, lost events) and reports problems. With `initial` it first sends the current state
 * read from the device service, through an {@link InitialGate} that keeps it ahead of the live
 * events of the same key and never repeats one (`docs/protocol.md` §7.6). With a control input
 * it starts and stops on command, and can start after a given seq (a standby taking over,
 * `docs/protocol.md` §9.3). The glue (`nodes/event-in-node.ts`) only wires it to a node.
 */
import { errorText, type Translate } from './catalog';
import type { DeviceAccess } from './hub/device-access';
import { CodedError, ConfigError } from './errors';
import type { AylaEvent, EventType } from './events';
import { buildFilter, createChangeTracker } from './filters';
import type { RegisterOptions, Registration, StreamListener, StreamProblem, StreamRequest, StreamStatus } from './hub/contract';
import { filterConfigOf, hasProperties, streamRequestOf, type AccountContext } from './in-node-config';
import { inNodeStatus, LastEventClock, LIVENESS_REFRESH_MS, type InNodeCounters, type NodeStatusShape } from './in-node-status';
import { InitialGate } from './initial-gate';
import { startInitialValues, supportsInitial } from './initial-values';
import { buildInitialMessage, buildMessage, type AylaMessage, type InitialMessage } from './messages';
import type { NormalisedEvent } from './normalise';
import type { EventInCredentials, EventInNodeProperties } from './node-options';
import { parsePartition, partitionFilter } from './partition';

/** The connected status shows the event count; refresh it at most this often (1 s) so a busy stream does not flood the editor. */
export const STATUS_REFRESH_MS = 1000;

/** What the node's account offers it. */
export interface InNodeAccount {
  readonly accountContext: AccountContext;
  register(request: StreamRequest, listener: StreamListener, options?: RegisterOptions): Registration;
  devices(): DeviceAccess;
}

/** Where the controller's output goes: the node's methods. */
export interface InNodeOutputs {
  send(msg: AylaMessage | InitialMessage): void;
  status(status: NodeStatusShape): void;
  warn(text: string): void;
  error(text: string, msg: { topic: string; payload: Record<string, unknown> }): void;
}

/** A command on the control input: `msg.payload` `start` or `stop`; `msg.seq` with start reads after that seq. */
export interface InNodeCommand {
  payload?: unknown;
  seq?: unknown;
}

/** An event or an initial value on its way through the {@link InitialGate} (`raw` null for initial values). */
interface GatedEvent {
  normalised: NormalisedEvent;
  raw: AylaEvent | null;
}

/** One in-node's behaviour; see the module comment. */
export class InNodeController {
  private registration: Registration | null = null;
  private readonly counters: InNodeCounters = { sent: 0, invalid: 0, lost: null };
  private streamStatus: StreamStatus = { state: 'connecting' };
  private statusTimer: NodeJS.Timeout | null = null;
  private lastStatusAt = 0;
  private closed = false;
  /** When the count last moved, for the "last event … ago" hint. */
  private readonly clock = new LastEventClock();
  private shownText = '';
  private livenessTimer: NodeJS.Timeout | null = null;
  /** Until the flow is ready, statuses are remembered and a configuration error waits (see the glue). */
  private ready = false;
  private statusPending = false;
  private pendingProblem: StreamProblem | null = null;
  private request: StreamRequest | null = null;
  private listener: StreamListener | null = null;
  private gate: InitialGate<GatedEvent> | null = null;
  /** What the initial read needs of the filter; set with the listener. */
  private initialFilter: { accept: (event: NormalisedEvent) => boolean; inShare: (dsn: string) => boolean; devices: (event: NormalisedEvent) => boolean } | null = null;
  /** Initial values are read once per deploy, whatever starts and stops follow. */
  private initialStarted = false;
  private account: InNodeAccount | null = null;
  private readonly closing = new AbortController();

  constructor(
    private readonly eventType: EventType,
    private readonly config: EventInNodeProperties,
    private readonly translate: Translate,
    private readonly outputs: InNodeOutputs,
  ) {}

  /**
   * Sets the node up with its account: a configuration problem shows at once (red status, one
   * error once the flow is ready); otherwise the stream starts unless `autoStart` is off.
   */
  begin(account: InNodeAccount | null, accountProblem: { code: string; params: Record<string, string | number> } | null, credentials: EventInCredentials | undefined): void {
    if (!account) return this.configError('NO_ACCOUNT');
    if (accountProblem) return this.configError(accountProblem.code, accountProblem.params);
    try {
      this.listener = this.buildListener();
      this.request = streamRequestOf(this.config, credentials, this.eventType, account.accountContext);
      this.account = account;
      if (this.config.autoStart === false) {
        this.streamStatus = { state: 'stopped' };
        this.showStatus();
      } else this.start();
    } catch (error) {
      if (!(error instanceof CodedError)) throw error;
      this.configError(error.code, { detail: error.message, ...error.params });
    }
  }

  /** The flow exists now (Status and Catch nodes are wired): show what waited, start initial values. */
  flowReady(): void {
    this.ready = true;
    if (this.closed) return;
    if (this.statusPending) this.showStatus();
    const problem = this.pendingProblem;
    this.pendingProblem = null;
    if (problem) this.report(problem);
    if (this.registration) this.startInitial();
  }

  /**
   * A message on the control input: `start` (with an optional `msg.seq`: read after it),
   * `stop`. Anything else is a catchable `BAD_COMMAND` error.
   */
  command(msg: InNodeCommand): void {
    if (this.closed || !this.account || !this.request) return;
    const command = typeof msg.payload === 'string' ? msg.payload.trim().toLowerCase() : '';
    if (command === 'stop') {
      this.registration?.release(false);
      this.registration = null;
      this.streamStatus = { state: 'stopped' };
      this.showStatus();
      return;
    }
    const seq = msg.seq;
    const validSeq = seq === undefined || (typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0);
    if (command !== 'start' || !validSeq) {
      const problem = new ConfigError('BAD_COMMAND', 'the control input takes msg.payload "start" (with an optional whole msg.seq ≥ 0) or "stop"');
      this.report({ level: 'error', code: problem.code, params: { detail: problem.message } });
      return;
    }
    if (this.registration) return;
    this.start(seq === undefined ? {} : { startAfterSeq: seq as number });
    if (this.ready) this.startInitial();
  }

  /** Stops everything; `removed` = the node was deleted from the flow. */
  close(removed: boolean): void {
    this.closed = true;
    this.closing.abort(new Error('the node closed'));
    this.followLiveness();
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.statusTimer = null;
    this.pendingProblem = null;
    this.registration?.release(removed);
    this.registration = null;
  }

  private start(options: RegisterOptions = {}): void {
    if (!this.account || !this.request || !this.listener) return;
    this.streamStatus = { state: 'connecting' };
    this.showStatus();
    this.registration = this.account.register(this.request, this.listener, options);
  }

  private buildListener(): StreamListener {
    const filterConfig = filterConfigOf(this.config, this.eventType);
    const accept = buildFilter(filterConfig);
    const partition = parsePartition(this.config.partition);
    if (partition === null) throw new ConfigError('BAD_PARTITION', 'the share of the fleet must be written i/n, 1 ≤ i ≤ n ≤ 1000', { params: { value: String(this.config.partition) } });
    const inShare = partitionFilter(partition);
    const changes = this.config.onlyChanges === true && hasProperties(this.eventType) ? createChangeTracker() : null;
    const isNew = (event: NormalisedEvent) => !(changes && (event.eventType === 'datapoint' || event.eventType === 'datapointack') && !changes.isChange(event));
    const forward = ({ normalised, raw }: GatedEvent, initial: boolean) => {
      // Behind a gate the change check runs here, on what is really sent (an initial value counts as the last value).
      if (this.closed || (this.gate && !isNew(normalised))) return;
      this.outputs.send(initial || raw === null ? buildInitialMessage(normalised) : buildMessage(normalised, raw));
      this.counters.sent += 1;
      this.refreshCount();
    };
    this.gate = this.config.initial === true && supportsInitial(this.eventType) ? new InitialGate<GatedEvent>(forward) : null;
    this.initialFilter = { accept, inShare, devices: buildFilter({ dsns: filterConfig.dsns, oemModels: filterConfig.oemModels }) };
    return {
      eventType: this.eventType,
      accepts: (event) => {
        if (this.closed || !inShare(event.dsn) || !accept(event)) return false;
        return this.gate !== null || isNew(event);
      },
      deliver: (normalised, raw) => {
        if (this.gate) this.gate.live({ normalised, raw });
        else forward({ normalised, raw }, false);
      },
      status: (status) => {
        if (this.closed) return;
        this.streamStatus = status;
        this.showStatus();
        this.followLiveness();
      },
      problem: (problem) => {
        if (!this.closed) this.report(problem);
      },
    };
  }

  /** Reads and sends the current state once (with `initial`); live events wait behind the gate. */
  private startInitial(): void {
    const gate = this.gate;
    const filter = this.initialFilter;
    if (this.initialStarted || !gate || !filter || !this.account || !this.request || !supportsInitial(this.eventType)) return;
    this.initialStarted = true;
    let source: DeviceAccess;
    try {
      source = this.account.devices();
    } catch (error) {
      gate.finish();
      if (error instanceof CodedError) this.report({ level: 'error', code: error.code, params: { ...error.params, detail: error.message } });
      return;
    }
    startInitialValues<GatedEvent>({
      source,
      eventType: this.eventType,
      request: this.request,
      deviceFilter: (device) =>
        filter.inShare(device.dsn) &&
        filter.devices({ eventType: 'connectivity', seq: 0, dsn: device.dsn, oemModel: device.oemModel, oemId: null, status: '', eventTime: null, userUuid: null }),
      accept: filter.accept,
      gate,
      itemOf: (normalised) => ({ normalised, raw: null }),
      signal: this.closing.signal,
    }).then(
      (result) => {
        if (!this.closed && result.failed > 0) {
          this.report({ level: 'warn', code: 'INITIAL_INCOMPLETE', params: { count: result.failed, code: result.firstFailure?.code ?? 'UNKNOWN' } });
        }
      },
      (error: unknown) => {
        if (this.closed) return;
        const code = error instanceof CodedError ? error.code : 'UNKNOWN';
        this.report({ level: 'error', code, params: { ...(error instanceof CodedError ? error.params : {}), detail: error instanceof Error ? error.message : String(error) } });
      },
    );
  }

  private showStatus(): void {
    if (!this.ready) {
      this.statusPending = true;
      return;
    }
    this.lastStatusAt = Date.now();
    const shown = inNodeStatus(this.streamStatus, this.counters, this.translate, this.clock.quietFor(this.counters.sent, this.lastStatusAt));
    this.shownText = shown.text;
    this.outputs.status(shown);
  }

  /**
   * While connected, a look every {@link LIVENESS_REFRESH_MS} notes when the count last moved
   * and shows "last event … ago" once the stream is quiet: only when that text changes, and
   * never from the event path (which only counts).
   */
  private followLiveness(): void {
    const connected = this.streamStatus.state === 'connected' && !this.closed;
    if (connected && !this.livenessTimer) this.livenessTimer = setInterval(() => this.lookAtLiveness(), LIVENESS_REFRESH_MS);
    if (!connected && this.livenessTimer) {
      clearInterval(this.livenessTimer);
      this.livenessTimer = null;
    }
  }

  private lookAtLiveness(): void {
    const now = Date.now();
    this.clock.tick(this.counters.sent, now);
    // A count refresh on its way shows the same.
    if (!this.ready || this.statusTimer || this.closed) return;
    if (inNodeStatus(this.streamStatus, this.counters, this.translate, this.clock.quietFor(this.counters.sent, now)).text !== this.shownText) this.showStatus();
  }

  /** Count updates are throttled; state changes show at once. */
  private refreshCount(): void {
    if (this.statusTimer || this.closed) return;
    const wait = STATUS_REFRESH_MS - (Date.now() - this.lastStatusAt);
    if (wait <= 0) {
      this.showStatus();
      return;
    }
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      if (!this.closed) this.showStatus();
    }, wait);
  }

  private report(problem: StreamProblem): void {
    if (problem.code === 'GAP') {
      this.counters.lost = { from: Number(problem.params.expected), to: Number(problem.params.last) };
      this.showStatus();
    }
    if (problem.invalid) {
      this.counters.invalid += 1;
      this.refreshCount();
    }
    if (problem.silent) return;
    const text = errorText(this.translate, problem.code, problem.params);
    if (problem.level === 'warn') {
      this.outputs.warn(text);
      return;
    }
    // The msg lets a Catch node route on the code; it carries an excerpt at most, never a secret.
    this.outputs.error(text, { topic: problem.code, payload: { code: problem.code, ...problem.params } });
  }

  /** A configuration problem: red status, one error once the whole flow exists, nothing sent. */
  private configError(code: string, params: Record<string, string | number> = {}): void {
    this.streamStatus = { state: 'config-error', code };
    this.showStatus();
    const problem: StreamProblem = { level: 'error', code, params };
    if (this.ready) this.report(problem);
    else this.pendingProblem = problem;
  }
}
