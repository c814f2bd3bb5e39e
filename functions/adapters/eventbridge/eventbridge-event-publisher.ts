import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventPublisher } from '../../core/ports';

/** What was refused, by EventBridge's code only: the detail may be logged, the message stays short. */
export class EventPublishError extends Error {
  override name = 'EventPublishError';
  constructor(
    readonly detailType: string,
    readonly errorCode: string,
    errorMessage: string,
  ) {
    super(`EventBridge refused a ${detailType} event: ${errorCode}: ${errorMessage}`);
  }
}

export interface EventBridgePublisherOptions {
  /** The bus the portal listens on. @default 'default' */
  eventBusName?: string;
  /** The `source` of every event this pipeline publishes. @default 'player-data-export' */
  source?: string;
}

/** EventPublisher on EventBridge: one PutEvents entry per event. */
export class EventBridgeEventPublisher implements EventPublisher {
  private readonly eventBusName: string;
  private readonly source: string;

  constructor(
    private readonly client: EventBridgeClient,
    options: EventBridgePublisherOptions = {},
  ) {
    this.eventBusName = options.eventBusName ?? 'default';
    this.source = options.source ?? 'player-data-export';
  }

  async publish(
    detailType: 'ExportStatusChanged' | 'ExportReady',
    detail: Record<string, unknown>,
  ): Promise<void> {
    const result = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.eventBusName,
            Source: this.source,
            DetailType: detailType,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    // PutEvents answers 200 even when entries were refused (throttling, internal failure): the
    // failure is only in FailedEntryCount and the entry's ErrorCode, so check them or lose events.
    if ((result.FailedEntryCount ?? 0) > 0) {
      const failed = result.Entries?.find((entry) => entry.ErrorCode);
      throw new EventPublishError(
        detailType,
        failed?.ErrorCode ?? 'Unknown',
        failed?.ErrorMessage ?? 'no message',
      );
    }
  }
}
