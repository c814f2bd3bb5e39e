import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { demoTableNames } from '../demo-tables';
import { loadDataDirectory } from '../load-data';
import { loadDemoData } from '../load-demo';
import { startLocalStack } from '../local-stack';
import { runLocalExport } from '../run-export';
import { CliError, positiveInteger, reportAndExit } from './cli-support';

const usage =
  'usage: npm run export -- --player <id> [--data <dir>] [--out <file.zip>] [--json] [--stats <n>]';

async function main(): Promise<void> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse();
  } catch (error) {
    throw new CliError(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
  }
  const { values } = args;
  if (!values.player) throw new CliError(`--player is required\n${usage}`);
  const stats = positiveInteger(values.stats, '--stats');
  const say = values.json ? (_: string) => undefined : (line: string) => process.stdout.write(`${line}\n`);

  const t0 = performance.now();
  const stack = await startLocalStack();
  try {
    const loaded = values.data
      ? await loadDataDirectory(stack.clients.dynamodb, resolve(values.data), demoTableNames)
      : await loadDemoData(stack.clients.dynamodb, stats !== undefined ? { statsForHeavyPlayer: stats } : {});
    const t1 = performance.now();
    say(
      `Loaded ${Object.entries(loaded)
        .map(([t, n]) => `${n} ${t}`)
        .join(', ')} into the embedded stores`,
    );
    const outcome = await runLocalExport(stack, {
      playerId: values.player,
      onProgress: ({ step, detail }) => say(`  ${step}${detail ? ` ${detail}` : ''}`),
    });
    const t2 = performance.now();
    const out = resolve(values.out ?? `${outcome.plan.rootFolder}.zip`);
    await pipeline(await outcome.store.get(outcome.archive.archiveKey), createWriteStream(out));
    const t3 = performance.now();
    const { archive } = outcome;
    say(`Archive ${archive.archiveKey}: ${archive.bytes} bytes, ${archive.files} files`);
    for (const [category, records] of Object.entries(archive.recordsByCategory)) {
      say(`  ${category.padEnd(18)} ${records === 0 ? 'none held' : `${records} records`}`);
    }
    say(`Written to ${out}`);
    if (values.json) {
      const summary = {
        requestId: archive.requestId,
        archiveKey: archive.archiveKey,
        out,
        bytes: archive.bytes,
        sha256: archive.sha256,
        records: archive.recordsByCategory,
        timings: {
          loadMs: Math.round(t1 - t0),
          exportMs: Math.round(t2 - t1),
          downloadMs: Math.round(t3 - t2),
        },
      };
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    }
  } finally {
    await stack.stop();
  }
}

function parse() {
  return parseArgs({
    options: {
      player: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      stats: { type: 'string' },
    },
    allowPositionals: false,
    strict: true,
  });
}

main().catch(reportAndExit);
