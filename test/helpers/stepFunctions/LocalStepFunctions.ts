/**
 * A state machine of the deployment, run in this process by
 * aws-local-stepfunctions, and answering the Step Functions API the
 * deployment's code calls: StartExecution (as StepFunctionsLauncher starts a
 * run) and DescribeExecution (as the failure sweep asks). So a test starts a
 * run exactly as the product does, and the plan, map and reduce run through
 * the real definition, its Retry and Catch, into the real handlers.
 */
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  type DescribeExecutionCommandInput,
  type StartExecutionCommandInput,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import type { Definition } from '../../../infra/stateMachine';
import { executionArnOf } from '../../../lib/delivery/launchers';
import { bindLambdaTasks, type InvokeCall, type InvokeFault, type LocalFunction } from './lambdaTasks';
import { localizeDefinition } from './localizeDefinition';

// aws-local-stepfunctions 3 calls Promise.withResolvers (Node 22) in every Task state it runs; this project runs on Node 20.
const promises = Promise as unknown as { withResolvers?: () => unknown };
promises.withResolvers ??= function withResolvers<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

/** An event of the execution's history (aws-local-stepfunctions' event log: StateEntered, StateRetried, StateCaught, …). */
export interface ExecutionEvent {
  type: string;
  state?: { name: string; input?: unknown; output?: unknown };
  /** The Map iteration (child) the event comes from. */
  index?: number;
  Error?: string;
  Cause?: unknown;
  retry?: { attempt: number };
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** One execution, as DescribeExecution and its history would show it (updated while it runs). */
export interface LocalExecution {
  executionArn: string;
  input: unknown;
  status: ExecutionStatus;
  output?: unknown;
  /** For a FAILED execution: the Error and Cause it failed with. */
  error?: string;
  cause?: unknown;
  events: ExecutionEvent[];
}

export interface LocalStepFunctionsOptions {
  stateMachineArn: string;
  /** The definition as deployed (Distributed Maps included: they are localized here). */
  definition: Definition;
  /** The deployment's functions by the FunctionName the Task states give. */
  functions: Readonly<Record<string, LocalFunction>>;
  /** The wait before every retry, instead of the definition's backoff (seconds to minutes). Default 0. */
  retryIntervalMs?: number;
  /** Lambda's own faults to inject (throttling, a crash), before a function runs. */
  fault?: InvokeFault;
}

/**
 * The deployment's state machine, local. `serve()` answers every SFNClient of
 * the process from it until the returned function is called.
 *
 * @example
 * const machine = new LocalStepFunctions({ stateMachineArn, definition, functions });
 * const stop = machine.serve();
 * await deps.largeRuns!.stateMachine.launch(runId); // StartExecution
 * const execution = await machine.finished(runId); // { status: 'SUCCEEDED', events: [...] }
 * stop();
 */
export class LocalStepFunctions {
  /** Every function invocation of every execution, in the order they began. */
  readonly calls: InvokeCall[] = [];
  private readonly executions = new Map<string, LocalExecution>();
  /** Each execution's end: settles (never rejects) once it ended and its whole history is in `events`. */
  private readonly endings = new Map<string, Promise<LocalExecution>>();
  private readonly machine: StateMachine;
  private readonly taskHandlers: ReturnType<typeof bindLambdaTasks>;
  private readonly retryIntervals: Record<string, number>;

  constructor(private readonly options: LocalStepFunctionsOptions) {
    const local = localizeDefinition(options.definition);
    // The library validates what it runs (asl-validator, with ARN and path checks).
    this.machine = new StateMachine(local as never, { validationOptions: { checkArn: true, checkPaths: true } });
    this.taskHandlers = bindLambdaTasks(local, options.functions, { calls: this.calls, fault: options.fault });
    this.retryIntervals = Object.fromEntries(retryingStates(local).map((state) => [state, options.retryIntervalMs ?? 0]));
  }

  /** Starts an execution named `name`, as StartExecution does; a name already used is refused (ExecutionAlreadyExists). */
  start(name: string, input: unknown): LocalExecution {
    const executionArn = executionArnOf(this.options.stateMachineArn, name);
    if (this.executions.has(executionArn)) throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${executionArn}'`, $metadata: {} });
    const run = this.machine.run(input as never, { overrides: { taskResourceLocalHandlers: this.taskHandlers as never, retryIntervalOverrides: this.retryIntervals } });
    const execution: LocalExecution = { executionArn, input, status: 'RUNNING', events: [] };
    this.executions.set(executionArn, execution);
    this.endings.set(executionArn, Promise.all([collect(run.eventLogs, execution.events), settle(run.result, execution)]).then(() => execution));
    return execution;
  }

  /** The execution of that name (a run's execution is named after the run), once it has ended. */
  async finished(name: string): Promise<LocalExecution> {
    const ending = this.endings.get(executionArnOf(this.options.stateMachineArn, name));
    if (!ending) throw new Error(`No execution named ${name} was started on ${this.options.stateMachineArn}.`);
    return ending;
  }

  /** Answers StartExecution and DescribeExecution of every SFNClient from this state machine; returns how to stop. */
  serve(): () => void {
    const sfn = mockClient(SFNClient);
    sfn.on(StartExecutionCommand).callsFake(async (input: StartExecutionCommandInput) => {
      this.checkMachine(input.stateMachineArn);
      if (!input.name) throw new Error('StartExecution without a name: every run\'s execution is named after the run.');
      const execution = this.start(input.name, JSON.parse(input.input ?? '{}'));
      return { executionArn: execution.executionArn, startDate: new Date() };
    });
    sfn.on(DescribeExecutionCommand).callsFake(async (input: DescribeExecutionCommandInput) => {
      const execution = input.executionArn ? this.executions.get(input.executionArn) : undefined;
      if (!execution) throw new ExecutionDoesNotExist({ message: `Execution Does Not Exist: '${input.executionArn}'`, $metadata: {} });
      return { executionArn: execution.executionArn, stateMachineArn: this.options.stateMachineArn, status: execution.status, input: JSON.stringify(execution.input), startDate: new Date() };
    });
    return () => sfn.restore();
  }

  private checkMachine(arn: string | undefined): void {
    if (arn !== this.options.stateMachineArn) throw new StateMachineDoesNotExist({ message: `State Machine Does Not Exist: '${arn}'`, $metadata: {} });
  }
}

async function collect(events: AsyncIterable<unknown>, into: ExecutionEvent[]): Promise<void> {
  for await (const event of events) into.push(event as ExecutionEvent);
}

/** The execution's end as Step Functions reports it: its status, output, or the Error and Cause it failed with. */
async function settle(result: Promise<unknown>, execution: LocalExecution): Promise<void> {
  try {
    execution.output = await result;
    execution.status = 'SUCCEEDED';
  } catch (thrown) {
    if (thrown instanceof ExecutionTimeoutError) execution.status = 'TIMED_OUT';
    else if (thrown instanceof ExecutionAbortedError) execution.status = 'ABORTED';
    else {
      // ExecutionError's cause is the error of the state that failed the execution (a Fail state's Error and Cause).
      const failure = thrown instanceof ExecutionError && thrown.cause instanceof Error ? thrown.cause : (thrown as Error);
      execution.status = 'FAILED';
      execution.error = failure.name;
      execution.cause = failure.message;
    }
  }
}

/** Every state with a Retry, in Map children and Parallel branches too (the library overrides each one's wait by name). */
function retryingStates(definition: Pick<Definition, 'States'>, out: string[] = []): string[] {
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Retry) out.push(name);
    if (state.Type === 'Map') retryingStates(state.ItemProcessor ?? state.Iterator, out);
    if (state.Type === 'Parallel') for (const branch of state.Branches) retryingStates(branch, out);
  }
  return out;
}
