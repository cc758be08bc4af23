/**
 * The en-US texts a user reads, for tests that check words and counts rather than catalog keys:
 * an i18next instance (the library and major version Node-RED uses) set up like Node-RED's
 * (`@node-red/util/lib/i18n.js`: `__name__` placeholders, no escaping, `.` and `:` separators),
 * holding this package's catalog and Node-RED's core node catalog (`node-red:` keys).
 *
 * The flow-test helper's `RED._` answers the bare key; {@link inEnglish} gives a node module the
 * real texts instead, for one `helper.load`.
 */
import i18next from 'i18next';
import catalog from '../../locales/en-US/ayla-dss.json';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const coreCatalog = require(require.resolve('@node-red/nodes/locales/en-US/messages.json', { paths: [require.resolve('node-red')] })) as Record<string, unknown>;

/** This package's namespace: Node-RED names a node set's catalog after its module. */
const NAMESPACE = 'ayla-dss';

const english = i18next.createInstance();
void english.init({
  lng: 'en-US',
  fallbackLng: 'en-US',
  ns: [NAMESPACE, 'node-red'],
  defaultNS: NAMESPACE,
  resources: { 'en-US': { [NAMESPACE]: catalog, 'node-red': coreCatalog } },
  keySeparator: '.',
  nsSeparator: ':',
  interpolation: { unescapeSuffix: 'HTML', escapeValue: false, prefix: '__', suffix: '__' },
  initAsync: false,
  showSupportNotice: false,
} as Parameters<typeof english.init>[0]);

/** The en-US text of `key` (a key of this package's catalog, or `node-red:…`), as Node-RED's `RED._` gives it. */
export function englishText(key: string, params: Record<string, unknown> = {}): string {
  return english.t(key, params) as string;
}

/** `nodeModule` with `RED._` answering en-US texts (see {@link englishText}) instead of bare keys. */
export function inEnglish(nodeModule: (RED: unknown) => void): (RED: unknown) => void {
  return (RED: unknown) => {
    (RED as { _: typeof englishText })._ = englishText;
    nodeModule(RED);
  };
}
