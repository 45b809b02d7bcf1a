/**
 * Step Functions' Lambda integration (`arn:aws:states:::lambda:invoke`) for
 * aws-local-stepfunctions, which would otherwise call AWS. Each Task state is
 * bound to the local function its FunctionName names, and behaves as the
 * integration does in AWS, because Retry and Catch depend on it:
 * - the function gets its Payload as JSON and a context with its own time limit;
 * - its answer comes back as `{ ExecutedVersion, StatusCode, Payload }` (the
 *   state's OutputPath `$.Payload` picks it), within the 256 KiB a state may pass on;
 * - an error it throws fails the state with Error = the error's name (Lambda's
 *   errorType) and Cause = `{"errorType","errorMessage","trace"}` as JSON;
 * - a fault of Lambda itself (throttling, a crash) can be injected before the function runs.
 */
import type { Context } from 'aws-lambda';
import type { Definition } from '../../../infra/stateMachine';

/** What a local function gets besides its event: the part of Lambda's context the handlers read. */
export type LambdaContext = Pick<Context, 'getRemainingTimeInMillis'>;

/** A function of the deployment, run in this process. */
export interface LocalFunction {
  handle(event: unknown, context: LambdaContext): Promise<unknown>;
  /** Its configured time limit: what getRemainingTimeInMillis counts down from. */
  timeoutSeconds: number;
}

/** The error a state fails with, as Step Functions names it (what Retry and Catch match, what a Catch passes on). */
export interface StateError {
  Error: string;
  Cause: string;
}

/** One invocation of a function by a Task state, in the order they began. */
export interface InvokeCall {
  state: string;
  functionName: string;
  payload: unknown;
  /** `ok`, or the Error the state failed with. */
  outcome?: string;
}

/** Decides, before the function runs, that Lambda itself fails the invocation (return the state's error), or not. */
export type InvokeFault = (call: InvokeCall) => StateError | undefined;

/** A state may pass on at most 256 KiB (Step Functions' payload limit). */
const MAX_STATE_PAYLOAD_BYTES = 256 * 1024;
const LAMBDA_INVOKE = /^arn:[\w-]+:states:::lambda:invoke$/;

/**
 * The error aws-local-stepfunctions fails a state with: its `name` is matched
 * by Retry and Catch, its `message` becomes the Cause a Catch passes on.
 *
 * @example
 * stateFailure({ Error: 'Lambda.TooManyRequestsException', Cause: 'Rate Exceeded.' }).name // 'Lambda.TooManyRequestsException'
 */
export function stateFailure(error: StateError): Error {
  const failure = new Error(error.Cause);
  failure.name = error.Error;
  return failure;
}

/**
 * What AWS reports for an error a function threw: its name as Error, and the
 * Lambda runtime's error object as the Cause.
 *
 * @example
 * functionError(new ThrottledError('S3 kept throttling')) // { Error: 'ThrottledError', Cause: '{"errorType":"ThrottledError","errorMessage":"S3 kept throttling","trace":[…]}' }
 */
export function functionError(thrown: unknown): StateError {
  const errorType = thrown instanceof Error ? thrown.name : typeof thrown;
  const errorMessage = thrown instanceof Error ? thrown.message : String(thrown);
  const trace = thrown instanceof Error ? (thrown.stack ?? '').split('\n') : [];
  return { Error: errorType, Cause: JSON.stringify({ errorType, errorMessage, trace }) };
}

/**
 * Lambda refusing an invocation (the integration prefixes the service's error code with `Lambda.`).
 *
 * @example
 * lambdaServiceError('TooManyRequestsException', 429, 'Rate Exceeded.') // { Error: 'Lambda.TooManyRequestsException', Cause: 'Rate Exceeded. (Service: Lambda, Status Code: 429, …)' }
 */
export function lambdaServiceError(errorCode: string, statusCode: number, message: string): StateError {
  return { Error: `Lambda.${errorCode}`, Cause: `${message} (Service: Lambda, Status Code: ${statusCode}, Error Code: ${errorCode})` };
}

type TaskHandler = (input: unknown) => Promise<unknown>;

/**
 * aws-local-stepfunctions' `taskResourceLocalHandlers` for every Task state of
 * the definition (the Map's children included), each invoking the function its
 * FunctionName names in `functions`. Refuses, naming the state, a Task that is
 * not the Lambda integration, names no bound function, or has no
 * TimeoutSeconds (locally it would time out after 60 s, in AWS never).
 *
 * @example
 * bindLambdaTasks(definition, { [planArn]: { handle: (event, context) => plan(event, context, deps), timeoutSeconds: 300 } }, { calls: [] })
 */
export function bindLambdaTasks(
  definition: Pick<Definition, 'States'>,
  functions: Readonly<Record<string, LocalFunction>>,
  options: { calls: InvokeCall[]; fault?: InvokeFault },
): Record<string, TaskHandler> {
  const handlers: Record<string, TaskHandler> = {};
  for (const [state, task] of Object.entries(taskStates(definition))) {
    if (!LAMBDA_INVOKE.test(task.Resource)) throw new Error(`Task ${state} uses ${task.Resource}; only the Lambda integration (lambda:invoke) runs locally.`);
    const functionName = task.Parameters?.FunctionName;
    if (typeof functionName !== 'string' || !functions[functionName]) throw new Error(`Task ${state} invokes ${JSON.stringify(functionName)}, which no local function is bound to.`);
    if (!Number.isInteger(task.TimeoutSeconds)) throw new Error(`Task ${state} has no TimeoutSeconds: it would time out after 60 s locally, and never in AWS.`);
    handlers[state] = (input) => invoke(state, input as { FunctionName: string; Payload?: unknown }, functions, options);
  }
  return handlers;
}

async function invoke(state: string, input: { FunctionName: string; Payload?: unknown }, functions: Readonly<Record<string, LocalFunction>>, options: { calls: InvokeCall[]; fault?: InvokeFault }): Promise<unknown> {
  const fn = functions[input.FunctionName];
  if (!fn) throw new Error(`Task ${state} invoked ${input.FunctionName}, which no local function is bound to.`);
  // Lambda hands the function its event as JSON: what cannot cross that boundary does not reach it.
  const call: InvokeCall = { state, functionName: input.FunctionName, payload: JSON.parse(JSON.stringify(input.Payload ?? {})) };
  options.calls.push(call);
  const fault = options.fault?.(call);
  if (fault) {
    call.outcome = fault.Error;
    throw stateFailure(fault);
  }
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  let result: unknown;
  try {
    result = await fn.handle(call.payload, { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) });
  } catch (thrown) {
    const error = functionError(thrown);
    call.outcome = error.Error;
    throw stateFailure(error);
  }
  const answer = { ExecutedVersion: '$LATEST', StatusCode: 200, Payload: JSON.parse(JSON.stringify(result ?? null)) as unknown };
  const bytes = Buffer.byteLength(JSON.stringify(answer));
  if (bytes > MAX_STATE_PAYLOAD_BYTES) {
    call.outcome = 'States.DataLimitExceeded';
    throw stateFailure({ Error: 'States.DataLimitExceeded', Cause: `The state/task '${state}' returned a result with a size of ${bytes} bytes, above the maximum of ${MAX_STATE_PAYLOAD_BYTES}.` });
  }
  call.outcome = 'ok';
  return answer;
}

type TaskState = { Resource: string; Parameters?: { FunctionName?: unknown }; TimeoutSeconds?: number };

/** Every Task state by name, in Map children and Parallel branches too (names are unique across a definition). */
function taskStates(definition: Pick<Definition, 'States'>, out: Record<string, TaskState> = {}): Record<string, TaskState> {
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Task') out[name] = state as TaskState;
    if (state.Type === 'Map') taskStates(state.ItemProcessor ?? state.Iterator, out);
    if (state.Type === 'Parallel') for (const branch of state.Branches) taskStates(branch, out);
  }
  return out;
}
