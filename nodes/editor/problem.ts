/**
 * What a validator found wrong: a catalog key and its parameters. The validators stay pure (no
 * Node-RED, no jQuery, testable under mocha); the dialog code turns a problem into text with
 * translate.ts, and into HTML only through escape.ts.
 */
import type { CatalogKey } from './catalog-keys';

/** Parameters of a catalog text (`__name__` placeholders). */
export type ProblemParams = Readonly<Record<string, string | number>>;

/** A reason to refuse a value, worded by the catalog entry `key`. */
export interface Problem {
  readonly key: CatalogKey;
  readonly params?: ProblemParams;
}

/** A {@link Problem} for `key`, with `params` when the text has placeholders. */
export function problem(key: CatalogKey, params?: ProblemParams): Problem {
  return params ? { key, params } : { key };
}
