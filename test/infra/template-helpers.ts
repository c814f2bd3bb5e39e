import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';

/**
 * A privacy notice as a real game would ship it: the shipped one with the controller's address
 * on a domain SES can verify (the shipped one's is a placeholder, fine for demo mode only).
 */
export function noticeFileWithController(email: string): string {
  const notice = JSON.parse(readFileSync('config/privacy-notice.json', 'utf8'));
  notice.controller.email = email;
  const file = join(mkdtempSync(join(tmpdir(), 'notice-')), 'privacy-notice.json');
  writeFileSync(file, JSON.stringify(notice));
  return file;
}

/** Settings of a deployment next to a real game: no demo, a sender SES can verify. */
export const PRODUCTION = {
  demoMode: false,
  privacyNoticeFile: noticeFileWithController('privacy@nordlys-games.eu'),
} as const;

/**
 * The stacks synthesised without bundling (template assertions need no code) and without the
 * nag plugin (nag.test.ts runs it on the bundled app).
 */
export function synthTemplates(context: Record<string, unknown> = {}) {
  const built = buildApp({ context: { 'aws:cdk:bundling-stacks': [], nag: false, ...context } });
  return {
    ...built,
    stateful: Template.fromStack(built.stateful),
    pipeline: Template.fromStack(built.pipeline),
    demoGame: built.demoGame ? Template.fromStack(built.demoGame) : undefined,
  };
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Renders CloudFormation intrinsics as readable text so tests compare plain strings:
 * Ref → ${Name}, Fn::GetAtt → ${Logical.Attr}, Fn::ImportValue → ${import:Name}, Fn::Join joined.
 */
export function flatten(value: Json | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return value.map(flatten).join(',');
  if ('Ref' in value) return `\${${flatten(value.Ref)}}`;
  if ('Fn::GetAtt' in value) {
    const att = value['Fn::GetAtt'];
    return `\${${Array.isArray(att) ? att.map(flatten).join('.') : flatten(att)}}`;
  }
  if ('Fn::ImportValue' in value) return `\${import:${flatten(value['Fn::ImportValue'])}}`;
  if ('Fn::Join' in value) {
    const join = value['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1])) return join[1].map(flatten).join(String(join[0]));
  }
  return JSON.stringify(value);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
  Condition?: Record<string, Record<string, Json>>;
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: Statement): string[] {
  return Array.isArray(statement.Resource) ? statement.Resource.map(flatten) : [flatten(statement.Resource)];
}

/** Every statement of the policies attached to the role of an ExportFunction (by construct id). */
export function statementsOfFunction(template: Template, functionId: string): Statement[] {
  const roles = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) =>
    id.startsWith(`${functionId}Role`),
  );
  if (roles.length !== 1) throw new Error(`Expected one role for ${functionId}, found ${roles.join(', ')}`);
  const role = roles[0] as string;
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as Json[]).some((r) => flatten(r) === `\${${role}}`),
  );
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** `arn:…:table/<name>` as the pipeline stack formats an imported table's ARN. */
export function importedTableArn(name: string): string {
  return `arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/${name}`;
}
