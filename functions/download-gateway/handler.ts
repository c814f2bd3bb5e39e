import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { z } from 'zod';
import { DynamoDbGrantRepository } from '../adapters/dynamodb/dynamodb-grant-repository';
import { DynamoDbRequestRepository } from '../adapters/dynamodb/dynamodb-request-repository';
import { S3Presigner } from '../adapters/s3/s3-presigner';
import { FailedLookupLimiter } from '../core/gateway/failed-lookup-limiter';
import { errorPage } from '../core/gateway/gateway-pages';
import { type GatewayDeps, handleGatewayRequest } from '../core/gateway/handle-gateway-request';
import { securityHeaders } from '../core/gateway/html';
import { ConfigError, type Env, readConfig, required } from '../runtime/config';
import { systemClock } from '../runtime/system';

/** The part of an API Gateway HTTP API (payload format 2.0) event the gateway reads. */
const httpApiEventSchema = z.object({
  version: z.literal('2.0'),
  rawPath: z.string(),
  headers: z.record(z.string(), z.string()).optional(),
  requestContext: z.object({
    http: z.object({
      method: z.string(),
      sourceIp: z.string(),
    }),
  }),
});

export type HttpApiEvent = z.input<typeof httpApiEventSchema>;

export interface HttpApiResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

/**
 * The Lambda behind `GET /d/{token}` and `POST /d/{token}/download`: wiring only. The request body
 * is never read (the form posts nothing the gateway needs). An event that is not an HTTP API v2
 * event (a wiring mistake, not the player's) gets the same plain 500 page as any other failure.
 */
export function createGatewayHandler(deps: GatewayDeps) {
  return middy<unknown, HttpApiResult>().handler(async (raw): Promise<HttpApiResult> => {
    const parsed = httpApiEventSchema.safeParse(raw);
    if (!parsed.success) {
      console.error(
        JSON.stringify({ level: 'error', event: 'gateway-bad-event', issues: parsed.error.issues.length }),
      );
      return { statusCode: 500, headers: securityHeaders(), body: errorPage(), isBase64Encoded: false };
    }
    const event = parsed.data;
    const response = await handleGatewayRequest(deps, {
      method: event.requestContext.http.method,
      path: event.rawPath,
      headers: lowerCaseKeys(event.headers ?? {}),
      clientId: event.requestContext.http.sourceIp,
    });
    return {
      statusCode: response.status,
      headers: response.headers,
      body: response.body,
      isBase64Encoded: false,
    };
  });
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

type GatewayHandler = ReturnType<typeof createGatewayHandler>;
type LambdaContext = Parameters<GatewayHandler>[1];

/**
 * The AWS dependencies from the environment (fails loudly naming what is missing):
 * PIPELINE_TABLE, EXPORTS_BUCKET; optional PORTAL_URL (shown on 404/410 pages) and
 * PRESIGN_SECONDS (≤ 300, default 120).
 */
export function gatewayDepsFromEnv(env: Env): GatewayDeps {
  const config = readConfig(env);
  const bucket = required(env, 'EXPORTS_BUCKET');
  const dynamodb = new DynamoDBClient({});
  const requests = new DynamoDbRequestRepository(dynamodb, config.pipelineTable, systemClock);
  const presignText = env.PRESIGN_SECONDS?.trim();
  const presignSeconds = presignText ? Number(presignText) : undefined;
  if (
    presignSeconds !== undefined &&
    !(Number.isInteger(presignSeconds) && presignSeconds > 0 && presignSeconds <= 300)
  ) {
    throw new ConfigError(
      `Environment variable PRESIGN_SECONDS must be a whole number of seconds 1–300, got ${presignText}`,
    );
  }
  const portalUrl = env.PORTAL_URL?.trim();
  return {
    grants: new DynamoDbGrantRepository(dynamodb, config.pipelineTable, { clock: systemClock }),
    presigner: new S3Presigner(new S3Client({}), bucket),
    clock: systemClock,
    recordDownload: (grant, at) =>
      requests.appendAudit({
        requestId: grant.requestId,
        at,
        action: 'download',
        // Downloads used of allowed: no personal data in the audit trail.
        detail: `${grant.downloads}/${grant.maxDownloads}`,
      }),
    // One per Lambda instance (module scope): the inner limit; the HTTP API's throttling is the outer one.
    limiter: new FailedLookupLimiter(),
    ...(presignSeconds !== undefined ? { presignSeconds } : {}),
    ...(portalUrl ? { portalUrl } : {}),
  };
}

let built: GatewayHandler | undefined;

/** The Lambda entry point: built on the first request (config read once, clients made once). */
export const handler = async (event: unknown, context: LambdaContext): Promise<HttpApiResult> => {
  built ??= createGatewayHandler(gatewayDepsFromEnv(process.env));
  return built(event, context);
};
