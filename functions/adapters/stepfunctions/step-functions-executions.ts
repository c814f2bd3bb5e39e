import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { ExecutionStatus, WorkflowExecutions } from '../../core/ports';
import { executionName } from '../../core/workflow';
import type { WorkflowInput } from '../../core/workflow-types';

/**
 * The export workflow's executions on Step Functions, one per attempt at a request, named by
 * `executionName`: a second StartExecution of a name is either answered as the first (same input,
 * still running) or refused with ExecutionAlreadyExists, so starting is idempotent.
 */
export class StepFunctionsExecutions implements WorkflowExecutions {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(input: WorkflowInput): Promise<'started' | 'exists'> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: executionName(input.requestId, input.attempt),
          input: JSON.stringify(input),
        }),
      );
      return 'started';
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) return 'exists';
      throw error;
    }
  }

  async status(requestId: string, attempt: number): Promise<ExecutionStatus> {
    try {
      const execution = await this.client.send(
        new DescribeExecutionCommand({ executionArn: this.executionArn(executionName(requestId, attempt)) }),
      );
      // PENDING_REDRIVE: a redrive is under way, which is running for the watchdog's purpose.
      return execution.status === 'PENDING_REDRIVE' ? 'RUNNING' : (execution.status ?? 'RUNNING');
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return 'NOT_FOUND';
      throw error;
    }
  }

  async stop(requestId: string, attempt: number, cause: string): Promise<boolean> {
    if ((await this.status(requestId, attempt)) !== 'RUNNING') return false;
    try {
      await this.client.send(
        new StopExecutionCommand({
          executionArn: this.executionArn(executionName(requestId, attempt)),
          // The cause is kept in the execution's history for 90 days: ids and names only.
          cause: cause.slice(0, 256),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return false;
      throw error;
    }
  }

  async lastActivity(requestId: string, attempt: number): Promise<string | undefined> {
    try {
      const history = await this.client.send(
        new GetExecutionHistoryCommand({
          executionArn: this.executionArn(executionName(requestId, attempt)),
          // The newest event only, without the states' inputs and outputs (the player's data).
          reverseOrder: true,
          maxResults: 1,
          includeExecutionData: false,
        }),
      );
      return history.events?.[0]?.timestamp?.toISOString();
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return undefined;
      throw error;
    }
  }

  /** arn:aws:states:<region>:<account>:stateMachine:<name> → …:execution:<name>:<execution>. */
  private executionArn(name: string): string {
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }
}
