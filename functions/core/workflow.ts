import type {
  ArchiveResult,
  BuildArchiveInput,
  CollectResult,
  CollectTask,
  ExportPlan,
  ExportRequest,
  PublishResult,
} from './workflow-types';

/**
 * The export workflow, described once. The CDK construct builds the Step Functions state machine
 * from this list and local/ runs the same steps in-process, so the two cannot drift.
 */

export interface RetryPolicy {
  /** Error names that are never retried: retrying cannot fix them. */
  notRetried: string[];
  maxAttempts: number;
  intervalSeconds: number;
  backoffRate: number;
  /** Random spread of each wait (Step Functions "FULL" jitter), so parallel retries don't stampede. */
  jitter: boolean;
}

export interface WorkflowStep {
  id: string;
  /** The folder of the Lambda under functions/. */
  lambda: string;
  kind: 'task' | 'map';
  /** For map steps: parallel items at most. */
  maxConcurrency?: number;
  retry: RetryPolicy;
}

const transientRetry: RetryPolicy = {
  notRetried: ['PlayerNotFoundError', 'DataMapError', 'StagedFileCorruptError', 'ValidationError'],
  maxAttempts: 3,
  intervalSeconds: 2,
  backoffRate: 2,
  jitter: true,
};

export const exportWorkflow = {
  steps: [
    { id: 'PlanExport', lambda: 'plan-export', kind: 'task', retry: transientRetry },
    {
      id: 'CollectSources',
      lambda: 'collect-category',
      kind: 'map',
      maxConcurrency: 4,
      retry: transientRetry,
    },
    { id: 'BuildArchive', lambda: 'build-archive', kind: 'task', retry: transientRetry },
    { id: 'PublishExport', lambda: 'publish-export', kind: 'task', retry: transientRetry },
  ],
  /** Runs after any step failed for good: marks the request FAILED and removes staged files. */
  onFailure: { id: 'FailExport', lambda: 'fail-export' },
} as const satisfies { steps: WorkflowStep[]; onFailure: { id: string; lambda: string } };

export interface ExportSteps {
  planExport(request: ExportRequest): Promise<ExportPlan>;
  collectCategory(task: CollectTask): Promise<CollectResult>;
  buildArchive(input: BuildArchiveInput): Promise<ArchiveResult>;
  /** Grant, e-mail and "ExportReady"; absent when only the engine runs (tests, benchmarks). */
  publishExport?(input: {
    request: ExportRequest;
    plan: ExportPlan;
    archive: ArchiveResult;
  }): Promise<PublishResult>;
  cleanUp(input: { request: ExportRequest; plan?: ExportPlan; error: unknown }): Promise<void>;
}

export class ExportFailedError extends Error {
  override name = 'ExportFailedError';
  constructor(
    readonly step: string,
    cause: unknown,
  ) {
    super(`Export failed in step ${step}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

export interface RunOptions {
  /** Scales retry waits; tests use a small factor to keep the suite fast. */
  retryWaitScale?: number;
  onProgress?: (event: { step: string; detail?: string }) => void;
}

/** Runs the workflow's steps in-process, with the same order, concurrency and retries as on AWS. */
export async function runExportWorkflow(
  steps: ExportSteps,
  request: ExportRequest,
  options: RunOptions = {},
): Promise<{
  plan: ExportPlan;
  results: CollectResult[];
  archive: ArchiveResult;
  published?: PublishResult;
}> {
  const [plan, collect, build, publish] = exportWorkflow.steps;
  const progress = options.onProgress ?? (() => undefined);
  let planned: ExportPlan | undefined;
  let current: string = plan.id;
  try {
    progress({ step: plan.id });
    planned = await withRetry(plan.retry, options, () => steps.planExport(request));
    current = collect.id;
    const plannedTasks = planned.tasks;
    const results = await mapWithConcurrency(plannedTasks, collect.maxConcurrency, async (task) => {
      progress({ step: collect.id, detail: task.sourceId });
      return withRetry(collect.retry, options, () => steps.collectCategory(task));
    });
    current = build.id;
    progress({ step: build.id });
    const archive = await withRetry(build.retry, options, () =>
      steps.buildArchive({ plan: planned as ExportPlan, results }),
    );
    if (!steps.publishExport) return { plan: planned, results, archive };
    current = publish.id;
    progress({ step: publish.id });
    const publishStep = steps.publishExport.bind(steps);
    const published = await withRetry(publish.retry, options, () =>
      publishStep({ request, plan: planned as ExportPlan, archive }),
    );
    return { plan: planned, results, archive, published };
  } catch (error) {
    await steps.cleanUp({ request, ...(planned ? { plan: planned } : {}), error });
    throw new ExportFailedError(current, error);
  }
}

async function withRetry<T>(policy: RetryPolicy, options: RunOptions, attempt: () => Promise<T>): Promise<T> {
  const scale = options.retryWaitScale ?? 1;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (n >= policy.maxAttempts || policy.notRetried.includes(name)) throw error;
      const wait = policy.intervalSeconds * policy.backoffRate ** (n - 1) * 1000 * scale;
      await new Promise((resolve) => setTimeout(resolve, policy.jitter ? Math.random() * wait : wait));
    }
  }
}

async function mapWithConcurrency<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  async function lane(): Promise<void> {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  }
  const lanes = Array.from({ length: Math.min(limit, items.length) }, lane);
  const settled = await Promise.allSettled(lanes);
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return results;
}
