import { DataFileError } from '../load-data';
import { RequestFailedError } from '../portal';

/** Exit codes: 1 the export could not be made (unknown player, store failure), 2 bad input. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** One clear line on stderr and a non-zero exit; never a stack trace for a mistake in the input. */
export function reportAndExit(error: unknown): never {
  if (error instanceof CliError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  if (error instanceof DataFileError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof RequestFailedError) {
    const reason = error.record.failureReason ?? 'no reason recorded';
    const unknown = reason.startsWith('PlayerNotFoundError');
    process.stderr.write(`error: ${unknown ? 'unknown player' : 'export failed'}: ${reason}\n`);
    process.exit(1);
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: export failed: ${message}\n`);
  if (process.env.DEBUG) console.error(error);
  process.exit(1);
}

export function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value))
    throw new CliError(`${flag} takes a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}
