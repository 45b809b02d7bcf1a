import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 6, baseDelayMs: 50, maxDelayMs: 5_000 };

/** Exponential backoff with full jitter: the wait before attempt `n + 1`. */
export function backoffMs(attempt: number, options: RetryOptions): number {
  return Math.random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
}

/** Errors worth trying again: throttling, server faults and network resets. */
export function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: string };
  if (e?.$retryable) return true;
  const status = e?.$metadata?.httpStatusCode ?? 0;
  if (status >= 500 || status === 429) return true;
  return /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|InternalServerError|ServiceUnavailable|TimeoutError/.test(
    `${e?.name ?? ''} ${e?.code ?? ''}`,
  ) || ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(e?.code ?? '');
}

/**
 * Runs `operation` until it succeeds, retrying retryable errors with backoff.
 *
 * @example
 * await withRetry(() => client.send(command), DEFAULT_RETRY);
 */
export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions = DEFAULT_RETRY): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (attempt + 1 >= options.attempts || !isRetryable(error)) throw error;
      await sleep(backoffMs(attempt, options));
    }
  }
}
