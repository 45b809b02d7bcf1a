import { ThrottledError, StoreError } from '../../../lib/errors';
import { describeStateError, forStateMachine, isRetried, Throttled } from '../../../lib/delivery/stateMachineErrors';

describe('the errors the state machine tells apart', () => {
  it('throttling leaves a step as `Throttled` (retried with backoff), keeping its message and cause', () => {
    const cause = new ThrottledError('DynamoDB kept throttling Query on table inventory after retries (ProvisionedThroughputExceededException).');
    const error = forStateMachine(cause) as Throttled;
    expect(error.name).toBe('Throttled');
    expect(error.message).toBe(cause.message);
    expect(error.cause).toBe(cause);
    expect(isRetried(cause)).toBe(true);
  });

  it('any other error leaves as it is, and is not retried', () => {
    const error = new StoreError('S3 PutObject failed');
    expect(forStateMachine(error)).toBe(error);
    expect(isRetried(error)).toBe(false);
  });

  it.each([
    [{ Error: 'StoreError', Cause: '{"errorType":"StoreError","errorMessage":"S3 failed","trace":["at x"]}' }, 'StoreError: S3 failed'],
    [{ Error: 'Lambda.Unknown', Cause: 'The cause could not be determined because Lambda did not return an error type.' }, 'Lambda.Unknown: The cause could not be determined because Lambda did not return an error type.'],
    [{ Error: 'States.Timeout' }, 'States.Timeout'],
    [{ Error: 'States.Timeout', Cause: '' }, 'States.Timeout'],
    [{}, 'an unknown error'],
    [undefined, 'an unknown error'],
  ])('describes a caught error in one sentence: %j', (error, expected) => {
    expect(describeStateError(error)).toBe(expected);
  });

  it('keeps at most 1,000 characters of a cause', () => {
    const text = describeStateError({ Error: 'Error', Cause: JSON.stringify({ errorType: 'Error', errorMessage: 'x'.repeat(5000) }) });
    expect(text).toHaveLength(1000);
    expect(text.endsWith('…')).toBe(true);
  });
});
