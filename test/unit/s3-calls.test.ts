import { describe, expect, it } from 'vitest';
import type { BucketResource } from '../../local/runtime/deployment';
import { deleteObjectsKeys, s3Call } from '../../local/runtime/s3-calls';

// Actions and resources follow "Actions, resources, and condition keys for Amazon S3" (Service
// Authorization Reference): object operations on the object ARN arn:aws:s3:::<bucket>/<key>,
// listing on the bucket ARN with the s3:prefix condition key. Key permissions follow "Using
// server-side encryption with AWS KMS keys (SSE-KMS)" (Amazon S3 User Guide): a writer needs
// kms:GenerateDataKey, a reader kms:Decrypt, and a multipart upload both.

// A region other than the deployment's, to see that the one passed in is used.
const REGION = 'eu-west-1';
const KEY = 'arn:aws:kms:eu-west-1:000000000000:key/0b5e6f1a-1111-2222-3333-444455556666';
const VIA_S3 = { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' };
const DECRYPT = { action: 'kms:Decrypt', resource: KEY, context: VIA_S3 };
const GENERATE = { action: 'kms:GenerateDataKey', resource: KEY, context: VIA_S3 };

const buckets: ReadonlyMap<string, BucketResource> = new Map([
  ['exports', { name: 'exports', arn: 'arn:aws:s3:::exports', kmsKeyArn: KEY }],
  ['plain', { name: 'plain', arn: 'arn:aws:s3:::plain' }],
]);

const call = (method: string, pathAndQuery: string) =>
  s3Call(method, new URL(`http://127.0.0.1:4569${pathAndQuery}`), buckets, REGION);

const OBJECT = 'arn:aws:s3:::exports/archives/r1.zip';

describe('s3Call: object reads', () => {
  it('GetObject: s3:GetObject on the object, kms:Decrypt for a bucket encrypted with a KMS key', () => {
    expect(call('GET', '/exports/archives/r1.zip')).toEqual({
      operation: 'GetObject',
      bucket: 'exports',
      key: 'archives/r1.zip',
      authorizations: [{ action: 's3:GetObject', resource: OBJECT }, DECRYPT],
    });
  });

  it('GetObject on a bucket without a KMS key: no key permission', () => {
    expect(call('GET', '/plain/a.txt').authorizations).toEqual([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::plain/a.txt' },
    ]);
  });

  it('HeadObject: s3:GetObject (the S3 reference maps HeadObject to it), and no key permission', () => {
    // HEAD reads the object's metadata, never its encrypted bytes: S3 asks KMS for nothing.
    expect(call('HEAD', '/exports/archives/r1.zip')).toEqual({
      operation: 'HeadObject',
      bucket: 'exports',
      key: 'archives/r1.zip',
      authorizations: [{ action: 's3:GetObject', resource: OBJECT }],
    });
  });

  // Bug (s3-calls.ts, `if (method === 'GET') return call('GetObject', …)`): GetObject with a
  // versionId reads a specific version, which IAM authorizes as s3:GetObjectVersion ("Actions,
  // resources, and condition keys for Amazon S3"; GetObject API reference: "you must have the
  // s3:GetObjectVersion permission to access a specific version of an object"). The runtime asks
  // for s3:GetObject, so a role with s3:GetObject alone reads old versions locally but not on AWS.
  it('GetObject of a specific version needs s3:GetObjectVersion', () => {
    expect(call('GET', '/plain/a.txt?versionId=3HL4kqtJlcpXroDTDmJ').authorizations).toEqual([
      { action: 's3:GetObjectVersion', resource: 'arn:aws:s3:::plain/a.txt' },
    ]);
  });
});

describe('s3Call: object writes and multipart uploads', () => {
  it('PutObject: s3:PutObject, kms:GenerateDataKey', () => {
    expect(call('PUT', '/exports/staging/r1/players.json')).toEqual({
      operation: 'PutObject',
      bucket: 'exports',
      key: 'staging/r1/players.json',
      authorizations: [
        { action: 's3:PutObject', resource: 'arn:aws:s3:::exports/staging/r1/players.json' },
        GENERATE,
      ],
    });
    expect(call('PUT', '/plain/a.txt').authorizations).toEqual([
      { action: 's3:PutObject', resource: 'arn:aws:s3:::plain/a.txt' },
    ]);
  });

  // Every multipart step is authorized as s3:PutObject (the S3 reference maps CreateMultipartUpload,
  // UploadPart and CompleteMultipartUpload to it). With SSE-KMS, the uploader needs
  // kms:GenerateDataKey and kms:Decrypt: S3 decrypts the parts to complete the upload.
  it('CreateMultipartUpload (POST ?uploads): s3:PutObject, kms:GenerateDataKey and kms:Decrypt', () => {
    const created = call('POST', '/exports/archives/r1.zip?uploads');
    expect(created.operation).toBe('CreateMultipartUpload');
    expect(created.key).toBe('archives/r1.zip');
    expect(created.authorizations).toEqual([{ action: 's3:PutObject', resource: OBJECT }, GENERATE, DECRYPT]);
  });

  it('UploadPart (PUT ?partNumber&uploadId): s3:PutObject, kms:GenerateDataKey and kms:Decrypt', () => {
    const part = call('PUT', '/exports/archives/r1.zip?partNumber=2&uploadId=u-1');
    expect(part.operation).toBe('UploadPart');
    expect(part.authorizations).toEqual([{ action: 's3:PutObject', resource: OBJECT }, GENERATE, DECRYPT]);
  });

  it('CompleteMultipartUpload (POST ?uploadId): s3:PutObject and kms:Decrypt', () => {
    const completed = call('POST', '/exports/archives/r1.zip?uploadId=u-1');
    expect(completed.operation).toBe('CompleteMultipartUpload');
    expect(completed.authorizations).toEqual([{ action: 's3:PutObject', resource: OBJECT }, DECRYPT]);
  });

  it('ListParts (GET ?uploadId): s3:ListMultipartUploadParts, no key permission', () => {
    const parts = call('GET', '/exports/archives/r1.zip?uploadId=u-1');
    expect(parts.operation).toBe('ListParts');
    expect(parts.authorizations).toEqual([{ action: 's3:ListMultipartUploadParts', resource: OBJECT }]);
  });

  it('AbortMultipartUpload (DELETE ?uploadId): its own action, s3:AbortMultipartUpload, no key permission', () => {
    const aborted = call('DELETE', '/exports/archives/r1.zip?uploadId=u-1');
    expect(aborted.operation).toBe('AbortMultipartUpload');
    expect(aborted.authorizations).toEqual([{ action: 's3:AbortMultipartUpload', resource: OBJECT }]);
  });
});

describe('s3Call: deletes, tagging, listing, buckets', () => {
  it('DeleteObject: s3:DeleteObject, no key permission', () => {
    expect(call('DELETE', '/exports/archives/r1.zip')).toEqual({
      operation: 'DeleteObject',
      bucket: 'exports',
      key: 'archives/r1.zip',
      authorizations: [{ action: 's3:DeleteObject', resource: OBJECT }],
    });
  });

  it('DeleteObjects (POST /bucket?delete): authorized per key, from the body, so nothing is authorized up front', () => {
    // The S3 reference maps DeleteObjects to s3:DeleteObject on each object it names.
    expect(call('POST', '/exports?delete')).toEqual({
      operation: 'DeleteObjects',
      bucket: 'exports',
      authorizations: [],
    });
  });

  it('GetObjectTagging and PutObjectTagging: s3:GetObjectTagging and s3:PutObjectTagging', () => {
    const read = call('GET', '/exports/archives/r1.zip?tagging');
    expect(read.operation).toBe('GetObjectTagging');
    expect(read.authorizations).toEqual([{ action: 's3:GetObjectTagging', resource: OBJECT }]);
    const write = call('PUT', '/exports/archives/r1.zip?tagging');
    expect(write.operation).toBe('PutObjectTagging');
    expect(write.authorizations).toEqual([{ action: 's3:PutObjectTagging', resource: OBJECT }]);
  });

  // Bug (s3-calls.ts, the `query.has('tagging')` branch): every tagging call that is not a GET is
  // named PutObjectTagging and asks for s3:PutObjectTagging. DELETE /key?tagging is
  // DeleteObjectTagging, which IAM authorizes as s3:DeleteObjectTagging ("Actions, resources, and
  // condition keys for Amazon S3").
  it('DeleteObjectTagging (DELETE ?tagging): s3:DeleteObjectTagging', () => {
    const removed = call('DELETE', '/exports/archives/r1.zip?tagging');
    expect(removed.operation).toBe('DeleteObjectTagging');
    expect(removed.authorizations).toEqual([{ action: 's3:DeleteObjectTagging', resource: OBJECT }]);
  });

  it('ListObjectsV2: s3:ListBucket on the bucket ARN with s3:prefix', () => {
    expect(call('GET', '/exports?list-type=2&prefix=staging%2Fr1%2F&max-keys=1000')).toEqual({
      operation: 'ListObjectsV2',
      bucket: 'exports',
      authorizations: [
        {
          action: 's3:ListBucket',
          resource: 'arn:aws:s3:::exports',
          context: { 's3:prefix': 'staging/r1/' },
        },
      ],
    });
  });

  it('a listing without a prefix is asked with s3:prefix "" (the S3 User Guide\'s policies allow "" for it)', () => {
    expect(call('GET', '/exports/?list-type=2').authorizations).toEqual([
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::exports', context: { 's3:prefix': '' } },
    ]);
    expect(call('GET', '/exports').operation).toBe('ListObjects');
  });

  it('CreateBucket and DeleteBucket: on the bucket ARN', () => {
    expect(call('PUT', '/new-bucket').authorizations).toEqual([
      { action: 's3:CreateBucket', resource: 'arn:aws:s3:::new-bucket' },
    ]);
    expect(call('DELETE', '/new-bucket')).toMatchObject({
      operation: 'DeleteBucket',
      authorizations: [{ action: 's3:DeleteBucket', resource: 'arn:aws:s3:::new-bucket' }],
    });
  });
});

describe('s3Call: keys', () => {
  it('decodes percent-encoded keys; the ARN names the decoded key', () => {
    const got = call('GET', '/plain/staging/req%201/caf%C3%A9%2Fx%3Fy%25.json');
    expect(got.key).toBe('staging/req 1/café/x?y%.json');
    expect(got.authorizations[0]?.resource).toBe('arn:aws:s3:::plain/staging/req 1/café/x?y%.json');
  });

  it('"+" in a path is a plus, not a space; empty segments are kept', () => {
    expect(call('PUT', '/plain/a+b//c').key).toBe('a+b//c');
  });
});

describe('deleteObjectsKeys', () => {
  it('reads every <Key> of a DeleteObjects body, XML entities decoded', () => {
    const body = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
      '<Object><Key>staging/r1/a&amp;b.json</Key></Object>',
      '<Object><Key>x&lt;y&gt;&quot;z&quot;&apos;</Key><VersionId>v1</VersionId></Object>',
      '<Object><Key>caf&#233;&#x2F;line&#xA;two</Key></Object>',
      '<Object><Key>&amp;lt; stays escaped once</Key></Object>',
      '<Quiet>true</Quiet>',
      '</Delete>',
    ].join('\n');
    expect(deleteObjectsKeys(body)).toEqual([
      'staging/r1/a&b.json',
      'x<y>"z"\'',
      'café/line\ntwo',
      '&lt; stays escaped once',
    ]);
  });

  it('a key may span lines; no keys, no entries', () => {
    expect(deleteObjectsKeys('<Delete><Object><Key>a\nb</Key></Object></Delete>')).toEqual(['a\nb']);
    expect(deleteObjectsKeys('<Delete><Quiet>true</Quiet></Delete>')).toEqual([]);
  });

  // Bug (s3-calls.ts, deleteObjectsKeys): numeric references are decoded before &amp;, so an
  // ampersand written as a character reference is decoded twice: "&#38;amp;" is the text "&amp;"
  // in XML, but comes out as "&". (The AWS SDK writes "&" as "&amp;", so its bodies do not hit this.)
  it('decodes each entity once: &#38;amp; is the text "&amp;"', () => {
    expect(deleteObjectsKeys('<Key>&#38;amp;</Key>')).toEqual(['&amp;']);
  });
});
