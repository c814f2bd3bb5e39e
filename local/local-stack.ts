import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createClients, type LocalEndpoints } from '../functions/runtime/clients';
import { createDemoTables } from './demo-tables';
import { createPipelineTable, PIPELINE_TABLE } from './pipeline-tables';

export const LOCAL_BUCKET = 'player-data-exports';

export interface LocalStack {
  endpoints: LocalEndpoints;
  clients: ReturnType<typeof createClients>;
  bucket: string;
  /** The pipeline's own table: requests, audit trail, download grants. */
  pipelineTable: string;
  /** Folder where s3rver keeps objects. */
  s3Directory: string;
  stop(): Promise<void>;
}

/**
 * Starts a fresh embedded stack: dynalite and s3rver on loopback port 0 (in a worker thread), the
 * demo game's tables and the exports bucket. Nothing is shared between two stacks, so tests can
 * each have their own.
 */
export async function startLocalStack(options: { createTables?: boolean } = {}): Promise<LocalStack> {
  const s3Directory = await mkdtemp(join(tmpdir(), 'pde-s3-'));
  const [dynamo, s3] = await Promise.all([
    startStore('dynamodb', s3Directory),
    startStore('s3', s3Directory),
  ]);
  const endpoints = { dynamodb: `http://127.0.0.1:${dynamo.port}`, s3: `http://127.0.0.1:${s3.port}` };
  const clients = createClients(endpoints);
  await clients.s3.send(new CreateBucketCommand({ Bucket: LOCAL_BUCKET }));
  await createPipelineTable(clients.dynamodb);
  if (options.createTables !== false) await createDemoTables(clients.dynamodb);

  let stopped = false;
  return {
    endpoints,
    clients,
    bucket: LOCAL_BUCKET,
    pipelineTable: PIPELINE_TABLE,
    s3Directory,
    async stop() {
      if (stopped) return;
      stopped = true;
      clients.dynamodb.destroy();
      clients.s3.destroy();
      await Promise.all([dynamo.stop(), s3.stop()]);
      await rm(s3Directory, { recursive: true, force: true });
    },
  };
}

/** One store in its own worker thread (local/stores-worker.mjs). */
async function startStore(store: 'dynamodb' | 's3', s3Directory: string) {
  const worker = new Worker(new URL('./stores-worker.mjs', import.meta.url), {
    workerData: { store, s3Directory },
  });
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    port,
    async stop() {
      const closed = new Promise<void>((resolve) =>
        worker.on('message', (m) => m?.type === 'closed' && resolve()),
      );
      worker.postMessage('close');
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5000))]);
      await worker.terminate();
    },
  };
}
