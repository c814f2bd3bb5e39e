import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface DownloadGatewayProps {
  readonly handler: IFunction;
  /** Steady-state requests per second for the whole stage. */
  readonly rateLimit: number;
  readonly burstLimit: number;
  readonly logRetention: RetentionDays;
}

/**
 * The HTTP API in front of the download gateway Lambda: `GET /d/{token}` (landing page, no side
 * effects) and `POST /d/{token}/download` (counts, audits, 303 to a fresh presigned URL), on the
 * `$default` stage with throttling. The Lambda's own failed-lookup limiter is the inner guard.
 */
export class DownloadGateway extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: DownloadGatewayProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      description: 'player-data-export download links',
      // The stage below is created explicitly: the implicit one takes no throttling or access logs.
      createDefaultStage: false,
    });
    const integration = new HttpLambdaIntegration('Gateway', props.handler);
    const routes = [
      ...this.api.addRoutes({ path: '/d/{token}', methods: [HttpMethod.GET, HttpMethod.HEAD], integration }),
      ...this.api.addRoutes({ path: '/d/{token}/download', methods: [HttpMethod.POST], integration }),
      // Everything else too (a GET on the download route, /favicon.ico, a mistyped link): the
      // gateway answers 404/405 with its own page and security headers, not API Gateway's JSON.
      new HttpRoute(this, 'DefaultRoute', { httpApi: this.api, routeKey: HttpRouteKey.DEFAULT, integration }),
    ];
    for (const route of routes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Players open these links from an e-mail without an account session: the unguessable token in the path is the credential (stored only as its SHA-256), checked by the gateway, which also counts and revokes.',
      });
    }

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // $context.routeKey is the route template ("GET /d/{token}"), never $context.path: the path
        // holds the download token. No source IP either: it is personal data we do not need here.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
  }

  /** The base URL of the links (the `$default` stage has no path prefix). */
  get url(): string {
    return this.api.apiEndpoint;
  }
}
