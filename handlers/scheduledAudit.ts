import type { Context, EventBridgeEvent } from 'aws-lambda';
import { auditContainer, type AuditContainer } from '../lib/delivery/auditContainer';
import { limitsOf } from '../lib/delivery/limits';
import type { RunRecord } from '../lib/delivery/RunRecord';
import { runScheduled } from '../lib/delivery/runScheduled';

/**
 * The nightly audit (EventBridge schedule): every format, mailed to the DPO.
 * The event id is the idempotency key, so a redelivered event does not run twice.
 * A snapshot of PARTITION_THRESHOLD_ITEMS or more goes to the state machine.
 */
export async function handle(event: EventBridgeEvent<'Scheduled Event', unknown>, context: Pick<Context, 'getRemainingTimeInMillis'>, deps: AuditContainer = auditContainer()): Promise<RunRecord> {
  try {
    return await runScheduled(event.id, deps, limitsOf(context, deps.config), (runId) => deps.logger.appendKeys({ runId }));
  } finally {
    deps.logger.removeKeys(['runId']);
  }
}

export const handler = (event: EventBridgeEvent<'Scheduled Event', unknown>, context: Context) => handle(event, context);
