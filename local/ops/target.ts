import { userInfo } from 'node:os';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { readLocalStackFile } from './local-stack-file';

/**
 * What `npm run ops` acts on: the local stack of a running `npm start`, or a deployment found by
 * its stacks' outputs. Everything else (the adapters, the use cases) is the same for both.
 */
export interface OpsTarget {
  kind: 'local' | 'aws';
  /** For messages: "the local stack (npm start, pid 123)", "deployment Prod (eu-west-1)". */
  description: string;
  /** SDK client settings: region, and locally the endpoint and the harness's key. */
  client: {
    region?: string;
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  /** The pipeline's table (requests, audit, outbox, grants). */
  tableName: string;
  /** Resources an action needs; absent when the deployment does not say (see `need`). */
  stateMachineArn?: string;
  gatewayBaseUrl?: string;
  eventBusName?: string;
  eventSource?: string;
  /** Local only: where e-mails are written. */
  outboxDir?: string;
  /** Who acts, for the audit trail: `local:<user>`, or the caller's IAM ARN. */
  actor(): Promise<string>;
  /** Why a resource is absent: the output to add. */
  missing: Partial<Record<OptionalResource, string>>;
}

export type OptionalResource = 'stateMachineArn' | 'gatewayBaseUrl' | 'eventBusName' | 'eventSource';

/** A target could not be found or lacks what a command needs (exit 1, one line). */
export class OpsTargetError extends Error {
  override name = 'OpsTargetError';
}

export function need<K extends OptionalResource>(target: OpsTarget, resource: K): string {
  const value = target[resource];
  if (value) return value;
  throw new OpsTargetError(target.missing[resource] ?? `${target.description} does not say its ${resource}`);
}

export async function localTarget(file: string): Promise<OpsTarget> {
  const info = await readLocalStackFile(file);
  const tableName = info.outputs.PipelineTableName;
  if (!tableName) throw new OpsTargetError('The local stack has no PipelineTableName output');
  const user = userInfo().username;
  const gateway = info.outputs.DownloadBaseUrl ?? info.gatewayUrl;
  return {
    kind: 'local',
    description: `the local stack (npm start, pid ${info.pid})`,
    client: { region: info.region, endpoint: info.endpoint, credentials: info.credentials },
    tableName,
    ...optional('stateMachineArn', info.outputs.StateMachineArn),
    ...optional('gatewayBaseUrl', gateway?.replace(/\/+$/, '')),
    eventBusName: info.events.busName,
    eventSource: info.events.source,
    outboxDir: info.outboxDir,
    actor: async () => `local:${user}`,
    missing: {
      stateMachineArn: 'The local stack has no StateMachineArn output',
      gatewayBaseUrl: 'The local stack has no DownloadBaseUrl output',
    },
  };
}

/**
 * A deployment, by its deploymentName: the outputs of `<name>Stateful` and `<name>Pipeline`
 * (CloudFormation DescribeStacks), with the credentials and region of the environment.
 */
export async function awsTarget(deploymentName: string): Promise<OpsTarget> {
  const cloudFormation = new CloudFormationClient({});
  const region = await cloudFormation.config.region();
  const stateful = await stackOutputs(cloudFormation, `${deploymentName}Stateful`, region);
  const pipeline = await stackOutputs(cloudFormation, `${deploymentName}Pipeline`, region);
  cloudFormation.destroy();
  const tableName = stateful.PipelineTableName;
  if (!tableName) {
    throw new OpsTargetError(`Stack ${deploymentName}Stateful has no PipelineTableName output`);
  }
  const lacks = (stack: string, output: string, what: string) =>
    `Stack ${deploymentName}${stack} has no ${output} output (${what}); deploy a version that has it`;
  let caller: string | undefined;
  return {
    kind: 'aws',
    description: `deployment ${deploymentName} (${region})`,
    client: { region },
    tableName,
    ...optional('stateMachineArn', pipeline.StateMachineArn),
    ...optional('gatewayBaseUrl', pipeline.DownloadBaseUrl?.replace(/\/+$/, '')),
    ...optional('eventBusName', pipeline.EventBusName),
    ...optional('eventSource', pipeline.PipelineEventSource),
    actor: async () => {
      if (!caller) {
        const sts = new STSClient({ region });
        const identity = await sts.send(new GetCallerIdentityCommand({}));
        sts.destroy();
        if (!identity.Arn) throw new OpsTargetError('STS GetCallerIdentity gave no ARN');
        caller = identity.Arn;
      }
      return caller;
    },
    missing: {
      stateMachineArn: lacks('Pipeline', 'StateMachineArn', 'the export workflow'),
      gatewayBaseUrl: lacks('Pipeline', 'DownloadBaseUrl', 'where links point'),
      eventBusName: lacks('Pipeline', 'EventBusName', 'where ExportStatusChanged goes'),
      eventSource: lacks('Pipeline', 'PipelineEventSource', 'the source of ExportStatusChanged'),
    },
  };
}

async function stackOutputs(
  client: CloudFormationClient,
  stackName: string,
  region: string,
): Promise<Record<string, string>> {
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    return Object.fromEntries(
      (Stacks?.[0]?.Outputs ?? []).flatMap((o) =>
        o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [],
      ),
    );
  } catch (error) {
    if ((error as { name?: string }).name === 'ValidationError') {
      throw new OpsTargetError(
        `No stack ${stackName} in ${region}: --stack takes the deployment's name (deploymentName), e.g. PlayerDataExport`,
      );
    }
    throw error;
  }
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}
