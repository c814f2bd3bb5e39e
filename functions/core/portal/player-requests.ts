import { exportRequestedDetailSchema } from '../requests/intake';
import type { RequestState } from '../requests/request-record';

/** What the portal's "your data" page needs of one request record; nothing else is read. */
export interface PlayerRequestSummary {
  requestId: string;
  state: RequestState;
  receivedAt: string;
  dueAt: string;
  expiresAt?: string;
  downloads?: number;
  /** The request that answers this one (the player asked again while an export was under way or fresh). */
  attachedTo?: string;
}

/** A player's requests, newest first, at most `limit` (the pipeline table's byPlayer index). */
export interface PlayerRequestHistory {
  forPlayer(playerId: string, limit: number): Promise<PlayerRequestSummary[]>;
  /** How many requests (anyone's) have waited QUEUED since before `receivedAt`: ids never leave. */
  queuedBefore(receivedAt: string): Promise<number>;
}

/** One request as the portal shows it. */
export interface PortalRequestView {
  requestId: string;
  state: RequestState;
  receivedAt: string;
  /** The legal due date of the answer (receipt + one month, Art. 12(3)). */
  dueAt: string;
  /** When the link and the archive expire (READY and later). */
  expiresAt?: string;
  downloads: number;
  /** Set when another request of the player answers this one: state, expiry and downloads are its. */
  answeredBy?: string;
  /** While QUEUED: its place in the line of every player's waiting requests (1: next). */
  queuePosition?: number;
}

/** More than a player asks for in years; the page shows the newest. */
export const MAX_PORTAL_REQUESTS = 100;

/**
 * The player's requests for the portal. A request attached to another one stays RECEIVED on its
 * own record forever (the other does the work): the player sees the state of the request that
 * answers it instead.
 */
export function portalViews(summaries: readonly PlayerRequestSummary[]): PortalRequestView[] {
  const byId = new Map(summaries.map((s) => [s.requestId, s]));
  return summaries.map((summary) => {
    const answering = summary.attachedTo ? byId.get(summary.attachedTo) : undefined;
    const source = answering ?? summary;
    return {
      requestId: summary.requestId,
      state: source.state,
      receivedAt: summary.receivedAt,
      dueAt: summary.dueAt,
      ...(source.expiresAt ? { expiresAt: source.expiresAt } : {}),
      downloads: source.downloads ?? 0,
      ...(summary.attachedTo ? { answeredBy: summary.attachedTo } : {}),
    };
  });
}

export interface PortalDeps {
  history: PlayerRequestHistory;
  /**
   * The role whose sessions may call (the portal's invoker role). Unset: any caller API Gateway
   * let through, i.e. any principal of the account allowed execute-api:Invoke on the route.
   */
  allowedCallerRoleArn?: string;
}

export interface PortalRequest {
  /** The `{playerId}` path parameter, as API Gateway decoded it. */
  playerId: string | undefined;
  /** The IAM caller API Gateway authenticated (requestContext.authorizer.iam.userArn). */
  callerArn: string | undefined;
}

export interface PortalResponse {
  status: number;
  body: unknown;
}

/** `GET /portal/players/{playerId}/requests`, free of any transport. */
export async function handlePortalRequest(deps: PortalDeps, request: PortalRequest): Promise<PortalResponse> {
  if (deps.allowedCallerRoleArn && !isSessionOf(request.callerArn, deps.allowedCallerRoleArn)) {
    return { status: 403, body: { message: 'Forbidden' } };
  }
  const playerId = exportRequestedDetailSchema.shape.playerId.safeParse(request.playerId);
  if (!playerId.success) {
    // The rule, never the value.
    return { status: 400, body: { message: `playerId: ${playerId.error.issues[0]?.message ?? 'invalid'}` } };
  }
  const summaries = await deps.history.forPlayer(playerId.data, MAX_PORTAL_REQUESTS);
  const views = portalViews(summaries);
  // A player has at most one export at a time: at most one request of theirs waits in line.
  const waiting = summaries.find((s) => s.state === 'QUEUED' && !s.attachedTo);
  if (waiting) {
    const position = (await deps.history.queuedBefore(waiting.receivedAt)) + 1;
    for (const view of views) {
      if (
        view.state === 'QUEUED' &&
        (view.requestId === waiting.requestId || view.answeredBy === waiting.requestId)
      ) {
        view.queuePosition = position;
      }
    }
  }
  return {
    status: 200,
    body: {
      requests: views,
      ...(summaries.length >= MAX_PORTAL_REQUESTS ? { truncated: true } : {}),
    },
  };
}

/**
 * Whether an authenticated caller is a session of a role: API Gateway names a role's caller by its
 * STS session ARN, `arn:<partition>:sts::<account>:assumed-role/<role name>/<session>` (the role's
 * path is not part of it).
 */
export function isSessionOf(callerArn: string | undefined, roleArn: string): boolean {
  const role = /^arn:([^:]+):iam::(\d{12}):role\/(?:[^/]+\/)*([^/]+)$/.exec(roleArn);
  if (!role || !callerArn) return false;
  const [, partition, account, name] = role;
  return callerArn.startsWith(`arn:${partition}:sts::${account}:assumed-role/${name}/`);
}
