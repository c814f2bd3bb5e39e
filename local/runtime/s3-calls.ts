import type { BucketResource } from './deployment';
import type { AuthorizationRequest } from './iam-policy';

export interface S3Call {
  operation: string;
  bucket: string;
  key?: string;
  /** Empty for DeleteObjects: it names its keys in the body, and each key is authorized on its own. */
  authorizations: AuthorizationRequest[];
}

/**
 * Names a path-style S3 request (the runtime's S3 clients use path-style) and what IAM needs for
 * it, following "Actions, resources, and condition keys for Amazon S3": object reads and writes on
 * the object ARN, listing on the bucket ARN with `s3:prefix`, every multipart step as s3:PutObject
 * (AbortMultipartUpload has its own action), and for a bucket whose default encryption is a KMS
 * key, the key permissions S3 uses on the caller's behalf ("Using server-side encryption with AWS
 * KMS keys": GenerateDataKey to write, Decrypt to read and to continue a multipart upload).
 */
export function s3Call(
  method: string,
  url: URL,
  buckets: ReadonlyMap<string, BucketResource>,
  region: string,
): S3Call {
  const [bucketPart = '', ...keyParts] = url.pathname.slice(1).split('/');
  const bucket = decodeURIComponent(bucketPart);
  const joined = keyParts.map(decodeURIComponent).join('/');
  const key = joined === '' ? undefined : joined;
  const query = url.searchParams;
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const objectArn = key === undefined ? bucketArn : `${bucketArn}/${key}`;
  const kmsKey = buckets.get(bucket)?.kmsKeyArn;
  const kms = (actions: string[]) =>
    kmsKey
      ? actions.map((action) => ({
          action,
          resource: kmsKey,
          context: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
        }))
      : [];
  const call = (operation: string, authorizations: AuthorizationRequest[]): S3Call => ({
    operation,
    bucket,
    ...(key !== undefined ? { key } : {}),
    authorizations,
  });
  const on = (action: string, resource = objectArn, context?: AuthorizationRequest['context']) => ({
    action,
    resource,
    ...(context ? { context } : {}),
  });

  if (key === undefined) {
    if (method === 'POST' && query.has('delete')) return call('DeleteObjects', []);
    if (method === 'GET' || method === 'HEAD') {
      const prefix = query.get('prefix') ?? '';
      return call(query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects', [
        on('s3:ListBucket', bucketArn, { 's3:prefix': prefix }),
      ]);
    }
    if (method === 'PUT') return call('CreateBucket', [on('s3:CreateBucket', bucketArn)]);
    if (method === 'DELETE') return call('DeleteBucket', [on('s3:DeleteBucket', bucketArn)]);
    return call('Bucket', [on('s3:*', bucketArn)]);
  }
  if (query.has('tagging')) {
    const action = { GET: 'GetObjectTagging', DELETE: 'DeleteObjectTagging' }[method] ?? 'PutObjectTagging';
    return call(action, [on(`s3:${action}`)]);
  }
  // Reading a given version is its own action (s3:GetObjectVersion), as AWS checks it.
  const version = query.has('versionId') ? 'Version' : '';
  if (method === 'GET' && query.has('uploadId'))
    return call('ListParts', [on('s3:ListMultipartUploadParts')]);
  if (method === 'GET') return call('GetObject', [on(`s3:GetObject${version}`), ...kms(['kms:Decrypt'])]);
  // HeadObject needs s3:GetObject; it reads no encrypted bytes, so no key permission.
  if (method === 'HEAD') return call('HeadObject', [on(`s3:GetObject${version}`)]);
  if (method === 'DELETE' && query.has('uploadId'))
    return call('AbortMultipartUpload', [on('s3:AbortMultipartUpload')]);
  if (method === 'DELETE') return call('DeleteObject', [on('s3:DeleteObject')]);
  if (method === 'POST' && query.has('uploads')) {
    return call('CreateMultipartUpload', [
      on('s3:PutObject'),
      ...kms(['kms:GenerateDataKey', 'kms:Decrypt']),
    ]);
  }
  if (method === 'POST' && query.has('uploadId')) {
    return call('CompleteMultipartUpload', [on('s3:PutObject'), ...kms(['kms:Decrypt'])]);
  }
  if (method === 'PUT' && query.has('uploadId')) {
    return call('UploadPart', [on('s3:PutObject'), ...kms(['kms:GenerateDataKey', 'kms:Decrypt'])]);
  }
  return call('PutObject', [on('s3:PutObject'), ...kms(['kms:GenerateDataKey'])]);
}

/** The keys a DeleteObjects body names (`<Object><Key>…</Key></Object>`, XML-escaped). */
export function deleteObjectsKeys(body: string): string[] {
  return [...body.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map(([, key = '']) =>
    // One pass, so a decoded "&" never starts another entity (&#38;amp; is the text "&amp;").
    key.replace(/&(lt|gt|quot|apos|amp|#x[0-9a-f]+|#[0-9]+);/gi, (_m, entity: string) => {
      const named: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
      if (entity.startsWith('#x') || entity.startsWith('#X'))
        return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
      if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
      return named[entity.toLowerCase()] ?? `&${entity};`;
    }),
  );
}
