/**
 * The runtime speaks the language Node-RED runs in. node-red-node-test-helper hands nodes a
 * `RED._` that answers the bare key, so here the nodes get the translation Node-RED itself
 * gives them: Node-RED's i18n (@node-red/util, from the runtime under test) started with the
 * `lang` setting, this package's catalogs registered under its module name and Node-RED's core
 * catalog under `node-red`, and keys without a namespace prefixed with this package's, as
 * Node-RED's registry does for every node module.
 *
 * A flow whose account refers to an unset environment variable must then report its status
 * (the failure's short phrase) and its error in German (and in Japanese and Chinese),
 * placeholders filled; a working one shows Node-RED's own word for "connected" in that language.
 * The in-nodes' counting statuses pick each language's plural forms (German: one and other;
 * Japanese and Chinese: other only) the way i18next picks them for the count.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { inNodeStatus } from '../../nodes/lib/in-node-status';
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

/**
 * Per language: the error and status of an unset `${NAME}` credential, Node-RED's "connected",
 * and an in-node's status with one event and one malformed frame (`single`) and with five events,
 * three malformed frames and lost events (`plural`), each after a quiet stream.
 */
const EXPECTED: Record<string, { error: string; status: string; connected: string; single: string; plural: string }> = {
  de: {
    error: `Ein Feld der Zugangsdaten verweist auf die Umgebungsvariable ${UNSET_VARIABLE}, die nicht gesetzt ist`,
    status: 'Umgebungsvariable nicht gesetzt',
    connected: 'Verbunden',
    single: 'Verbunden · 1 Ereignis · 1 fehlerhafter Frame ignoriert · letztes Ereignis vor 20 s',
    plural: 'Verbunden · 5 Ereignisse · 3 fehlerhafte Frames ignoriert · Ereignisse 12–40 verloren · letztes Ereignis vor 2 min',
  },
  ja: {
    error: `認証情報が環境変数 ${UNSET_VARIABLE} を参照していますが、この環境変数は設定されていません`,
    status: '環境変数が未設定',
    connected: '接続済',
    single: '接続済 · イベント 1 件 · 不正なフレーム 1 件を無視 · 最終イベント 20 秒前',
    plural: '接続済 · イベント 5 件 · 不正なフレーム 3 件を無視 · イベント 12–40 欠落 · 最終イベント 2 分前',
  },
  'zh-CN': {
    error: `凭据引用了环境变量 ${UNSET_VARIABLE}，但该变量未设置`,
    status: '环境变量未设置',
    connected: '已连接',
    single: '已连接 · 1 条事件 · 已忽略 1 个异常帧 · 最后一条事件：20 秒前',
    plural: '已连接 · 5 条事件 · 已忽略 3 个异常帧 · 事件 12–40 丢失 · 最后一条事件：2 分钟前',
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

    it(`${lang}: counting statuses in the language's plural forms, the quiet stream's "last event … ago"`, () => {
      const translate = i18n.i.getFixedT(lang);
      const t = (key: string, params?: Record<string, unknown>) => translate(key.includes(':') ? key : `${NAMESPACE}:${key}`, params);
      const connected = { state: 'connected' } as const;
      assert.equal(inNodeStatus(connected, { sent: 1, invalid: 1, lost: null }, t, 20_000).text, expected.single);
      assert.equal(inNodeStatus(connected, { sent: 5, invalid: 3, lost: { from: 12, to: 40 } }, t, 150_000).text, expected.plural);
    });

    it(`${lang}: Node-RED's own word for "connected" once the stream is up`, async () => {
      await helper.load(nodesIn(i18n, lang), [accountNode(sim()), inNode('datapoint', 'n1', { oemModel: 'thermo-t100' }), helperNode()], accountCredentials(sim()));
      const status = await waitFor('a green status on n1', () => callsOn('n1', 'status').map((args) => args[0] as { fill?: string; text?: string }).find((s) => s.fill === 'green'));
      assert.equal(status.text, expected.connected);
    });
  }
});
