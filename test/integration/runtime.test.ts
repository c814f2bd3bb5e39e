import { randomUUID } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, it } from 'vitest';
import { loadItems } from '../../functions/adapters/dynamodb/batch-writer';
import { DEMO_PLAYER_ID } from '../../functions/seed-demo/demo-data/generate';
import { putExportRequested } from '../../local/portal';
import type { Resource, StackTemplate } from '../../local/runtime/deployment';
import { synthesizeTemplates } from '../../local/runtime/synth';
import { Slots, sharedBetween } from '../support/concurrency';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * The local runtime runs what the templates say, so a mistake in a template fails here, before
 * anyone deploys: each test breaks one thing in the synthesized templates (a grant, a permission,
 * a variable) and sees the run fail where AWS would make it fail.
 *
 * Each test has a runtime of its own (its own edit of the templates), so they run side by side, a
 * few runtimes at a time; the two that only look at an unedited deploy share one.
 */

/** Runtimes of this file running at once. */
const slots = new Slots(3);

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

async function templates(context?: Record<string, unknown>): Promise<StackTemplate[]> {
  return structuredClone(
    await synthesizeTemplates({ cacheDir: '.local/cache', ...(context ? { context } : {}) }),
  );
}

/**
 * The deployment settings of `startTestRuntime({ demoData: false })` (the same cached synth): the
 * pipeline without the demo seed, for the tests whose edits are about the pipeline, not the demo.
 */
const WITHOUT_DEMO_SEED = { mailPerSecond: 50, seedDemoData: false };

function resources(stacks: StackTemplate[], type: string): [string, Resource][] {
  return stacks.flatMap((s) => Object.entries(s.template.Resources).filter(([, r]) => r.Type === type));
}

/** The statements of the role policy of a function (by the start of its logical id). */
function policyOf(stacks: StackTemplate[], functionPrefix: string): Statement[] {
  const found = resources(stacks, 'AWS::IAM::Policy').find(([id]) =>
    id.startsWith(`${functionPrefix}RoleDefaultPolicy`),
  );
  if (!found) throw new Error(`no role policy for ${functionPrefix}`);
  const document = found[1].Properties?.PolicyDocument as { Statement: Statement[] };
  return document.Statement;
}

/** A test's time includes its wait for a slot behind the runtimes started before it. */
const QUEUED_TIMEOUT = 300_000;

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

const PLAYER = 'p-runtime';

async function loadPlayer(runtime: TestRuntime) {
  await loadItems(runtime.admin.dynamodb, runtime.gameTable('players'), [
    { playerId: PLAYER, username: 'runtime', email: 'runtime@example.org' },
  ]);
}

async function exportOnce(runtime: TestRuntime) {
  const requestId = await putExportRequested(runtime, { playerId: PLAYER, requestId: `req-${randomUUID()}` });
  await runtime.settle();
  return { requestId, record: await runtime.records.requests.get(requestId) };
}

/**
 * A runtime of the edited templates with one small player (these tests are about the templates, not
 * the data: no demo seed), stopped after `run`.
 */
async function withRuntime<T>(
  edit: (stacks: StackTemplate[]) => void,
  run: (runtime: TestRuntime) => Promise<T>,
) {
  const stacks = await templates(WITHOUT_DEMO_SEED);
  edit(stacks);
  return slots.run(async () => {
    const runtime = await startTestRuntime({ demoData: false, templates: stacks });
    try {
      await loadPlayer(runtime);
      return await run(runtime);
    } finally {
      await runtime.stop();
    }
  });
}

/**
 * The unedited deploy, demo seed included, with the small player too: the seed test only reads what
 * the deploy did and the event-pattern test only puts events that must start nothing, so they share
 * it (side by side).
 */
const deployed = sharedBetween(
  2,
  async () => {
    const release = await slots.acquire();
    try {
      const runtime = await startTestRuntime();
      await loadPlayer(runtime).catch(async (error) => {
        await runtime.stop();
        throw error;
      });
      return { runtime, release };
    } catch (error) {
      release();
      throw error;
    }
  },
  async ({ runtime, release }) => {
    try {
      await runtime.stop();
    } finally {
      release();
    }
  },
);
afterAll(() => deployed.stopUnused());

describe.concurrent('IAM from the templates, checked on every call', { timeout: QUEUED_TIMEOUT }, () => {
  it('a grant removed from a role fails the run at that call with AccessDenied, as on AWS', async ({
    expect,
  }) => {
    await withRuntime(
      (stacks) => {
        // build-archive may no longer write archives/: everything before it still works.
        const statements = policyOf(stacks, 'BuildArchive');
        const write = statements.findIndex((s) => actionsOf(s).includes('s3:PutObject'));
        expect(write).toBeGreaterThanOrEqual(0);
        statements.splice(write, 1);
      },
      async (runtime) => {
        const { requestId, record } = await exportOnce(runtime);
        expect(record?.state).toBe('FAILED');
        expect(record?.failureReason).toMatch(
          /^AccessDenied: User: arn:aws:sts::000000000000:assumed-role\/.*BuildArchive.* is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::.*\/archives\/.*\/1\.zip because no identity-based policy allows the s3:PutObject action/,
        );
        const denied = runtime.calls.filter((c) => c.denied);
        expect(denied.length).toBeGreaterThan(0);
        expect(denied.every((c) => c.principal.includes('BuildArchive') && c.denied === 's3:PutObject')).toBe(
          true,
        );
        // Every source was collected first: only that one call was refused.
        expect(
          runtime.calls.some((c) => c.principal.includes('CollectCategory') && c.operation === 'PutObject'),
        ).toBe(true);
        expect(await runtime.objectKeys(`archives/${requestId}/`)).toEqual([]);
      },
    );
  });

  it('a state machine whose role may not invoke a step fails that step', async ({ expect }) => {
    await withRuntime(
      (stacks) => {
        const statements = policyOf(stacks, 'WorkflowStateMachine');
        for (const statement of statements) {
          if (!actionsOf(statement).includes('lambda:InvokeFunction')) continue;
          const list = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
          statement.Resource = list.filter((r) => !JSON.stringify(r).includes('PublishExport'));
        }
      },
      async (runtime) => {
        const { record } = await exportOnce(runtime);
        expect(record?.state).toBe('FAILED');
        expect(record?.failureReason).toMatch(
          /^Lambda\.AWSLambdaException: .*not authorized to perform: lambda:InvokeFunction on resource: .*PublishExport/,
        );
      },
    );
  });
});

describe.concurrent('what reaches a function', { timeout: QUEUED_TIMEOUT }, () => {
  it('without the rule’s permission to invoke start-export, the event lands in the rule’s dead-letter queue', async ({
    expect,
  }) => {
    await withRuntime(
      (stacks) => {
        for (const stack of stacks) {
          for (const [id, resource] of Object.entries(stack.template.Resources)) {
            if (resource.Type === 'AWS::Lambda::Permission' && id.startsWith('ExportRequestedRule')) {
              delete stack.template.Resources[id];
            }
          }
        }
      },
      async (runtime) => {
        const { requestId, record } = await exportOnce(runtime);
        expect(record).toBeUndefined();
        expect(runtime.calls.some((c) => c.principal.includes('StartExport'))).toBe(false);
        const dead = await runtime.queues.messages('StartExportDeadLetters');
        expect(dead).toHaveLength(1);
        expect(dead[0]?.body).toContain(requestId);
        expect(dead[0]?.attributes).toMatchObject({ ERROR_CODE: 'NO_PERMISSIONS' });
      },
    );
  });

  it('a variable missing from a function’s environment fails that function, naming it', async ({
    expect,
  }) => {
    await withRuntime(
      (stacks) => {
        const found = resources(stacks, 'AWS::Lambda::Function').find(([id]) =>
          id.startsWith('PublishExportFunction'),
        );
        if (!found) throw new Error('no publish-export function');
        const environment = found[1].Properties?.Environment as { Variables: Record<string, unknown> };
        const variables = environment.Variables;
        delete variables.GATEWAY_BASE_URL;
      },
      async (runtime) => {
        const { record } = await exportOnce(runtime);
        expect(record?.state).toBe('FAILED');
        expect(record?.failureReason).toMatch(
          /^ConfigError: Environment variable GATEWAY_BASE_URL is not set/,
        );
      },
    );
  });

  it('an event from another source, or of another type, never starts anything', async ({ expect }) => {
    await deployed.use(async ({ runtime }) => {
      for (const [source, detailType] of [
        ['game.other-service', 'ExportRequested'],
        ['game.account-portal', 'ExportReady'],
      ] as const) {
        await runtime.putEvent({
          source,
          detailType,
          detail: {
            requestId: `req-${source}`,
            playerId: PLAYER,
            locale: 'en',
            requestedAt: runtime.now().toISOString(),
          },
        });
      }
      await runtime.settle();
      expect(runtime.calls.filter((c) => c.principal.includes('StartExport'))).toEqual([]);
      expect(runtime.stepFunctions.list()).toEqual([]);
      expect(await runtime.queues.messages('StartExportDeadLetters')).toEqual([]);
    });
  });
});

describe.concurrent('The demo game’s seed (Custom::DemoData)', { timeout: QUEUED_TIMEOUT }, () => {
  it('the deploy seeds the demo tables through the seed function and its own role', async ({ expect }) => {
    await deployed.use(async ({ runtime }) => {
      const seeding = runtime.calls.filter((c) => c.principal.includes('SeedDemo'));
      expect(seeding.length).toBeGreaterThan(0);
      expect(seeding.every((c) => c.operation === 'BatchWriteItem' && !c.denied)).toBe(true);
      // Every demo table, and nothing else.
      const written = new Set(
        seeding.flatMap((c) => c.resources).map((arn) => arn.slice(arn.indexOf(':table/') + 7)),
      );
      expect(written).toEqual(new Set(runtime.gameTables.values()));
      const { Item } = await runtime.admin.dynamodb.send(
        new GetItemCommand({
          TableName: runtime.gameTable('players'),
          Key: { playerId: { S: DEMO_PLAYER_ID } },
        }),
      );
      expect(Item?.username?.S).toBeDefined();
    });
  });

  it('a seed its role may not write fails the deploy, naming the resource and the refusal', async ({
    expect,
  }) => {
    const stacks = await templates();
    const statements = policyOf(stacks, 'SeedDemo');
    const write = statements.findIndex((s) => actionsOf(s).includes('dynamodb:BatchWriteItem'));
    expect(write).toBeGreaterThanOrEqual(0);
    statements.splice(write, 1);
    await slots.run(() =>
      expect(startTestRuntime({ templates: stacks })).rejects.toThrow(
        /DemoData \(Custom::DemoData\) failed to deploy: AccessDenied.*dynamodb:BatchWriteItem/,
      ),
    );
  });
});
