/**
 * Operating the pipeline: the ops dashboard (every figure a metric some function publishes) and
 * the account portal's IAM-authorised routes (least privilege, cdk-nag clean).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { OWN_REQUESTS_TABLE } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { gaugedStates } from '../../functions/core/requests/ops-gauges';
import { METRICS_NAMESPACE, REASON_DIMENSION, STATE_DIMENSION } from '../../functions/runtime/metrics';
import { buildApp } from '../../lib/app';
import { repoRoot } from '../../lib/constructs/export-function';
import { PORTAL_REQUESTS_PATH, PortalApi } from '../../lib/constructs/portal-api';
import { demoTableNames } from '../../lib/demo-game-stack';
import {
  actionsOf,
  flatten,
  type Json,
  resourcesOf,
  statementsOfFunction,
  synthTemplates,
} from './template-helpers';

const { pipeline } = synthTemplates();

/** The dashboard body with every intrinsic rendered as ${…} text (flatten), parsed. */
function dashboardBody(template: Template): { widgets: Widget[] } {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0]?.Properties.DashboardBody as Json;
  return JSON.parse(flatten(body));
}

interface Widget {
  type: string;
  properties: {
    title?: string;
    markdown?: string;
    metrics?: (string | Record<string, unknown>)[][];
    alarms?: string[];
  };
}

/** Metrics of a widget: [namespace, name, dimensions] of plain metrics, and SEARCH expressions. */
function metricsOf(widget: Widget) {
  const plain: { namespace: string; name: string; dimensions: Record<string, string> }[] = [];
  const searches: string[] = [];
  for (const row of widget.properties.metrics ?? []) {
    const last = row.at(-1);
    const options = typeof last === 'object' ? (last as { expression?: string }) : {};
    if (options.expression) {
      searches.push(options.expression);
      continue;
    }
    const [namespace, name, ...rest] = row.filter((v): v is string => typeof v === 'string');
    const dimensions: Record<string, string> = {};
    for (let i = 0; i + 1 < rest.length; i += 2) dimensions[rest[i] as string] = rest[i + 1] as string;
    plain.push({ namespace: namespace as string, name: name as string, dimensions });
  }
  return { plain, searches };
}

/** Every .ts file of the functions (handlers, core, runtime), as text. */
function functionSources(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts')) files.push(readFileSync(full, 'utf8'));
    }
  };
  walk(path.join(repoRoot, 'functions'));
  return files;
}

describe('Ops dashboard', () => {
  const { widgets } = dashboardBody(pipeline);
  const titled = (title: string) => {
    const found = widgets.filter((w) => w.properties.title === title);
    expect(found, title).toHaveLength(1);
    return found[0] as Widget;
  };

  it('is named after the deployment: <deploymentName>-requests, also as outputs with its URL', () => {
    pipeline.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'PlayerDataExport-requests',
    });
    const outputs = pipeline.toJSON().Outputs as Record<string, { Value: Json }>;
    expect(flatten(outputs.OpsDashboardName?.Value)).toBe('PlayerDataExport-requests');
    expect(flatten(outputs.OpsDashboardUrl?.Value)).toBe(
      `https://\${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=\${AWS::Region}#dashboards/dashboard/PlayerDataExport-requests`,
    );
    const staging = synthTemplates({ deploymentName: 'PdeStaging' }).pipeline;
    staging.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'PdeStaging-requests' });
    for (const widget of dashboardBody(staging).widgets) {
      for (const metric of metricsOf(widget).plain.filter((m) => m.namespace === METRICS_NAMESPACE)) {
        expect(metric.dimensions.service, metric.name).toBe('PdeStaging');
      }
    }
  });

  it('shows every figure ops asked for', () => {
    const names = (title: string) => metricsOf(titled(title)).plain.map((m) => m.name);
    expect(names('Requests by state')).toEqual(gaugedStates.map(() => 'RequestsByState'));
    expect(metricsOf(titled('Requests by state')).plain.map((m) => m.dimensions[STATE_DIMENSION])).toEqual([
      ...gaugedStates,
    ]);
    expect(names('Oldest waiting request (hours since receipt)')).toEqual(['OldestWaitingHours']);
    expect(names('Requests due within 7 days (or overdue)')).toEqual(['RequestsDueWithin7Days']);
    expect(names('Deliveries: pending and undelivered links')).toEqual(
      expect.arrayContaining(['DeliveriesPending', 'UndeliveredLinks', 'LinksUndelivered']),
    );
    expect(names('Downloads')).toEqual(['Downloads']);
    expect(names('Retention findings (records past the stated retention)')).toEqual(['RetentionFindings']);
    expect(names('Data map mismatches')).toEqual(['DataMapMismatches']);
    expect(names('Deletion failures')).toEqual(['DeletionFailures']);
    // Failures by reason: one line per `reason` of ExportsFailed, and the watchdog's give-ups.
    const failures = metricsOf(titled('Failures by reason'));
    expect(failures.searches).toEqual([
      `SEARCH('{${METRICS_NAMESPACE},${REASON_DIMENSION},service} MetricName="ExportsFailed" service="PlayerDataExport"', 'Sum', 3600)`,
    ]);
    expect(failures.plain.map((m) => m.name)).toContain('RequestsGivenUp');
  });

  it('shows read throttling of every game table the data map reads, and of the requests table', () => {
    const throttles = metricsOf(titled('Throttled reads (DynamoDB ReadThrottleEvents)')).plain;
    expect(new Set(throttles.map((m) => `${m.namespace} ${m.name}`))).toEqual(
      new Set(['AWS/DynamoDB ReadThrottleEvents']),
    );
    const watched = new Set(
      throttles.map(
        (m) =>
          `${m.dimensions.TableName}${m.dimensions.GlobalSecondaryIndexName ? `/${m.dimensions.GlobalSecondaryIndexName}` : ''}`,
      ),
    );
    const demoNames = demoTableNames('PlayerDataExport');
    for (const source of defaultDataMap.sources) {
      if (source.table === OWN_REQUESTS_TABLE) continue;
      const table = demoNames.get(source.table) ?? source.table;
      expect(watched, source.id).toContain(source.key.index ? `${table}/${source.key.index}` : table);
    }
    const own = [...watched].filter((w) => w.includes('import:'));
    expect(own.map((w) => w.replace(/^.*\}/, '')).sort()).toEqual([
      '',
      '/awaitingCleanUp',
      '/byPlayer',
      '/byState',
    ]);
  });

  it('shows the state of every alarm of the stack', () => {
    const alarmWidgets = widgets.filter((w) => w.type === 'alarm');
    expect(alarmWidgets).toHaveLength(1);
    const shown = (alarmWidgets[0]?.properties.alarms ?? []).map(String).sort();
    const alarmIds = Object.keys(pipeline.findResources('AWS::CloudWatch::Alarm'));
    expect(shown).toHaveLength(alarmIds.length);
    for (const id of alarmIds)
      expect(
        shown.some((arn) => arn.includes(`\${${id}.Arn}`)),
        id,
      ).toBe(true);
  });

  it('every metric of ours it shows is one a function publishes, with the dimensions it publishes', () => {
    const sources = functionSources();
    const publishing = sources.filter((text) => /\baddMetric\(/.test(text));
    const shown = new Set<string>();
    for (const widget of widgets) {
      const { plain, searches } = metricsOf(widget);
      for (const metric of plain.filter((m) => m.namespace === METRICS_NAMESPACE)) {
        shown.add(metric.name);
        expect(metric.dimensions.service, metric.name).toBe('PlayerDataExport');
        // Only `state` (RequestsByState) beyond the service; never an id.
        const extra = Object.keys(metric.dimensions).filter((d) => d !== 'service');
        expect(extra, metric.name).toEqual(metric.name === 'RequestsByState' ? [STATE_DIMENSION] : []);
      }
      for (const search of searches) shown.add(/MetricName="([A-Za-z0-9]+)"/.exec(search)?.[1] ?? search);
    }
    expect(shown.size).toBeGreaterThan(12);
    for (const name of shown) {
      expect(
        publishing.some((text) => text.includes(`'${name}'`)),
        `${name}: no function under functions/ publishes it`,
      ).toBe(true);
    }
    // The dimensioned ones are published with the same dimension names the dashboard reads.
    const byState = publishing.find((text) => text.includes(`'RequestsByState'`)) ?? '';
    expect(byState).toMatch(/addDimension\(STATE_DIMENSION, state\)/);
    const failed = publishing.find((text) => text.includes(`'ExportsFailed'`)) ?? '';
    expect(failed).toMatch(/addDimension\(REASON_DIMENSION, failureKind\(/);
  });
});

describe('Portal API (AWS_IAM routes on the HTTP API)', () => {
  const routes = Object.values(pipeline.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
  const portalFunctionId = 'PortalApi';

  it('routes GET /portal/players/{playerId}/requests with AWS_IAM authorization to the portal function', () => {
    const portal = routes.filter((r) => String(r.RouteKey).includes('/portal/'));
    expect(portal.map((r) => r.RouteKey)).toEqual([`GET ${PORTAL_REQUESTS_PATH}`]);
    expect(portal[0]?.AuthorizationType).toBe('AWS_IAM');
    // The download routes stay open: the token in the path is their credential.
    for (const route of routes.filter((r) => !String(r.RouteKey).includes('/portal/'))) {
      expect(route.AuthorizationType ?? 'NONE', route.RouteKey).toBe('NONE');
    }
    const integrations = pipeline.findResources('AWS::ApiGatewayV2::Integration');
    const target = String(portal[0]?.Target ? flatten(portal[0].Target) : '');
    const integrationId = /integrations\/\$\{(.+)\}/.exec(target)?.[1] ?? '';
    expect(flatten(integrations[integrationId]?.Properties.IntegrationUri)).toMatch(
      new RegExp(`^\\$\\{${portalFunctionId}Function[0-9A-F]{8}\\.Arn\\}$`),
    );
  });

  it('the function may only Query the requests table’s byPlayer index, and of byState the QUEUED partition', () => {
    const statements = statementsOfFunction(pipeline, portalFunctionId);
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(2);
    for (const statement of dynamo) expect(actionsOf(statement)).toEqual(['dynamodb:Query']);
    const [byPlayer, byState] = dynamo as [(typeof statements)[number], (typeof statements)[number]];
    expect(resourcesOf(byPlayer)).toHaveLength(1);
    expect(resourcesOf(byPlayer)[0]).toMatch(
      /^\$\{import:PlayerDataExportStateful:.*PipelineTable.*\}\/index\/byPlayer$/,
    );
    expect(resourcesOf(byState)).toHaveLength(1);
    expect(resourcesOf(byState)[0]).toMatch(/\/index\/byState$/);
    // A count of the waiting requests, for a queued request's place in line: no other state.
    expect(byState.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['STATE#QUEUED'] },
    });
    // Besides its own logs: the table's key, to decrypt what it reads, and nothing else.
    const others = statements.filter((s) => !actionsOf(s).some((a) => /^(dynamodb|logs):/.test(a)));
    expect(others.flatMap(actionsOf).sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    const fn = Object.entries(pipeline.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith(`${portalFunctionId}Function`),
    )?.[1];
    expect(fn?.Properties.Environment.Variables.PORTAL_CALLER_ROLE_ARN).toBeUndefined();
  });

  it('outputs the execute-api ARN the portal’s caller must be allowed to invoke', () => {
    const outputs = pipeline.toJSON().Outputs as Record<string, { Value: Json }>;
    const apiId = Object.keys(pipeline.findResources('AWS::ApiGatewayV2::Api'))[0];
    expect(flatten(outputs.PortalApiArn?.Value)).toBe(
      `arn:\${AWS::Partition}:execute-api:\${AWS::Region}:\${AWS::AccountId}:\${${apiId}}/$default/GET/portal/players/*/requests`,
    );
    expect(outputs.PortalInvokerRoleArn).toBeUndefined();
  });

  it('with the portal’s principal: an invoker role it may assume, allowed that route only, and the only caller the function accepts', () => {
    const app = new App();
    const stack = new Stack(app, 'PortalOnly');
    const api = new HttpApi(stack, 'Api');
    const handler = LambdaFunction.fromFunctionArn(
      stack,
      'Handler',
      'arn:aws:lambda:eu-west-1:111122223333:function:portal',
    );
    const portal = new PortalApi(stack, 'Portal', {
      api,
      handler,
      portalPrincipalArn: 'arn:aws:iam::444455556666:role/account-portal',
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::444455556666:role/account-portal' },
          },
        ],
      },
    });
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    const statements = policies[0]?.Properties.PolicyDocument.Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('execute-api:Invoke');
    expect(flatten(statements[0].Resource)).toMatch(/\/\$default\/GET\/portal\/players\/\*\/requests$/);
    expect(portal.invokerRole).toBeDefined();
    // cdk-nag: the role's one wildcard (the player id) is acknowledged, nothing else is found.
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources
        .filter((r) => r.constructPath?.includes('/Portal/'))
        .map((r) => `${v.ruleName}: ${r.constructPath}`),
    );
    expect(findings).toEqual([]);
  });

  it('the portalPrincipalArn setting creates the invoker role and tells the function its ARN', () => {
    const { pipeline: withPortal } = synthTemplates({
      portalPrincipalArn: 'arn:aws:iam::444455556666:role/account-portal',
    });
    const fn = Object.entries(withPortal.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith(`${portalFunctionId}Function`),
    )?.[1];
    expect(flatten(fn?.Properties.Environment.Variables.PORTAL_CALLER_ROLE_ARN)).toMatch(
      /^\$\{PortalRoutesInvokerRole[0-9A-F]{8}\.Arn\}$/,
    );
    const outputs = withPortal.toJSON().Outputs as Record<string, { Value: Json }>;
    expect(flatten(outputs.PortalInvokerRoleArn?.Value)).toMatch(/^\$\{PortalRoutesInvokerRole/);
  });

  it('the app has zero unacknowledged cdk-nag AwsSolutions findings with the portal routes and dashboard', () => {
    // Without bundling (nag-and-bundles.test.ts bundles); the templates are the same.
    const { app } = buildApp({ context: { 'aws:cdk:bundling-stacks': [], nag: true } });
    app.synth();
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});
