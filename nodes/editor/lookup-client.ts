/**
 * The pickers' requests to the runtime's look-up routes (nodes/device-routes.ts): the account
 * a node dialog has selected, and a page of its devices or a device's properties as promises.
 * A deployed account that the runtime no longer knows (deleted by another user's deploy) is
 * asked again with its settings.
 */
import {
  accountSettingsOf,
  devicesRequest,
  lookupFailure,
  propertiesRequest,
  type DeviceChoice,
  type DeviceQuery,
  type LookupAccount,
  type LookupFailure,
  type LookupRequest,
  type PropertyChoice,
} from './picker-model';
import { ACCOUNT_TYPE } from './account-users';

/** A look-up stops waiting after this long (the runtime has its own, shorter timeouts). */
const LOOKUP_TIMEOUT_MS = 45_000;

/** A look-up that failed, with the route's code ('' when the runtime sent none). */
export class LookupError extends Error {
  constructor(readonly failure: LookupFailure) {
    super(failure.message);
    this.name = 'LookupError';
  }
}

/** The account with id `id` as a picker uses it, or null when there is none (nothing chosen yet, "add new…"). */
export function lookupAccountOf(id: string): LookupAccount | null {
  const node = id === '' ? null : RED.nodes.node(id);
  if (!node || node.type !== ACCOUNT_TYPE) return null;
  return { id, deployed: node.changed !== true, settings: accountSettingsOf(id, node) };
}

function send<T>(request: LookupRequest): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    $.ajax({
      url: request.url,
      type: request.method,
      dataType: 'json',
      timeout: LOOKUP_TIMEOUT_MS,
      cache: false,
      ...(request.method === 'POST' ? { contentType: 'application/json; charset=utf-8', data: JSON.stringify(request.body) } : {}),
    })
      .done((answer: T) => resolve(answer))
      .fail((xhr: JQuery.jqXHR, status: string, error: string) => {
        reject(new LookupError(lookupFailure(xhr.responseJSON, error || status || `HTTP ${xhr.status}`)));
      });
  });
}

/** Sends `make(account)`; a deployed account the runtime answers ACCOUNT_NOT_DEPLOYED for is asked again with its settings. */
async function ask<T>(account: LookupAccount, make: (account: LookupAccount) => LookupRequest): Promise<T> {
  try {
    return await send<T>(make(account));
  } catch (error) {
    if (!account.deployed || !(error instanceof LookupError) || error.failure.code !== 'ACCOUNT_NOT_DEPLOYED') throw error;
    return send<T>(make({ ...account, deployed: false }));
  }
}

/** A page of the account's devices matching `query.search`, and how many match in all. */
export function fetchDevices(account: LookupAccount, query: DeviceQuery): Promise<{ devices: DeviceChoice[]; total: number }> {
  return ask(account, (which) => devicesRequest(which, query));
}

/** A device's properties. */
export function fetchProperties(account: LookupAccount, dsn: string, refresh: boolean): Promise<{ properties: PropertyChoice[] }> {
  return ask(account, (which) => propertiesRequest(which, dsn, refresh));
}
