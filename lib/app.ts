import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readDeployConfig } from '../config/deploy';
import { PipelineStack } from './pipeline-stack';
import { StatefulStack } from './stateful-stack';

export interface PlayerDataExportApp {
  app: App;
  stateful: StatefulStack;
  pipeline: PipelineStack;
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
  const config = readDeployConfig((key) => app.node.tryGetContext(key));
  if (config.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stateful = new StatefulStack(app, 'PlayerDataExportStateful', {
    description: 'player-data-export: requests table, exports bucket and key (retained)',
    config,
    terminationProtection: false,
  });
  const pipeline = new PipelineStack(app, 'PlayerDataExportPipeline', {
    description: 'player-data-export: functions, workflow, event rule, download gateway, alarms',
    config,
    pipelineTable: stateful.pipelineTable,
    demoTables: stateful.demoTables,
  });
  // The pipeline imports the stateful stack's named exports: deploy (and keep) that one first.
  pipeline.addStackDependency(stateful);
  return { app, stateful, pipeline };
}
