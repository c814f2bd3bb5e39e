import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** The request CloudFormation sends a Lambda-backed custom resource (the fields read here). */
export interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceProperties: Record<string, unknown>;
}

export type CustomResourceStatus = { status: 'SUCCESS' } | { status: 'FAILED'; reason: string };

/**
 * Answers CloudFormation at the request's presigned ResponseURL ("Custom resource response
 * objects"). The body is PUT with an empty Content-Type, as the URL was signed without one; an
 * unanswered request would hold the stack for an hour, so callers answer on every path.
 */
export async function answerCustomResource(
  event: CustomResourceEvent,
  physicalResourceId: string,
  outcome: CustomResourceStatus,
): Promise<void> {
  const body = JSON.stringify({
    Status: outcome.status,
    // CloudFormation shows the reason in the stack's events; it is cut at 4 KB there anyway.
    Reason: outcome.status === 'FAILED' ? outcome.reason.slice(0, 1000) : 'OK',
    PhysicalResourceId: physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  const url = new URL(event.ResponseURL);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  await new Promise<void>((resolve, reject) => {
    const req = send(
      url,
      { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () =>
          (res.statusCode ?? 500) < 300
            ? resolve()
            : reject(new Error(`CloudFormation's response URL answered ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
