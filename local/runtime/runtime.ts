import { createHash } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { AsyncInvocations } from './async-invocations';
import { Authorizer } from './authorizer';
import {
  ADMIN_ACCESS_KEY,
  AwsEndpoint,
  type CallRecord,
  type FaultHandle,
  type FaultRule,
  type Principal,
} from './aws-endpoint';
import { bundleFunctions } from './bundles';
import { deployCustomResources } from './custom-resources';
import {
  type Deployment,
  type FunctionResource,
  gameTables,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type RuleResource,
  readDeployment,
  type StackTemplate,
} from './deployment';
import { LocalEmail } from './email';
import { type BusEvent, LocalEventBus } from './event-bus';
import { LocalHttpApi } from './http-api';
import { LocalKms } from './kms';
import { type InvokeResult, LambdaHost, type LogLine } from './lambda-host';
import { LocalQueues } from './queues';
import { ReadMeter } from './read-meter';
import { concurrencyByFunction, LocalStepFunctions } from './step-functions';
import { type StoreEndpoints, startStores } from './stores';
import { synthesizeTemplates } from './synth';

export interface LocalRuntimeOptions {
  /** Outbox (.eml), events, queues, execution registry and pending invocations go here. */
  workDir: string;
  /** Stores to use (kept by the caller, e.g. across a killed runtime); fresh in-memory ones otherwise. */
  stores?: StoreEndpoints;
  /** Deployment settings as CDK context (`-c key=value`), e.g. { linkTtl: '10m' }. */
  context?: Record<string, unknown>;
  /** Templates to run instead of synthesizing the app (a test that edits one, e.g. removes a grant). */
  templates?: StackTemplate[];
  /**
   * Scales every retry wait and back-off (Step Functions retriers, Lambda's asynchronous retries,
   * EventBridge delivery retries). 1 runs them as written; tests use a small factor. Never 0: the
   * retries still happen.
   */
  retryScale?: number;
  /** Runs the template's schedules every this many ms; absent, they run only when `runSchedule` is called. */
  scheduleEveryMs?: number;
  /** Port of the HTTP API (the download gateway); 0 or absent: any free port. */
  gatewayPort?: number;
  /** SES identities that exist outside the templates (createSesIdentity=false deployments). */
  verifiedIdentities?: string[];
  /** Where synthesized templates are cached by source hash. @default <repo>/.local/cache */
  cacheDir?: string;
  /** Every line the functions log (besides the per-function files in workDir/logs). */
  onLog?: (line: LogLine) => void;
}

/** How long a deploy waits for a custom resource's answer (CloudFormation waits an hour). */
const CUSTOM_RESOURCE_ANSWER_MS = 10 * 60_000;

export interface LocalRuntime {
  /** The deployment settings the templates were synthesized with (CDK context). */
  context: Record<string, unknown>;
  /** Base URL of the download gateway (the HTTP API). */
  gatewayUrl: string;
  /** The AWS endpoint every function calls. */
  endpoint: string;
  deployment: Deployment;
  /** Stack outputs by output name (all stacks). */
  outputs: Record<string, string>;
  /** The data map's table names as deployed, where they differ (the demo game's prefixed tables). */
  gameTables: ReadonlyMap<string, string>;
  /** The deployed name of a data map table, e.g. "players" → "PlayerDataExport-demo-players". */
  gameTable(name: string): string;
  /** SDK clients of the harness (not subject to any role): seeding data, reading results. */
  admin: { dynamodb: DynamoDBClient; s3: S3Client };
  outboxDir: string;
  /** Puts an event on a bus, as the account portal does with PutEvents. */
  putEvent(entry: { source: string; detailType: string; detail: unknown; busName?: string }): Promise<string>;
  /** Delivers a schedule rule's event to its targets now (name fragment, e.g. "SweepSchedule"). */
  runSchedule(ruleName: string): Promise<void>;
  /** Invokes a function synchronously (name fragment, e.g. "ExpireExports"), as `aws lambda invoke` does. */
  invoke(functionName: string, event: unknown): Promise<InvokeResult>;
  /** Waits until no event, invocation or execution is in flight. */
  settle(): Promise<void>;
  injectFault(rule: FaultRule): FaultHandle;
  /** Moves the functions' clock ahead (all environments, at once): days pass without waiting. */
  advanceClock(ms: number): void;
  /** The functions' clock now. */
  now(): Date;
  /** Read capacity units per deployed table per second, as the store reported them. */
  readMeter: ReadMeter;
  /** Every AWS call the functions made (and whether IAM refused it). */
  calls: readonly CallRecord[];
  logs: readonly LogLine[];
  events(): Promise<BusEvent[]>;
  queues: LocalQueues;
  stepFunctions: LocalStepFunctions;
  stop(): Promise<void>;
}

/**
 * The deployed pipeline on one machine, driven by the synthesized templates: tables and buckets
 * are created as the templates define them, the event rules' patterns decide what reaches a
 * function, the state machine's own definition runs, each function is its source module with the
 * environment the template gives it, and every AWS call a function makes is checked against its
 * role's policies. Only the AWS services themselves are replaced (dynalite, s3rver, and the
 * runtime's EventBridge, Step Functions, SES and SQS). What it does not emulate: AWS service limits
 * beyond the few named here (payload sizes, timeouts, throttling of the HTTP API), KMS
 * encryption (key permissions are checked, nothing is encrypted; MACs are computed), request signatures, resource
 * policies other than Lambda's, and CloudWatch (logs are files, metrics and alarms are not run).
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const workDir = resolve(options.workDir);
  await mkdir(workDir, { recursive: true });
  const retryScale = options.retryScale ?? 1;
  if (!(retryScale > 0))
    throw new Error('retryScale must be above 0: retries are scaled down, never removed');

  const templates =
    options.templates ??
    (await synthesizeTemplates({
      ...(options.context ? { context: options.context } : {}),
      cacheDir: options.cacheDir ?? resolve('.local', 'cache'),
    }));
  const ownStores = options.stores ? undefined : await startStores();
  const stores = options.stores ?? (ownStores as { endpoints: StoreEndpoints }).endpoints;

  // The HTTP APIs listen first: their URLs are what the templates' ApiEndpoint resolves to (the
  // link base URL the functions are given).
  const logs: LogLine[] = [];
  let host: LambdaHost | undefined;
  let auth: Authorizer | undefined;
  const apis: LocalHttpApi[] = [];
  const apiUrls = new Map<string, string>();
  for (const api of readDeployment(templates, { httpApiEndpoint: () => '' }).httpApis) {
    const server = new LocalHttpApi(
      api,
      {
        invoke: (arn, event) => (host as LambdaHost).invoke(arn, event),
        mayInvoke: (arn, principal, sourceArn) => (auth as Authorizer).mayInvoke(arn, principal, sourceArn),
      },
      LOCAL_REGION,
    );
    apis.push(server);
    apiUrls.set(api.logicalId, await server.start(options.gatewayPort ?? 0));
  }
  const deployment = readDeployment(templates, {
    httpApiEndpoint: (logicalId) => apiUrls.get(logicalId) ?? '',
  });
  const authorizer = new Authorizer(deployment);
  auth = authorizer;

  const principals = new Map<string, Principal>();
  const keyOf = (fn: FunctionResource) =>
    `ASIA${createHash('sha256').update(fn.roleArn).digest('hex').slice(0, 16).toUpperCase()}`;
  for (const fn of deployment.functions) {
    principals.set(keyOf(fn), {
      kind: 'role',
      roleArn: fn.roleArn,
      sessionName: fn.name,
      functionName: fn.name,
    });
  }

  const clockOffset = new SharedArrayBuffer(8);
  const offset = new Float64Array(clockOffset);
  const now = () => new Date(Date.now() + (offset[0] ?? 0));
  const outboxDir = join(workDir, 'outbox');
  const queues = new LocalQueues(join(workDir, 'queues'), deployment.queues);
  let bus: LocalEventBus | undefined;
  const email = new LocalEmail(
    outboxDir,
    [...deployment.emailIdentities, ...(options.verifiedIdentities ?? [])],
    LOCAL_REGION,
    now,
    deployment.mailConfigurationSets,
    // SES publishes as the service: no caller's role is involved.
    (entry) => (bus as LocalEventBus).putEvents([entry]),
  );
  let stepFunctions: LocalStepFunctions | undefined;
  const readMeter = new ReadMeter();
  const endpoint = new AwsEndpoint({
    stores,
    region: LOCAL_REGION,
    tables: deployment.tables,
    buckets: deployment.buckets,
    principals,
    authorizer,
    eventBus: () => bus as LocalEventBus,
    stepFunctions: () => stepFunctions as LocalStepFunctions,
    email: () => email,
    kms: new LocalKms(deployment.keys, join(workDir, 'kms'), LOCAL_REGION, LOCAL_ACCOUNT),
    now,
    readMeter,
  });
  const endpointUrl = await endpoint.start();

  const cacheDir = options.cacheDir ?? resolve('.local', 'cache');
  const bundles = await bundleFunctions(deployment.functions, cacheDir);
  const logDir = join(workDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const lambdas = new LambdaHost(deployment.functions, {
    clockOffset,
    modulePath: (fn) => bundles.get(fn.entry) as string,
    baseEnvironment: (fn) => ({
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: keyOf(fn),
      AWS_SECRET_ACCESS_KEY: 'local-secret',
      AWS_SESSION_TOKEN: 'local-session',
      AWS_ENDPOINT_URL: endpointUrl,
      // s3rver stores aws-chunked framing inside streamed objects (reference/local-aws-notes.md).
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      TZ: 'UTC',
    }),
    onLog: (line) => {
      logs.push(line);
      if (logs.length > 50_000) logs.splice(0, 25_000);
      options.onLog?.(line);
      void appendFile(join(logDir, `${line.functionName}.log`), `${line.text}\n`).catch(() => undefined);
    },
  });
  host = lambdas;
  const asyncInvocations = new AsyncInvocations(
    join(workDir, 'async-invocations'),
    lambdas,
    queues,
    authorizer,
    {
      retryDelayMs: (attempt) => attempt * 60_000 * retryScale,
      onError: () => undefined,
    },
  );
  bus = new LocalEventBus(deployment.rules, asyncInvocations, authorizer, queues, {
    region: LOCAL_REGION,
    eventsFile: join(workDir, 'events.jsonl'),
    deliveryRetryDelayMs: (attempt) => Math.min(60_000, 1000 * 2 ** attempt) * retryScale,
    now,
  });
  stepFunctions = new LocalStepFunctions(deployment.stateMachines, lambdas, authorizer, {
    registryFile: join(workDir, 'executions.jsonl'),
    retryScale,
    now,
  });
  await stepFunctions.load();

  const admin = adminClients(endpointUrl);
  const machinesSoFar = stepFunctions;
  /** Stops everything this runtime started (its stores too, when it started them). */
  const teardown = async () => {
    asyncInvocations.stop();
    machinesSoFar.stop();
    await lambdas.stop();
    await Promise.all(apis.map((api) => api.stop()));
    await endpoint.stop();
    admin.dynamodb.destroy();
    admin.s3.destroy();
    await ownStores?.stop();
  };
  await createResources(deployment, admin);
  // Then the custom resources (the demo game's seed), as the deploy runs them once their function
  // exists. A failed one fails the start, as it rolls a deploy back, and leaves nothing running.
  try {
    await deployCustomResources(
      deployment.customResources,
      (arn, event) => lambdas.invoke(arn, event),
      join(workDir, 'custom-resources.json'),
      CUSTOM_RESOURCE_ANSWER_MS,
    );
  } catch (error) {
    await teardown();
    throw error;
  }
  const concurrency = new Map<string, number>();
  for (const machine of deployment.stateMachines) {
    for (const [arn, count] of concurrencyByFunction(machine.definition)) {
      concurrency.set(arn, Math.max(concurrency.get(arn) ?? 1, count));
    }
  }
  const warming = lambdas.warm(concurrency);
  await asyncInvocations.resume();

  const eventBus = bus;
  const machines = stepFunctions;
  const scheduleRules = deployment.rules.filter((rule) => rule.scheduleExpression && rule.enabled);
  const tick = (rule: RuleResource) => eventBus.deliver(rule, scheduledEvent(rule, now()));
  const timers = options.scheduleEveryMs
    ? scheduleRules.map((rule) => setInterval(() => void tick(rule), options.scheduleEveryMs).unref())
    : [];

  // Work is handed on (an event to a function, a function to an execution, an execution's step
  // to an event), so wait for each in turn until a whole round finds nothing in flight.
  const settle = async () => {
    for (;;) {
      await eventBus.idle();
      await asyncInvocations.idle();
      await machines.idle();
      await lambdas.idle();
      await new Promise((resolve) => setImmediate(resolve));
      if (eventBus.inFlight + asyncInvocations.inFlight + machines.inFlight + lambdas.inFlight === 0) return;
    }
  };
  const functionNamed = (fragment: string) => {
    const fn = deployment?.functions.find((f) => f.name.includes(fragment));
    if (!fn) throw new Error(`No function named like ${fragment}`);
    return fn;
  };
  await warming;

  const outputs = Object.assign({}, ...Object.values(deployment.outputs)) as Record<string, string>;
  const tables = gameTables(deployment);
  return {
    context: options.context ?? {},
    gatewayUrl: [...apiUrls.values()][0] ?? '',
    endpoint: endpointUrl,
    deployment,
    outputs,
    gameTables: tables,
    gameTable: (name: string) => tables.get(name) ?? name,
    admin,
    outboxDir,
    putEvent: async ({ source, detailType, detail, busName }) => {
      const result = await eventBus.putEvents([
        {
          Source: source,
          DetailType: detailType,
          Detail: JSON.stringify(detail),
          EventBusName: busName ?? 'default',
        },
      ]);
      const entry = result.Entries[0];
      if (!entry?.EventId)
        throw new Error(`PutEvents refused the event: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
      return entry.EventId;
    },
    runSchedule: async (ruleName) => {
      const rule = scheduleRules.find((r) => r.name.includes(ruleName));
      if (!rule)
        throw new Error(`No schedule named like ${ruleName}: ${scheduleRules.map((r) => r.name).join(', ')}`);
      await tick(rule);
      await settle();
    },
    invoke: (name, event) => lambdas.invoke(functionNamed(name).arn, event),
    settle,
    injectFault: (rule) => endpoint.injectFault(rule),
    advanceClock: (ms) => {
      offset[0] = (offset[0] ?? 0) + ms;
    },
    now,
    calls: endpoint.calls,
    readMeter,
    logs,
    events: () => eventBus.events(),
    queues,
    stepFunctions: machines,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await teardown();
    },
  };
}

/** What an EventBridge schedule sends its target at each tick. */
function scheduledEvent(rule: RuleResource, at: Date): BusEvent {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [rule.arn],
    detail: {},
  };
}

/** SDK clients of the harness, signed with the key id the endpoint lets through unchecked. */
export function adminClients(endpoint: string): { dynamodb: DynamoDBClient; s3: S3Client } {
  const common = {
    region: LOCAL_REGION,
    endpoint,
    credentials: { accessKeyId: ADMIN_ACCESS_KEY, secretAccessKey: ADMIN_ACCESS_KEY },
  };
  return {
    dynamodb: new DynamoDBClient(common),
    s3: new S3Client({
      ...common,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  };
}

/** Creates the templates' tables and buckets in the stores (those that exist already are kept). */
async function createResources(deployment: Deployment, admin: { dynamodb: DynamoDBClient; s3: S3Client }) {
  await Promise.all(
    deployment.tables.map(async (table) => {
      try {
        await admin.dynamodb.send(
          new CreateTableCommand({
            TableName: table.name,
            KeySchema: table.keySchema,
            AttributeDefinitions: table.attributeDefinitions,
            BillingMode: 'PAY_PER_REQUEST',
            ...(table.indexes.length > 0
              ? {
                  GlobalSecondaryIndexes: table.indexes.map((index) => ({
                    IndexName: index.IndexName,
                    KeySchema: index.KeySchema,
                    Projection: { ProjectionType: 'ALL' },
                  })),
                }
              : {}),
          }),
        );
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
    }),
  );
  for (const bucket of deployment.buckets) {
    try {
      await admin.s3.send(new CreateBucketCommand({ Bucket: bucket.name }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
    }
  }
}
