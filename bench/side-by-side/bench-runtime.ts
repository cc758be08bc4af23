/**
 * The embedded Node-RED the frame-server benchmarks share (side-by-side.ts, partition.ts): the
 * package from `packageDir` and the recording sink nodes loaded, every `flow control:` log line
 * kept for the round that caused it, and every other warning or error kept for the summary.
 */
import { join } from 'node:path';
import { startEmbeddedNodeRed, type EmbeddedNodeRed, type NodeRedLogRecord } from '../soak-node-red';
import { SinkRegistryImpl } from './sink-recorder';

/** Node-RED's own start-up warnings for an embedded runtime without projects or a credential secret. */
const STARTUP_NOTICES = /^(Projects disabled|Using unencrypted credentials)/;

/** A started benchmark runtime; see the module comment. */
export interface BenchRuntime {
  red: EmbeddedNodeRed;
  /** Where the sink nodes find the recorder of the running round. */
  sinks: SinkRegistryImpl;
  /** The `flow control:` lines logged since the last call, and forgets them. */
  takeFlowControlLog(): string[];
  /** Warnings and errors Node-RED logged so far (start-up notices excluded), first 200 characters each. */
  problems: string[];
}

/** Starts Node-RED with the package in `packageDir` and the bench sinks; see {@link BenchRuntime}. */
export async function startBenchRuntime(packageDir: string): Promise<BenchRuntime> {
  const sinks = new SinkRegistryImpl();
  const flowControlLog: string[] = [];
  const problems: string[] = [];
  const red = await startEmbeddedNodeRed({
    nodesDirs: [packageDir, join(__dirname, 'sink')],
    logLevel: 'info',
    onLog: (record: NodeRedLogRecord) => {
      const text = typeof record.msg === 'string' ? record.msg : String(record.msg);
      if (text.startsWith('flow control:')) flowControlLog.push(text);
      else if (record.level <= 30 && !STARTUP_NOTICES.test(text)) problems.push(`${record.type ?? 'runtime'}: ${text.slice(0, 200)}`);
    },
    settings: { benchSinks: sinks },
  });
  return { red, sinks, takeFlowControlLog: () => flowControlLog.splice(0), problems };
}
