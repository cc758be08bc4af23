import { strict as assert } from 'node:assert';
import { FrameError, parseFrame, type FrameErrorCode } from '../../nodes/lib/frames';
import { MALFORMED_KINDS, startSimulator, type MalformedKind, type RunningSimulator } from '../../simulator';
import { delay, request, signIn, signInAndSubscribe, StreamRecorder, subscribe, upgradeStatus, waitUntil } from './support/sim-client';

const THERMOSTAT = 'AC000W005606115';

async function report(sim: RunningSimulator, value: number): Promise<void> {
  assert.equal((await request(sim, 'POST', `/sim/devices/${THERMOSTAT}/properties/current_temp`, { body: { value } })).status, 200);
}

function frameErrorCode(frame: string): FrameErrorCode | 'parsed' {
  try {
    parseFrame(frame);
    return 'parsed';
  } catch (error) {
    assert.ok(error instanceof FrameError);
    return error.code;
  }
}

const EXPECTED_CODES: Record<MalformedKind, FrameErrorCode> = {
  'no-separator': 'NO_SEPARATOR',
  'bad-length': 'BAD_LENGTH',
  'length-mismatch': 'LENGTH_MISMATCH',
  'bad-json': 'BAD_JSON',
  empty: 'EMPTY_FRAME',
  'too-large': 'FRAME_TOO_LARGE',
};

describe('simulator: faults', () => {
  let sim: RunningSimulator;

  beforeEach(async () => {
    sim = await startSimulator({ rate: 0, heartbeatMs: 50 });
  });
  afterEach(() => sim.close());

  it('drop-sockets cuts every socket without a close handshake', async () => {
    const { token, subscription } = await signInAndSubscribe(sim);
    const other = await subscribe(sim, token);
    const streams = [await StreamRecorder.open(sim, subscription.stream_key), await StreamRecorder.open(sim, other.stream_key)];
    const answer = await request(sim, 'POST', '/sim/faults/drop-sockets');
    assert.deepEqual(answer.body, { dropped: 2 });
    for (const stream of streams) assert.equal((await stream.waitForClose()).code, 1006);
    assert.equal(((await request(sim, 'GET', '/sim/state')).body as { sockets: number }).sockets, 0);
  });

  it('heartbeats {enabled:false} stops heartbeats (and the missed-answer close); true resumes them', async () => {
    const { subscription } = await signInAndSubscribe(sim);
    assert.equal((await request(sim, 'POST', '/sim/faults/heartbeats', { body: { enabled: false } })).status, 200);
    const stream = await StreamRecorder.open(sim, subscription.stream_key, '', { answerHeartbeats: false });
    try {
      await delay(300);
      assert.equal(stream.frames.length, 0);
      assert.equal(stream.socket.readyState, stream.socket.OPEN);
      stream.answerHeartbeats = true;
      await request(sim, 'POST', '/sim/faults/heartbeats', { body: { enabled: true } });
      await waitUntil('heartbeats again', () => stream.frames.filter((frame) => frame === '1|Z').length >= 3);
      assert.equal((await request(sim, 'POST', '/sim/faults/heartbeats', { body: {} })).status, 422);
    } finally {
      stream.terminate();
    }
  });

  it('stall holds frames for N ms, then sends them in order', async () => {
    await request(sim, 'POST', '/sim/faults/heartbeats', { body: { enabled: false } });
    const { subscription } = await signInAndSubscribe(sim);
    const stream = await StreamRecorder.open(sim, subscription.stream_key);
    try {
      assert.deepEqual((await request(sim, 'POST', '/sim/faults/stall', { body: { ms: 1500 } })).body, { stalledMs: 1500 });
      await report(sim, 20);
      await report(sim, 21);
      await request(sim, 'POST', '/sim/frames', { body: { frame: '1|X' } });
      await report(sim, 22);
      assert.equal(stream.frames.length, 0, 'nothing arrives while stalled');
      await waitUntil('flushed frames', () => stream.frames.length >= 4);
      assert.deepEqual(stream.events().map((event) => event.seq), ['0', '1', '2']);
      assert.equal(stream.frames[2], '1|X');
    } finally {
      stream.terminate();
    }
  });

  it('refuse-upgrades answers 503 for N seconds, then accepts again', async () => {
    const { subscription } = await signInAndSubscribe(sim);
    const url = `${sim.streamUrl}?stream_key=${subscription.stream_key}`;
    assert.equal((await request(sim, 'POST', '/sim/faults/refuse-upgrades', { body: { seconds: 0.3 } })).status, 200);
    assert.equal(await upgradeStatus(url), 503);
    await delay(350);
    const stream = await StreamRecorder.open(sim, subscription.stream_key);
    stream.terminate();
  });

  it('malformed sends a frame broken in each named way (to all sockets or one key)', async () => {
    await request(sim, 'POST', '/sim/faults/heartbeats', { body: { enabled: false } });
    const { token, subscription } = await signInAndSubscribe(sim);
    const other = await subscribe(sim, token);
    const stream = await StreamRecorder.open(sim, subscription.stream_key);
    const bystander = await StreamRecorder.open(sim, other.stream_key);
    try {
      for (const kind of MALFORMED_KINDS) {
        const answer = await request(sim, 'POST', '/sim/faults/malformed', { body: { kind, streamKey: subscription.stream_key } });
        assert.deepEqual(answer.body, { sent: 1 });
      }
      await waitUntil('all malformed frames', () => stream.frames.length >= MALFORMED_KINDS.length);
      assert.deepEqual(
        stream.frames.map((frame) => frameErrorCode(frame)),
        MALFORMED_KINDS.map((kind) => EXPECTED_CODES[kind]),
      );
      assert.deepEqual((await request(sim, 'POST', '/sim/faults/malformed', { body: { kind: 'bad-json' } })).body, { sent: 2 });
      await waitUntil('broadcast frame', () => bystander.frames.length >= 1);
      assert.equal(frameErrorCode(bystander.frames[0]), 'BAD_JSON');
      assert.equal((await request(sim, 'POST', '/sim/faults/malformed', { body: { kind: 'weird' } })).status, 422);
    } finally {
      stream.terminate();
      bystander.terminate();
    }
  });

  it('expire-tokens expires every access token now; refresh tokens survive unless asked', async () => {
    const first = await signIn(sim);
    assert.deepEqual((await request(sim, 'POST', '/sim/faults/expire-tokens')).body, { expired: 1 });
    assert.equal((await request(sim, 'GET', '/api/v1/subscriptions.json', { token: first.access_token })).status, 401);
    assert.equal(((await request(sim, 'GET', '/sim/state')).body as { tokens: number }).tokens, 0);
    const refreshed = await request(sim, 'POST', '/users/refresh_token.json', { body: { user: { refresh_token: first.refresh_token } } });
    assert.equal(refreshed.status, 200);

    const second = await signIn(sim);
    await request(sim, 'POST', '/sim/faults/expire-tokens', { body: { refreshTokens: true } });
    const refused = await request(sim, 'POST', '/users/refresh_token.json', { body: { user: { refresh_token: second.refresh_token } } });
    assert.equal(refused.status, 422);
  });

  it('restart loses every socket but keeps tokens, subscriptions, seq and retention', async () => {
    const { token, subscription } = await signInAndSubscribe(sim);
    const stream = await StreamRecorder.open(sim, subscription.stream_key);
    await report(sim, 20);
    await stream.waitForEvents(1);
    const answer = await request(sim, 'POST', '/sim/restart', { body: { downMs: 50 } });
    assert.equal(answer.status, 202);
    assert.equal((await stream.waitForClose()).code, 1006);
    await waitUntil('listening again', async () => {
      try {
        return (await request(sim, 'GET', '/sim/state')).status === 200;
      } catch {
        return false;
      }
    });
    assert.equal((await request(sim, 'GET', `/api/v1/subscriptions/${subscription.id}.json`, { token })).status, 200);
    await report(sim, 21);
    const replay = await StreamRecorder.open(sim, subscription.stream_key, '&seq_start=0');
    try {
      await replay.waitForEvents(2);
      assert.deepEqual(replay.events().map((event) => event.seq), ['0', '1']);
    } finally {
      replay.terminate();
    }
  });
});
