/**
 * The five `ayla-<event>-in` node types, built by one factory: each node registers with its
 * account, filters the (already parsed, validated and normalised) events of its type with its
 * own compiled filter, sends the message `messages.ts` builds, and shows the stream's state.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { CodedError } from './lib/errors';
import type { EventType } from './lib/events';
import { buildFilter, createChangeTracker } from './lib/filters';
import type { StreamListener, StreamProblem, StreamStatus, Registration } from './lib/hub/contract';
import { filterConfigOf, hasProperties, streamRequestOf } from './lib/in-node-config';
import { inNodeStatus, LastEventClock, LIVENESS_REFRESH_MS, type InNodeCounters, type Translate } from './lib/in-node-status';
import { buildMessage, inNodeTypeOf } from './lib/messages';
import type { EventInCredentials, EventInNodeProperties } from './lib/node-options';
import { errorText, messageKey } from './lib/catalog';
import { CONFIG_VERSION, migrateNodeConfig, newerConfigVersion } from './lib/config-migration';
import { isAccountNode } from './account-node';

/**
 * The connected status shows the event count; refresh it at most this often (1 s) so a busy
 * stream does not flood the editor. The "last event … ago" hint has its own, slower look
 * (`LIVENESS_REFRESH_MS` in lib/in-node-status.ts).
 */
export const STATUS_REFRESH_MS = 1000;

/** Credential definitions of every in-node: the stream key is a secret. */
export const EVENT_IN_CREDENTIALS: Record<keyof Required<EventInCredentials>, { type: 'text' | 'password' }> = { streamKey: { type: 'password' } };

type EventInNodeDef = NodeDef & EventInNodeProperties;

/** Registers the in-node type for one event type. */
export function registerEventInNode(RED: NodeAPI, eventType: EventType): void {
  const translate: Translate = (key, params) => RED._(key, params as Record<string, string>);

  function AylaEventInNode(this: Node<EventInCredentials>, stored: EventInNodeDef): void {
    const config = migrateNodeConfig(inNodeTypeOf(eventType), stored);
    RED.nodes.createNode(this, config);
    const newer = newerConfigVersion(config);
    if (newer !== null) this.warn(RED._(messageKey('newer-config'), { version: newer, known: CONFIG_VERSION }));
    startEventInNode(this, config);
  }

  function startEventInNode(node: Node<EventInCredentials>, config: EventInNodeDef): void {
    let registration: Registration | null = null;
    const counters: InNodeCounters = { sent: 0, invalid: 0, lost: null };
    let streamStatus: StreamStatus = { state: 'connecting' };
    let statusTimer: NodeJS.Timeout | null = null;
    let lastStatusAt = 0;
    let closed = false;
    const clock = new LastEventClock();
    let shownText = '';
    let livenessTimer: NodeJS.Timeout | null = null;
    /**
     * Node-RED connects Status and Catch nodes only after every node of the flow exists (and it
     * builds the nodes without yielding to the event loop), so a status or an error from the
     * constructor would reach the editor but no Status or Catch node. Until this immediate runs,
     * statuses are only remembered and a configuration error waits in `pendingProblem`.
     */
    let flowReady = false;
    let statusPending = false;
    let pendingProblem: StreamProblem | null = null;
    let flowReadyImmediate: NodeJS.Immediate | null = setImmediate(() => {
      flowReadyImmediate = null;
      flowReady = true;
      if (closed) return;
      if (statusPending) showStatus();
      const problem = pendingProblem;
      pendingProblem = null;
      if (problem) report(problem);
    });

    const showStatus = (): void => {
      if (!flowReady) {
        statusPending = true;
        return;
      }
      lastStatusAt = Date.now();
      const shown = inNodeStatus(streamStatus, counters, translate, clock.quietFor(counters.sent, lastStatusAt));
      shownText = shown.text;
      node.status(shown);
    };
    /**
     * While connected, a look every LIVENESS_REFRESH_MS notes when the count last moved and
     * shows "last event … ago" once the stream is quiet: only when that text changes, and never
     * from the event path (which only counts).
     */
    const lookAtLiveness = (): void => {
      const now = Date.now();
      clock.tick(counters.sent, now);
      if (!flowReady || statusTimer || closed) return; // a count refresh is on its way
      if (inNodeStatus(streamStatus, counters, translate, clock.quietFor(counters.sent, now)).text !== shownText) showStatus();
    };
    const followLiveness = (): void => {
      const connected = streamStatus.state === 'connected' && !closed;
      if (connected && !livenessTimer) livenessTimer = setInterval(lookAtLiveness, LIVENESS_REFRESH_MS);
      if (!connected && livenessTimer) {
        clearInterval(livenessTimer);
        livenessTimer = null;
      }
    };
    /** Count updates are throttled; state changes show at once. */
    const refreshCount = (): void => {
      if (statusTimer || closed) return;
      const wait = STATUS_REFRESH_MS - (Date.now() - lastStatusAt);
      if (wait <= 0) {
        showStatus();
        return;
      }
      statusTimer = setTimeout(() => {
        statusTimer = null;
        if (!closed) showStatus();
      }, wait);
    };
    const report = (problem: StreamProblem): void => {
      if (problem.code === 'GAP') {
        counters.lost = { from: Number(problem.params.expected), to: Number(problem.params.last) };
        showStatus();
      }
      if (problem.invalid) {
        counters.invalid += 1;
        refreshCount();
      }
      if (problem.silent) return;
      const text = errorText(translate, problem.code, problem.params);
      if (problem.level === 'warn') {
        node.warn(text);
        return;
      }
      // The msg lets a Catch node route on the code; it carries an excerpt at most, never a secret.
      node.error(text, { topic: problem.code, payload: { code: problem.code, ...problem.params } });
    };
    /** A configuration problem: red status, one error once the whole flow exists (so Status and Catch nodes see them), nothing sent. */
    const configError = (code: string, params: Record<string, string | number> = {}): void => {
      streamStatus = { state: 'config-error', code };
      showStatus();
      const problem: StreamProblem = { level: 'error', code, params };
      if (flowReady) report(problem);
      else pendingProblem = problem;
    };

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      followLiveness();
      if (statusTimer) clearTimeout(statusTimer);
      if (flowReadyImmediate) clearImmediate(flowReadyImmediate);
      statusTimer = null;
      flowReadyImmediate = null;
      pendingProblem = null;
      registration?.release(removed === true);
      registration = null;
      done();
    });

    const account = config.account ? RED.nodes.getNode(config.account) : null;
    if (!isAccountNode(account)) {
      configError('NO_ACCOUNT');
      return;
    }
    if (account.configProblem) {
      configError(account.configProblem.code, account.configProblem.params);
      return;
    }

    try {
      const accept = buildFilter(filterConfigOf(config, eventType));
      const changes = config.onlyChanges === true && hasProperties(eventType) ? createChangeTracker() : null;
      const listener: StreamListener = {
        eventType,
        accepts(event) {
          if (closed || !accept(event)) return false;
          return !(changes && (event.eventType === 'datapoint' || event.eventType === 'datapointack') && !changes.isChange(event));
        },
        deliver(normalised, raw) {
          node.send(buildMessage(normalised, raw));
          counters.sent += 1;
          refreshCount();
        },
        status(status) {
          if (closed) return;
          streamStatus = status;
          showStatus();
          followLiveness();
        },
        problem(problem) {
          if (!closed) report(problem);
        },
      };
      const request = streamRequestOf(config, node.credentials, eventType, account.accountContext);
      showStatus();
      registration = account.register(request, listener);
    } catch (error) {
      if (!(error instanceof CodedError)) throw error;
      configError(error.code, { detail: error.message, ...error.params });
    }
  }

  RED.nodes.registerType<Node<EventInCredentials>, EventInNodeDef, unknown, EventInCredentials>(inNodeTypeOf(eventType), AylaEventInNode, {
    credentials: EVENT_IN_CREDENTIALS,
  });
}
