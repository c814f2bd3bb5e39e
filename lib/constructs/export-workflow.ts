import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Chain,
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  type IChainable,
  JitterType,
  JsonPath,
  LogLevel,
  Map as MapState,
  Pass,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke, type LambdaInvokeProps } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { exportWorkflow, type RetryPolicy, type WorkflowStep } from '../../functions/core/workflow';

/** The Lambda of each step, by its folder name under functions/ (`WorkflowStep.lambda`), with its timeout. */
export type StepFunctions = Readonly<Record<string, { function: IFunction; timeout: Duration }>>;

export interface ExportWorkflowProps {
  readonly functions: StepFunctions;
  readonly logRetention: RetentionDays;
  /** @default 24 hours: a legal month is the deadline, but a stuck execution must end (the watchdog restarts it). */
  readonly timeout?: Duration;
}

/**
 * The export state machine, built from the one description in functions/core/workflow.ts: a task
 * per step, the map step fanning out over `plan.tasks`, every step retried with exponential backoff
 * and full jitter. A step that fails for good goes to FailExport, which marks the request FAILED
 * (first) and removes what the attempt left behind (best effort), before the execution fails and
 * alarms; the delivery step instead ends the execution successfully, its outbox retried on schedule.
 *
 * Every task's input is an object built from the state (InputPath, or Parameters with `.$` keys),
 * never a payload string: with `payloadResponseOnly`, `TaskInput.fromJsonPathAt` would render as
 * `"Parameters": "$.x"` and the Lambda would receive that text (aws-cdk issue 34260).
 */
export class ExportWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: ExportWorkflowProps) {
    super(scope, id);
    const fn = (lambda: string) => {
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
    const failExport = this.invoke(onFailure.id, fn(onFailure.lambda), {
      // The whole state: the request, the plan when there is one, and the caught `error`. A
      // Parameters object cannot name $.plan: it is absent when planning failed.
      inputPath: '$',
      resultPath: JsonPath.DISCARD,
    });
    addRetry(failExport, onFailure.retry);
    // If recording the failure itself fails, the execution still fails; the watchdog sees the
    // request left in a working state with an ended execution and restarts or fails it.
    failExport.addCatch(failed, { resultPath: '$.failExportError' });
    const catchAll = failExport.next(failed);
    const deferred = new Succeed(this, 'DeliveryDeferred', {
      comment: 'The archive is READY; deliver-link recorded the failed attempt and retries on its schedule.',
    });

    const receive = new Pass(this, 'ReceiveRequest', {
      comment: 'The execution input is the request; keep it under $.request for every later step.',
      parameters: { 'request.$': '$' },
    });
    const [first, ...rest] = exportWorkflow.steps;
    let chain: Chain = receive.next(this.stepState(first, fn, catchAll, deferred));
    for (const step of rest) chain = chain.next(this.stepState(step, fn, catchAll, deferred));

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
      // a player's id, username and record counts.
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
    });
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs vended delivery (CreateLogDelivery, …, DescribeLogGroups) support no resource-level permissions; Step Functions documents "*" for both.',
    });
  }

  private stepState(
    step: WorkflowStep,
    fn: (lambda: string) => StepFunctions[string],
    catchAll: Chain,
    deferred: Succeed,
  ): IChainable {
    if (step.kind === 'map') {
      // No input mapping: each item of the plan's tasks is the Lambda's whole input.
      const collect = this.invoke(`${step.id}Item`, fn(step.lambda), {});
      // Retried per item: one slow source does not restart the others.
      addRetry(collect, step.retry);
      // An item that is not finished (its result names where to go on) runs its Lambda again.
      const processor = step.repeatWhilePresent
        ? collect.next(
            new Choice(this, `${step.id}ItemContinues`)
              .when(Condition.isPresent(step.repeatWhilePresent), collect)
              .otherwise(new Succeed(this, `${step.id}ItemDone`)),
          )
        : collect;
      const map = new MapState(this, step.id, {
        itemsPath: step.itemsPath,
        maxConcurrency: step.maxConcurrency,
        resultPath: step.resultPath,
      });
      map.itemProcessor(processor);
      // The map itself retries nothing (items do); the catch covers an item that failed for good.
      map.addCatch(catchAll, { resultPath: '$.error' });
      return map;
    }
    const task = (id: string, extraFields: Readonly<Record<string, string>> = {}) => {
      const input =
        'path' in step.input
          ? { inputPath: step.input.path }
          : {
              payload: TaskInput.fromObject(
                Object.fromEntries(
                  Object.entries({ ...step.input.fields, ...extraFields }).map(([name, path]) => [
                    name,
                    JsonPath.stringAt(path),
                  ]),
                ),
              ),
            };
      const state = this.invoke(id, fn(step.lambda), {
        ...input,
        resultPath: step.resultPath ?? JsonPath.DISCARD,
        ...(step.resultSelector ? { resultSelector: { ...step.resultSelector } } : {}),
      });
      addRetry(state, step.retry);
      if (step.onFailure === 'fail') state.addCatch(catchAll, { resultPath: '$.error' });
      else state.addCatch(deferred, { resultPath: '$.error' });
      return state;
    };
    const first = task(step.id);
    if (!step.repeat) return first;
    if (!step.resultPath || 'path' in step.input) {
      throw new Error(`Step ${step.id} repeats: it needs a resultPath and an input of fields`);
    }
    // The first invocation has no earlier result to pass (a Parameters path that is absent fails
    // the execution), so the repeats are a second state of the same Lambda that adds it.
    const again = task(`${step.id}Again`, { [step.repeat.field]: step.resultPath });
    const done = new Pass(this, `${step.id}Done`);
    const continues = new Choice(this, `${step.id}Continues`)
      .when(Condition.isPresent(`${step.resultPath}${step.repeat.whilePresent.slice(1)}`), again)
      .otherwise(done);
    again.next(continues);
    first.next(continues);
    return Chain.custom(first, [done], continues);
  }

  /**
   * A Lambda task whose result is the function's own return value (payloadResponseOnly). Its
   * timeout is the function's plus a minute: Lambda ends the invocation first and the task sees
   * that error; the task timeout only catches an invocation that never answers.
   */
  private invoke(
    id: string,
    target: StepFunctions[string],
    props: Pick<LambdaInvokeProps, 'inputPath' | 'payload' | 'resultPath' | 'resultSelector'>,
  ): LambdaInvoke {
    return new LambdaInvoke(this, id, {
      lambdaFunction: target.function,
      payloadResponseOnly: true,
      // The step's own retry policy covers Lambda service errors too, with jitter.
      retryOnServiceExceptions: false,
      taskTimeout: Timeout.duration(target.timeout.plus(Duration.minutes(1))),
      ...props,
    });
  }
}

/**
 * The description's RetryPolicy as Step Functions retriers. Order matters: the first matching
 * retrier wins, so errors retrying cannot fix come first with MaxAttempts 0, then States.ALL.
 * `maxAttempts` in the description counts attempts; Step Functions counts retries, hence the -1.
 */
function addRetry(state: LambdaInvoke, policy: RetryPolicy): void {
  if (policy.notRetried.length > 0) state.addRetry({ errors: [...policy.notRetried], maxAttempts: 0 });
  if (policy.waits) {
    state.addRetry({
      errors: [...policy.waits.errors],
      maxAttempts: policy.waits.maxAttempts,
      interval: Duration.seconds(policy.waits.intervalSeconds),
      backoffRate: policy.waits.backoffRate,
      maxDelay: Duration.seconds(policy.waits.maxDelaySeconds),
      jitterStrategy: JitterType.FULL,
    });
  }
  state.addRetry({
    errors: ['States.ALL'],
    maxAttempts: Math.max(0, policy.maxAttempts - 1),
    interval: Duration.seconds(policy.intervalSeconds),
    backoffRate: policy.backoffRate,
    jitterStrategy: policy.jitter ? JitterType.FULL : JitterType.NONE,
  });
}
