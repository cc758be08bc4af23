/**
 * `GET /ayla-dss/accounts/:id/diagnostics` through a running flow: an account with known
 * secrets, an auto subscription that delivers an event and a stream-key node whose key the
 * server refuses. The answer has what a bug report needs (versions, URLs, identity, subscription
 * ids and names, states, counters, positions, flow control, the last problems with their codes,
 * the sign-in budget) and none of the secrets: not the password, app id or app secret, not the
 * e-mail's local part, no stream key (neither the subscriptions' nor the pasted one) and no
 * field that could hold a token.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ACCOUNT_ID,
  accountCredentials,
  accountNode,
  aylaNodes,
  datapointEvent,
  helper,
  helperNode,
  inNode,
  simPost,
  simState,
  THERMOSTAT,
  useSimulatorAndHelper,
  waitFor,
} from './support/flow-kit';

/** A stream key nobody issued: the server refuses it (AUTH_REFUSED). */
const PASTED_KEY = 'f00dfeedf00dfeedf00dfeedf00dfeed';

type Json = Record<string, unknown>;

/** Every property name in a JSON tree. */
function keysOf(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) keysOf(item, into);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      into.push(key);
      keysOf(item, into);
    }
  }
  return into;
}

describe('account diagnostics through a running flow', function () {
  this.timeout(20_000);
  const sim = useSimulatorAndHelper({ simulatorPerTest: true });

  async function diagnostics(id = ACCOUNT_ID): Promise<{ status: number; body: Json; text: string }> {
    const answer = await helper.request().get(`/ayla-dss/accounts/${id}/diagnostics`);
    return { status: answer.status, body: answer.body, text: JSON.stringify(answer.body) };
  }

  it('tells what a bug report needs, and no secret', async () => {
    await helper.load(
      aylaNodes,
      [
        accountNode(sim(), { instanceLabel: 'lab-1' }),
        inNode('datapoint', 'auto1', { oemModel: 'thermo-t100' }),
        inNode('datapoint', 'key1', { source: 'key' }),
        helperNode(),
      ],
      accountCredentials(sim(), { key1: { streamKey: PASTED_KEY } }),
    );
    await waitFor('the auto subscription connected', async () => (await simState(sim())).subscriptions.some((s) => s.connected));
    await simPost(sim(), '/sim/events', datapointEvent(THERMOSTAT, 'current_temp', 21));
    const streamsOf = (body: Json) => body.streams as Json[];
    await waitFor('an event counted and the refused key reported', async () => {
      const streams = streamsOf((await diagnostics()).body);
      const auto = streams.find((s) => String(s.id).startsWith('auto:'));
      const key = streams.find((s) => String(s.id).startsWith('key:'));
      return (auto?.counters as Json | null)?.events === 1 && (key?.lastProblems as Json[] | undefined)?.some((p) => p.code === 'AUTH_REFUSED');
    });
    const { status, body, text } = await diagnostics();
    assert.equal(status, 200);

    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    const versions = body.versions as Json;
    assert.equal(versions.package, pkg.version);
    assert.equal(versions.node, process.version);
    assert.equal(typeof versions.nodeRed, 'string');
    const account = body.account as Json;
    assert.deepEqual(account.endpoints, { streamUrl: sim().streamUrl, apiUrl: sim().apiUrl, userUrl: sim().userUrl, deviceUrl: sim().deviceUrl });
    assert.equal(account.instanceLabel, 'lab-1');
    assert.equal(account.configVersion, 1);
    assert.equal(account.emailDomain, sim().account.email.slice(sim().account.email.lastIndexOf('@')));
    assert.match(String(body.identity), /^[0-9a-f]{16}$/);
    assert.deepEqual(body.flowControl, { running: true, clients: 2, paused: false });
    assert.deepEqual(body.signIn, { attemptsLeft: 2, maxAttempts: 3, windowMinutes: 30, nextAttemptAt: (body.signIn as Json).nextAttemptAt });

    const state = await simState(sim());
    const streams = streamsOf(body);
    const auto = streams.find((s) => String(s.id).startsWith('auto:')) as Json;
    const subscription = auto.subscription as Json;
    const onServer = state.subscriptions.find((s) => s.id === subscription.id);
    assert.ok(onServer, 'the subscription id is the server\'s');
    assert.equal(subscription.name, onServer.name);
    assert.ok(String(subscription.name).includes('lab-1'), 'its name carries the instance label');
    assert.equal(auto.state, 'open');
    assert.equal(typeof auto.position, 'number');
    assert.deepEqual(Object.keys(auto.counters as Json).sort(), ['duplicates', 'events', 'frames', 'heartbeats', 'invalid', 'lengthMismatches', 'reconnects']);
    const key = streams.find((s) => String(s.id).startsWith('key:')) as Json;
    assert.match(String(key.id), /^key:[0-9a-f]{16}$/, 'a key stream is named by a fingerprint');
    assert.equal(key.subscription, null);

    const secrets: Record<string, string> = {
      password: sim().account.password,
      'app id': sim().account.appId,
      'app secret': sim().account.appSecret,
      'e-mail': sim().account.email,
      "e-mail's local part": sim().account.email.slice(0, sim().account.email.lastIndexOf('@')),
      'pasted stream key': PASTED_KEY,
      ...Object.fromEntries(state.subscriptions.map((s) => [`stream key of subscription ${s.id}`, s.stream_key])),
    };
    for (const [what, secret] of Object.entries(secrets)) assert.ok(!text.includes(secret), `the ${what} is in the diagnostics`);
    const suspicious = keysOf(body).filter((name) => /token|stream_?key|secret$|^password$|^appId$/i.test(name) && name !== 'appSecret' && name !== 'password' && name !== 'appId');
    assert.deepEqual(suspicious, [], 'no field that could hold a token or a key');
    const credentialsSet = account.credentialsSet as Json;
    assert.deepEqual(credentialsSet, { email: true, password: true, appId: true, appSecret: true }, 'credentials: whether they are set, nothing else');
  });

  it('answers for an account no in-node uses yet, and 404 for a node that is not an account', async () => {
    await helper.load(aylaNodes, [accountNode(sim()), helperNode()], accountCredentials(sim()));
    const { status, body } = await diagnostics();
    assert.equal(status, 200);
    assert.deepEqual(body.streams, []);
    assert.match(String(body.identity), /^[0-9a-f]{16}$/, 'the identity it would lease');
    assert.equal((await diagnostics('out')).status, 404);
    assert.equal((await diagnostics('nope')).status, 404);
  });
});
