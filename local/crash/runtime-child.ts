// One life of the local runtime for the crash test: started against stores and a work folder that
// outlive it (the parent keeps them), driven over IPC, killed with SIGKILL at a random moment.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { putExportRequested } from '../portal';
import { startLocalRuntime } from '../runtime/runtime';
import type { StoreEndpoints } from '../runtime/stores';

type Command =
  | { type: 'request'; playerId: string; requestId: string }
  | { type: 'schedule'; name: string }
  | { type: 'settle' }
  | { type: 'advanceClock'; ms: number }
  | { type: 'stop' };

const { stores, workDir, context } = JSON.parse(process.argv[2] ?? '{}') as {
  stores: StoreEndpoints;
  workDir: string;
  context: Record<string, unknown>;
};
const send = (message: Record<string, unknown>) => process.send?.(message);

const runtime = await startLocalRuntime({ workDir, stores, context, retryScale: 0.01 });
send({ type: 'ready' });
process.on('message', (command: Command) => {
  void (async () => {
    switch (command.type) {
      case 'request':
        // Answered once EventBridge has accepted the event (start-export's invocation is queued).
        await putExportRequested(runtime, { playerId: command.playerId, requestId: command.requestId });
        break;
      case 'schedule':
        await runtime.runSchedule(command.name);
        break;
      case 'settle':
        await runtime.settle();
        break;
      case 'advanceClock':
        runtime.advanceClock(command.ms);
        break;
      case 'stop':
        await runtime.stop();
        send({ type: 'done' });
        process.exit(0);
    }
    send({ type: 'done' });
  })().catch((error: unknown) => send({ type: 'error', message: String(error) }));
});
