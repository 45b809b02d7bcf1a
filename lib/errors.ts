/**
 * One error hierarchy for the whole auditor. Edges (CLI, handlers) map these to
 * exit codes or HTTP statuses; the core only throws them.
 */
export class AuditorError extends Error {
  /** Extra facts for logs and debugging (never personal data). */
  readonly context: Readonly<Record<string, unknown>>;

  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.context = options.context ?? {};
  }
}

/** The caller asked for something that cannot be done as asked (bad option, unknown format). */
export class UsageError extends AuditorError {}

/** An input (inventory file, waivers file) is missing or is not what it claims to be. */
export class InputError extends AuditorError {}

/** A rule file is invalid; the message names the file and the path inside it. */
export class CatalogError extends AuditorError {}

/** A data store (DynamoDB, file system) failed after retries. */
export class StoreError extends AuditorError {}

/** The store has no such table, object or key (S3 404/NoSuchKey/NotFound, DynamoDB ResourceNotFoundException). */
export class NotFoundError extends StoreError {}

/** The caller's credentials may not do this; the message names the IAM action and resource to grant. */
export class AccessDeniedError extends StoreError {}

/** The service kept throttling after the SDK's retries. */
export class ThrottledError extends StoreError {}

/** A conditional write lost: the record is not in the state the writer expected. */
export class ConflictError extends StoreError {}

/** A run reached its time limit and stopped before its function was killed. */
export class TimedOutError extends AuditorError {}

/**
 * One inventory item cannot be evaluated because of one of its fields (a custom
 * event that is not a timestamp, a deadline beyond what a date can hold): the
 * item is `invalid`, the run goes on.
 */
export class ItemFieldError extends AuditorError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message, { context: { field } });
  }
}
