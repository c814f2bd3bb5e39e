import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { DataMap } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { EMBEDDED_METADATA } from '../../lib/constructs/export-function';
import { tablePolicy } from '../../lib/table-policy';
import {
  actionsOf,
  PRODUCTION,
  resourcesOf,
  type Statement,
  statementsOfFunction,
  synthTemplates,
} from './template-helpers';

const GAME_ACCOUNT = '444455556666';
const PRIVACY_ACCOUNT = '111122223333';
const PLAYERS_KEY = `arn:aws:kms:eu-west-1:${GAME_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const STATS_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321';
const PLAYERS_ARN = `arn:aws:dynamodb:eu-west-1:${GAME_ACCOUNT}:table/live-players`;
const POSTS_ARN = `arn:aws:dynamodb:eu-west-1:${GAME_ACCOUNT}:table/live-forum`;

/** The shipped map, with the identity table and the forum in the game's account, two of them encrypted. */
const liveMap: DataMap = {
  ...defaultDataMap,
  sources: defaultDataMap.sources.map((source) => {
    if (source.id === defaultDataMap.identity.source) {
      return { ...source, table: PLAYERS_ARN, kmsKeyArn: PLAYERS_KEY };
    }
    if (source.table === 'forum-posts') return { ...source, table: POSTS_ARN };
    if (source.table === 'game-stats') return { ...source, kmsKeyArn: STATS_KEY };
    return source;
  }),
};
const dir = mkdtempSync(join(tmpdir(), 'pde-game-tables-'));
const mapFile = join(dir, 'live-data-map.json');
writeFileSync(mapFile, JSON.stringify(liveMap));
const live = synthTemplates({ ...PRODUCTION, dataMapFile: mapFile });

// Game keys and tables are given by literal ARNs; the pipeline's own by imports and references.
const decrypts = (fn: string, template = live.pipeline) =>
  statementsOfFunction(template, fn).filter(
    (s) => actionsOf(s).includes('kms:Decrypt') && resourcesOf(s).every((r) => r.startsWith('arn:aws:kms:')),
  );
const queries = (fn: string) =>
  statementsOfFunction(live.pipeline, fn)
    .filter((s) => actionsOf(s).includes('dynamodb:Query'))
    .flatMap(resourcesOf)
    .filter((r) => r.startsWith('arn:aws:dynamodb:'));

describe('Encrypted game tables', () => {
  it('the collectors may Decrypt with exactly the tables’ keys, only through DynamoDB in the key’s region', () => {
    const statements = decrypts('CollectCategory');
    expect(statements).toHaveLength(1);
    const [statement] = statements as [Statement];
    expect(actionsOf(statement)).toEqual(['kms:Decrypt']);
    expect(resourcesOf(statement).sort()).toEqual([PLAYERS_KEY, STATS_KEY].sort());
    expect(statement.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com' },
    });
  });

  it('the identity readers may Decrypt only with the identity table’s key; other functions with no game key', () => {
    for (const fn of ['PlanExport', 'StartExport', 'DeliverLink']) {
      expect(decrypts(fn).flatMap(resourcesOf), fn).toEqual([PLAYERS_KEY]);
    }
    for (const fn of ['BuildArchive', 'PublishExport', 'FailExport', 'ExpireExports', 'DownloadGateway']) {
      const keys = decrypts(fn).flatMap(resourcesOf);
      expect(keys, fn).not.toContain(PLAYERS_KEY);
      expect(keys, fn).not.toContain(STATS_KEY);
    }
  });

  it('grants no key permission when no source names a key (the shipped map)', () => {
    const shipped = synthTemplates(PRODUCTION);
    const functions = ['CollectCategory', 'PlanExport', 'StartExport', 'DeliverLink'];
    for (const fn of functions) expect(decrypts(fn, shipped.pipeline), fn).toEqual([]);
    const viaDynamoDb = functions.flatMap((fn) =>
      statementsOfFunction(shipped.pipeline, fn).filter((s) =>
        JSON.stringify(s).includes('"kms:ViaService":"dynamodb'),
      ),
    );
    // The pipeline's own table key only (DataKey import), never a game key.
    for (const statement of viaDynamoDb)
      expect(resourcesOf(statement)).toEqual([expect.stringContaining('import:')]);
  });
});

describe('Tables in another account', () => {
  it('are queried by their ARN, index only where the map reads an index', () => {
    expect(queries('CollectCategory')).toEqual(
      expect.arrayContaining([PLAYERS_ARN, `${POSTS_ARN}/index/byAuthor`]),
    );
    expect(queries('CollectCategory')).not.toContain(POSTS_ARN);
    expect(queries('PlanExport')).toEqual([PLAYERS_ARN]);
  });

  it('have a read budget under the name (ARN) the map gives, as the collectors look it up', () => {
    const collector = Object.values(live.pipeline.findResources('AWS::Lambda::Function')).find(
      (fn) => fn.Metadata?.['player-data-export:entry'] === 'functions/collect-category/handler.ts',
    );
    const budgets = JSON.parse(collector?.Properties.Environment.Variables.READ_BUDGETS);
    expect(budgets[PLAYERS_ARN]).toBe(1000);
    expect(budgets[POSTS_ARN]).toBe(1000);
    expect(Object.keys(budgets).sort()).toEqual(
      [...new Set(liveMap.sources.map((s) => s.table).filter((t) => t !== '@requests'))].sort(),
    );
  });

  it('get a read-throttle alarm only where the stack is deployed to their ARN’s account and region (a condition); tables named by name always do', () => {
    const alarms = live.pipeline.findResources('AWS::CloudWatch::Alarm');
    const alarmIds = Object.keys(alarms);
    const throttleAlarm = (id: string) =>
      alarmIds.filter((alarm) => new RegExp(`^AlarmsReadThrottles${id}[0-9A-F]{8}$`).test(alarm));
    // live-players and live-forum (byAuthor) are named by ARN: an alarm can only watch a metric of
    // its own account, so each is created only when the stack's account and region are the ARN's.
    const conditions = live.pipeline.toJSON().Conditions as Record<string, unknown>;
    for (const [id, table, index] of [
      ['LivePlayers', 'live-players', undefined],
      ['LiveForumByAuthor', 'live-forum', 'byAuthor'],
    ] as const) {
      const [alarmId] = throttleAlarm(id);
      const alarm = alarms[alarmId as string] as { Condition?: string; Properties: Record<string, unknown> };
      expect(alarm.Condition, id).toBeDefined();
      expect(conditions[alarm.Condition as string], id).toEqual({
        'Fn::And': [
          { 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, GAME_ACCOUNT] },
          { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] },
        ],
      });
      // Watched in the account it is deployed to: no account or region on the metric itself.
      const metric = (
        alarm.Properties as { Metrics: { MetricStat?: { Metric: { Dimensions?: unknown[] } } }[] }
      ).Metrics[0]?.MetricStat?.Metric;
      const dimensions = [
        { Name: 'TableName', Value: table },
        ...(index ? [{ Name: 'GlobalSecondaryIndexName', Value: index }] : []),
      ];
      expect(metric?.Dimensions, id).toEqual(expect.arrayContaining(dimensions));
      expect(metric?.Dimensions?.length, id).toBe(dimensions.length);
      expect(JSON.stringify(alarm.Properties), id).not.toContain('AccountId');
    }
    // game-stats is imported by name: this account's, always watched.
    expect(throttleAlarm('GameStats')).toHaveLength(1);
    expect(
      (alarms[throttleAlarm('GameStats')[0] as string] as { Condition?: string }).Condition,
    ).toBeUndefined();
    const [alarm] = Object.values(
      live.pipeline.findResources('AWS::CloudWatch::Alarm', {
        Properties: { AlarmDescription: Match.stringLikeRegexp('^Reads of game-stats were throttled') },
      }),
    );
    expect(alarm?.Properties.Metrics[0].MetricStat.Metric.Dimensions).toEqual([
      { Name: 'TableName', Value: 'game-stats' },
    ]);
  });

  it('the readers’ roles have the fixed names a table policy names', () => {
    const roles = live.pipeline.findResources('AWS::IAM::Role');
    const named = Object.values(roles)
      .map((role) => JSON.stringify(role.Properties.RoleName ?? null))
      .filter((name) => name !== 'null');
    expect(named).toHaveLength(4);
    for (const reader of ['CollectCategory', 'PlanExport', 'StartExport', 'DeliverLink']) {
      expect(named.some((n) => n.includes(`PlayerDataExport-${reader}-`) && n.includes('AWS::Region'))).toBe(
        true,
      );
    }
  });

  it('the table policy names those roles, Query only, on the table or the index the map reads', () => {
    const players = tablePolicy({
      dataMap: liveMap,
      deploymentName: 'PlayerDataExport',
      sourceId: defaultDataMap.identity.source,
      pipelineAccount: PRIVACY_ACCOUNT,
    });
    expect(players.Statement).toHaveLength(1);
    const [statement] = players.Statement;
    expect(statement?.Action).toBe('dynamodb:Query');
    expect(statement?.Resource).toBe(PLAYERS_ARN);
    expect(statement?.Principal.AWS.sort()).toEqual(
      ['CollectCategory', 'DeliverLink', 'PlanExport', 'StartExport'].map(
        (r) => `arn:aws:iam::${PRIVACY_ACCOUNT}:role/PlayerDataExport-${r}-eu-west-1`,
      ),
    );
    const forum = liveMap.sources.find((s) => s.table === POSTS_ARN);
    const posts = tablePolicy({
      dataMap: liveMap,
      deploymentName: 'PlayerDataExport',
      sourceId: forum?.id as string,
      pipelineAccount: PRIVACY_ACCOUNT,
    });
    expect(posts.Statement[0]?.Resource).toBe(`${POSTS_ARN}/index/byAuthor`);
    expect(posts.Statement[0]?.Principal.AWS).toEqual([
      `arn:aws:iam::${PRIVACY_ACCOUNT}:role/PlayerDataExport-CollectCategory-eu-west-1`,
    ]);
  });

  it('npm run table-policy prints it for the deployment’s data map, and explains what it cannot do', async () => {
    const run = (...args: string[]) =>
      promisify(execFile)('npx', ['tsx', 'bin/table-policy.ts', ...args], { encoding: 'utf8' });
    const { stdout } = await run(
      '--source',
      defaultDataMap.identity.source,
      '--account',
      PRIVACY_ACCOUNT,
      '-c',
      `dataMapFile=${mapFile}`,
      '-c',
      'deploymentName=PdeStaging',
    );
    const printed = JSON.parse(stdout);
    expect(printed.Statement[0].Principal.AWS).toContain(
      `arn:aws:iam::${PRIVACY_ACCOUNT}:role/PdeStaging-CollectCategory-eu-west-1`,
    );
    await expect(run('--source', 'players', '--account', PRIVACY_ACCOUNT)).rejects.toMatchObject({
      stderr: expect.stringMatching(/needs no resource policy/),
    });
    await expect(run('--source', 'nope', '--account', PRIVACY_ACCOUNT)).rejects.toMatchObject({
      stderr: expect.stringMatching(/no source "nope"/),
    });
  }, 60_000);
});

describe('A deployment’s own data map', () => {
  it('is what every bundle embeds and what the roles are granted by', () => {
    for (const fn of Object.values(live.pipeline.findResources('AWS::Lambda::Function'))) {
      if (!fn.Metadata?.[EMBEDDED_METADATA]) continue;
      expect(fn.Metadata[EMBEDDED_METADATA]['#data-map']).toBe(mapFile);
      expect(fn.Metadata[EMBEDDED_METADATA]['#privacy-notice']).toBe(PRODUCTION.privacyNoticeFile);
    }
  });

  it('fails synth naming the setting when the file is missing or the map is invalid', () => {
    expect(() => synthTemplates({ dataMapFile: join(dir, 'missing.json') })).toThrow(
      /dataMapFile: cannot read/,
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ ...liveMap, sources: [{ ...liveMap.sources[0], kmsKeyArn: 'alias/game' }] }),
    );
    expect(() => synthTemplates({ dataMapFile: bad })).toThrow(/dataMapFile: .*kmsKeyArn/s);
  });

  it('fails synth when a source reads "@requests" other than through its byPlayer index', () => {
    const wrongKey = join(dir, 'wrong-requests-key.json');
    const sources = liveMap.sources.map((s) =>
      s.table === '@requests' ? { ...s, key: { ...s.key, template: '{playerId}' } } : s,
    );
    writeFileSync(wrongKey, JSON.stringify({ ...liveMap, sources }));
    expect(() => synthTemplates({ ...PRODUCTION, dataMapFile: wrongKey })).toThrow(
      /data map source "data-requests" reads @requests: its key must be \{ "index": "byPlayer", "partition": "gsi1pk", "sort": "gsi1sk", "template": "PLAYER#\{playerId\}" \}/,
    );
  });

  it('fails synth when a text of its map has no translation, naming the file and the key', () => {
    const relabelled = join(dir, 'relabelled.json');
    const sources = liveMap.sources.map((s) =>
      s.id === 'players'
        ? { ...s, fields: [...s.fields, { name: 'nickname', type: 'string', label: 'Nickname' }] }
        : s,
    );
    writeFileSync(relabelled, JSON.stringify({ ...liveMap, sources }));
    expect(() => synthTemplates({ dataMapFile: relabelled })).toThrow(
      /lack 5 translation\(s\):\n {2}config\/translations\/de\.json: missing: field\.players\.nickname\.label/,
    );
  });
});
