import { strict as assert } from 'node:assert';
import { Session } from '../../nodes/lib/session';
import {
  SubscriptionClient,
  normaliseList,
  subscriptionName,
  type SubscriptionSpec,
} from '../../nodes/lib/subscriptions';
import { apiError } from '../support/api-error';
import { sendJson, startScriptedHttpServer, type ScriptedHttpServer } from '../support/scripted-http-server';

const CREDENTIALS = { email: 'flow@example.com', password: 'pw-5b0e1f7a', appId: 'app-1', appSecret: 'secret-9c2d' };
const COLLECTION = '/api/v1/subscriptions.json';
const SPEC: SubscriptionSpec = {
  eventType: 'datapoint',
  oemModel: 'freezer-model',
  dsns: '*',
  properties: 'too_warm, max_temp',
  clientType: 'cloud',
};

/** A subscription object in Ayla's shape. */
function subscriptionObject(id: number, fields: Record<string, unknown> = {}) {
  return {
    id,
    oem: '0bbb112e',
    dsn: '*',
    name: `sub-${id}`,
    description: '',
    property_name: '*',
    connection_status: 'Offline',
    batch_size: 1,
    is_suspended: false,
    oem_model: 'freezer-model',
    stream_key: `${String(id).padStart(32, '0')}`,
    client_type: 'cloud',
    subscription_type: 'datapoint',
    ...fields,
  };
}

describe('subscriptions', () => {
  describe('subscriptionName', () => {
    it('is deterministic, prefixed and short', () => {
      const name = subscriptionName(SPEC);
      assert.equal(name, subscriptionName({ ...SPEC }));
      assert.match(name, /^node-red-ayla-dss-datapoint-[0-9a-f]{10}$/);
    });

    it('is the same for equivalent specs (order, spaces, duplicates, empties)', () => {
      const shuffled = { ...SPEC, properties: ' max_temp,too_warm,,too_warm ', oemModel: ' freezer-model ' };
      assert.equal(subscriptionName(shuffled), subscriptionName(SPEC));
      assert.equal(subscriptionName({ ...SPEC, dsns: '' }), subscriptionName(SPEC));
    });

    it('differs when the type, models, dsns, properties or client type differ', () => {
      const variants: SubscriptionSpec[] = [
        { ...SPEC, eventType: 'datapointack' },
        { ...SPEC, oemModel: 'other-model' },
        { ...SPEC, dsns: 'AC000W000340779' },
        { ...SPEC, properties: 'too_warm' },
        { ...SPEC, clientType: 'mobile' },
      ];
      const names = new Set([SPEC, ...variants].map(subscriptionName));
      assert.equal(names.size, variants.length + 1);
    });

    it('ignores properties for event types that have none', () => {
      const connectivity: SubscriptionSpec = { ...SPEC, eventType: 'connectivity' };
      assert.equal(subscriptionName(connectivity), subscriptionName({ ...connectivity, properties: 'anything' }));
    });

    it('normaliseList treats any * as all', () => {
      assert.equal(normaliseList('b, a ,a'), 'a,b');
      assert.equal(normaliseList('a,*'), '*');
      assert.equal(normaliseList(' , '), '*');
    });
  });

  describe('SubscriptionClient', () => {
    let server: ScriptedHttpServer;
    let client: SubscriptionClient;

    beforeEach(async () => {
      server = await startScriptedHttpServer();
      let tokens = 0;
      server.route('POST /users/sign_in.json', (_req, res) => {
        tokens++;
        sendJson(res, 200, { access_token: `tok-${tokens}`, refresh_token: `ref-${tokens}`, expires_in: 86_400 });
      });
      server.route('POST /users/refresh_token.json', (_req, res) => {
        tokens++;
        sendJson(res, 200, { access_token: `tok-${tokens}`, refresh_token: `ref-${tokens}`, expires_in: 86_400 });
      });
      const session = new Session({ userUrl: server.url, credentials: CREDENTIALS });
      client = new SubscriptionClient({ apiUrl: server.url, session });
    });

    afterEach(async () => {
      await server.close();
    });

    it('create sends the documented fields and returns the unwrapped subscription', async () => {
      server.route(`POST ${COLLECTION}`, (req, res) => {
        sendJson(res, 201, { subscription: subscriptionObject(50155, req.json as Record<string, unknown>) });
      });
      const created = await client.create(SPEC);
      const [request] = server.requestsTo(`POST ${COLLECTION}`);
      assert.deepEqual(request.json, {
        name: subscriptionName(SPEC),
        description: 'Node-RED ayla-dss datapoint events: model freezer-model; dsn *; property max_temp,too_warm',
        oem_model: 'freezer-model',
        dsn: '*',
        property_name: 'max_temp,too_warm',
        client_type: 'cloud',
        subscription_type: 'datapoint',
        batch_size: 1,
      });
      assert.equal(request.headers.authorization, 'auth_token tok-1');
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(created.id, 50155);
      assert.equal(created.stream_key, '00000000000000000000000000050155');
      assert.equal(created.name, subscriptionName(SPEC));
    });

    it('list unwraps [{"subscription":{…}}, …]', async () => {
      server.route(`GET ${COLLECTION}`, (_req, res) => {
        sendJson(res, 200, [{ subscription: subscriptionObject(1) }, { subscription: subscriptionObject(2) }]);
      });
      const list = await client.list();
      assert.deepEqual(
        list.map((item) => [item.id, item.name]),
        [
          [1, 'sub-1'],
          [2, 'sub-2'],
        ],
      );
    });

    it('show and delete use /api/v1/subscriptions/{id}.json', async () => {
      server.route('GET /api/v1/subscriptions/7.json', (_req, res) => sendJson(res, 200, { subscription: subscriptionObject(7) }));
      server.route('DELETE /api/v1/subscriptions/7.json', (_req, res) => sendJson(res, 204));
      assert.equal((await client.show(7)).id, 7);
      await client.delete(7);
      assert.equal(server.requestsTo('DELETE /api/v1/subscriptions/7.json').length, 1);
    });

    it('show of a missing subscription is NOT_FOUND', async () => {
      server.route('GET /api/v1/subscriptions/8.json', (_req, res) => sendJson(res, 404, { error: 'Not found' }));
      const error = await apiError(client.show(8));
      assert.equal(error.code, 'NOT_FOUND');
      assert.match(error.message, /subscription 8 does not exist/);
    });

    it('403 is FORBIDDEN with a message about OEM access rules', async () => {
      server.route(`POST ${COLLECTION}`, (_req, res) => sendJson(res, 403, { error: { message: 'Forbidden' } }));
      const error = await apiError(client.create(SPEC));
      assert.equal(error.code, 'FORBIDDEN');
      assert.equal(error.status, 403);
      assert.match(error.message, /no OEM access rule allows this account to create datapoint subscriptions/);
    });

    it('401 twice (after one retry with a fresh token) is UNAUTHORIZED', async () => {
      server.route(`GET ${COLLECTION}`, (_req, res) => sendJson(res, 401, { error: 'token expired' }));
      const error = await apiError(client.list());
      assert.equal(error.code, 'UNAUTHORIZED');
      assert.equal(server.requestsTo(`GET ${COLLECTION}`).length, 2);
      for (const secret of ['tok-1', 'tok-2', 'ref-1', CREDENTIALS.password, CREDENTIALS.appSecret]) {
        assert.ok(!String(error).includes(secret));
      }
    });

    it('5xx is SERVER_ERROR; a non-JSON 200 is BAD_RESPONSE', async () => {
      server.route(`GET ${COLLECTION}`, (_req, res) => sendJson(res, 502, { errors: 'bad gateway' }));
      assert.equal((await apiError(client.list())).code, 'SERVER_ERROR');
      server.route(`GET ${COLLECTION}`, (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end('<html>proxy</html>');
      });
      assert.equal((await apiError(client.list())).code, 'BAD_RESPONSE');
    });

    it('findOrCreate creates once, then reuses the subscription by name', async () => {
      const stored: Array<Record<string, unknown>> = [subscriptionObject(1, { name: 'someone-elses' })];
      server.route(`GET ${COLLECTION}`, (_req, res) => sendJson(res, 200, stored.map((item) => ({ subscription: item }))));
      server.route(`POST ${COLLECTION}`, (req, res) => {
        const item = subscriptionObject(100 + stored.length, req.json as Record<string, unknown>);
        stored.push(item);
        sendJson(res, 201, { subscription: item });
      });
      const first = await client.findOrCreate(SPEC);
      const second = await client.findOrCreate({ ...SPEC, properties: 'max_temp,too_warm' });
      assert.equal(second.id, first.id);
      assert.equal(second.stream_key, first.stream_key);
      assert.equal(server.requestsTo(`POST ${COLLECTION}`).length, 1);
      assert.equal(server.requestsTo(`GET ${COLLECTION}`).length, 2);
    });

    it('findOrCreate shares one request sequence between concurrent callers', async () => {
      const stored: Array<Record<string, unknown>> = [];
      server.route(`GET ${COLLECTION}`, (_req, res) => sendJson(res, 200, stored.map((item) => ({ subscription: item }))));
      server.route(`POST ${COLLECTION}`, (req, res) => {
        const item = subscriptionObject(200 + stored.length, req.json as Record<string, unknown>);
        stored.push(item);
        sendJson(res, 201, { subscription: item });
      });
      const results = await Promise.all([client.findOrCreate(SPEC), client.findOrCreate(SPEC), client.findOrCreate(SPEC)]);
      assert.deepEqual(new Set(results.map((item) => item.id)).size, 1);
      assert.equal(server.requestsTo(`POST ${COLLECTION}`).length, 1);
    });

    it('findOrCreate does not reuse a suspended subscription', async () => {
      const name = subscriptionName(SPEC);
      const stored: Array<Record<string, unknown>> = [subscriptionObject(5, { name, is_suspended: true })];
      server.route(`GET ${COLLECTION}`, (_req, res) => sendJson(res, 200, stored.map((item) => ({ subscription: item }))));
      server.route(`POST ${COLLECTION}`, (req, res) => {
        const item = subscriptionObject(6, req.json as Record<string, unknown>);
        stored.push(item);
        sendJson(res, 201, { subscription: item });
      });
      const found = await client.findOrCreate(SPEC);
      assert.equal(found.id, 6);
      assert.equal(server.requestsTo('DELETE /api/v1/subscriptions/5.json').length, 0);
    });

    it('a DSS API answering 307 to another host: REDIRECT_REFUSED, and the token goes nowhere else', async () => {
      const elsewhere = await startScriptedHttpServer();
      try {
        elsewhere.route(`GET ${COLLECTION}`, (_req, res) => sendJson(res, 200, [{ subscription: subscriptionObject(1) }]));
        server.route(`GET ${COLLECTION}`, (_req, res) => {
          res.writeHead(307, { Location: `${elsewhere.url}${COLLECTION}` });
          res.end();
        });
        const error = await apiError(client.list());
        assert.equal(error.code, 'REDIRECT_REFUSED');
        assert.equal(error.status, 307);
        assert.ok(error.message.includes(new URL(elsewhere.url).host), error.message);
        assert.ok(!error.message.includes('tok-1'));
        assert.deepEqual(elsewhere.requests, [], 'the redirect target received a request');
        assert.equal(server.requestsTo(`GET ${COLLECTION}`).length, 1, 'no retry either');
      } finally {
        await elsewhere.close();
      }
    });

    it('fails with NO_ENDPOINT when no API URL is configured', async () => {
      const noApi = new SubscriptionClient({ apiUrl: '', session: new Session({ userUrl: server.url, credentials: CREDENTIALS }) });
      assert.equal((await apiError(noApi.list())).code, 'NO_ENDPOINT');
      assert.equal(server.requests.length, 0);
    });
  });
});
