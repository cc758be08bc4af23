/**
 * Shared pieces for StreamClient specs: DSS event frames, a client with short test intervals
 * (tens of ms), and cleanup of every client and server a test started.
 */
import { encodeFrame } from '../../nodes/lib/frames';
import { StreamClient, type StreamClientOptions } from '../../nodes/lib/stream';
import { startScriptedWsServer, type ScriptedWsServer } from './scripted-ws-server';

/** The stream key the kit's clients use unless a test gives its own. */
export const TEST_KEY = 'abcdef01234567890000000000000001';

/** A datapoint event (docs/protocol.md §6 shape) with the given seq. */
export function datapointEvent(seq: number | string, value: unknown = 1): Record<string, unknown> {
  return {
    seq: String(seq),
    metadata: {
      oem_id: '0dfc7900',
      oem_model: 'linuxevb',
      dsn: 'AC000W005606115',
      property_name: 'Blue_LED',
      display_name: 'Blue_LED',
      base_type: 'boolean',
      resource_tags: [],
      event_type: 'datapoint',
    },
    datapoint: { id: `dp-${seq}`, updated_at: '2018-09-24T10:25:14Z', created_at: '2018-09-24T10:25:14Z', echo: false, value, metadata: {} },
  };
}

/** `LEN|JSON` frame of a datapoint event. */
export function datapointFrame(seq: number | string, value: unknown = 1): string {
  return encodeFrame(JSON.stringify(datapointEvent(seq, value)));
}

/** Frame of any object. */
export function frameOf(value: unknown): string {
  return encodeFrame(JSON.stringify(value));
}

/** A test bench: one scripted server, clients with fast timings, and how often a key was asked for. */
export interface StreamBench {
  server: ScriptedWsServer;
  keyRequests: number;
  client(overrides?: Partial<StreamClientOptions>): StreamClient;
  close(): Promise<void>;
}

/** Starts a server and returns a bench whose close() closes every client first, then the server. */
export async function startStreamBench(): Promise<StreamBench> {
  const server = await startScriptedWsServer();
  const clients: StreamClient[] = [];
  const bench: StreamBench = {
    server,
    keyRequests: 0,
    client(overrides = {}) {
      const client = new StreamClient({
        streamUrl: server.url,
        getStreamKey: () => {
          bench.keyRequests++;
          return TEST_KEY;
        },
        eventType: 'datapoint',
        heartbeatTimeoutMs: 5000,
        connectTimeoutMs: 2000,
        authRetryDelayMs: 400,
        backoff: { initialDelayMs: 20, maxDelayMs: 100, random: () => 0 },
        ...overrides,
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      await server.close();
    },
  };
  return bench;
}
