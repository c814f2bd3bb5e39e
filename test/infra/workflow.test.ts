import { describe, expect, it } from 'vitest';
import { exportWorkflow } from '../../functions/core/workflow';
import { flatten, type Json, synthTemplates } from './template-helpers';

interface Retrier {
  ErrorEquals: string[];
  MaxAttempts?: number;
  IntervalSeconds?: number;
  BackoffRate?: number;
  JitterStrategy?: string;
}
interface StateJson {
  Type: string;
  Next?: string;
  End?: boolean;
  Retry?: Retrier[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[];
  ItemsPath?: string;
  MaxConcurrency?: number;
  ItemProcessor?: { StartAt: string; States: Record<string, StateJson> };
  ItemReader?: unknown;
  Resource?: string;
  ResultPath?: string | null;
}

const { pipeline } = synthTemplates();
const machines = Object.values(pipeline.findResources('AWS::StepFunctions::StateMachine'));
const machine = machines[0] as { Properties: Record<string, Json> };
const definition = JSON.parse(flatten(machine.Properties.DefinitionString as Json)) as {
  StartAt: string;
  States: Record<string, StateJson>;
};

function expectRetry(state: StateJson | undefined, label: string) {
  const policy = exportWorkflow.steps[0].retry;
  const retry = state?.Retry ?? [];
  expect(retry[0], label).toEqual({ ErrorEquals: policy.notRetried, MaxAttempts: 0 });
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
      current = definition.States[current]?.Next;
    }
    expect(order).toEqual(exportWorkflow.steps.map((s) => s.id));
    expect(definition.States[order.at(-1) as string]?.End).toBe(true);
  });

  it('retries every step with exponential backoff and full jitter, never for errors retrying cannot fix', () => {
    for (const step of exportWorkflow.steps) {
      const state = definition.States[step.id];
      expect(state, step.id).toBeDefined();
      if (step.kind === 'map') {
        const inner = state?.ItemProcessor?.States[`${step.id}Item`];
        expectRetry(inner, `${step.id} item`);
      } else {
        expectRetry(state, step.id);
      }
    }
    expectRetry(definition.States[exportWorkflow.onFailure.id], exportWorkflow.onFailure.id);
  });

  it('catches every step into FailExport, which ends in a Fail state', () => {
    for (const step of exportWorkflow.steps) {
      expect(definition.States[step.id]?.Catch, step.id).toEqual([
        { ErrorEquals: ['States.ALL'], Next: exportWorkflow.onFailure.id, ResultPath: '$.error' },
      ]);
    }
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
