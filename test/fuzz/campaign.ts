/**
 * A longer fuzz campaign: the properties of test/fuzz/*.spec.ts with many more runs and, unless
 * told otherwise, a fresh random seed. `npm test` runs the same properties with a fixed seed and
 * few runs; this is where new counter-examples are found.
 *
 *   npm run fuzz                               # 10,000 runs per property, random seed
 *   npm run fuzz -- --runs 100000 --seed 42    # or FUZZ_RUNS=100000 FUZZ_SEED=42 npm run fuzz
 *   npm run fuzz -- --grep "seq"               # only the matching properties
 *
 * It prints the seed and runs first, one line per property (runs, seed, time), and a summary.
 * A failure prints fast-check's counter-example and `{ seed, path }`: rerun with that seed to
 * reproduce it, then add the shrunk value as a regression case to the normal specs
 * (test/lib/*.spec.ts or test/fixtures/hostile-frames.ts).
 */
import { randomInt } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Mocha from 'mocha';

/** Runs per property when neither --runs nor FUZZ_RUNS says otherwise. */
const DEFAULT_CAMPAIGN_RUNS = 10_000;

function integerOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    process.stderr.write(`--${name} must be an integer, got "${text}"\n`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string' }, seed: { type: 'string' }, grep: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    process.stdout.write('Usage: npm run fuzz -- [--runs N] [--seed S] [--grep TEXT]   (or FUZZ_RUNS / FUZZ_SEED)\n');
    return;
  }
  const runs = integerOption('runs', values.runs) ?? integerOption('FUZZ_RUNS', process.env.FUZZ_RUNS) ?? DEFAULT_CAMPAIGN_RUNS;
  const seed = integerOption('seed', values.seed) ?? integerOption('FUZZ_SEED', process.env.FUZZ_SEED) ?? randomInt(2 ** 31 - 1);
  if (runs < 1) {
    process.stderr.write('--runs must be at least 1\n');
    process.exit(2);
  }
  // fuzz-config.ts reads these in every spec file of this process.
  process.env.FUZZ_RUNS = String(runs);
  process.env.FUZZ_SEED = String(seed);
  process.env.FUZZ_CAMPAIGN = '1';

  const mocha = new Mocha({ reporter: 'spec', timeout: 0, grep: values.grep });
  const dir = __dirname;
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.spec.ts'))
    .sort();
  for (const file of files) mocha.addFile(join(dir, file));

  process.stdout.write(`fuzz campaign: seed ${seed}, ${runs} runs per property, ${files.length} spec files (${files.join(', ')})\n`);
  const started = Date.now();
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `fuzz campaign: ${failures === 0 ? 'no failures' : `${failures} failing propert${failures === 1 ? 'y' : 'ies'}`}; ` +
      `seed ${seed}, ${runs} runs per property, ${seconds} s\n`,
  );
  if (failures > 0) process.stdout.write(`replay: npm run fuzz -- --seed ${seed} --runs ${runs}\n`);
  process.exitCode = failures === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`fuzz campaign failed to run: ${String(error)}\n`);
  process.exitCode = 1;
});
