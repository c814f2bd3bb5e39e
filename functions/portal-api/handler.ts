import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { z } from 'zod';
import { describe } from '../core/errors';
import { handlePortalRequest, type PortalDeps } from '../core/portal/player-requests';
import { once, portalDepsFromEnv } from '../runtime/composition';
import { logger } from '../runtime/logger';

/** The part of an HTTP API (payload format 2.0) event of an AWS_IAM route the portal API reads. */
const portalEventSchema = z.object({
  version: z.literal('2.0'),
  pathParameters: z.record(z.string(), z.string()).optional(),
  requestContext: z.object({
    // API Gateway sets it on AWS_IAM routes only: a route without it is a wiring mistake.
    authorizer: z.object({ iam: z.object({ userArn: z.string().optional() }) }),
  }),
});

export interface JsonResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

function json(statusCode: number, body: unknown): JsonResult {
  return {
    statusCode,
    // A player's requests: never kept by a cache or a proxy.
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

/**
 * The Lambda behind `GET /portal/players/{playerId}/requests` (AWS_IAM): wiring only. API Gateway
 * has already checked the caller's signature and its execute-api:Invoke permission.
 */
export function createPortalHandler(deps: () => PortalDeps) {
  return middy<unknown, JsonResult>()
    .use(injectLambdaContext(logger))
    .handler(async (raw) => {
      const parsed = portalEventSchema.safeParse(raw);
      if (!parsed.success) {
        logger.error('portal-api: not an IAM-authorised HTTP API event', {
          issues: parsed.error.issues.length,
        });
        return json(500, { message: 'Internal Server Error' });
      }
      try {
        const response = await handlePortalRequest(deps(), {
          playerId: parsed.data.pathParameters?.playerId,
          callerArn: parsed.data.requestContext.authorizer.iam.userArn,
        });
        // Who asked and the outcome; the player id stays out of the log (it is the player's).
        logger.info('portal request', {
          status: response.status,
          caller: parsed.data.requestContext.authorizer.iam.userArn,
        });
        return json(response.status, response.body);
      } catch (error) {
        logger.error('portal-api failed', { error: describe(error) });
        return json(500, { message: 'Internal Server Error' });
      }
    });
}

export const handler = createPortalHandler(once(() => portalDepsFromEnv(process.env)));
