/** Named errors: each says what went wrong and, where there is one, how to fix it. */

export class PlayerNotFoundError extends Error {
  override name = 'PlayerNotFoundError';
  constructor(readonly playerId: string) {
    super(`No player with id ${JSON.stringify(playerId)} was found in the identity source`);
  }
}

/** A store failed while a source was being read or staged; names the source so ops know where to look. */
export class SourceReadError extends Error {
  override name = 'SourceReadError';
  constructor(
    readonly sourceId: string,
    readonly table: string,
    cause: unknown,
  ) {
    super(`Reading source "${sourceId}" (table ${table}) failed: ${describe(cause)}`, { cause });
  }
}

/** A staged file changed between collection and packaging: the archive would not match its manifest. */
export class StagedFileCorruptError extends Error {
  override name = 'StagedFileCorruptError';
  constructor(
    readonly path: string,
    expected: string,
    actual: string,
  ) {
    super(`Staged file ${path} does not match its checksum (expected sha256 ${expected}, got ${actual})`);
  }
}

export class ArchiveBuildError extends Error {
  override name = 'ArchiveBuildError';
}

export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** The mail service refused a message for good (unverified sender, suppressed address, sandbox): retrying cannot help. */
export class MailRejectedError extends Error {
  override name = 'MailRejectedError';
  constructor(readonly code: string) {
    super(`The mail service refused the message: ${code}`);
  }
}

/** Objects the store could not delete; personal data may be left, so this is reported and retried. */
export class DeleteFailedError extends Error {
  override name = 'DeleteFailedError';
  constructor(
    readonly keys: readonly string[],
    readonly codes: readonly string[],
  ) {
    super(`${keys.length} object(s) could not be deleted (${[...new Set(codes)].join(', ')})`);
  }
}

/**
 * A store kept throttling our reads for longer than one invocation may wait. Never a reason to
 * fail an export: the workflow retries it with long waits (workflow.ts), well within the legal month.
 */
export class SourceThrottledError extends Error {
  override name = 'SourceThrottledError';
  constructor(
    readonly table: string,
    readonly waitedMs: number,
  ) {
    super(
      `Reads of table ${table} were throttled for ${Math.round(waitedMs / 1000)} s; the step is retried later`,
    );
  }
}
