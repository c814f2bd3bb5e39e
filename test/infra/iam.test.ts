import { describe, expect, it } from 'vitest';
import { OWN_REQUESTS_TABLE } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import {
  actionsOf,
  flatten,
  importedTableArn,
  PRODUCTION,
  resourcesOf,
  type Statement,
  statementsOfFunction,
  synthTemplates,
} from './template-helpers';

// Production mode: the data map's tables are imported by name, as ops deploy it.
const { pipeline } = synthTemplates(PRODUCTION);
// The pipeline stack imports the bucket by the stateful stack's named export.
const BUCKET = `\${import:PlayerDataExport-ExportsBucketArn}`;
const writes = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

// The game's tables, by the names the map gives; "@requests" (the player's request history) is
// the stack's own requests table, by reference, through its byPlayer index only.
const gameSources = defaultDataMap.sources.filter((s) => s.table !== OWN_REQUESTS_TABLE);
const REQUESTS_INDEX =
  /^arn:\$\{AWS::Partition\}:dynamodb:\$\{AWS::Region\}:\$\{AWS::AccountId\}:table\/\$\{import:PlayerDataExportStateful:ExportsOutputRefPipelineTable[0-9A-F]+\}\/index\/byPlayer$/;
const sourceArns = new Set(
  gameSources.map((s) =>
    s.key.index ? `${importedTableArn(s.table)}/index/${s.key.index}` : importedTableArn(s.table),
  ),
);
const sourceTableArns = new Set(gameSources.map((s) => importedTableArn(s.table)));

function dynamoStatements(statements: Statement[]) {
  return statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
}
function s3Statements(statements: Statement[]) {
  return statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
}

describe('Collectors (collect-category)', () => {
  const statements = statementsOfFunction(pipeline, 'CollectCategory');

  // Two DynamoDB statements: Query on the data map's sources, and the read budgets' token buckets.
  const dynamo = dynamoStatements(statements);
  const queries = dynamo.filter((s) => actionsOf(s).includes('dynamodb:Query'));
  const buckets = dynamo.filter((s) => !actionsOf(s).includes('dynamodb:Query'));

  it('may only Query, on exactly the tables and indexes of the data map', () => {
    expect(dynamo).toHaveLength(2);
    expect(queries).toHaveLength(1);
    expect(actionsOf(queries[0] as Statement)).toEqual(['dynamodb:Query']);
    expect((queries[0] as Statement).Condition).toBeUndefined();
    const resources = resourcesOf(queries[0] as Statement);
    expect(new Set(resources.filter((r) => !REQUESTS_INDEX.test(r)))).toEqual(sourceArns);
    expect(resources.filter((r) => REQUESTS_INDEX.test(r))).toHaveLength(1);
    // An index-only source (forum-posts via byAuthor) does not open its base table.
    expect(resourcesOf(queries[0] as Statement)).not.toContain(importedTableArn('forum-posts'));
  });

  it('reads and replaces only the read budgets’ token buckets (BUDGET#…) of the pipeline table', () => {
    expect(buckets).toHaveLength(1);
    const [bucket] = buckets as [Statement];
    expect(actionsOf(bucket).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(bucket.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['BUDGET#*'] },
    });
    // The table itself (imported from the stateful stack), none of its indexes, no game table.
    expect(resourcesOf(bucket)).toEqual([
      expect.stringMatching(/^\$\{import:PlayerDataExportStateful:.*PipelineTable.*Arn.*\}$/),
    ]);
  });

  it('writes only staging/ objects, and reads back only its checkpoints', () => {
    const s3 = s3Statements(statements);
    const writes = s3.filter((s) => actionsOf(s).includes('s3:PutObject'));
    expect(writes.flatMap(actionsOf).sort()).toEqual(['s3:AbortMultipartUpload', 's3:PutObject']);
    expect(writes.flatMap(resourcesOf)).toEqual([`${BUCKET}/staging/*`]);
    const reads = s3.filter((s) => !actionsOf(s).includes('s3:PutObject'));
    expect(reads.flatMap(actionsOf)).toEqual(['s3:GetObject']);
    // staging/<requestId>/<attempt>/checkpoints/…: never a staged piece of another export.
    expect(reads.flatMap(resourcesOf)).toEqual([`${BUCKET}/staging/*/*/checkpoints/*`]);
  });
});

describe('Pseudonym key', () => {
  const PSEUDONYM_KEY = `\${import:PlayerDataExport-PseudonymKeyArn}`;
  const macStatements = (fn: string) =>
    statementsOfFunction(pipeline, fn).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('kms:GenerateMac')),
    );

  it('only the collectors derive keys with it, by GenerateMac alone', () => {
    const collector = macStatements('CollectCategory');
    expect(collector.flatMap(actionsOf)).toEqual(['kms:GenerateMac']);
    expect(collector.flatMap(resourcesOf)).toEqual([PSEUDONYM_KEY]);
    const functions = Object.keys(pipeline.findResources('AWS::IAM::Role'))
      .filter((id) => /Role[0-9A-F]{8}$/.test(id) && !id.startsWith('CollectCategory'))
      .map((id) => id.slice(0, id.indexOf('Role')));
    expect(functions.length).toBeGreaterThan(5);
    for (const fn of new Set(functions)) {
      if (fn === 'Workflow' || fn.startsWith('DownloadApi')) continue;
      expect(macStatements(fn), fn).toEqual([]);
    }
  });

  it('the collectors are told the key by the stateful stack’s export', () => {
    const collector = Object.values(pipeline.findResources('AWS::Lambda::Function')).find((f) =>
      String(f.Properties.Description).startsWith('Workflow map step'),
    );
    expect(flatten(collector?.Properties.Environment.Variables.PSEUDONYM_KEY_ARN)).toBe(PSEUDONYM_KEY);
  });
});

describe('No function can write to a source table', () => {
  it('grants no write action on any data map table or index, in any policy', () => {
    for (const policy of Object.values(pipeline.findResources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
        const onSource = resourcesOf(statement).filter((r) =>
          [...sourceTableArns].some((t) => r === t || r.startsWith(`${t}/`)),
        );
        if (onSource.length === 0) continue;
        expect(actionsOf(statement), `on ${onSource.join(', ')}`).toEqual(['dynamodb:Query']);
        expect(actionsOf(statement).some((a) => writes.includes(a))).toBe(false);
      }
    }
  });

  it('identity readers (start, plan, deliver) only Query the identity source', () => {
    const identity = defaultDataMap.sources.find((s) => s.id === defaultDataMap.identity.source);
    for (const fn of ['StartExport', 'PlanExport', 'DeliverLink']) {
      const onIdentity = statementsOfFunction(pipeline, fn).filter((s) =>
        resourcesOf(s).includes(importedTableArn(identity?.table as string)),
      );
      expect(onIdentity.flatMap(actionsOf), fn).toEqual(['dynamodb:Query']);
    }
  });
});

describe('Download gateway', () => {
  const statements = statementsOfFunction(pipeline, 'DownloadGateway');

  it('reads only archives/ objects and writes nothing to S3', () => {
    const s3 = s3Statements(statements);
    expect(s3.flatMap(actionsOf)).toEqual(['s3:GetObject']);
    expect(s3.flatMap(resourcesOf)).toEqual([`${BUCKET}/archives/*`]);
  });

  it('reads and consumes grants, reads requests and appends audit entries, and cannot Scan or delete', () => {
    const dynamo = dynamoStatements(statements);
    const summary = dynamo.map((s) => ({
      actions: actionsOf(s).sort(),
      leadingKeys: s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'],
      resources: resourcesOf(s).length,
    }));
    expect(summary).toEqual([
      { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], leadingKeys: ['GRANT#*'], resources: 1 },
      // GetItem of the request: a download counts only while it is READY; UpdateItem counts it
      // on the request (the player's request history shows downloads).
      {
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        leadingKeys: ['REQUEST#*'],
        resources: 1,
      },
    ]);
    const all = dynamo.flatMap(actionsOf);
    for (const forbidden of [
      'dynamodb:Scan',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
      'dynamodb:BatchWriteItem',
    ]) {
      expect(all).not.toContain(forbidden);
    }
    // The table itself, not its indexes.
    expect(dynamo.flatMap(resourcesOf).every((r) => !r.includes('/index/'))).toBe(true);
  });
});

describe('Expiry sweep (expire-exports)', () => {
  const s3 = s3Statements(statementsOfFunction(pipeline, 'ExpireExports'));

  it('may Query its work lists: byState (sweep, watchdog) and awaitingCleanUp (the clean-up)', () => {
    const queried = dynamoStatements(statementsOfFunction(pipeline, 'ExpireExports'))
      .filter((s) => actionsOf(s).includes('dynamodb:Query') && s.Condition === undefined)
      .flatMap(resourcesOf);
    for (const index of ['byState', 'awaitingCleanUp']) {
      expect(queried).toContainEqual(expect.stringMatching(new RegExp(`PipelineTable.*/index/${index}$`)));
    }
  });

  it('deletes staging/ and archives/ objects and lists only those folders to confirm they are gone', () => {
    const list = s3.filter((s) => actionsOf(s).includes('s3:ListBucket'));
    expect(list).toHaveLength(1);
    expect(actionsOf(list[0] as Statement)).toEqual(['s3:ListBucket']);
    expect(resourcesOf(list[0] as Statement)).toEqual([BUCKET]);
    expect((list[0] as Statement).Condition).toEqual({
      StringLike: { 's3:prefix': ['staging/*', 'archives/*'] },
    });
    const deletes = s3.filter((s) => actionsOf(s).includes('s3:DeleteObject'));
    expect(deletes.flatMap(resourcesOf).sort()).toEqual([`${BUCKET}/archives/*`, `${BUCKET}/staging/*`]);
  });

  it('is, with the build (staging/ only: the pieces an attempt staged) and the failure step (staging/ and the volumes of archives/), the only function that may list the bucket', () => {
    const functions = Object.keys(pipeline.findResources('AWS::Lambda::Function'))
      .map((id) => id.replace(/Function[0-9A-F]{8}$/, ''))
      .filter((id) => !id.startsWith('AWS'));
    const listers = functions.filter((fn) =>
      statementsOfFunction(pipeline, fn).some((s) => actionsOf(s).includes('s3:ListBucket')),
    );
    expect(listers.sort()).toEqual(['BuildArchive', 'ExpireExports', 'FailExport']);
    const listed = (fn: string) =>
      s3Statements(statementsOfFunction(pipeline, fn))
        .filter((s) => actionsOf(s).includes('s3:ListBucket'))
        .map((s) => s.Condition);
    expect(listed('BuildArchive')).toEqual([{ StringLike: { 's3:prefix': ['staging/*'] } }]);
    expect(listed('FailExport')).toEqual([{ StringLike: { 's3:prefix': ['staging/*', 'archives/*'] } }]);
  });
});

describe('Every function', () => {
  const functions = Object.keys(pipeline.findResources('AWS::Lambda::Function'))
    .map((id) => id.replace(/Function[0-9A-F]{8}$/, ''))
    .filter((id) => !id.startsWith('AWS'));

  it('has no `*` action and no DeleteItem or Scan on the pipeline table', () => {
    expect(functions).toHaveLength(12);
    expect(functions).toContain('DispatchExports');
    for (const fn of functions) {
      for (const statement of statementsOfFunction(pipeline, fn)) {
        for (const action of actionsOf(statement)) expect(action, fn).not.toMatch(/\*$/);
        expect(actionsOf(statement), fn).not.toContain('dynamodb:Scan');
        expect(actionsOf(statement), fn).not.toContain('dynamodb:DeleteItem');
      }
    }
  });

  it('writes logs only to its own log group (no AWSLambdaBasicExecutionRole)', () => {
    for (const role of Object.values(pipeline.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    for (const fn of functions) {
      const logs = statementsOfFunction(pipeline, fn).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('logs:')),
      );
      expect(logs.flatMap(resourcesOf), fn).toEqual([
        expect.stringMatching(new RegExp(`^\\$\\{${fn}LogGroup.*\\.Arn\\}$`)),
      ]);
    }
  });

  it('only the dispatcher and the watchdog may start the workflow; only the watchdog may ask how an execution is doing (its status and history)', () => {
    const machineArn = `\${${Object.keys(pipeline.findResources('AWS::StepFunctions::StateMachine'))[0]}}`;
    // Admission: the intake (start-export) only queues; dispatch-exports starts what it admits.
    expect(functions).toContain('StartExport');
    for (const fn of functions) {
      const statements = statementsOfFunction(pipeline, fn);
      const starts = statements.filter((s) => actionsOf(s).includes('states:StartExecution'));
      const describes = statements.filter((s) => actionsOf(s).includes('states:DescribeExecution'));
      const histories = statements.filter((s) => actionsOf(s).includes('states:GetExecutionHistory'));
      expect(histories, fn).toEqual(describes);
      expect(starts.length, fn).toBe(['DispatchExports', 'ExpireExports'].includes(fn) ? 1 : 0);
      for (const start of starts) expect(actionsOf(start), fn).toEqual(['states:StartExecution']);
      for (const start of starts) expect(resourcesOf(start), fn).toEqual([machineArn]);
      expect(describes.length, fn).toBe(fn === 'ExpireExports' ? 1 : 0);
      // Executions of this state machine only (the execution name is a request id known at run time).
      for (const describe of describes) {
        expect(resourcesOf(describe)[0], fn).toMatch(/:execution:.*:\*$/);
        expect(actionsOf(describe), fn).toEqual(['states:DescribeExecution', 'states:GetExecutionHistory']);
      }
    }
  });

  it('only the collectors are granted the read budgets’ token buckets (dynamodb:LeadingKeys BUDGET#*)', () => {
    // (Functions with the lifecycle's unbounded access to the pipeline table are not bounded by
    // partition key at all; this is about who is given the buckets, and on what terms.)
    const withBudgets = functions.filter((fn) =>
      statementsOfFunction(pipeline, fn).some((s) => JSON.stringify(s.Condition ?? {}).includes('BUDGET#')),
    );
    expect(withBudgets).toEqual(['CollectCategory']);
    // Every other partition-key-bounded grant names prefixes of its own.
    for (const fn of functions) {
      for (const statement of statementsOfFunction(pipeline, fn)) {
        const leading = statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
        if (!leading) continue;
        expect(leading, fn).not.toContain('*');
        if (fn !== 'CollectCategory') expect(leading, fn).not.toContain('BUDGET#*');
      }
    }
  });

  it('send e-mail only from the configured SES identity', () => {
    for (const fn of functions) {
      const mail = statementsOfFunction(pipeline, fn).filter((s) => actionsOf(s).includes('ses:SendEmail'));
      if (['StartExport', 'DeliverLink'].includes(fn)) {
        // The identity, and the configuration set whose reports come back as mail events.
        expect(mail.flatMap(resourcesOf).sort(), fn).toEqual([
          expect.stringMatching(/:configuration-set\/PlayerDataExport-mail$/),
          expect.stringMatching(/:identity\/privacy@nordlys-games\.eu$/),
        ]);
      } else {
        expect(mail, fn).toHaveLength(0);
      }
    }
  });
});

describe('Dispatcher (dispatch-exports)', () => {
  const statements = statementsOfFunction(pipeline, 'DispatchExports');

  it('reads and moves requests in the pipeline table only: no game table, no bucket, no mail', () => {
    const dynamo = dynamoStatements(statements);
    expect(dynamo.flatMap(actionsOf).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    for (const resource of dynamo.flatMap(resourcesOf)) {
      expect(resource).toMatch(/^\$\{import:PlayerDataExportStateful:.*PipelineTable/);
    }
    expect(s3Statements(statements)).toEqual([]);
    expect(statements.flatMap(actionsOf).filter((a) => a.startsWith('ses:'))).toEqual([]);
  });

  it('has nothing beyond its logs, the table (and its key), status events, its dead letters and StartExecution', () => {
    const services = new Set(statements.flatMap(actionsOf).map((a) => a.split(':')[0]));
    expect([...services].sort()).toEqual(['dynamodb', 'events', 'kms', 'logs', 'sqs', 'states']);
    const sqs = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));
    expect(sqs.flatMap(actionsOf)).toEqual(['sqs:SendMessage']);
    expect(sqs.flatMap(resourcesOf)).toEqual([
      expect.stringMatching(/^\$\{DispatchExportsDeadLetters.*\.Arn\}$/),
    ]);
    const events = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('events:')));
    expect(events.flatMap(actionsOf)).toEqual(['events:PutEvents']);
  });
});
