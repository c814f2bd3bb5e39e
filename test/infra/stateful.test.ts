import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { minimumArchiveRetentionDays } from '../../config/deploy';
import { flatten, synthTemplates } from './template-helpers';

const { stateful, pipeline } = synthTemplates();

function exportsBucket() {
  const buckets = stateful.findResources('AWS::S3::Bucket', {
    Properties: {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
      },
    },
  });
  const entries = Object.entries(buckets);
  expect(entries).toHaveLength(1);
  return entries[0] as [string, { Properties: Record<string, unknown>; DeletionPolicy?: string }];
}

describe('Pseudonym key', () => {
  it('is an HMAC key for GenerateMac, exported for the pipeline', () => {
    const keys = stateful.findResources('AWS::KMS::Key', { Properties: { KeyUsage: 'GENERATE_VERIFY_MAC' } });
    const [id, key] = Object.entries(keys)[0] ?? [];
    expect(Object.keys(keys)).toHaveLength(1);
    expect(key?.Properties.KeySpec).toBe('HMAC_256');
    const output = Object.values(stateful.findOutputs('*')).find((o) => flatten(o.Value) === `\${${id}.Arn}`);
    expect(output?.Export?.Name).toBe('PlayerDataExport-PseudonymKeyArn');
  });
});

describe('Exports bucket', () => {
  it('encrypts with SSE-KMS under a customer-managed key that rotates', () => {
    const [, bucket] = exportsBucket();
    const rule = (
      bucket.Properties.BucketEncryption as { ServerSideEncryptionConfiguration: Record<string, never>[] }
    ).ServerSideEncryptionConfiguration[0] as Record<string, Record<string, never>>;
    const keyRef = flatten(rule.ServerSideEncryptionByDefault?.KMSMasterKeyID);
    const keys = stateful.findResources('AWS::KMS::Key');
    const keyId = Object.keys(keys).find((id) => keyRef === `\${${id}.Arn}`);
    expect(keyId, `bucket key ${keyRef} is one of this stack's keys`).toBeDefined();
    expect(keys[keyId as string]?.Properties.EnableKeyRotation).toBe(true);
    expect(keys[keyId as string]?.DeletionPolicy).toBe('Retain');
  });

  it('blocks every kind of public access', () => {
    const [, bucket] = exportsBucket();
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('refuses requests without TLS (bucket policy denies aws:SecureTransport false)', () => {
    const [bucketId] = exportsBucket();
    const policies = Object.values(stateful.findResources('AWS::S3::BucketPolicy')).filter(
      (p) => flatten(p.Properties.Bucket) === `\${${bucketId}}`,
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0]?.Properties.PolicyDocument.Statement as Record<string, never>[];
    const deny = statements.find(
      (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'),
    );
    expect(deny?.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
    expect(deny?.Action).toBe('s3:*');
    expect(deny?.Principal).toEqual({ AWS: '*' });
    const resources = ((deny?.Resource ?? []) as never[]).map(flatten);
    expect(resources).toEqual([`\${${bucketId}.Arn}`, `\${${bucketId}.Arn}/*`]);
  });

  it('deletes archives a day after the longest link, staging after a day, stray multipart parts after a day', () => {
    const [, bucket] = exportsBucket();
    const rules = (
      bucket.Properties.LifecycleConfiguration as unknown as { Rules: Record<string, unknown>[] }
    ).Rules;
    const byId = Object.fromEntries(rules.map((r) => [r.Id, r]));
    expect(byId['expire-archives']).toMatchObject({
      Status: 'Enabled',
      Prefix: 'archives/',
      ExpirationInDays: minimumArchiveRetentionDays(7 * 86_400),
    });
    expect(minimumArchiveRetentionDays(7 * 86_400)).toBe(8);
    expect(byId['expire-staging']).toMatchObject({
      Status: 'Enabled',
      Prefix: 'staging/',
      ExpirationInDays: 1,
    });
    expect(byId['abort-incomplete-multipart-uploads']).toMatchObject({
      Status: 'Enabled',
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
    });
    expect(byId['abort-incomplete-multipart-uploads']?.Prefix).toBeUndefined();
  });

  it('follows a longer link lifetime', () => {
    const longer = synthTemplates({ linkTtl: '337h' });
    longer.stateful.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-archives', ExpirationInDays: 16 })]),
      },
    });
  });

  it('writes server access logs to a separate, TLS-only, non-public log bucket', () => {
    const [, bucket] = exportsBucket();
    const logging = bucket.Properties.LoggingConfiguration as unknown as Record<string, never>;
    const target = flatten(logging.DestinationBucketName).replace(/^\$\{|\}$/g, '');
    const logBucket = stateful.findResources('AWS::S3::Bucket')[target];
    expect(logBucket?.Properties.PublicAccessBlockConfiguration.BlockPublicAcls).toBe(true);
    expect(logBucket?.DeletionPolicy).toBe('Retain');
  });

  it('is retained when the stack is deleted', () => {
    const [, bucket] = exportsBucket();
    expect(bucket.DeletionPolicy).toBe('Retain');
  });
});

describe('Pipeline table', () => {
  const tables = stateful.findResources('AWS::DynamoDB::Table', {
    Properties: { TimeToLiveSpecification: Match.anyValue() },
  });
  const [tableId, table] = Object.entries(tables)[0] as [
    string,
    { Properties: Record<string, never>; DeletionPolicy: string },
  ];

  it('is encrypted with the customer-managed key', () => {
    expect(Object.keys(tables)).toHaveLength(1);
    expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
    expect(
      flatten((table.Properties.SSESpecification as unknown as Record<string, never>).KMSMasterKeyId),
    ).toMatch(/^\$\{DataKey.*\.Arn\}$/);
  });

  it('has point-in-time recovery, deletion protection and RETAIN', () => {
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table.DeletionPolicy).toBe('Retain');
  });

  it('expires items by the `ttl` attribute', () => {
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
  });

  it('has the keys and indexes the adapters use (functions/adapters/dynamodb/pipeline-table.ts)', () => {
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    const indexes = (
      table.Properties.GlobalSecondaryIndexes as unknown as { IndexName: string; KeySchema: unknown }[]
    ).map((i) => [i.IndexName, i.KeySchema]);
    expect(indexes).toEqual([
      [
        'byPlayer',
        [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
      ],
      [
        'byState',
        [
          { AttributeName: 'gsi2pk', KeyType: 'HASH' },
          { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
        ],
      ],
      [
        'awaitingCleanUp',
        [
          { AttributeName: 'gsi3pk', KeyType: 'HASH' },
          { AttributeName: 'gsi3sk', KeyType: 'RANGE' },
        ],
      ],
    ]);
    expect(tableId).toMatch(/^PipelineTable/);
  });
});

describe('Stack exports', () => {
  it('the pipeline stack imports the bucket by the stateful stack’s named exports', () => {
    const outputs = stateful.findOutputs('*');
    const names = Object.values(outputs)
      .map((o) => o.Export?.Name)
      .filter(Boolean);
    expect(names).toEqual(
      expect.arrayContaining(['PlayerDataExport-ExportsBucketArn', 'PlayerDataExport-DataKeyArn']),
    );
    expect(JSON.stringify(pipeline.toJSON())).toContain('PlayerDataExport-ExportsBucketArn');
  });
});
