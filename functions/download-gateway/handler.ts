import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { z } from 'zod';
import { errorPage } from '../core/gateway/gateway-pages';
import { type GatewayDeps, handleGatewayRequest } from '../core/gateway/handle-gateway-request';
import { securityHeaders } from '../core/gateway/html';
import { gatewayDepsFromEnv, once } from '../runtime/composition';
import { metricsNamespace } from '../runtime/metrics';

const metrics = new Metrics(metricsNamespace);

/** The part of an API Gateway HTTP API (payload format 2.0) event the gateway reads. */
const httpApiEventSchema = z.object({
  version: z.literal('2.0'),
  rawPath: z.string(),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  requestContext: z.object({
    http: z.object({
      method: z.string(),
      sourceIp: z.string(),
    }),
  }),
});

export interface HttpApiResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

/**
 * The Lambda behind `GET /d/{token}` and `POST /d/{token}/download`: wiring only. The body (the
 * download form's `volume` field) is handed on as text: API Gateway base64-encodes a body it does
 * not take for text (it does so for form posts), and says so with `isBase64Encoded`. An event that
 * is not an HTTP API v2 event (a wiring mistake, not the player's) gets the same plain 500 page as
 * any other failure.
 */
export function createGatewayHandler(deps: () => GatewayDeps) {
  return middy<unknown, HttpApiResult>().handler(async (raw): Promise<HttpApiResult> => {
    const parsed = httpApiEventSchema.safeParse(raw);
    if (!parsed.success) {
      console.error(
        JSON.stringify({ level: 'error', event: 'gateway-bad-event', issues: parsed.error.issues.length }),
      );
      return { statusCode: 500, headers: securityHeaders(), body: errorPage(), isBase64Encoded: false };
    }
    const event = parsed.data;
    const response = await handleGatewayRequest(deps(), {
      method: event.requestContext.http.method,
      path: event.rawPath,
      headers: lowerCaseKeys(event.headers ?? {}),
      clientId: event.requestContext.http.sourceIp,
      ...(event.body === undefined ? {} : { body: bodyText(event.body, event.isBase64Encoded ?? false) }),
    });
    if (response.status === 303) {
      // A counted download (only POST …/download redirects). Published here and only then: the
      // landing pages and refusals have nothing to publish (an empty flush just logs a warning).
      metrics.addMetric('Downloads', MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    }
    return {
      statusCode: response.status,
      headers: response.headers,
      body: response.body,
      isBase64Encoded: false,
    };
  });
}

function bodyText(body: string, base64: boolean): string {
  return base64 ? Buffer.from(body, 'base64').toString('utf8') : body;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The Lambda entry point: dependencies built on the first request (config read once, clients made once). */
export const handler = createGatewayHandler(once(() => gatewayDepsFromEnv(process.env)));
