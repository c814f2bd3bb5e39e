import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FunctionResource } from './deployment';

/** Lambda's error payload, as a synchronous invoke returns it and Step Functions sees it. */
export interface LambdaError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type InvokeResult = { ok: true; payload: unknown } | { ok: false; error: LambdaError };

export interface LogLine {
  functionName: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface LambdaHostOptions {
  /** One float64: milliseconds every environment's clock is ahead of the machine's (see advanceClock). */
  clockOffset: SharedArrayBuffer;
  /** The module an environment loads for a function: its bundle. */
  modulePath: (fn: FunctionResource) => string;
  /** The environment every function gets besides its own (credentials, endpoint, region). */
  baseEnvironment: (fn: FunctionResource) => Record<string, string>;
  /** Where each line a function writes goes (CloudWatch Logs on AWS). */
  onLog: (line: LogLine) => void;
  /**
   * Environments of one function at once; more invocations wait for one to come free. AWS gives
   * an account a thousand; one machine cannot hold a thousand worker threads (a burst of 120
   * requests started 120 environments of start-export and of the dispatcher, and the machine ran
   * out of memory). @default 16
   */
  maxEnvironmentsPerFunction?: number;
}

/** The largest synchronous response Lambda returns (6 MB). */
const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

/**
 * Runs the template's functions as Lambda does: each invocation in an execution environment (a
 * worker thread) that serves one invocation at a time and is reused while warm; concurrent
 * invocations get more environments. An invocation past the function's timeout kills its
 * environment and fails with Sandbox.Timedout; one that exits or runs out of memory fails too.
 */
export class LambdaHost {
  private readonly pools = new Map<string, Pool>();
  private readonly running = new Set<Promise<InvokeResult>>();

  constructor(functions: readonly FunctionResource[], options: LambdaHostOptions) {
    for (const fn of functions) this.pools.set(fn.arn, new Pool(fn, options));
  }

  functionFor(arn: string): FunctionResource | undefined {
    return this.pools.get(stripQualifier(arn))?.fn;
  }

  /**
   * Starts environments ahead of the first event (one per function, or `counts` of a function), so
   * the first export is not a series of cold starts; like provisioned concurrency on AWS.
   */
  async warm(counts: ReadonlyMap<string, number> = new Map()): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.warm(counts.get(pool.fn.arn) ?? 1)));
  }

  invoke(functionArn: string, event: unknown): Promise<InvokeResult> {
    const pool = this.pools.get(stripQualifier(functionArn));
    if (!pool) {
      return Promise.resolve({
        ok: false,
        error: { errorType: 'ResourceNotFoundException', errorMessage: `Function not found: ${functionArn}` },
      });
    }
    const invocation = pool.invoke(event);
    this.running.add(invocation);
    void invocation.finally(() => this.running.delete(invocation));
    return invocation;
  }

  /** Invocations under way (those of a stopped execution included: Lambda finishes them anyway). */
  get inFlight(): number {
    return this.running.size;
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.stop()));
  }
}

function stripQualifier(arn: string): string {
  return arn.replace(/^(arn:[^:]*:lambda:[^:]*:[^:]*:function:[^:]+):.*$/, '$1');
}

interface Environment {
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
}

class Pool {
  private readonly idle: Environment[] = [];
  private readonly all = new Set<Environment>();
  /** Invocations waiting for an environment while the function has its most. */
  private readonly waiting: (() => void)[] = [];
  private instances = 0;
  private stopped = false;

  constructor(
    readonly fn: FunctionResource,
    private readonly options: LambdaHostOptions,
  ) {}

  async warm(count: number): Promise<void> {
    const started: Environment[] = [];
    while (this.all.size < count) {
      const environment = this.spawn();
      this.idle.push(environment);
      started.push(environment);
    }
    await Promise.all(started.map((environment) => environment.ready.catch(() => undefined)));
  }

  async invoke(event: unknown): Promise<InvokeResult> {
    const most = this.options.maxEnvironmentsPerFunction ?? 16;
    while (this.idle.length === 0 && this.all.size >= most && !this.stopped) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    const environment = this.idle.pop() ?? this.spawn();
    environment.busy = true;
    try {
      await environment.ready;
    } catch (error) {
      this.discard(environment);
      return { ok: false, error: initError(error) };
    }
    const result = await this.run(environment, event);
    environment.busy = false;
    if (this.all.has(environment) && !this.stopped) this.idle.push(environment);
    this.waiting.shift()?.();
    return result;
  }

  private run(environment: Environment, event: unknown): Promise<InvokeResult> {
    const requestId = randomUUID();
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    return new Promise<InvokeResult>((resolve) => {
      const id = randomUUID();
      const settle = (result: InvokeResult) => {
        clearTimeout(timer);
        environment.worker.off('message', onMessage);
        environment.worker.off('exit', onExit);
        resolve(result);
      };
      const onMessage = (message: {
        type: string;
        id?: string;
        ok?: boolean;
        payload?: string;
        error?: LambdaError;
        report?: { durationMs: number; maxMemoryMb: number };
      }) => {
        if (message.type !== 'result' || message.id !== id) return;
        if (message.report) this.logReport(requestId, message.report);
        if (!message.ok) return settle({ ok: false, error: message.error as LambdaError });
        const text = message.payload ?? 'null';
        if (Buffer.byteLength(text) > MAX_RESPONSE_BYTES) {
          return settle({
            ok: false,
            error: {
              errorType: 'Function.ResponseSizeTooLarge',
              errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
            },
          });
        }
        settle({ ok: true, payload: JSON.parse(text) });
      };
      const onExit = (code: number) => {
        this.discard(environment);
        settle({
          ok: false,
          error: {
            errorType: code === 1 ? 'Runtime.ExitError' : 'Runtime.OutOfMemory',
            errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status ${code}`,
          },
        });
      };
      const timer = setTimeout(() => {
        // The environment is frozen mid-invocation on AWS and never reused: kill it.
        this.discard(environment);
        settle({
          ok: false,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${requestId} Error: Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`,
          },
        });
      }, timeoutMs);
      environment.worker.on('message', onMessage);
      environment.worker.once('exit', onExit);
      environment.worker.postMessage({
        type: 'invoke',
        id,
        requestId,
        event,
        deadline: Date.now() + timeoutMs,
      });
    });
  }

  /**
   * Lambda's last log line of an invocation, in its format (read back by maxMemoryUsedMb), so what reads a log group (Logs
   * Insights' @maxMemoryUsed, the bench) reads these too. Max Memory Used is the environment's heap
   * and buffers (lambda-worker.mjs), not a sandbox's RSS.
   */
  private logReport(requestId: string, report: { durationMs: number; maxMemoryMb: number }): void {
    this.options.onLog({
      functionName: this.fn.name,
      stream: 'stdout',
      text: [
        `REPORT RequestId: ${requestId}`,
        `Duration: ${report.durationMs.toFixed(2)} ms`,
        `Billed Duration: ${Math.max(1, Math.ceil(report.durationMs))} ms`,
        `Memory Size: ${this.fn.memoryMb} MB`,
        `Max Memory Used: ${report.maxMemoryMb} MB`,
      ].join('\t'),
    });
  }

  private spawn(): Environment {
    const instance = ++this.instances;
    const worker = new Worker(new URL('./lambda-worker.mjs', import.meta.url), {
      env: { ...this.fn.environment, ...this.options.baseEnvironment(this.fn) },
      workerData: {
        entry: pathToFileURL(this.options.modulePath(this.fn)).href,
        handlerExport: this.fn.handlerExport,
        functionName: this.fn.name,
        functionArn: this.fn.arn,
        memoryMb: this.fn.memoryMb,
        logGroupName: `/aws/lambda/${this.fn.name}`,
        instance,
        clockOffset: this.options.clockOffset,
        profileDir: process.env.LOCAL_CPU_PROFILE_DIR,
      },
      // The function's memory size bounds its heap as on AWS: a collector that holds a category
      // in memory fails here as it would there.
      resourceLimits: lambdaHeapLimits(this.fn.memoryMb),
      // Stack traces map to the TypeScript only when the runtime's process has source maps on
      // (NODE_OPTIONS=--enable-source-maps): reading a map costs each environment's start more
      // than the rest of its bundle (local/runtime/bundles.ts).
      execArgv: process.sourceMapsEnabled ? ['--enable-source-maps'] : [],
      stdout: true,
      stderr: true,
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: worker[stream] }).on('line', (text) =>
        this.options.onLog({ functionName: this.fn.name, stream, text }),
      );
    }
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== 'ready') return;
        worker.off('message', onMessage);
        resolve();
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the environment exited with ${code} while starting`)));
    });
    const environment: Environment = { worker, ready, busy: false };
    // A failure to start is reported by the invocation that waits for it.
    ready.catch(() => undefined);
    worker.on('error', () => this.discard(environment));
    this.all.add(environment);
    return environment;
  }

  private discard(environment: Environment): void {
    this.all.delete(environment);
    const index = this.idle.indexOf(environment);
    if (index >= 0) this.idle.splice(index, 1);
    void environment.worker.terminate();
    this.waiting.shift()?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.all([...this.all].map((environment) => environment.worker.terminate()));
    this.all.clear();
    this.idle.length = 0;
  }
}

function initError(error: unknown): LambdaError {
  return {
    errorType: 'Runtime.ImportModuleError',
    errorMessage: error instanceof Error ? error.message : String(error),
  };
}

/** Max Memory Used of a log line that is an invocation's REPORT line (logReport), else undefined. */
export function maxMemoryUsedMb(text: string): number | undefined {
  const used = /^REPORT RequestId: .*\tMax Memory Used: (\d+) MB$/.exec(text)?.[1];
  return used === undefined ? undefined : Number(used);
}

/**
 * The heap Lambda's Node.js runtime gives a function of `memoryMb` (its bootstrap passes
 * --max-semi-space-size=memory/20 and --max-old-space-size=memory·9/10), as a worker's limits:
 * V8's young generation is three semi-spaces. The young generation decides how much of a page of
 * records dies young rather than being promoted and compacted later, i.e. the collectors' GC time.
 */
export function lambdaHeapLimits(memoryMb: number): {
  maxOldGenerationSizeMb: number;
  maxYoungGenerationSizeMb: number;
} {
  const newSpaceMb = Math.floor(memoryMb / 10);
  return {
    maxOldGenerationSizeMb: memoryMb - newSpaceMb,
    maxYoungGenerationSizeMb: 3 * Math.floor(newSpaceMb / 2),
  };
}
