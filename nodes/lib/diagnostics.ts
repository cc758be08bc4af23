/**
 * The account diagnostics the editor's "Copy diagnostics" button fetches
 * (`GET /ayla-dss/accounts/:id/diagnostics`): versions, the account's settings and resolved
 * URLs, its identity fingerprint, the sign-in budget, and each stream's subscription, state,
 * counters, position, pause and last problems — what a bug report needs, and nothing secret.
 *
 * What is never in it: the password, app id, app secret, tokens, stream keys (streams are named
 * by subscription or by a stream key's fingerprint) and the e-mail's local part (only its domain).
 * URLs are reduced to origin and path. Every field is built here from an allow-list; nothing is
 * copied wholesale from settings or credentials.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedAccount } from './account-config';
import type { Endpoints } from './endpoints';
import type { FlowControlState } from './hub/flow-control-group';
import type { StreamDiagnostics } from './hub/stream-hub';
import type { AccountNodeProperties } from './node-options';
import type { SignInBudget } from './sign-in-budget';

/** The package's name in its package.json. */
const PACKAGE_NAME = 'node-red-contrib-ayla-dss';

/** Versions of the package, Node-RED and Node.js. */
export interface VersionInfo {
  package: string;
  nodeRed: string;
  node: string;
}

/** What the account node knows about itself, for {@link accountDiagnostics}. */
export interface AccountDiagnosticsInput {
  id: string;
  /** The (migrated) node properties: only allow-listed, non-secret ones are read. */
  properties: AccountNodeProperties;
  /** Null while the account cannot work as configured. */
  resolved: ResolvedAccount | null;
  /** The catalog code of the configuration problem, if any. */
  configProblem: string | null;
  /** The identity fingerprint (leased, or computed from the settings); null without usable settings. */
  identity: string | null;
  /** The identity's streams; empty before the first in-node registered. */
  streams: StreamDiagnostics[];
  signInBudget: SignInBudget;
  now: number;
}

/** The account part of the diagnostics; see the module comment. */
export type AccountDiagnostics = ReturnType<typeof accountDiagnostics>;

/** `origin + path` of a URL: no user name, password, query or fragment; null when there is none. */
export function urlOnly(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

/** The domain of an e-mail address (`@example.com`), never its local part; null when there is none. */
export function emailDomain(email: string | undefined): string | null {
  if (!email) return null;
  const at = email.lastIndexOf('@');
  return at >= 0 ? email.slice(at) : '(no domain)';
}

function endpointsOf(endpoints: Endpoints): Record<keyof Endpoints, string | null> {
  return {
    streamUrl: urlOnly(endpoints.streamUrl),
    apiUrl: urlOnly(endpoints.apiUrl),
    userUrl: urlOnly(endpoints.userUrl),
    deviceUrl: urlOnly(endpoints.deviceUrl),
  };
}

function streamOf(stream: StreamDiagnostics): Record<string, unknown> {
  return {
    id: stream.id,
    subscription: stream.subscriptionId === null ? null : { id: stream.subscriptionId, name: stream.subscriptionName },
    listeners: stream.listeners,
    state: stream.state,
    paused: stream.paused,
    position: stream.position,
    counters: stream.stats && {
      frames: stream.stats.frames,
      events: stream.stats.events,
      heartbeats: stream.stats.heartbeats,
      duplicates: stream.stats.duplicates,
      invalid: stream.stats.invalid,
      reconnects: stream.stats.reconnects,
      lengthMismatches: stream.stats.lengthMismatches,
    },
    lastProblems: stream.problems.map((problem) => ({ at: new Date(problem.at).toISOString(), level: problem.level, code: problem.code, ...(problem.silent ? { silent: true } : {}) })),
  };
}

/** The account's diagnostics (everything but versions and flow control); see the module comment. */
export function accountDiagnostics(input: AccountDiagnosticsInput) {
  const { properties, resolved } = input;
  const credentials = resolved?.credentials ?? null;
  const userUrl = resolved?.endpoints.userUrl ?? null;
  const budget = credentials && credentials.email && userUrl ? input.signInBudget.state(credentials.email, userUrl) : null;
  return {
    account: {
      id: input.id,
      name: typeof properties.name === 'string' ? properties.name : '',
      configVersion: properties.configVersion ?? null,
      region: properties.region ?? null,
      deployment: properties.deployment ?? null,
      clientType: resolved?.clientType ?? properties.clientType ?? null,
      instanceLabel: resolved?.instanceLabel ?? null,
      heartbeatTimeoutS: resolved ? resolved.heartbeatTimeoutMs / 1000 : null,
      endpoints: resolved ? endpointsOf(resolved.endpoints) : null,
      insecureUrls: resolved ? resolved.insecureUrls.map(urlOnly) : [],
      configProblem: input.configProblem,
      emailDomain: emailDomain(credentials?.email),
      credentialsSet: {
        email: Boolean(credentials?.email),
        password: Boolean(credentials?.password),
        appId: Boolean(credentials?.appId),
        appSecret: Boolean(credentials?.appSecret),
      },
    },
    identity: input.identity,
    signIn: budget && {
      attemptsLeft: budget.attemptsLeft,
      maxAttempts: budget.maxAttempts,
      windowMinutes: Math.round(budget.windowMs / 60_000),
      nextAttemptAt: new Date(input.now + budget.waitMs).toISOString(),
    },
    streams: input.streams.map(streamOf),
  };
}

/** The whole diagnostics document: when, versions, the account's part and the runtime's flow control. */
export function diagnosticsDocument(account: AccountDiagnostics, versions: VersionInfo, flowControl: FlowControlState, now: number) {
  return { generatedAt: new Date(now).toISOString(), versions, ...account, flowControl };
}

/**
 * This package's version, from the nearest package.json named {@link PACKAGE_NAME} above this
 * file (the source tree and the built `dist/` sit at different depths); 'unknown' when none is found.
 */
export function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (json.name === PACKAGE_NAME && typeof json.version === 'string') return json.version;
    } catch {
      // no (readable) package.json here: look further up
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}
