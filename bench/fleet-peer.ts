/**
 * The helper processes of the fleet benchmark (bench/fleet.ts), one program with three roles,
 * each run in its own child process so that its work never lands on the event loop of the
 * Node-RED being measured (and so that a Node-RED falling behind cannot slow the load down):
 *
 * - `subscriber <brokerUrl> <filter> <seqCapacity>`: an MQTT consumer (the `mqtt` package) that
 *   counts what the fan-out delivers: messages, the `seq` in each JSON payload (one byte per seq
 *   up to `seqCapacity`: distinct, duplicates, out of order, missing ranges) and arrival times.
 * - `publisher <brokerUrl>`: publishes fan-out-shaped messages as fast as the broker takes them,
 *   for the broker-only throughput.
 * - `pacer <simulatorUrl>`: drives the simulator's `/sim/generate` so that a subscription's seq
 *   advances at a given rate (a feedback loop on `GET /sim/state`, so the share of events that
 *   are not datapoints does not matter), or so that a number of events per second is generated.
 *
 * The parent talks to it over the IPC channel: `{ id, cmd, ...args }` in, `{ id, ok, result }` or
 * `{ id, ok: false, error }` out (bench/fleet-processes.ts).
 */
import mqtt, { type MqttClient } from 'mqtt';

type Request = { id: number; cmd: string } & Record<string, unknown>;
type Handler = (request: Request) => unknown | Promise<unknown>;

/** Most events one `/sim/generate` call asks for: a call stays short, so the pacing stays smooth. */
const MAX_EVENTS_PER_GENERATE = 20_000;
/** Events per `/sim/generate` call of a burst (outage backlogs): a few seconds of work per call. */
const BURST_EVENTS_PER_CALL = 200_000;
/** Pacing period (100 ms): ten `/sim/state` reads a second are cheap next to the events. */
const PACE_TICK_MS = 100;
/** Messages the publisher keeps unacknowledged at most (QoS 1), so its memory stays bounded. */
const PUBLISH_WINDOW = 2_000;
/** Timeout of one control call to the simulator (30 s: a 20,000-event burst takes well under one). */
const CONTROL_TIMEOUT_MS = 30_000;

function send(message: unknown): void {
  process.send?.(message);
}

function serve(handlers: Record<string, Handler>): void {
  process.on('message', (request: Request) => {
    void (async () => {
      const handler = handlers[request.cmd];
      try {
        if (!handler) throw new Error(`unknown command ${request.cmd}`);
        send({ id: request.id, ok: true, result: await handler(request) });
      } catch (error) {
        send({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  // The parent gone (or it closed the channel) means the run is over.
  process.on('disconnect', () => process.exit(0));
  send({ ready: true, pid: process.pid });
}

/** Counts what arrives; see the module comment. */
function subscriber(url: string, filter: string, capacity: number): void {
  const seen = new Uint8Array(capacity);
  const stats = { messages: 0, bytes: 0, distinct: 0, duplicates: 0, outOfOrder: 0, outOfRange: 0, maxSeq: -1, firstAtMs: 0, lastAtMs: 0 };
  const reset = () => {
    seen.fill(0);
    Object.assign(stats, { messages: 0, bytes: 0, distinct: 0, duplicates: 0, outOfOrder: 0, outOfRange: 0, maxSeq: -1, firstAtMs: 0, lastAtMs: 0 });
  };
  const client: MqttClient = mqtt.connect(url, { clientId: `fleet-bench-subscriber-${process.pid}`, clean: true, reconnectPeriod: 1000 });
  client.on('connect', () => client.subscribe(filter, { qos: 1 }));
  client.on('error', (error) => process.stderr.write(`subscriber: ${error.message}\n`));
  client.on('message', (_topic, payload) => {
    const now = Date.now();
    if (stats.messages === 0) stats.firstAtMs = now;
    stats.lastAtMs = now;
    stats.messages++;
    stats.bytes += payload.length;
    let seq: unknown;
    try {
      seq = (JSON.parse(payload.toString('utf8')) as { seq?: unknown }).seq;
    } catch {
      seq = undefined; // not fan-out JSON: counted as out of range below
    }
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0 || seq >= capacity) {
      stats.outOfRange++;
      return;
    }
    if (seen[seq] !== 0) {
      stats.duplicates++;
      return;
    }
    seen[seq] = 1;
    stats.distinct++;
    if (seq < stats.maxSeq) stats.outOfOrder++;
    else stats.maxSeq = seq;
  });
  serve({
    connected: () => client.connected,
    stats: () => ({ ...stats }),
    reset: () => reset(),
    /** Seqs of `from … to` (inclusive) never received: how many, and the first few ranges. */
    missing: (request) => {
      const from = Math.max(0, Number(request.from));
      const to = Math.min(capacity - 1, Number(request.to));
      let count = 0;
      const ranges: string[] = [];
      let start = -1;
      for (let seq = from; seq <= to + 1; seq++) {
        const gap = seq <= to && seen[seq] === 0;
        if (gap) {
          count++;
          if (start < 0) start = seq;
        } else if (start >= 0) {
          if (ranges.length < 5) ranges.push(start === seq - 1 ? String(start) : `${start}-${seq - 1}`);
          start = -1;
        }
      }
      return { count, ranges };
    },
  });
}

/** Publishes `count` messages like the fan-out's (topic shape, JSON payload, QoS 1, retained). */
function publisher(url: string): void {
  const client: MqttClient = mqtt.connect(url, { clientId: `fleet-bench-publisher-${process.pid}`, clean: true, reconnectPeriod: 1000 });
  client.on('error', (error) => process.stderr.write(`publisher: ${error.message}\n`));
  serve({
    connected: () => client.connected,
    publish: async (request) => {
      const count = Number(request.count);
      const devices = Number(request.devices);
      const properties = ['current_temp', 'humidity', 'power_w', 'energy_kwh', 'rssi_dbm', 'battery_pct', 'status_msg', 'locked_state'];
      const startedAtMs = Date.now();
      let sent = 0;
      let acked = 0;
      await new Promise<void>((resolve, reject) => {
        const pump = () => {
          while (sent < count && sent - acked < PUBLISH_WINDOW) {
            const seq = sent++;
            const dsn = `AC000W${String(700_000_000 + (seq % devices)).padStart(9, '0')}`;
            const topic = `ayla/thermo-t100/${dsn}/datapoint/${properties[seq % properties.length]}`;
            const payload = JSON.stringify({ value: 20 + (seq % 100) / 10, seq, time: new Date(startedAtMs).toISOString() });
            client.publish(topic, payload, { qos: 1, retain: true }, (error) => {
              if (error) return reject(error);
              acked++;
              if (acked === count) resolve();
              else pump();
            });
          }
        };
        pump();
      });
      return { startedAtMs, endedAtMs: Date.now() };
    },
  });
}

/** Drives the simulator; see the module comment. */
function pacer(simUrl: string): void {
  let running: { stop: boolean; done: Promise<void> } | null = null;
  const totals = { generated: 0, calls: 0, slowestCallMs: 0 };

  const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${simUrl}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as unknown;
  };
  const nextSeqOf = async (subscriptionId: number): Promise<number> => {
    const state = (await call('GET', '/sim/state')) as { subscriptions: Array<{ id: number; nextSeq: number }> };
    const entry = state.subscriptions.find((subscription) => subscription.id === subscriptionId);
    if (!entry) throw new Error(`subscription ${subscriptionId} is not in /sim/state`);
    return entry.nextSeq;
  };
  const generate = async (count: number): Promise<void> => {
    const startedAt = Date.now();
    await call('POST', '/sim/generate', { count });
    totals.generated += count;
    totals.calls++;
    totals.slowestCallMs = Math.max(totals.slowestCallMs, Date.now() - startedAt);
  };

  /**
   * Until stopped: every tick, the events the target is short of (rate × time since the start,
   * minus the progress so far) are generated. With a subscription as the target the progress is
   * its seq, so events of other types are made up for on the next tick.
   */
  const loop = async (state: { stop: boolean }, rate: number, subscriptionId: number | null): Promise<void> => {
    const startedAt = Date.now();
    const progress = async () => (subscriptionId === null ? totals.generated : nextSeqOf(subscriptionId));
    const origin = await progress();
    while (!state.stop) {
      const tickStartedAt = Date.now();
      const deficit = Math.floor((rate * (tickStartedAt - startedAt)) / 1000) - ((await progress()) - origin);
      if (deficit > 0) await generate(Math.min(MAX_EVENTS_PER_GENERATE, deficit));
      const wait = PACE_TICK_MS - (Date.now() - tickStartedAt);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };

  serve({
    /** Starts pacing (`rate` per second; `subscriptionId` or null for generated events). */
    pace: (request) => {
      if (running) throw new Error('already pacing');
      const state = { stop: false, done: Promise.resolve() };
      state.done = loop(state, Number(request.rate), request.subscriptionId === null ? null : Number(request.subscriptionId)).catch((error: Error) => {
        process.stderr.write(`pacer: ${error.message}\n`);
      });
      running = state;
      return null;
    },
    /** Stops pacing once the running call is done. */
    stop: async () => {
      const current = running;
      running = null;
      if (current) {
        current.stop = true;
        await current.done;
      }
      return { ...totals };
    },
    /** `count` events at once, as fast as the simulator makes them. */
    burst: async (request) => {
      let remaining = Number(request.count);
      while (remaining > 0) {
        const count = Math.min(BURST_EVENTS_PER_CALL, remaining);
        await generate(count);
        remaining -= count;
      }
      return { ...totals };
    },
    totals: () => ({ ...totals }),
  });
}

const [role, ...args] = process.argv.slice(2);
if (role === 'subscriber') subscriber(args[0], args[1], Number(args[2]));
else if (role === 'publisher') publisher(args[0]);
else if (role === 'pacer') pacer(args[0]);
else {
  process.stderr.write(`fleet-peer: unknown role ${String(role)}\n`);
  process.exit(2);
}
