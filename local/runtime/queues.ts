import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { QueueResource } from './deployment';

export interface QueuedMessage {
  messageId: string;
  sentAt: string;
  body: string;
  attributes: Record<string, string>;
}

/**
 * The template's SQS queues (the dead-letter queues) as folders: each message one JSON file,
 * readable by its owner only (a dead letter may hold an e-mail address), kept until someone looks.
 */
export class LocalQueues {
  constructor(
    private readonly dir: string,
    private readonly queues: readonly QueueResource[],
  ) {}

  byArn(arn: string): QueueResource | undefined {
    return this.queues.find((queue) => queue.arn === arn);
  }

  async send(queue: QueueResource, body: string, attributes: Record<string, string>): Promise<void> {
    const folder = join(this.dir, queue.name);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const message: QueuedMessage = {
      messageId: randomUUID(),
      sentAt: new Date().toISOString(),
      body,
      attributes,
    };
    const name = `${message.sentAt.replace(/[:.]/g, '-')}-${message.messageId.slice(0, 8)}.json`;
    await writeFile(join(folder, name), `${JSON.stringify(message, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  }

  /** Messages of a queue (by its logical name fragment, e.g. "StartExportDeadLetters"), oldest first. */
  async messages(nameFragment: string): Promise<QueuedMessage[]> {
    const queue = this.queues.find((q) => q.name.includes(nameFragment));
    if (!queue)
      throw new Error(
        `No queue named like ${nameFragment}; queues: ${this.queues.map((q) => q.name).join(', ')}`,
      );
    const folder = join(this.dir, queue.name);
    const names = await readdir(folder).catch(() => [] as string[]);
    const messages: QueuedMessage[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      messages.push(JSON.parse(await readFile(join(folder, name), 'utf8')) as QueuedMessage);
    }
    return messages;
  }
}
