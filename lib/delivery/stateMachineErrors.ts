/**
 * The errors the state machine (infra/stateMachine.js) tells apart by name:
 * `Throttled` is retried with backoff; anything else goes to the step's Catch.
 * Only the Lambda edges of a partitioned run translate into them.
 */
import { AuditorError, ThrottledError } from '../errors';

/** An AWS service kept throttling after the SDK's retries: the state machine retries the step, with backoff. */
export class Throttled extends AuditorError {
  // The state machine's Retry matches this name: fixed, whatever a bundler renames the class to.
  override readonly name = 'Throttled';
}

/**
 * What a step of the state machine throws: throttling as `Throttled` (retried),
 * every other error as it is (the step's Catch records it).
 *
 * @example
 * throw forStateMachine(new ThrottledError('DynamoDB kept throttling …')) // name 'Throttled'
 */
export function forStateMachine(error: unknown): unknown {
  if (error instanceof ThrottledError) return new Throttled(error.message, { cause: error, context: error.context });
  return error;
}

/**
 * Whether the state machine retries this error (so the step must not record it as final).
 *
 * @example
 * isRetried(new ThrottledError('DynamoDB kept throttling …')) // true
 */
export const isRetried = (error: unknown): boolean => error instanceof ThrottledError || error instanceof Throttled;

/** The error a state machine's Catch passes on: its name and its cause (for a Lambda task, a JSON text). */
export interface StateError {
  Error?: string;
  Cause?: string;
}

/** Longest error text a run or partition keeps from the state machine. */
const MAX_CAUSE_CHARS = 1_000;

/**
 * The error a Catch passed on, in one sentence: a Lambda task's cause is its
 * `errorType` and `errorMessage` as JSON; a state's own (States.Timeout) is text.
 *
 * @example
 * describeStateError({ Error: 'Error', Cause: '{"errorType":"StoreError","errorMessage":"S3 failed"}' }) // 'StoreError: S3 failed'
 * describeStateError({ Error: 'States.Timeout' }) // 'States.Timeout'
 */
export function describeStateError(error: StateError | undefined): string {
  const name = error?.Error || 'an unknown error';
  const cause = error?.Cause?.trim();
  if (!cause) return name;
  let text = `${name}: ${cause}`;
  try {
    const parsed = JSON.parse(cause) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') text = `${typeof parsed.errorType === 'string' ? parsed.errorType : name}: ${parsed.errorMessage}`;
  } catch {
    // A text cause stays as it is.
  }
  return text.length > MAX_CAUSE_CHARS ? `${text.slice(0, MAX_CAUSE_CHARS - 1)}…` : text;
}
