import { describe, expect, it } from 'vitest';
import {
  accessDeniedMessage,
  type ConditionContext,
  evaluatePolicies,
  type PolicyDocument,
  type PolicyStatement,
  UnsupportedPolicyError,
} from '../../local/runtime/iam-policy';

// Section names in comments are those of the AWS IAM User Guide.

const TABLE = 'arn:aws:dynamodb:us-east-1:000000000000:table/pipe';
const KEY = 'arn:aws:kms:us-east-1:000000000000:key/0b5e6f1a-1111-2222-3333-444455556666';
const BUCKET = 'arn:aws:s3:::exports-bucket';

function policy(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/** One policy of the given statements, asked about one request. */
function decide(
  statements: PolicyStatement | PolicyStatement[],
  action: string,
  resource: string,
  context?: ConditionContext,
) {
  const list = Array.isArray(statements) ? statements : [statements];
  return evaluatePolicies([policy(...list)], { action, resource, context });
}

/** An Allow on everything with one condition block, to test the condition alone. */
function conditionDecides(condition: PolicyStatement['Condition'], context?: ConditionContext) {
  return decide(
    { Effect: 'Allow', Action: '*', Resource: '*', Condition: condition },
    's3:GetObject',
    BUCKET,
    context,
  );
}

describe('policy evaluation logic', () => {
  // "Policy evaluation logic": by default all requests are implicitly denied.
  it('denies implicitly when there is no policy', () => {
    expect(evaluatePolicies([], { action: 'dynamodb:GetItem', resource: TABLE })).toBe('implicit-deny');
  });

  it('allows what a statement allows, and only that', () => {
    const grant: PolicyStatement = { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE };
    expect(decide(grant, 'dynamodb:GetItem', TABLE)).toBe('allow');
    expect(decide(grant, 'dynamodb:PutItem', TABLE)).toBe('implicit-deny');
  });

  // "Policy evaluation logic": an explicit deny in any policy overrides any allow.
  it('lets an explicit Deny in one policy override an Allow in another', () => {
    const policies = [
      policy({ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }),
      policy({ Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: TABLE }),
    ];
    expect(evaluatePolicies(policies, { action: 'dynamodb:DeleteItem', resource: TABLE })).toBe(
      'explicit-deny',
    );
    expect(evaluatePolicies(policies, { action: 'dynamodb:GetItem', resource: TABLE })).toBe('allow');
  });

  it('reads a Statement given as a single object', () => {
    const document: PolicyDocument = {
      Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
    };
    expect(evaluatePolicies([document], { action: 's3:GetObject', resource: `${BUCKET}/a` })).toBe('allow');
  });
});

describe('Action and NotAction', () => {
  // "IAM JSON policy elements: Action": action names are case-insensitive.
  it('matches actions without regard to case', () => {
    expect(
      decide({ Effect: 'Allow', Action: 'DynamoDB:getitem', Resource: TABLE }, 'dynamodb:GetItem', TABLE),
    ).toBe('allow');
  });

  // "IAM JSON policy elements: Action": wildcards * and ? in action names.
  it.each([
    ['dynamodb:Get*', 'dynamodb:GetItem', 'dynamodb:BatchGetItem'],
    ['s3:?etObject', 's3:GetObject', 's3:GetObjectAcl'],
    ['dynamodb:*', 'dynamodb:Query', 'kms:Decrypt'],
  ])('Action %s matches %s but not %s', (pattern, matching, other) => {
    const statement: PolicyStatement = { Effect: 'Allow', Action: pattern, Resource: '*' };
    expect(decide(statement, matching, TABLE)).toBe('allow');
    expect(decide(statement, other, TABLE)).toBe('implicit-deny');
  });

  it('lets Action "*" alone match every action', () => {
    expect(decide({ Effect: 'Allow', Action: '*', Resource: '*' }, 'kms:Decrypt', KEY)).toBe('allow');
  });

  // "IAM JSON policy elements: NotAction": with Allow, everything except the listed actions.
  it('allows every action except those in NotAction', () => {
    const statement: PolicyStatement = { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' };
    expect(decide(statement, 's3:GetObject', BUCKET)).toBe('allow');
    expect(decide(statement, 'iam:CreateUser', '*')).toBe('implicit-deny');
  });

  // "IAM JSON policy elements: NotAction": NotAction with Deny denies all but the listed actions.
  it('denies every action except those in a Deny NotAction', () => {
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', NotAction: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: TABLE },
    ];
    expect(decide(statements, 'dynamodb:Query', TABLE)).toBe('allow');
    expect(decide(statements, 'dynamodb:PutItem', TABLE)).toBe('explicit-deny');
  });
});

describe('Resource and NotResource', () => {
  it('does not let a table ARN cover the indexes of the table', () => {
    const statement: PolicyStatement = { Effect: 'Allow', Action: 'dynamodb:Query', Resource: TABLE };
    expect(decide(statement, 'dynamodb:Query', TABLE)).toBe('allow');
    expect(decide(statement, 'dynamodb:Query', `${TABLE}/index/byPlayer`)).toBe('implicit-deny');
  });

  it('allows an index granted by its own ARN, and no other index', () => {
    const statement: PolicyStatement = {
      Effect: 'Allow',
      Action: 'dynamodb:Query',
      Resource: [TABLE, `${TABLE}/index/byPlayer`],
    };
    expect(decide(statement, 'dynamodb:Query', `${TABLE}/index/byPlayer`)).toBe('allow');
    expect(decide(statement, 'dynamodb:Query', `${TABLE}/index/byEmail`)).toBe('implicit-deny');
  });

  // "IAM JSON policy elements: Resource": a * wildcard in an S3 object ARN spans "/".
  it('matches S3 object ARNs under a prefix wildcard only', () => {
    const statement: PolicyStatement = {
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: `${BUCKET}/archives/*`,
    };
    expect(decide(statement, 's3:GetObject', `${BUCKET}/archives/req-1/part/data.zip`)).toBe('allow');
    expect(decide(statement, 's3:GetObject', `${BUCKET}/staging/req-1/data.zip`)).toBe('implicit-deny');
    expect(decide(statement, 's3:GetObject', `${BUCKET}/archives`)).toBe('implicit-deny');
  });

  // "IAM JSON policy elements: Resource": ARNs are case-sensitive.
  it('matches resource ARNs case-sensitively', () => {
    const statement: PolicyStatement = {
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: `${BUCKET}/archives/*`,
    };
    expect(decide(statement, 's3:GetObject', `${BUCKET}/Archives/a.zip`)).toBe('implicit-deny');
  });

  it('tells a Lambda function ARN from its versions', () => {
    const fn = 'arn:aws:lambda:us-east-1:000000000000:function:plan-export';
    const unqualified: PolicyStatement = { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: fn };
    const versions: PolicyStatement = {
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: `${fn}:*`,
    };
    expect(decide(unqualified, 'lambda:InvokeFunction', fn)).toBe('allow');
    expect(decide(unqualified, 'lambda:InvokeFunction', `${fn}:3`)).toBe('implicit-deny');
    expect(decide(versions, 'lambda:InvokeFunction', `${fn}:3`)).toBe('allow');
    expect(decide(versions, 'lambda:InvokeFunction', `${fn}:$LATEST`)).toBe('allow');
    expect(decide(versions, 'lambda:InvokeFunction', fn)).toBe('implicit-deny');
    expect(decide(versions, 'lambda:InvokeFunction', `${fn}-v2:3`)).toBe('implicit-deny');
  });

  it('lets a * in a Resource span colons (a log group ARN ending in ":*" covers its streams)', () => {
    const group = 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/plan-export';
    const statement: PolicyStatement = {
      Effect: 'Allow',
      Action: 'logs:PutLogEvents',
      Resource: `${group}:*`,
    };
    expect(decide(statement, 'logs:PutLogEvents', `${group}:log-stream:2026/01/01/[$LATEST]abc`)).toBe(
      'allow',
    );
    expect(decide(statement, 'logs:PutLogEvents', `${group}-other:log-stream:x`)).toBe('implicit-deny');
  });

  // "IAM JSON policy elements: Resource": ? matches exactly one character.
  it('matches exactly one character with ?', () => {
    const statement: PolicyStatement = {
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: `${BUCKET}/part?.csv`,
    };
    expect(decide(statement, 's3:GetObject', `${BUCKET}/part1.csv`)).toBe('allow');
    expect(decide(statement, 's3:GetObject', `${BUCKET}/part10.csv`)).toBe('implicit-deny');
    expect(decide(statement, 's3:GetObject', `${BUCKET}/part.csv`)).toBe('implicit-deny');
  });

  it('treats regular-expression characters in an ARN literally', () => {
    const statement: PolicyStatement = {
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: `${BUCKET}/a.b(c)+`,
    };
    expect(decide(statement, 's3:GetObject', `${BUCKET}/a.b(c)+`)).toBe('allow');
    expect(decide(statement, 's3:GetObject', `${BUCKET}/aXb(c)+`)).toBe('implicit-deny');
  });

  // "IAM JSON policy elements: NotResource": with Allow, every resource except those listed.
  it('allows every resource except those in NotResource', () => {
    const statement: PolicyStatement = {
      Effect: 'Allow',
      Action: 's3:*',
      NotResource: `${BUCKET}/private/*`,
    };
    expect(decide(statement, 's3:GetObject', `${BUCKET}/public/a`)).toBe('allow');
    expect(decide(statement, 's3:GetObject', `${BUCKET}/private/a`)).toBe('implicit-deny');
  });
});

describe('condition blocks', () => {
  // "Conditions with multiple context keys or values": operators are ANDed.
  it('requires every operator of a block to hold', () => {
    const condition = {
      StringEquals: { 'aws:PrincipalAccount': '000000000000' },
      Bool: { 'aws:SecureTransport': 'true' },
    };
    expect(
      conditionDecides(condition, { 'aws:PrincipalAccount': '000000000000', 'aws:SecureTransport': true }),
    ).toBe('allow');
    expect(
      conditionDecides(condition, { 'aws:PrincipalAccount': '000000000000', 'aws:SecureTransport': false }),
    ).toBe('implicit-deny');
  });

  // "Conditions with multiple context keys or values": keys under one operator are ANDed.
  it('requires every key under one operator to hold', () => {
    const condition = {
      StringEquals: { 'aws:PrincipalTag/department': 'eng', 'aws:PrincipalTag/role': 'audit' },
    };
    const both = { 'aws:PrincipalTag/department': 'eng', 'aws:PrincipalTag/role': 'audit' };
    expect(conditionDecides(condition, both)).toBe('allow');
    expect(conditionDecides(condition, { 'aws:PrincipalTag/department': 'eng' })).toBe('implicit-deny');
  });

  // "Conditions with multiple context keys or values": values of one key are ORed.
  it('accepts any one of several values for a key', () => {
    const condition = { StringEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } };
    expect(conditionDecides(condition, { 'aws:RequestedRegion': 'eu-west-1' })).toBe('allow');
    expect(conditionDecides(condition, { 'aws:RequestedRegion': 'ap-south-1' })).toBe('implicit-deny');
  });

  // "Conditions with multiple context keys or values": values of a negated operator are NORed.
  it('requires a negated operator to match none of its values', () => {
    const condition = { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } };
    expect(conditionDecides(condition, { 'aws:RequestedRegion': 'ap-south-1' })).toBe('allow');
    expect(conditionDecides(condition, { 'aws:RequestedRegion': 'eu-west-1' })).toBe('implicit-deny');
  });

  // "IAM JSON policy elements: Condition": context key names are not case-sensitive.
  it('looks condition keys up without regard to case', () => {
    expect(
      conditionDecides({ Bool: { 'AWS:SecureTransport': 'true' } }, { 'aws:securetransport': true }),
    ).toBe('allow');
  });
});

describe('string condition operators', () => {
  // "Condition operators", String: StringEquals is exact and case-sensitive; * is literal there.
  it('StringEquals compares exactly, case included, with no wildcards', () => {
    expect(
      conditionDecides({ StringEquals: { 'aws:username': 'johndoe' } }, { 'aws:username': 'johndoe' }),
    ).toBe('allow');
    expect(
      conditionDecides({ StringEquals: { 'aws:username': 'johndoe' } }, { 'aws:username': 'JohnDoe' }),
    ).toBe('implicit-deny');
    expect(
      conditionDecides({ StringEquals: { 'aws:username': 'john*' } }, { 'aws:username': 'johndoe' }),
    ).toBe('implicit-deny');
  });

  it('StringEqualsIgnoreCase and StringNotEqualsIgnoreCase ignore case', () => {
    const context = { 'aws:username': 'JohnDoe' };
    expect(conditionDecides({ StringEqualsIgnoreCase: { 'aws:username': 'johndoe' } }, context)).toBe(
      'allow',
    );
    expect(conditionDecides({ StringNotEqualsIgnoreCase: { 'aws:username': 'johndoe' } }, context)).toBe(
      'implicit-deny',
    );
    expect(conditionDecides({ StringNotEqualsIgnoreCase: { 'aws:username': 'janedoe' } }, context)).toBe(
      'allow',
    );
  });

  // "Condition operators", String: StringLike takes * and ? anywhere, case-sensitively.
  it('StringLike and StringNotLike match wildcards case-sensitively', () => {
    expect(
      conditionDecides({ StringLike: { 's3:prefix': 'home/?/*' } }, { 's3:prefix': 'home/a/docs' }),
    ).toBe('allow');
    expect(conditionDecides({ StringLike: { 's3:prefix': 'home/*' } }, { 's3:prefix': 'Home/a' })).toBe(
      'implicit-deny',
    );
    expect(conditionDecides({ StringNotLike: { 's3:prefix': 'home/*' } }, { 's3:prefix': 'tmp/a' })).toBe(
      'allow',
    );
    expect(conditionDecides({ StringNotLike: { 's3:prefix': 'home/*' } }, { 's3:prefix': 'home/a' })).toBe(
      'implicit-deny',
    );
  });

  // "Condition operators" (Important): an absent key does not match, so the condition is false…
  it('fails a positive operator on a key missing from the request', () => {
    const condition = { StringEquals: { 'aws:PrincipalTag/job-category': 'iamuser-admin' } };
    expect(conditionDecides(condition, {})).toBe('implicit-deny');
    expect(conditionDecides({ StringLike: { 'aws:PrincipalTag/job-category': '*' } }, {})).toBe(
      'implicit-deny',
    );
  });

  // …but "if the policy condition requires that the key is not matched, such as StringNotLike or
  // ArnNotLike, and the right key is not present, the condition is true".
  it('holds a negated string operator on a key missing from the request', () => {
    for (const operator of ['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike']) {
      expect(conditionDecides({ [operator]: { 'aws:PrincipalTag/team': 'ops' } }, {}), operator).toBe(
        'allow',
      );
    }
  });

  it('compares number and boolean request values as their text', () => {
    expect(conditionDecides({ StringEquals: { 's3:max-keys': '10' } }, { 's3:max-keys': 10 })).toBe('allow');
  });
});

describe('ARN condition operators', () => {
  // "Condition operators", ARN: the documented case where StringLike matches and ArnLike does not,
  // because ArnLike matches each of the six colon-delimited components on its own.
  it('matches each ARN component separately, unlike StringLike', () => {
    const pattern = 'arn:aws:someservice:*:111122223333:finance/*';
    const context = {
      'aws:SourceArn':
        'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt',
    };
    expect(conditionDecides({ StringLike: { 'aws:SourceArn': pattern } }, context)).toBe('allow');
    expect(conditionDecides({ ArnLike: { 'aws:SourceArn': pattern } }, context)).toBe('implicit-deny');
  });

  it('keeps the colons of the sixth (resource) component inside it', () => {
    const group = 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/plan-export';
    const condition = { ArnLike: { 'aws:SourceArn': `${group}:*` } };
    expect(conditionDecides(condition, { 'aws:SourceArn': `${group}:log-stream:s` })).toBe('allow');
    expect(conditionDecides(condition, { 'aws:SourceArn': `${group}-other:log-stream:s` })).toBe(
      'implicit-deny',
    );
  });

  // "Condition operators", ARN: ArnEquals and ArnLike "behave identically" (both take wildcards).
  it('ArnEquals and ArnLike both take wildcards within a component', () => {
    for (const operator of ['ArnEquals', 'ArnLike']) {
      const condition = { [operator]: { 'aws:SourceArn': 'arn:aws:sns:*:000000000000:export-*' } };
      const topic = (account: string) => ({
        'aws:SourceArn': `arn:aws:sns:us-east-1:${account}:export-ready`,
      });
      expect(conditionDecides(condition, topic('000000000000')), operator).toBe('allow');
      expect(conditionDecides(condition, topic('111111111111')), operator).toBe('implicit-deny');
    }
  });

  it('ArnNotEquals and ArnNotLike are negated, and true on an absent key', () => {
    for (const operator of ['ArnNotEquals', 'ArnNotLike']) {
      const condition = { [operator]: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:000000000000:*' } };
      const source = (arn: string) => ({ 'aws:SourceArn': arn });
      expect(conditionDecides(condition, source('arn:aws:sns:us-east-1:000000000000:t')), operator).toBe(
        'implicit-deny',
      );
      expect(conditionDecides(condition, source('arn:aws:sqs:us-east-1:000000000000:q')), operator).toBe(
        'allow',
      );
      expect(conditionDecides(condition, {}), operator).toBe('allow');
    }
  });

  it('refuses an ARN condition value that is not an ARN', () => {
    expect(() => conditionDecides({ ArnLike: { 'aws:SourceArn': 'not-an-arn' } }, {})).toThrow(
      UnsupportedPolicyError,
    );
  });
});

describe('numeric condition operators', () => {
  // "Condition operators", Numeric: the s3:max-keys example.
  it('NumericLessThanEquals lists up to 10 keys', () => {
    const statement: PolicyStatement = {
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: BUCKET,
      Condition: { NumericLessThanEquals: { 's3:max-keys': '10' } },
    };
    expect(decide(statement, 's3:ListBucket', BUCKET, { 's3:max-keys': 10 })).toBe('allow');
    expect(decide(statement, 's3:ListBucket', BUCKET, { 's3:max-keys': '11' })).toBe('implicit-deny');
    expect(decide(statement, 's3:ListBucket', BUCKET, {})).toBe('implicit-deny');
  });

  it('compares with each numeric operator (a JSON number as the policy value)', () => {
    const cases: [operator: string, holdsFor: number, failsFor: number][] = [
      ['NumericEquals', 5, 6],
      ['NumericNotEquals', 6, 5],
      ['NumericLessThan', 4.5, 5],
      ['NumericLessThanEquals', 5, 5.01],
      ['NumericGreaterThan', 5.01, 5],
      ['NumericGreaterThanEquals', 5, 4.99],
    ];
    for (const [operator, holdsFor, failsFor] of cases) {
      const condition = { [operator]: { 'test:count': 5 } };
      expect(conditionDecides(condition, { 'test:count': holdsFor }), `${operator} ${holdsFor}`).toBe(
        'allow',
      );
      expect(conditionDecides(condition, { 'test:count': failsFor }), `${operator} ${failsFor}`).toBe(
        'implicit-deny',
      );
    }
  });

  it('refuses a policy value that is not a number', () => {
    expect(() => conditionDecides({ NumericEquals: { 'test:count': 'five' } }, { 'test:count': 5 })).toThrow(
      UnsupportedPolicyError,
    );
  });
});

describe('date condition operators', () => {
  // "Condition operators", Date: the aws:TokenIssueTime example.
  it('DateGreaterThan accepts credentials issued after the date, and needs the key', () => {
    const condition = { DateGreaterThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:01Z' } };
    expect(conditionDecides(condition, { 'aws:TokenIssueTime': '2026-03-01T10:00:00Z' })).toBe('allow');
    expect(conditionDecides(condition, { 'aws:TokenIssueTime': '2019-12-31T23:59:59Z' })).toBe(
      'implicit-deny',
    );
    // "The aws:TokenIssueTime key is present in the request context only when the principal uses
    // temporary credentials": without it the condition is false.
    expect(conditionDecides(condition, {})).toBe('implicit-deny');
  });

  // "Condition operators", Date: ISO 8601 (W3C) dates or epoch (UNIX) time.
  it('compares ISO 8601 dates with epoch seconds, across time zones', () => {
    const epoch = Date.parse('2026-01-01T00:00:00Z') / 1000;
    expect(
      conditionDecides(
        { DateEquals: { 'aws:CurrentTime': String(epoch) } },
        { 'aws:CurrentTime': '2026-01-01T01:00:00+01:00' },
      ),
    ).toBe('allow');
    expect(
      conditionDecides({ DateLessThan: { 'aws:EpochTime': '2026-01-01' } }, { 'aws:EpochTime': epoch - 1 }),
    ).toBe('allow');
    expect(
      conditionDecides({ DateLessThan: { 'aws:EpochTime': '2026-01-01' } }, { 'aws:EpochTime': epoch }),
    ).toBe('implicit-deny');
  });

  it('compares with each date operator', () => {
    const midnight = '2026-01-01T00:00:00Z';
    const before = '2025-12-31T23:59:59Z';
    const after = '2026-01-01T00:00:01Z';
    const cases: [operator: string, holdsFor: string, failsFor: string][] = [
      ['DateEquals', midnight, after],
      ['DateNotEquals', after, midnight],
      ['DateLessThan', before, midnight],
      ['DateLessThanEquals', midnight, after],
      ['DateGreaterThan', after, midnight],
      ['DateGreaterThanEquals', midnight, before],
    ];
    for (const [operator, holdsFor, failsFor] of cases) {
      const condition = { [operator]: { 'aws:CurrentTime': midnight } };
      expect(conditionDecides(condition, { 'aws:CurrentTime': holdsFor }), `${operator} ${holdsFor}`).toBe(
        'allow',
      );
      expect(conditionDecides(condition, { 'aws:CurrentTime': failsFor }), `${operator} ${failsFor}`).toBe(
        'implicit-deny',
      );
    }
  });

  it('refuses a date it cannot read', () => {
    expect(() =>
      conditionDecides(
        { DateLessThan: { 'aws:CurrentTime': 'next tuesday' } },
        { 'aws:CurrentTime': '2026-01-01' },
      ),
    ).toThrow(UnsupportedPolicyError);
  });
});

describe('Bool', () => {
  // "Condition operators", Boolean: deny all S3 actions on a bucket if the request is not over TLS.
  it('denies explicitly with Bool aws:SecureTransport "false" when the request is not over TLS', () => {
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/*` },
      {
        Sid: 'BooleanExample',
        Effect: 'Deny',
        Action: 's3:*',
        Resource: [BUCKET, `${BUCKET}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ];
    const object = `${BUCKET}/archives/a.zip`;
    expect(decide(statements, 's3:GetObject', object, { 'aws:SecureTransport': false })).toBe(
      'explicit-deny',
    );
    expect(decide(statements, 's3:GetObject', object, { 'aws:SecureTransport': true })).toBe('allow');
    expect(decide(statements, 's3:GetObject', object, { 'aws:SecureTransport': 'false' })).toBe(
      'explicit-deny',
    );
  });

  it('takes JSON booleans and any letter case as policy values', () => {
    expect(
      conditionDecides(
        { Bool: { 'aws:MultiFactorAuthPresent': true } },
        { 'aws:MultiFactorAuthPresent': 'TRUE' },
      ),
    ).toBe('allow');
  });

  it('refuses a Bool value that is neither true nor false', () => {
    expect(() => conditionDecides({ Bool: { 'aws:SecureTransport': 'yes' } }, {})).toThrow(
      UnsupportedPolicyError,
    );
  });
});

describe('...IfExists', () => {
  // "Condition operators", …IfExists: the ec2:InstanceType example with StringLikeIfExists.
  it('checks the key when present and passes when it is absent', () => {
    const condition = { StringLikeIfExists: { 'ec2:InstanceType': ['t1.*', 't2.*', 'm3.*'] } };
    expect(conditionDecides(condition, { 'ec2:InstanceType': 't2.micro' })).toBe('allow');
    expect(conditionDecides(condition, { 'ec2:InstanceType': 'm5.large' })).toBe('implicit-deny');
    expect(conditionDecides(condition, {})).toBe('allow');
  });

  // "…IfExists": "If you are using an "Effect": "Deny" element with a negated condition operator
  // like StringNotEqualsIfExists, the request is still denied even if the tag is missing."
  it('still denies with a negated …IfExists operator when the key is missing', () => {
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { StringNotEqualsIfExists: { 'aws:ResourceTag/team': 'exports' } },
      },
    ];
    expect(decide(statements, 's3:GetObject', BUCKET, {})).toBe('explicit-deny');
    expect(decide(statements, 's3:GetObject', BUCKET, { 'aws:ResourceTag/team': 'exports' })).toBe('allow');
  });

  it('applies IfExists to numeric and date operators too', () => {
    expect(conditionDecides({ NumericLessThanIfExists: { 's3:max-keys': 10 } }, {})).toBe('allow');
    expect(conditionDecides({ NumericLessThanIfExists: { 's3:max-keys': 10 } }, { 's3:max-keys': 20 })).toBe(
      'implicit-deny',
    );
  });

  // "…IfExists": "You can add IfExists to the end of any condition operator name except the Null condition".
  it('refuses NullIfExists', () => {
    expect(() => conditionDecides({ NullIfExists: { 'aws:TokenIssueTime': 'true' } }, {})).toThrow(
      UnsupportedPolicyError,
    );
  });
});

describe('Null', () => {
  // "Condition operator to check existence of condition keys": the aws:TokenIssueTime example.
  it('Null true holds only when the key is absent', () => {
    const condition = { Null: { 'aws:TokenIssueTime': 'true' } };
    expect(conditionDecides(condition, {})).toBe('allow');
    expect(conditionDecides(condition, { 'aws:TokenIssueTime': '2026-01-01T00:00:00Z' })).toBe(
      'implicit-deny',
    );
  });

  it('Null false holds only when the key is present with a value', () => {
    const condition = { Null: { 'aws:TagKeys': false } };
    expect(conditionDecides(condition, { 'aws:TagKeys': ['team'] })).toBe('allow');
    expect(conditionDecides(condition, {})).toBe('implicit-deny');
    expect(conditionDecides(condition, { 'aws:TagKeys': [] })).toBe('implicit-deny');
  });
});

describe('ForAllValues and ForAnyValue', () => {
  // The statement bindTable() generates for a function limited to some partition keys.
  const grantOnly: PolicyStatement = {
    Effect: 'Allow',
    Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    Resource: TABLE,
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['GRANT#*'] } },
  };

  it('allows only the leading keys the policy lists', () => {
    expect(decide(grantOnly, 'dynamodb:GetItem', TABLE, { 'dynamodb:LeadingKeys': ['GRANT#x'] })).toBe(
      'allow',
    );
    expect(decide(grantOnly, 'dynamodb:GetItem', TABLE, { 'dynamodb:LeadingKeys': ['REQUEST#x'] })).toBe(
      'implicit-deny',
    );
    expect(
      decide(grantOnly, 'dynamodb:UpdateItem', TABLE, { 'dynamodb:LeadingKeys': ['GRANT#x', 'REQUEST#y'] }),
    ).toBe('implicit-deny');
    expect(decide(grantOnly, 'dynamodb:PutItem', TABLE, { 'dynamodb:LeadingKeys': ['GRANT#x'] })).toBe(
      'implicit-deny',
    );
  });

  // "Single-valued vs. multivalued context keys": ForAllValues "also returns true if there are no
  // context keys in the request", and with an empty data set.
  it('holds ForAllValues when the key is absent or empty (as AWS documents: it fails open)', () => {
    expect(decide(grantOnly, 'dynamodb:GetItem', TABLE, {})).toBe('allow');
    expect(decide(grantOnly, 'dynamodb:GetItem', TABLE, { 'dynamodb:LeadingKeys': [] })).toBe('allow');
    // "…resolve to an empty data set (for example, an empty string)".
    expect(decide(grantOnly, 'dynamodb:GetItem', TABLE, { 'dynamodb:LeadingKeys': '' })).toBe('allow');
  });

  // "Creating a condition with multiple keys or values" (set operations): the Thread table example.
  it('requires every requested attribute to be listed under ForAllValues', () => {
    const condition = {
      'ForAllValues:StringLike': { 'dynamodb:Attributes': ['PostDateTime', 'Message', 'Tags'] },
    };
    expect(conditionDecides(condition, { 'dynamodb:Attributes': ['PostDateTime', 'Message'] })).toBe('allow');
    expect(conditionDecides(condition, { 'dynamodb:Attributes': ['PostDateTime', 'UserName'] })).toBe(
      'implicit-deny',
    );
  });

  // Same section: the Deny PutItem example with ForAnyValue on ID and PostDateTime.
  it('denies when any requested attribute is listed under a Deny ForAnyValue', () => {
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: TABLE },
      {
        Effect: 'Deny',
        Action: 'dynamodb:PutItem',
        Resource: TABLE,
        Condition: { 'ForAnyValue:StringLike': { 'dynamodb:Attributes': ['ID', 'PostDateTime'] } },
      },
    ];
    const attributes = (...names: string[]) => ({ 'dynamodb:Attributes': names });
    expect(
      decide(statements, 'dynamodb:PutItem', TABLE, attributes('UserName', 'Message', 'PostDateTime')),
    ).toBe('explicit-deny');
    expect(decide(statements, 'dynamodb:PutItem', TABLE, attributes('UserName'))).toBe('allow');
    // ForAnyValue on an absent or empty key is false, so this Deny does not apply.
    expect(decide(statements, 'dynamodb:PutItem', TABLE, {})).toBe('allow');
    expect(decide(statements, 'dynamodb:PutItem', TABLE, attributes())).toBe('allow');
  });

  // "Multivalued context key examples": the Deny with ForAllValues:StringNotLike on aws:TagKeys "key1*".
  it('evaluates the documented ForAllValues:StringNotLike Deny as its table says', () => {
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: 'iam:Tag*', Resource: '*' },
      {
        Sid: 'DenyRestrictedTags',
        Effect: 'Deny',
        Action: ['iam:Tag*', 'iam:UnTag*'],
        Resource: ['*'],
        Condition: { 'ForAllValues:StringNotLike': { 'aws:TagKeys': 'key1*' } },
      },
    ];
    const tagRole = (context: ConditionContext) =>
      decide(statements, 'iam:TagRole', 'arn:aws:iam::000000000000:role/r', context);
    // "Does not match" (a Deny that does not apply) leaves the Allow.
    expect(tagRole({ 'aws:TagKeys': ['key1:legal'] })).toBe('allow');
    expect(tagRole({ 'aws:TagKeys': ['key1:hr', 'key1:personnel'] })).toBe('allow');
    expect(tagRole({ 'aws:TagKeys': ['key2:audit'] })).toBe('explicit-deny');
    // "No aws:TagKeys in the request context": match.
    expect(tagRole({})).toBe('explicit-deny');
  });

  it('needs one matching value under ForAnyValue', () => {
    const condition = { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['DataClass', 'Owner'] } };
    expect(conditionDecides(condition, { 'aws:TagKeys': ['DataClass', 'Dept'] })).toBe('allow');
    expect(conditionDecides(condition, { 'aws:TagKeys': ['Dept', 'SIC'] })).toBe('implicit-deny');
    // A single-valued request key reads as a set of one.
    expect(conditionDecides(condition, { 'aws:TagKeys': 'Owner' })).toBe('allow');
  });

  // Not in the User Guide; observed on AWS (and in iam.cloudcopilot.io's tables): a set qualifier
  // ignores IfExists, so ForAnyValue:…IfExists is still false on an absent key.
  it('keeps ForAnyValue false on an absent key even with IfExists', () => {
    expect(conditionDecides({ 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': ['team'] } }, {})).toBe(
      'implicit-deny',
    );
  });

  // "Single-valued vs. multivalued context keys": "Multivalued context keys require a condition set
  // operator"; what IAM does without one is not documented, so it is refused, not guessed.
  it('refuses a plain operator on a request key with several values, and reads a list of one', () => {
    expect(() =>
      conditionDecides(
        { StringLike: { 'dynamodb:LeadingKeys': 'GRANT#*' } },
        { 'dynamodb:LeadingKeys': ['GRANT#a', 'GRANT#b'] },
      ),
    ).toThrow(UnsupportedPolicyError);
    expect(
      conditionDecides(
        { StringLike: { 'dynamodb:LeadingKeys': 'GRANT#*' } },
        { 'dynamodb:LeadingKeys': ['GRANT#a'] },
      ),
    ).toBe('allow');
  });
});

describe('KMS key use through a service', () => {
  // What allowKey() grants, narrowed to use through DynamoDB with kms:ViaService.
  const viaDynamo: PolicyStatement = {
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:DescribeKey'],
    Resource: KEY,
    Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.us-east-1.amazonaws.com' } },
  };

  it('allows kms:Decrypt on the key only through DynamoDB', () => {
    expect(
      decide(viaDynamo, 'kms:Decrypt', KEY, { 'kms:ViaService': 'dynamodb.us-east-1.amazonaws.com' }),
    ).toBe('allow');
    expect(decide(viaDynamo, 'kms:Decrypt', KEY, { 'kms:ViaService': 's3.us-east-1.amazonaws.com' })).toBe(
      'implicit-deny',
    );
    // A direct call to KMS has no kms:ViaService key, so StringEquals is false.
    expect(decide(viaDynamo, 'kms:Decrypt', KEY, {})).toBe('implicit-deny');
  });

  it('does not allow an action or key the statement does not name', () => {
    const context = { 'kms:ViaService': 'dynamodb.us-east-1.amazonaws.com' };
    expect(decide(viaDynamo, 'kms:GenerateDataKey', KEY, context)).toBe('implicit-deny');
    expect(decide(viaDynamo, 'kms:Decrypt', KEY.replace('0b5e6f1a', '9f9f9f9f'), context)).toBe(
      'implicit-deny',
    );
  });
});

describe('what the evaluator refuses to guess', () => {
  it('names an operator it does not implement', () => {
    expect(() => conditionDecides({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, {})).toThrow(
      /condition operator "IpAddress" is not supported/,
    );
    expect(() => conditionDecides({ 'ForSomeValues:StringEquals': { 'aws:TagKeys': 'a' } }, {})).toThrow(
      /"ForSomeValues:StringEquals"/,
    );
    // An Object.prototype name is not an operator either.
    expect(() => conditionDecides({ constructor: { 'aws:TagKeys': 'a' } }, {})).toThrow(
      UnsupportedPolicyError,
    );
  });

  it('refuses an unsupported operator even in a statement the request does not reach', () => {
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE },
      { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { BinaryEquals: { 'test:key': 'QQ==' } } },
    ];
    expect(() => decide(statements, 'dynamodb:GetItem', TABLE)).toThrow(UnsupportedPolicyError);
  });

  // "IAM policy elements: Variables and tags" are not implemented.
  it('refuses policy variables in a Resource and in condition values', () => {
    const home: PolicyStatement = {
      Effect: 'Allow',
      Action: 's3:*',
      Resource: `${BUCKET}/home/\${aws:username}/*`,
    };
    expect(() => decide(home, 's3:GetObject', `${BUCKET}/home/ann/a`)).toThrow(
      /policy variables are not supported/,
    );
    expect(() => conditionDecides({ StringLike: { 's3:prefix': [`home/\${aws:username}/`] } }, {})).toThrow(
      UnsupportedPolicyError,
    );
  });

  it('refuses a Resource that is an unresolved CloudFormation intrinsic', () => {
    const statement = {
      Effect: 'Allow',
      Action: 'dynamodb:GetItem',
      Resource: { 'Fn::GetAtt': ['PipeTable', 'Arn'] },
    } as unknown as PolicyStatement;
    expect(() => decide(statement, 'dynamodb:GetItem', TABLE)).toThrow(UnsupportedPolicyError);
  });

  it('refuses malformed statements', () => {
    expect(() => decide({ Effect: 'Allow', Resource: '*' }, 's3:GetObject', BUCKET)).toThrow(
      /exactly one of Action and NotAction/,
    );
    expect(() =>
      decide({ Effect: 'Allow', Action: '*', Resource: '*', NotResource: BUCKET }, 's3:GetObject', BUCKET),
    ).toThrow(/exactly one of Resource and NotResource/);
    const lowerCaseEffect = { Effect: 'allow', Action: '*', Resource: '*' } as unknown as PolicyStatement;
    expect(() => decide(lowerCaseEffect, 's3:GetObject', BUCKET)).toThrow(/Effect must be "Allow" or "Deny"/);
  });
});

describe('accessDeniedMessage', () => {
  const principal = 'arn:aws:sts::000000000000:assumed-role/PlanExportRole/plan-export';
  const request = {
    action: 'dynamodb:Query',
    resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/players',
  };

  it('words an implicit deny as AWS does', () => {
    expect(accessDeniedMessage(principal, request, 'implicit-deny')).toBe(
      'User: arn:aws:sts::000000000000:assumed-role/PlanExportRole/plan-export is not authorized to perform: dynamodb:Query on resource: arn:aws:dynamodb:us-east-1:000000000000:table/players because no identity-based policy allows the dynamodb:Query action',
    );
  });

  it('words an explicit deny as AWS does', () => {
    expect(accessDeniedMessage(principal, request, 'explicit-deny')).toBe(
      'User: arn:aws:sts::000000000000:assumed-role/PlanExportRole/plan-export is not authorized to perform: dynamodb:Query on resource: arn:aws:dynamodb:us-east-1:000000000000:table/players with an explicit deny in an identity-based policy',
    );
  });
});
