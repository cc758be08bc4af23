/**
 * Catalog lookups for the editor: every word a dialog shows comes from this node set's catalog
 * (locales/<lang>/ayla-dss.json), which Node-RED has loaded before it runs this bundle.
 */
import type { CatalogKey } from './catalog-keys';
import type { Problem } from './problem';
import type { TranslateParams } from './red-api';

/**
 * The type whose registered definition translates: every type of the node set shares one
 * namespace, and this one is registered first.
 */
const NAMESPACE_TYPE = 'ayla-dss-account';

/**
 * The text of `key` with its `__name__` placeholders filled. Goes through the registered type
 * because validators may run with `this` bound to an imported node that has no `_` yet. The
 * result is plain text, not HTML: Node-RED's i18next does not escape parameters.
 */
export function t(key: CatalogKey, params?: TranslateParams): string {
  const definition = RED.nodes.getType(NAMESPACE_TYPE);
  return definition && typeof definition._ === 'function' ? definition._(key, params) : key;
}

/** The text of a validator's {@link Problem}. */
export function describe(found: Problem): string {
  return t(found.key, found.params);
}
