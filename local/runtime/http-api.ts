import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { verifySigV4 } from './authorizer';
import { ADMIN_ACCESS_KEY } from './aws-endpoint';
import { type HttpApiResource, type HttpRoute, LOCAL_ACCOUNT } from './deployment';
import type { InvokeResult } from './lambda-host';
import { closeServer, listenOnLoopback } from './loopback';

export interface HttpApiTargets {
  invoke(functionArn: string, event: unknown): Promise<InvokeResult>;
  /** Whether the function's resource policy lets apigateway.amazonaws.com invoke it from `sourceArn`. */
  mayInvoke(functionArn: string, principal: string, sourceArn: string): boolean;
}

/** API Gateway's own limit on a request body. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * The IAM identity of a signed caller, as API Gateway puts it in requestContext.authorizer.iam.
 * Locally only the harness's admin key exists (secret = key id, see adminClients): it stands for
 * a principal allowed execute-api:Invoke on every route.
 */
export const LOCAL_ADMIN_USER_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:user/local-admin`;

interface IamCaller {
  accessKey: string;
  accountId: string;
  callerId: string;
  cognitoIdentity: null;
  principalOrgId: null;
  userArn: string;
  userId: string;
}

/**
 * An HTTP API of the template on a local port: each request is matched to a route (method and path
 * with {parameters}), turned into the Lambda proxy event of the integration's payload format 2.0,
 * and the function's answer turned back into an HTTP response, as API Gateway does. The stage's
 * throttling applies (429), and a function API Gateway may not invoke (no resource-based
 * permission for apigateway.amazonaws.com) answers 500, as it would after a deploy. An AWS_IAM
 * route takes only requests SigV4-signed (Authorization header, verified in full) with a key the
 * runtime knows, the harness's admin key; anything else is answered 403 before any function runs.
 * Identity policies are not evaluated for it: the admin may invoke every route.
 */
export class LocalHttpApi {
  private server?: Server;
  private tokens: number;
  private refilledAt = Date.now();

  constructor(
    private readonly api: HttpApiResource,
    private readonly targets: HttpApiTargets,
    private readonly region: string,
  ) {
    this.tokens = api.throttle?.burstLimit ?? Number.POSITIVE_INFINITY;
  }

  /** Listens on `port` (0: any free port) and returns the base URL. */
  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"message":"Internal Server Error"}');
      });
    });
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 30_000;
    return listenOnLoopback(this.server, port);
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, message: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message }));
    };
    if (!this.takeToken()) return reply(429, 'Too Many Requests');
    const url = new URL(req.url ?? '/', 'http://local');
    const matched = this.match(req.method ?? 'GET', url.pathname);
    if (!matched) {
      req.resume();
      return reply(404, 'Not Found');
    }
    const body = await readBody(req);
    if (body === undefined) return reply(413, 'Request Entity Too Large');
    const { route, pathParameters } = matched;
    let caller: IamCaller | undefined;
    if (route.authorizationType === 'AWS_IAM') {
      const check = verifySigV4(
        { method: req.method ?? 'GET', target: req.url ?? '/', headers: req.headers, body },
        {
          region: this.region,
          service: 'execute-api',
          now: new Date(),
          secretFor: (keyId) => (keyId === ADMIN_ACCESS_KEY ? ADMIN_ACCESS_KEY : undefined),
        },
      );
      if (!check.ok) return reply(403, check.message);
      caller = {
        accessKey: check.accessKeyId,
        accountId: LOCAL_ACCOUNT,
        callerId: 'AIDALOCALADMIN',
        cognitoIdentity: null,
        principalOrgId: null,
        userArn: LOCAL_ADMIN_USER_ARN,
        userId: 'AIDALOCALADMIN',
      };
    }
    const resource = route.routeKey === '$default' ? '$default' : `${route.method}${route.path}`;
    const sourceArn = `arn:aws:execute-api:${this.region}:${LOCAL_ACCOUNT}:${this.api.id}/$default/${resource}`;
    if (!this.targets.mayInvoke(route.functionArn, 'apigateway.amazonaws.com', sourceArn)) {
      return reply(500, 'Internal Server Error');
    }
    const result = await this.targets.invoke(
      route.functionArn,
      this.event(req, url, route, pathParameters, body, caller),
    );
    if (!result.ok) return reply(500, 'Internal Server Error');
    this.respond(res, result.payload);
  }

  /** API Gateway's route selection: the most specific method and path, else the `$default` route. */
  private match(
    method: string,
    path: string,
  ): { route: HttpRoute; pathParameters: Record<string, string> } | undefined {
    for (const route of this.api.routes) {
      if (route.routeKey === '$default') continue;
      if (route.method !== method && route.method !== 'ANY') continue;
      const names: string[] = [];
      const pattern = route.path
        .replace(/[.+^$()|[\]\\]/g, '\\$&')
        .replace(/\{([^}]+)\}/g, (_m, name: string) => {
          names.push(name);
          return '([^/]+)';
        });
      const found = new RegExp(`^${pattern}$`).exec(path);
      if (!found) continue;
      return {
        route,
        pathParameters: Object.fromEntries(
          names.map((name, i) => [name, decodeURIComponent(found[i + 1] ?? '')]),
        ),
      };
    }
    const fallback = this.api.routes.find((route) => route.routeKey === '$default');
    return fallback ? { route: fallback, pathParameters: {} } : undefined;
  }

  /** The payload format 2.0 event ("Working with AWS Lambda proxy integrations for HTTP APIs"). */
  private event(
    req: IncomingMessage,
    url: URL,
    route: HttpRoute,
    pathParameters: Record<string, string>,
    body: Buffer,
    caller?: IamCaller,
  ) {
    const headers: Record<string, string> = {};
    const cookies: string[] = [];
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      if (name === 'cookie') cookies.push(...String(value).split(/;\s*/));
      else headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const query = [...url.searchParams.keys()];
    const now = new Date();
    const text = body.toString('utf8');
    const binary = !Buffer.from(text, 'utf8').equals(body);
    return {
      version: '2.0',
      routeKey: route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      ...(cookies.length > 0 ? { cookies } : {}),
      headers,
      ...(query.length > 0
        ? {
            queryStringParameters: Object.fromEntries(
              query.map((k) => [k, url.searchParams.getAll(k).join(',')]),
            ),
          }
        : {}),
      requestContext: {
        accountId: LOCAL_ACCOUNT,
        apiId: this.api.id,
        domainName: headers.host ?? 'localhost',
        domainPrefix: (headers.host ?? 'localhost').split('.')[0],
        http: {
          method: req.method ?? 'GET',
          path: url.pathname,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        ...(caller ? { authorizer: { iam: caller } } : {}),
        routeKey: route.routeKey,
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      pathParameters,
      ...(body.length > 0
        ? { body: binary ? body.toString('base64') : text, isBase64Encoded: binary }
        : { isBase64Encoded: false }),
    };
  }

  /** Format 2.0 responses: an object with statusCode, or anything else as a 200 JSON body. */
  private respond(res: ServerResponse, payload: unknown): void {
    if (payload === null || typeof payload !== 'object' || !('statusCode' in payload)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
      return;
    }
    const answer = payload as {
      statusCode: number;
      headers?: Record<string, string>;
      cookies?: string[];
      body?: string;
      isBase64Encoded?: boolean;
    };
    const headers: Record<string, string | string[]> = { ...(answer.headers ?? {}) };
    if (answer.cookies?.length) headers['set-cookie'] = answer.cookies;
    res.writeHead(answer.statusCode, headers);
    const body = answer.body ?? '';
    res.end(answer.isBase64Encoded ? Buffer.from(body, 'base64') : body);
  }

  /** Token bucket of the stage's throttling: burstLimit tokens, refilled at rateLimit per second. */
  private takeToken(): boolean {
    const throttle = this.api.throttle;
    if (!throttle) return true;
    const now = Date.now();
    this.tokens = Math.min(
      throttle.burstLimit,
      this.tokens + ((now - this.refilledAt) / 1000) * throttle.rateLimit,
    );
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.once('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}
