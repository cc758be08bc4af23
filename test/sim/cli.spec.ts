import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { DEMO_ACCOUNT, type RunningSimulator } from '../../simulator';
import { signInAndSubscribe } from './support/sim-client';

const REPO_ROOT = join(__dirname, '..', '..');
/** Starting ts-node takes a few seconds on a cold cache. */
const CLI_START_LIMIT_MS = 15000;

function startCli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'simulator/cli.ts', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function firstLine(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      once(lines, 'line').then(([line]) => line as string),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('no stdout line from the CLI')), CLI_START_LIMIT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    lines.close();
  }
}

async function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null) return { code: child.exitCode, signal: null };
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null })),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('the CLI did not exit')), CLI_START_LIMIT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('simulator: ayla-dss-sim CLI', function () {
  this.timeout(2 * CLI_START_LIMIT_MS);

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`prints one "listening" JSON line, serves, and exits 0 on ${signal}`, async () => {
      const child = startCli(['--port', '0', '--rate', '0']);
      try {
        const info = JSON.parse(await firstLine(child)) as Record<string, unknown> & { url: string; account: unknown };
        assert.equal(info.event, 'listening');
        assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        const port = new URL(info.url).port;
        assert.equal(info.streamUrl, `ws://127.0.0.1:${port}/stream`);
        assert.equal(info.apiUrl, info.url);
        assert.equal(info.userUrl, info.url);
        assert.equal(info.deviceUrl, info.url);
        assert.deepEqual(info.account, { ...DEMO_ACCOUNT });
        const state = await fetch(`${info.url}/sim/state`);
        assert.equal(state.status, 200);
        await state.text();
        child.kill(signal);
        assert.deepEqual(await exitOf(child), { code: 0, signal: null });
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    });
  }

  it('exits 0 on SIGTERM with an open socket, a stall and a pending ack (no lingering handles)', async () => {
    const child = startCli(['--port', '0', '--rate', '50', '--heartbeat-ms', '50', '-q']);
    try {
      const info = JSON.parse(await firstLine(child)) as { url: string; streamUrl: string; account: RunningSimulator['account'] };
      const sim = { ...info, apiUrl: info.url, userUrl: info.url, deviceUrl: info.url } as unknown as RunningSimulator;
      const { token, subscription } = await signInAndSubscribe(sim);
      const socket = new WebSocket(`${info.streamUrl}?stream_key=${subscription.stream_key}`);
      await once(socket, 'open');
      const closed = once(socket, 'close');
      const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${info.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) }).then((r) => r.text());
      await post('/sim/faults/stall', { ms: 60000 });
      await post('/apiv1/dsns/AC000W005606115/properties/target_temp/datapoints.json', { datapoint: { value: 23 } }, { Authorization: `auth_token ${token}` });
      child.kill('SIGTERM');
      assert.deepEqual(await exitOf(child), { code: 0, signal: null });
      await closed;
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('generates a fleet with --devices and takes the ack and keep-alive options', async () => {
    const child = startCli(['--port', '0', '--rate', '0', '--devices', '1234', '--seed', '9', '--keep-alive-ms', '1000', '--ack-failure-rate', '0.5', '--ack-drop-rate', '0.1', '--ack-delay-ms', '5', '-q']);
    try {
      const info = JSON.parse(await firstLine(child)) as { url: string; deviceUrl: string; account: RunningSimulator['account'] };
      const sim = { ...info, apiUrl: info.url, userUrl: info.url } as unknown as RunningSimulator;
      const { token } = await signInAndSubscribe(sim, { oem_model: '*', dsn: 'AC000W700000000' });
      const response = await fetch(`${info.deviceUrl}/apiv1/devices.json?paginated=true&per_page=10`, { headers: { Authorization: `auth_token ${token}` } });
      const page = (await response.json()) as { total: number; devices: unknown[] };
      assert.deepEqual([page.total, page.devices.length], [1234, 10]);
      child.kill('SIGTERM');
      assert.deepEqual(await exitOf(child), { code: 0, signal: null });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('prints help and exits 0; a bad option exits 2', async () => {
    const help = startCli(['--help']);
    const line = await firstLine(help);
    assert.match(line, /^Usage: ayla-dss-sim/);
    assert.equal((await exitOf(help)).code, 0);
    const bad = startCli(['--rate', 'fast']);
    assert.equal((await exitOf(bad)).code, 2);
    const outOfRange = startCli(['--ack-drop-rate', '2']);
    assert.equal((await exitOf(outOfRange)).code, 1);
  });
});
