import { AccessDeniedError, ConflictError, NotFoundError, StoreError, ThrottledError } from '../errors';

/** What was being done when the SDK failed: for the sentence and the IAM action to name. */
export interface SdkCall {
  /** e.g. "DynamoDB", "S3", "SES", "Lambda". */
  service: string;
  /** The API operation, e.g. "GetObject". */
  operation: string;
  /** The IAM action it needs, e.g. "s3:GetObject" (and "s3:ListBucket" for a 404 on a missing key). */
  iamAction: string;
  /** What it was done to, as a person reads it, e.g. "s3://bucket/waivers.yaml". */
  target: string;
  /** Added to an access-denied message: why else it may have been refused. */
  deniedHint?: string;
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket', 'ResourceNotFoundException']);
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnrecognizedClientException', 'InvalidClientTokenId', 'ExpiredToken', 'ExpiredTokenException']);
const THROTTLED = new Set(['ThrottlingException', 'Throttling', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'SlowDown', 'TooManyRequestsException', 'TooManyRequests']);
const CONFLICT = new Set(['ConditionalCheckFailedException', 'TransactionCanceledException', 'PreconditionFailed']);

function statusOf(cause: unknown): number | undefined {
  return (cause as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/**
 * The one translation from AWS SDK errors to the project's errors: a missing
 * thing is a NotFoundError, a refused permission an AccessDeniedError whose
 * message names the IAM action to grant, throttling a ThrottledError, a lost
 * conditional write a ConflictError, anything else a StoreError.
 *
 * @example
 * try { await s3.send(get) } catch (e) { throw translateSdkError(e, { service: 'S3', operation: 'GetObject', iamAction: 's3:GetObject', target: 's3://b/k' }) }
 */
export function translateSdkError(cause: unknown, call: SdkCall): StoreError {
  if (cause instanceof StoreError) return cause;
  const name = (cause as Error)?.name ?? 'Error';
  const message = (cause as Error)?.message ?? String(cause);
  const status = statusOf(cause);
  const options = { cause, context: { service: call.service, operation: call.operation, target: call.target } };
  if (NOT_FOUND.has(name) || (status === 404 && !DENIED.has(name))) {
    return new NotFoundError(`${call.service} ${call.operation} found nothing at ${call.target} (${name}).`, options);
  }
  if (DENIED.has(name) || status === 403) {
    return new AccessDeniedError(
      `${call.service} refused ${call.operation} on ${call.target} (${name}): the function's role needs ${call.iamAction} on it (see infra/iam.yml)` +
        `${call.deniedHint ? `; ${call.deniedHint}` : ''}.`,
      options,
    );
  }
  if (THROTTLED.has(name) || status === 429 || status === 503) {
    return new ThrottledError(`${call.service} kept throttling ${call.operation} on ${call.target} after retries (${name}).`, options);
  }
  if (CONFLICT.has(name) || status === 412) {
    return new ConflictError(`${call.service} ${call.operation} on ${call.target} lost a conditional write (${name}).`, options);
  }
  return new StoreError(`${call.service} ${call.operation} on ${call.target} failed: ${name}: ${message}`, options);
}
