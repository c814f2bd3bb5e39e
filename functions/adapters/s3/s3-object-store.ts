import type { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NotFound,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { DeleteFailedError } from '../../core/errors';
import type { ObjectStore, PutOptions } from '../../core/ports';

const MiB = 1024 * 1024;

export interface S3ObjectStoreOptions {
  /**
   * Multipart part size. 10,000 parts at most: 8 MiB parts allow objects up to 78 GiB, far past
   * any export; smaller parts keep each upload's buffers (partSize × (queueSize + 1)) small.
   */
  partSize?: number;
  /** Parts uploaded in parallel; memory is about partSize × (queueSize + 1). */
  queueSize?: number;
}

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly options: S3ObjectStoreOptions = {},
  ) {}

  /**
   * Multipart upload: the object becomes visible only when CompleteMultipartUpload succeeds, so a
   * failed stream leaves nothing to download (parts left behind are removed by the bucket's
   * abort-incomplete-multipart lifecycle rule).
   */
  async put(key: string, body: Readable, options: PutOptions = {}): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ...(options.contentType ? { ContentType: options.contentType } : {}),
        ...(options.contentDisposition ? { ContentDisposition: options.contentDisposition } : {}),
      },
      partSize: this.options.partSize ?? 8 * MiB,
      queueSize: this.options.queueSize ?? 2,
      leavePartsOnError: false,
    });
    let streamError: Error | undefined;
    body.once('error', (error) => {
      streamError = error;
      void upload.abort().catch(() => undefined);
    });
    try {
      await upload.done();
    } catch (error) {
      // The body's own error says why; the upload's is only "aborted".
      throw streamError ?? error;
    }
    if (streamError) throw streamError;
  }

  async get(key: string): Promise<Readable> {
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return response.Body as Readable;
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound') return false;
      throw error;
    }
  }

  /** Every key under a prefix, page by page (ListObjectsV2 answers 1,000 at most). */
  async keysUnder(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  /**
   * Deletes in batches of 1,000 (the API's limit). DeleteObjects answers 200 even when keys could
   * not be deleted: those come back in `Errors` (Quiet mode lists only them), and personal data
   * left behind must not go unnoticed, so they are retried once and then thrown.
   */
  async delete(keys: string[]): Promise<void> {
    const failed: { key: string; code: string }[] = [];
    for (let i = 0; i < keys.length; i += 1000) {
      let batch = keys.slice(i, i + 1000);
      for (let attempt = 1; batch.length > 0; attempt++) {
        const result = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        const errors = (result.Errors ?? []).filter((e) => e.Key !== undefined);
        if (attempt >= 2) {
          failed.push(...errors.map((e) => ({ key: e.Key as string, code: e.Code ?? 'Unknown' })));
          break;
        }
        batch = errors.map((e) => e.Key as string);
      }
    }
    if (failed.length > 0) {
      throw new DeleteFailedError(
        failed.map((f) => f.key),
        failed.map((f) => f.code),
      );
    }
  }
}
