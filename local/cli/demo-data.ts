// The pinned SDK runs fine on Node 20; its notice about 2027 releases is noise in a CLI's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_MAX_HEAVY_STATS } from '../../functions/seed-demo/demo-data/generate';
import { writeDemoJsonl } from '../../functions/seed-demo/demo-data/write-jsonl';

// Kept free of the AWS SDK and the local stack: writing files should start instantly.
const usage = 'usage: npm run demo-data -- --out <dir> [--stats <n>] [--seed <n>]';

class UsageError extends Error {
  override name = 'UsageError';
}

interface DemoDataArgs {
  out: string;
  stats?: number;
  seed?: number;
}

function parse(argv: string[]): DemoDataArgs {
  let values: { out?: string; stats?: string; seed?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { out: { type: 'string', short: 'o' }, stats: { type: 'string' }, seed: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    // Some parseArgs messages span lines (with a useful hint, e.g. '--seed=-3'): keep one line.
    throw new UsageError((error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' '));
  }
  const stats = wholeNumber(values.stats, '--stats', /^[0-9]+$/);
  if (stats !== undefined && stats > DEMO_MAX_HEAVY_STATS) {
    throw new UsageError(`--stats takes at most ${DEMO_MAX_HEAVY_STATS}, got ${stats}`);
  }
  const seed = wholeNumber(values.seed, '--seed', /^-?[0-9]+$/);
  if (!values.out) throw new UsageError('--out <dir> is required');
  return { out: values.out, stats, seed };
}

function wholeNumber(text: string | undefined, flag: string, shape: RegExp): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!shape.test(text) || !Number.isSafeInteger(value)) {
    throw new UsageError(`${flag} takes a whole number, got ${JSON.stringify(text)}`);
  }
  return value;
}

async function main(): Promise<void> {
  let args: DemoDataArgs;
  try {
    args = parse(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message} (${usage})\n`);
    process.exitCode = 2;
    return;
  }
  const dir = resolve(args.out);
  const started = performance.now();
  let counts: Record<string, number>;
  try {
    counts = await writeDemoJsonl(dir, { seed: args.seed, statsForHeavyPlayer: args.stats });
  } catch (error) {
    process.stderr.write(
      `error: cannot write the demo data: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
    return;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const width = Math.max(...Object.keys(counts).map((table) => table.length));
  for (const [table, count] of Object.entries(counts)) {
    process.stdout.write(`${table.padEnd(width)} ${String(count).padStart(10)}  ${dir}/${table}.jsonl\n`);
  }
  process.stdout.write(`Wrote ${Object.values(counts).reduce((a, b) => a + b, 0)} items in ${seconds} s\n`);
}

await main();
