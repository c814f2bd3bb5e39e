import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
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

/** A request as it arrived on the wire, for signature verification. */
export interface SignedHttpRequest {
  method: string;
  /** The request target as sent: path and query string, still percent-encoded. */
  target: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
}

export type SignatureCheck = { ok: true; accessKeyId: string } | { ok: false; message: string };

/** How far X-Amz-Date may be from the receiver's clock (AWS allows 15 minutes either way). */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/**
 * AWS Signature Version 4 of a request in the Authorization header, verified in full as AWS does
 * for a non-S3 service: the credential scope (date, region, service, aws4_request), X-Amz-Date
 * within 15 minutes, the canonical request (path segments URI-encoded twice, sorted query, the
 * signed headers, the payload's SHA-256), the string to sign, and the HMAC chain of the caller's
 * secret key. `secretFor` knows which access keys exist (an unknown one is refused as AWS does).
 * Presigned query-string signatures are not accepted.
 */
export function verifySigV4(
  request: SignedHttpRequest,
  options: {
    region: string;
    service: string;
    now: Date;
    secretFor: (accessKeyId: string) => string | undefined;
  },
): SignatureCheck {
  const header = (name: string): string | undefined => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  const authorization = header('authorization');
  if (!authorization) return { ok: false, message: 'Forbidden' };
  const parsed =
    /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
      authorization.trim(),
    );
  if (!parsed) {
    return {
      ok: false,
      message:
        "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters (AWS4-HMAC-SHA256).",
    };
  }
  const [, credential = '', signedHeaderList = '', signature = ''] = parsed;
  const [accessKeyId = '', day = '', region, service, terminator, ...rest] = credential.split('/');
  if (rest.length > 0 || terminator !== 'aws4_request') {
    return { ok: false, message: "Credential should be scoped with a valid terminator: 'aws4_request'." };
  }
  if (region !== options.region) {
    return { ok: false, message: `Credential should be scoped to a valid region: '${options.region}'.` };
  }
  if (service !== options.service) {
    return { ok: false, message: `Credential should be scoped to correct service: '${options.service}'.` };
  }
  const amzDate = header('x-amz-date') ?? '';
  const signedAt = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!signedAt) return { ok: false, message: 'Missing or malformed X-Amz-Date header.' };
  if (amzDate.slice(0, 8) !== day) {
    return {
      ok: false,
      message: `Date in Credential scope does not match YYYYMMDD from X-Amz-Date: ${day}.`,
    };
  }
  const signedMs = Date.UTC(
    Number(signedAt[1]),
    Number(signedAt[2]) - 1,
    Number(signedAt[3]),
    Number(signedAt[4]),
    Number(signedAt[5]),
    Number(signedAt[6]),
  );
  if (Math.abs(options.now.getTime() - signedMs) > MAX_CLOCK_SKEW_MS) {
    return {
      ok: false,
      message: `Signature expired: ${amzDate} is more than 15 minutes from the server's time.`,
    };
  }
  const secret = options.secretFor(accessKeyId);
  if (secret === undefined) {
    return { ok: false, message: 'The security token included in the request is invalid.' };
  }
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host') || signedHeaders.join(';') !== [...signedHeaders].sort().join(';')) {
    return { ok: false, message: SIGNATURE_MISMATCH };
  }
  const canonicalHeaders: string[] = [];
  for (const name of signedHeaders) {
    const value = header(name);
    if (value === undefined) return { ok: false, message: SIGNATURE_MISMATCH };
    canonicalHeaders.push(`${name}:${value.trim().replace(/\s+/g, ' ')}`);
  }
  const bodyHash = sha256Hex(request.body);
  const declaredHash = header('x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== 'UNSIGNED-PAYLOAD' && declaredHash !== bodyHash) {
    return { ok: false, message: SIGNATURE_MISMATCH };
  }
  const [rawPath = '/', rawQuery = ''] = request.target.split('?', 2);
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(rawPath),
    canonicalQuery(rawQuery),
    `${canonicalHeaders.join('\n')}\n`,
    signedHeaderList,
    declaredHash ?? bodyHash,
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${secret}`, day);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const expected = hmac(key, stringToSign);
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, message: SIGNATURE_MISMATCH };
  }
  return { ok: true, accessKeyId };
}

/** RFC 3986 encoding as SigV4 defines it: everything but A–Z a–z 0–9 - _ . ~ */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The path as sent, normalised (no empty, "." or ".." segments) and each segment encoded again. */
function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return `/${segments.map(uriEncode).join('/')}${trailing}`;
}

function canonicalQuery(rawQuery: string): string {
  const pairs: [string, string][] = [];
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    if (name.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([uriEncode(name), uriEncode(value)]);
  }
  pairs.sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}
