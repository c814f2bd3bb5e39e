// One embedded store on loopback port 0, in its own worker thread: dynalite (DynamoDB API, in
// memory or in LevelDB at `path`) or s3rver (S3 API, objects under `s3Directory`).
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';
import S3rver from 's3rver';

async function start() {
  if (workerData.store === 'dynamodb') {
    const dynamo = dynalite({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      ...(workerData.path ? { path: workerData.path } : {}),
    });
    await new Promise((resolve, reject) =>
      dynamo.listen(0, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
    );
    return {
      port: dynamo.address().port,
      close: () => new Promise((resolve) => dynamo.close(() => resolve())),
    };
  }
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: workerData.s3Directory });
  const { port } = await s3.run();
  return { port, close: () => s3.close() };
}

const profile = await startProfile();
const store = await start();
parentPort.postMessage({ type: 'ready', port: store.port });
parentPort.on('message', async (message) => {
  if (message !== 'close') return;
  await store.close();
  await profile?.save();
  parentPort.postMessage({ type: 'closed' });
});

/** LOCAL_CPU_PROFILE_DIR=<dir>: this store's thread writes one CPU profile of its life there. */
async function startProfile() {
  const dir = process.env.LOCAL_CPU_PROFILE_DIR;
  if (!dir) return undefined;
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async save() {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      await writeFile(`${dir}/store-${workerData.store}-${Date.now()}.cpuprofile`, JSON.stringify(profile));
    },
  };
}
