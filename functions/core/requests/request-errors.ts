import type { RequestState } from './request-record';

/** Named errors of the request lifecycle. Messages carry ids and states only, never personal data. */

export class RequestNotFoundError extends Error {
  override name = 'RequestNotFoundError';
  constructor(readonly requestId: string) {
    super(
      `No export request with id ${JSON.stringify(requestId)} exists (was it ever accepted by start-export?)`,
    );
  }
}

/**
 * The request was not in the state the caller expected: another worker moved it first. The caller
 * should re-read the request and decide again rather than overwrite what the other worker did.
 */
export class RequestStateConflictError extends Error {
  override name = 'RequestStateConflictError';
  constructor(
    readonly requestId: string,
    readonly expected: RequestState,
    readonly actual: RequestState,
  ) {
    super(`Request ${requestId} is in ${actual}, not ${expected}: another worker moved it first`);
  }
}

export class GrantNotFoundError extends Error {
  override name = 'GrantNotFoundError';
  constructor(tokenHash: string) {
    // Only a prefix of the hash: enough to find it in the table, useless as a credential.
    super(`No download grant with token hash ${tokenHash.slice(0, 12)}… exists`);
  }
}

export interface EventIssue {
  /** Dotted path into the event, e.g. `detail.requestedAt`. */
  path: string;
  problem: string;
}

/**
 * An event that failed validation at the edge. Thrown (not swallowed) so that Lambda's async
 * invoke hands the event to the dead-letter destination. The message names each field and what is
 * wrong with it, never the value (it may be an e-mail address).
 */
export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
  constructor(
    readonly eventName: string,
    readonly issues: EventIssue[],
  ) {
    super(
      `Invalid ${eventName} event: ${issues.map((i) => `${i.path}: ${i.problem}`).join('; ')}. ` +
        'Fix the producer, then re-drive the event from the dead-letter queue.',
    );
  }
}

/**
 * A step of an attempt the watchdog has since replaced by a newer one: it must not move the request
 * or publish anything. Never retried; the newer attempt does the work.
 */
export class SupersededAttemptError extends Error {
  override name = 'SupersededAttemptError';
  constructor(
    readonly requestId: string,
    readonly attempt: number,
    readonly current: number,
  ) {
    super(`Attempt ${attempt} of request ${requestId} was superseded by attempt ${current}`);
  }
}
