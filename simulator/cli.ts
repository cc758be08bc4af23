#!/usr/bin/env node
/**
 * `ayla-dss-sim`: runs the DSS simulator until SIGINT / SIGTERM.
 *
 * Prints exactly one JSON line on stdout once listening (URLs and the demo account); every
 * other line goes to stderr, so a parent process can read stdout's first line safely.
 */
import { parseArgs } from 'node:util';
import { SIMULATOR_DEFAULTS, startSimulator, type RunningSimulator, type SimulatorOptions } from './index';

const HELP = `Usage: ayla-dss-sim [options]

An offline Ayla cloud: user service, DSS REST, DSS WebSocket stream and virtual devices on one port.

Options:
  --host <addr>              interface to bind (default ${SIMULATOR_DEFAULTS.host}; /sim/ is unauthenticated)
  --port <n>                 TCP port, 0 = any free port (default ${SIMULATOR_DEFAULTS.port})
  --heartbeat-ms <ms>        heartbeat interval (default ${SIMULATOR_DEFAULTS.heartbeatMs})
  --missed-heartbeats <n>    unanswered heartbeats before a socket is closed (default ${SIMULATOR_DEFAULTS.missedHeartbeats})
  --keep-alive-ms <ms>       1|X keep-alives on mobile streams, 0 = none (default ${SIMULATOR_DEFAULTS.keepAliveMs})
  --rate <n>                 automatic events per second across all devices, 0 = none (default ${SIMULATOR_DEFAULTS.rate})
  --seed <n>                 seed for deterministic devices, values and acks (default random)
  --retention <n>            events kept per stream key for replay (default ${SIMULATOR_DEFAULTS.retention})
  --token-ttl <s>            access-token lifetime in seconds (default ${SIMULATOR_DEFAULTS.tokenTtlSec})
  --scenario <file.json>     devices, applications and users (default: built-in smart plugs, thermostats, air purifiers)
  --devices <n>              generate n devices (over the scenario's models, or the built-in fleet catalog)
  --ack-delay-ms <ms>        delay before a device acknowledges a write (default ${SIMULATOR_DEFAULTS.ackDelayMs})
  --ack-failure-rate <0..1>  share of acks reporting a failure (default ${SIMULATOR_DEFAULTS.ackFailureRate})
  --ack-drop-rate <0..1>     share of writes never acknowledged (default ${SIMULATOR_DEFAULTS.ackDropRate})
  -q, --quiet                no log lines on stderr
  -h, --help                 this text

On start, one JSON line is printed on stdout:
  {"event":"listening","url":…,"streamUrl":…,"apiUrl":…,"userUrl":…,"deviceUrl":…,"account":{…}}
`;

/** Exit code for bad command-line options. */
const EXIT_USAGE = 2;
/** Exit code when the simulator cannot start (port in use, bad scenario). */
const EXIT_START_FAILED = 1;

function numberOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new RangeError(`--${name} must be a number, got "${text}"`);
  return value;
}

function readOptions(argv: string[]): SimulatorOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'heartbeat-ms': { type: 'string' },
      'missed-heartbeats': { type: 'string' },
      'keep-alive-ms': { type: 'string' },
      rate: { type: 'string' },
      seed: { type: 'string' },
      retention: { type: 'string' },
      'token-ttl': { type: 'string' },
      scenario: { type: 'string' },
      devices: { type: 'string' },
      'ack-delay-ms': { type: 'string' },
      'ack-failure-rate': { type: 'string' },
      'ack-drop-rate': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  return {
    host: values.host,
    port: numberOption('port', values.port),
    heartbeatMs: numberOption('heartbeat-ms', values['heartbeat-ms']),
    missedHeartbeats: numberOption('missed-heartbeats', values['missed-heartbeats']),
    keepAliveMs: numberOption('keep-alive-ms', values['keep-alive-ms']),
    rate: numberOption('rate', values.rate),
    seed: numberOption('seed', values.seed),
    retention: numberOption('retention', values.retention),
    tokenTtlSec: numberOption('token-ttl', values['token-ttl']),
    scenario: values.scenario,
    devices: numberOption('devices', values.devices),
    ackDelayMs: numberOption('ack-delay-ms', values['ack-delay-ms']),
    ackFailureRate: numberOption('ack-failure-rate', values['ack-failure-rate']),
    ackDropRate: numberOption('ack-drop-rate', values['ack-drop-rate']),
    log: values.quiet ? undefined : (line: string) => process.stderr.write(`[ayla-dss-sim] ${line}\n`),
  };
}

async function main(): Promise<void> {
  let options: SimulatorOptions | 'help';
  try {
    options = readOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`ayla-dss-sim: ${(error as Error).message}\n\n${HELP}`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  if (options === 'help') {
    process.stdout.write(HELP);
    return;
  }
  let simulator: RunningSimulator;
  try {
    simulator = await startSimulator(options);
  } catch (error) {
    process.stderr.write(`ayla-dss-sim: cannot start: ${(error as Error).message}\n`);
    process.exitCode = EXIT_START_FAILED;
    return;
  }
  const { url, streamUrl, apiUrl, userUrl, deviceUrl, account } = simulator;
  process.stdout.write(`${JSON.stringify({ event: 'listening', url, streamUrl, apiUrl, userUrl, deviceUrl, account })}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`[ayla-dss-sim] ${signal}: closing\n`);
    simulator.close().then(
      () => {
        process.exitCode = 0;
      },
      (error: Error) => {
        process.stderr.write(`ayla-dss-sim: close failed: ${error.message}\n`);
        process.exitCode = EXIT_START_FAILED;
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

void main();
