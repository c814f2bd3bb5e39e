/**
 * The reason of a failure caught by Step Functions: a Lambda error arrives as `{ Error, Cause }`
 * where Cause is JSON with errorType and errorMessage (other failures carry plain text).
 */
export function stepFailureReason(error: { Error?: string; Cause?: string } | undefined): string {
  if (!error) return 'unknown failure';
  try {
    const cause = JSON.parse(error.Cause ?? '{}') as { errorType?: string; errorMessage?: string };
    return `${cause.errorType ?? error.Error ?? 'Error'}: ${cause.errorMessage ?? ''}`.trim();
  } catch {
    return `${error.Error ?? 'Error'}: ${error.Cause ?? ''}`.trim();
  }
}
