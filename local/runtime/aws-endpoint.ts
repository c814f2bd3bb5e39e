import { randomUUID } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Authorizer } from './authorizer';
import type { BucketResource, TableResource } from './deployment';
import { dynamodbAuthorizations } from './dynamodb-calls';
import type { LocalEmail } from './email';
import { LocalEventBus, type PutEventsEntry } from './event-bus';
import type { AuthorizationRequest } from './iam-policy';
import type { LocalKms } from './kms';
import { closeServer, listenOnLoopback } from './loopback';
import { consumedCapacityOf, type ReadMeter } from './read-meter';
import { deleteObjectsKeys, s3Call } from './s3-calls';
import { errorResponse, type Protocol, ServiceError, statusOf } from './service-errors';
import type { LocalStepFunctions } from './step-functions';

/** Who signed a request: a function (its role) or the harness itself (seeding data, tests). */
export type Principal =
  | { kind: 'role'; roleArn: string; sessionName: string; functionName: string }
  | { kind: 'admin' };

export type Service = 'dynamodb' | 's3' | 'events' | 'states' | 'ses' | 'kms';

/** One call the endpoint saw: who, what, on what, and whether IAM let it through. */
export interface CallRecord {
  at: string;
  principal: string;
  service: Service;
  operation: string;
  resources: string[];
  denied?: string;
  fault?: string;
}

/** A fault to inject: matching calls get this AWS error instead of being served. */
export interface FaultRule {
  service: Service;
  /** The API operation, e.g. "Query", "SendEmail", "DeleteObjects", "StartExecution". */
  operation?: string;
  /** Only calls of this function (its name contains this text). */
  functionName?: string;
  /** Only calls whose resources include one containing this text (a table, a key prefix). */
  resource?: string;
  /** Let this many matching calls through first. @default 0 */
  after?: number;
  /** Fail this many matching calls, then serve again. @default every one */
  times?: number;
  /** The AWS error code, e.g. "ThrottlingException", "TooManyRequestsException", "InternalError". */
  code?: string;
  message?: string;
  /**
   * Fail only this share (0–1) of the matching calls, at random: a store under load throttling
   * some reads (`npm run load -- --inject-throttling 0.2`). @default every matching call
   */
  share?: number;
  /** Instead of (or before) an error: hold the call this long, like a slow network or store. */
  delayMs?: number;
  /**
   * DeleteObjects only, applied key by key (`resource` then matches each object): "error" answers
   * 200 with `code` (default InternalError) for each matching key in `Errors`, as S3 reports keys
   * it could not delete; "ignored" answers them as deleted and leaves them in place (a delete that
   * did not take). `after` and `times` count keys.
   */
  perKey?: 'error' | 'ignored';
}

export interface FaultHandle {
  /** Matching calls that were failed so far. */
  readonly hits: number;
  remove(): void;
}

export interface EndpointOptions {
  /** Where dynalite and s3rver listen; the endpoint forwards to them. */
  stores: { dynamodb: string; s3: string };
  region: string;
  tables: readonly TableResource[];
  buckets: readonly BucketResource[];
  principals: ReadonlyMap<string, Principal>;
  authorizer: Authorizer;
  eventBus: () => LocalEventBus;
  stepFunctions: () => LocalStepFunctions;
  email: () => LocalEmail;
  kms: LocalKms;
  /** The runtime's clock (see LocalRuntime.advanceClock): presigned URLs expire by it. */
  now: () => Date;
  /** Counts the read units dynalite reports for every read it serves. */
  readMeter: ReadMeter;
}

/** DynamoDB reads: the endpoint asks dynalite for their consumed capacity and meters it. */
const METERED_READS = new Set(['Query', 'Scan', 'GetItem', 'BatchGetItem']);

/** The key id the harness signs with; s3rver accepts only this one. */
export const ADMIN_ACCESS_KEY = 'S3RVER';

/**
 * The local runtime's single AWS endpoint (every function's AWS_ENDPOINT_URL). For each SDK call it
 * finds who signed it (each function's role has its own access key id), works out what IAM would
 * check (actions, resource ARNs, condition keys, KMS), refuses it with AccessDenied in the
 * service's own error format if the role's policies in the template do not allow it, applies any
 * injected fault, and then serves it: DynamoDB and S3 by forwarding to dynalite and s3rver,
 * EventBridge, Step Functions, SES and KMS's GenerateMac by the runtime's own emulations.
 */
export class AwsEndpoint {
  private server?: Server;
  private readonly tables: Map<string, TableResource>;
  private readonly buckets: Map<string, BucketResource>;
  private readonly faults = new Set<FaultRule & { seen: number; hits: number }>();
  readonly calls: CallRecord[] = [];

  constructor(private readonly options: EndpointOptions) {
    this.tables = new Map(options.tables.map((t) => [t.name, t]));
    this.buckets = new Map(options.buckets.map((b) => [b.name, b]));
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    });
    this.server.keepAliveTimeout = 30_000;
    return listenOnLoopback(this.server);
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }

  injectFault(rule: FaultRule): FaultHandle {
    const entry = { ...rule, seen: 0, hits: 0 };
    this.faults.add(entry);
    return {
      get hits() {
        return entry.hits;
      },
      remove: () => this.faults.delete(entry),
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const target = String(req.headers['x-amz-target'] ?? '');
    const service: Service = target.startsWith('DynamoDB_')
      ? 'dynamodb'
      : target.startsWith('AWSEvents.')
        ? 'events'
        : target.startsWith('AWSStepFunctions.')
          ? 'states'
          : target.startsWith('TrentService.')
            ? 'kms'
            : url.pathname.startsWith('/v2/email/')
              ? 'ses'
              : 's3';
    const protocol: Protocol = service === 's3' ? 's3' : service === 'ses' ? 'rest-json' : 'json';
    const requestId = randomUUID();
    const fail = (error: ServiceError) => {
      const response = errorResponse(protocol, error, requestId);
      res.writeHead(response.status, response.headers);
      res.end(response.body);
    };

    const principal = this.principalOf(req, url);
    if (!principal) {
      return fail(
        new ServiceError(
          service === 's3' ? 'InvalidAccessKeyId' : 'UnrecognizedClientException',
          'The security token included in the request is invalid.',
          403,
        ),
      );
    }
    if (service === 's3') return this.s3(req, res, url, principal, fail);

    const raw = await readBody(req);
    const json = raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as Record<string, unknown>);
    const operation =
      service === 'ses' ? sesOperation(req.method ?? 'GET', url) : target.slice(target.indexOf('.') + 1);
    const authorizations = this.authorizationsOf(service, operation, json);
    const refused = await this.refuse(principal, service, operation, authorizations);
    if (refused) return fail(refused);
    try {
      const result = await this.serve(service, operation, json, raw, req, res);
      if (result === 'forwarded') return;
      res.writeHead(200, {
        'content-type': service === 'ses' ? 'application/json' : 'application/x-amz-json-1.1',
        'x-amzn-requestid': requestId,
      });
      res.end(JSON.stringify(result));
    } catch (error) {
      if (error instanceof ServiceError) return fail(error);
      throw error;
    }
  }

  /** Authorization and faults for a call; undefined when it may proceed. */
  private async refuse(
    principal: Principal,
    service: Service,
    operation: string,
    authorizations: AuthorizationRequest[],
    resources: string[] = [],
    faultApplies: (fault: FaultRule) => boolean = () => true,
  ): Promise<ServiceError | undefined> {
    const record: CallRecord = {
      at: new Date().toISOString(),
      principal: principal.kind === 'admin' ? 'admin' : principal.functionName,
      service,
      operation,
      resources: [...new Set([...authorizations.map((a) => a.resource), ...resources])],
    };
    this.calls.push(record);
    if (this.calls.length > 20_000) this.calls.splice(0, 10_000);
    if (principal.kind === 'role') {
      const decision = this.options.authorizer.check(
        principal.roleArn,
        principal.sessionName,
        authorizations,
      );
      if (!decision.allowed) {
        record.denied = decision.request.action;
        // S3 and SES answer 403; the JSON protocols answer 400 with the error type in the body.
        const code = service === 's3' ? 'AccessDenied' : 'AccessDeniedException';
        return new ServiceError(code, decision.message, service === 's3' || service === 'ses' ? 403 : 400);
      }
    }
    const fault = this.matchFault(principal, service, operation, record.resources, faultApplies);
    if (!fault) return undefined;
    if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (!fault.code) return undefined;
    record.fault = fault.code;
    return new ServiceError(
      fault.code,
      fault.message ?? `Injected fault: ${fault.code}`,
      statusOf(fault.code),
    );
  }

  private matchFault(
    principal: Principal,
    service: Service,
    operation: string,
    resources: string[],
    applies: (fault: FaultRule) => boolean = (fault) => !fault.perKey,
  ) {
    for (const fault of this.faults) {
      if (fault.service !== service || !applies(fault)) continue;
      if (fault.operation && fault.operation !== operation) continue;
      if (
        fault.functionName &&
        (principal.kind !== 'role' || !principal.functionName.includes(fault.functionName))
      )
        continue;
      if (fault.resource && !resources.some((r) => r.includes(fault.resource as string))) continue;
      fault.seen++;
      if (fault.seen <= (fault.after ?? 0)) continue;
      if (fault.times !== undefined && fault.hits >= fault.times) continue;
      if (fault.share !== undefined && Math.random() >= fault.share) continue;
      fault.hits++;
      return fault;
    }
    return undefined;
  }

  private authorizationsOf(
    service: Service,
    operation: string,
    body: Record<string, unknown>,
  ): AuthorizationRequest[] {
    const region = this.options.region;
    switch (service) {
      case 'dynamodb':
        return dynamodbAuthorizations(operation, body, this.tables, region);
      case 'events':
        return ((body.Entries as PutEventsEntry[] | undefined) ?? []).map((entry) => ({
          action: `events:${operation}`,
          resource: LocalEventBus.busArn(entry.EventBusName ?? 'default', region),
          context: { 'events:source': entry.Source ?? '', 'events:detail-type': entry.DetailType ?? '' },
        }));
      case 'states':
        return [
          {
            action: `states:${operation}`,
            resource: String(body.stateMachineArn ?? body.executionArn ?? '*'),
          },
        ];
      case 'kms':
        return [{ action: `kms:${operation}`, resource: this.options.kms.keyArn(body.KeyId) }];
      case 'ses':
        return operation === 'SendEmail'
          ? this.options.email().authorizations(body)
          : [{ action: `ses:${operation}`, resource: '*' }];
      default:
        return [];
    }
  }

  private async serve(
    service: Service,
    operation: string,
    body: Record<string, unknown>,
    raw: Buffer,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<unknown> {
    switch (`${service}.${operation}`) {
      case 'events.PutEvents':
        return this.options.eventBus().putEvents((body.Entries as PutEventsEntry[]) ?? []);
      case 'states.StartExecution':
        return this.options.stepFunctions().startExecution(body);
      case 'states.DescribeExecution':
        return this.options.stepFunctions().describeExecution(body);
      case 'states.StopExecution':
        return this.options.stepFunctions().stopExecution(body);
      case 'states.GetExecutionHistory':
        return this.options.stepFunctions().getExecutionHistory(body);
      case 'ses.SendEmail':
        return this.options.email().send(body);
      case 'kms.GenerateMac':
        return this.options.kms.generateMac(body);
      default:
        if (service === 'dynamodb') {
          if (METERED_READS.has(operation)) await this.meteredRead(body, req, res);
          else await forward(this.options.stores.dynamodb, req, res, raw);
          return 'forwarded';
        }
        throw new ServiceError(
          'UnknownOperationException',
          `The local runtime does not emulate ${service}:${operation}`,
        );
    }
  }

  /**
   * A read, forwarded asking for its consumed capacity, metered per deployed table, and answered
   * as dynalite answered it (a caller that did not ask gets the figure too; the SDK ignores it).
   */
  private async meteredRead(
    body: Record<string, unknown>,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const asked = { ...body, ReturnConsumedCapacity: body.ReturnConsumedCapacity ?? 'TOTAL' };
    const answer = await exchange(this.options.stores.dynamodb, req, Buffer.from(JSON.stringify(asked)));
    if (answer.status === 200) {
      // Only the tail is decoded: the figure is the answer's last member.
      const at = answer.body.lastIndexOf('"ConsumedCapacity":');
      const tail = at < 0 ? '' : answer.body.subarray(at).toString('utf8');
      for (const consumed of consumedCapacityOf(tail)) {
        if (consumed.TableName)
          this.options.readMeter.record(consumed.TableName, consumed.CapacityUnits ?? 0);
      }
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  private async s3(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    principal: Principal,
    fail: (error: ServiceError) => void,
  ): Promise<void> {
    const call = s3Call(req.method ?? 'GET', url, this.buckets, this.options.region);
    if (presignedUrlExpired(url, this.options.now())) {
      req.resume();
      return fail(new ServiceError('AccessDenied', 'Request has expired', 403));
    }
    if (call.operation === 'DeleteObjects') {
      return this.deleteObjects(req, res, url, principal, call.bucket, await readBody(req), fail);
    }
    const refused = await this.refuse(principal, 's3', call.operation, call.authorizations);
    if (refused) {
      req.resume();
      return fail(refused);
    }
    // s3rver knows one key id; the signature is never checked (see reference/local-aws-notes.md).
    const path =
      url.pathname + url.search.replace(/X-Amz-Credential=[^%&/]+/, `X-Amz-Credential=${ADMIN_ACCESS_KEY}`);
    const headers = { ...req.headers };
    if (typeof headers.authorization === 'string') {
      headers.authorization = headers.authorization.replace(
        /Credential=[^/]+\//,
        `Credential=${ADMIN_ACCESS_KEY}/`,
      );
    }
    await forward(this.options.stores.s3, req, res, undefined, path, headers);
  }

  /**
   * DeleteObjects as S3 answers it: each key is authorized on its own (s3:DeleteObject on that
   * object) and a key that may not be deleted, or fails, comes back in `Errors` of a 200 answer,
   * while the others are deleted. (s3rver deletes all it is given and never reports per key.)
   */
  private async deleteObjects(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    principal: Principal,
    bucket: string,
    body: Buffer,
    fail: (error: ServiceError) => void,
  ): Promise<void> {
    const text = body.toString('utf8');
    const keys = deleteObjectsKeys(text);
    const arnOf = (key: string) => `arn:aws:s3:::${bucket}/${key}`;
    // Faults without perKey (and injected delays) apply to the whole call, as before.
    const refused = await this.refuse(
      principal,
      's3',
      'DeleteObjects',
      [],
      keys.map(arnOf),
      (fault) => !fault.perKey,
    );
    if (refused) return fail(refused);
    const errors: { key: string; code: string; message: string }[] = [];
    const deleted: string[] = [];
    const forwarded: string[] = [];
    for (const key of keys) {
      if (principal.kind === 'role') {
        const decision = this.options.authorizer.check(principal.roleArn, principal.sessionName, [
          { action: 's3:DeleteObject', resource: arnOf(key) },
        ]);
        if (!decision.allowed) {
          errors.push({ key, code: 'AccessDenied', message: 'Access Denied' });
          continue;
        }
      }
      const fault = this.matchFault(principal, 's3', 'DeleteObjects', [arnOf(key)], (f) => Boolean(f.perKey));
      if (fault?.perKey === 'error') {
        const code = fault.code ?? 'InternalError';
        errors.push({ key, code, message: fault.message ?? `Injected fault: ${code}` });
        continue;
      }
      deleted.push(key);
      if (fault?.perKey !== 'ignored') forwarded.push(key);
    }
    const record = this.calls.at(-1);
    if (record && errors.length > 0) record.fault = errors.map((e) => e.code).join(',');
    if (forwarded.length > 0) {
      const forwardBody = Buffer.from(
        `<Delete><Quiet>true</Quiet>${forwarded.map((k) => `<Object><Key>${xmlText(k)}</Key></Object>`).join('')}</Delete>`,
      );
      const answer = await sendTo(
        this.options.stores.s3,
        url.pathname + url.search,
        forwardBody,
        req.headers,
      );
      if (answer.status !== 200) {
        return fail(new ServiceError('InternalError', `The store answered ${answer.status}`, 500));
      }
    }
    const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(text);
    const result =
      '<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      (quiet ? '' : deleted.map((k) => `<Deleted><Key>${xmlText(k)}</Key></Deleted>`).join('')) +
      errors
        .map(
          (e) =>
            `<Error><Key>${xmlText(e.key)}</Key><Code>${xmlText(e.code)}</Code><Message>${xmlText(e.message)}</Message></Error>`,
        )
        .join('') +
      '</DeleteResult>';
    res.writeHead(200, { 'content-type': 'application/xml', 'x-amz-request-id': randomUUID() });
    res.end(result);
  }

  private principalOf(req: IncomingMessage, url: URL): Principal | undefined {
    const header = String(req.headers.authorization ?? '');
    const keyId =
      /Credential=([^/,\s]+)\//.exec(header)?.[1] ?? url.searchParams.get('X-Amz-Credential')?.split('/')[0];
    if (!keyId) return undefined;
    if (keyId === ADMIN_ACCESS_KEY) return { kind: 'admin' };
    return this.options.principals.get(keyId);
  }
}

/** A presigned URL past X-Amz-Date + X-Amz-Expires (by the runtime's clock, which may run ahead). */
function presignedUrlExpired(url: URL, now: Date): boolean {
  const date = url.searchParams.get('X-Amz-Date');
  const expires = url.searchParams.get('X-Amz-Expires');
  if (!date || !expires) return false;
  const signedAt = Date.parse(
    date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  return now.getTime() > signedAt + Number(expires) * 1000;
}

function sesOperation(method: string, url: URL): string {
  if (method === 'POST' && url.pathname === '/v2/email/outbound-emails') return 'SendEmail';
  return `${method} ${url.pathname}`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A rewritten DeleteObjects to s3rver, signed as the admin (it checks no signature), answered in
 * full: only the status matters to the caller.
 */
function sendTo(
  store: string,
  path: string,
  body: Buffer,
  original: IncomingMessage['headers'],
): Promise<{ status: number }> {
  const target = new URL(store);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(original)) {
    // The body changed: its length and checksums no longer apply.
    if (
      typeof value !== 'string' ||
      /^(content-length|content-md5|x-amz-checksum-|x-amz-sdk-checksum)/.test(name)
    )
      continue;
    headers[name] =
      name === 'authorization'
        ? value.replace(/Credential=[^/]+\//, `Credential=${ADMIN_ACCESS_KEY}/`)
        : value;
  }
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path,
        headers: { ...headers, host: target.host, 'content-length': String(body.length) },
      },
      (answer) => {
        answer.resume();
        answer.once('end', () => resolve({ status: answer.statusCode ?? 500 }));
        answer.once('error', reject);
      },
    );
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

/** Passes a request on to a store and its answer back, streaming both ways unless the body was read. */
/** Sends a (changed) body to a store and reads the whole answer. */
function exchange(
  store: string,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  const target = new URL(store);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url ?? '/',
        headers: { ...req.headers, host: target.host, 'content-length': String(body.length) },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.once('end', () =>
          resolve({ status: answer.statusCode ?? 500, headers: answer.headers, body: Buffer.concat(chunks) }),
        );
        answer.once('error', reject);
      },
    );
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

function forward(
  store: string,
  req: IncomingMessage,
  res: ServerResponse,
  body?: Buffer,
  path = req.url ?? '/',
  headers: IncomingMessage['headers'] = req.headers,
): Promise<void> {
  const target = new URL(store);
  return new Promise<void>((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path,
        headers: {
          ...headers,
          host: target.host,
          ...(body ? { 'content-length': String(body.length) } : {}),
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(res);
        answer.once('end', resolve);
        answer.once('error', reject);
      },
    );
    outgoing.once('error', reject);
    if (body) outgoing.end(body);
    else req.pipe(outgoing);
  });
}
