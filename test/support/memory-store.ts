import { Readable } from 'node:stream';
import type { ObjectStore } from '../../functions/core/ports';

/** Holds objects in memory: a unit test's ObjectStore, for collecting without a network. */
export class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, Buffer>();
  async put(key: string, body: Readable): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
    this.objects.set(key, Buffer.concat(chunks));
  }
  async get(key: string): Promise<Readable> {
    return Readable.from([this.objects.get(key) ?? Buffer.alloc(0)]);
  }
  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }
  async keysUnder(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix));
  }
  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.objects.delete(key);
  }
}
