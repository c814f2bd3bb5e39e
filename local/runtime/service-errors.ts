/**
 * Errors as each AWS protocol returns them, so the SDK in a function parses them into the same
 * exception classes it would meet on AWS (AccessDeniedException, ThrottlingException, …).
 */

export type Protocol = 'json' | 'rest-json' | 's3';

export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function errorResponse(protocol: Protocol, error: ServiceError, requestId: string): ErrorResponse {
  if (protocol === 's3') {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xml(error.code)}</Code><Message>${xml(error.message)}</Message><RequestId>${requestId}</RequestId></Error>`;
    return {
      status: error.status,
      headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
      body,
    };
  }
  if (protocol === 'rest-json') {
    return {
      status: error.status,
      headers: {
        'content-type': 'application/json',
        'x-amzn-errortype': error.code,
        'x-amzn-requestid': requestId,
      },
      body: JSON.stringify({ message: error.message }),
    };
  }
  return {
    status: error.status,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId },
    body: JSON.stringify({ __type: error.code, message: error.message }),
  };
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The status AWS answers a throttling or failure code with, where it is not 400. */
export function statusOf(code: string): number {
  switch (code) {
    case 'AccessDenied':
      return 403;
    case 'NoSuchKey':
    case 'NoSuchBucket':
      return 404;
    case 'SlowDown':
    case 'ServiceUnavailable':
      return 503;
    case 'InternalError':
    case 'InternalFailure':
    case 'InternalServerError':
      return 500;
    case 'TooManyRequestsException':
      return 429;
    default:
      return 400;
  }
}
