/**
 * Admin HTTP routes the editor calls, all behind `RED.auth.needsPermission`. GET routes only
 * read; only POST does anything (a sign-in, which changes no state of Node-RED or of the
 * account).
 *
 * The POST route can fill in the stored password and app secret of a deployed account. It
 * accepts JSON only: without `adminAuth` (Node-RED's default) a web page on another site can
 * make the browser POST a urlencoded form to the local editor, but never JSON without a CORS
 * preflight Node-RED does not grant. Where the secrets may go is decided in
 * `lib/test-connection.ts`.
 */
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import { ACCOUNT_NODE_TYPE, isAccountNode } from './account-node';
import { errorKey, errorText, messageKey, shownParams } from './lib/catalog';
import { ENDPOINT_TABLE, REGIONS, deploymentsFor, type Region } from './lib/endpoints';
import { diagnosticsDocument, packageVersion, type VersionInfo } from './lib/diagnostics';
import { messageOf } from './lib/errors';
import type { AccountCredentials, AccountNodeProperties } from './lib/node-options';
import type { AylaDssRuntime } from './lib/runtime';
import { NOT_JSON_CODE, testConnection, type StoredAccount } from './lib/test-connection';

/** GET: the endpoint table and the deployments of each region. */
export const ENDPOINTS_ROUTE = '/ayla-dss/endpoints';
/** POST: sign in with the given (or stored) account settings. */
export const TEST_CONNECTION_ROUTE = '/ayla-dss/test-connection';
/** GET: versions, settings, sign-in budget and streams of a deployed account, and the runtime's flow control (no secrets: `lib/diagnostics.ts`). */
export const DIAGNOSTICS_ROUTE = '/ayla-dss/accounts/:id/diagnostics';

/** The deployed account node `id` with its stored credentials; undefined for any other node or an undeployed one. */
export function storedAccount(RED: NodeAPI, id: string): StoredAccount | undefined {
  let properties: AccountNodeProperties | undefined;
  RED.nodes.eachNode((node) => {
    if (node.id === id && node.type === ACCOUNT_NODE_TYPE) properties = node as AccountNodeProperties;
  });
  if (!properties) return undefined;
  return { properties, credentials: (RED.nodes.getCredentials(id) as AccountCredentials | undefined) ?? {} };
}

/** This package's, Node-RED's and Node.js's versions. `RED.version()` answers a string (typed as a promise; missing in the test helper). */
function versionsOf(RED: NodeAPI): VersionInfo {
  const version = (RED as unknown as { version?: () => unknown }).version;
  const nodeRed = typeof version === 'function' ? version.call(RED) : undefined;
  return { package: packageVersion(), nodeRed: typeof nodeRed === 'string' ? nodeRed : 'unknown', node: process.version };
}

/** Registers the admin routes on `runtime`'s Node-RED. */
export function registerAdminRoutes(RED: NodeAPI, runtime: AylaDssRuntime): void {
  const app = RED.httpAdmin;
  if (!app) return;
  const translate = (key: string, params?: Record<string, unknown>): string => RED._(key, params as Record<string, string>);
  const canRead = RED.auth.needsPermission(`${ACCOUNT_NODE_TYPE}.read`);

  app.get(ENDPOINTS_ROUTE, canRead, (_req: Request, res: Response) => {
    const deployments = Object.fromEntries(REGIONS.map((region: Region) => [region, deploymentsFor(region)]));
    res.json({ table: ENDPOINT_TABLE, deployments });
  });

  app.get(DIAGNOSTICS_ROUTE, canRead, (req: Request, res: Response) => {
    const node = RED.nodes.getNode(String(req.params.id));
    if (!isAccountNode(node)) {
      res.status(404).json({ code: 'NOT_FOUND' });
      return;
    }
    res.json(diagnosticsDocument(node.diagnostics(), versionsOf(RED), runtime.flowControl.state(), Date.now()));
  });

  app.post(TEST_CONNECTION_ROUTE, RED.auth.needsPermission(`${ACCOUNT_NODE_TYPE}.write`), (req: Request, res: Response) => {
    if (!req.is('application/json')) {
      res.status(415).json({ ok: false, code: NOT_JSON_CODE, message: errorText(translate, NOT_JSON_CODE), params: shownParams(errorKey(NOT_JSON_CODE), { code: NOT_JSON_CODE }) });
      return;
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const id = typeof body.id === 'string' ? body.id : undefined;
    testConnection(body, id ? storedAccount(RED, id) : undefined, {
      signInBudget: runtime.signInBudget,
      translate,
      errorKey,
      successKey: messageKey('signed-in'),
    }).then(
      (answer) => res.json(answer),
      (error: unknown) => {
        RED.log.debug(`ayla-dss test connection failed: ${messageOf(error)}`);
        res.json({ ok: false, code: 'UNKNOWN', message: errorText(translate, 'UNKNOWN'), params: shownParams(errorKey('UNKNOWN'), { code: 'UNKNOWN' }) });
      },
    );
  });
}
