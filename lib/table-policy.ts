import type { DataMap, SourceSpec } from '../functions/core/data-map/data-map';
import { readersOf, sourceReaderRoleName } from './constructs/data-map-access';

export class TablePolicyError extends Error {
  override name = 'TablePolicyError';
}

export interface TablePolicyRequest {
  dataMap: DataMap;
  /** The deployment whose roles read the table (config/deploy.ts, deploymentName). */
  deploymentName: string;
  /** The data map source whose table the policy is for. */
  sourceId: string;
  /** The account the pipeline is deployed in (the "privacy account"). */
  pipelineAccount: string;
}

/** A table ARN's parts: arn:<partition>:dynamodb:<region>:<account>:table/<name>. */
function tableArnParts(source: SourceSpec) {
  const match = /^arn:([^:]+):dynamodb:([a-z0-9-]+):([0-9]{12}):table\/([A-Za-z0-9_.-]+)$/.exec(source.table);
  if (!match) {
    throw new TablePolicyError(
      `source "${source.id}" names its table as ${JSON.stringify(source.table)}: a table in the pipeline's own account needs no resource policy. For a table in another account, give its ARN (arn:aws:dynamodb:<region>:<account>:table/<name>) in the data map.`,
    );
  }
  const [, partition, region, account, name] = match as unknown as [string, string, string, string, string];
  return { partition, region, account, name };
}

/**
 * The resource-based policy the game account attaches to a source's table so the pipeline's
 * readers (in another account) may Query it, and nothing else: the readers' fixed role names
 * (lib/constructs/data-map-access.ts), `dynamodb:Query` only, on the table or only the index the
 * data map reads. The pipeline must run in the table's region (its clients call their own).
 */
export function tablePolicy(request: TablePolicyRequest) {
  const source = request.dataMap.sources.find((s) => s.id === request.sourceId);
  if (!source) {
    const ids = request.dataMap.sources.map((s) => s.id).join(', ');
    throw new TablePolicyError(`no source "${request.sourceId}" in the data map (sources: ${ids})`);
  }
  if (!/^[0-9]{12}$/.test(request.pipelineAccount)) {
    throw new TablePolicyError(
      `the pipeline's account must be a 12-digit AWS account id, got ${JSON.stringify(request.pipelineAccount)}`,
    );
  }
  const table = tableArnParts(source);
  const principals = readersOf(request.dataMap, source).map(
    (reader) =>
      `arn:${table.partition}:iam::${request.pipelineAccount}:role/${sourceReaderRoleName(request.deploymentName, reader, table.region)}`,
  );
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: `${request.deploymentName.replace(/[^A-Za-z0-9]/g, '')}Reads${source.id.replace(/[^A-Za-z0-9]/g, '')}`,
        Effect: 'Allow',
        Principal: { AWS: principals },
        Action: 'dynamodb:Query',
        Resource: source.key.index ? `${source.table}/index/${source.key.index}` : source.table,
      },
    ],
  };
}
