import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock, EventPublisher } from '../../core/ports';

/** One line of the local events file: the fields of an EventBridge event that a reader needs. */
export interface LocalEvent {
  time: string;
  source: string;
  'detail-type': string;
  detail: Record<string, unknown>;
}

/**
 * EventPublisher for the local stack: appends one JSON line per event to a file (by default
 * `.local/events.jsonl`), so a developer can `tail -f` what the portal would receive.
 */
export class FileEventPublisher implements EventPublisher {
  constructor(
    readonly path = '.local/events.jsonl',
    private readonly clock: Clock = { now: () => new Date() },
    private readonly source = 'player-data-export',
  ) {}

  async publish(
    detailType: 'ExportStatusChanged' | 'ExportReady',
    detail: Record<string, unknown>,
  ): Promise<void> {
    const event: LocalEvent = {
      time: this.clock.now().toISOString(),
      source: this.source,
      'detail-type': detailType,
      detail,
    };
    await mkdir(dirname(this.path), { recursive: true });
    // One appendFile call per line: O_APPEND writes of one small buffer are not interleaved, so
    // concurrent publishers in one process still leave whole lines.
    await appendFile(this.path, `${JSON.stringify(event)}\n`, 'utf8');
  }
}

/** Reads the events file back (tests, the local CLI). */
export async function readLocalEvents(path: string): Promise<LocalEvent[]> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LocalEvent);
}
