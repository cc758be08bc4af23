/**
 * Node-RED entry of node-red-contrib-ayla-dss: creates the one runtime object of this Node-RED
 * (identities, streams, device services, flow control, sign-in budget, positions) and registers
 * the account config node, the five event-in nodes, `ayla-datapoint-out` and the admin routes
 * the editor uses with it. Node-RED calls this once per runtime start.
 *
 * Settings (`settings.js`, all optional): `aylaDss: { requestTimeoutMs, deleteGraceMs }` — the
 * timeout of each sign-in, DSS REST and device-service request (default 15000 ms) and how long
 * a removed node's subscription waits for a re-registration before it is deleted (default
 * 5000 ms).
 */
import type { NodeAPI } from 'node-red';
import { EVENT_TYPES } from './lib/event-types';
import { AylaDssRuntime } from './lib/runtime';
import { registerAccountNode } from './account-node';
import { registerAdminRoutes } from './admin-routes';
import { registerDatapointOutNode } from './datapoint-out-node';
import { registerDeviceRoutes } from './device-routes';
import { registerEventInNode } from './event-in-node';

/** A positive number from the settings, or undefined. */
function positiveSetting(settings: object, name: string): number | undefined {
  const block: unknown = Reflect.get(settings, 'aylaDss');
  const value: unknown = block !== null && typeof block === 'object' ? Reflect.get(block, name) : undefined;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

export = function registerAylaDssNodes(RED: NodeAPI): void {
  const runtime = new AylaDssRuntime({
    userDir: RED.settings.userDir,
    requestTimeoutMs: positiveSetting(RED.settings, 'requestTimeoutMs'),
    deleteGraceMs: positiveSetting(RED.settings, 'deleteGraceMs'),
  });
  registerAccountNode(RED, runtime);
  for (const eventType of EVENT_TYPES) registerEventInNode(RED, eventType);
  registerDatapointOutNode(RED);
  registerAdminRoutes(RED, runtime);
  registerDeviceRoutes(RED, runtime);
};
