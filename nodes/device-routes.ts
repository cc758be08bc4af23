/**
 * Admin routes of the editor's device and property pickers (`docs/protocol.md` §7.7), behind
 * `RED.auth.needsPermission` like every route of the package:
 * - `GET ayla-dss/accounts/:id/devices?search=&limit=&offset=&refresh=` and
 *   `GET ayla-dss/accounts/:id/devices/:dsn/properties?refresh=` for a deployed account
 *   (`ayla-dss-account.read`); they only read, through the account's own session and caches;
 * - `POST ayla-dss/lookup/devices` and `POST ayla-dss/lookup/properties` for the dialog's unsaved
 *   values (`ayla-dss-account.write`, JSON only, like Test connection): stored secrets and
 *   `${NAME}` values only go to the user and device services the account was deployed with.
 *
 * Failures answer `{ code, message }` (the catalog text) with 400 (bad query), 404 (account not
 * deployed, unknown device), 415 (not JSON), 422 (the account's settings) or 502 (the cloud).
 */
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import { ACCOUNT_NODE_TYPE, isAccountNode } from './account-node';
import { storedAccount } from './admin-routes';
import { NOT_JSON_CODE } from './lib/test-connection';
import { errorText } from './lib/catalog';
import { readLookupQuery, searchDevices, summariseProperties } from './lib/device-lookup';
import { mayUseCredentials, readDialogAccount, STORED_CREDENTIALS_ELSEWHERE_CODE } from './lib/dialog-account';
import { CodedError, messageOf } from './lib/errors';
import type { DeviceAccess } from './lib/hub/device-access';
import type { AylaDssRuntime } from './lib/runtime';

/** GET: a page of a deployed account's devices matching `search`. */
export const DEVICES_ROUTE = '/ayla-dss/accounts/:id/devices';
/** GET: a device's properties, for a deployed account. */
export const PROPERTIES_ROUTE = '/ayla-dss/accounts/:id/devices/:dsn/properties';
/** POST: a page of devices for the dialog's unsaved account values. */
export const LOOKUP_DEVICES_ROUTE = '/ayla-dss/lookup/devices';
/** POST: a device's properties for the dialog's unsaved account values. */
export const LOOKUP_PROPERTIES_ROUTE = '/ayla-dss/lookup/properties';

/** Codes of the account's configuration: the dialog's values must change, the cloud was not asked. */
const CONFIG_CODES: ReadonlySet<string> = new Set([
  'NO_DEVICE_URL',
  'NO_ENDPOINT',
  'MISSING_CREDENTIALS',
  'ENV_MISSING',
  'OUT_OF_RANGE',
  'BAD_INSTANCE_LABEL',
  'UNKNOWN_REGION',
  'NO_SUCH_DEPLOYMENT',
  'BAD_URL',
  'INSECURE_URL',
  'CLOSED',
  STORED_CREDENTIALS_ELSEWHERE_CODE,
]);

/** Longest DSN accepted in a route (Ayla's are 15 characters). */
const MAX_DSN_CHARS = 100;

/** Registers the picker routes on `runtime`'s Node-RED. */
export function registerDeviceRoutes(RED: NodeAPI, runtime: AylaDssRuntime): void {
  const app = RED.httpAdmin;
  if (!app) return;
  const translate = (key: string, params?: Record<string, unknown>): string => RED._(key, params as Record<string, string>);
  const canRead = RED.auth.needsPermission(`${ACCOUNT_NODE_TYPE}.read`);
  const canWrite = RED.auth.needsPermission(`${ACCOUNT_NODE_TYPE}.write`);

  const fail = (res: Response, status: number, code: string, params: Record<string, unknown> = {}) => {
    res.status(status).json({ code, message: errorText(translate, code, params) });
  };
  const failWith = (res: Response, error: unknown) => {
    if (!(error instanceof CodedError)) {
      RED.log.debug(`ayla-dss device look-up failed: ${messageOf(error)}`);
      fail(res, 502, 'UNKNOWN');
      return;
    }
    const status = error.code === 'BAD_QUERY' ? 400 : error.code === 'DEVICE_NOT_FOUND' ? 404 : CONFIG_CODES.has(error.code) ? 422 : 502;
    fail(res, status, error.code, { detail: error.message, ...error.params });
  };
  /** A DSN from a route or a body, or null when it cannot be one. */
  const dsnOf = (value: unknown): string | null => {
    const dsn = typeof value === 'string' ? value.trim() : '';
    return dsn !== '' && dsn.length <= MAX_DSN_CHARS && !/\p{Cc}/u.test(dsn) ? dsn : null;
  };
  /** The deployed account's device service, or a failure already answered. */
  const deployed = (req: Request, res: Response): DeviceAccess | null => {
    const node = RED.nodes.getNode(String(req.params.id));
    if (!isAccountNode(node)) {
      fail(res, 404, 'ACCOUNT_NOT_DEPLOYED');
      return null;
    }
    try {
      return node.devices();
    } catch (error) {
      failWith(res, error);
      return null;
    }
  };
  /** The device service for the dialog's values in a POST body, or a failure already answered. */
  const unsaved = (req: Request, res: Response): DeviceAccess | null => {
    if (!req.is('application/json')) {
      fail(res, 415, NOT_JSON_CODE);
      return null;
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const stored = typeof body.id === 'string' ? storedAccount(RED, body.id) : undefined;
    const dialog = readDialogAccount(body, stored);
    if (!dialog.ok) {
      fail(res, 422, dialog.code, dialog.params);
      return null;
    }
    // The token the stored secrets buy goes to the device service: it must be the deployed one too.
    if (!mayUseCredentials(dialog, stored, ['userUrl', 'deviceUrl'])) {
      fail(res, 422, STORED_CREDENTIALS_ELSEWHERE_CODE);
      return null;
    }
    const { account } = dialog;
    try {
      return runtime.lookUpDevices({
        endpoints: account.endpoints,
        clientType: account.clientType,
        credentials: account.credentials,
        heartbeatTimeoutMs: account.heartbeatTimeoutMs,
        instanceLabel: account.instanceLabel,
        writeRate: account.writeRate,
      });
    } catch (error) {
      failWith(res, error);
      return null;
    }
  };

  const answerDevices = (access: DeviceAccess, source: Record<string, unknown>, res: Response) => {
    let query;
    try {
      query = readLookupQuery(source);
    } catch (error) {
      failWith(res, error);
      return;
    }
    access.devices({ fresh: query.refresh }).then(
      (snapshot) => res.json(searchDevices(snapshot.devices, query)),
      (error: unknown) => failWith(res, error),
    );
  };
  const answerProperties = (access: DeviceAccess, dsnValue: unknown, refresh: unknown, res: Response) => {
    const dsn = dsnOf(dsnValue);
    if (dsn === null) {
      fail(res, 400, 'BAD_QUERY', { detail: 'no DSN' });
      return;
    }
    const fresh = refresh === true || refresh === 'true' || refresh === '1';
    access.properties(dsn, { fresh }).then(
      (snapshot) => res.json(summariseProperties(snapshot.properties)),
      (error: unknown) => failWith(res, error),
    );
  };

  app.get(DEVICES_ROUTE, canRead, (req: Request, res: Response) => {
    const access = deployed(req, res);
    if (access) answerDevices(access, req.query as Record<string, unknown>, res);
  });

  app.get(PROPERTIES_ROUTE, canRead, (req: Request, res: Response) => {
    const access = deployed(req, res);
    if (access) answerProperties(access, req.params.dsn, (req.query as Record<string, unknown>).refresh, res);
  });

  app.post(LOOKUP_DEVICES_ROUTE, canWrite, (req: Request, res: Response) => {
    const access = unsaved(req, res);
    if (access) answerDevices(access, req.body as Record<string, unknown>, res);
  });

  app.post(LOOKUP_PROPERTIES_ROUTE, canWrite, (req: Request, res: Response) => {
    const access = unsaved(req, res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (access) answerProperties(access, body.dsn, body.refresh, res);
  });
}
