import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDbGrantRepository } from '../adapters/dynamodb/dynamodb-grant-repository';
import { DynamoDbRequestRepository } from '../adapters/dynamodb/dynamodb-request-repository';
import { DynamoDbSourceReader } from '../adapters/dynamodb/dynamodb-source-reader';
import { EventBridgeEventPublisher } from '../adapters/eventbridge/eventbridge-event-publisher';
import { S3ObjectStore } from '../adapters/s3/s3-object-store';
import { SesMailer } from '../adapters/ses/ses-mailer';
import { defaultDataMap } from '../core/data-map/default-data-map';
import type { ExportDeps } from '../core/export/export-steps';
import type { GrantRepository } from '../core/ports';
import type { LifecycleDeps } from '../core/requests/lifecycle';
import type { RequestStepsDeps } from '../core/requests/request-steps';
import { type Env, readConfig, readDeliveryConfig, readExportConfig } from './config';
import { randomIds, systemClock } from './system';

/**
 * The composition root on AWS: SDK clients made once per container and passed in; region and
 * credentials come from the Lambda environment. Each builder reads only the settings its
 * function is given, so a missing variable fails that function's first call, by name.
 */

// One lazy getter per client: a function that never sends e-mail never constructs (or, once
// bundled, contains) the SES client.
const dynamodbClient = once(() => new DynamoDBClient({}));
// Path-style only when pointed at a local S3 (s3rver has no virtual-hosted buckets).
const s3Client = once(() => new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) }));
const eventsClient = once(() => new EventBridgeClient({}));
const sesClient = once(() => new SESv2Client({}));

export function lifecycleDepsFromEnv(env: Env): LifecycleDeps {
  const config = readConfig(env);
  return {
    requests: new DynamoDbRequestRepository(dynamodbClient(), config.pipelineTable, systemClock),
    events: new EventBridgeEventPublisher(eventsClient(), {
      eventBusName: config.eventBusName,
      source: config.eventSource,
    }),
    clock: systemClock,
  };
}

export function exportDepsFromEnv(env: Env): ExportDeps {
  const config = readExportConfig(env);
  return {
    reader: new DynamoDbSourceReader(dynamodbClient()),
    store: new S3ObjectStore(s3Client(), config.exportsBucket),
    dataMap: defaultDataMap,
    clock: systemClock,
    ids: randomIds,
  };
}

export function grantsFromEnv(env: Env): GrantRepository {
  return new DynamoDbGrantRepository(dynamodbClient(), readConfig(env).pipelineTable, {
    clock: systemClock,
  });
}

export function requestStepsDepsFromEnv(env: Env): RequestStepsDeps {
  const config = readDeliveryConfig(env);
  return {
    ...lifecycleDepsFromEnv(env),
    grants: grantsFromEnv(env),
    mailer: new SesMailer(sesClient(), {
      from: config.mailFrom,
      ...(config.sesConfigurationSet ? { configurationSetName: config.sesConfigurationSet } : {}),
    }),
    reader: new DynamoDbSourceReader(dynamodbClient()),
    dataMap: defaultDataMap,
    settings: {
      gatewayBaseUrl: config.gatewayBaseUrl,
      linkTtlSeconds: config.linkTtlSeconds,
      maxDownloads: config.maxDownloads,
    },
  };
}

/** Builds a value on first use and keeps it for the container's life (config read once). */
export function once<T>(build: () => T): () => T {
  let value: T | undefined;
  let built = false;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}
