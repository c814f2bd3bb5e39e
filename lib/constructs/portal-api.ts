import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { type HttpApi, HttpMethod, HttpRoute, HttpRouteKey } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { ArnPrincipal, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** The route of a player's requests (the portal's "your data" page). */
export const PORTAL_REQUESTS_PATH = '/portal/players/{playerId}/requests';

export interface PortalApiProps {
  /** The download gateway's HTTP API: the portal routes share its stage, throttling and access logs. */
  readonly api: HttpApi;
  readonly handler: IFunction;
  /**
   * The account portal's IAM principal (its role's ARN, in any account). When given, a role of this
   * account that it may assume is the only caller the function accepts. @default none: any principal
   * of this account allowed execute-api:Invoke on the route
   */
  readonly portalPrincipalArn?: string;
}

/**
 * The account portal's routes on the HTTP API, AWS_IAM-authorised: API Gateway checks the SigV4
 * signature and the caller's execute-api:Invoke permission before the function runs. HTTP APIs
 * have no resource policies, so a portal in another account cannot be allowed by the API: it
 * assumes the invoker role created here (allowed to invoke these routes and nothing else).
 */
export class PortalApi extends Construct {
  readonly routes: HttpRoute[];
  /** `execute-api:Invoke` resource of the portal routes (any player id), for the caller's policy. */
  readonly invokeArn: string;
  /** The role the portal assumes to call (only with portalPrincipalArn). */
  readonly invokerRole?: Role;

  constructor(scope: Construct, id: string, props: PortalApiProps) {
    super(scope, id);
    const integration = new HttpLambdaIntegration('Portal', props.handler);
    this.routes = [
      new HttpRoute(this, 'PlayerRequestsRoute', {
        httpApi: props.api,
        routeKey: HttpRouteKey.with(PORTAL_REQUESTS_PATH, HttpMethod.GET),
        integration,
        authorizer: new HttpIamAuthorizer(),
      }),
    ];
    // The route's path with its parameter as IAM matches it (`*` stands for any player id).
    this.invokeArn = props.api.arnForExecuteApi(
      'GET',
      PORTAL_REQUESTS_PATH.replace(/\{[^}]+\}/g, '*'),
      '$default',
    );
    if (props.portalPrincipalArn) {
      const role = new Role(this, 'InvokerRole', {
        assumedBy: new ArnPrincipal(props.portalPrincipalArn),
        description: 'Assumed by the account portal to call the portal routes of the HTTP API (AWS_IAM)',
      });
      role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['execute-api:Invoke'], resources: [this.invokeArn] }),
      );
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${logicalIdToken(props.api)}>/$default/GET/portal/players/*/requests]`,
        reason:
          'The portal asks about any player it has signed in: the wildcard is the {playerId} path parameter of the one GET route, on this API and stage only.',
      });
      this.invokerRole = role;
    }
  }
}

/** How cdk-nag prints the API's id (a Ref) in a finding's resource: its logical id. */
function logicalIdToken(api: HttpApi): string {
  return Stack.of(api).getLogicalId(api.node.defaultChild as CfnElement);
}
