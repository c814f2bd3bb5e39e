import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app';
import { repoRoot } from '../../lib/constructs/export-function';

// BuildArchive is the largest: it embeds the texts of the notice and the map in six languages.
const LIMIT_BYTES = 2_000_000;

/** The app exactly as `cdk synth` builds it: every function bundled, the nag plugin registered. */
describe('Synthesis with bundling and cdk-nag', () => {
  const { app, pipeline, demoGame } = buildApp();
  // Throws if the AwsSolutions plugin reports an unacknowledged finding.
  const assembly = app.synth();

  it('has zero unacknowledged AwsSolutions findings', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.map(
      (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('reports every function’s bundle size, each under 2 MB minified', () => {
    const sizes: Record<string, number> = {};
    const functions = [pipeline, ...(demoGame ? [demoGame] : [])].flatMap((stack) =>
      Object.entries(Template.fromStack(stack).findResources('AWS::Lambda::Function')),
    );
    for (const [logicalId, fn] of functions) {
      const key = String(fn.Properties.Code.S3Key);
      const file = path.join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
      sizes[logicalId.replace(/Function[0-9A-F]{8}$/, '')] = statSync(file).size;
    }
    const outDir = path.join(repoRoot, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(
      path.join(outDir, 'bundle-sizes.json'),
      `${JSON.stringify({ measuredAt: new Date().toISOString(), limitBytes: LIMIT_BYTES, bytes: sizes }, null, 2)}\n`,
    );
    console.log(
      Object.entries(sizes)
        .map(([name, bytes]) => `${name.padEnd(16)} ${(bytes / 1e6).toFixed(3)} MB`)
        .join('\n'),
    );
    expect(Object.keys(sizes)).toHaveLength(13); // twelve pipeline functions and the demo game's seed
    expect(sizes).toHaveProperty('DispatchExports');
    for (const [name, bytes] of Object.entries(sizes)) expect(bytes, name).toBeLessThan(LIMIT_BYTES);
  });
});
