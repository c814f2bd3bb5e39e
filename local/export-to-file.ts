import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { loadDemoData } from '../functions/seed-demo/load-demo';
import { dataFilesIn, loadDataDirectory } from './load-data';
import { downloadAsPlayer } from './player-download';
import { requestExport } from './portal';
import { type LocalRuntimeOptions, startLocalRuntime } from './runtime/runtime';

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
  /** Deployment settings (CDK context) for the synthesized templates. */
  context?: Record<string, unknown>;
  onLog?: LocalRuntimeOptions['onLog'];
}

/**
 * The whole local job, end to end, on the synthesized templates: fresh embedded stores, the data
 * loaded, an ExportRequested event on the bus, the deployed workflow and functions, the e-mail in
 * the outbox, and the archive fetched through the download gateway exactly as a player would. The
 * runtime is stopped whatever happens.
 */
export async function exportToFile(options: ExportToFileOptions) {
  const say = options.say ?? (() => undefined);
  const t0 = performance.now();
  // A folder that cannot be read or holds no data files fails before seconds of synth and start.
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  if (dataDir) await dataFilesIn(dataDir);
  say('Synthesizing the app and starting the local runtime (dynalite, s3rver, the template’s functions)…');
  const workDir = await mkdtemp(join(tmpdir(), 'pde-run-'));
  // The deploy seeds the demo game; data of your own (or a demo of another size) replaces it.
  const ownData = options.dataDir !== undefined || options.stats !== undefined;
  const runtime = await startLocalRuntime({
    workDir,
    context: { ...options.context, ...(ownData ? { seedDemoData: false } : {}) },
    ...(options.onLog ? { onLog: options.onLog } : {}),
  });
  try {
    const loaded = dataDir
      ? await loadDataDirectory(
          runtime.admin.dynamodb,
          dataDir,
          runtime.deployment.tables.map((t) => t.name),
          runtime.gameTables,
        )
      : options.stats !== undefined
        ? await loadDemoData(runtime.admin.dynamodb, runtime.gameTables, {
            statsForHeavyPlayer: options.stats,
          })
        : undefined;
    const t1 = performance.now();
    say(
      loaded
        ? `Loaded ${Object.entries(loaded)
            .map(([t, n]) => `${n} ${t}`)
            .join(', ')}`
        : 'The demo game’s data was seeded by its stack (Custom::DemoData)',
    );
    say('Putting ExportRequested on the event bus; the workflow runs…');
    const request = await requestExport(runtime, {
      playerId: options.playerId,
      ...(options.locale ? { locale: options.locale } : {}),
    });
    const t2 = performance.now();
    say(
      `Link ${request.mailed ? 'e-mailed' : 'published in the ExportReady event'}; downloading through the gateway…`,
    );
    const fallbackName = request.answering.archiveFileName ?? `${request.requestId}.zip`;
    const out = resolve(options.out ?? join(options.outDir ?? '.', fallbackName));
    await mkdir(dirname(out), { recursive: true });
    const { fileName, files } = await downloadAsPlayer(request.link, out);
    const t3 = performance.now();
    return {
      requestId: request.requestId,
      record: request.answering,
      out,
      fileName,
      /** Every volume saved: `out` alone for a single zip. */
      files,
      loaded,
      timings: {
        loadMs: Math.round(t1 - t0),
        exportMs: Math.round(t2 - t1),
        downloadMs: Math.round(t3 - t2),
      },
    };
  } finally {
    await runtime.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}
