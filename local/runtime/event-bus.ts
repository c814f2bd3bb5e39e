import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AsyncInvocations } from './async-invocations';
import type { Authorizer } from './authorizer';
import { LOCAL_ACCOUNT, type RuleResource, type RuleTarget } from './deployment';
import { matchesEventPattern } from './event-pattern';
import type { LocalQueues } from './queues';
import { ServiceError } from './service-errors';

/** An EventBridge event as targets receive it. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface PutEventsEntry {
  EventBusName?: string;
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  Time?: string | number;
}

export interface EventBusOptions {
  region: string;
  /** Every event put on a bus is appended here, one JSON line each (what a portal would receive). */
  eventsFile: string;
  /** EventBridge retries a target it cannot invoke with backoff; tests scale the waits down. */
  deliveryRetryDelayMs: (attempt: number) => number;
  /** The runtime's clock (see LocalRuntime.advanceClock). */
  now: () => Date;
}

/**
 * EventBridge for the local runtime: PutEvents puts events on a bus, each enabled rule of that bus
 * whose pattern matches (the template's pattern, evaluated as EventBridge does) sends it to its
 * targets. A Lambda target is invoked asynchronously, and only if the function's resource policy
 * lets events.amazonaws.com invoke it from that rule; a target that cannot be invoked is retried
 * per the target's retry policy and then sent to the target's dead-letter queue.
 */
export class LocalEventBus {
  private readonly deliveries = new Set<Promise<void>>();

  constructor(
    private readonly rules: readonly RuleResource[],
    private readonly lambdas: AsyncInvocations,
    private readonly authorizer: Authorizer,
    private readonly queues: LocalQueues,
    private readonly options: EventBusOptions,
  ) {}

  static busArn(name: string, region: string): string {
    return name.startsWith('arn:') ? name : `arn:aws:events:${region}:${LOCAL_ACCOUNT}:event-bus/${name}`;
  }

  async putEvents(entries: readonly PutEventsEntry[]): Promise<{
    FailedEntryCount: number;
    Entries: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
  }> {
    if (entries.length === 0 || entries.length > 10) {
      throw new ServiceError('ValidationException', 'PutEvents takes 1 to 10 entries');
    }
    const results: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[] = [];
    for (const entry of entries) {
      const detail = parseDetail(entry.Detail);
      if (!entry.Source || !entry.DetailType || !detail) {
        results.push({
          ErrorCode: 'MalformedDetail',
          ErrorMessage: 'Source, DetailType and a JSON object Detail are required',
        });
        continue;
      }
      const event: BusEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: LOCAL_ACCOUNT,
        time: (entry.Time ? new Date(entry.Time) : this.options.now())
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
        region: this.options.region,
        resources: entry.Resources ?? [],
        detail,
      };
      await this.record(event);
      // Accepted means kept: PutEvents answers once the matched targets' invocations are queued.
      await this.route(busNameOf(entry.EventBusName ?? 'default'), event);
      results.push({ EventId: event.id });
    }
    return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
  }

  /** Work accepted and not finished. */
  get inFlight(): number {
    return this.deliveries.size;
  }

  /** Resolves when every matched event has been handed to its targets. */
  async idle(): Promise<void> {
    while (this.deliveries.size > 0) await Promise.allSettled([...this.deliveries]);
  }

  /** Every event put on any bus so far. */
  async events(): Promise<BusEvent[]> {
    const text = await readFile(this.options.eventsFile, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as BusEvent);
  }

  /** Sends an event to a rule's targets (what a schedule does at each tick); resolves once they are queued. */
  async deliver(rule: RuleResource, event: BusEvent): Promise<void> {
    const queued: Promise<void>[] = [];
    for (const target of rule.targets) {
      const invoked = this.authorizedLambda(rule, target)
        ? this.lambdas.invoke(target.arn, event)
        : undefined;
      if (invoked) queued.push(invoked);
      else this.track(this.deliverTo(rule, target, event));
    }
    await Promise.all(queued);
  }

  private async route(busName: string, event: BusEvent): Promise<void> {
    for (const rule of this.rules) {
      if (!rule.enabled || rule.busName !== busName || rule.eventPattern === undefined) continue;
      if (matchesEventPattern(rule.eventPattern, event)) await this.deliver(rule, event);
    }
  }

  private authorizedLambda(rule: RuleResource, target: RuleTarget): boolean {
    return (
      target.arn.includes(':lambda:') &&
      this.authorizer.mayInvoke(target.arn, 'events.amazonaws.com', rule.arn)
    );
  }

  private track(delivery: Promise<void>): void {
    const job = delivery.finally(() => this.deliveries.delete(job));
    this.deliveries.add(job);
  }

  /** A target EventBridge cannot invoke: retried per its retry policy, then dead-lettered. */
  private async deliverTo(rule: RuleResource, target: RuleTarget, event: BusEvent): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.authorizedLambda(rule, target)) {
        await this.lambdas.invoke(target.arn, event);
        return;
      }
      if (attempt >= target.maximumRetryAttempts) break;
      await new Promise((resolve) => setTimeout(resolve, this.options.deliveryRetryDelayMs(attempt + 1)));
    }
    const queue = target.deadLetterArn ? this.queues.byArn(target.deadLetterArn) : undefined;
    if (queue) {
      await this.queues.send(queue, JSON.stringify(event), {
        RULE_ARN: rule.arn,
        TARGET_ARN: target.arn,
        ERROR_CODE: 'NO_PERMISSIONS',
        ERROR_MESSAGE: `events.amazonaws.com may not invoke ${target.arn} from ${rule.arn}`,
      });
    }
  }

  private async record(event: BusEvent): Promise<void> {
    await mkdir(dirname(this.options.eventsFile), { recursive: true });
    // One append per line: O_APPEND writes of one small buffer are not interleaved.
    await appendFile(this.options.eventsFile, `${JSON.stringify(event)}\n`, 'utf8');
  }
}

function busNameOf(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1) : nameOrArn;
}

function parseDetail(detail: string | undefined): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(detail ?? '') as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
