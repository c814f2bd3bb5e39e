// One embedded store on loopback port 0, in its own worker thread: dynalite (DynamoDB API) or
// s3rver (S3 API). Each store gets a thread of its own so that serving pages and writing objects
// run beside the export, and beside each other, instead of queueing behind one event loop.
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';
import S3rver from 's3rver';

async function start() {
  if (workerData.store === 'dynamodb') {
    const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
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

const store = await start();
parentPort.postMessage({ type: 'ready', port: store.port });
parentPort.on('message', async (message) => {
  if (message !== 'close') return;
  await store.close();
  parentPort.postMessage({ type: 'closed' });
});
