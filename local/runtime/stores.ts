import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** Where the embedded stores listen. */
export interface StoreEndpoints {
  dynamodb: string;
  s3: string;
}

export interface Stores {
  endpoints: StoreEndpoints;
  stop(): Promise<void>;
}

/**
 * Starts dynalite (DynamoDB API) and s3rver (S3 API) on loopback port 0, each in a worker thread
 * of its own so serving pages and writing objects run beside the functions. In memory (s3rver's
 * objects in a temporary folder) unless `dataDir` is given: then both keep their data there, so a
 * runtime can be killed and started again against the same tables and objects.
 */
export async function startStores(options: { dataDir?: string } = {}): Promise<Stores> {
  const temporary = options.dataDir ? undefined : await mkdtemp(join(tmpdir(), 'pde-s3-'));
  const s3Directory = options.dataDir ? join(options.dataDir, 's3') : (temporary as string);
  const dynamoPath = options.dataDir ? join(options.dataDir, 'dynamodb') : undefined;
  if (options.dataDir) await mkdir(s3Directory, { recursive: true });
  const [dynamo, s3] = await Promise.all([
    startStore({ store: 'dynamodb', path: dynamoPath }),
    startStore({ store: 's3', s3Directory }),
  ]);
  let stopped = false;
  return {
    endpoints: { dynamodb: `http://127.0.0.1:${dynamo.port}`, s3: `http://127.0.0.1:${s3.port}` },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all([dynamo.stop(), s3.stop()]);
      if (temporary) await rm(temporary, { recursive: true, force: true });
    },
  };
}

async function startStore(workerData: {
  store: 'dynamodb' | 's3';
  path?: string | undefined;
  s3Directory?: string;
}) {
  const worker = new Worker(new URL('./stores-worker.mjs', import.meta.url), { workerData });
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
