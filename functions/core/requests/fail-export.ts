import { describe } from '../errors';
import type { ObjectStore } from '../ports';
import type { WorkflowInput } from '../workflow-types';
import { attemptObjectKeys } from './leftovers';
import { failRequest, type LifecycleDeps } from './lifecycle';
import { SupersededAttemptError } from './request-errors';
import type { RequestState } from './request-record';

export interface FailExportDeps extends LifecycleDeps {
  store: ObjectStore;
}

/**
 * The workflow's failure step. The failure is recorded first (the request is FAILED with the
 * reason, whatever happens next), then what this attempt wrote is removed, best effort: a delete
 * that fails is put on the audit trail and left to the schedule's clean-up, never allowed to hide
 * the failure or leave the request in a working state. A superseded attempt's failure leaves the
 * request to its successor and only removes its own objects.
 */
export async function failExport(
  deps: FailExportDeps,
  input: { request: WorkflowInput; reason: string },
): Promise<{ requestId: string; state: RequestState | 'SUPERSEDED'; cleanedUp: boolean }> {
  const { requestId, attempt } = input.request;
  let state: RequestState | 'SUPERSEDED';
  try {
    state = (await failRequest(deps, requestId, input.reason, attempt)).state;
  } catch (error) {
    if (!(error instanceof SupersededAttemptError)) throw error;
    state = 'SUPERSEDED';
  }
  try {
    await deps.store.delete(await attemptObjectKeys(deps.store, requestId, attempt));
  } catch (error) {
    await deps.requests.appendAudit({
      requestId,
      at: deps.clock.now().toISOString(),
      action: 'cleanup-failed',
      detail: `attempt ${attempt}: ${describe(error)}; the schedule's clean-up retries`,
    });
    return { requestId, state, cleanedUp: false };
  }
  // No `cleanedUpAt` here: a collector still running when another item failed the Map finishes
  // its invocation (Step Functions does not stop invocations in flight) and may stage after this
  // delete. The schedule's clean-up removes what such a straggler wrote once no invocation of the
  // request can still run (leftovers.ts, SETTLED_BEFORE_CLEAN_UP_MS).
  return { requestId, state, cleanedUp: true };
}
