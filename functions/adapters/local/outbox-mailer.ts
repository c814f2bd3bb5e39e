import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Mailer, MailMessage } from '../../core/ports';
import { buildMime } from './mime';

let sequence = 0;

export interface OutboxMailerOptions {
  /** Folder the .eml files are written to (created if missing). */
  folder: string;
  /** Sender, e.g. "Game Privacy <privacy@example.com>". */
  from: string;
  clock?: Clock;
}

/**
 * The local stand-in for SES: one RFC 5322 .eml per message, which any mail client opens. Files
 * are named by time so a directory listing is in sending order, and appear atomically (written
 * under a temporary name, then renamed) so a reader polling the folder never sees half a file.
 */
export class OutboxMailer implements Mailer {
  constructor(private readonly options: OutboxMailerOptions) {}

  async send(message: MailMessage): Promise<void> {
    await this.write(message);
  }

  /** Like send, and returns the path of the written file (for tests and the local CLI). */
  async write(message: MailMessage): Promise<string> {
    const date = this.options.clock?.now() ?? new Date();
    const eml = buildMime(message, { from: this.options.from, date });
    await mkdir(this.options.folder, { recursive: true });
    // The sequence keeps two messages of the same millisecond in sending order.
    sequence = (sequence + 1) % 1_000_000;
    const stamp = date.toISOString().replace(/[:.]/g, '-');
    const name = `${stamp}-${String(sequence).padStart(6, '0')}-${randomBytes(4).toString('hex')}.eml`;
    const path = join(this.options.folder, name);
    await writeFile(`${path}.tmp`, eml, 'utf8');
    await rename(`${path}.tmp`, path);
    return path;
  }
}
