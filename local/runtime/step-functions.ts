// aws-local-stepfunctions calls Promise.withResolvers, which Node 20 lacks.
import './promise-with-resolvers';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import type { Authorizer } from './authorizer';
import type { StateMachineResource } from './deployment';
import type { LambdaHost } from './lambda-host';
import { ServiceError } from './service-errors';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: string;
  stopDate?: string;
}

export interface StepFunctionsOptions {
  /** Every change of an execution is appended here, so a runtime started again knows every name used. */
  registryFile: string;
  /** Scales each retrier's wait (1: as written, with its backoff and jitter). Tests use a small factor. */
  retryScale: number;
  /** The runtime's clock (see LocalRuntime.advanceClock). */
  now: () => Date;
}

/**
 * One event of an execution's history, as GetExecutionHistory answers it: what each state was
 * given and gave back is what Step Functions keeps (90 days) for anyone allowed to read it.
 */
export interface HistoryEvent {
  id: number;
  timestamp: number;
  type: string;
  executionStartedEventDetails?: { input: string };
  executionSucceededEventDetails?: { output: string };
  executionFailedEventDetails?: { error: string; cause: string };
  stateEnteredEventDetails?: { name: string; input: string };
  stateExitedEventDetails?: { name: string; output: string };
  mapIterationStartedEventDetails?: { name: string; index: number };
}

/** The interpreter's event log entries (the package does not export their type). */
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** Executions whose history is kept in memory (the oldest are dropped first). */
const HISTORIES_KEPT = 500;

/** Step Functions' limit on a state's input or output. */
const MAX_PAYLOAD_BYTES = 256 * 1024;
/** Step Functions' rule for names: 1–80 characters, no whitespace, brackets, wildcards or control characters. */
function validName(name: string): boolean {
  return (
    name.length >= 1 &&
    name.length <= 80 &&
    ![...name].some(
      (c) =>
        /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/.test(c) ||
        c.charCodeAt(0) < 0x20 ||
        (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f),
    )
  );
}

/**
 * Step Functions for the local runtime: the state machine's definition from the template runs in
 * an ASL interpreter (aws-local-stepfunctions: Pass, Task, Map, Retry, Catch, JSONPath, timeouts).
 * Each Task invokes the function its Resource names, as the state machine's role: without
 * lambda:InvokeFunction on that function the task fails as on AWS. Execution names are unique per
 * state machine (also across restarts of the runtime), and a second StartExecution of a running
 * execution with the same input answers as the first, as Standard workflows do.
 */
export class LocalStepFunctions {
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly running = new Map<string, { abort: () => void; done: Promise<void> }>();
  private readonly histories = new Map<string, HistoryEvent[]>();

  constructor(
    private readonly machines: readonly StateMachineResource[],
    private readonly host: LambdaHost,
    private readonly authorizer: Authorizer,
    private readonly options: StepFunctionsOptions,
  ) {}

  /** Reads the executions of earlier runs: any still running then died with that runtime (ABORTED). */
  async load(): Promise<void> {
    const text = await readFile(this.options.registryFile, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const record = JSON.parse(line) as ExecutionRecord;
      this.executions.set(record.executionArn, record);
    }
    for (const record of this.executions.values()) {
      if (record.status === 'RUNNING') {
        await this.save({
          ...record,
          status: 'ABORTED',
          stopDate: this.options.now().toISOString(),
          cause: 'the local runtime stopped',
        });
      }
    }
  }

  async startExecution(request: { stateMachineArn?: string; name?: string; input?: string }) {
    const machine = this.machines.find((m) => m.arn === request.stateMachineArn);
    if (!machine)
      throw new ServiceError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${request.stateMachineArn}'`,
      );
    const name = request.name ?? crypto.randomUUID();
    if (!validName(name)) throw new ServiceError('InvalidName', `Invalid Name: '${name}'`);
    const input = request.input ?? '{}';
    if (Buffer.byteLength(input) > MAX_PAYLOAD_BYTES) {
      throw new ServiceError('InvalidExecutionInput', 'The input exceeds 262144 bytes');
    }
    const executionArn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn, startDate: Date.parse(existing.startDate) / 1000 };
      }
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.arn,
      name,
      status: 'RUNNING',
      input,
      startDate: this.options.now().toISOString(),
    };
    await this.save(record);
    this.run(machine, record);
    return { executionArn, startDate: Date.parse(record.startDate) / 1000 };
  }

  describeExecution(request: { executionArn?: string }) {
    const record = this.executions.get(request.executionArn ?? '');
    if (!record)
      throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${request.executionArn}'`);
    return {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: Date.parse(record.startDate) / 1000,
      ...(record.stopDate ? { stopDate: Date.parse(record.stopDate) / 1000 } : {}),
      input: record.input,
      ...(record.output !== undefined ? { output: record.output } : {}),
      ...(record.error ? { error: record.error, cause: record.cause } : {}),
    };
  }

  /** StopExecution: the execution ends ABORTED; a task in flight finishes, its result is dropped. */
  stopExecution(request: { executionArn?: string }) {
    const record = this.executions.get(request.executionArn ?? '');
    if (!record)
      throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${request.executionArn}'`);
    this.running.get(record.executionArn)?.abort();
    return { stopDate: this.options.now().getTime() / 1000 };
  }

  /**
   * GetExecutionHistory, of executions this runtime ran (earlier runs' histories are not kept):
   * newest first with `reverseOrder`, at most `maxResults` (no paging past them), and without the
   * states' inputs and outputs when `includeExecutionData` is false, as Step Functions answers.
   */
  getExecutionHistory(request: {
    executionArn?: string;
    reverseOrder?: boolean;
    maxResults?: number;
    includeExecutionData?: boolean;
  }) {
    const record = this.executions.get(request.executionArn ?? '');
    if (!record)
      throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${request.executionArn}'`);
    let events = [...(this.histories.get(record.executionArn) ?? [])];
    if (request.reverseOrder) events.reverse();
    if (request.maxResults) events = events.slice(0, request.maxResults);
    if (request.includeExecutionData === false) {
      events = events.map(({ id, timestamp, type }) => ({ id, timestamp, type }));
    }
    return { events };
  }

  /** Every execution of this and earlier runs, oldest first. */
  list(): ExecutionRecord[] {
    return [...this.executions.values()].sort((a, b) => a.startDate.localeCompare(b.startDate));
  }

  /** Work accepted and not finished. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Resolves when no execution is running. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  stop(): void {
    for (const run of this.running.values()) run.abort();
  }

  private run(machine: StateMachineResource, record: ExecutionRecord): void {
    const definition = machine.definition as unknown as StateMachineDefinition;
    const stateMachine = new StateMachine(definition, { validationOptions: { checkArn: false } });
    const tasks = taskResources(definition);
    const execution = stateMachine.run(JSON.parse(record.input), {
      overrides: {
        taskResourceLocalHandlers: Object.fromEntries(
          [...tasks].map(([stateName, resource]) => [
            stateName,
            (input: unknown) => this.invokeTask(machine, resource, input) as never,
          ]),
        ),
        ...(this.options.retryScale === 1
          ? {}
          : { retryIntervalOverrides: scaledRetries(definition, this.options.retryScale) }),
      },
      context: {
        Execution: {
          Id: record.executionArn,
          Name: record.name,
          StartTime: record.startDate,
          Input: JSON.parse(record.input),
          RoleArn: machine.roleArn,
        },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
    });
    void this.record(record.executionArn, execution.eventLogs);
    const done = execution.result.then(
      (output) => this.finish(record, { status: 'SUCCEEDED', output: JSON.stringify(output) }),
      (error: unknown) => this.finish(record, failure(error)),
    );
    this.running.set(record.executionArn, {
      abort: execution.abort,
      done: done.finally(() => this.running.delete(record.executionArn)),
    });
  }

  /** Keeps the interpreter's event log as Step Functions' history events. */
  private async record(executionArn: string, logs: AsyncGenerator<EventLog>): Promise<void> {
    const events: HistoryEvent[] = [];
    this.histories.set(executionArn, events);
    if (this.histories.size > HISTORIES_KEPT) {
      this.histories.delete(this.histories.keys().next().value as string);
    }
    const text = (value: unknown) => JSON.stringify(value ?? null);
    for await (const log of logs) {
      // On the runtime's clock (advanceClock), as every other time the runtime's services give.
      const base = { id: events.length + 1, timestamp: this.options.now().getTime() / 1000 };
      switch (log.type) {
        case 'ExecutionStarted':
          events.push({ ...base, type: log.type, executionStartedEventDetails: { input: text(log.input) } });
          break;
        case 'ExecutionSucceeded':
          events.push({
            ...base,
            type: log.type,
            executionSucceededEventDetails: { output: text(log.output) },
          });
          break;
        case 'ExecutionFailed':
          events.push({
            ...base,
            type: log.type,
            executionFailedEventDetails: { error: log.Error, cause: text(log.Cause) },
          });
          break;
        case 'StateEntered':
          events.push({
            ...base,
            type: `${log.state.type}StateEntered`,
            stateEnteredEventDetails: { name: log.state.name, input: text(log.state.input) },
          });
          break;
        case 'StateExited':
          events.push({
            ...base,
            type: `${log.state.type}StateExited`,
            stateExitedEventDetails: { name: log.state.name, output: text(log.state.output) },
          });
          break;
        case 'MapIterationStarted':
          events.push({
            ...base,
            type: log.type,
            mapIterationStartedEventDetails: { name: log.parentState.name, index: log.index },
          });
          break;
        default:
          events.push({ ...base, type: log.type });
      }
    }
  }

  private async invokeTask(
    machine: StateMachineResource,
    resource: string,
    input: unknown,
  ): Promise<unknown> {
    const functionArn = resource.replace(/:(\$LATEST|[0-9]+)$/, '');
    const allowed = this.authorizer.check(machine.roleArn, `local-${machine.name}`, [
      { action: 'lambda:InvokeFunction', resource },
    ]);
    if (!allowed.allowed) throw taskError('Lambda.AWSLambdaException', allowed.message);
    limitPayload(input, 'input');
    const result = await this.host.invoke(functionArn, input);
    if (!result.ok) throw taskError(result.error.errorType, JSON.stringify(result.error));
    limitPayload(result.payload, 'output');
    return result.payload;
  }

  private async finish(
    record: ExecutionRecord,
    outcome: Partial<ExecutionRecord> & { status: ExecutionStatus },
  ) {
    await this.save({ ...record, ...outcome, stopDate: this.options.now().toISOString() });
  }

  private async save(record: ExecutionRecord): Promise<void> {
    this.executions.set(record.executionArn, record);
    await mkdir(dirname(this.options.registryFile), { recursive: true });
    await appendFile(this.options.registryFile, `${JSON.stringify(record)}\n`);
  }
}

/** Step Functions' view of a failed Lambda task: Error is the errorType, Cause the JSON error payload. */
function taskError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}

function limitPayload(value: unknown, what: string): void {
  if (Buffer.byteLength(JSON.stringify(value ?? null)) > MAX_PAYLOAD_BYTES) {
    throw taskError(
      'States.DataLimitExceeded',
      `The state's ${what} exceeds the maximum size of 262144 bytes`,
    );
  }
}

function failure(error: unknown): Partial<ExecutionRecord> & { status: ExecutionStatus } {
  if (error instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT', error: 'States.Timeout' };
  if (error instanceof ExecutionAbortedError) return { status: 'ABORTED', cause: 'stopped' };
  if (error instanceof ExecutionError) {
    const cause = (error as { cause?: unknown }).cause;
    const failed = cause instanceof Error ? cause : error;
    return { status: 'FAILED', error: failed.name, cause: failed.message };
  }
  return {
    status: 'FAILED',
    error: 'States.Runtime',
    cause: error instanceof Error ? error.message : String(error),
  };
}

type States = Record<
  string,
  {
    Type: string;
    Resource?: string;
    MaxConcurrency?: number;
    Retry?: { IntervalSeconds?: number }[];
    ItemProcessor?: { States: States };
    Iterator?: { States: States };
    Branches?: { States: States }[];
  }
>;

/**
 * How many invocations of each function a state machine runs at once: one per Task, the Map's
 * MaxConcurrency for a Task inside a Map (so that many environments can be warmed beforehand).
 */
export function concurrencyByFunction(definition: Record<string, unknown>): Map<string, number> {
  const counts = new Map<string, number>();
  const visit = (states: States, parallel: number) => {
    for (const state of Object.values(states)) {
      if (state.Type === 'Task' && state.Resource) {
        const arn = state.Resource.replace(/:(\$LATEST|[0-9]+)$/, '');
        counts.set(arn, Math.max(counts.get(arn) ?? 0, parallel));
      }
      const nested = state.ItemProcessor ?? state.Iterator;
      if (nested) visit(nested.States, parallel * (state.MaxConcurrency || 1));
      for (const branch of state.Branches ?? []) visit(branch.States, parallel);
    }
  };
  visit(definition.States as States, 1);
  return counts;
}

/** Every Task state, nested ones included, with the function its Resource names. */
function taskResources(definition: StateMachineDefinition): Map<string, string> {
  const found = new Map<string, string>();
  walk(definition.States as unknown as States, (name, state) => {
    if (state.Type !== 'Task') return;
    if (!state.Resource?.startsWith('arn:aws:lambda:')) {
      throw new Error(
        `Task ${name}: the local runtime invokes Lambda functions by ARN only, not ${state.Resource}`,
      );
    }
    found.set(name, state.Resource);
  });
  return found;
}

/** Each retrier's interval times the scale (a fixed wait: the scaled run keeps the retries, not their spread). */
function scaledRetries(definition: StateMachineDefinition, scale: number): Record<string, number[]> {
  const overrides: Record<string, number[]> = {};
  walk(definition.States as unknown as States, (name, state) => {
    if (state.Retry) overrides[name] = state.Retry.map((r) => (r.IntervalSeconds ?? 1) * 1000 * scale);
  });
  return overrides;
}

function walk(states: States, visit: (name: string, state: States[string]) => void): void {
  for (const [name, state] of Object.entries(states)) {
    visit(name, state);
    const nested = state.ItemProcessor ?? state.Iterator;
    if (nested) walk(nested.States, visit);
    for (const branch of state.Branches ?? []) walk(branch.States, visit);
  }
}
