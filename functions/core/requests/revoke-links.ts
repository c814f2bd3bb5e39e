import type { Clock, GrantRepository, RequestRepository } from '../ports';

export interface RevokeDeps {
  requests: RequestRepository;
  grants: GrantRepository;
  clock: Clock;
}

/**
 * Withdraws every live link of a request: the privacy team's answer to "I did not ask for this"
 * or a link sent to the wrong address. The archive stays until it expires, unreachable; the
 * player can ask again. Each revocation goes to the audit trail; the request's state is unchanged.
 */
export async function revokeLinks(
  deps: RevokeDeps,
  requestId: string,
  reason: string,
): Promise<{ revoked: number }> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const grants = await deps.grants.listActiveForRequest(requestId, now);
  for (const grant of grants) {
    await deps.grants.revoke(grant.tokenHash, at);
    await deps.requests.appendAudit({ requestId, at, action: 'revoked', detail: reason.slice(0, 200) });
  }
  return { revoked: grants.length };
}
