/**
 * A real Node-RED runtime for the editor end-to-end test (test/support/node-red-process.ts: red.js
 * in a child process, private user directory, this package from the built `dist/`), with the
 * demo flow and its `${NAME}` credentials written to the flow files before the start.
 *
 * Not node-red-node-test-helper on purpose: the editor needs the full admin app, the palette,
 * the comms socket and the real flow file / credential file handling.
 */
import { startNodeRedChild, type NodeRedChild } from '../../support/node-red-process';

export { assertBuilt } from '../../support/node-red-process';

/** Output kept for failure reports (characters); older output is dropped. */
const MAX_LOG_CHARS = 20_000;

type FlowJson = Array<Record<string, unknown>>;

/** What {@link startNodeRed} needs. */
export interface NodeRedOptions {
  /** The flow file content (flows.json). */
  flows: FlowJson;
  /**
   * The credential file content (flows_cred.json), stored unencrypted
   * (`credentialSecret: false`). Only `${NAME}` references belong here, never secrets.
   */
  credentials: Record<string, Record<string, string>>;
  /** Extra environment for the child, e.g. the variables the `${NAME}` credentials name. */
  env: Record<string, string>;
}

/** A running Node-RED child process; `url` is the editor's (`http://127.0.0.1:PORT/`). */
export interface RunningNodeRed extends Pick<NodeRedChild, 'url' | 'port' | 'pid' | 'userDir' | 'log'> {
  /** SIGTERM, then SIGKILL after 5 s; removes the user directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Writes a private user directory with the flow and credential files and spawns Node-RED on a
 * free loopback port; resolves once the admin API answers. On any start-up failure the child is
 * killed and the error carries its output.
 */
export async function startNodeRed(options: NodeRedOptions): Promise<RunningNodeRed> {
  const red = await startNodeRedChild({
    userDirPrefix: 'ayla-dss-e2e-',
    writtenBy: 'test/editor/support/node-red-process.ts',
    settingsLines: [
      '// The credential file only holds ${NAME} references to the environment, no secrets.',
      'credentialSecret: false,',
      "logging: { console: { level: 'info', metrics: false, audit: false } },",
    ],
    files: {
      'flows.json': JSON.stringify(options.flows, null, 2),
      'flows_cred.json': JSON.stringify(options.credentials, null, 2),
    },
    env: options.env,
    readyRoute: '/settings',
    maxLogChars: MAX_LOG_CHARS,
  });
  return { url: `${red.url}/`, port: red.port, pid: red.pid, userDir: red.userDir, log: red.log, stop: red.dispose };
}
