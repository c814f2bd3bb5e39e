import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { demoTableNames } from './demo-tables';
import { loadDataDirectory } from './load-data';
import { loadDemoData } from './load-demo';
import { startLocalStack } from './local-stack';
import { runLocalExport } from './run-export';

export interface ExportToFileOptions {
  playerId: string;
  /** Folder of <table>.jsonl files; the built-in demo data when absent. */
  dataDir?: string;
  /** Number of game statistics of the demo player (the size knob of the demo data). */
  stats?: number;
  locale?: string;
  /** The zip's path; `<outDir>/<root folder>.zip` when absent. */
  out?: string;
  outDir?: string;
  say?: (line: string) => void;
}

/**
 * The whole local job: a fresh embedded stack, the data loaded, the export run as production runs
 * it, and the archive copied out of the local S3 to a file. The stack is stopped whatever happens.
 */
export async function exportToFile(options: ExportToFileOptions) {
  const say = options.say ?? (() => undefined);
  const t0 = performance.now();
  say('Starting the embedded stores (dynalite for DynamoDB, s3rver for S3)…');
  const stack = await startLocalStack();
  try {
    const loaded = options.dataDir
      ? await loadDataDirectory(stack.clients.dynamodb, resolve(options.dataDir), demoTableNames)
      : await loadDemoData(
          stack.clients.dynamodb,
          options.stats !== undefined ? { statsForHeavyPlayer: options.stats } : {},
        );
    const t1 = performance.now();
    say(
      `Loaded ${Object.entries(loaded)
        .map(([t, n]) => `${n} ${t}`)
        .join(', ')}`,
    );
    const outcome = await runLocalExport(stack, {
      playerId: options.playerId,
      ...(options.locale ? { locale: options.locale } : {}),
      onProgress: ({ step, detail }) => say(`  ${step}${detail ? `: ${detail}` : ''}`),
    });
    const t2 = performance.now();
    const out = resolve(options.out ?? `${options.outDir ?? '.'}/${outcome.plan.rootFolder}.zip`);
    await mkdir(dirname(out), { recursive: true });
    await pipeline(await outcome.store.get(outcome.archive.archiveKey), createWriteStream(out));
    const t3 = performance.now();
    return {
      ...outcome,
      out,
      loaded,
      timings: {
        loadMs: Math.round(t1 - t0),
        exportMs: Math.round(t2 - t1),
        downloadMs: Math.round(t3 - t2),
      },
    };
  } finally {
    await stack.stop();
  }
}
