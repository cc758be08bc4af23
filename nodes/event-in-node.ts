/**
 * The five `ayla-<event>-in` node types, built by one factory. Wiring only: each node hands its
 * configuration, its account and its outputs to an {@link InNodeController}
 * (`lib/in-node-controller.ts`), which does the work, and forwards the control input and close.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { Translate } from './lib/catalog';
import type { EventType } from './lib/events';
import { InNodeController } from './lib/in-node-controller';
import { messageKey } from './lib/catalog';
import { CONFIG_VERSION, migrateNodeConfig, newerConfigVersion } from './lib/config-migration';
import { inNodeTypeOf } from './lib/messages';
import type { EventInCredentials, EventInNodeProperties } from './lib/node-options';
import { isAccountNode } from './account-node';

export { STATUS_REFRESH_MS } from './lib/in-node-controller';

/** Credential definitions of every in-node: the stream key is a secret. */
export const EVENT_IN_CREDENTIALS: Readonly<Record<keyof Required<EventInCredentials>, { readonly type: 'text' | 'password' }>> = { streamKey: { type: 'password' } };

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
    const controller = new InNodeController(eventType, config, translate, {
      send: (msg) => node.send(msg),
      status: (status) => node.status(status),
      warn: (text) => node.warn(text),
      error: (text, msg) => node.error(text, msg),
    });
    // Node-RED wires Status and Catch nodes only after building every node of the flow, without
    // yielding to the event loop: what the node shows before this immediate reaches nobody.
    let flowReady: NodeJS.Immediate | null = setImmediate(() => {
      flowReady = null;
      controller.flowReady();
    });
    node.on('input', (msg: { payload?: unknown; seq?: unknown }) => controller.command(msg));
    node.on('close', (removed: boolean, done: () => void) => {
      if (flowReady) clearImmediate(flowReady);
      flowReady = null;
      controller.close(removed === true);
      done();
    });
    const account = config.account ? RED.nodes.getNode(config.account) : null;
    const accountNode = isAccountNode(account) ? account : null;
    controller.begin(accountNode, accountNode?.configProblem ?? null, node.credentials);
  }

  RED.nodes.registerType<Node<EventInCredentials>, EventInNodeDef, unknown, EventInCredentials>(inNodeTypeOf(eventType), AylaEventInNode, {
    credentials: EVENT_IN_CREDENTIALS,
  });
}
