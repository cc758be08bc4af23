/**
 * How the fuzz properties run: a fixed seed and a bounded number of runs inside `npm test`
 * (deterministic, the whole suite in a few seconds), and whatever `npm run fuzz` asks for in a
 * campaign (see `test/fuzz/campaign.ts`).
 *
 * Environment (set by the campaign runner, or by hand to replay a failure):
 * - `FUZZ_RUNS`: runs per property, replacing each property's default;
 * - `FUZZ_SEED`: the seed (an integer);
 * - `FUZZ_CAMPAIGN=1`: print one line per property (name, runs, seed, time).
 */
import fc from 'fast-check';

/** The seed of `npm test`: fixed, so a failure there is reproducible as it is. */
export const DEFAULT_FUZZ_SEED = 20_260_101;

function integerFromEnv(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got "${text}"`);
  return value;
}

/** The seed every property uses in this process. */
export function fuzzSeed(): number {
  return integerFromEnv('FUZZ_SEED') ?? DEFAULT_FUZZ_SEED;
}

/** Runs for a property: `FUZZ_RUNS` when set, else the property's own default (sized for `npm test`). */
export function fuzzRuns(defaultRuns: number): number {
  const runs = integerFromEnv('FUZZ_RUNS');
  return runs !== undefined && runs > 0 ? runs : defaultRuns;
}

/** True inside `npm run fuzz`. */
export function inCampaign(): boolean {
  return process.env.FUZZ_CAMPAIGN === '1';
}

/**
 * Checks `property` with the configured seed and runs. On failure fast-check's error names the
 * seed and the shrunk counter-example, and the path to replay it (`{ seed, path }`): turn it
 * into a regression case in the normal specs.
 *
 * @param name - shown in campaign output.
 * @param defaultRuns - runs in `npm test`; keep the whole suite under ~20 s.
 */
export function checkProperty<Ts>(name: string, property: fc.IProperty<Ts>, defaultRuns: number): void {
  const numRuns = fuzzRuns(defaultRuns);
  const seed = fuzzSeed();
  const started = process.hrtime.bigint();
  fc.assert(property, { seed, numRuns });
  if (inCampaign()) {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    process.stdout.write(`    fuzz: ${name}: ${numRuns} runs, seed ${seed}, ${ms.toFixed(0)} ms\n`);
  }
}
