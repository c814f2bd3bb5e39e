import type { TableResource } from './deployment';
import type { AuthorizationRequest } from './iam-policy';

type AttributeValue = Record<string, unknown>;
type Body = Record<string, unknown>;

/**
 * What one DynamoDB API call needs from IAM: the action on each table or index it touches, with
 * `dynamodb:LeadingKeys` (the partition key values it reads or writes) for fine-grained access,
 * and kms:Decrypt on the key of a table encrypted with a customer-managed key (DynamoDB uses the
 * caller's permission on that key: "Encryption at rest: how it works", DynamoDB Developer Guide).
 */
export function dynamodbAuthorizations(
  operation: string,
  body: Body,
  tables: ReadonlyMap<string, TableResource>,
  region: string,
): AuthorizationRequest[] {
  const action = `dynamodb:${operation}`;
  const requests: AuthorizationRequest[] = [];
  const add = (tableName: string, leadingKeys: string[] | undefined, index?: string) => {
    const table = tables.get(tableName);
    const tableArn = table?.arn ?? `arn:aws:dynamodb:${region}:000000000000:table/${tableName}`;
    requests.push({
      action,
      resource: index ? `${tableArn}/index/${index}` : tableArn,
      ...(leadingKeys ? { context: { 'dynamodb:LeadingKeys': leadingKeys } } : {}),
    });
    if (table?.kmsKeyArn) {
      requests.push({
        action: 'kms:Decrypt',
        resource: table.kmsKeyArn,
        context: { 'kms:ViaService': `dynamodb.${region}.amazonaws.com` },
      });
    }
  };
  switch (operation) {
    case 'GetItem':
    case 'DeleteItem':
    case 'UpdateItem':
      add(String(body.TableName), leadingKey(tables, String(body.TableName), body.Key as Body));
      break;
    case 'PutItem':
      add(String(body.TableName), leadingKey(tables, String(body.TableName), body.Item as Body));
      break;
    case 'Query': {
      const table = String(body.TableName);
      const index = body.IndexName === undefined ? undefined : String(body.IndexName);
      add(table, queryLeadingKey(tables.get(table), index, body), index);
      break;
    }
    case 'BatchGetItem':
      for (const [table, spec] of Object.entries(
        (body.RequestItems ?? {}) as Record<string, { Keys?: Body[] }>,
      )) {
        add(
          table,
          (spec.Keys ?? []).flatMap((key) => leadingKey(tables, table, key) ?? []),
        );
      }
      break;
    case 'BatchWriteItem':
      for (const [table, writes] of Object.entries((body.RequestItems ?? {}) as Record<string, Body[]>)) {
        const keys = writes.flatMap((write) => {
          const item =
            (write.PutRequest as Body | undefined)?.Item ?? (write.DeleteRequest as Body | undefined)?.Key;
          return leadingKey(tables, table, item as Body) ?? [];
        });
        add(table, keys);
      }
      break;
    case 'Scan':
      add(
        String(body.TableName),
        undefined,
        body.IndexName === undefined ? undefined : String(body.IndexName),
      );
      break;
    default:
      if (typeof body.TableName === 'string') add(body.TableName, undefined);
      else requests.push({ action, resource: '*' });
  }
  return requests;
}

function leadingKey(tables: ReadonlyMap<string, TableResource>, tableName: string, item: Body | undefined) {
  const partition = tables.get(tableName)?.partitionKey;
  if (!partition || !item) return undefined;
  const value = scalar(item[partition] as AttributeValue | undefined);
  return value === undefined ? undefined : [value];
}

/** The partition key value a Query names in `pk = :v` (or the legacy KeyConditions). */
function queryLeadingKey(table: TableResource | undefined, index: string | undefined, body: Body) {
  if (!table) return undefined;
  const schema = index ? table.indexes.find((i) => i.IndexName === index)?.KeySchema : table.keySchema;
  const partition = schema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  if (!partition) return undefined;
  const legacy = (
    body.KeyConditions as Record<string, { AttributeValueList?: AttributeValue[] }> | undefined
  )?.[partition];
  if (legacy) {
    const value = scalar(legacy.AttributeValueList?.[0]);
    return value === undefined ? undefined : [value];
  }
  const expression = String(body.KeyConditionExpression ?? '');
  const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (body.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
  for (const match of expression.matchAll(/([#A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)/g)) {
    const [, nameToken = '', valueToken = ''] = match;
    const name = nameToken.startsWith('#') ? names[nameToken] : nameToken;
    if (name === partition) {
      const value = scalar(values[valueToken]);
      return value === undefined ? undefined : [value];
    }
  }
  return undefined;
}

function scalar(value: AttributeValue | undefined): string | undefined {
  if (!value) return undefined;
  for (const type of ['S', 'N', 'B']) if (typeof value[type] === 'string') return value[type] as string;
  return undefined;
}
