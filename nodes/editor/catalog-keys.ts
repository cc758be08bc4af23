/**
 * The keys of this node set's message catalog (locales/en-US/ayla-dss.json) as a type, so a
 * misspelt or removed key fails the type check instead of showing the bare key to a user.
 * Type-only: the catalog is not bundled (Node-RED serves it to the editor itself).
 */
import type catalog from '../../locales/en-US/ayla-dss.json';

/** Dotted paths to the string leaves of `T`: `{ a: { b: 'x' } }` gives `'a.b'`. */
type LeafPaths<T> = {
  [K in keyof T & string]: T[K] extends string ? K : `${K}.${LeafPaths<T[K]>}`;
}[keyof T & string];

/** The base key of a plural text (`x_one`, `x_other`): i18next picks the form by the `count` parameter. */
type PluralBase<K> = K extends `${infer Base}_other` ? Base : never;

/** A key of the node set's catalog, e.g. `ayla-dss-account.label.region`, or a plural text's base key (give it `count`). */
export type CatalogKey = LeafPaths<typeof catalog> | PluralBase<LeafPaths<typeof catalog>>;
