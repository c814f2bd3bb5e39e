import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Authorizer } from './authorizer';
import type { FunctionResource } from './deployment';
import type { LambdaHost } from './lambda-host';
import type { LocalQueues } from './queues';

interface Pending {
  id: string;
  functionArn: string;
  event: unknown;
  attempts: number;
  queuedAt: string;
}

export interface AsyncInvocationOptions {
  /** Lambda waits about 1 and then 2 minutes between its two retries; tests scale that down. */
  retryDelayMs: (attempt: number) => number;
  onError: (functionName: string, error: { errorType: string; errorMessage: string }) => void;
}

/**
 * Lambda's asynchronous invocation (what EventBridge and schedules use): the event is queued
 * (durably: a file per event, so a runtime that is killed and started again delivers what it had
 * accepted, as Lambda's internal queue does), invoked, retried twice on a function error, and then
 * sent to the function's dead-letter queue, if the function's role may send to it.
 */
export class AsyncInvocations {
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly dir: string,
    private readonly host: LambdaHost,
    private readonly queues: LocalQueues,
    private readonly authorizer: Authorizer,
    private readonly options: AsyncInvocationOptions,
  ) {}

  /** Accepts the event (durably) and returns at once, as InvokeAsync answers 202. */
  async invoke(functionArn: string, event: unknown): Promise<void> {
    const pending: Pending = {
      id: randomUUID(),
      functionArn,
      event,
      attempts: 0,
      queuedAt: new Date().toISOString(),
    };
    await this.save(pending);
    this.process(pending);
  }

  /** Delivers what an earlier run of the runtime accepted and never finished. */
  async resume(): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    let resumed = 0;
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const pending = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as Pending;
      this.process(pending);
      resumed++;
    }
    return resumed;
  }

  /** Work accepted and not finished. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Resolves when nothing accepted is still being delivered. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  stop(): void {
    this.stopped = true;
  }

  private process(pending: Pending): void {
    const job = this.deliver(pending).finally(() => this.running.delete(job));
    this.running.add(job);
  }

  private async deliver(pending: Pending): Promise<void> {
    const fn = this.host.functionFor(pending.functionArn);
    for (;;) {
      if (this.stopped) return;
      const result = await this.host.invoke(pending.functionArn, pending.event);
      if (this.stopped) return;
      if (result.ok) break;
      pending.attempts++;
      this.options.onError(fn?.name ?? pending.functionArn, result.error);
      if (pending.attempts >= 3) {
        if (fn) await this.deadLetter(fn, pending, result.error);
        break;
      }
      await this.save(pending);
      await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs(pending.attempts)));
    }
    await rm(this.file(pending.id), { force: true });
  }

  private async deadLetter(
    fn: FunctionResource,
    pending: Pending,
    error: { errorType: string; errorMessage: string },
  ): Promise<void> {
    const queue = fn.deadLetterArn ? this.queues.byArn(fn.deadLetterArn) : undefined;
    if (!queue) return;
    // Lambda sends with the function's own role: without sqs:SendMessage the event is lost.
    const allowed = this.authorizer.check(fn.roleArn, fn.name, [
      { action: 'sqs:SendMessage', resource: queue.arn },
    ]);
    if (!allowed.allowed) {
      this.options.onError(fn.name, {
        errorType: 'AccessDenied',
        errorMessage: `dead-letter queue: ${allowed.message}`,
      });
      return;
    }
    await this.queues.send(queue, JSON.stringify(pending.event), {
      RequestID: pending.id,
      ErrorCode: '200',
      ErrorMessage: `${error.errorType}: ${error.errorMessage}`.slice(0, 1000),
    });
  }

  private async save(pending: Pending): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFile(this.file(pending.id), JSON.stringify(pending), { mode: 0o600 });
  }

  private file(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}
