import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { demoTableNames } from './demo-tables';
import { loadDataDirectory } from './load-data';
import { loadDemoData } from './load-demo';
import { startLocalStack } from './local-stack';
import { startLocalPipeline } from './pipeline';
import { downloadAsPlayer } from './player-download';
import { requestExport } from './request-export';

export interface ExportToFileOptions {
  playerId: string;
  /** Folder of <table>.jsonl files; the built-in demo data when absent. */
  dataDir?: string;
  /** Number of game statistics of the demo player (the size knob of the demo data). */
  stats?: number;
  locale?: string;
  /** The zip's path; `<outDir>/<file name the gateway gives>` when absent. */
  out?: string;
  outDir?: string;
  say?: (line: string) => void;
}

/**
 * The whole local job, end to end: a fresh embedded stack, the data loaded, an ExportRequested
 * event, the workflow, the e-mail in the outbox, and the archive fetched through the download
 * gateway exactly as a player would. The stack is stopped whatever happens.
 */
export async function exportToFile(options: ExportToFileOptions) {
  const say = options.say ?? (() => undefined);
  const t0 = performance.now();
  say('Starting the embedded stores (dynalite for DynamoDB, s3rver for S3)…');
  const stack = await startLocalStack();
  const workDir = await mkdtemp(join(tmpdir(), 'pde-run-'));
  const pipeline = await startLocalPipeline(stack, { workDir, sweepEveryMs: 0, log: () => undefined });
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
    say('Sending ExportRequested and running the workflow…');
    const request = await requestExport(pipeline, {
      playerId: options.playerId,
      ...(options.locale ? { locale: options.locale } : {}),
    });
    const t2 = performance.now();
    say(
      `Link ${request.mailed ? 'e-mailed' : 'published in the ExportReady event'}; downloading through the gateway…`,
    );
    const fallbackName = request.record.archiveKey?.split('/').at(-1) ?? `${request.requestId}.zip`;
    const out = resolve(options.out ?? join(options.outDir ?? '.', fallbackName));
    await mkdir(dirname(out), { recursive: true });
    const { fileName } = await downloadAsPlayer(request.link, out);
    const t3 = performance.now();
    return {
      requestId: request.requestId,
      record: request.record,
      out,
      fileName,
      loaded,
      timings: {
        loadMs: Math.round(t1 - t0),
        exportMs: Math.round(t2 - t1),
        downloadMs: Math.round(t3 - t2),
      },
    };
  } finally {
    await pipeline.stop();
    await stack.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}
