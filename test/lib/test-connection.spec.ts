/**
 * Test connection's answer when the user service cannot be reached: it names the host and the
 * reason a user can act on (no answer in time, a failed TLS handshake, a refused connection),
 * never "retrying" (nothing retries a test). Real sockets on 127.0.0.1 only; the DNS case,
 * which would need a resolver, is checked on the classification of the error Node reports.
 */
import { strict as assert } from 'node:assert';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { errorKey, messageKey } from '../../nodes/lib/catalog';
import { AylaApiError } from '../../nodes/lib/http';
import { SignInBudget } from '../../nodes/lib/sign-in-budget';
import { testConnection, unreachableReasonOf, type TestConnectionContext } from '../../nodes/lib/test-connection';

const CREDENTIALS = { email: 'someone@example.com', password: 'pw-123456', appId: 'app-id', appSecret: 'app-secret' };

function context(): TestConnectionContext {
  return {
    signInBudget: new SignInBudget(),
    translate: (key, params) => `${key} ${JSON.stringify(params ?? {})}`,
    errorKey,
    successKey: messageKey('signed-in'),
    timeoutMs: 300,
  };
}

/** A loopback TCP server that does `onConnection` with every socket; closed after each test. */
async function tcpServer(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

function bodyFor(scheme: 'http' | 'https', port: number): Record<string, unknown> {
  const base = `${scheme}://127.0.0.1:${port}`;
  return {
    region: 'custom',
    streamUrl: `${scheme === 'https' ? 'wss' : 'ws'}://127.0.0.1:${port}/stream`,
    apiUrl: base,
    userUrl: base,
    credentials: CREDENTIALS,
  };
}

describe('Test connection: an unreachable user service', () => {
  let running: { server: Server; sockets: Set<Socket> } | null = null;
  afterEach(async () => {
    if (!running) return;
    for (const socket of running.sockets) socket.destroy();
    await new Promise<void>((resolve) => running?.server.close(() => resolve()));
    running = null;
  });

  it('a service that accepts and never answers: TEST_UNREACHABLE_TIMEOUT, naming the host', async () => {
    const silent = await tcpServer(() => undefined);
    running = silent;
    const answer = await testConnection(bodyFor('http', silent.port), undefined, context());
    assert.equal(answer.ok, false);
    assert.equal(answer.ok === false && answer.code, 'TEST_UNREACHABLE_TIMEOUT');
    assert.deepEqual(answer.params, { host: `127.0.0.1:${silent.port}` });
  });

  it('a service that does not speak TLS behind an https URL: TEST_UNREACHABLE_TLS, naming the host', async () => {
    const plain = await tcpServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    running = plain;
    const answer = await testConnection(bodyFor('https', plain.port), undefined, context());
    assert.equal(answer.ok === false && answer.code, 'TEST_UNREACHABLE_TLS', answer.message);
    assert.deepEqual(answer.params, { host: `127.0.0.1:${plain.port}` });
  });

  it('nothing listening: TEST_UNREACHABLE_REFUSED, naming the host', async () => {
    const closed = await tcpServer(() => undefined);
    const { port } = closed;
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const answer = await testConnection(bodyFor('http', port), undefined, context());
    assert.equal(answer.ok === false && answer.code, 'TEST_UNREACHABLE_REFUSED');
    assert.deepEqual(answer.params, { host: `127.0.0.1:${port}` });
  });

  it('names the reason from the error Node reports: DNS, refused, TLS, timeout, anything else', () => {
    const network = (code: string) => new AylaApiError('NETWORK_ERROR', 'fetch failed', { cause: Object.assign(new Error('x'), { code }) });
    assert.equal(unreachableReasonOf(network('ENOTFOUND')), 'dns');
    assert.equal(unreachableReasonOf(network('EAI_AGAIN')), 'dns');
    assert.equal(unreachableReasonOf(network('ECONNREFUSED')), 'refused');
    assert.equal(unreachableReasonOf(network('CERT_HAS_EXPIRED')), 'tls');
    assert.equal(unreachableReasonOf(network('DEPTH_ZERO_SELF_SIGNED_CERT')), 'tls');
    assert.equal(unreachableReasonOf(network('ERR_SSL_WRONG_VERSION_NUMBER')), 'tls');
    assert.equal(unreachableReasonOf(network('ECONNRESET')), 'other');
    assert.equal(unreachableReasonOf(new AylaApiError('TIMEOUT', 'no answer')), 'timeout');
  });
});
