// The embedded stores, dynalite (DynamoDB API) and s3rver (S3 API), on loopback port 0. They run
// in a worker thread of the same process so that their work (serialising pages, writing objects)
// runs beside the export on the machine's other core instead of queueing behind it.
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';
import S3rver from 's3rver';

const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
await new Promise((resolve, reject) =>
  dynamo.listen(0, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
);
const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: workerData.s3Directory });
const { port: s3Port } = await s3.run();

parentPort.postMessage({ type: 'ready', dynamodbPort: dynamo.address().port, s3Port });
parentPort.on('message', async (message) => {
  if (message !== 'close') return;
  await new Promise((resolve) => dynamo.close(() => resolve()));
  await s3.close();
  parentPort.postMessage({ type: 'closed' });
});
