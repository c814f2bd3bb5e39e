import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDbBucketStore } from '../adapters/dynamodb/dynamodb-bucket-store';
import { DynamoDbDeliveryOutbox } from '../adapters/dynamodb/dynamodb-delivery-outbox';
import { DynamoDbExportSlots } from '../adapters/dynamodb/dynamodb-export-slots';
import { DynamoDbGrantRepository } from '../adapters/dynamodb/dynamodb-grant-repository';
import { DynamoDbPlayerRequestHistory } from '../adapters/dynamodb/dynamodb-player-request-history';
import { DynamoDbRequestRepository } from '../adapters/dynamodb/dynamodb-request-repository';
import { DynamoDbSourceReader } from '../adapters/dynamodb/dynamodb-source-reader';
import { EventBridgeEventPublisher } from '../adapters/eventbridge/eventbridge-event-publisher';
import { KmsPseudonymKeys } from '../adapters/kms/kms-pseudonym-keys';
import { S3ObjectStore } from '../adapters/s3/s3-object-store';
import { S3Presigner } from '../adapters/s3/s3-presigner';
import { SesMailer } from '../adapters/ses/ses-mailer';
import { StepFunctionsExecutions } from '../adapters/stepfunctions/step-functions-executions';
import { budgetKey } from '../core/collect/read-budget';
import { defaultDataMap } from '../core/data-map/default-data-map';
import { defaultPrivacyNotice } from '../core/data-map/default-privacy-notice';
import { defaultTranslations } from '../core/data-map/default-translations';
import { FailedLookupLimiter } from '../core/gateway/failed-lookup-limiter';
import type { GatewayDeps } from '../core/gateway/handle-gateway-request';
import type { ArchiveLocale } from '../core/i18n/archive-messages';
import { contentCatalog, contentKeys, localiser } from '../core/i18n/content';
import { MAIL_BUCKET, PacedMailer } from '../core/mail/paced-mailer';
import type { PortalDeps } from '../core/portal/player-requests';
import type { DeliverDeps } from '../core/requests/delivery';
import type { LifecycleDeps } from '../core/requests/lifecycle';
import type { MailFeedbackDeps } from '../core/requests/mail-feedback';
import type { PublishDeps } from '../core/requests/request-steps';
import { SharedTokenBucket } from '../core/token-bucket';
import {
  type Env,
  readCollectTimeBudgetMs,
  readEventsConfig,
  readExportsBucket,
  readGatewayConfig,
  readLinkSettings,
  readMailConfig,
  readPipelineTable,
  readPortalCallerRoleArn,
  readPseudonymKeyId,
  readReadBudgets,
  readSourceTables,
} from './config';
import { systemClock } from './system';

/**
 * The one composition root: every function's dependencies, built from the environment the
 * template gives it. On AWS the SDK clients take region and credentials from the Lambda
 * environment; locally the same code runs with the endpoint variables the local runtime sets
 * (AWS_ENDPOINT_URL), so nothing but the transport differs. Each builder reads only the settings
 * its function is given, so a missing variable fails that function's first call, by name.
 */

// One lazy getter per client: a function that never sends e-mail never constructs the SES client,
// and (the getters are marked pure) its bundle does not contain it either.
const dynamodbClient = /* @__PURE__ */ once(() => new DynamoDBClient({}));
// Path-style when pointed at an endpoint of our own (the local runtime); AWS needs virtual hosts.
const s3Client = /* @__PURE__ */ once(
  () =>
    new S3Client({
      forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL),
    }),
);
const eventsClient = /* @__PURE__ */ once(() => new EventBridgeClient({}));
const sesClient = /* @__PURE__ */ once(() => new SESv2Client({}));
const sfnClient = /* @__PURE__ */ once(() => new SFNClient({}));
const kmsClient = /* @__PURE__ */ once(() => new KMSClient({}));

export function requestsFromEnv(env: Env) {
  return new DynamoDbRequestRepository(dynamodbClient(), readPipelineTable(env), systemClock);
}

export function lifecycleDepsFromEnv(env: Env): LifecycleDeps {
  const events = readEventsConfig(env);
  return {
    requests: requestsFromEnv(env),
    events: new EventBridgeEventPublisher(eventsClient(), {
      eventBusName: events.eventBusName,
      source: events.eventSource,
    }),
    clock: systemClock,
  };
}

export function slotsFromEnv(env: Env) {
  return new DynamoDbExportSlots(dynamodbClient(), readPipelineTable(env));
}

/** plan, collect and build: the game's stores in, staged files and archives out. */
export function engineDepsFromEnv(env: Env) {
  return {
    reader: new DynamoDbSourceReader(dynamodbClient(), { tables: readSourceTables(env) }),
    store: storeFromEnv(env),
    dataMap: defaultDataMap,
    clock: systemClock,
  };
}

/**
 * collect-category: the engine with a reader that keeps to each table's read budget (the token
 * buckets live in the pipeline table, shared by every collector), and the key that pseudonymises
 * other players.
 */
export function collectDepsFromEnv(env: Env) {
  const buckets = new DynamoDbBucketStore(dynamodbClient(), readPipelineTable(env));
  const budgets = new Map(
    [...readReadBudgets(env)].map(([table, units]) => [
      table,
      new SharedTokenBucket(buckets, budgetKey(table), units),
    ]),
  );
  return {
    ...engineDepsFromEnv(env),
    reader: new DynamoDbSourceReader(dynamodbClient(), { tables: readSourceTables(env), budgets }),
    pseudonymKeys: new KmsPseudonymKeys(kmsClient(), readPseudonymKeyId(env)),
    timeBudgetMs: readCollectTimeBudgetMs(env),
  };
}

export function storeFromEnv(env: Env) {
  return new S3ObjectStore(s3Client(), readExportsBucket(env));
}

export function grantsFromEnv(env: Env) {
  return new DynamoDbGrantRepository(dynamodbClient(), readPipelineTable(env), { clock: systemClock });
}

export function outboxFromEnv(env: Env) {
  return new DynamoDbDeliveryOutbox(dynamodbClient(), readPipelineTable(env), systemClock);
}

export function publishDepsFromEnv(env: Env): PublishDeps {
  return {
    ...lifecycleDepsFromEnv(env),
    outbox: outboxFromEnv(env),
    grants: grantsFromEnv(env),
    settings: readLinkSettings(env),
  };
}

export function deliverDepsFromEnv(env: Env): DeliverDeps {
  const mail = readMailConfig(env);
  return {
    ...lifecycleDepsFromEnv(env),
    outbox: outboxFromEnv(env),
    // Every sender of this deployment (the delivery step, its schedule, a re-sent link) shares
    // one bucket, so together they keep to the account's SES sending rate.
    mailer: new PacedMailer(
      new SesMailer(sesClient(), {
        from: mail.mailFrom,
        ...(mail.sesConfigurationSet ? { configurationSetName: mail.sesConfigurationSet } : {}),
      }),
      new SharedTokenBucket(
        new DynamoDbBucketStore(dynamodbClient(), readPipelineTable(env)),
        MAIL_BUCKET,
        mail.mailPerSecond,
      ),
    ),
    reader: new DynamoDbSourceReader(dynamodbClient(), { tables: readSourceTables(env) }),
    dataMap: defaultDataMap,
  };
}

/** mail-events: SES's delivery reports onto the requests. */
export function mailFeedbackDepsFromEnv(env: Env): MailFeedbackDeps {
  return { requests: requestsFromEnv(env), clock: systemClock };
}

/** seed-demo: the demo game's tables, by the names the data map's tables resolve to. */
export function seedDepsFromEnv(env: Env) {
  return { dynamodb: dynamodbClient(), tables: readSourceTables(env) };
}

export function executionsFromEnv(stateMachineArn: string) {
  return new StepFunctionsExecutions(sfnClient(), stateMachineArn);
}

export function gatewayDepsFromEnv(env: Env): GatewayDeps {
  const { presignSeconds, portalUrl } = readGatewayConfig(env);
  const requests = requestsFromEnv(env);
  const bucket = readExportsBucket(env);
  return {
    grants: grantsFromEnv(env),
    requests,
    archives: storeFromEnv(env),
    presigner: new S3Presigner(s3Client(), bucket),
    clock: systemClock,
    recordDownload: async (grant, at, part) => {
      await requests.appendAudit({
        requestId: grant.requestId,
        at,
        action: 'download',
        // Downloads used of allowed, and which part: no personal data in the audit trail.
        detail: `${grant.downloads}/${grant.maxDownloads}${part ? ` (part ${part.volume} of ${part.of})` : ''}`,
      });
      await requests.countDownload(grant.requestId, at);
    },
    // One per instance (module scope): the inner limit; the HTTP API's throttling is the outer one.
    limiter: new FailedLookupLimiter(),
    presignSeconds,
    ...(portalUrl ? { portalUrl } : {}),
    categoryTitle: categoryTitles(),
  };
}

/** portal-api: a player's requests from the byPlayer index, for the account portal. */
export function portalDepsFromEnv(env: Env): PortalDeps {
  const allowedCallerRoleArn = readPortalCallerRoleArn(env);
  return {
    history: new DynamoDbPlayerRequestHistory(dynamodbClient(), readPipelineTable(env), systemClock),
    ...(allowedCallerRoleArn ? { allowedCallerRoleArn } : {}),
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

/** The data map's category titles in the player's language, for the landing page. */
function categoryTitles(): (categoryId: string, locale: ArchiveLocale) => string | undefined {
  const catalog = contentCatalog(defaultDataMap, defaultPrivacyNotice);
  return (categoryId, locale) =>
    localiser(catalog, defaultTranslations, locale)(contentKeys.categoryTitle(categoryId)) || undefined;
}
