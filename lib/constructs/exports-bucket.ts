import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ARCHIVES_PREFIX, STAGING_PREFIX } from '../../functions/core/archive/layout';

/** Where the pipeline's objects live: staged per-source files, then the player's archive. */
export { ARCHIVES_PREFIX, STAGING_PREFIX };

export interface ExportsBucketProps {
  /** Customer-managed key (with rotation) for SSE-KMS. */
  readonly encryptionKey: IKey;
  /** Days an archive is kept: one day past the longest link lifetime. */
  readonly archiveRetentionDays: number;
  /** Staged files are useless once the archive is built (or the request failed). @default 1 */
  readonly stagingRetentionDays?: number;
  /** @default 90 */
  readonly accessLogRetentionDays?: number;
  /**
   * With versioning on, a lifecycle expiry only adds a delete marker; noncurrent versions are then
   * expired after one day so personal data really goes. @default false
   */
  readonly versioned?: boolean;
}

/**
 * The bucket that holds players' archives, secure by default (after aws-solutions-constructs):
 * no public access, TLS only, SSE-KMS with a customer-managed key, server access logs, and
 * lifecycle rules that delete personal data on time even if the expiry sweep never runs.
 * Retained on stack deletion: removing it is an operator's decision, not a side effect.
 */
export class ExportsBucket extends Construct {
  readonly bucket: IBucket;
  readonly accessLogs: IBucket;

  constructor(scope: Construct, id: string, props: ExportsBucketProps) {
    super(scope, id);
    const accessLogs = new Bucket(this, 'AccessLogs', {
      // Server access logging cannot deliver to an SSE-KMS bucket; S3-managed keys are the option.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(props.accessLogRetentionDays ?? 90),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket is the server access log target of the exports bucket; logging it into itself or a third bucket would only log the log deliveries.',
    });

    const days = (n: number) => Duration.days(n);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      // One data key per bucket instead of one KMS call per object: same protection, far fewer requests.
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'exports/',
      versioned: props.versioned ?? false,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-archives',
          prefix: ARCHIVES_PREFIX,
          expiration: days(props.archiveRetentionDays),
          ...(props.versioned ? { noncurrentVersionExpiration: days(1) } : {}),
        },
        {
          id: 'expire-staging',
          prefix: STAGING_PREFIX,
          expiration: days(props.stagingRetentionDays ?? 1),
          ...(props.versioned ? { noncurrentVersionExpiration: days(1) } : {}),
        },
        {
          // Parts of a failed streamed upload are invisible but billed and still personal data.
          id: 'abort-incomplete-multipart-uploads',
          abortIncompleteMultipartUploadAfter: days(1),
        },
      ],
    });
    this.accessLogs = accessLogs;
  }
}
