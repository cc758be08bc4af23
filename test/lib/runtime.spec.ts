/**
 * AylaDssRuntime without Node-RED: account identities shared between account nodes, leases,
 * idle identities forgotten, and the sign-in budget shared per e-mail and user service.
 */
import { strict as assert } from 'node:assert';
import type { AccountSettings } from '../../nodes/lib/runtime';
import { AylaDssRuntime, IDENTITY_IDLE_MS } from '../../nodes/lib/runtime';
import { SignInBudget } from '../../nodes/lib/sign-in-budget';
import { AylaApiError } from '../../nodes/lib/http';
import type { StreamClient } from '../../nodes/lib/stream';
import { autoRequest, FakeStreamClient, RecordingListener } from './hub/hub-kit';

const logs = { debug: () => undefined, info: () => undefined, warn: () => undefined };

function settings(overrides: Partial<AccountSettings> = {}, password = 'secret-1'): AccountSettings {
  return {
    endpoints: { streamUrl: 'ws://127.0.0.1:1/stream', apiUrl: 'http://127.0.0.1:1', userUrl: 'http://127.0.0.1:1' },
    clientType: 'cloud',
    credentials: { email: 'Demo@Example.com', password, appId: 'app', appSecret: 'app-secret' },
    heartbeatTimeoutMs: 90_000,
    instanceLabel: '',
    ...overrides,
  };
}

function runtimeWithFakes(now: () => number = Date.now) {
  const clients: FakeStreamClient[] = [];
  const runtime = new AylaDssRuntime({
    now,
    createClient: (options) => {
      const client = new FakeStreamClient(options);
      clients.push(client);
      return client as unknown as StreamClient;
    },
  });
  return { runtime, clients };
}

describe('AylaDssRuntime', () => {
  it('two account nodes with the same credentials share one identity and one stream per subscription', async () => {
    const { runtime, clients } = runtimeWithFakes();
    const first = runtime.leaseAccount(settings(), logs);
    const second = runtime.leaseAccount(settings({ credentials: { email: 'demo@example.com', password: 'secret-1', appId: 'app', appSecret: 'app-secret' } }), logs);
    assert.equal(first.identity, second.identity, 'the e-mail counts case-insensitively');
    first.register(autoRequest('A'), new RecordingListener());
    second.register(autoRequest('A'), new RecordingListener());
    await Promise.resolve();
    assert.equal(clients.length, 1, 'one socket for the subscription, not one per account node');
    assert.equal(second.streamCount, 1);
    await first.release();
    await second.release();
  });

  it('other secrets, another instance label or another client type make another identity', () => {
    const { runtime } = runtimeWithFakes();
    const base = runtime.leaseAccount(settings(), logs).identity;
    assert.notEqual(runtime.leaseAccount(settings({}, 'secret-2'), logs).identity, base);
    assert.notEqual(runtime.leaseAccount(settings({ instanceLabel: 'site-b' }), logs).identity, base);
    assert.notEqual(runtime.leaseAccount(settings({ clientType: 'mobile' }), logs).identity, base);
    assert.equal(runtime.identityCount, 4);
  });

  it('the last release drains the identity; an idle identity is forgotten after an hour', async () => {
    let now = 1_000_000;
    const { runtime, clients } = runtimeWithFakes(() => now);
    const lease = runtime.leaseAccount(settings(), logs);
    lease.register(autoRequest('A'), new RecordingListener());
    await Promise.resolve();
    await lease.release();
    assert.ok(clients[0].closed, 'the stream closed with the last account node');
    assert.equal(runtime.identityCount, 1, 'kept for a redeploy');
    now += IDENTITY_IDLE_MS + 1;
    runtime.leaseAccount(settings({ instanceLabel: 'other' }), logs);
    assert.equal(runtime.identityCount, 1, 'the idle identity was forgotten, the new one added');
  });

  it('a released lease refuses registrations', async () => {
    const { runtime } = runtimeWithFakes();
    const lease = runtime.leaseAccount(settings(), logs);
    await lease.release();
    assert.throws(() => lease.register(autoRequest('A'), new RecordingListener()), /released/);
  });
});

describe('SignInBudget', () => {
  it('allows three sign-ins per e-mail and user-service host per 30 min, then says when the next is possible', () => {
    let now = 0;
    const budget = new SignInBudget({ now: () => now });
    const gate = budget.gate('demo@example.com', 'https://user-field.aylanetworks.com');
    for (let i = 0; i < 3; i++) gate.admit();
    // The same e-mail in another case, at the same host with another path: the same budget.
    const again = budget.gate('DEMO@example.com', 'https://USER-field.aylanetworks.com/');
    now = 18 * 60_000;
    assert.throws(
      () => again.admit(),
      (error: unknown) => error instanceof AylaApiError && error.code === 'SIGN_IN_THROTTLED' && error.retryAfterMs === 12 * 60_000,
    );
    assert.equal(budget.waitMs('demo@example.com', 'https://user-field.aylanetworks.com'), 12 * 60_000);
    budget.gate('demo@example.com', 'https://user-field-eu.aylanetworks.com').admit();
    budget.gate('other@example.com', 'https://user-field.aylanetworks.com').admit();
    now = 30 * 60_000;
    gate.admit();
  });
});
