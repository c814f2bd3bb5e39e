import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mailSender, readDeployConfig } from '../config/deploy';
import { DemoGameStack, demoTableNames } from './demo-game-stack';
import { readDeploymentFiles } from './deployment-files';
import { PipelineStack } from './pipeline-stack';
import { StatefulStack } from './stateful-stack';

export interface PlayerDataExportApp {
  app: App;
  stateful: StatefulStack;
  pipeline: PipelineStack;
  /** Demo mode only. */
  demoGame?: DemoGameStack;
}

/**
 * Builds the app: both stacks from the deployment settings in CDK context. Environment-agnostic
 * (no account or region, no lookups), so `cdk synth` runs offline; `cdk deploy` takes both from
 * the caller's AWS profile. Shared by bin/app.ts and the infra tests, so they test what deploys.
 */
export function buildApp(props: AppProps = {}): PlayerDataExportApp {
  const app = new App({
    ...props,
    context: {
      // Feature flags set in code, not cdk.json, so the tests' App gets them too.
      // Access logs delivered under a bucket policy instead of the legacy LogDeliveryWrite ACL.
      '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
      // The pipeline stack references the table through CDK's generated exports: keep them strong.
      '@aws-cdk/core:defaultCrossStackReferences': 'strong',
      ...props.context,
    },
  });
  const settings = readDeployConfig((key) => app.node.tryGetContext(key));
  const files = readDeploymentFiles(settings);
  const config = mailSender(settings, files.notice.controller);
  if (config.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const name = config.deploymentName;
  const stateful = new StatefulStack(app, `${name}Stateful`, {
    description: 'player-data-export: requests table, exports bucket and keys (retained)',
    config,
    terminationProtection: false,
  });
  const demoGame = config.demoMode
    ? new DemoGameStack(app, `${name}DemoGame`, {
        description:
          'player-data-export: the demo game’s tables and data (demo mode; removed when it is turned off)',
        config,
        embedded: files.embedded,
      })
    : undefined;
  const pipeline = new PipelineStack(app, `${name}Pipeline`, {
    description: 'player-data-export: functions, workflow, event rule, download gateway, alarms',
    config,
    pipelineTable: stateful.pipelineTable,
    files,
    // The data map's table names as deployed: the demo game's prefixed tables in demo mode.
    sourceTables: demoGame ? demoTableNames(name) : new Map(),
  });
  // The pipeline imports the stateful stack's named exports: deploy (and keep) that one first.
  pipeline.addStackDependency(stateful);
  if (demoGame) pipeline.addStackDependency(demoGame);
  return { app, stateful, pipeline, ...(demoGame ? { demoGame } : {}) };
}
