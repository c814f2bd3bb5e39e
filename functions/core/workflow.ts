/**
 * The export workflow, described once: its steps, what each step reads from the execution state
 * and where its result goes, and how each is retried. The CDK construct builds the Step Functions
 * state machine from this description; locally the synthesized state machine itself runs (local/),
 * so what is tested is the definition that deploys.
 *
 * Execution state: `{ request, plan, results, archive, published, delivery, error }`, where
 * `request` is the execution input (WorkflowInput).
 */

export interface RetryPolicy {
  /** Error names that are never retried: retrying cannot fix them. */
  notRetried: readonly string[];
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  intervalSeconds: number;
  backoffRate: number;
  /** Random spread of each wait (Step Functions "FULL" jitter), so parallel retries don't stampede. */
  jitter: boolean;
  /**
   * Errors that mean "not now" rather than "broken" (a store that keeps throttling us): waited
   * out with their own long, capped backoff, before any other retrier is asked.
   */
  waits?: {
    errors: readonly string[];
    maxAttempts: number;
    intervalSeconds: number;
    backoffRate: number;
    maxDelaySeconds: number;
  };
}

/**
 * What a step's Lambda receives: one path of the state (`InputPath`), or an object whose fields
 * are paths of the state (`Parameters` with `.$` keys). Never a bare string payload: Step Functions
 * would hand the Lambda the literal text.
 */
export type StepInput = { path: string } | { fields: Readonly<Record<string, string>> };

export interface TaskStep {
  id: string;
  /** The folder of the Lambda under functions/. */
  lambda: string;
  kind: 'task';
  input: StepInput;
  /** Where the result goes in the state; null discards it. */
  resultPath: string | null;
  /** Fields of the result that are kept (the rest never reaches the execution history). */
  resultSelector?: Readonly<Record<string, string>>;
  retry: RetryPolicy;
  /**
   * A step that may take several invocations (a build packing one volume of an archive each): while
   * its result has the path `whilePresent` (relative to the result), the Lambda runs again with the
   * same input plus the result as the field `field`.
   */
  repeat?: { whilePresent: string; field: string };
  /**
   * `fail`: a step that failed for good ends the export (FailExport marks the request FAILED).
   * `defer`: the export stands; the step recorded its own failure and a schedule takes it up again.
   */
  onFailure: 'fail' | 'defer';
}

export interface MapStep {
  id: string;
  lambda: string;
  kind: 'map';
  /** The array in the state whose items each run the Lambda (the item is the Lambda's input). */
  itemsPath: string;
  maxConcurrency: number;
  /**
   * A path of an item's result whose presence means "not finished": the item invokes its Lambda
   * again with that result as input (a collector that stopped at its time budget and saved a
   * checkpoint), until a result without it comes back.
   */
  repeatWhilePresent?: string;
  resultPath: string;
  retry: RetryPolicy;
}

export type WorkflowStep = TaskStep | MapStep;

/** Errors a retry cannot fix: bad data, bad input, or a newer attempt that took the request over. */
export const permanentErrors = [
  'PlayerNotFoundError',
  'DataMapError',
  'StagedFileCorruptError',
  'ValidationError',
  'SupersededAttemptError',
] as const;

const transientRetry: RetryPolicy = {
  notRetried: permanentErrors,
  maxAttempts: 3,
  intervalSeconds: 2,
  backoffRate: 2,
  jitter: true,
};

/**
 * Collectors: a game table that keeps throttling our reads (each collector already waited up to
 * four minutes) is tried again, never failed for it: 1 minute doubling to 15, more times than the
 * execution's 24 hours hold. A table throttling all day ends the execution by its timeout instead,
 * and the watchdog starts the next attempt (up to maxExportAttempts, days within the legal month).
 */
const collectRetry: RetryPolicy = {
  ...transientRetry,
  waits: {
    errors: ['SourceThrottledError'],
    maxAttempts: 99,
    intervalSeconds: 60,
    backoffRate: 2,
    maxDelaySeconds: 900,
  },
};

/** E-mail and events wait longer: SES throttles at its sending rate (1/s in the sandbox). */
const deliveryRetry: RetryPolicy = {
  notRetried: permanentErrors,
  maxAttempts: 4,
  intervalSeconds: 5,
  backoffRate: 3,
  jitter: true,
};

export const exportWorkflow: {
  steps: readonly [WorkflowStep, ...WorkflowStep[]];
  onFailure: { id: string; lambda: string; retry: RetryPolicy };
} = {
  steps: [
    {
      id: 'PlanExport',
      lambda: 'plan-export',
      kind: 'task',
      input: { path: '$.request' },
      resultPath: '$.plan',
      retry: transientRetry,
      onFailure: 'fail',
    },
    {
      id: 'CollectSources',
      lambda: 'collect-category',
      kind: 'map',
      itemsPath: '$.plan.tasks',
      maxConcurrency: 4,
      repeatWhilePresent: '$.resume',
      resultPath: '$.results',
      retry: collectRetry,
    },
    {
      id: 'BuildArchive',
      lambda: 'build-archive',
      kind: 'task',
      input: { fields: { plan: '$.plan', results: '$.results' } },
      resultPath: '$.archive',
      // One volume per invocation, the last first; volume 1 ends the loop (core/archive/volumes.ts).
      repeat: { whilePresent: '$.next', field: 'built' },
      retry: transientRetry,
      onFailure: 'fail',
    },
    {
      id: 'PublishExport',
      lambda: 'publish-export',
      kind: 'task',
      input: { fields: { request: '$.request', plan: '$.plan', archive: '$.archive' } },
      resultPath: '$.published',
      resultSelector: { 'requestId.$': '$.requestId' },
      retry: transientRetry,
      onFailure: 'fail',
    },
    {
      id: 'DeliverLink',
      lambda: 'deliver-link',
      kind: 'task',
      input: { fields: { requestId: '$.request.requestId' } },
      resultPath: '$.delivery',
      resultSelector: { 'delivered.$': '$.delivered' },
      retry: deliveryRetry,
      // The archive is READY and the link is in the delivery outbox: a mail server that keeps
      // refusing must not fail the export; deliver-link's schedule tries again.
      onFailure: 'defer',
    },
  ],
  /** Runs after any `fail` step failed for good: marks the request FAILED, then removes leftovers. */
  onFailure: { id: 'FailExport', lambda: 'fail-export', retry: transientRetry },
};

/**
 * The execution's name: the request id for the first attempt, `<requestId>.<n>` after restarts.
 * Request ids never contain a dot, so two requests can never share an execution name, and Step
 * Functions refuses a second execution of one name: starting twice is harmless.
 */
export function executionName(requestId: string, attempt: number): string {
  return attempt <= 1 ? requestId : `${requestId}.${attempt}`;
}
