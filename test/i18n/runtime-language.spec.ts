/**
 * The runtime speaks the language Node-RED runs in. node-red-node-test-helper hands nodes a
 * `RED._` that answers the bare key, so here the nodes get the translation Node-RED itself
 * gives them: Node-RED's i18n (@node-red/util, from the runtime under test) started with the
 * `lang` setting, this package's catalogs registered under its module name and Node-RED's core
 * catalog under `node-red`, and keys without a namespace prefixed with this package's, as
 * Node-RED's registry does for every node module.
 *
 * A flow whose account refers to an unset environment variable must then report its status
 * and its error in German (and in Japanese and Chinese), placeholders filled; a working one
 * shows Node-RED's own word for "connected" in that language.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import {
  ACCOUNT_ID,
  accountCredentials,
  accountNode,
  aylaNodes,
  helper,
  helperNode,
  inNode,
  requireCoreNode,
  resolveCoreModule,
  useSimulatorAndHelper,
  waitFor,
} from '../nodes/support/flow-kit';

/** The namespace Node-RED gives this package's catalog: the module name. */
const NAMESPACE = 'node-red-contrib-ayla-dss';
const LOCALES = path.resolve(__dirname, '..', '..', 'locales');
const UNSET_VARIABLE = 'AYLA_I18N_TEST_UNSET';

type Translate = (key: string, params?: Record<string, unknown>) => string;
interface NodeRedI18n {
  init(settings: Record<string, unknown>): void;
  registerMessageCatalog(namespace: string, dir: string, file: string): Promise<void>;
  i: { loadLanguages(languages: string[]): Promise<void>; getFixedT(lang: string): Translate };
}

/** Node-RED's i18n, started as the runtime starts it with `lang: 'de'` in its settings. */
async function startNodeRedI18n(): Promise<NodeRedI18n> {
  const { i18n } = requireCoreNode('@node-red/util') as unknown as { i18n: NodeRedI18n };
  i18n.init({ lang: 'de' });
  await i18n.registerMessageCatalog(NAMESPACE, LOCALES, 'ayla-dss.json');
  const coreNodes = path.dirname(resolveCoreModule('@node-red/nodes/package.json'));
  await i18n.registerMessageCatalog('node-red', path.join(coreNodes, 'locales'), 'messages.json');
  return i18n;
}

/** This package's node module, given the `RED._` Node-RED gives it, in `lang`. */
function nodesIn(i18n: NodeRedI18n, lang: string): (RED: unknown) => void {
  const translate = i18n.i.getFixedT(lang);
  return (RED: unknown) => {
    (RED as { _: Translate })._ = (key, params) => translate(key.includes(':') ? key : `${NAMESPACE}:${key}`, params);
    aylaNodes(RED);
  };
}

/** What the node `id` passed to Node.prototype.error / status (sinon spies while the helper runs). */
function callsOn(id: string, method: 'error' | 'status'): unknown[][] {
  const node = helper.getNode(id) as unknown as Record<string, { getCalls(): Array<{ thisValue: unknown; args: unknown[] }> }>;
  return node[method].getCalls().filter((call) => call.thisValue === node).map((call) => call.args);
}

/** Per language: the error and status of an unset `${NAME}` credential, and Node-RED's "connected". */
const EXPECTED: Record<string, { error: string; status: string; connected: string }> = {
  de: {
    error: `Ein Feld der Zugangsdaten verweist auf die Umgebungsvariable ${UNSET_VARIABLE}, die nicht gesetzt ist`,
    status: 'Konfigurationsfehler (ENV_MISSING)',
    connected: 'Verbunden',
  },
  ja: {
    error: `認証情報が環境変数 ${UNSET_VARIABLE} を参照していますが、この環境変数は設定されていません`,
    status: '設定エラー (ENV_MISSING)',
    connected: '接続済',
  },
  'zh-CN': {
    error: `凭据引用了环境变量 ${UNSET_VARIABLE}，但该变量未设置`,
    status: '配置错误（ENV_MISSING）',
    connected: '已连接',
  },
};

describe('runtime texts in the language Node-RED runs in (Node-RED i18n, lang setting)', function () {
  this.timeout(20_000);
  const sim = useSimulatorAndHelper();
  let i18n: NodeRedI18n;

  before(async () => {
    delete process.env[UNSET_VARIABLE];
    i18n = await startNodeRedI18n();
    await i18n.i.loadLanguages(Object.keys(EXPECTED));
  });

  for (const [lang, expected] of Object.entries(EXPECTED)) {
    it(`${lang}: a configuration error's status and error text, placeholders filled`, async () => {
      const credentials = { [ACCOUNT_ID]: { ...sim().account, password: `\${${UNSET_VARIABLE}}` } };
      await helper.load(nodesIn(i18n, lang), [accountNode(sim()), inNode('datapoint', 'n1', { oemModel: 'thermo-t100' }), helperNode()], credentials);
      const error = await waitFor('an error from n1', () => (callsOn('n1', 'error')[0]?.[0] as string | undefined) ?? null);
      assert.equal(error, expected.error);
      const status = await waitFor('a red status on n1', () => callsOn('n1', 'status').map((args) => args[0] as { fill?: string; text?: string }).find((s) => s.fill === 'red'));
      assert.equal(status.text, expected.status);
    });

    it(`${lang}: Node-RED's own word for "connected" once the stream is up`, async () => {
      await helper.load(nodesIn(i18n, lang), [accountNode(sim()), inNode('datapoint', 'n1', { oemModel: 'thermo-t100' }), helperNode()], accountCredentials(sim()));
      const status = await waitFor('a green status on n1', () => callsOn('n1', 'status').map((args) => args[0] as { fill?: string; text?: string }).find((s) => s.fill === 'green'));
      assert.equal(status.text, expected.connected);
    });
  }
});
