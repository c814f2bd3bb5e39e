import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { answerCustomResource, type CustomResourceEvent } from '../adapters/cloudformation/custom-resource';
import { once, seedDepsFromEnv } from '../runtime/composition';
import { logger } from '../runtime/logger';
import { loadDemoData } from './load-demo';

const deps = once(() => seedDepsFromEnv(process.env));

/**
 * The demo game's seed (a custom resource of the demo game stack): on create and update it loads
 * the demo players and their records into the demo tables, the same loader the local tools use,
 * so the README's test event finds its player on AWS. Loading puts items by key, so an update
 * rewrites them. Delete does nothing: the tables go with the stack.
 */
export const handler = middy<CustomResourceEvent>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const physicalId = event.PhysicalResourceId ?? `${event.LogicalResourceId}-demo-data`;
    try {
      if (event.RequestType !== 'Delete') {
        const { dynamodb, tables } = deps();
        const counts = await loadDemoData(dynamodb, tables);
        logger.info('demo data seeded', { counts });
      }
      await answerCustomResource(event, physicalId, { status: 'SUCCESS' });
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      logger.error('demo data not seeded', { reason });
      await answerCustomResource(event, physicalId, { status: 'FAILED', reason });
    }
  });
