import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDbDeliveryOutbox } from '../../functions/adapters/dynamodb/dynamodb-delivery-outbox';
import { DynamoDbGrantRepository } from '../../functions/adapters/dynamodb/dynamodb-grant-repository';
import { DynamoDbRequestRepository } from '../../functions/adapters/dynamodb/dynamodb-request-repository';
import { EventBridgeEventPublisher } from '../../functions/adapters/eventbridge/eventbridge-event-publisher';
import { StepFunctionsExecutions } from '../../functions/adapters/stepfunctions/step-functions-executions';
import type { Clock } from '../../functions/core/ports';
import type { OpsLinkDeps } from '../../functions/core/requests/ops/link-actions';
import type { OpsLifecycleDeps } from '../../functions/core/requests/ops/request-actions';
import { need, type OpsTarget } from './target';

const systemClock: Clock = { now: () => new Date() };

/**
 * The ops use cases' ports on the real AWS SDK clients, pointed at the target: the local
 * endpoint with the harness's key, or AWS with the environment's credentials. Built per command,
 * with only what it needs: a missing output fails before anything is written.
 */
export class OpsDeps {
  private readonly clients: { destroy(): void }[] = [];
  private dynamodbClient?: DynamoDBClient;

  constructor(
    readonly target: OpsTarget,
    readonly clock: Clock = systemClock,
  ) {}

  /** Reading: requests and their audit trail. */
  records() {
    const dynamodb = this.dynamodb();
    return {
      requests: new DynamoDbRequestRepository(dynamodb, this.target.tableName, this.clock),
      outbox: new DynamoDbDeliveryOutbox(dynamodb, this.target.tableName, this.clock),
      grants: new DynamoDbGrantRepository(dynamodb, this.target.tableName, { clock: this.clock }),
      clock: this.clock,
    };
  }

  /** Retry and cancel: the records, ExportStatusChanged, and the workflow's executions. */
  lifecycle(): OpsLifecycleDeps & ReturnType<OpsDeps['records']> {
    const stateMachineArn = need(this.target, 'stateMachineArn');
    const eventBusName = need(this.target, 'eventBusName');
    const source = need(this.target, 'eventSource');
    const events = this.track(new EventBridgeClient(this.target.client));
    const sfn = this.track(new SFNClient(this.target.client));
    return {
      ...this.records(),
      events: new EventBridgeEventPublisher(events, { eventBusName, source }),
      executions: new StepFunctionsExecutions(sfn, stateMachineArn),
    };
  }

  /** Re-send and revoke: the records and where links point. */
  links(): OpsLinkDeps {
    return { ...this.records(), gatewayBaseUrl: need(this.target, 'gatewayBaseUrl') };
  }

  destroy(): void {
    for (const client of this.clients.splice(0)) client.destroy();
  }

  private dynamodb(): DynamoDBClient {
    this.dynamodbClient ??= this.track(new DynamoDBClient(this.target.client));
    return this.dynamodbClient;
  }

  private track<T extends { destroy(): void }>(client: T): T {
    this.clients.push(client);
    return client;
  }
}
