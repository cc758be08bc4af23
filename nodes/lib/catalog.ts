/**
 * Catalog lookups for the runtime: every text a user sees comes from
 * `locales/<lang>/ayla-dss.json`, section `ayla-dss-account` (the account owns the connection,
 * so connection states and error texts live there and every in-node shares them).
 */
import catalog from '../../locales/en-US/ayla-dss.json';

/** The catalog section holding runtime texts. */
export const CATALOG_SECTION = 'ayla-dss-account';

/** Node-RED's translate function as a node module receives it (`RED._`). */
export type Translate = (key: string, params?: Record<string, unknown>) => string;

const KNOWN_ERROR_CODES: ReadonlySet<string> = new Set(Object.keys(catalog[CATALOG_SECTION].errors));
const STATUS_TEXT_CODES: ReadonlySet<string> = new Set(Object.keys(catalog[CATALOG_SECTION].statusText));

/** True when the catalog has a text for `code`. */
export function hasErrorText(code: string): boolean {
  return KNOWN_ERROR_CODES.has(code);
}

/** The catalog key for an error code: `ayla-dss-account.errors.<CODE>`, or `…errors.UNKNOWN` for codes the catalog lacks. */
export function errorKey(code: string): string {
  return `${CATALOG_SECTION}.errors.${hasErrorText(code) ? code : 'UNKNOWN'}`;
}

/** The human text for an error code; `code` is always available as a parameter (`__code__`). */
export function errorText(translate: Translate, code: string, params: Record<string, unknown> = {}): string {
  return translate(errorKey(code), { detail: '', ...params, code });
}

/** The en-US text of a dotted catalog key, or undefined. */
function referenceText(key: string): string | undefined {
  let node: unknown = catalog;
  for (const part of key.split('.')) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  return typeof node === 'string' ? node : undefined;
}

/**
 * The parameters the text of `key` shows (its `__name__` placeholders), as plain strings and
 * numbers: what a client needs to word the same text from its own catalog, in its own language,
 * and nothing the text does not already show.
 */
export function shownParams(key: string, params: Record<string, unknown>): Record<string, string | number> {
  const shown: Record<string, string | number> = {};
  for (const [, name] of (referenceText(key) ?? '').matchAll(/__([A-Za-z0-9]+)__/g)) {
    const value = params[name];
    if (typeof value === 'number' || typeof value === 'string') shown[name] = value;
    else if (value !== undefined && value !== null) shown[name] = String(value);
  }
  return shown;
}

/** The catalog key of a status text: `ayla-dss-account.status.<name>`. */
export function statusKey(name: string): string {
  return `${CATALOG_SECTION}.status.${name}`;
}

/**
 * The catalog key of a failure's status text: the short phrase for `code`
 * (`ayla-dss-account.statusText.<CODE>`), or the state's general words
 * (`ayla-dss-account.status.<state>`) for a code without one. The code itself is not shown: it
 * is in the node's error message.
 */
export function statusTextKey(state: 'auth-failed' | 'config-error', code: string): string {
  return STATUS_TEXT_CODES.has(code) ? `${CATALOG_SECTION}.statusText.${code}` : statusKey(state);
}

/** The catalog key of a runtime message: `ayla-dss-account.messages.<name>`. */
export function messageKey(name: string): string {
  return `${CATALOG_SECTION}.messages.${name}`;
}
