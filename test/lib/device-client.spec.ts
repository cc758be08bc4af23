/**
 * The device-service client (nodes/lib/device-client.ts) against a scripted loopback server: the
 * token header, one retry with a fresh token after 401, no redirect followed, answers read
 * tolerantly, statuses mapped to codes, and whether a write that got no answer may have happened.
 */
import { strict as assert } from 'node:assert';
import { DeviceClient, type DeviceSession } from '../../nodes/lib/device-client';
import { DeviceError } from '../../nodes/lib/device-errors';
import { AylaApiError } from '../../nodes/lib/http';
import { freePort } from '../support/node-red-process';
import { sendJson, startScriptedHttpServer, type ScriptedHttpServer } from '../support/scripted-http-server';

/** A session handing out `token-1`, `token-2`, … (a new one after each invalidate). */
function fakeSession(fail?: AylaApiError): DeviceSession & { invalidated: string[] } {
  let current = 1;
  const invalidated: string[] = [];
  return {
    invalidated,
    getAccessToken: async () => {
      if (fail) throw fail;
      return `token-${current}`;
    },
    invalidate: (token: string) => {
      invalidated.push(token);
      current++;
    },
    redact: (text: string) => text.split('token-1').join('[redacted]'),
  };
}

describe('DeviceClient', () => {
  let server: ScriptedHttpServer;
  beforeEach(async () => {
    server = await startScriptedHttpServer();
  });
  afterEach(() => server.close());

  const client = (session: DeviceSession = fakeSession(), timeoutMs = 2000) => new DeviceClient({ deviceUrl: `${server.url}/prefix/`, session, requestTimeoutMs: timeoutMs });

  it('lists devices with the token, from the plain or the paginated answer, with the answer\'s time', async () => {
    server.route('GET /prefix/apiv1/devices.json', (_request, response) => {
      response.setHeader('Date', 'Sun, 01 Mar 2026 10:00:00 GMT');
      sendJson(response, 200, [{ device: { dsn: 'A', product_name: 'P', oem_model: 'm', connection_status: 'Online', lat: ' 1.000000', lng: '2' } }, { device: { product_name: 'no dsn' } }, { dsn: 'B' }]);
    });
    const result = await client().listDevices();
    assert.ok(result.ok);
    assert.deepEqual(result.value.value.map((device) => device.dsn), ['A', 'B'], 'a record without a DSN is skipped, a bare one is read');
    assert.equal(result.value.readAtMs, Date.parse('2026-03-01T10:00:00Z'));
    assert.equal(server.requests[0].headers.authorization, 'auth_token token-1');
    server.route('GET /prefix/apiv1/devices.json', (_request, response) => sendJson(response, 200, { devices: [{ device: { dsn: 'C' } }], total: 1 }));
    const paged = await client().listDevices();
    assert.ok(paged.ok);
    assert.deepEqual(paged.value.value.map((device) => device.dsn), ['C']);
  });

  it('percent-encodes DSNs and names, and narrows properties with names[]', async () => {
    server.route('GET /prefix/apiv1/dsns/A%2FB/properties.json?names%5B%5D=a%20b&names%5B%5D=c', (_request, response) =>
      sendJson(response, 200, [{ property: { name: 'a b', base_type: 'integer', direction: 'input', value: 3, read_only: false, ack_enabled: true } }]),
    );
    const result = await client().listProperties('A/B', ['a b', 'c']);
    assert.ok(result.ok, JSON.stringify(server.requests.map((request) => request.path)));
    assert.deepEqual(result.value.value[0], { name: 'a b', displayName: null, baseType: 'integer', direction: 'input', value: 3, dataUpdatedAt: null, readOnly: false, ackEnabled: true });
  });

  it('tries once more with a fresh token after a 401, then reports UNAUTHORIZED', async () => {
    const session = fakeSession();
    server.route('GET /prefix/apiv1/dsns/A/properties/p.json', (request, response) => {
      if (request.headers.authorization === 'auth_token token-1') return sendJson(response, 401, { error: 'bad token-1' });
      sendJson(response, 200, { property: { name: 'p' } });
    });
    assert.ok((await client(session).getProperty('A', 'p')).ok);
    assert.deepEqual(session.invalidated, ['token-1']);
    server.route('GET /prefix/apiv1/dsns/A/properties/p.json', (_request, response) => sendJson(response, 401, { error: 'still token-1' }));
    const refused = await client(fakeSession()).getProperty('A', 'p');
    assert.ok(!refused.ok);
    assert.equal(refused.error.code, 'UNAUTHORIZED');
    assert.ok(!refused.error.message.includes('token-1'), 'the quoted server text is redacted');
    assert.equal(server.requestsTo('GET /prefix/apiv1/dsns/A/properties/p.json').length, 4, 'two requests each time, never more');
  });

  it('maps statuses to codes and keeps Retry-After, and never follows a redirect', async () => {
    const answers: Array<[number, string, 'read' | 'write']> = [
      [403, 'DEVICE_FORBIDDEN', 'write'],
      [404, 'DEVICE_NOT_FOUND', 'write'],
      [422, 'WRITE_REFUSED', 'write'],
      [400, 'WRITE_REFUSED', 'write'],
      [429, 'DEVICE_SERVICE_BUSY', 'write'],
      [503, 'DEVICE_SERVICE_BUSY', 'write'],
      [500, 'DEVICE_SERVICE_ERROR', 'write'],
      [422, 'DEVICE_SERVICE_ERROR', 'read'],
    ];
    for (const [status, code, kind] of answers) {
      server.route('POST /prefix/apiv1/dsns/A/properties/p/datapoints.json', (_request, response) => {
        response.setHeader('Retry-After', '7');
        sendJson(response, status, { errors: { value: ['does not fit'] } });
      });
      server.route('GET /prefix/apiv1/dsns/A/properties/p.json', (_request, response) => {
        response.setHeader('Retry-After', '7');
        sendJson(response, status, { error: 'x' });
      });
      const result = kind === 'write' ? await client().createDatapoint('A', 'p', 1) : await client().getProperty('A', 'p');
      assert.ok(!result.ok, `${status}`);
      assert.equal(result.error.code, code, `${kind} ${status}`);
      assert.equal(result.status, status);
      assert.equal(result.retryAfterMs, 7000);
      if (kind === 'write') assert.equal(result.error.outcome, 'not-written');
    }
    // A redirect is refused by the transport before anything is read: not written, never followed.
    server.route('POST /prefix/apiv1/dsns/A/properties/p/datapoints.json', (_request, response) => {
      response.setHeader('Location', 'http://127.0.0.1:1/elsewhere');
      sendJson(response, 302, {});
    });
    await assert.rejects(client().createDatapoint('A', 'p', 1), (error: unknown) => error instanceof DeviceError && error.code === 'REDIRECT_REFUSED' && error.outcome === 'not-written');
    assert.equal(server.requests.filter((request) => request.path === '/elsewhere').length, 0);
  });

  it('reads the written datapoint, sends the value as JSON, and takes a 2xx without a body as written', async () => {
    server.route('POST /prefix/apiv1/dsns/A/properties/p/datapoints.json', (_request, response) =>
      sendJson(response, 201, { datapoint: { id: 'dp-1', value: 1, created_at: 'c', updated_at: 'u', ack_enabled: true, ack_status: null } }),
    );
    const written = await client().createDatapoint('A', 'p', 1);
    assert.ok(written.ok);
    assert.deepEqual(written.value, { id: 'dp-1', value: 1, createdAt: 'c', updatedAt: 'u', ackEnabled: true, ackStatus: null, ackMessage: null, ackedAt: null });
    assert.deepEqual(server.requests[0].json, { datapoint: { value: 1 } });
    server.route('POST /prefix/apiv1/dsns/A/properties/p/datapoints.json', (_request, response) => sendJson(response, 201));
    const bare = await client().createDatapoint('A', 'p', 'x');
    assert.ok(bare.ok);
    assert.equal(bare.value.id, null);
  });

  it('says whether a write without an answer may have happened', async () => {
    // A connection refused: nothing was sent.
    const closed = new DeviceClient({ deviceUrl: `http://127.0.0.1:${await freePort()}`, session: fakeSession(), requestTimeoutMs: 2000 });
    await assert.rejects(closed.createDatapoint('A', 'p', 1), (error: DeviceError) => error.code === 'DEVICE_UNREACHABLE' && error.outcome === 'not-written');
    // A connection cut after the request: it may have happened.
    server.route('POST /prefix/apiv1/dsns/A/properties/p/datapoints.json', (_request, response) => {
      response.socket?.destroy();
    });
    await assert.rejects(client().createDatapoint('A', 'p', 1), (error: DeviceError) => error.code === 'WRITE_OUTCOME_UNKNOWN' && error.outcome === 'unknown');
    // No answer in time: it may have happened.
    server.route('POST /prefix/apiv1/dsns/A/properties/p/datapoints.json', () => undefined);
    await assert.rejects(client(fakeSession(), 300).createDatapoint('A', 'p', 1), (error: DeviceError) => error.code === 'WRITE_OUTCOME_UNKNOWN');
    // A read without an answer is only unreachable.
    server.route('GET /prefix/apiv1/devices.json', (_request, response) => {
      response.socket?.destroy();
    });
    await assert.rejects(client().listDevices(), (error: DeviceError) => error.code === 'DEVICE_UNREACHABLE');
  });

  it('reports a failed sign-in with its own code, and sends nothing', async () => {
    const throttled = new AylaApiError('SIGN_IN_THROTTLED', 'too many', { retryAfterMs: 125_000 });
    await assert.rejects(client(fakeSession(throttled)).createDatapoint('A', 'p', 1), (error: DeviceError) => error.code === 'SIGN_IN_THROTTLED' && error.params.minutes === 3 && error.outcome === 'not-written');
    await assert.rejects(client(fakeSession(new AylaApiError('BAD_CREDENTIALS', 'wrong'))).listDevices(), (error: DeviceError) => error.code === 'BAD_CREDENTIALS');
    await assert.rejects(client(fakeSession(new AylaApiError('NETWORK_ERROR', 'no user service'))).listDevices(), (error: DeviceError) => error.code === 'DEVICE_UNREACHABLE');
    assert.equal(server.requests.length, 0);
  });
});
