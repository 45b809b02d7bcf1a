import type { DeliveryConfig } from './config';
import type { RunLimits } from './executeAudit';

/**
 * The limits of one invocation: Lambda's deadline, and the moment the audit
 * stops itself, `TIME_RESERVE_SECONDS` before it (at most a quarter of the
 * time left), to record the failure and send its mail while it still can.
 *
 * @example
 * limitsOf({ getRemainingTimeInMillis: () => 900_000 }, config) // stops 60 s before the deadline
 */
export function limitsOf(context: { getRemainingTimeInMillis(): number }, config: Pick<DeliveryConfig, 'TIME_RESERVE_SECONDS'>, now = Date.now()): RunLimits {
  const remaining = context.getRemainingTimeInMillis();
  const reserve = Math.min(config.TIME_RESERVE_SECONDS * 1000, remaining / 4);
  return { deadlineAt: new Date(now + remaining), stopAt: new Date(now + remaining - reserve) };
}

/**
 * Aborts `controller` at the limits' stop time, with the error `reason` gives then (how far
 * the work got); without limits, never. Returns what stops the timer once the work is over.
 *
 * @example
 * const clear = abortAtStop(controller, limits, ({ deadlineAt }) => new TimedOutError(`Timed out before ${deadlineAt.toISOString()}`));
 * try { await work(controller.signal); } finally { clear(); }
 */
export function abortAtStop(controller: AbortController, limits: RunLimits | undefined, reason: (limits: RunLimits) => Error): () => void {
  if (!limits) return () => undefined;
  const timer = setTimeout(() => controller.abort(reason(limits)), Math.max(0, limits.stopAt.getTime() - Date.now()));
  return () => clearTimeout(timer);
}
