import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { attachmentDisposition } from '../../core/gateway/content-disposition';
import type { Presigner } from '../../core/ports';

/**
 * Presigned GET for one archive, signed on each click by the gateway. Short on purpose: a URL
 * signed with a Lambda's session credentials dies with that session anyway (DESIGN §2), and the
 * browser that was redirected uses it at once. S3 answers with the Content-Disposition asked for
 * here, so the file is saved under its archive name, never opened inline.
 */
export class S3Presigner implements Presigner {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly maxExpiresInSeconds = 300,
  ) {}

  presignDownload(key: string, fileName: string, expiresInSeconds: number): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentDisposition: attachmentDisposition(fileName),
      ResponseContentType: 'application/zip',
    });
    const expiresIn = Math.min(this.maxExpiresInSeconds, Math.max(1, Math.floor(expiresInSeconds)));
    return getSignedUrl(this.client, command, { expiresIn });
  }
}
