// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${…} is CloudFormation's Fn::Sub syntax here
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Deployment,
  readDeployment,
  type StackTemplate,
  type Template,
  TemplateError,
} from '../../local/runtime/deployment';
import { repoRoot, synthesizeTemplates } from '../../local/runtime/synth';

// Two small hand-written stacks: Shared creates the data stores and exports two values; App imports
// them and holds everything that runs. Resolution follows the CloudFormation User Guide
// ("Intrinsic function reference", "Pseudo parameters reference") and each resource type's
// "Return values".

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const ENDPOINT = 'http://127.0.0.1:4321/gateway';

const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/Shared-PipelineTable1E39`;
const QUEUE_NAME = 'App-Dlq9A1B';
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:${QUEUE_NAME}`;
const QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${QUEUE_NAME}`;
const WORKER_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:App-WorkerFn`;
const NAMED_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:named-fn`;

function sharedStack(): StackTemplate {
  return {
    stackName: 'Shared',
    template: {
      Resources: {
        DataKey: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } },
        PipelineTable1E39: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'sk', KeyType: 'RANGE' },
            ],
            AttributeDefinitions: [
              { AttributeName: 'pk', AttributeType: 'S' },
              { AttributeName: 'sk', AttributeType: 'S' },
              { AttributeName: 'status', AttributeType: 'S' },
              { AttributeName: 'createdAt', AttributeType: 'N' },
            ],
            GlobalSecondaryIndexes: [
              {
                IndexName: 'byStatus',
                KeySchema: [
                  { AttributeName: 'status', KeyType: 'HASH' },
                  { AttributeName: 'createdAt', KeyType: 'RANGE' },
                ],
                Projection: { ProjectionType: 'KEYS_ONLY' },
              },
            ],
            BillingMode: 'PAY_PER_REQUEST',
            SSESpecification: {
              SSEEnabled: true,
              SSEType: 'KMS',
              KMSMasterKeyId: { 'Fn::GetAtt': ['DataKey', 'Arn'] },
            },
          },
        },
        Players: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            TableName: 'players',
            KeySchema: [{ AttributeName: 'playerId', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'playerId', AttributeType: 'S' }],
          },
        },
        ExportsBucketC0FFEE: {
          Type: 'AWS::S3::Bucket',
          Properties: {
            BucketEncryption: {
              ServerSideEncryptionConfiguration: [
                // A key id (Ref), not an ARN: the deployment gives the key's ARN.
                {
                  ServerSideEncryptionByDefault: {
                    SSEAlgorithm: 'aws:kms',
                    KMSMasterKeyID: { Ref: 'DataKey' },
                  },
                },
              ],
            },
          },
        },
        PlainBucket: {
          Type: 'AWS::S3::Bucket',
          Properties: {
            BucketName: 'given-bucket-name',
            BucketEncryption: {
              ServerSideEncryptionConfiguration: [
                { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
              ],
            },
          },
        },
      },
      Outputs: {
        TableArnOut: {
          Value: { 'Fn::GetAtt': ['PipelineTable1E39', 'Arn'] },
          Export: { Name: 'Shared:TableArn' },
        },
        KeyArnOut: {
          Value: { 'Fn::GetAtt': ['DataKey', 'Arn'] },
          // The export's name is itself resolved.
          Export: { Name: { 'Fn::Sub': '${AWS::StackName}:KeyArn' } },
        },
        BucketName: { Value: { Ref: 'ExportsBucketC0FFEE' } },
      },
    },
  };
}

function appStack(): StackTemplate {
  const workerArn = { 'Fn::GetAtt': ['WorkerFn', 'Arn'] };
  return {
    stackName: 'App',
    template: {
      Resources: {
        Dlq9A1B: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 1_209_600 } },
        WorkerRole: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: {
              Statement: [
                { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
              ],
            },
            Policies: [
              {
                PolicyName: 'inline',
                PolicyDocument: {
                  Version: '2012-10-17',
                  Statement: [
                    {
                      Effect: 'Allow',
                      Action: 'dynamodb:GetItem',
                      Resource: { 'Fn::ImportValue': 'Shared:TableArn' },
                    },
                  ],
                },
              },
            ],
          },
        },
        WorkerRoleDefaultPolicy: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyName: 'WorkerRoleDefaultPolicy',
            Roles: [{ Ref: 'WorkerRole' }],
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 'dynamodb:Query',
                  Resource: { 'Fn::Join': ['', [{ 'Fn::ImportValue': 'Shared:TableArn' }, '/index/*']] },
                },
              ],
            },
          },
        },
        MachineRole: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'machine-role' } },
        WorkerFn: {
          Type: 'AWS::Lambda::Function',
          Metadata: {
            'player-data-export:entry': 'functions/plan-export/handler.ts',
            'player-data-export:embedded': { '#data-map': 'games/live/data-map.json' },
          },
          Properties: {
            Handler: 'index.handler',
            Role: { 'Fn::GetAtt': ['WorkerRole', 'Arn'] },
            Timeout: 30,
            MemorySize: 512,
            DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': ['Dlq9A1B', 'Arn'] } },
            Environment: {
              Variables: {
                PLAIN: 'as written',
                NUMBER: 5,
                TABLE_NAME: {
                  'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::ImportValue': 'Shared:TableArn' }] }],
                },
                KEY_ARN: { 'Fn::ImportValue': { 'Fn::Sub': 'Shared:KeyArn' } },
                QUEUE_URL: { Ref: 'Dlq9A1B' },
                QUEUE_NAME: { 'Fn::GetAtt': 'Dlq9A1B.QueueName' },
                PSEUDO: {
                  'Fn::Join': [
                    '|',
                    [
                      { Ref: 'AWS::AccountId' },
                      { Ref: 'AWS::Region' },
                      { Ref: 'AWS::Partition' },
                      { Ref: 'AWS::URLSuffix' },
                      { Ref: 'AWS::StackName' },
                    ],
                  ],
                },
                SUB_REGION: { 'Fn::Sub': 'https://events.${AWS::Region}.${AWS::URLSuffix}' },
                SUB_ATTRIBUTE: { 'Fn::Sub': 'dlq=${Dlq9A1B.Arn}' },
                SUB_REF: { 'Fn::Sub': 'role=${WorkerRole}' },
                SUB_VARIABLES: {
                  'Fn::Sub': [
                    '${Table}/index/${Index}',
                    { Table: { 'Fn::ImportValue': 'Shared:TableArn' }, Index: 'byStatus' },
                  ],
                },
                SUB_LITERAL: { 'Fn::Sub': '${!Literal} and ${!AWS::Region} stay; ${AWS::Region} does not' },
                GATEWAY: { 'Fn::GetAtt': ['HttpApi', 'ApiEndpoint'] },
              },
            },
          },
        },
        NamedFn: {
          Type: 'AWS::Lambda::Function',
          Metadata: { 'player-data-export:entry': 'functions/download-gateway/handler.ts' },
          Properties: {
            FunctionName: 'named-fn',
            Handler: 'handler.main',
            Role: { 'Fn::GetAtt': ['WorkerRole', 'Arn'] },
            LoggingConfig: { LogGroup: { Ref: 'NamedLogs' } },
          },
        },
        NamedLogs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/aws/lambda/named-fn' } },
        Workflow: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            RoleArn: { 'Fn::GetAtt': ['MachineRole', 'Arn'] },
            DefinitionString: {
              'Fn::Join': [
                '',
                [
                  '{"StartAt":"Plan","States":{"Plan":{"Type":"Task","Resource":"',
                  workerArn,
                  '","Next":"Each"},"Each":{"Type":"Map","MaxConcurrency":4,"ItemProcessor":{"StartAt":"One","States":{"One":{"Type":"Task","Resource":"',
                  { 'Fn::GetAtt': ['NamedFn', 'Arn'] },
                  '","End":true}}},"End":true}}}',
                ],
              ],
            },
          },
        },
        OnRequestRule: {
          Type: 'AWS::Events::Rule',
          Properties: {
            EventPattern: { source: ['game.account-portal'], 'detail-type': ['ExportRequested'] },
            State: 'ENABLED',
            Targets: [
              {
                Id: 'Target0',
                Arn: workerArn,
                RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
                DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['Dlq9A1B', 'Arn'] } },
              },
            ],
          },
        },
        SweepRule: {
          Type: 'AWS::Events::Rule',
          Properties: {
            Name: 'sweep-rule',
            EventBusName: 'default',
            ScheduleExpression: 'rate(15 minutes)',
            State: 'DISABLED',
            Targets: [{ Id: 'Target0', Arn: { 'Fn::GetAtt': ['NamedFn', 'Arn'] } }],
          },
        },
        WorkerInvokeByRule: {
          Type: 'AWS::Lambda::Permission',
          Properties: {
            Action: 'lambda:InvokeFunction',
            FunctionName: workerArn,
            Principal: 'events.amazonaws.com',
            SourceArn: { 'Fn::GetAtt': ['OnRequestRule', 'Arn'] },
          },
        },
        NamedInvokeByName: {
          Type: 'AWS::Lambda::Permission',
          Properties: {
            Action: 'lambda:InvokeFunction',
            FunctionName: 'named-fn',
            Principal: 'events.amazonaws.com',
          },
        },
        NamedInvokeQualified: {
          Type: 'AWS::Lambda::Permission',
          Properties: {
            Action: 'lambda:InvokeFunction',
            FunctionName: { 'Fn::Join': [':', [{ 'Fn::GetAtt': ['NamedFn', 'Arn'] }, '$LATEST']] },
            Principal: 'apigateway.amazonaws.com',
          },
        },
        HttpApi: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'gateway', ProtocolType: 'HTTP' } },
        HttpIntegration: {
          Type: 'AWS::ApiGatewayV2::Integration',
          Properties: {
            ApiId: { Ref: 'HttpApi' },
            IntegrationType: 'AWS_PROXY',
            IntegrationUri: { 'Fn::GetAtt': ['NamedFn', 'Arn'] },
            PayloadFormatVersion: '2.0',
          },
        },
        GetRoute: {
          Type: 'AWS::ApiGatewayV2::Route',
          Properties: {
            ApiId: { Ref: 'HttpApi' },
            RouteKey: 'GET /d/{token}',
            Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'HttpIntegration' }]] },
          },
        },
        DefaultRoute: {
          Type: 'AWS::ApiGatewayV2::Route',
          Properties: {
            ApiId: { Ref: 'HttpApi' },
            RouteKey: '$default',
            Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'HttpIntegration' }]] },
          },
        },
        DefaultStage: {
          Type: 'AWS::ApiGatewayV2::Stage',
          Properties: {
            ApiId: { Ref: 'HttpApi' },
            StageName: '$default',
            AutoDeploy: true,
            DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
          },
        },
        Sender: { Type: 'AWS::SES::EmailIdentity', Properties: { EmailIdentity: 'privacy@example.com' } },
      },
      Outputs: {
        ApiUrl: { Value: { 'Fn::GetAtt': ['HttpApi', 'ApiEndpoint'] } },
        QueueUrl: { Value: { Ref: 'Dlq9A1B' } },
        ImportedTable: { Value: { 'Fn::ImportValue': 'Shared:TableArn' } },
        MachineArn: { Value: { Ref: 'Workflow' } },
      },
    },
  };
}

function deploy(stacks: StackTemplate[] = [sharedStack(), appStack()]) {
  const asked: string[] = [];
  const deployment = readDeployment(stacks, {
    httpApiEndpoint: (logicalId) => {
      asked.push(logicalId);
      return ENDPOINT;
    },
  });
  return { deployment, asked };
}

function fn(deployment: Deployment, logicalId: string) {
  const found = deployment.functions.find((f) => f.logicalId === logicalId);
  if (!found) throw new Error(`no function ${logicalId}`);
  return found;
}

/** The TemplateError `run` throws (fails the test if it throws something else or nothing). */
function templateError(run: () => unknown): TemplateError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return error as TemplateError;
  }
  throw new Error('expected a TemplateError, nothing was thrown');
}

/** The environment variables of App's WorkerFn, to change. */
function variablesOf(resources: Template['Resources']): Record<string, unknown> {
  const properties = resources.WorkerFn?.Properties as {
    Environment: { Variables: Record<string, unknown> };
  };
  return properties.Environment.Variables;
}

/** The App stack with one change to its resources. */
function appWith(change: (resources: Template['Resources']) => void): StackTemplate {
  const app = appStack();
  change(app.template.Resources);
  return app;
}

describe('readDeployment: intrinsic functions', () => {
  const { deployment } = deploy();
  const env = fn(deployment, 'WorkerFn').environment;
  const keyArn = deployment.outputs.Shared?.KeyArnOut ?? '';

  it('passes literals through and makes every value a string', () => {
    expect(env.PLAIN).toBe('as written');
    expect(env.NUMBER).toBe('5');
  });

  it('Ref gives each resource type its Ref value; pseudo parameters are the local account and region', () => {
    expect(env.QUEUE_URL).toBe(QUEUE_URL);
    expect(env.PSEUDO).toBe(`${ACCOUNT}|${REGION}|aws|amazonaws.com|App`);
  });

  it('Fn::GetAtt in both forms: [logicalId, attribute] and "logicalId.attribute"', () => {
    expect(fn(deployment, 'WorkerFn').deadLetterArn).toBe(QUEUE_ARN);
    expect(env.QUEUE_NAME).toBe(QUEUE_NAME);
  });

  it('Fn::ImportValue reads the value another stack exports (also when the name is itself an intrinsic)', () => {
    expect(deployment.outputs.App?.ImportedTable).toBe(TABLE_ARN);
    expect(env.KEY_ARN).toBe(keyArn);
    expect(keyArn).toMatch(/^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f]{32}$/);
  });

  it('Fn::Select of Fn::Split', () => {
    // arn:aws:dynamodb:…:table/<name> split on "/" → [arn…:table, <name>]
    expect(env.TABLE_NAME).toBe('Shared-PipelineTable1E39');
  });

  it('Fn::Join', () => {
    const role = deployment.roles.get(`arn:aws:iam::${ACCOUNT}:role/App-WorkerRole`);
    expect(role?.policies[1]).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'dynamodb:Query', Resource: `${TABLE_ARN}/index/*` }],
    });
  });

  it('Fn::Sub: pseudo parameters, ${Resource.Attribute}, ${Resource}, a variable map', () => {
    expect(env.SUB_REGION).toBe('https://events.us-east-1.amazonaws.com');
    expect(env.SUB_ATTRIBUTE).toBe(`dlq=${QUEUE_ARN}`);
    expect(env.SUB_REF).toBe('role=App-WorkerRole');
    expect(env.SUB_VARIABLES).toBe(`${TABLE_ARN}/index/byStatus`);
  });

  it('Fn::Sub: ${!Literal} is written as ${Literal}, unresolved', () => {
    expect(env.SUB_LITERAL).toBe('${Literal} and ${AWS::Region} stay; us-east-1 does not');
  });

  it("the HTTP API's ApiEndpoint is what httpApiEndpoint answers for the API's logical id", () => {
    const { deployment: d, asked } = deploy();
    expect(fn(d, 'WorkerFn').environment.GATEWAY).toBe(ENDPOINT);
    expect(d.outputs.App?.ApiUrl).toBe(ENDPOINT);
    expect(new Set(asked)).toEqual(new Set(['HttpApi']));
  });

  it('resolves the Outputs of every stack, by stack name', () => {
    expect(deployment.outputs).toEqual({
      Shared: {
        TableArnOut: TABLE_ARN,
        KeyArnOut: keyArn,
        BucketName: 'shared-exportsbucketc0ffee',
      },
      App: {
        ApiUrl: ENDPOINT,
        QueueUrl: QUEUE_URL,
        ImportedTable: TABLE_ARN,
        MachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:App-Workflow`,
      },
    });
  });
});

describe('readDeployment: resources', () => {
  const { deployment } = deploy();
  const keyArn = deployment.outputs.Shared?.KeyArnOut ?? '';

  it('tables: name, ARN, key schema, GSIs (name and keys), KMS key from SSESpecification', () => {
    expect(deployment.tables).toEqual([
      {
        name: 'Shared-PipelineTable1E39',
        arn: TABLE_ARN,
        partitionKey: 'pk',
        keySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        attributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'status', AttributeType: 'S' },
          { AttributeName: 'createdAt', AttributeType: 'N' },
        ],
        indexes: [
          {
            IndexName: 'byStatus',
            KeySchema: [
              { AttributeName: 'status', KeyType: 'HASH' },
              { AttributeName: 'createdAt', KeyType: 'RANGE' },
            ],
          },
        ],
        kmsKeyArn: keyArn,
      },
      {
        name: 'players',
        arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/players`,
        partitionKey: 'playerId',
        keySchema: [{ AttributeName: 'playerId', KeyType: 'HASH' }],
        attributeDefinitions: [{ AttributeName: 'playerId', AttributeType: 'S' }],
        indexes: [],
      },
    ]);
  });

  it('buckets: generated names are lower-case, given names kept; KMS key (id → ARN) from BucketEncryption', () => {
    expect(deployment.buckets).toEqual([
      {
        name: 'shared-exportsbucketc0ffee',
        arn: 'arn:aws:s3:::shared-exportsbucketc0ffee',
        kmsKeyArn: keyArn,
      },
      // SSE-S3 (AES256): no key the caller needs a permission on.
      { name: 'given-bucket-name', arn: 'arn:aws:s3:::given-bucket-name' },
    ]);
  });

  it('functions: entry and embedded files metadata, handler export, timeout, memory, role, DLQ', () => {
    const worker = fn(deployment, 'WorkerFn');
    expect({ ...worker, environment: undefined }).toEqual({
      logicalId: 'WorkerFn',
      name: 'App-WorkerFn',
      arn: WORKER_ARN,
      entry: 'functions/plan-export/handler.ts',
      embedded: { '#data-map': 'games/live/data-map.json' },
      handlerExport: 'handler',
      environment: undefined,
      timeoutSeconds: 30,
      memoryMb: 512,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/App-WorkerRole`,
      deadLetterArn: QUEUE_ARN,
    });
  });

  it("functions: a given FunctionName, Lambda's defaults (3 s, 128 MB), the log group's ARN", () => {
    expect(fn(deployment, 'NamedFn')).toEqual({
      logicalId: 'NamedFn',
      name: 'named-fn',
      arn: NAMED_ARN,
      entry: 'functions/download-gateway/handler.ts',
      embedded: {},
      handlerExport: 'main',
      environment: {},
      timeoutSeconds: 3,
      memoryMb: 128,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/App-WorkerRole`,
      logGroupArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/named-fn:*`,
    });
  });

  it('roles: by ARN, with inline policies first, then the AWS::IAM::Policy documents attached to them', () => {
    expect([...deployment.roles.keys()]).toEqual([
      `arn:aws:iam::${ACCOUNT}:role/App-WorkerRole`,
      `arn:aws:iam::${ACCOUNT}:role/machine-role`,
    ]);
    const worker = deployment.roles.get(`arn:aws:iam::${ACCOUNT}:role/App-WorkerRole`);
    expect(worker?.name).toBe('App-WorkerRole');
    expect(worker?.policies).toEqual([
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE_ARN }],
      },
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'dynamodb:Query', Resource: `${TABLE_ARN}/index/*` }],
      },
    ]);
    expect(deployment.roles.get(`arn:aws:iam::${ACCOUNT}:role/machine-role`)).toEqual({
      arn: `arn:aws:iam::${ACCOUNT}:role/machine-role`,
      name: 'machine-role',
      policies: [],
    });
  });

  it('state machines: ARN, name, role, and the DefinitionString resolved and parsed', () => {
    expect(deployment.stateMachines).toEqual([
      {
        arn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:App-Workflow`,
        name: 'App-Workflow',
        roleArn: `arn:aws:iam::${ACCOUNT}:role/machine-role`,
        definition: {
          StartAt: 'Plan',
          States: {
            Plan: { Type: 'Task', Resource: WORKER_ARN, Next: 'Each' },
            Each: {
              Type: 'Map',
              MaxConcurrency: 4,
              ItemProcessor: {
                StartAt: 'One',
                States: { One: { Type: 'Task', Resource: NAMED_ARN, End: true } },
              },
              End: true,
            },
          },
        },
      },
    ]);
  });

  it('rules: pattern or schedule, state, targets with their retry policy and DLQ (else EventBridge defaults)', () => {
    expect(deployment.rules).toEqual([
      {
        name: 'App-OnRequestRule',
        arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/App-OnRequestRule`,
        busName: 'default',
        eventPattern: { source: ['game.account-portal'], 'detail-type': ['ExportRequested'] },
        enabled: true,
        targets: [
          {
            arn: WORKER_ARN,
            deadLetterArn: QUEUE_ARN,
            maximumRetryAttempts: 2,
            maximumEventAgeSeconds: 3600,
          },
        ],
      },
      {
        name: 'sweep-rule',
        arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/sweep-rule`,
        busName: 'default',
        scheduleExpression: 'rate(15 minutes)',
        enabled: false,
        // "RetryPolicy": 185 attempts, 24 hours by default (EventBridge User Guide).
        targets: [{ arn: NAMED_ARN, maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400 }],
      },
    ]);
  });

  it('rules: an EventPattern given as a JSON string is parsed', () => {
    const app = appWith((resources) => {
      const rule = resources.OnRequestRule as { Properties: Record<string, unknown> };
      rule.Properties.EventPattern = '{"source":["game.account-portal"]}';
    });
    const { deployment: d } = deploy([sharedStack(), app]);
    expect(d.rules[0]?.eventPattern).toEqual({ source: ['game.account-portal'] });
  });

  // Bug (deployment.ts, `AWS::Events::Rule.Arn`): a rule on a custom event bus has the ARN
  // arn:aws:events:<region>:<account>:rule/<bus-name>/<rule-name>; only rules on the default bus
  // have rule/<rule-name>. The runtime always gives rule/<rule-name>, so a Lambda permission's
  // SourceArn (or a policy) written for AWS would not match locally.
  it('rules: the ARN of a rule on a custom event bus names the bus', () => {
    const app = appWith((resources) => {
      const rule = resources.OnRequestRule as { Properties: Record<string, unknown> };
      rule.Properties.EventBusName = 'exports-bus';
    });
    const { deployment: d } = deploy([sharedStack(), app]);
    expect(d.rules[0]?.busName).toBe('exports-bus');
    expect(d.rules[0]?.arn).toBe(`arn:aws:events:${REGION}:${ACCOUNT}:rule/exports-bus/App-OnRequestRule`);
  });

  it('HTTP APIs: routes with their Lambda integration, $default, the stage throttle', () => {
    expect(deployment.httpApis).toHaveLength(1);
    const [api] = deployment.httpApis;
    expect(api?.logicalId).toBe('HttpApi');
    expect(api?.id).toMatch(/^[0-9a-f]{10}$/);
    expect(api?.routes).toHaveLength(2);
    expect(api?.routes[0]).toEqual({
      method: 'GET',
      path: '/d/{token}',
      routeKey: 'GET /d/{token}',
      functionArn: NAMED_ARN,
      payloadFormatVersion: '2.0',
    });
    expect(api?.routes[1]).toMatchObject({
      routeKey: '$default',
      functionArn: NAMED_ARN,
      payloadFormatVersion: '2.0',
    });
    expect(api?.throttle).toEqual({ rateLimit: 20, burstLimit: 40 });
  });

  it('HTTP APIs: no stage settings, no throttle; the API id is the same on every read', () => {
    const app = appWith((resources) => {
      delete resources.DefaultStage;
    });
    const once = deploy([sharedStack(), app]).deployment.httpApis[0];
    const again = deploy().deployment.httpApis[0];
    expect(once?.throttle).toBeUndefined();
    expect(once?.id).toBe(again?.id);
  });

  it('queues: name, ARN, URL', () => {
    expect(deployment.queues).toEqual([{ name: QUEUE_NAME, arn: QUEUE_ARN, url: QUEUE_URL }]);
  });

  it('Lambda permissions: by ARN, by name, and with a version qualifier (stripped)', () => {
    expect(deployment.permissions).toEqual([
      {
        functionArn: WORKER_ARN,
        principal: 'events.amazonaws.com',
        sourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/App-OnRequestRule`,
      },
      { functionArn: NAMED_ARN, principal: 'events.amazonaws.com' },
      { functionArn: NAMED_ARN, principal: 'apigateway.amazonaws.com' },
    ]);
  });

  it('SES identities', () => {
    expect(deployment.emailIdentities).toEqual(['privacy@example.com']);
  });
});

describe('readDeployment: template errors', () => {
  it('an unknown Fn::GetAtt attribute', () => {
    const app = appWith((resources) => {
      variablesOf(resources).BAD = { 'Fn::GetAtt': ['Dlq9A1B', 'Nope'] };
    });
    expect(templateError(() => deploy([sharedStack(), app])).message).toBe(
      'Fn::GetAtt Dlq9A1B.Nope (AWS::SQS::Queue): the local runtime does not know this attribute',
    );
  });

  it('an unknown attribute in Fn::Sub', () => {
    const app = appWith((resources) => {
      variablesOf(resources).BAD = { 'Fn::Sub': '${WorkerRole.RoleId}' };
    });
    expect(templateError(() => deploy([sharedStack(), app])).message).toContain('WorkerRole.RoleId');
  });

  it('an import nobody exports', () => {
    const app = appWith((resources) => {
      variablesOf(resources).BAD = { 'Fn::ImportValue': 'Shared:Nothing' };
    });
    expect(templateError(() => deploy([sharedStack(), app])).message).toBe(
      'App imports Shared:Nothing, which no stack exports',
    );
  });

  it('an import of a stack that is not part of the deployment', () => {
    expect(templateError(() => deploy([appStack()])).message).toBe(
      'App imports Shared:TableArn, which no stack exports',
    );
  });

  it('a function without entry metadata', () => {
    const app = appWith((resources) => {
      delete (resources.NamedFn as { Metadata?: unknown }).Metadata;
    });
    const error = templateError(() => deploy([sharedStack(), app]));
    expect(error.message).toContain('Function NamedFn names no source module');
    expect(error.message).toContain('player-data-export:entry');
  });

  it('a Ref to a resource the stack does not have', () => {
    const app = appWith((resources) => {
      variablesOf(resources).BAD = { Ref: 'Ghost' };
    });
    expect(templateError(() => deploy([sharedStack(), app])).message).toBe('App has no resource Ghost');
  });

  it('an intrinsic the runtime does not evaluate', () => {
    const app = appWith((resources) => {
      variablesOf(resources).BAD = { 'Fn::If': ['IsProd', 'a', 'b'] };
    });
    expect(templateError(() => deploy([sharedStack(), app])).message).toBe(
      'App: the local runtime does not evaluate Fn::If',
    );
  });

  it('a policy attached to a role no template creates', () => {
    const app = appWith((resources) => {
      const policy = resources.WorkerRoleDefaultPolicy as { Properties: Record<string, unknown> };
      policy.Properties.Roles = ['someone-elses-role'];
    });
    expect(templateError(() => deploy([sharedStack(), app])).message).toBe(
      'WorkerRoleDefaultPolicy attaches to role someone-elses-role, which no template creates',
    );
  });

  it('a route without a Lambda integration', () => {
    const app = appWith((resources) => {
      const route = resources.GetRoute as { Properties: Record<string, unknown> };
      route.Properties.Target = 'integrations/nothing';
    });
    expect(templateError(() => deploy([sharedStack(), app])).message).toBe(
      'Route GET /d/{token} has no Lambda integration',
    );
  });

  it('a state machine without a DefinitionString', () => {
    const app = appWith((resources) => {
      const machine = resources.Workflow as { Properties: Record<string, unknown> };
      machine.Properties.Definition = { StartAt: 'A', States: {} };
      delete machine.Properties.DefinitionString;
    });
    expect(templateError(() => deploy([sharedStack(), app])).message).toContain(
      'State machine Workflow has no DefinitionString',
    );
  });

  it('a table without a partition key', () => {
    const shared = sharedStack();
    const players = shared.template.Resources.Players as { Properties: Record<string, unknown> };
    players.Properties.KeySchema = [];
    expect(templateError(() => deploy([shared, appStack()])).message).toBe(
      'Table Players has no partition key',
    );
  });
});

/** Every state of a definition, nested ones included (Map and Parallel). */
function allStates(states: Record<string, Record<string, unknown>>): Record<string, unknown>[] {
  return Object.values(states).flatMap((state) => {
    const nested = (state.ItemProcessor ?? state.Iterator) as
      | { States: Record<string, Record<string, unknown>> }
      | undefined;
    const branches =
      (state.Branches as { States: Record<string, Record<string, unknown>> }[] | undefined) ?? [];
    return [
      state,
      ...(nested ? allStates(nested.States) : []),
      ...branches.flatMap((branch) => allStates(branch.States)),
    ];
  });
}

describe('readDeployment of the synthesized app', () => {
  it('resolves every function, environment, state machine and the gateway URL', {
    timeout: 120_000,
  }, async () => {
    const templates = await synthesizeTemplates({ cacheDir: '.local/cache' });
    const asked: string[] = [];
    const endpointOf = (logicalId: string) => `http://127.0.0.1:4321/${logicalId}`;
    const deployment = readDeployment(templates, {
      httpApiEndpoint: (logicalId) => {
        asked.push(logicalId);
        return endpointOf(logicalId);
      },
    });

    const templateFunctions = templates.flatMap((stack) =>
      Object.values(stack.template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function'),
    );
    expect(deployment.functions.length).toBe(templateFunctions.length);
    expect(deployment.functions.length).toBeGreaterThanOrEqual(9);
    const functionArns = new Set(deployment.functions.map((f) => f.arn));
    for (const f of deployment.functions) {
      const [, name] = /^functions\/([a-z0-9-]+)\/handler\.ts$/.exec(f.entry) ?? [];
      expect(name, f.logicalId).toBeDefined();
      expect(existsSync(join(repoRoot, f.entry)), f.entry).toBe(true);
      expect(f.arn).toBe(`arn:aws:lambda:us-east-1:000000000000:function:${f.name}`);
      expect(deployment.roles.has(f.roleArn), f.roleArn).toBe(true);
      for (const [variable, value] of Object.entries(f.environment)) {
        expect(typeof value, `${f.logicalId} ${variable}`).toBe('string');
        expect(value, `${f.logicalId} ${variable}`).not.toContain('[object Object]');
        expect(value, `${f.logicalId} ${variable}`).not.toContain('${');
        expect(value, `${f.logicalId} ${variable}`).not.toBe('undefined');
      }
    }

    expect(deployment.stateMachines.length).toBeGreaterThanOrEqual(1);
    for (const machine of deployment.stateMachines) {
      expect(typeof machine.definition.StartAt).toBe('string');
      const tasks = allStates(machine.definition.States as Record<string, Record<string, unknown>>).filter(
        (state) => state.Type === 'Task',
      );
      expect(tasks.length).toBeGreaterThan(0);
      for (const task of tasks)
        expect(functionArns.has(String(task.Resource)), String(task.Resource)).toBe(true);
    }

    for (const rule of deployment.rules) {
      for (const target of rule.targets) expect(functionArns.has(target.arn), target.arn).toBe(true);
    }

    expect(deployment.httpApis).toHaveLength(1);
    const [api] = deployment.httpApis;
    for (const route of api?.routes ?? [])
      expect(functionArns.has(route.functionArn), route.routeKey).toBe(true);
    expect(asked).toContain(api?.logicalId);
    const publish = deployment.functions.find((f) => f.entry === 'functions/publish-export/handler.ts');
    expect(publish?.environment.GATEWAY_BASE_URL).toBe(endpointOf(api?.logicalId ?? ''));
  });
});
