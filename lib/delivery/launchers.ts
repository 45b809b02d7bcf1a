/**
 * Where a recorded run is started: the worker Lambda (one process), or the
 * Step Functions state machine (plan → map → reduce) when its snapshot is large.
 * Each launcher speaks to one AWS service; the threshold launcher chooses.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { translateSdkError } from '../aws/sdkErrors';
import { NotFoundError, StoreError } from '../errors';
import type { InventoryTable } from '../inventory/InventoryTable';
import type { AuditRequest } from './RunRecord';
import type { RunStore } from './RunStore';
import type { AuditLauncher } from './startRun';
import { runsOnStateMachine } from '../plan/runsOnStateMachine';

/** Invokes the worker function asynchronously: an audit may outlast API Gateway's 30 seconds. */
export class LambdaLauncher implements AuditLauncher {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async launch(runId: string): Promise<void> {
    let result;
    try {
      result = await this.client.send(new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify({ runId })) }));
    } catch (cause) {
      throw translateSdkError(cause, { service: 'Lambda', operation: 'Invoke', iamAction: 'lambda:InvokeFunction', target: `function ${this.functionName}` });
    }
    if (result.StatusCode !== 202) throw new StoreError(`Lambda answered ${result.StatusCode} to the asynchronous invocation of ${this.functionName}.`);
  }
}

/** Where an execution is: Step Functions' status, or `missing` when it has no such execution. */
export type ExecutionState = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE' | 'missing';

/** Where a run's execution is (the sweep asks before failing a run that runs on the state machine). */
export interface ExecutionStatusReader {
  status(executionArn: string): Promise<ExecutionState>;
}

/**
 * The ARN of a run's execution: the execution is named after the run, so the
 * ARN follows from the state machine's, whoever started it.
 *
 * @example
 * executionArnOf('arn:aws:states:eu-central-1:123456789012:stateMachine:auditor', 'audit-1') // 'arn:aws:states:eu-central-1:123456789012:execution:auditor:audit-1'
 */
export function executionArnOf(stateMachineArn: string, runId: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${runId}`;
}

/**
 * Starts the state machine for a run: execution name = runId, input `{ runId }`,
 * so a second start of the same run is refused by Step Functions
 * (ExecutionAlreadyExists: it was started, which is what was asked). The
 * execution's ARN is recorded on the run, for the sweep.
 */
export class StepFunctionsLauncher implements AuditLauncher, ExecutionStatusReader {
  constructor(
    private readonly client: SFNClient,
    readonly stateMachineArn: string,
    private readonly runs: RunStore,
  ) {}

  async launch(runId: string): Promise<void> {
    let executionArn = executionArnOf(this.stateMachineArn, runId);
    try {
      const started = await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: runId, input: JSON.stringify({ runId }) }));
      executionArn = started.executionArn ?? executionArn;
    } catch (cause) {
      if ((cause as Error).name !== 'ExecutionAlreadyExists') {
        throw translateSdkError(cause, { service: 'Step Functions', operation: 'StartExecution', iamAction: 'states:StartExecution', target: `state machine ${this.stateMachineArn}` });
      }
    }
    await this.runs.update(runId, { executionArn });
  }

  /** Where the run's execution is; `missing` when Step Functions has none of that ARN. */
  async status(executionArn: string): Promise<ExecutionState> {
    try {
      const described = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      return (described.status ?? 'RUNNING') as ExecutionState;
    } catch (cause) {
      if ((cause as Error).name === 'ExecutionDoesNotExist') return 'missing';
      const error = translateSdkError(cause, { service: 'Step Functions', operation: 'DescribeExecution', iamAction: 'states:DescribeExecution', target: `execution ${executionArn}` });
      if (error instanceof NotFoundError) return 'missing';
      throw error;
    }
  }
}

/**
 * How many items a snapshot holds, without reading it: its manifest's
 * itemCount (the latest snapshot's, or the one asked for), else the whole
 * table's ItemCount from DescribeTable (refreshed about every six hours).
 *
 * @example
 * await snapshotItems(table, 'snap-2026-11-20') // 45
 */
export async function snapshotItems(inventory: InventoryTable, snapshotId?: string): Promise<number> {
  const manifest = snapshotId !== undefined ? await inventory.manifest(snapshotId) : await inventory.latestManifest();
  return manifest ? manifest.itemCount : (await inventory.describeSize()).itemCount;
}

export interface ThresholdLauncherOptions {
  inventory: InventoryTable;
  /** From this many items on, the run goes to `large`. */
  thresholdItems: number;
  large: AuditLauncher;
  small: AuditLauncher;
}

/**
 * Sends a run to the state machine when its snapshot has at least
 * `thresholdItems` items, to the worker Lambda otherwise: the same reports
 * either way, one process while one process is enough.
 */
export class ThresholdLauncher implements AuditLauncher {
  constructor(private readonly options: ThresholdLauncherOptions) {}

  /** Whether a run of this snapshot (the latest when none is asked for) goes to the state machine. */
  async isLarge(snapshotId?: string): Promise<boolean> {
    return runsOnStateMachine(await snapshotItems(this.options.inventory, snapshotId), this.options.thresholdItems);
  }

  async launch(runId: string, request?: AuditRequest): Promise<void> {
    const launcher = (await this.isLarge(request?.snapshotId)) ? this.options.large : this.options.small;
    await launcher.launch(runId, request);
  }
}
