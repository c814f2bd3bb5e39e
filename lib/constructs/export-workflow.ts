import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  type Chain,
  DefinitionBody,
  Fail,
  JitterType,
  JsonPath,
  LogLevel,
  Map as MapState,
  Pass,
  type State,
  StateMachine,
  StateMachineType,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { exportWorkflow, type RetryPolicy, type WorkflowStep } from '../../functions/core/workflow';

/** The Lambda of each step, by its folder name under functions/ (`WorkflowStep.lambda`). */
export type StepFunctions = Readonly<Record<string, IFunction>>;

export interface ExportWorkflowProps {
  readonly functions: StepFunctions;
  readonly logRetention: RetentionDays;
  /** @default 24 hours: a legal month is the deadline, but a stuck execution must end (the watchdog reports it). */
  readonly timeout?: Duration;
}

/**
 * Where each step reads its input and puts its output in the execution state
 * `{ request, plan, results, archive, published, error }`. Only the Lambda's Payload is kept
 * (payloadResponseOnly), so the state stays far below Step Functions' 256 KB.
 */
const stepIo: Record<
  string,
  { payload: TaskInput; resultPath: string; resultSelector?: Record<string, string> }
> = {
  PlanExport: { payload: TaskInput.fromJsonPathAt('$.request'), resultPath: '$.plan' },
  BuildArchive: {
    payload: TaskInput.fromObject({
      plan: JsonPath.objectAt('$.plan'),
      results: JsonPath.listAt('$.results'),
    }),
    resultPath: '$.archive',
  },
  PublishExport: {
    payload: TaskInput.fromObject({
      request: JsonPath.objectAt('$.request'),
      plan: JsonPath.objectAt('$.plan'),
      archive: JsonPath.objectAt('$.archive'),
    }),
    resultPath: '$.published',
    // Not the link: it carries the player's download token, and execution output is readable by
    // anyone with states:DescribeExecution.
    resultSelector: { 'requestId.$': '$.requestId', 'mailed.$': '$.mailed' },
  },
};

/**
 * The export state machine, built from the one description in functions/core/workflow.ts (the same
 * list local/ runs in-process): a task per step, the map step fanning out over `plan.tasks`, every
 * step retried with exponential backoff and full jitter, and every step caught by FailExport,
 * which marks the request FAILED and removes staged files before the execution fails (and alarms).
 */
export class ExportWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: ExportWorkflowProps) {
    super(scope, id);
    const fn = (lambda: string): IFunction => {
      const found = props.functions[lambda];
      if (!found) {
        throw new Error(
          `No function for workflow step lambda "${lambda}": pass it in ExportWorkflowProps.functions (keys are folders under functions/)`,
        );
      }
      return found;
    };

    const failed = new Fail(this, 'ExportFailed', {
      error: 'ExportFailed',
      cause: 'A step failed for good; FailExport marked the request FAILED (see the request record).',
    });
    const onFailure = exportWorkflow.onFailure;
    const failExport = new LambdaInvoke(this, onFailure.id, {
      lambdaFunction: fn(onFailure.lambda),
      // The whole state: the request, the plan when there is one, and the caught `error`.
      payload: TaskInput.fromJsonPathAt('$'),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: JsonPath.DISCARD,
    });
    // Clean-up is retried like any step; if it still fails the execution fails all the same.
    addRetry(failExport, exportWorkflow.steps[0].retry);
    failExport.addCatch(failed, { resultPath: '$.cleanupError' });
    const catchAll = failExport.next(failed);

    const receive = new Pass(this, 'ReceiveRequest', {
      comment: 'The execution input is the request; keep it under $.request for every later step.',
      parameters: { 'request.$': '$' },
    });
    let chain: Chain = receive.next(this.stepState(exportWorkflow.steps[0], fn, catchAll));
    for (const step of exportWorkflow.steps.slice(1)) chain = chain.next(this.stepState(step, fn, catchAll));

    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(chain),
      stateMachineType: StateMachineType.STANDARD,
      timeout: props.timeout ?? Duration.hours(24),
      tracingEnabled: true,
      // ALL events for the audit of each step, but without execution data: inputs and outputs hold
      // e-mail addresses and pseudonym salts.
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
    });
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs vended delivery (CreateLogDelivery, …, DescribeLogGroups) support no resource-level permissions; Step Functions documents "*" for both.',
    });
  }

  private stepState(step: WorkflowStep, fn: (lambda: string) => IFunction, catchAll: Chain): State {
    if (step.kind === 'map') {
      const collect = new LambdaInvoke(this, `${step.id}Item`, {
        lambdaFunction: fn(step.lambda),
        // Each item is one CollectTask of the plan.
        payload: TaskInput.fromJsonPathAt('$'),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
      });
      // Retried per item, as local/ does: one slow source does not restart the others.
      addRetry(collect, step.retry);
      const map = new MapState(this, step.id, {
        itemsPath: '$.plan.tasks',
        maxConcurrency: step.maxConcurrency ?? 1,
        resultPath: '$.results',
      });
      map.itemProcessor(collect);
      // The map itself retries nothing (items do); the catch covers an item that failed for good.
      map.addCatch(catchAll, { resultPath: '$.error' });
      return map;
    }
    const io = stepIo[step.id];
    if (!io) throw new Error(`Workflow step "${step.id}" has no input/output mapping in export-workflow.ts`);
    const task = new LambdaInvoke(this, step.id, {
      lambdaFunction: fn(step.lambda),
      payload: io.payload,
      payloadResponseOnly: true,
      // The step's own retry policy covers Lambda service errors too, with jitter.
      retryOnServiceExceptions: false,
      resultPath: io.resultPath,
      ...(io.resultSelector ? { resultSelector: io.resultSelector } : {}),
    });
    addRetry(task, step.retry);
    task.addCatch(catchAll, { resultPath: '$.error' });
    return task;
  }
}

/**
 * The description's RetryPolicy as Step Functions retriers. Order matters: the first matching
 * retrier wins, so errors retrying cannot fix come first with MaxAttempts 0, then States.ALL.
 * `maxAttempts` in the description counts attempts (as local/ runs them); Step Functions counts
 * retries, hence the -1.
 */
function addRetry(state: LambdaInvoke, policy: RetryPolicy): void {
  if (policy.notRetried.length > 0) state.addRetry({ errors: [...policy.notRetried], maxAttempts: 0 });
  state.addRetry({
    errors: ['States.ALL'],
    maxAttempts: Math.max(0, policy.maxAttempts - 1),
    interval: Duration.seconds(policy.intervalSeconds),
    backoffRate: policy.backoffRate,
    jitterStrategy: policy.jitter ? JitterType.FULL : JitterType.NONE,
  });
}
