import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Effect, type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, type CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeployConfigError } from '../../config/deploy';
import { METRICS_NAMESPACE } from '../../functions/runtime/metrics';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The newest Node.js runtime this aws-cdk-lib knows (cdk-nag's L1 asks for the latest). */
export const lambdaRuntime = Runtime.NODEJS_24_X;

/**
 * Template metadata naming the source module a function's bundle is built from
 * (`functions/<entry>/handler.ts`, export `handler`). The local runtime reads it to run that very
 * module for the function the template describes; on AWS it is inert.
 */
export const ENTRY_METADATA = 'player-data-export:entry';
/** Template metadata: the files the bundle embeds for its imports (`#data-map` → path), as bundled. */
export const EMBEDDED_METADATA = 'player-data-export:embedded';

/**
 * How every function is bundled: an ESM bundle with the AWS SDK inside (the versions tested are
 * the versions deployed). The local runtime bundles each function's entry with the same options.
 */
export const bundling = {
  format: 'esm',
  mainFields: ['module', 'main'],
  // Some CommonJS dependencies call require() for Node built-ins; an ESM bundle has none.
  banner:
    "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  // UTF-8 text instead of \uXXXX escapes: zod's bundled locale messages alone shrink by ~75 KB.
  charset: 'utf8',
} as const;

export interface ExportFunctionProps {
  /** The folder under functions/ whose handler.ts exports `handler`, e.g. "plan-export". */
  readonly entry: string;
  readonly description: string;
  /** Files embedded for the functions' `#…` imports (the deployment's data map and notice), absolute paths. */
  readonly embedded: Readonly<Record<string, string>>;
  /** The `service` of its logs and metrics: the deployment's name (the metric alarms filter on it). */
  readonly serviceName: string;
  readonly logRetention: RetentionDays;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default 30 seconds */
  readonly timeout?: Duration;
  /** @default false */
  readonly tracing?: boolean;
  /**
   * A fixed role name, for a role another account's resource policy must name (readers of a
   * cross-account table). @default a name CloudFormation generates
   */
  readonly roleName?: string;
  /** For functions invoked asynchronously (events, schedule): where failed events are kept. */
  readonly deadLetterQueue?: IQueue;
  readonly environment?: Record<string, string>;
}

/** DynamoDB actions a binding may grant. Named, so nothing ever asks for `dynamodb:*`. */
export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:Query'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:ConditionCheckItem';

export interface TableBinding {
  readonly actions: readonly TableAction[];
  /** Indexes the function queries; each is granted by its own ARN, never `index/*`. */
  readonly indexes?: readonly string[];
  /**
   * Partition-key prefixes the function may touch (dynamodb:LeadingKeys), e.g. ["GRANT#*"].
   * @default any item of the table
   */
  readonly leadingKeys?: readonly string[];
}

export interface BucketBinding {
  /** Prefixes read with GetObject (and HeadObject), e.g. ["archives/"]. */
  readonly read?: readonly string[];
  /** Prefixes written with PutObject (multipart included) and AbortMultipartUpload. */
  readonly write?: readonly string[];
  readonly delete?: readonly string[];
  /** Prefixes listed with ListObjectsV2, e.g. to confirm a delete left nothing behind. */
  readonly list?: readonly string[];
}

/**
 * One Lambda with the project's defaults: an ESM bundle made by the local esbuild (no Docker),
 * arm64, the newest Node.js runtime, its own log group with the configured retention, and a role
 * that starts empty. The bind* helpers set the environment variable and grant exactly what the
 * handler needs in one call, so config and permissions cannot drift apart.
 */
export class ExportFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: IRole;
  readonly logGroup: LogGroup;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: ExportFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      // Logs carry ids and counts only (DESIGN §7), so they go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // A role of our own instead of AWSLambdaBasicExecutionRole: that managed policy may write to
    // every log group of the account; this one writes to the function's own group only.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.entry}: least privilege, granted by lib/constructs/export-function.ts`,
      ...(props.roleName ? { roleName: props.roleName } : {}),
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        // The log group's Arn attribute already ends in ":*" (its streams).
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.role = role;

    this.timeout = props.timeout ?? Duration.seconds(30);
    const entry = path.join('functions', props.entry, 'handler.ts');
    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(repoRoot, entry),
      handler: 'handler',
      description: props.description,
      runtime: lambdaRuntime,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: this.timeout,
      role,
      logGroup: this.logGroup,
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      projectRoot: repoRoot,
      depsLockFilePath: path.join(repoRoot, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        // Off: a source map doubles the bundle and stack traces name our own functions anyway.
        sourceMap: false,
        externalModules: [],
        mainFields: [...bundling.mainFields],
        banner: bundling.banner,
        // Set as an esbuild argument: this aws-cdk-lib's bundler ignores the `charset` option.
        esbuildArgs: {
          '--charset': bundling.charset,
          // The deployment's own files in place of the shipped ones (package.json "imports").
          '--alias': Object.entries(props.embedded).map(([specifier, file]) => `${specifier}=${file}`),
        },
      },
    });
    const cfn = this.function.node.defaultChild as CfnFunction;
    cfn.addMetadata(ENTRY_METADATA, entry.split(path.sep).join('/'));
    // Repo-relative where possible, so templates read the same on every machine.
    cfn.addMetadata(
      EMBEDDED_METADATA,
      Object.fromEntries(
        Object.entries(props.embedded).map(([specifier, file]) => {
          const relative = path.relative(repoRoot, file);
          return [specifier, relative.startsWith('..') ? file : relative.split(path.sep).join('/')];
        }),
      ),
    );
  }

  addEnvironment(name: string, value: string): this {
    this.function.addEnvironment(name, value);
    return this;
  }

  /**
   * Sets `envName` to the table's name and grants `binding.actions` on the table (and on each
   * named index for Query), plus the key permissions its encryption needs.
   */
  bindTable(table: ITable, envName: string | undefined, binding: TableBinding): this {
    if (envName) this.addEnvironment(envName, table.tableName);
    const resources = [table.tableArn];
    for (const index of binding.indexes ?? []) resources.push(`${table.tableArn}/index/${index}`);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...binding.actions],
        resources,
        ...(binding.leadingKeys
          ? {
              conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...binding.leadingKeys] } },
            }
          : {}),
      }),
    );
    const writes = binding.actions.some((a) => a !== 'dynamodb:GetItem' && a !== 'dynamodb:Query');
    if (table.encryptionKey) this.allowKey(table.encryptionKey, writes);
    return this;
  }

  /** Read-only Query on tables and indexes given by ARN (the data map's sources). */
  allowQuery(resourceArns: readonly string[]): this {
    if (resourceArns.length === 0) return this;
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dynamodb:Query'], resources: [...resourceArns] }),
    );
    return this;
  }

  /**
   * kms:Decrypt on the customer-managed keys of tables it reads, only when DynamoDB asks on its
   * behalf (kms:ViaService, in each key's region): the key cannot be used directly.
   */
  allowTableKeys(keyArns: readonly string[]): this {
    const byRegion = new Map<string, string[]>();
    for (const arn of new Set(keyArns)) {
      const region = arn.split(':')[3] ?? '';
      byRegion.set(region, [...(byRegion.get(region) ?? []), arn]);
    }
    for (const [region, resources] of byRegion) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources,
          conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${region}.amazonaws.com` } },
        }),
      );
    }
    return this;
  }

  /** Sets `envName` to the bucket's name and grants object access on the given prefixes only. */
  bindBucket(bucket: IBucket, envName: string | undefined, binding: BucketBinding): this {
    if (envName) this.addEnvironment(envName, bucket.bucketName);
    const objects = (prefixes: readonly string[] | undefined) =>
      (prefixes ?? []).map((prefix) => bucket.arnForObjects(`${prefix}*`));
    const grant = (actions: string[], resources: string[]) => {
      if (resources.length > 0) this.role.addToPrincipalPolicy(new PolicyStatement({ actions, resources }));
    };
    grant(['s3:GetObject'], objects(binding.read));
    grant(['s3:PutObject', 's3:AbortMultipartUpload'], objects(binding.write));
    grant(['s3:DeleteObject'], objects(binding.delete));
    const listed = binding.list ?? [];
    if (listed.length > 0) {
      // ListBucket is a bucket action: the s3:prefix condition is what keeps it to these folders.
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': listed.map((prefix) => `${prefix}*`) } },
        }),
      );
    }
    this.acknowledgePrefixes(bucket, binding);
    if (bucket.encryptionKey) this.allowKey(bucket.encryptionKey, (binding.write ?? []).length > 0);
    return this;
  }

  /**
   * Object keys hold a request id chosen at run time, so a prefix wildcard is the narrowest grant
   * there is: one acknowledgement per prefix, naming what the function does there.
   */
  private acknowledgePrefixes(bucket: IBucket, binding: BucketBinding): void {
    const arn = nagName(this, bucket.bucketArn);
    if (!arn) return;
    const uses = new Map<string, string[]>();
    const note = (prefixes: readonly string[] | undefined, verb: string) => {
      for (const prefix of prefixes ?? []) uses.set(prefix, [...(uses.get(prefix) ?? []), verb]);
    };
    note(binding.read, 'reads');
    note(binding.write, 'writes');
    note(binding.delete, 'deletes');
    for (const [prefix, verbs] of uses) {
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${arn}/${prefix}*]`,
        reason: `${this.node.id} ${verbs.join(' and ')} objects under ${prefix} only; each key holds a request id known only at run time (${prefix}<requestId>/…), so the prefix is the narrowest resource.`,
      });
    }
  }

  /** PutEvents on this bus only; sets EVENT_BUS_NAME and EVENT_SOURCE. */
  bindEventBus(bus: IEventBus, source: string): this {
    this.addEnvironment('EVENT_BUS_NAME', bus.eventBusName).addEnvironment('EVENT_SOURCE', source);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] }),
    );
    return this;
  }

  /**
   * Decrypt for readers; writers also need GenerateDataKey (S3 SSE-KMS, DynamoDB) and Encrypt.
   * Listed one by one: `kms:GenerateDataKey*` would also allow the key-pair variants.
   */
  allowKey(key: IKey, write: boolean): this {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: write
          ? ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']
          : ['kms:Decrypt', 'kms:DescribeKey'],
        resources: [key.keyArn],
      }),
    );
    return this;
  }

  /** Sets `envName` to an HMAC key's ARN and allows GenerateMac with it, nothing else. */
  bindMacKey(key: IKey, envName: string): this {
    this.addEnvironment(envName, key.keyArn);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['kms:GenerateMac'], resources: [key.keyArn] }),
    );
    return this;
  }

  /** ARN of a DynamoDB table given by name or ARN, in this stack's account and region. */
  static tableArn(scope: Construct, nameOrArn: string): string {
    if (nameOrArn.startsWith('arn:')) return nameOrArn;
    return Stack.of(scope).formatArn({ service: 'dynamodb', resource: 'table', resourceName: nameOrArn });
  }
}

/** How cdk-nag prints an ARN token in a finding id (an import's name, or <LogicalId.Attribute>). */
function nagName(scope: Construct, value: string): string | undefined {
  const resolved: unknown = Stack.of(scope).resolve(value);
  if (typeof resolved === 'string') return resolved;
  if (resolved && typeof resolved === 'object') {
    const imported = (resolved as Record<string, unknown>)['Fn::ImportValue'];
    if (typeof imported === 'string') return imported;
    const attribute = (resolved as Record<string, unknown>)['Fn::GetAtt'];
    if (Array.isArray(attribute) && attribute.length === 2) return `<${attribute[0]}.${attribute[1]}>`;
  }
  return undefined;
}

/** CloudWatch Logs accepts only certain retention periods; say which when another is configured. */
export function logRetentionOf(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter((v): v is RetentionDays => typeof v === 'number');
  if (!allowed.includes(days as RetentionDays)) {
    throw new DeployConfigError(
      `logRetentionDays ${days} is not a CloudWatch Logs retention; use one of ${allowed.filter((d) => d > 0).join(', ')}`,
    );
  }
  return days as RetentionDays;
}
