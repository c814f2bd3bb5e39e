import { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { OWN_REQUESTS_TABLE } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { readSourceTables } from '../../functions/runtime/config';
import { demoTables } from '../../lib/demo-tables';
import {
  actionsOf,
  flatten,
  type Json,
  noticeFileWithController,
  PRODUCTION,
  resourcesOf,
  statementsOfFunction,
  synthTemplates,
} from './template-helpers';

const demo = synthTemplates();
const production = synthTemplates(PRODUCTION);

/** Every Fn::ImportValue name in a template. */
function importedNames(template: Template): string[] {
  const names: string[] = [];
  const walk = (value: Json) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      if ('Fn::ImportValue' in value) names.push(JSON.stringify(value['Fn::ImportValue']));
      Object.values(value).forEach(walk);
    }
  };
  walk(template.toJSON() as Json);
  return names;
}

function exportedNames(template: Template): string[] {
  return Object.values(template.findOutputs('*'))
    .map((o) => o.Export?.Name as string | undefined)
    .filter((n): n is string => Boolean(n));
}

function tableNames(template: Template | undefined): string[] {
  return Object.values(template?.findResources('AWS::DynamoDB::Table') ?? {}).map(
    (t) => t.Properties.TableName as string,
  );
}

function stackIds(built: ReturnType<typeof synthTemplates>): string[] {
  return built.app.node.children.filter((c) => Stack.isStack(c)).map((c) => c.node.id);
}

function environments(template: Template): Record<string, Json>[] {
  return Object.values(template.findResources('AWS::Lambda::Function')).map(
    (fn) => (fn.Properties.Environment?.Variables ?? {}) as Record<string, Json>,
  );
}

describe('Demo game', () => {
  it('is a stack of its own, with every demo table prefixed by the deployment name', () => {
    expect(demo.demoGame).toBeDefined();
    expect(tableNames(demo.demoGame).sort()).toEqual(
      Object.keys(demoTables)
        .map((t) => `PlayerDataExport-demo-${t}`)
        .sort(),
    );
    const forum = Object.values(
      demo.demoGame?.findResources('AWS::DynamoDB::Table', {
        Properties: { TableName: 'PlayerDataExport-demo-forum-posts' },
      }) ?? {},
    )[0];
    expect(forum?.Properties.GlobalSecondaryIndexes[0].IndexName).toBe('byAuthor');
    expect(forum?.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(forum?.Properties.SSESpecification).toMatchObject({ SSEEnabled: true });
    // No demo table carries a name a game's own table could have.
    for (const name of tableNames(demo.demoGame)) expect(Object.keys(demoTables)).not.toContain(name);
  });

  it('seeds the demo data at deploy with the same loader, allowed only to put items into the demo tables', () => {
    const game = demo.demoGame as Template;
    const [seed] = Object.values(game.findResources('Custom::DemoData'));
    expect(JSON.stringify(seed?.Properties.ServiceToken)).toMatch(/SeedDemoFunction.*Arn/);
    const [fn] = Object.values(game.findResources('AWS::Lambda::Function'));
    expect(fn?.Metadata?.['player-data-export:entry']).toBe('functions/seed-demo/handler.ts');
    const writes = statementsOfFunction(game, 'SeedDemo').filter((s) =>
      actionsOf(s).some((a) => a.startsWith('dynamodb:')),
    );
    expect(writes.flatMap(actionsOf)).toEqual(['dynamodb:BatchWriteItem']);
    expect(writes.flatMap(resourcesOf)).toHaveLength(Object.keys(demoTables).length);
    const empty = synthTemplates({ seedDemoData: false });
    expect(empty.demoGame?.findResources('Custom::DemoData')).toEqual({});
    expect(tableNames(empty.demoGame)).toHaveLength(Object.keys(demoTables).length);
  });

  it('exports nothing, and the pipeline imports nothing of it: turning demo mode off removes it safely', () => {
    expect(exportedNames(demo.demoGame as Template)).toEqual([]);
    const stateful = exportedNames(demo.stateful);
    for (const name of importedNames(demo.pipeline))
      expect(stateful.map((n) => JSON.stringify(n))).toContain(name);
    // The stateful stack is the same in both modes, so switching never removes an export in use.
    const sameSender = synthTemplates({ ...PRODUCTION, demoMode: true });
    expect(sameSender.stateful.toJSON()).toEqual(production.stateful.toJSON());
    expect(tableNames(demo.stateful)).toHaveLength(1);
    expect(production.demoGame).toBeUndefined();
    expect(stackIds(production).sort()).toEqual(['PlayerDataExportPipeline', 'PlayerDataExportStateful']);
  });

  it('the pipeline reads the demo tables by their prefixed names, and in production the game’s own', () => {
    // The value holds the requests table's name, a reference: read as text (${…}).
    const tablesOf = (env: Record<string, Json>) =>
      readSourceTables({ SOURCE_TABLES: flatten(env.SOURCE_TABLES) });
    const readers = environments(demo.pipeline).filter((env) => env.SOURCE_TABLES);
    // plan, collect, start and deliver read sources; nothing else is told where they are.
    expect(readers).toHaveLength(4);
    for (const env of readers) {
      const tables = tablesOf(env);
      for (const source of defaultDataMap.sources.filter((s) => s.table !== OWN_REQUESTS_TABLE)) {
        expect(tables.get(source.table)).toBe(`PlayerDataExport-demo-${source.table}`);
      }
      expect(tables.get(OWN_REQUESTS_TABLE)).toMatch(/^\$\{import:.*PipelineTable|^\$\{.*PipelineTable/);
    }
    // In production the map's names are the game's own; only "@requests" is resolved.
    for (const env of environments(production.pipeline).filter((e) => e.SOURCE_TABLES)) {
      expect([...tablesOf(env).keys()]).toEqual([OWN_REQUESTS_TABLE]);
    }
    // Deployed after the demo game's tables exist, as after the stateful stack.
    const pipelineStack = demo.app.node.findChild('PlayerDataExportPipeline') as Stack;
    expect(pipelineStack.dependencies.map((d) => d.node.id).sort()).toEqual([
      'PlayerDataExportDemoGame',
      'PlayerDataExportStateful',
    ]);
  });
});

describe('Several deployments side by side', () => {
  const staging = synthTemplates({ deploymentName: 'PdeStaging' });

  it('names stacks, exports, demo tables and the metrics service by the deployment', () => {
    expect(stackIds(staging).sort()).toEqual([
      'PdeStagingDemoGame',
      'PdeStagingPipeline',
      'PdeStagingStateful',
    ]);
    const exports = exportedNames(staging.stateful);
    expect(exports.length).toBeGreaterThan(0);
    // Ours (PdeStaging-…) and CDK's generated ones (PdeStagingStateful:…) alike.
    for (const name of exports) expect(name).toMatch(/^PdeStaging[-S]/);
    for (const name of importedNames(staging.pipeline)) expect(name).toMatch(/^"PdeStaging[-S]/);
    for (const name of tableNames(staging.demoGame)) expect(name).toMatch(/^PdeStaging-demo-/);
    for (const env of environments(staging.pipeline)) expect(env.POWERTOOLS_SERVICE_NAME).toBe('PdeStaging');
    for (const alarm of Object.values(staging.pipeline.findResources('AWS::CloudWatch::Alarm'))) {
      const dimensions = (alarm.Properties.Dimensions ?? []) as { Name: string; Value: string }[];
      const service = dimensions.find((d) => d.Name === 'service');
      if (service) expect(service.Value).toBe('PdeStaging');
    }
  });

  it('shares no physical name with the default deployment', () => {
    const names = (built: ReturnType<typeof synthTemplates>) =>
      new Set([...exportedNames(built.stateful), ...tableNames(built.demoGame), ...stackIds(built)]);
    const taken = names(demo);
    for (const name of names(staging)) expect(taken.has(name), name).toBe(false);
  });

  it('refuses a name CloudFormation or DynamoDB would not take', () => {
    expect(() => synthTemplates({ deploymentName: 'pde staging' })).toThrow(/deploymentName/);
    expect(() => synthTemplates({ deploymentName: '1st' })).toThrow(/deploymentName/);
  });
});

describe('Links that survive redeploys', () => {
  const CERTIFICATE = 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';
  const withDomain = synthTemplates({
    ...PRODUCTION,
    downloadDomainName: 'download.nordlys-games.eu',
    downloadCertificateArn: CERTIFICATE,
  });

  it('the custom domain lives in the stateful stack, retained, with its certificate and TLS 1.2', () => {
    const domains = withDomain.stateful.findResources('AWS::ApiGatewayV2::DomainName');
    const [domain] = Object.values(domains);
    expect(Object.keys(domains)).toHaveLength(1);
    expect(domain?.DeletionPolicy).toBe('Retain');
    expect(domain?.Properties.DomainName).toBe('download.nordlys-games.eu');
    expect(domain?.Properties.DomainNameConfigurations).toEqual([
      expect.objectContaining({ CertificateArn: CERTIFICATE, SecurityPolicy: 'TLS_1_2' }),
    ]);
    expect(Object.keys(withDomain.stateful.findOutputs('DownloadDomainTarget'))).toHaveLength(1);
    expect(withDomain.pipeline.findResources('AWS::ApiGatewayV2::DomainName')).toEqual({});
  });

  it('the pipeline maps its API onto it by the stateful stack’s export, and every link names the domain', () => {
    const [mapping] = Object.values(withDomain.pipeline.findResources('AWS::ApiGatewayV2::ApiMapping'));
    expect(mapping?.Properties.DomainName).toEqual({
      'Fn::ImportValue': 'PlayerDataExport-DownloadDomainName',
    });
    const linkMakers = environments(withDomain.pipeline).filter((env) => env.GATEWAY_BASE_URL);
    expect(linkMakers.length).toBeGreaterThan(0);
    for (const env of linkMakers) expect(env.GATEWAY_BASE_URL).toBe('https://download.nordlys-games.eu');
    expect(Object.values(withDomain.pipeline.findOutputs('DownloadBaseUrl'))[0]?.Value).toBe(
      'https://download.nordlys-games.eu',
    );
  });

  it('refuses a domain without its certificate, or beside gatewayBaseUrl', () => {
    expect(() => synthTemplates({ downloadDomainName: 'download.nordlys-games.eu' })).toThrow(
      /downloadCertificateArn: downloadDomainName and downloadCertificateArn go together/,
    );
    expect(() =>
      synthTemplates({
        downloadDomainName: 'download.nordlys-games.eu',
        downloadCertificateArn: CERTIFICATE,
        gatewayBaseUrl: 'https://cdn.nordlys-games.eu',
      }),
    ).toThrow(/gatewayBaseUrl: set either/);
    expect(() =>
      synthTemplates({ downloadDomainName: 'Download Site', downloadCertificateArn: CERTIFICATE }),
    ).toThrow(/downloadDomainName/);
  });
});

describe('The sender', () => {
  it('is created and kept by the stateful stack; the pipeline sends from it by name', () => {
    const identities = production.stateful.findResources('AWS::SES::EmailIdentity');
    expect(Object.values(identities).map((i) => [i.Properties.EmailIdentity, i.DeletionPolicy])).toEqual([
      ['privacy@nordlys-games.eu', 'Retain'],
    ]);
    expect(production.pipeline.findResources('AWS::SES::EmailIdentity')).toEqual({});
    const existing = synthTemplates({ ...PRODUCTION, createSesIdentity: false });
    expect(existing.stateful.findResources('AWS::SES::EmailIdentity')).toEqual({});
  });

  it('sends with a configuration set (stateful) that publishes bounces, complaints, rejections and deliveries to the default bus', () => {
    const [set] = Object.values(production.stateful.findResources('AWS::SES::ConfigurationSet'));
    expect(set?.Properties.Name).toBe('PlayerDataExport-mail');
    const [destination] = Object.values(
      production.stateful.findResources('AWS::SES::ConfigurationSetEventDestination'),
    );
    expect(destination?.Properties.EventDestination.MatchingEventTypes.sort()).toEqual([
      'bounce',
      'complaint',
      'delivery',
      'reject',
    ]);
    expect(JSON.stringify(destination?.Properties.EventDestination.EventBridgeDestination)).toContain(
      'event-bus/default',
    );
    const senders = environments(production.pipeline).filter((env) => env.MAIL_FROM);
    expect(senders).toHaveLength(2);
    for (const env of senders) expect(env.SES_CONFIGURATION_SET).toBe('PlayerDataExport-mail');
  });

  it('alarms when more than 5% of the reported link e-mails bounce or are marked as spam', () => {
    const [alarm] = Object.values(production.pipeline.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
      JSON.stringify(a).includes('MailBounced'),
    );
    expect(alarm?.Properties.Threshold).toBe(5);
    const metrics = JSON.stringify(alarm?.Properties.Metrics);
    for (const name of ['MailBounced', 'MailComplained', 'MailDelivered']) expect(metrics).toContain(name);
    expect(metrics).toContain('"Value":"PlayerDataExport"');
  });

  it('outside demo mode, a placeholder address nobody can verify fails synth', () => {
    for (const email of ['privacy@example.com', 'privacy@mail.example.org', 'p@game.test']) {
      const privacyNoticeFile = noticeFileWithController(email);
      expect(() => synthTemplates({ demoMode: false, privacyNoticeFile }), email).toThrow(
        /mailFrom: .*placeholder/,
      );
    }
    // The shipped notice's controller is a placeholder: demo mode only.
    expect(() => synthTemplates({ demoMode: false })).toThrow(/mailFrom: .*placeholder/);
    expect(() => synthTemplates({ demoMode: true })).not.toThrow();
  });

  it('mails from the controller the archive names, the support contact: one address', () => {
    const { pipeline } = synthTemplates(PRODUCTION);
    const env = JSON.stringify(pipeline.findResources('AWS::Lambda::Function'));
    expect(env).toContain('"MAIL_FROM":"Nordlys Games AS <privacy@nordlys-games.eu>"');
    // A display name of its own is fine; another address is refused, naming both.
    expect(() =>
      synthTemplates({ ...PRODUCTION, mailFrom: 'Nordlys privacy team <privacy@nordlys-games.eu>' }),
    ).not.toThrow();
    expect(() => synthTemplates({ ...PRODUCTION, mailFrom: 'Privacy <noreply@nordlys-games.eu>' })).toThrow(
      /noreply@nordlys-games\.eu is not the privacy notice's controller e-mail \(privacy@nordlys-games\.eu\)/,
    );
  });
});
