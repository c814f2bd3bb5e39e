// One Lambda execution environment ("container") of the local runtime, in a worker thread of its
// own: its own process.env (the function's environment from the template), its own module state
// (the handler's clients and `once` caches), one invocation at a time, as on AWS. The handler is
// the bundle of the source module the template's metadata names (see bundles.ts).
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { startThreadProfile } from './thread-profile.mjs';

/**
 * Memory this environment holds: its V8 heap and what its objects hold outside it (Buffers). Both
 * are this thread's own, where rss would be the whole process's. Lambda's "Max Memory Used" is the
 * sandbox's RSS, which adds the Node.js runtime itself (tens of MB): this is its part we decide.
 */
const heldMb = () => {
  const heap = getHeapStatistics();
  return (heap.total_heap_size + heap.external_memory) / 1048576;
};
/** Sampled this often during an invocation: a collector lets its event loop turn every 100 records. */
const MEMORY_SAMPLE_MS = 25;

// The runtime's clock: every environment reads the same offset (a shared buffer the runtime moves
// with advanceClock), so a test can let days pass for the functions (link expiry, the watchdog's
// bounds, delivery retries) without waiting and without a clock parameter in the functions' code.
const offset = new Float64Array(workerData.clockOffset);
const RealDate = Date;
class RuntimeDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + offset[0]);
    else super(...args);
  }
  static now() {
    return RealDate.now() + offset[0];
  }
}
globalThis.Date = RuntimeDate;

const { entry, handlerExport, functionName, functionArn, memoryMb, logGroupName } = workerData;
const module = await import(entry);
const handler = module[handlerExport];
if (typeof handler !== 'function') {
  throw new Error(`${entry} exports no function named ${handlerExport}`);
}

parentPort.on('message', async (message) => {
  if (message.type !== 'invoke') return;
  // workerData.profileDir: LOCAL_CPU_PROFILE_DIR, one profile per invocation (see thread-profile.mjs).
  const profile = await startThreadProfile(workerData.profileDir);
  const deadline = message.deadline;
  const context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: message.requestId,
    logGroupName,
    logStreamName: `local/[$LATEST]${workerData.instance}`,
    callbackWaitsForEmptyEventLoop: true,
    // The deadline is the machine's time, whatever the runtime's clock says (middy aborts early by it).
    getRemainingTimeInMillis: () => Math.max(0, deadline - RealDate.now()),
  };
  const started = performance.now();
  let maxMemoryMb = heldMb();
  const sampler = setInterval(() => {
    maxMemoryMb = Math.max(maxMemoryMb, heldMb());
  }, MEMORY_SAMPLE_MS);
  // What Lambda's REPORT line gives of an invocation; the host writes that line.
  const report = () => {
    clearInterval(sampler);
    return {
      durationMs: performance.now() - started,
      maxMemoryMb: Math.ceil(Math.max(maxMemoryMb, heldMb())),
    };
  };
  try {
    const value = await handler(message.event, context);
    // The invoke API returns JSON: whatever does not survive JSON does not reach the caller either.
    const payload = value === undefined ? 'null' : JSON.stringify(value);
    parentPort.postMessage({ type: 'result', id: message.id, ok: true, payload, report: report() });
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    // Lambda's error payload: { errorType, errorMessage, trace }.
    const payload = {
      errorType: err.name || 'Error',
      errorMessage: err.message,
      trace: String(err.stack ?? '').split('\n'),
    };
    console.error(JSON.stringify({ level: 'ERROR', message: 'Invoke Error', ...payload, trace: undefined }));
    parentPort.postMessage({ type: 'result', id: message.id, ok: false, error: payload, report: report() });
  } finally {
    await profile?.save(`${functionName}-${message.requestId}`);
  }
});

parentPort.postMessage({ type: 'ready' });
