// One embedded store on loopback port 0, in its own worker thread: dynalite (DynamoDB API, in
// memory or in LevelDB at `path`) or s3rver (S3 API, objects under `s3Directory`).
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { startThreadProfile } from './thread-profile.mjs';

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

// One profile of this store's whole life (see thread-profile.mjs).
const profile = await startThreadProfile(process.env.LOCAL_CPU_PROFILE_DIR);
const store = await start();
parentPort.postMessage({ type: 'ready', port: store.port });
parentPort.on('message', async (message) => {
  if (message !== 'close') return;
  await store.close();
  await profile?.save(`store-${workerData.store}-${Date.now()}`);
  parentPort.postMessage({ type: 'closed' });
});
