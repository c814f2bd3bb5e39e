/**
 * An operator asked for something the request's state does not allow (retry a READY request,
 * cancel a finished one, re-send a link while its first delivery is under way). The message says
 * what the request is doing and what to do instead; ids and states only.
 */
export class OpsRefusedError extends Error {
  override name = 'OpsRefusedError';
}
