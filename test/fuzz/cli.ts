/**
 * `npm run fuzz -- --runs <n> [--seed <n>] [--shrink]`: the property of test/fuzz/any-data.ts on a
 * fresh local runtime, n generated cases (each one full export). Prints the seed first, so any run
 * can be repeated; on failure prints fast-check's report (seed, path, counterexample) and exits 1.
 * `--shrink` minimises a counterexample (every step is a full export: minutes, not seconds).
 */
import { parseArgs } from 'node:util';
import { startTestRuntime, type TestRuntime } from '../support/runtime';
import { runProperty } from './any-data';

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: npm run fuzz -- --runs <n> [--seed <n>] [--shrink]\n`);
  process.exit(2);
}

function integerOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) usage(`--${name} must be an integer, not ${JSON.stringify(value)}`);
  return Number(value);
}

async function main(): Promise<number> {
  const values = (() => {
    try {
      return parseArgs({
        options: {
          runs: { type: 'string' },
          seed: { type: 'string' },
          shrink: { type: 'boolean', default: false },
        },
        strict: true,
      }).values;
    } catch (error) {
      return usage(error instanceof Error ? error.message : String(error));
    }
  })();
  const runs = integerOption(values.runs, 'runs', 30);
  if (runs < 1) usage('--runs must be at least 1');
  // fast-check takes a 32-bit seed.
  const seed = integerOption(values.seed, 'seed', (Date.now() ^ (Math.random() * 0x100000000)) | 0);
  console.log(`seed: ${seed}`);
  console.log(`runs: ${runs}${values.shrink ? ' (shrinking on failure)' : ''}`);

  const started = Date.now();
  let runtime: TestRuntime | undefined;
  try {
    runtime = await startTestRuntime({ demoData: false });
    console.log(`runtime started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const propertyStarted = Date.now();
    const seen = { records: 0, mismatches: 0, mailed: 0, nonAsciiNames: 0 };
    await runProperty(runtime, {
      numRuns: runs,
      seed,
      shrink: values.shrink,
      onCase: (index, ms, report) => {
        const time = `${(ms / 1000).toFixed(1)} s`;
        if (!report) return console.log(`case ${index}: failed (${time})`);
        const records = Object.values(report.records).reduce((a, b) => a + b, 0);
        seen.records += records;
        seen.mismatches += report.mismatches;
        if (report.mailText !== undefined) seen.mailed += 1;
        if (/[^\x20-\x7e]/.test(report.root)) seen.nonAsciiNames += 1;
        console.log(
          `case ${index}: ok (${time}) ${records} records, ${report.mismatches} mismatched paths, ${JSON.stringify(report.fileName)}`,
        );
      },
    });
    console.log(
      `ok: ${runs} cases passed in ${((Date.now() - propertyStarted) / 1000).toFixed(1)} s (seed ${seed}): ` +
        `${seen.records} records, ${seen.mismatches} mismatched paths, ${seen.mailed} e-mails, ` +
        `${seen.nonAsciiNames} non-ASCII file names`,
    );
    return 0;
  } catch (error) {
    console.error(`\nFAILED (seed ${seed}, runs ${runs})`);
    console.error(error instanceof Error ? error.message : String(error));
    console.error(
      `\nreplay: npm run fuzz -- --runs ${runs} --seed ${seed}${values.shrink ? '' : ' --shrink (to minimise it)'}`,
    );
    return 1;
  } finally {
    await runtime?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
