/**
 * Bad configuration is reported by catalog key (the test helper's RED._ returns the key), with a
 * red status and nothing sent; credentials (also `${NAME}` ones) never leak into properties,
 * status texts or error messages.
 */
import { strict as assert } from 'node:assert';
import {
  ACCOUNT_ID,
  accountCredentials,
  accountNode,
  aylaNodes,
  helper,
  helperNode,
  inNode,
  simState,
  THERMOSTAT,
  useSimulatorAndHelper,
  waitConnected,
  waitFor,
} from './support/flow-kit';

/** The status texts of failures: one short phrase per code. */
const STATUS_TEXT = 'ayla-dss-account.statusText.';

describe('ayla-dss nodes: configuration errors and credentials', function () {
  const sim = useSimulatorAndHelper({ simulatorPerTest: true });
  afterEach(() => {
    delete process.env.AYLA_TEST_PASSWORD;
  });

  /** Calls of a Node.prototype method (a sinon spy while the helper runs) made on node `id`. */
  function callsOn(id: string, method: 'error' | 'status'): unknown[][] {
    const node = helper.getNode(id) as unknown as Record<string, { getCalls(): Array<{ thisValue: unknown; args: unknown[] }> }>;
    return node[method].getCalls().filter((call) => call.thisValue === node).map((call) => call.args);
  }

  /** Loads a flow and returns the first error text of node n1 and its statuses. */
  async function firstError(flow: Array<Record<string, unknown>>, credentials: Record<string, Record<string, string>> = accountCredentials(sim())) {
    await helper.load(aylaNodes, flow, credentials);
    const error = await waitFor('an error from n1', () => (callsOn('n1', 'error')[0]?.[0] as string | undefined) ?? null);
    const statuses = () => callsOn('n1', 'status').map((args) => args[0] as Record<string, unknown>);
    return { error, statuses, node: helper.getNode('n1'), errors: () => callsOn('n1', 'error') };
  }

  it('missing account: NO_ACCOUNT, red status', async () => {
    const { error, statuses } = await firstError([inNode('datapoint', 'n1', { account: '' }), helperNode()]);
    assert.equal(error, 'ayla-dss-account.errors.NO_ACCOUNT');
    const status = statuses().at(-1) as { fill: string; text: string };
    assert.equal(status.fill, 'red');
    assert.equal(status.text, `${STATUS_TEXT}NO_ACCOUNT`, 'a short phrase for the code, not the code');
  });

  it('bad custom URL: BAD_URL; plain ws:// to a remote host: INSECURE_URL', async () => {
    let result = await firstError([accountNode(sim(), { streamUrl: 'not a url' }), inNode('datapoint', 'n1'), helperNode()]);
    assert.equal(result.error, 'ayla-dss-account.errors.BAD_URL');
    await helper.unload();
    result = await firstError([accountNode(sim(), { streamUrl: 'ws://192.0.2.1/stream' }), inNode('datapoint', 'n1'), helperNode()]);
    assert.equal(result.error, 'ayla-dss-account.errors.INSECURE_URL');
  });

  it('invalid regex: INVALID_REGEX, nothing connects', async () => {
    const { error } = await firstError([
      accountNode(sim()),
      inNode('datapoint', 'n1', { oemModel: 'thermo-t100', dsnFilter: [{ mode: 'regex', pattern: 'AC(' }] }),
      helperNode(),
    ]);
    assert.equal(error, 'ayla-dss-account.errors.INVALID_REGEX');
    assert.equal((await simState(sim())).sockets, 0);
  });

  it('a regex that could block the event loop: UNSAFE_REGEX with a red status, nothing connects', async () => {
    const { error, statuses } = await firstError([
      accountNode(sim()),
      inNode('datapoint', 'n1', { oemModel: 'thermo-t100', propertyFilter: [{ mode: 'regex', pattern: '^([a-z_]+)*$' }] }),
      helperNode(),
    ]);
    assert.equal(error, 'ayla-dss-account.errors.UNSAFE_REGEX');
    await waitFor('the configuration-error status', () => statuses().some((s) => s.fill === 'red'));
    assert.equal((await simState(sim())).sockets, 0);
  });

  it('wrong credentials: BAD_CREDENTIALS with an "authentication failed" status; the password appears nowhere', async () => {
    const wrong = { ...sim().account, password: 'wrong-password-123' };
    const { error, statuses, errors } = await firstError([accountNode(sim()), inNode('connectivity', 'n1', { dsns: THERMOSTAT }), helperNode()], {
      [ACCOUNT_ID]: wrong,
    });
    assert.equal(error, 'ayla-dss-account.errors.BAD_CREDENTIALS');
    await waitFor('the auth-failed status', () => statuses().some((s) => s.text === `${STATUS_TEXT}BAD_CREDENTIALS` && s.fill === 'red'));
    const everything = JSON.stringify({ statuses: statuses(), errors: errors() });
    assert.ok(!everything.includes('wrong-password-123'));
  });

  it('account without credentials: MISSING_CREDENTIALS for auto sources', async () => {
    const { error } = await firstError([accountNode(sim()), inNode('datapoint', 'n1', { oemModel: 'thermo-t100' }), helperNode()], {});
    assert.equal(error, 'ayla-dss-account.errors.MISSING_CREDENTIALS');
  });

  it('every model and every device (* and *) is refused before anything is sent: MISSING_DSN, as in the editor', async () => {
    const { error } = await firstError([accountNode(sim()), inNode('datapoint', 'n1', { oemModel: '*', dsns: '*' }), helperNode()]);
    assert.equal(error, 'ayla-dss-account.errors.MISSING_DSN');
    assert.equal((await simState(sim())).subscriptions.length, 0);
  });

  it('key source without a key: MISSING_STREAM_KEY', async () => {
    const { error } = await firstError([accountNode(sim()), inNode('datapoint', 'n1', { source: 'key' }), helperNode()]);
    assert.equal(error, 'ayla-dss-account.errors.MISSING_STREAM_KEY');
  });

  it('${NAME} credentials are read from the environment; an unset variable is ENV_MISSING', async () => {
    const viaEnv = { [ACCOUNT_ID]: { ...sim().account, password: '${AYLA_TEST_PASSWORD}' } };
    const { error } = await firstError([accountNode(sim()), inNode('datapoint', 'n1'), helperNode()], viaEnv);
    assert.equal(error, 'ayla-dss-account.errors.ENV_MISSING');
    await helper.unload();
    process.env.AYLA_TEST_PASSWORD = sim().account.password;
    await helper.load(aylaNodes, [accountNode(sim()), inNode('datapoint', 'n1', { oemModel: 'thermo-t100' }), helperNode()], viaEnv);
    await waitConnected(sim(), 1);
  });

  it('credentials never appear in node properties or the deployed flow configuration', async () => {
    const secretKey = 'feedfacefeedfacefeedfacefeedface';
    await helper.load(
      aylaNodes,
      [accountNode(sim()), inNode('datapoint', 'n1', { oemModel: 'thermo-t100' }), inNode('datapoint', 'n2', { source: 'key' }), helperNode()],
      accountCredentials(sim(), { n2: { streamKey: secretKey } }),
    );
    await waitFor('the account node', () => helper.getNode(ACCOUNT_ID));
    const secrets = [sim().account.password, sim().account.appSecret, sim().account.appId, secretKey];
    const withoutCredentials = (value: unknown) => JSON.stringify(value, (key, v) => (key === 'credentials' || key === '_events' ? undefined : v));
    const exposed = [
      withoutCredentials(Object.fromEntries(Object.entries(helper.getNode(ACCOUNT_ID)))),
      withoutCredentials(Object.fromEntries(Object.entries(helper.getNode('n1')))),
      withoutCredentials(Object.fromEntries(Object.entries(helper.getNode('n2')))),
      JSON.stringify((helper as unknown as { _redNodes: { getFlows(): unknown } })._redNodes.getFlows()),
    ].join('\n');
    for (const secret of secrets) assert.ok(!exposed.includes(secret), 'a secret leaked into exported properties');
    assert.ok(exposed.includes('thermo-t100'), 'the check does look at the properties');
  });
});
