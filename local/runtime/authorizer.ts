import type { Deployment, InvokePermission } from './deployment';
import { type AuthorizationRequest, accessDeniedMessage, evaluatePolicies } from './iam-policy';

export type Authorization =
  | { allowed: true }
  | { allowed: false; message: string; request: AuthorizationRequest };

/**
 * IAM as the templates define it: a role's identity policies decide what a function (or the state
 * machine) may call, and a function's resource-based permissions decide which service may invoke it.
 */
export class Authorizer {
  constructor(private readonly deployment: Pick<Deployment, 'roles' | 'permissions'>) {}

  /** Every request must be allowed; the first refusal is reported in AWS's words. */
  check(roleArn: string, sessionName: string, requests: readonly AuthorizationRequest[]): Authorization {
    const role = this.deployment.roles.get(roleArn);
    const principal = `${roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${sessionName}`;
    for (const request of requests) {
      const decision = role ? evaluatePolicies(role.policies, request) : 'implicit-deny';
      if (decision !== 'allow') {
        return { allowed: false, message: accessDeniedMessage(principal, request, decision), request };
      }
    }
    return { allowed: true };
  }

  /** Whether a service principal (events.amazonaws.com, apigateway.amazonaws.com) may invoke a function from `sourceArn`. */
  mayInvoke(functionArn: string, principal: string, sourceArn: string): boolean {
    return this.deployment.permissions.some((permission) =>
      grants(permission, functionArn, principal, sourceArn),
    );
  }
}

function grants(
  permission: InvokePermission,
  functionArn: string,
  principal: string,
  sourceArn: string,
): boolean {
  if (permission.functionArn !== functionArn || permission.principal !== principal) return false;
  if (!permission.sourceArn) return true;
  // SourceArn may hold wildcards, e.g. arn:aws:execute-api:…:<api>/*/*/d/{token}.
  const pattern = new RegExp(
    `^${permission.sourceArn
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return pattern.test(sourceArn);
}
