import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, DeadLetterStore } from '../../core/ports';

/** One file of the dead-letter folder. */
export interface DeadLetter {
  failedAt: string;
  error: { name: string; message: string; issues?: unknown };
  event: unknown;
}

/**
 * DeadLetterStore for the local stack: each rejected event becomes one JSON file with the error,
 * as the SQS dead-letter queue keeps it on AWS. Like that queue it is a store, not a log: the event
 * may hold an e-mail address, so files are readable by the owner only.
 */
export class DeadLetterFolder implements DeadLetterStore {
  constructor(
    readonly folder = '.local/dead-letters',
    private readonly clock: Clock = { now: () => new Date() },
  ) {}

  async put(event: unknown, error: Error): Promise<void> {
    const failedAt = this.clock.now().toISOString();
    const letter: DeadLetter = {
      failedAt,
      error: {
        name: error.name,
        message: error.message,
        ...('issues' in error ? { issues: error.issues } : {}),
      },
      event,
    };
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    // Time first, so `ls` lists them in order; random suffix, so two in one millisecond both stay.
    const name = `${failedAt.replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.json`;
    await writeFile(join(this.folder, name), `${JSON.stringify(letter, null, 2)}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  }

  /** Every dead letter, oldest first (tests, the local CLI). */
  async list(): Promise<DeadLetter[]> {
    const names = await readdir(this.folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    const letters: DeadLetter[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      letters.push(JSON.parse(await readFile(join(this.folder, name), 'utf8')) as DeadLetter);
    }
    return letters;
  }
}
