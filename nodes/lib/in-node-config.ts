/**
 * An `ayla-<event>-in` node's properties turned into what it asks its account for (an auto
 * subscription or a stream key) and into its client-side filter settings.
 */
import type { ClientType } from './endpoints';
import { ConfigError } from './errors';
import type { EventType } from './event-types';
import type { FilterConfig, PatternRule } from './filters';
import type { StreamRequest } from './hub/contract';
import { subscriptionScopeProblem, type EventInCredentials, type EventInNodeProperties } from './node-options';
import { resolveCredential } from './secrets';

/** True for the event types that carry a property (datapoint, datapointack). */
export function hasProperties(eventType: EventType): boolean {
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

/** What the account brings to a node's request. */
export interface AccountContext {
  clientType: ClientType;
  /** '' when none. */
  instanceLabel: string;
}

/**
 * What a node asks its account for.
 *
 * @throws {@link ConfigError} `INVALID_SOURCE`, `MISSING_STREAM_KEY`, `MISSING_DSN`, `ENV_MISSING`
 */
export function streamRequestOf(
  config: EventInNodeProperties,
  credentials: EventInCredentials | undefined,
  eventType: EventType,
  account: AccountContext,
  env: NodeJS.ProcessEnv = process.env,
): StreamRequest {
  const source = config.source || 'auto';
  if (source === 'key') {
    const streamKey = resolveCredential(credentials?.streamKey, env).trim();
    if (!streamKey) throw new ConfigError('MISSING_STREAM_KEY', 'no stream key');
    return { source: 'key', eventType, streamKey };
  }
  if (source !== 'auto') throw new ConfigError('INVALID_SOURCE', `unknown source ${source}`, { params: { source: String(source) } });
  const oemModel = (config.oemModel ?? '*').trim() || '*';
  const dsns = (config.dsns ?? '*').trim();
  // The editor refuses the same (one rule, one place): Ayla needs DSNs when the model is `*`.
  if (subscriptionScopeProblem({ oemModel, dsns })) throw new ConfigError('MISSING_DSN', 'DSNs are required when the OEM model is *');
  return {
    source: 'auto',
    spec: {
      eventType,
      oemModel,
      dsns: dsns || '*',
      properties: hasProperties(eventType) ? (config.properties ?? '*').trim() || '*' : '*',
      clientType: account.clientType,
      ...(account.instanceLabel ? { instanceLabel: account.instanceLabel } : {}),
    },
  };
}
