import { describe, expect, it } from 'vitest';
import type { TableResource } from '../../local/runtime/deployment';
import { dynamodbAuthorizations } from '../../local/runtime/dynamodb-calls';

// What IAM is asked for each DynamoDB call: the action on the table (or index) ARN, with
// dynamodb:LeadingKeys for fine-grained access ("Using IAM policy conditions for fine-grained access
// control", DynamoDB Developer Guide), and kms:Decrypt through DynamoDB for a table encrypted with a
// customer managed key ("Encryption at rest: how it works").

// A region other than the deployment's, to see that the one passed in is used.
const REGION = 'eu-west-1';
const KEY = 'arn:aws:kms:eu-west-1:000000000000:key/0b5e6f1a-1111-2222-3333-444455556666';
const PIPE_ARN = 'arn:aws:dynamodb:eu-west-1:000000000000:table/pipe';
const PLAYERS_ARN = 'arn:aws:dynamodb:eu-west-1:000000000000:table/players';
const DECRYPT = {
  action: 'kms:Decrypt',
  resource: KEY,
  context: { 'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com' },
};

const pipe: TableResource = {
  name: 'pipe',
  arn: PIPE_ARN,
  partitionKey: 'pk',
  keySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  attributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'status', AttributeType: 'S' },
    { AttributeName: 'dueAt', AttributeType: 'N' },
  ],
  indexes: [
    {
      IndexName: 'byStatus',
      KeySchema: [
        { AttributeName: 'status', KeyType: 'HASH' },
        { AttributeName: 'dueAt', KeyType: 'RANGE' },
      ],
    },
  ],
  kmsKeyArn: KEY,
};

const players: TableResource = {
  name: 'players',
  arn: PLAYERS_ARN,
  partitionKey: 'playerId',
  keySchema: [{ AttributeName: 'playerId', KeyType: 'HASH' }],
  attributeDefinitions: [{ AttributeName: 'playerId', AttributeType: 'S' }],
  indexes: [],
};

const tables: ReadonlyMap<string, TableResource> = new Map([
  ['pipe', pipe],
  ['players', players],
]);

const authorize = (operation: string, body: Record<string, unknown>) =>
  dynamodbAuthorizations(operation, body, tables, REGION);

describe('dynamodbAuthorizations: single-item calls', () => {
  it('GetItem: the table ARN and the partition value of the Key as dynamodb:LeadingKeys', () => {
    expect(authorize('GetItem', { TableName: 'players', Key: { playerId: { S: 'p-1' } } })).toEqual([
      { action: 'dynamodb:GetItem', resource: PLAYERS_ARN, context: { 'dynamodb:LeadingKeys': ['p-1'] } },
    ]);
  });

  it('GetItem on a table with a customer managed key: kms:Decrypt on that key, via DynamoDB in the region', () => {
    expect(
      authorize('GetItem', { TableName: 'pipe', Key: { pk: { S: 'GRANT#abc' }, sk: { S: 'GRANT' } } }),
    ).toEqual([
      { action: 'dynamodb:GetItem', resource: PIPE_ARN, context: { 'dynamodb:LeadingKeys': ['GRANT#abc'] } },
      DECRYPT,
    ]);
  });

  it('DeleteItem and UpdateItem read the partition value from the Key', () => {
    const key = { pk: { S: 'REQUEST#r1' }, sk: { S: 'AUDIT#1' } };
    expect(authorize('DeleteItem', { TableName: 'pipe', Key: key })[0]).toEqual({
      action: 'dynamodb:DeleteItem',
      resource: PIPE_ARN,
      context: { 'dynamodb:LeadingKeys': ['REQUEST#r1'] },
    });
    expect(
      authorize('UpdateItem', { TableName: 'pipe', Key: key, UpdateExpression: 'SET #c = :c' })[0],
    ).toEqual({
      action: 'dynamodb:UpdateItem',
      resource: PIPE_ARN,
      context: { 'dynamodb:LeadingKeys': ['REQUEST#r1'] },
    });
  });

  it('PutItem reads the partition value from the Item', () => {
    expect(
      authorize('PutItem', {
        TableName: 'players',
        Item: { playerId: { S: 'p-9' }, name: { S: 'Ada' } },
      }),
    ).toEqual([
      { action: 'dynamodb:PutItem', resource: PLAYERS_ARN, context: { 'dynamodb:LeadingKeys': ['p-9'] } },
    ]);
  });

  it('a number or binary partition value is given as its string form', () => {
    const numeric = new Map([['n', { ...players, name: 'n', arn: `${PLAYERS_ARN}-n` }]]);
    expect(
      dynamodbAuthorizations('GetItem', { TableName: 'n', Key: { playerId: { N: '42' } } }, numeric, REGION),
    ).toEqual([
      {
        action: 'dynamodb:GetItem',
        resource: `${PLAYERS_ARN}-n`,
        context: { 'dynamodb:LeadingKeys': ['42'] },
      },
    ]);
    expect(
      dynamodbAuthorizations(
        'GetItem',
        { TableName: 'n', Key: { playerId: { B: 'AQID' } } },
        numeric,
        REGION,
      )[0]?.context,
    ).toEqual({ 'dynamodb:LeadingKeys': ['AQID'] });
  });

  it('no partition value in the Key: no dynamodb:LeadingKeys at all', () => {
    expect(authorize('GetItem', { TableName: 'players', Key: { other: { S: 'x' } } })).toEqual([
      { action: 'dynamodb:GetItem', resource: PLAYERS_ARN },
    ]);
  });

  it('a table the deployment does not have: its ARN in the account and region, no keys, no KMS', () => {
    expect(authorize('GetItem', { TableName: 'ghost', Key: { id: { S: '1' } } })).toEqual([
      { action: 'dynamodb:GetItem', resource: 'arn:aws:dynamodb:eu-west-1:000000000000:table/ghost' },
    ]);
  });
});

describe('dynamodbAuthorizations: Query', () => {
  it('the partition equality of the KeyConditionExpression, through #names', () => {
    expect(
      authorize('Query', {
        TableName: 'pipe',
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':pk': { S: 'REQUEST#r1' }, ':prefix': { S: 'AUDIT#' } },
      }),
    ).toEqual([
      { action: 'dynamodb:Query', resource: PIPE_ARN, context: { 'dynamodb:LeadingKeys': ['REQUEST#r1'] } },
      DECRYPT,
    ]);
  });

  it('a plain attribute name; the sort key condition may come first, and >= is not an equality', () => {
    expect(
      authorize('Query', {
        TableName: 'pipe',
        KeyConditionExpression: 'sk >= :from AND pk=:pk',
        ExpressionAttributeValues: { ':from': { S: 'A' }, ':pk': { S: 'PLAYER#7' } },
      })[0],
    ).toEqual({
      action: 'dynamodb:Query',
      resource: PIPE_ARN,
      context: { 'dynamodb:LeadingKeys': ['PLAYER#7'] },
    });
    expect(
      authorize('Query', {
        TableName: 'pipe',
        KeyConditionExpression: '#s = :s AND #p = :p',
        ExpressionAttributeNames: { '#s': 'sk', '#p': 'pk' },
        ExpressionAttributeValues: { ':s': { S: 'META' }, ':p': { S: 'PLAYER#8' } },
      })[0]?.context,
    ).toEqual({ 'dynamodb:LeadingKeys': ['PLAYER#8'] });
  });

  it('on a GSI: the index ARN, and the partition value of the index key', () => {
    expect(
      authorize('Query', {
        TableName: 'pipe',
        IndexName: 'byStatus',
        KeyConditionExpression: '#status = :s AND dueAt < :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':s': { S: 'READY' }, ':now': { N: '1700000000' } },
      }),
    ).toEqual([
      {
        action: 'dynamodb:Query',
        resource: `${PIPE_ARN}/index/byStatus`,
        context: { 'dynamodb:LeadingKeys': ['READY'] },
      },
      DECRYPT,
    ]);
  });

  it('the legacy KeyConditions', () => {
    expect(
      authorize('Query', {
        TableName: 'players',
        KeyConditions: {
          playerId: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'p-3' }] },
        },
      }),
    ).toEqual([
      { action: 'dynamodb:Query', resource: PLAYERS_ARN, context: { 'dynamodb:LeadingKeys': ['p-3'] } },
    ]);
  });

  it('no partition equality found: no dynamodb:LeadingKeys', () => {
    expect(
      authorize('Query', {
        TableName: 'players',
        KeyConditionExpression: 'other = :v',
        ExpressionAttributeValues: { ':v': { S: 'x' } },
      }),
    ).toEqual([{ action: 'dynamodb:Query', resource: PLAYERS_ARN }]);
  });
});

describe('dynamodbAuthorizations: batches, scans, other calls', () => {
  it('BatchGetItem: one request per table, with the partition values of its keys', () => {
    expect(
      authorize('BatchGetItem', {
        RequestItems: {
          players: { Keys: [{ playerId: { S: 'p-1' } }, { playerId: { S: 'p-2' } }] },
          pipe: { Keys: [{ pk: { S: 'GRANT#a' }, sk: { S: 'GRANT' } }] },
        },
      }),
    ).toEqual([
      {
        action: 'dynamodb:BatchGetItem',
        resource: PLAYERS_ARN,
        context: { 'dynamodb:LeadingKeys': ['p-1', 'p-2'] },
      },
      {
        action: 'dynamodb:BatchGetItem',
        resource: PIPE_ARN,
        context: { 'dynamodb:LeadingKeys': ['GRANT#a'] },
      },
      DECRYPT,
    ]);
  });

  it('BatchWriteItem: Put items and Delete keys, per table', () => {
    expect(
      authorize('BatchWriteItem', {
        RequestItems: {
          pipe: [
            { PutRequest: { Item: { pk: { S: 'REQUEST#1' }, sk: { S: 'A' }, n: { N: '1' } } } },
            { DeleteRequest: { Key: { pk: { S: 'REQUEST#2' }, sk: { S: 'B' } } } },
          ],
          players: [{ DeleteRequest: { Key: { playerId: { S: 'p-5' } } } }],
        },
      }),
    ).toEqual([
      {
        action: 'dynamodb:BatchWriteItem',
        resource: PIPE_ARN,
        context: { 'dynamodb:LeadingKeys': ['REQUEST#1', 'REQUEST#2'] },
      },
      DECRYPT,
      {
        action: 'dynamodb:BatchWriteItem',
        resource: PLAYERS_ARN,
        context: { 'dynamodb:LeadingKeys': ['p-5'] },
      },
    ]);
  });

  it('Scan: the table or index ARN, never dynamodb:LeadingKeys', () => {
    expect(authorize('Scan', { TableName: 'players' })).toEqual([
      { action: 'dynamodb:Scan', resource: PLAYERS_ARN },
    ]);
    expect(authorize('Scan', { TableName: 'pipe', IndexName: 'byStatus' })).toEqual([
      { action: 'dynamodb:Scan', resource: `${PIPE_ARN}/index/byStatus` },
      DECRYPT,
    ]);
  });

  it('another call naming a table: the action on the table; none: the action on *', () => {
    expect(authorize('DescribeTimeToLive', { TableName: 'players' })).toEqual([
      { action: 'dynamodb:DescribeTimeToLive', resource: PLAYERS_ARN },
    ]);
    expect(authorize('ListTables', {})).toEqual([{ action: 'dynamodb:ListTables', resource: '*' }]);
  });
});
