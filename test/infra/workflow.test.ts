import { describe, expect, it } from 'vitest';
import { exportWorkflow } from '../../functions/core/workflow';
import { flatten, type Json, synthTemplates } from './template-helpers';

interface Retrier {
  ErrorEquals: string[];
  MaxAttempts?: number;
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
}
interface StateJson {
  Type: string;
  Next?: string;
  End?: boolean;
  Retry?: Retrier[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[];
  Default?: string;
  Choices?: unknown[];
  ItemsPath?: string;
  MaxConcurrency?: number;
  ItemProcessor?: { StartAt: string; States: Record<string, StateJson> };
  ItemReader?: unknown;
  Resource?: string;
  ResultPath?: string | null;
  InputPath?: string | null;
  Parameters?: unknown;
  TimeoutSeconds?: number;
}

const { pipeline } = synthTemplates();
const machines = Object.values(pipeline.findResources('AWS::StepFunctions::StateMachine'));
const machine = machines[0] as { Properties: Record<string, Json> };
const definition = JSON.parse(flatten(machine.Properties.DefinitionString as Json)) as {
  StartAt: string;
  States: Record<string, StateJson>;
};

/** The execution's timeout: the definition's TimeoutSeconds. */
function machineTimeoutSeconds(): number | undefined {
  return (definition as { TimeoutSeconds?: number }).TimeoutSeconds;
}

/** Every Task state of the definition, those inside the Map included. */
function taskStates(): [string, StateJson][] {
  const found: [string, StateJson][] = [];
  const walk = (states: Record<string, StateJson>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') found.push([name, state]);
      if (state.ItemProcessor) walk(state.ItemProcessor.States);
    }
  };
  walk(definition.States);
  return found;
}

function expectRetry(state: StateJson | undefined, label: string, policy = exportWorkflow.steps[0].retry) {
  const retry = state?.Retry ?? [];
  expect(retry[0], label).toEqual({ ErrorEquals: policy.notRetried, MaxAttempts: 0 });
  // Errors that only mean "not now" (waits), after the permanent ones and before States.ALL.
  expect(retry, label).toHaveLength(policy.waits ? 3 : 2);
  if (policy.waits) {
    expect(retry[1], label).toEqual({
      ErrorEquals: policy.waits.errors,
      MaxAttempts: policy.waits.maxAttempts,
      IntervalSeconds: policy.waits.intervalSeconds,
      BackoffRate: policy.waits.backoffRate,
      MaxDelaySeconds: policy.waits.maxDelaySeconds,
      JitterStrategy: 'FULL',
    });
  }
  const all = retry.find((r) => r.ErrorEquals.includes('States.ALL'));
  expect(all, label).toMatchObject({
    MaxAttempts: policy.maxAttempts - 1,
    IntervalSeconds: policy.intervalSeconds,
    BackoffRate: policy.backoffRate,
    JitterStrategy: 'FULL',
  });
  expect(retry.at(-1), `${label}: States.ALL must be the last retrier`).toBe(all);
}

describe('Export state machine', () => {
  it('is one STANDARD state machine, traced, logging ALL events without execution data', () => {
    expect(machines).toHaveLength(1);
    expect(machine.Properties.StateMachineType).toBe('STANDARD');
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.Properties.LoggingConfiguration).toMatchObject({
      Level: 'ALL',
      IncludeExecutionData: false,
    });
  });

  it('runs the steps of functions/core/workflow.ts in order', () => {
    const order: string[] = [];
    let current: string | undefined = definition.States[definition.StartAt]?.Next;
    while (current) {
      order.push(current);
      const state = definition.States[current];
      // A step that repeats goes on through its Choice's default.
      current = state?.Type === 'Choice' ? state.Default : state?.Next;
    }
    expect(order.filter((id) => !/(Continues|Done)$/.test(id))).toEqual(
      exportWorkflow.steps.map((s) => s.id),
    );
    expect(definition.States[order.at(-1) as string]?.End).toBe(true);
  });

  it('retries every step with exponential backoff and full jitter, never for errors retrying cannot fix', () => {
    for (const step of exportWorkflow.steps) {
      const state = definition.States[step.id];
      expect(state, step.id).toBeDefined();
      if (step.kind === 'map') {
        const inner = state?.ItemProcessor?.States[`${step.id}Item`];
        expectRetry(inner, `${step.id} item`, step.retry);
      } else {
        expectRetry(state, step.id, step.retry);
      }
    }
    expectRetry(definition.States[exportWorkflow.onFailure.id], exportWorkflow.onFailure.id);
  });

  it('waits out a game table that keeps throttling the collectors: SourceThrottledError retried until the execution times out, never failed for it', () => {
    const retry = definition.States.CollectSources?.ItemProcessor?.States.CollectSourcesItem?.Retry ?? [];
    expect(retry.map((r) => r.ErrorEquals)).toEqual([
      [...exportWorkflow.steps[0].retry.notRetried],
      ['SourceThrottledError'],
      ['States.ALL'],
    ]);
    // 1 minute doubling to a 15-minute cap, 99 times (the most Step Functions allows), each wait spread by full jitter.
    expect(retry[1]).toEqual({
      ErrorEquals: ['SourceThrottledError'],
      MaxAttempts: 99,
      IntervalSeconds: 60,
      BackoffRate: 2,
      MaxDelaySeconds: 900,
      JitterStrategy: 'FULL',
    });
    // Throttling is transient, never a permanent error; and only the collectors wait for it.
    expect(exportWorkflow.steps[0].retry.notRetried).not.toContain('SourceThrottledError');
    for (const [name, state] of taskStates()) {
      if (name === 'CollectSourcesItem') continue;
      expect(JSON.stringify(state.Retry), name).not.toContain('SourceThrottledError');
      expect(
        state.Retry?.some((r) => r.MaxDelaySeconds !== undefined),
        name,
      ).toBe(false);
    }
    // The retries outlast the execution: a table throttling all day ends it by its timeout (the
    // watchdog then starts the next attempt), never by the catch that marks the request FAILED.
    // Delays at most 60 + 120 + 240 + 480 + 95 × 900 s; full jitter halves them on average, and
    // each attempt first waits up to 4 minutes inside the collector.
    const worst = retry[1] as Required<Retrier>;
    let total = 0;
    for (let attempt = 0; attempt < worst.MaxAttempts; attempt++) {
      total += Math.min(worst.IntervalSeconds * worst.BackoffRate ** attempt, worst.MaxDelaySeconds);
    }
    expect(total).toBe(86_400);
    expect(total / 2 + worst.MaxAttempts * 600).toBeGreaterThan(Number(machineTimeoutSeconds()));
  });

  it('catches every export step into FailExport, which ends in a Fail state; delivery ends the execution deferred', () => {
    for (const step of exportWorkflow.steps) {
      const deferred = step.kind === 'task' && step.onFailure === 'defer';
      const next = deferred ? 'DeliveryDeferred' : exportWorkflow.onFailure.id;
      expect(definition.States[step.id]?.Catch, step.id).toEqual([
        { ErrorEquals: ['States.ALL'], Next: next, ResultPath: '$.error' },
      ]);
    }
    // A link that cannot be mailed yet is no failed export: the archive is READY, the outbox retries.
    expect(definition.States.DeliveryDeferred?.Type).toBe('Succeed');
    const fail = definition.States[exportWorkflow.onFailure.id];
    expect(fail?.Type).toBe('Task');
    expect(definition.States[fail?.Next as string]?.Type).toBe('Fail');
    expect(fail?.Catch?.[0]?.Next).toBe(fail?.Next);
  });

  it('maps over plan.tasks with the described concurrency', () => {
    const map = exportWorkflow.steps.find((s) => s.kind === 'map');
    const state = definition.States[map?.id as string];
    expect(state).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.plan.tasks',
      MaxConcurrency: map?.maxConcurrency,
      ResultPath: '$.results',
    });
  });

  it('invokes a collector again while its result says where to go on (a checkpoint), until it has read to the end', () => {
    const state = definition.States.CollectSources as unknown as {
      ItemProcessor: { StartAt: string; States: Record<string, Record<string, unknown>> };
    };
    const { StartAt, States } = state.ItemProcessor;
    expect(StartAt).toBe('CollectSourcesItem');
    expect(States.CollectSourcesItem).toMatchObject({ Type: 'Task', Next: 'CollectSourcesItemContinues' });
    expect(States.CollectSourcesItemContinues).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.resume', IsPresent: true, Next: 'CollectSourcesItem' }],
      Default: 'CollectSourcesItemDone',
    });
    expect(States.CollectSourcesItemDone).toEqual({ Type: 'Succeed' });
    // How long one invocation reads before it checkpoints: well under the function's 15 minutes.
    const collector = Object.values(pipeline.findResources('AWS::Lambda::Function')).find((f) =>
      String(JSON.stringify(f)).includes('COLLECT_SECONDS_PER_INVOCATION'),
    ) as { Properties: { Timeout: number; Environment: { Variables: Record<string, string> } } };
    expect(collector.Properties.Environment.Variables.COLLECT_SECONDS_PER_INVOCATION).toBe('600');
    expect(collector.Properties.Timeout).toBe(900);
  });

  it('packs one volume per build invocation: BuildArchiveAgain, retried and caught like the first, runs while the result names a next volume', () => {
    const { States } = definition;
    expect(States.BuildArchive?.Next).toBe('BuildArchiveContinues');
    expect(States.BuildArchiveContinues).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.archive.next', IsPresent: true, Next: 'BuildArchiveAgain' }],
      Default: 'BuildArchiveDone',
    });
    expect(States.BuildArchiveDone).toEqual({ Type: 'Pass', Next: 'PublishExport' });
    const again = States.BuildArchiveAgain;
    expect(again?.Next).toBe('BuildArchiveContinues');
    expect(again?.Parameters).toEqual({
      'plan.$': '$.plan',
      'results.$': '$.results',
      'built.$': '$.archive',
    });
    expect(again?.ResultPath).toBe('$.archive');
    for (const key of ['Resource', 'Retry', 'Catch', 'TimeoutSeconds'] as const) {
      expect(again?.[key], key).toEqual(States.BuildArchive?.[key]);
    }
    // The size of a volume the build packs: 2 GiB unless the deployment says otherwise.
    const build = Object.values(pipeline.findResources('AWS::Lambda::Function')).find((f) =>
      String(JSON.stringify(f)).includes('ARCHIVE_VOLUME_BYTES'),
    ) as { Properties: { Timeout: number; Environment: { Variables: Record<string, string> } } };
    expect(build.Properties.Environment.Variables.ARCHIVE_VOLUME_BYTES).toBe(String(2 * 1024 ** 3));
    expect(build.Properties.Timeout).toBe(900);
  });

  // aws-cdk issue 34260: `payloadResponseOnly` with TaskInput.fromJsonPathAt renders
  // "Parameters": "$.x", a literal string the Lambda receives. Only objects and InputPath select.
  it('gives every task an object built from the state, never a string', () => {
    const tasks = taskStates();
    expect(tasks.map(([name]) => name).sort()).toEqual(
      [
        'BuildArchive',
        'BuildArchiveAgain',
        'CollectSourcesItem',
        'DeliverLink',
        'FailExport',
        'PlanExport',
        'PublishExport',
      ].sort(),
    );
    for (const [name, state] of tasks) {
      expect(typeof state.Parameters === 'string', `${name}: Parameters is a string`).toBe(false);
      if (state.Parameters !== undefined) {
        expect(state.Parameters, name).toBeTypeOf('object');
        // Every field is a path of the state (".$" keys), nothing constant.
        for (const [key, value] of Object.entries(state.Parameters as Record<string, unknown>)) {
          expect(key, `${name}.${key}`).toMatch(/\.\$$/);
          expect(value, `${name}.${key}`).toMatch(/^\$\./);
        }
      }
    }
    expect(definition.States.PlanExport?.InputPath).toBe('$.request');
    expect(definition.States.PlanExport?.Parameters).toBeUndefined();
    expect(definition.States.BuildArchive?.Parameters).toEqual({
      'plan.$': '$.plan',
      'results.$': '$.results',
    });
    // The Map item is the collector's whole input; FailExport gets the whole state (plan may be absent).
    expect(
      definition.States.CollectSources?.ItemProcessor?.States.CollectSourcesItem?.Parameters,
    ).toBeUndefined();
    expect(definition.States.FailExport?.Parameters).toBeUndefined();
  });

  it('bounds every task by its function’s timeout plus a minute (no task can hang the execution)', () => {
    const functions = pipeline.findResources('AWS::Lambda::Function');
    for (const [name, state] of taskStates()) {
      const logicalId = /\$\{([A-Za-z0-9]+)\.Arn\}/.exec(state.Resource ?? '')?.[1] ?? '';
      const timeout = Number((functions[logicalId]?.Properties as { Timeout?: number } | undefined)?.Timeout);
      expect(state.TimeoutSeconds, name).toBe(timeout + 60);
    }
  });

  it('invokes each step’s own function', () => {
    const functionOf = (state: StateJson | undefined) =>
      (state?.Resource ?? '').replace(/^.*\$\{|\.Arn\}$/g, '');
    for (const step of [...exportWorkflow.steps, exportWorkflow.onFailure]) {
      const state =
        'kind' in step && step.kind === 'map'
          ? definition.States[step.id]?.ItemProcessor?.States[`${step.id}Item`]
          : definition.States[step.id];
      const pascal = step.lambda.replace(/(^|-)([a-z])/g, (_m, _d: string, c: string) => c.toUpperCase());
      expect(functionOf(state), step.id).toMatch(new RegExp(`^${pascal}Function`));
    }
  });
});

describe('Secrets out of workflow state', () => {
  it('no state, schema or definition carries a key or salt: collectors derive it with kms:GenerateMac', async () => {
    const schemas = await import('../../functions/core/workflow-schemas');
    const fields = (schema: unknown): string[] => {
      const shape = (schema as { shape?: Record<string, unknown> }).shape;
      return shape ? Object.entries(shape).flatMap(([name, inner]) => [name, ...fields(inner)]) : [];
    };
    const names = Object.values(schemas).flatMap((schema) => fields(schema));
    expect(names.length).toBeGreaterThan(10);
    // (S3 object keys such as archiveKey are names, not secrets.)
    for (const name of names) expect(name).not.toMatch(/salt|secret|hmac|pseudonymKey|macKey/i);
    const definition = JSON.stringify(machines[0]?.Properties.DefinitionString);
    expect(definition).not.toMatch(/salt|pseudonymKey|hmac/i);
    // The collectors are told the key's ARN, never key material.
    const collector = Object.values(pipeline.findResources('AWS::Lambda::Function')).find(
      (fn) => fn.Metadata?.['player-data-export:entry'] === 'functions/collect-category/handler.ts',
    );
    expect(flatten(collector?.Properties.Environment.Variables.PSEUDONYM_KEY_ARN)).toMatch(
      /^\$\{import:.*PseudonymKeyArn\}$/,
    );
  });
});
