/**
 * The account diagnostics (nodes/lib/diagnostics.ts) and what feeds them: URLs reduced to origin
 * and path, the e-mail's domain only, the sign-in budget's state, the streams' counters and
 * last problems (the problem reporter's bounded ring), and no secret in the JSON text. The
 * same through a running Node-RED: test/nodes/diagnostics.spec.ts.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { accountDiagnostics, diagnosticsDocument, emailDomain, packageVersion, urlOnly } from '../../nodes/lib/diagnostics';
import { ProblemReporter, RECENT_PROBLEMS } from '../../nodes/lib/hub/problem-reporter';
import type { StreamDiagnostics } from '../../nodes/lib/hub/stream-hub';
import { SignInBudget } from '../../nodes/lib/sign-in-budget';
import type { ResolvedAccount } from '../../nodes/lib/account-config';

const SECRETS = { email: 'jane.doe@example.com', password: 'Pw-0123456789', appId: 'app-id-0123456789', appSecret: 'app-secret-0123456789' };

function resolved(overrides: Partial<ResolvedAccount> = {}): ResolvedAccount {
  return {
    endpoints: { streamUrl: 'wss://stream.example.com/stream', apiUrl: 'https://api.example.com', userUrl: 'https://user.example.com', deviceUrl: 'https://ads.example.com' },
    clientType: 'cloud',
    heartbeatTimeoutMs: 90_000,
    writeRate: 5,
    credentials: { ...SECRETS },
    instanceLabel: 'plant-a',
    insecureUrls: [],
    ...overrides,
  };
}

const stream: StreamDiagnostics = {
  id: 'auto:node-red-ayla-dss-plant-a-datapoint-0123456789',
  subscriptionId: 42,
  subscriptionName: 'node-red-ayla-dss-plant-a-datapoint-0123456789',
  listeners: 2,
  state: 'open',
  position: 17,
  paused: false,
  stats: { frames: 30, events: 17, heartbeats: 12, duplicates: 1, invalid: 2, lengthMismatches: 0, reconnects: 3 },
  problems: [{ at: Date.UTC(2026, 0, 1), level: 'warn', code: 'CONNECTION_LOST' }],
};

describe('account diagnostics', () => {
  it('keeps only the origin and path of a URL, and only the domain of an e-mail address', () => {
    assert.equal(urlOnly('https://user:secret@host.example.com:8443/api/v1?token=abc#frag'), 'https://host.example.com:8443/api/v1');
    assert.equal(urlOnly('wss://stream.example.com/stream'), 'wss://stream.example.com/stream');
    assert.equal(urlOnly('https://api.example.com/'), 'https://api.example.com');
    assert.equal(urlOnly(null), null);
    assert.equal(urlOnly('not a url'), '(not a URL)');
    assert.equal(emailDomain('jane.doe@example.com'), '@example.com');
    assert.equal(emailDomain('no-at-sign'), '(no domain)');
    assert.equal(emailDomain(''), null);
  });

  it('describes the account, its identity, sign-in budget and streams, without any secret', () => {
    let now = Date.UTC(2026, 0, 1, 12);
    const budget = new SignInBudget({ now: () => now });
    const gate = budget.gate(SECRETS.email, 'https://user.example.com');
    gate.admit();
    const account = accountDiagnostics({
      id: 'acc1',
      properties: { name: 'Plant A', configVersion: 1, region: 'custom', deployment: 'field', clientType: 'cloud', heartbeatTimeout: 90 },
      resolved: resolved(),
      configProblem: null,
      identity: '0123456789abcdef',
      streams: [stream],
      signInBudget: budget,
      now,
    });
    assert.deepEqual(account.account.endpoints, { streamUrl: 'wss://stream.example.com/stream', apiUrl: 'https://api.example.com', userUrl: 'https://user.example.com', deviceUrl: 'https://ads.example.com' });
    assert.equal(account.account.emailDomain, '@example.com');
    assert.deepEqual(account.account.credentialsSet, { email: true, password: true, appId: true, appSecret: true });
    assert.equal(account.account.instanceLabel, 'plant-a');
    assert.equal(account.account.heartbeatTimeoutS, 90);
    assert.equal(account.identity, '0123456789abcdef');
    assert.deepEqual(account.signIn, { attemptsLeft: 2, maxAttempts: 3, windowMinutes: 30, nextAttemptAt: new Date(now).toISOString() });
    assert.deepEqual(account.streams, [
      {
        id: stream.id,
        subscription: { id: 42, name: stream.subscriptionName },
        listeners: 2,
        state: 'open',
        paused: false,
        position: 17,
        counters: { frames: 30, events: 17, heartbeats: 12, duplicates: 1, invalid: 2, reconnects: 3, lengthMismatches: 0 },
        lastProblems: [{ at: '2026-01-01T00:00:00.000Z', level: 'warn', code: 'CONNECTION_LOST' }],
      },
    ]);

    gate.admit();
    gate.admit();
    now += 10 * 60_000;
    const spent = accountDiagnostics({ id: 'acc1', properties: {}, resolved: resolved(), configProblem: null, identity: null, streams: [], signInBudget: budget, now });
    assert.equal(spent.signIn?.attemptsLeft, 0);
    assert.equal(spent.signIn?.nextAttemptAt, new Date(Date.UTC(2026, 0, 1, 12, 30)).toISOString(), 'when the first attempt leaves the window');

    const text = JSON.stringify(diagnosticsDocument(account, { package: '0.1.0', nodeRed: '4.1.15', node: 'v20' }, { running: true, clients: 1, paused: false }, now));
    for (const [name, secret] of Object.entries({ ...SECRETS, localPart: 'jane.doe' })) assert.ok(!text.includes(secret), `the ${name} is in the diagnostics`);
  });

  it('an account that cannot work says why, and has no endpoints or budget', () => {
    const account = accountDiagnostics({
      id: 'acc1',
      properties: { region: 'custom' },
      resolved: null,
      configProblem: 'BAD_URL',
      identity: null,
      streams: [],
      signInBudget: new SignInBudget(),
      now: 0,
    });
    assert.equal(account.account.configProblem, 'BAD_URL');
    assert.equal(account.account.endpoints, null);
    assert.equal(account.signIn, null);
    assert.deepEqual(account.account.credentialsSet, { email: false, password: false, appId: false, appSecret: false });
  });

  it('knows the package version', () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    assert.equal(packageVersion(), pkg.version);
  });
});

describe('problem reporter: the last problems for diagnostics', () => {
  it(`keeps the last ${RECENT_PROBLEMS} problems (silent ones too), codes and levels only`, () => {
    let now = 1000;
    const reporter = new ProblemReporter({ broadcast: () => undefined, now: () => now, maxPerWindow: 2 });
    for (let i = 0; i < RECENT_PROBLEMS + 3; i++) {
      now += 1;
      reporter.gap({ expected: i * 10, received: i * 10 + 5 });
    }
    reporter.connectionFailed('CONNECTION_LOST', new Error('lost'));
    const recent = reporter.recent();
    assert.equal(recent.length, RECENT_PROBLEMS);
    assert.deepEqual(recent[recent.length - 1], { at: now, level: 'warn', code: 'CONNECTION_LOST' });
    assert.ok(recent.slice(0, -1).every((problem) => problem.code === 'GAP' && problem.silent === true), 'past the cap of 2: silent');
    assert.ok(recent.every((problem) => Object.keys(problem).every((key) => ['at', 'level', 'code', 'silent'].includes(key))), 'no parameters');
    recent.pop();
    assert.equal(reporter.recent().length, RECENT_PROBLEMS, 'a copy');
  });
});
