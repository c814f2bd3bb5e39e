import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { downloadAsPlayer } from '../../local/player-download';
import { pipelineRecords, requestExport } from '../../local/portal';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '../../local/runtime/runtime';

export interface TestRuntime extends LocalRuntime {
  records: ReturnType<typeof pipelineRecords>;
  /** The exports bucket's name (from the stateful stack's outputs). */
  bucket: string;
  workDir: string;
  /** Keys under a prefix of the exports bucket (one page: s3rver cannot page a listing). */
  objectKeys(prefix: string): Promise<string[]>;
}

/**
 * The local runtime as the tests use it: synthesized templates (cached across test files by
 * source hash), fresh stores, retry waits scaled down (never removed), mail at 50 a second, and
 * optionally the demo game's data. Stop it in afterAll.
 */
export async function startTestRuntime(
  options: Partial<LocalRuntimeOptions> & { demoData?: boolean } = {},
): Promise<TestRuntime> {
  const workDir = await mkdtemp(join(tmpdir(), 'pde-test-'));
  // The demo game's data is seeded by its stack's custom resource, as a deploy does.
  const { demoData = true, context, ...rest } = options;
  const runtime = await startLocalRuntime({
    workDir,
    retryScale: 0.01,
    // Mail at a production account's pace unless a test asks otherwise: the sandbox's one a second
    // (the default, asserted on the template) would only add waiting between the tests' e-mails.
    context: { mailPerSecond: 50, ...context, ...(demoData ? {} : { seedDemoData: false }) },
    ...rest,
  });
  const bucket = runtime.outputs.ExportsBucketName;
  if (!bucket) throw new Error('The stateful stack has no ExportsBucketName output');
  const stop = runtime.stop;
  return Object.assign(runtime, {
    records: pipelineRecords(runtime),
    bucket,
    workDir,
    async objectKeys(prefix: string) {
      const listed = await runtime.admin.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }),
      );
      return (listed.Contents ?? []).map((o) => o.Key as string);
    },
    async stop() {
      await stop();
      await rm(workDir, { recursive: true, force: true });
    },
  });
}

/** Exports a player through the whole path and downloads the archive as the player would. */
export async function exportAndDownload(runtime: TestRuntime, playerId: string, locale = 'en') {
  const request = await requestExport(runtime, { playerId, locale });
  const out = join(runtime.workDir, `${request.requestId}.zip`);
  const { fileName, files } = await downloadAsPlayer(request.link, out);
  return { ...request, out, fileName, volumes: files };
}
