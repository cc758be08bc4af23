/**
 * The package's library entry (`require('node-red-contrib-ayla-dss')`): what integrators and
 * other people's tests use outside Node-RED. Node-RED itself loads `dist/ayla-dss.js`.
 *
 * - the message types the five in-nodes send (`AylaMessage`, `DatapointMessage`, ...);
 * - the offline DSS simulator (`startSimulator`, `DEMO_ACCOUNT`);
 * - the Node-RED-free protocol core: endpoints, frames, event validation, normalising,
 *   filters, the user-service session, the subscription client and the stream client.
 */
export type {
  AylaMessage,
  ConnectivityMessage,
  DatapointAckMessage,
  DatapointMessage,
  LocationMessage,
  MessageByEventType,
  RegistrationMessage,
} from './nodes/lib/messages';

export {
  startSimulator,
  DEMO_ACCOUNT,
  LIMITED_ACCOUNT,
  SIMULATOR_DEFAULTS,
  type DemoAccount,
  type RunningSimulator,
  type SimulatorOptions,
} from './simulator';

export * from './nodes/lib/endpoints';
export * from './nodes/lib/frames';
export * from './nodes/lib/events';
export * from './nodes/lib/normalise';
export * from './nodes/lib/filters';
export { AylaApiError, type AylaErrorCode } from './nodes/lib/http';
export { Session, type Credentials, type SessionOptions } from './nodes/lib/session';
export { SubscriptionClient, subscriptionName, type Subscription, type SubscriptionSpec } from './nodes/lib/subscriptions';
export { StreamClient, StreamError, type StreamClientOptions, type StreamEventInfo, type StreamState, type StateInfo } from './nodes/lib/stream';
