/**
 * Benchmark of the per-listener copies a shared stream makes for every extra listener
 * (nodes/lib/event-copy.ts) against `structuredClone` and the `JSON.parse(json)` re-parse.
 *
 * Run: `node --expose-gc -r ./bench/register.js bench/copy-event.ts [--copies N] [--rounds N]`
 *
 * The event is a datapoint event of about 480 bytes of JSON, shaped like the documented
 * example (`docs/protocol.md` §6) with the extra fields newer pipelines add. Each figure is
 * the median over `--rounds` rounds of `--copies` copies, after a warm-up, in ns per copy.
 * The goal for `copyForListener` (raw + normalised, what the hub makes per extra listener) is
 * at most 3 µs on a 2-vCPU machine.
 */
import { parseArgs } from 'node:util';
import { copyEvent, copyForListener, copyNormalised } from '../nodes/lib/event-copy';
import { validateEvent, type AylaEvent } from '../nodes/lib/events';
import { normaliseEvent, type NormalisedEvent } from '../nodes/lib/normalise';
import { environmentLine, median, nsSince, positiveIntegerOption } from './report';

const DEFAULT_COPIES = 200_000;
const DEFAULT_ROUNDS = 5;

const HELP = `Usage: node --expose-gc -r ./bench/register.js bench/copy-event.ts [options]

  --copies <n>   copies per round and method (default ${DEFAULT_COPIES})
  --rounds <n>   measured rounds; medians are reported (default ${DEFAULT_ROUNDS})
`;

/** A datapoint event of about 480 bytes, as a live stream sends it. */
const EVENT_JSON = JSON.stringify({
  seq: '1234567',
  metadata: {
    oem_id: '0dfc7900',
    oem_model: 'linuxevb',
    dsn: 'AC000W005606115',
    property_name: 'current_temp',
    display_name: 'current_temp',
    base_type: 'decimal',
    resource_tags: [],
    event_type: 'datapoint',
  },
  datapoint: {
    id: '1ff9b91c-bfe4-11e8-1261-67d251d3ec96',
    created_at_from_device: null,
    updated_at: '2018-09-24T10:25:14Z',
    created_at: '2018-09-24T10:25:14Z',
    user_uuid: '00000000-0000-0000-0000-000000000000',
    echo: false,
    closed: false,
    value: 21.5,
    metadata: {},
  },
});

interface Method {
  name: string;
  copy: (normalised: NormalisedEvent, raw: AylaEvent, json: string) => unknown;
}

const METHODS: Method[] = [
  { name: 'structuredClone(raw)', copy: (_n, raw) => structuredClone(raw) },
  { name: 'copyEvent(raw)', copy: (_n, raw) => copyEvent(raw) },
  { name: 'JSON.parse(json) (raw re-parsed)', copy: (_n, _raw, json) => JSON.parse(json) },
  { name: 'structuredClone(normalised)', copy: (n) => structuredClone(n) },
  { name: 'copyNormalised(normalised)', copy: (n) => copyNormalised(n) },
  { name: 'before: structuredClone(n) + JSON.parse(json)', copy: (n, _raw, json) => [structuredClone(n), JSON.parse(json)] },
  { name: 'copyForListener(n, raw)', copy: (n, raw) => copyForListener(n, raw) },
];

function measure(method: Method, normalised: NormalisedEvent, raw: AylaEvent, json: string, copies: number): number {
  let keep: unknown = null;
  const started = process.hrtime.bigint();
  for (let i = 0; i < copies; i++) keep = method.copy(normalised, raw, json);
  const ns = nsSince(started);
  // Read the last copy so the loop cannot be optimised away.
  if (keep === null) throw new Error('no copy made');
  return ns / copies;
}

function main(): void {
  const { values } = parseArgs({
    options: { copies: { type: 'string' }, rounds: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const copies = positiveIntegerOption('copies', values.copies, DEFAULT_COPIES);
  const rounds = positiveIntegerOption('rounds', values.rounds, DEFAULT_ROUNDS);
  const raw = validateEvent(JSON.parse(EVENT_JSON));
  const normalised = normaliseEvent(raw);

  console.log(environmentLine());
  console.log(`datapoint event: ${Buffer.byteLength(EVENT_JSON)} bytes of JSON; ${copies} copies per round, median of ${rounds} rounds`);
  const results: Record<string, number> = {};
  for (const method of METHODS) measure(method, normalised, raw, EVENT_JSON, Math.min(copies, 50_000)); // warm-up
  for (const method of METHODS) {
    const perRound: number[] = [];
    for (let round = 0; round < rounds; round++) perRound.push(measure(method, normalised, raw, EVENT_JSON, copies));
    results[method.name] = Math.round(median(perRound));
    console.log(`${method.name.padEnd(48)} ${String(results[method.name]).padStart(7)} ns/copy`);
  }
  console.log(`JSON ${JSON.stringify({ eventBytes: Buffer.byteLength(EVENT_JSON), copies, rounds, nsPerCopy: results })}`);
}

main();
