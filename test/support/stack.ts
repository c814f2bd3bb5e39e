import type { Readable } from 'node:stream';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { LocalStack } from '../../local/local-stack';

export async function objectKeys(stack: LocalStack, prefix: string): Promise<string[]> {
  // One page is enough for tests (s3rver cannot page a listing, see local-aws-notes).
  const listed = await stack.clients.s3.send(
    new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: prefix }),
  );
  return (listed.Contents ?? []).map((o) => o.Key as string);
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
