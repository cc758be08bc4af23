/**
 * Node-RED entry of node-red-contrib-ayla-dss: registers the account config node, the five
 * event-in nodes and the admin routes the editor uses. Node-RED calls this once per load.
 */
import type { NodeAPI } from 'node-red';
import { EVENT_TYPES } from './lib/events';
import { registerAccountNode } from './account-node';
import { registerAdminRoutes } from './admin-routes';
import { registerEventInNode } from './event-in-node';

export = function registerAylaDssNodes(RED: NodeAPI): void {
  registerAccountNode(RED);
  for (const eventType of EVENT_TYPES) registerEventInNode(RED, eventType);
  registerAdminRoutes(RED);
};
