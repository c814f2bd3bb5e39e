import type { Clock, GrantRepository, ObjectStore, Presigner, RequestRepository } from '../ports';
import {
  type DownloadGrant,
  type GrantVolume,
  grantStatus,
  grantVolumes,
  hashToken,
  tokenMatches,
  tokenPattern,
} from '../requests/grant';
import type { FailedLookupLimiter } from './failed-lookup-limiter';
import { type GatewayLocale, negotiateGatewayLocale } from './gateway-messages';
import {
  badRequestPage,
  errorPage,
  gonePage,
  grantLocale,
  landingPage,
  methodNotAllowedPage,
  notFoundPage,
  type PageOptions,
  redirectPage,
  tooManyPage,
} from './gateway-pages';
import { securityHeaders } from './html';

/** One HTTP request, whatever carried it (API Gateway event, node:http). */
export interface GatewayRequest {
  method: string;
  /** Path without host; a query string, if any, is ignored. */
  path: string;
  headers: Readonly<Record<string, string | undefined>>;
  /** Who is asking, for the failed-lookup limiter: the source IP. */
  clientId: string;
  /**
   * The request body as text (already base64-decoded by the transport), if any: the download
   * form's fields, `application/x-www-form-urlencoded`.
   */
  body?: string;
}

export interface GatewayResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type GatewayLogLevel = 'info' | 'warn' | 'error';
/** Structured log line; callers pass no token, e-mail or name (only a short hash prefix). */
export type GatewayLog = (level: GatewayLogLevel, event: string, fields?: Record<string, unknown>) => void;

export interface GatewayDeps extends PageOptions {
  grants: GrantRepository;
  /** A download is counted only for a READY request whose archive exists. */
  requests: Pick<RequestRepository, 'get'>;
  archives: Pick<ObjectStore, 'exists'>;
  presigner: Presigner;
  clock: Clock;
  /**
   * Appends the download to the request's audit trail (owned by the request repository); `part`
   * names the volume fetched when the archive has several.
   */
  recordDownload(grant: DownloadGrant, at: string, part?: { volume: number; of: number }): Promise<void>;
  /**
   * Slows down and then refuses a client whose lookups keep failing. Only failed lookups ever
   * meet it: a valid token is answered whatever its client did before (addresses are shared by
   * whole offices and mobile carriers).
   */
  limiter?: FailedLookupLimiter;
  log?: GatewayLog;
  /** How the limiter's delay is waited; tests may pass a fake. */
  sleep?: (ms: number) => Promise<void>;
  /** Life of the presigned S3 URL (the stack sets it); capped at MAX_PRESIGN_SECONDS. */
  presignSeconds: number;
}

/** The longest a presigned URL may live: it is used at once by the browser that was redirected. */
export const MAX_PRESIGN_SECONDS = 300;

const tokenRoute = /^\/d\/([^/]*)(\/download)?\/?$/;

/** A form body longer than this is not the landing page's form (`volume=<n>` is a dozen bytes). */
const MAX_FORM_CHARS = 1024;
/** A volume number as the landing page writes it: no sign, no leading zero, no fraction. */
const volumePattern = /^[1-9][0-9]{0,5}$/;

/**
 * The download gateway, free of any transport. GET /d/{token} shows what the link gives and has
 * no side effect (mail scanners prefetch links); POST /d/{token}/download counts one download
 * atomically, audits it and redirects to a fresh, minutes-long presigned S3 URL. The POST's form
 * field `volume` says which volume of an archive in several zips (absent: volume 1).
 */
export async function handleGatewayRequest(
  deps: GatewayDeps,
  request: GatewayRequest,
): Promise<GatewayResponse> {
  const log = deps.log ?? consoleLog;
  // The language of any page that knows no grant; a known grant's own locale always wins.
  const caller = negotiateGatewayLocale(header(request, 'accept-language'));
  try {
    return await route(deps, request, log, caller);
  } catch (error) {
    // A plain page for the player; the log gets the error without any token or hash in it.
    log('error', 'gateway-failed', { error: redact(describeError(error)) });
    return respond(500, errorPage(caller), caller, { negotiated: true });
  }
}

async function route(
  deps: GatewayDeps,
  request: GatewayRequest,
  log: GatewayLog,
  caller: GatewayLocale,
): Promise<GatewayResponse> {
  const method = request.method.toUpperCase();
  const path = request.path.split('?')[0] ?? '';
  const match = tokenRoute.exec(path);
  const notFound = () => respond(404, notFoundPage(deps, caller), caller, { negotiated: true });
  // Anything outside /d/ (favicon.ico, robots.txt, a typo) is a plain 404 that counts as no guess.
  if (!match) return headAware(method, notFound());

  const token = match[1] ?? '';
  const isDownload = match[2] !== undefined;
  const allowed = isDownload ? ['POST'] : ['GET', 'HEAD'];
  if (!allowed.includes(method)) {
    const refused = respond(405, methodNotAllowedPage(caller), caller, { negotiated: true });
    refused.headers.Allow = allowed.join(', ');
    return refused;
  }

  const now = deps.clock.now();
  const grant = await lookUp(deps, token);
  if (!grant) {
    // The limiter decides only how a miss is answered: slower, then 429 instead of 404.
    const limited = await applyLimiter(deps, request.clientId, now.getTime(), caller);
    deps.limiter?.recordFailure(request.clientId, now.getTime());
    if (limited) {
      log('warn', 'lookup-limited', { retryAfterSeconds: limited.headers['Retry-After'] });
      return headAware(method, limited);
    }
    log('info', 'grant-not-found', { malformed: !tokenPattern.test(token) });
    return headAware(method, notFound());
  }

  const status = grantStatus(grant, now);
  if (status !== 'usable') {
    log('info', 'grant-gone', {
      requestId: grant.requestId,
      reason: status,
      route: isDownload ? 'post' : 'get',
    });
    return headAware(method, respond(410, gonePage(status, grant, deps), grantLocale(grant)));
  }
  if (!isDownload) {
    // Signing is local and has no side effect: it only tells which origin the download leads to.
    const formTarget = new URL(await deps.presigner.presignDownload(grant.archiveKey, grant.fileName, 60))
      .origin;
    const landing = {
      status: 200,
      headers: { ...securityHeaders({ formTarget }), 'Content-Language': grantLocale(grant) },
      body: landingPage(grant, token, now, deps),
    };
    return headAware(method, landing);
  }
  const volume = chosenVolume(request, grantVolumes(grant));
  if (!volume) {
    // Not a form the landing page makes (a volume the grant does not have, a mangled body): no
    // lookup of the archive, nothing counted.
    log('info', 'download-bad-request', { requestId: grant.requestId });
    return respond(400, badRequestPage(grantLocale(grant)), grantLocale(grant));
  }
  return download(deps, grant, volume, now, log, caller);
}

/**
 * The volume a download POST asks for: its form's `volume` field, volume 1 when there is no such
 * field; undefined for anything else (a body that is not a form, the field twice, a value that is
 * not one of the grant's volume numbers).
 */
function chosenVolume(request: GatewayRequest, volumes: readonly GrantVolume[]): GrantVolume | undefined {
  const body = request.body ?? '';
  if (body.length > MAX_FORM_CHARS) return undefined;
  let values: string[] = [];
  if (body !== '') {
    const type = (header(request, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') return undefined;
    values = new URLSearchParams(body).getAll('volume');
  }
  if (values.length === 0) return volumes[0];
  const [value = ''] = values;
  if (values.length > 1 || !volumePattern.test(value)) return undefined;
  return volumes.find((v) => v.volume === Number(value));
}

async function download(
  deps: GatewayDeps,
  grant: DownloadGrant,
  volume: GrantVolume,
  now: Date,
  log: GatewayLog,
  caller: GatewayLocale,
) {
  const locale = grantLocale(grant);
  // The volume must still be there to be worth a download: a request expired (or an archive
  // removed) before the grant's own expiry must not cost the player one of their downloads.
  const request = await deps.requests.get(grant.requestId);
  if (request?.state !== 'READY' || !(await deps.archives.exists(volume.key))) {
    log('warn', 'archive-gone', {
      requestId: grant.requestId,
      state: request?.state ?? 'missing',
      volume: volume.volume,
    });
    return respond(410, gonePage('expired', grant, deps), locale);
  }
  // Signed before counting, so a signing failure does not cost the player a download; the URL is
  // disclosed only once the count succeeded.
  const seconds = Math.min(MAX_PRESIGN_SECONDS, Math.max(1, Math.floor(deps.presignSeconds)));
  const url = await deps.presigner.presignDownload(volume.key, volume.fileName, seconds);

  const outcome = await deps.grants.consume(grant.tokenHash, now);
  if (!outcome.ok) {
    // Lost a race (another click took the last download) or changed since the read.
    log('info', 'download-refused', { requestId: grant.requestId, reason: outcome.reason });
    if (outcome.reason === 'unknown') {
      return respond(404, notFoundPage(deps, caller), caller, { negotiated: true });
    }
    return respond(410, gonePage(outcome.reason, grant, deps), locale);
  }

  const at = now.toISOString();
  try {
    const volumes = grant.volumes?.length ?? 1;
    await deps.recordDownload(
      outcome.grant,
      at,
      volumes > 1 ? { volume: volume.volume, of: volumes } : undefined,
    );
  } catch (error) {
    // The download is already counted on the grant (atomically): refusing it now would cost the
    // player one of their downloads for our failure. Log loudly (alarm) instead; the count on
    // the grant still shows that it happened.
    log('error', 'download-audit-failed', {
      requestId: grant.requestId,
      error: redact(describeError(error)),
    });
  }
  log('info', 'download-granted', {
    requestId: grant.requestId,
    grant: grant.tokenHash.slice(0, 8),
    volume: volume.volume,
    volumes: grant.volumes?.length ?? 1,
    downloads: outcome.grant.downloads,
    maxDownloads: outcome.grant.maxDownloads,
  });
  const redirect = respond(303, redirectPage(url, locale), locale);
  redirect.headers.Location = url;
  return redirect;
}

/** Validates the token's shape before any lookup, then looks it up by hash and compares in constant time. */
async function lookUp(deps: GatewayDeps, token: string): Promise<DownloadGrant | undefined> {
  if (!tokenPattern.test(token)) return undefined;
  const grant = await deps.grants.get(hashToken(token));
  if (!grant || !tokenMatches(token, grant.tokenHash)) return undefined;
  return grant;
}

async function applyLimiter(
  deps: GatewayDeps,
  clientId: string,
  now: number,
  caller: GatewayLocale,
): Promise<GatewayResponse | undefined> {
  const decision = deps.limiter?.check(clientId, now);
  if (!decision || decision.kind === 'allow') return undefined;
  if (decision.kind === 'delay') {
    await (deps.sleep ?? sleep)(decision.ms);
    return undefined;
  }
  const response = respond(429, tooManyPage(decision.retryAfterSeconds, caller), caller, {
    negotiated: true,
  });
  response.headers['Retry-After'] = String(decision.retryAfterSeconds);
  return response;
}

/**
 * A page response in `locale`. `negotiated`: the language came from Accept-Language (no grant
 * known), so the answer varies with that header.
 */
function respond(
  status: number,
  body: string,
  locale: GatewayLocale,
  { negotiated = false }: { negotiated?: boolean } = {},
): GatewayResponse {
  return {
    status,
    headers: {
      ...securityHeaders(),
      'Content-Language': locale,
      ...(negotiated ? { Vary: 'Accept-Language' } : {}),
    },
    body,
  };
}

/** A request header by name, whatever the case its carrier gave it (HTTP header names are case-insensitive). */
function header(request: GatewayRequest, name: string): string | undefined {
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

function headAware(method: string, response: GatewayResponse): GatewayResponse {
  return method === 'HEAD' ? { ...response, body: '' } : response;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Tokens (43 base64url chars) and token hashes (64 hex) must not reach a log, even inside a message. */
export function redact(text: string): string {
  return text.replace(/[0-9a-f]{64}/gi, '[hash]').replace(/[A-Za-z0-9_-]{43}/g, '[token]');
}

const consoleLog: GatewayLog = (level, event, fields = {}) => {
  const line = JSON.stringify({ level, event, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.info(line);
};
