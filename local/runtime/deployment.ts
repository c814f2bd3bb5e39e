import { createHash } from 'node:crypto';
import { OWN_REQUESTS_TABLE } from '../../functions/core/data-map/data-map';
import { readSourceTables } from '../../functions/runtime/config';
import type { PolicyDocument } from './iam-policy';

/**
 * The synthesized templates read as a deployment: every resource the local runtime emulates, with
 * the physical names, ARNs and values CloudFormation would give it, and every intrinsic function
 * (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::ImportValue) resolved the way
 * CloudFormation resolves it. Names follow CloudFormation's habit (`<stack>-<logicalId>` where the
 * template names none), in one account and region.
 */

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

export interface StackTemplate {
  stackName: string;
  template: Template;
}

export interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  Parameters?: Record<string, unknown>;
}

export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

export interface TableResource {
  name: string;
  arn: string;
  partitionKey: string;
  keySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  attributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  indexes: { IndexName: string; KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[] }[];
  kmsKeyArn?: string;
}

export interface BucketResource {
  name: string;
  arn: string;
  kmsKeyArn?: string;
}

export interface KeyResource {
  id: string;
  arn: string;
  /** SYMMETRIC_DEFAULT, HMAC_256, … */
  keySpec: string;
  /** ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, … */
  keyUsage: string;
}

export interface FunctionResource {
  logicalId: string;
  name: string;
  arn: string;
  /** The source module the bundle is built from (template metadata), e.g. functions/plan-export/handler.ts. */
  entry: string;
  /** Files the bundle embeds for its `#…` imports (template metadata), e.g. #data-map → config/data-map.json. */
  embedded: Record<string, string>;
  handlerExport: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  roleArn: string;
  deadLetterArn?: string;
  logGroupArn?: string;
}

export interface RoleResource {
  arn: string;
  name: string;
  policies: PolicyDocument[];
}

export interface StateMachineResource {
  arn: string;
  name: string;
  roleArn: string;
  definition: Record<string, unknown>;
}

export interface RuleTarget {
  arn: string;
  deadLetterArn?: string;
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
}

export interface RuleResource {
  name: string;
  arn: string;
  busName: string;
  eventPattern?: unknown;
  scheduleExpression?: string;
  enabled: boolean;
  targets: RuleTarget[];
}

export interface HttpRoute {
  method: string;
  /** The route's path with `{name}` parameters, e.g. /d/{token}/download. */
  path: string;
  routeKey: string;
  functionArn: string;
  payloadFormatVersion: string;
  /** The route's AuthorizationType: NONE (the default) or AWS_IAM (SigV4-signed callers only). */
  authorizationType?: string;
}

export interface HttpApiResource {
  logicalId: string;
  id: string;
  routes: HttpRoute[];
  throttle?: { rateLimit: number; burstLimit: number };
}

export interface QueueResource {
  name: string;
  arn: string;
  url: string;
}

/** A resource-based permission to invoke a function (AWS::Lambda::Permission). */
export interface InvokePermission {
  functionArn: string;
  principal: string;
  sourceArn?: string;
}

/** A Lambda-backed custom resource (`Custom::…` or AWS::CloudFormation::CustomResource). */
export interface CustomResourceResource {
  stackName: string;
  logicalId: string;
  resourceType: string;
  /** The function CloudFormation invokes (resolved Lambda ARN). */
  serviceToken: string;
  /** Every property, ServiceToken included, as CloudFormation sends them (ResourceProperties). */
  properties: Record<string, unknown>;
}

export interface MailConfigurationSet {
  name: string;
  /** Event types (SES v2 names, lower case: delivery, bounce, complaint, reject…) sent to each bus. */
  eventBridge: { busArn: string; events: string[] }[];
}

export interface Deployment {
  tables: TableResource[];
  buckets: BucketResource[];
  keys: KeyResource[];
  functions: FunctionResource[];
  roles: Map<string, RoleResource>;
  stateMachines: StateMachineResource[];
  rules: RuleResource[];
  httpApis: HttpApiResource[];
  queues: QueueResource[];
  permissions: InvokePermission[];
  /** SES identities the templates create (an address or a domain). */
  emailIdentities: string[];
  /** SES configuration sets and where each publishes which events (EventBridge destinations only). */
  mailConfigurationSets: MailConfigurationSet[];
  /** Custom resources, in template order (the runtime creates them as a deploy would). */
  customResources: CustomResourceResource[];
  /** Stack outputs by stack name, then output name. */
  outputs: Record<string, Record<string, string>>;
}

/**
 * The data map's table names as the deployed functions read them (their SOURCE_TABLES: the demo
 * game's prefixed tables in demo mode). A name not in it is read as the map writes it.
 */
export function gameTables(deployment: Deployment): ReadonlyMap<string, string> {
  const tables = new Map<string, string>();
  for (const fn of deployment.functions) {
    for (const [name, table] of readSourceTables(fn.environment)) {
      // "@requests" is the pipeline's own requests table, read as a source; not the game's.
      if (name !== OWN_REQUESTS_TABLE) tables.set(name, table);
    }
  }
  return tables;
}

export class TemplateError extends Error {
  override name = 'TemplateError';
}

export interface DeployOptions {
  /** What the HTTP API's endpoint is locally (the API's `ApiEndpoint` attribute resolves to it). */
  httpApiEndpoint: (apiLogicalId: string) => string;
}

/** Reads the templates as one deployment, resolving every value the emulated resources need. */
export function readDeployment(stacks: readonly StackTemplate[], options: DeployOptions): Deployment {
  const resolver = new Resolver(stacks, options);
  return resolver.deployment();
}

// ── Resolution ───────────────────────────────────────────────────────────────────────────────

interface Located {
  stack: StackTemplate;
  logicalId: string;
  resource: Resource;
}

class Resolver {
  private readonly exports = new Map<string, { stack: StackTemplate; value: unknown }>();

  constructor(
    private readonly stacks: readonly StackTemplate[],
    private readonly options: DeployOptions,
  ) {
    for (const stack of stacks) {
      for (const output of Object.values(stack.template.Outputs ?? {})) {
        if (output.Export) {
          const name = this.resolve(stack, output.Export.Name);
          if (typeof name !== 'string')
            throw new TemplateError(`${stack.stackName}: an export name is not a string`);
          this.exports.set(name, { stack, value: output.Value });
        }
      }
    }
  }

  deployment(): Deployment {
    const all = this.stacks.flatMap((stack) =>
      Object.entries(stack.template.Resources).map(([logicalId, resource]) => ({
        stack,
        logicalId,
        resource,
      })),
    );
    const of = (type: string) => all.filter((r) => r.resource.Type === type);
    const roles = new Map<string, RoleResource>();
    for (const role of of('AWS::IAM::Role')) {
      const arn = this.attribute(role, 'Arn');
      const inline = (this.props(role).Policies as { PolicyDocument: unknown }[] | undefined) ?? [];
      roles.set(arn, {
        arn,
        name: this.ref(role),
        policies: inline.map((p) => this.resolve(role.stack, p.PolicyDocument) as PolicyDocument),
      });
    }
    for (const policy of of('AWS::IAM::Policy')) {
      const props = this.props(policy);
      const document = this.resolve(policy.stack, props.PolicyDocument) as PolicyDocument;
      for (const roleName of (this.resolve(policy.stack, props.Roles) as string[] | undefined) ?? []) {
        const role = [...roles.values()].find((r) => r.name === roleName);
        if (!role)
          throw new TemplateError(
            `${policy.logicalId} attaches to role ${roleName}, which no template creates`,
          );
        role.policies.push(document);
      }
    }
    return {
      tables: of('AWS::DynamoDB::Table').map((t) => this.table(t)),
      buckets: of('AWS::S3::Bucket').map((b) => this.bucket(b)),
      keys: of('AWS::KMS::Key').map((k) => {
        const props = this.props(k);
        return {
          id: this.ref(k),
          arn: this.attribute(k, 'Arn'),
          keySpec: String(props.KeySpec ?? 'SYMMETRIC_DEFAULT'),
          keyUsage: String(props.KeyUsage ?? 'ENCRYPT_DECRYPT'),
        };
      }),
      functions: of('AWS::Lambda::Function').map((f) => this.lambda(f)),
      roles,
      stateMachines: of('AWS::StepFunctions::StateMachine').map((m) => this.stateMachine(m)),
      rules: of('AWS::Events::Rule').map((r) => this.rule(r)),
      httpApis: of('AWS::ApiGatewayV2::Api').map((api) => this.httpApi(api, all)),
      queues: of('AWS::SQS::Queue').map((q) => ({
        name: this.attribute(q, 'QueueName'),
        arn: this.attribute(q, 'Arn'),
        url: this.ref(q),
      })),
      permissions: of('AWS::Lambda::Permission').map((p) => {
        const props = this.resolve(p.stack, this.props(p)) as Record<string, string>;
        return {
          functionArn: this.functionArnOf(props.FunctionName ?? ''),
          principal: props.Principal ?? '',
          ...(props.SourceArn ? { sourceArn: props.SourceArn } : {}),
        };
      }),
      emailIdentities: of('AWS::SES::EmailIdentity').map((i) => this.ref(i)),
      customResources: all
        .filter(
          (r) =>
            r.resource.Type === 'AWS::CloudFormation::CustomResource' ||
            r.resource.Type.startsWith('Custom::'),
        )
        .map((r) => {
          const properties = this.resolve(r.stack, this.props(r)) as Record<string, unknown>;
          return {
            stackName: r.stack.stackName,
            logicalId: r.logicalId,
            resourceType: r.resource.Type,
            serviceToken: String(properties.ServiceToken),
            properties,
          };
        }),
      mailConfigurationSets: of('AWS::SES::ConfigurationSet').map((set) => {
        const name = this.ref(set);
        const destinations = of('AWS::SES::ConfigurationSetEventDestination')
          .map((d) => this.resolve(d.stack, this.props(d)) as Record<string, unknown>)
          .filter((d) => d.ConfigurationSetName === name)
          .map(
            (d) =>
              d.EventDestination as {
                Enabled?: boolean;
                MatchingEventTypes?: string[];
                EventBridgeDestination?: { EventBusArn?: string };
              },
          )
          .filter((d) => d.Enabled !== false && d.EventBridgeDestination?.EventBusArn);
        return {
          name,
          eventBridge: destinations.map((d) => ({
            busArn: String(d.EventBridgeDestination?.EventBusArn),
            events: (d.MatchingEventTypes ?? []).map((e) => e.toLowerCase()),
          })),
        };
      }),
      outputs: Object.fromEntries(
        this.stacks.map((stack) => [
          stack.stackName,
          Object.fromEntries(
            Object.entries(stack.template.Outputs ?? {}).map(([name, output]) => [
              name,
              String(this.resolve(stack, output.Value)),
            ]),
          ),
        ]),
      ),
    };
  }

  private table(located: Located): TableResource {
    const props = this.resolve(located.stack, this.props(located)) as Record<string, unknown>;
    const keySchema = props.KeySchema as TableResource['keySchema'];
    const partitionKey = keySchema.find((k) => k.KeyType === 'HASH')?.AttributeName;
    if (!partitionKey) throw new TemplateError(`Table ${located.logicalId} has no partition key`);
    const sse = props.SSESpecification as
      | { SSEEnabled?: boolean; SSEType?: string; KMSMasterKeyId?: string }
      | undefined;
    return {
      name: this.ref(located),
      arn: this.attribute(located, 'Arn'),
      partitionKey,
      keySchema,
      attributeDefinitions: props.AttributeDefinitions as TableResource['attributeDefinitions'],
      indexes: ((props.GlobalSecondaryIndexes as TableResource['indexes'] | undefined) ?? []).map(
        (index) => ({
          IndexName: index.IndexName,
          KeySchema: index.KeySchema,
        }),
      ),
      ...(sse?.KMSMasterKeyId ? { kmsKeyArn: this.keyArnOf(sse.KMSMasterKeyId) } : {}),
    };
  }

  private bucket(located: Located): BucketResource {
    const props = this.resolve(located.stack, this.props(located)) as Record<string, unknown>;
    const rules = (props.BucketEncryption as { ServerSideEncryptionConfiguration?: unknown[] } | undefined)
      ?.ServerSideEncryptionConfiguration as
      | { ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string } }[]
      | undefined;
    const kms = rules?.find((r) => r.ServerSideEncryptionByDefault?.SSEAlgorithm === 'aws:kms')
      ?.ServerSideEncryptionByDefault?.KMSMasterKeyID;
    return {
      name: this.ref(located),
      arn: this.attribute(located, 'Arn'),
      ...(kms ? { kmsKeyArn: this.keyArnOf(kms) } : {}),
    };
  }

  private lambda(located: Located): FunctionResource {
    const props = this.resolve(located.stack, this.props(located)) as Record<string, unknown>;
    const entry = located.resource.Metadata?.['player-data-export:entry'];
    if (typeof entry !== 'string') {
      throw new TemplateError(
        `Function ${located.logicalId} names no source module (metadata player-data-export:entry): the local runtime cannot run it`,
      );
    }
    const embedded = (located.resource.Metadata?.['player-data-export:embedded'] ?? {}) as Record<
      string,
      string
    >;
    const handler = String(props.Handler ?? 'index.handler');
    const variables = ((props.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables ?? {}) as Record<string, unknown>;
    const deadLetter = (props.DeadLetterConfig as { TargetArn?: string } | undefined)?.TargetArn;
    const logGroup = (props.LoggingConfig as { LogGroup?: string } | undefined)?.LogGroup;
    return {
      logicalId: located.logicalId,
      name: this.ref(located),
      arn: this.attribute(located, 'Arn'),
      entry,
      embedded,
      handlerExport: handler.slice(handler.lastIndexOf('.') + 1),
      environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
      timeoutSeconds: Number(props.Timeout ?? 3),
      memoryMb: Number(props.MemorySize ?? 128),
      roleArn: String(props.Role),
      ...(deadLetter ? { deadLetterArn: deadLetter } : {}),
      ...(logGroup ? { logGroupArn: this.logGroupArnOf(logGroup) } : {}),
    };
  }

  private stateMachine(located: Located): StateMachineResource {
    const props = this.props(located);
    const definition = this.resolve(located.stack, props.DefinitionString);
    if (typeof definition !== 'string') {
      throw new TemplateError(
        `State machine ${located.logicalId} has no DefinitionString the runtime can read`,
      );
    }
    return {
      arn: this.ref(located),
      name: this.attribute(located, 'Name'),
      roleArn: String(this.resolve(located.stack, props.RoleArn)),
      definition: JSON.parse(definition) as Record<string, unknown>,
    };
  }

  private rule(located: Located): RuleResource {
    const props = this.resolve(located.stack, this.props(located)) as Record<string, unknown>;
    const targets = (props.Targets as Record<string, unknown>[] | undefined) ?? [];
    const pattern = props.EventPattern;
    return {
      name: this.ref(located),
      arn: this.attribute(located, 'Arn'),
      busName: String(props.EventBusName ?? 'default'),
      ...(pattern !== undefined
        ? { eventPattern: typeof pattern === 'string' ? JSON.parse(pattern) : pattern }
        : {}),
      ...(props.ScheduleExpression ? { scheduleExpression: String(props.ScheduleExpression) } : {}),
      enabled: props.State !== 'DISABLED',
      targets: targets.map((target) => {
        const retry = target.RetryPolicy as
          | { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number }
          | undefined;
        const deadLetter = (target.DeadLetterConfig as { Arn?: string } | undefined)?.Arn;
        return {
          arn: String(target.Arn),
          ...(deadLetter ? { deadLetterArn: deadLetter } : {}),
          // EventBridge's defaults: 185 retries over 24 hours.
          maximumRetryAttempts: retry?.MaximumRetryAttempts ?? 185,
          maximumEventAgeSeconds: retry?.MaximumEventAgeInSeconds ?? 86_400,
        };
      }),
    };
  }

  private httpApi(api: Located, all: Located[]): HttpApiResource {
    const id = this.ref(api);
    const integrations = new Map<string, { functionArn: string; payloadFormatVersion: string }>();
    for (const integration of all.filter((r) => r.resource.Type === 'AWS::ApiGatewayV2::Integration')) {
      const props = this.resolve(integration.stack, this.props(integration)) as Record<string, string>;
      if (props.ApiId !== id) continue;
      integrations.set(this.ref(integration), {
        functionArn: props.IntegrationUri ?? '',
        payloadFormatVersion: props.PayloadFormatVersion ?? '2.0',
      });
    }
    const routes: HttpRoute[] = [];
    for (const route of all.filter((r) => r.resource.Type === 'AWS::ApiGatewayV2::Route')) {
      const props = this.resolve(route.stack, this.props(route)) as Record<string, string>;
      if (props.ApiId !== id) continue;
      const integration = integrations.get(String(props.Target ?? '').replace(/^integrations\//, ''));
      if (!integration) throw new TemplateError(`Route ${props.RouteKey} has no Lambda integration`);
      const [method = '', path = ''] = String(props.RouteKey).split(' ');
      routes.push({
        method,
        path,
        routeKey: String(props.RouteKey),
        ...integration,
        ...(props.AuthorizationType ? { authorizationType: String(props.AuthorizationType) } : {}),
      });
    }
    const stage = all.find(
      (r) =>
        r.resource.Type === 'AWS::ApiGatewayV2::Stage' && this.resolve(r.stack, this.props(r).ApiId) === id,
    );
    const settings = stage
      ? (this.resolve(stage.stack, this.props(stage).DefaultRouteSettings) as
          | { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }
          | undefined)
      : undefined;
    return {
      logicalId: api.logicalId,
      id,
      routes,
      ...(settings?.ThrottlingRateLimit !== undefined
        ? {
            throttle: {
              rateLimit: settings.ThrottlingRateLimit,
              burstLimit: settings.ThrottlingBurstLimit ?? settings.ThrottlingRateLimit,
            },
          }
        : {}),
    };
  }

  private props(located: Located): Record<string, unknown> {
    return located.resource.Properties ?? {};
  }

  // ── Names and attributes of each resource type ────────────────────────────────────────────

  private locate(stack: StackTemplate, logicalId: string): Located {
    const resource = stack.template.Resources[logicalId];
    if (!resource) throw new TemplateError(`${stack.stackName} has no resource ${logicalId}`);
    return { stack, logicalId, resource };
  }

  /** The physical name CloudFormation would choose, unless the template names it. */
  private physicalName(located: Located, property?: string, lowerCase = false): string {
    const given = property ? located.resource.Properties?.[property] : undefined;
    if (given !== undefined) return String(this.resolve(located.stack, given));
    const name = `${located.stack.stackName}-${located.logicalId}`;
    return lowerCase ? name.toLowerCase() : name;
  }

  ref(located: Located): string {
    const { Type } = located.resource;
    switch (Type) {
      case 'AWS::DynamoDB::Table':
        return this.physicalName(located, 'TableName');
      case 'AWS::S3::Bucket':
        return this.physicalName(located, 'BucketName', true).slice(0, 63);
      case 'AWS::Lambda::Function':
        return this.physicalName(located, 'FunctionName').slice(0, 64);
      case 'AWS::IAM::Role':
        return this.physicalName(located, 'RoleName').slice(0, 64);
      case 'AWS::Logs::LogGroup':
        return this.physicalName(located, 'LogGroupName');
      case 'AWS::SQS::Queue':
        return `https://sqs.${LOCAL_REGION}.amazonaws.com/${LOCAL_ACCOUNT}/${this.attribute(located, 'QueueName')}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${this.physicalName(located, 'TopicName')}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${this.attribute(located, 'Name')}`;
      case 'AWS::Events::Rule':
        return this.physicalName(located, 'Name').slice(0, 64);
      case 'AWS::KMS::Key':
        return localId(located);
      case 'AWS::SES::EmailIdentity':
        return String(this.resolve(located.stack, located.resource.Properties?.EmailIdentity));
      case 'AWS::SES::ConfigurationSet':
        return String(this.resolve(located.stack, located.resource.Properties?.Name ?? located.logicalId));
      case 'AWS::ApiGatewayV2::Api':
      case 'AWS::ApiGatewayV2::Integration':
      case 'AWS::ApiGatewayV2::Stage':
      case 'AWS::ApiGatewayV2::Route':
        return localId(located).slice(0, 10);
      default:
        return located.logicalId;
    }
  }

  attribute(located: Located, name: string): string {
    const { Type } = located.resource;
    const key = `${Type}.${name}`;
    switch (key) {
      case 'AWS::DynamoDB::Table.Arn':
        return `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${this.ref(located)}`;
      case 'AWS::DynamoDB::Table.StreamArn':
        return `${this.attribute(located, 'Arn')}/stream/local`;
      case 'AWS::S3::Bucket.Arn':
        return `arn:aws:s3:::${this.ref(located)}`;
      case 'AWS::S3::Bucket.DomainName':
      case 'AWS::S3::Bucket.RegionalDomainName':
        return `${this.ref(located)}.s3.${LOCAL_REGION}.amazonaws.com`;
      case 'AWS::Lambda::Function.Arn':
        return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${this.ref(located)}`;
      case 'AWS::IAM::Role.Arn':
        return `arn:aws:iam::${LOCAL_ACCOUNT}:role/${this.ref(located)}`;
      case 'AWS::Logs::LogGroup.Arn':
        return `arn:aws:logs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:log-group:${this.ref(located)}:*`;
      case 'AWS::SQS::Queue.Arn':
        return `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${this.attribute(located, 'QueueName')}`;
      case 'AWS::SQS::Queue.QueueName':
        return this.physicalName(located, 'QueueName').slice(0, 80);
      case 'AWS::SNS::Topic.TopicArn':
        return this.ref(located);
      case 'AWS::StepFunctions::StateMachine.Name':
        return this.physicalName(located, 'StateMachineName').slice(0, 80);
      case 'AWS::StepFunctions::StateMachine.Arn':
        return this.ref(located);
      case 'AWS::Events::Rule.Arn': {
        // A rule on a custom bus is named under its bus: rule/<bus>/<rule>.
        const bus = located.resource.Properties?.EventBusName;
        const busName = bus === undefined ? 'default' : String(this.resolve(located.stack, bus));
        const name = busName.slice(busName.lastIndexOf('/') + 1);
        return `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${name === 'default' ? '' : `${name}/`}${this.ref(located)}`;
      }
      case 'AWS::KMS::Key.Arn':
        return `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT}:key/${this.ref(located)}`;
      case 'AWS::KMS::Key.KeyId':
        return this.ref(located);
      case 'AWS::ApiGatewayV2::Api.ApiEndpoint':
        return this.options.httpApiEndpoint(located.logicalId);
      case 'AWS::ApiGatewayV2::Api.ApiId':
        return this.ref(located);
      default:
        throw new TemplateError(
          `Fn::GetAtt ${located.logicalId}.${name} (${Type}): the local runtime does not know this attribute`,
        );
    }
  }

  private functionArnOf(nameOrArn: string): string {
    if (nameOrArn.startsWith('arn:')) return nameOrArn.replace(/:(\$LATEST|[0-9]+)$/, '');
    return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${nameOrArn}`;
  }

  private keyArnOf(idOrArn: string): string {
    return idOrArn.startsWith('arn:')
      ? idOrArn
      : `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT}:key/${idOrArn}`;
  }

  private logGroupArnOf(name: string): string {
    return `arn:aws:logs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:log-group:${name}:*`;
  }

  // ── Intrinsic functions ───────────────────────────────────────────────────────────────────

  resolve(stack: StackTemplate, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(stack, item));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    const [first] = entries;
    if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      return this.intrinsic(stack, first[0], first[1]);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(stack, v)]));
  }

  private intrinsic(stack: StackTemplate, name: string, argument: unknown): unknown {
    switch (name) {
      case 'Ref':
        return this.refByName(stack, String(argument));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument)
          ? (argument as string[])
          : String(argument).split(/\.(.*)/s);
        return this.attribute(this.locate(stack, String(logicalId)), String(attribute));
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return (this.resolve(stack, parts) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        const items = this.resolve(stack, list) as unknown[];
        return items[Number(this.resolve(stack, index))];
      }
      case 'Fn::Split': {
        const [separator, source] = argument as [string, unknown];
        return String(this.resolve(stack, source)).split(separator);
      }
      case 'Fn::Sub':
        return this.sub(stack, argument);
      case 'Fn::ImportValue': {
        const exportName = String(this.resolve(stack, argument));
        const exported = this.exports.get(exportName);
        if (!exported)
          throw new TemplateError(`${stack.stackName} imports ${exportName}, which no stack exports`);
        return this.resolve(exported.stack, exported.value);
      }
      default:
        throw new TemplateError(`${stack.stackName}: the local runtime does not evaluate ${name}`);
    }
  }

  private refByName(stack: StackTemplate, name: string): string {
    switch (name) {
      case 'AWS::AccountId':
        return LOCAL_ACCOUNT;
      case 'AWS::Region':
        return LOCAL_REGION;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack.stackName;
      case 'AWS::NoValue':
        return '';
      default:
        return this.ref(this.locate(stack, name));
    }
  }

  private sub(stack: StackTemplate, argument: unknown): string {
    const [text, variables] = Array.isArray(argument)
      ? (argument as [string, Record<string, unknown>])
      : [String(argument), {}];
    return text.replace(/\$\{([^}]+)\}/g, (_whole, expression: string) => {
      if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
      if (expression in variables) return String(this.resolve(stack, variables[expression]));
      const [logicalId, attribute] = expression.split(/\.(.*)/s);
      if (attribute !== undefined && !expression.startsWith('AWS::')) {
        return this.attribute(this.locate(stack, String(logicalId)), attribute);
      }
      return this.refByName(stack, expression);
    });
  }
}

/** A stable, id-like token for a resource (an API id, a key id), so names agree between runs. */
function localId(located: Located): string {
  return createHash('sha256')
    .update(`${located.stack.stackName}/${located.logicalId}`)
    .digest('hex')
    .slice(0, 32);
}
