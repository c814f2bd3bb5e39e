import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';

/** Where the local stores listen; absent on AWS, where the SDK finds the real endpoints. */
export interface LocalEndpoints {
  dynamodb: string;
  s3: string;
}

const localCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * The SDK clients, made once per process (composition root). On AWS they take region and
 * credentials from the Lambda environment. Locally they point at the embedded stores: s3rver
 * needs path-style addressing, and checksums only "when required", because a streamed PUT sent
 * aws-chunked is stored by s3rver with its chunk framing inside the object.
 */
export function createClients(local?: LocalEndpoints): { dynamodb: DynamoDBClient; s3: S3Client } {
  if (!local) return { dynamodb: new DynamoDBClient({}), s3: new S3Client({}) };
  const common = { region: 'us-east-1', credentials: localCredentials, maxAttempts: 3 };
  return {
    dynamodb: new DynamoDBClient({ ...common, endpoint: local.dynamodb }),
    s3: new S3Client({
      ...common,
      endpoint: local.s3,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  };
}
