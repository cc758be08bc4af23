/**
 * The five `ayla-<event>-in` node types, built by one factory: each node registers with its
 * account, filters the (already parsed, validated and normalised) events of its type with its
 * own compiled filter, shapes the message and sends it, and shows the stream's state.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus } from 'node-red';
import type { AylaEvent, EventType } from './lib/events';
import { buildFilter, createChangeTracker, FilterConfigError, type FilterConfig, type PatternRule } from './lib/filters';
import { payloadOf, topicOf, type NormalisedEvent } from './lib/normalise';
import type { ClientType } from './lib/endpoints';
import { ACCOUNT_NODE_TYPE, type AccountNode } from './account-node';
import { errorText, statusKey } from './catalog';
import { inNodeTypeOf, type AylaMessage } from './messages';
import type { EventInCredentials, EventInNodeProperties } from './lib/node-options';
import { MissingEnvironmentError, resolveCredential } from './secrets';
import { HubConfigError, type Registration, type StreamListener, type StreamProblem, type StreamRequest, type StreamStatus } from './stream-hub';

/** The connected status shows the event count; refresh it at most this often (1 s) so a busy stream does not flood the editor. */
export const STATUS_REFRESH_MS = 1000;

/** Credential definitions of every in-node: the stream key is a secret. */
export const EVENT_IN_CREDENTIALS: Record<keyof Required<EventInCredentials>, { type: 'text' | 'password' }> = { streamKey: { type: 'password' } };

type EventInNodeDef = NodeDef & EventInNodeProperties;

function hasProperties(eventType: EventType): boolean {
  return eventType === 'datapoint' || eventType === 'datapointack';
}

function rulesOf(value: unknown): PatternRule[] {
  return Array.isArray(value) ? (value as PatternRule[]) : [];
}

/** The client-side filter settings of a node, restricted to what its event type uses. */
export function filterConfigOf(config: EventInNodeProperties, eventType: EventType): FilterConfig {
  const filter: FilterConfig = { dsns: rulesOf(config.dsnFilter), oemModels: rulesOf(config.modelFilter) };
  if (hasProperties(eventType)) filter.properties = rulesOf(config.propertyFilter);
  if (eventType === 'connectivity') filter.statuses = Array.isArray(config.statuses) ? config.statuses.map(String) : [];
  if (eventType === 'registration') filter.registration = (config.registration || 'both') as FilterConfig['registration'];
  if (eventType === 'datapointack') filter.ack = (config.ack || 'both') as FilterConfig['ack'];
  return filter;
}

/**
 * What a node asks its account for.
 *
 * @throws {@link HubConfigError} `INVALID_SOURCE`, `MISSING_STREAM_KEY`, `MISSING_DSN`, `ENV_MISSING`
 */
export function streamRequestOf(
  config: EventInNodeProperties,
  credentials: EventInCredentials | undefined,
  eventType: EventType,
  clientType: ClientType,
  env: NodeJS.ProcessEnv = process.env,
): StreamRequest {
  const source = config.source || 'auto';
  if (source === 'key') {
    let streamKey: string;
    try {
      streamKey = resolveCredential(credentials?.streamKey, env).trim();
    } catch (error) {
      if (error instanceof MissingEnvironmentError) throw new HubConfigError('ENV_MISSING', error.message, { variable: error.variable });
      throw error;
    }
    if (!streamKey) throw new HubConfigError('MISSING_STREAM_KEY', 'no stream key');
    return { source: 'key', eventType, streamKey };
  }
  if (source !== 'auto') throw new HubConfigError('INVALID_SOURCE', `unknown source ${source}`, { source: String(source) });
  const oemModel = (config.oemModel ?? '*').trim() || '*';
  const dsns = (config.dsns ?? '*').trim();
  if (oemModel === '*' && dsns === '') throw new HubConfigError('MISSING_DSN', 'DSNs are required when the OEM model is *');
  return {
    source: 'auto',
    spec: {
      eventType,
      oemModel,
      dsns: dsns || '*',
      properties: hasProperties(eventType) ? (config.properties ?? '*').trim() || '*' : '*',
      clientType,
    },
  };
}

/** The message for an event: topic, typed payload, normalised fields, raw event. */
export function messageOf(normalised: NormalisedEvent, raw: AylaEvent): AylaMessage {
  return { topic: topicOf(normalised), payload: payloadOf(normalised), ayla: normalised, event: raw };
}

/** Registers the in-node type for one event type. */
export function registerEventInNode(RED: NodeAPI, eventType: EventType): void {
  const translate = (key: string, params?: Record<string, unknown>): string => RED._(key, params as Record<string, string>);

  function AylaEventInNode(this: Node<EventInCredentials>, config: EventInNodeDef): void {
    RED.nodes.createNode(this, config);
    startEventInNode(this, config);
  }

  function startEventInNode(node: Node<EventInCredentials>, config: EventInNodeDef): void {
    let registration: Registration | null = null;
    let sent = 0;
    /** The latest seqs the server could not replay (retention exceeded), shown in the status until redeploy. */
    let lost: { from: number; to: number } | null = null;
    /** Malformed frames and invalid events seen on this node's stream. */
    let invalidCount = 0;
    let streamStatus: StreamStatus = { state: 'connecting' };
    let statusTimer: NodeJS.Timeout | null = null;
    let lastStatusAt = 0;
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
    let closed = false;

    const showStatus = (): void => {
      if (!flowReady) {
        statusPending = true;
        return;
      }
      lastStatusAt = Date.now();
      node.status(statusOf(streamStatus));
    };
    const statusOf = (status: StreamStatus): NodeStatus => {
      switch (status.state) {
        case 'connected': {
          // "connected · 57 events · 3 malformed · events lost 12–40": counts outside the catalog
          // texts so that they read the same in every language (and in tests).
          const parts = [sent > 0 ? translate(statusKey('connected-count'), { count: sent }) : translate('node-red:common.status.connected')];
          if (invalidCount > 0) parts.push(`${invalidCount} ${translate(statusKey('malformed'))}`);
          if (lost) parts.push(`${translate(statusKey('lost'))} ${lost.from}–${lost.to}`);
          // Yellow while some events are known to be lost: the flow is running but incomplete.
          return { fill: lost ? 'yellow' : 'green', shape: 'dot', text: parts.join(' · ') };
        }
        case 'reconnecting':
          return {
            fill: 'yellow',
            shape: 'ring',
            text:
              status.delayMs !== undefined
                ? translate(statusKey('reconnecting-in'), { seconds: Math.max(1, Math.ceil(status.delayMs / 1000)) })
                : translate(statusKey('reconnecting')),
          };
        case 'auth-failed':
          return { fill: 'red', shape: 'ring', text: translate(statusKey('auth-failed'), { code: status.code }) };
        case 'config-error':
          return { fill: 'red', shape: 'ring', text: translate(statusKey('config-error'), { code: status.code }) };
        case 'closed':
          return { fill: 'red', shape: 'ring', text: translate('node-red:common.status.disconnected') };
        default:
          return { fill: 'yellow', shape: 'ring', text: translate('node-red:common.status.connecting') };
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
      const text = errorText(translate, problem.code, problem.params);
      if (problem.code === 'GAP') {
        lost = { from: Number(problem.params.expected), to: Number(problem.params.last) };
        showStatus();
      }
      if (problem.invalid) {
        invalidCount += 1;
        refreshCount();
      }
      if (problem.silent) return;
      if (problem.level === 'warn') {
        node.warn(text);
        return;
      }
      // The msg lets a Catch node route on the code; it carries an excerpt at most, never a secret.
      const msg: NodeMessage & Record<string, unknown> = { topic: problem.code, payload: { code: problem.code, ...problem.params } };
      node.error(text, msg);
    };
    /** A configuration problem: red status, one error once the whole flow exists (so Status and Catch nodes see them), nothing sent. */
    const configError = (code: string, params: Record<string, unknown> = {}): void => {
      streamStatus = { state: 'config-error', code };
      showStatus();
      const problem: StreamProblem = { level: 'error', code, params: params as Record<string, string> };
      if (flowReady) report(problem);
      else pendingProblem = problem;
    };

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      if (statusTimer) clearTimeout(statusTimer);
      if (flowReadyImmediate) clearImmediate(flowReadyImmediate);
      statusTimer = null;
      flowReadyImmediate = null;
      pendingProblem = null;
      registration?.release(removed === true);
      registration = null;
      done();
    });

    const account = config.account ? (RED.nodes.getNode(config.account) as AccountNode | null) : null;
    if (!account || account.type !== ACCOUNT_NODE_TYPE) {
      configError('NO_ACCOUNT');
      return;
    }
    if (account.configProblem) {
      configError(account.configProblem.code, account.configProblem.params);
      return;
    }

    let accept: (event: NormalisedEvent) => boolean;
    try {
      accept = buildFilter(filterConfigOf(config, eventType));
    } catch (error) {
      if (error instanceof FilterConfigError) {
        configError(error.code, { field: error.field, detail: error.message });
        return;
      }
      throw error;
    }
    const changes = config.onlyChanges === true && hasProperties(eventType) ? createChangeTracker() : null;

    const listener: StreamListener = {
      eventType,
      event(normalised, raw) {
        if (closed || !accept(normalised)) return;
        if (changes && (normalised.eventType === 'datapoint' || normalised.eventType === 'datapointack') && !changes.isChange(normalised)) return;
        node.send(messageOf(normalised, raw) as unknown as NodeMessage);
        sent += 1;
        refreshCount();
      },
      status(status) {
        if (closed) return;
        streamStatus = status;
        showStatus();
      },
      problem(problem) {
        if (!closed) report(problem);
      },
    };

    try {
      const request = streamRequestOf(config, node.credentials, eventType, account.clientType);
      showStatus();
      registration = account.register(request, listener);
    } catch (error) {
      if (error instanceof HubConfigError) {
        configError(error.code, error.params);
        return;
      }
      throw error;
    }
  }

  RED.nodes.registerType<Node<EventInCredentials>, EventInNodeDef, unknown, EventInCredentials>(inNodeTypeOf(eventType), AylaEventInNode, {
    credentials: EVENT_IN_CREDENTIALS,
  });
}
