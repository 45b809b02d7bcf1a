import type { Context, EventBridgeEvent } from 'aws-lambda';
import { auditContainer, type AuditContainer } from '../lib/delivery/auditContainer';
import { executeAudit } from '../lib/delivery/executeAudit';
import { limitsOf } from '../lib/delivery/limits';
import type { RunRecord } from '../lib/delivery/RunRecord';
import { startRun } from '../lib/delivery/startRun';

/** Records the run only; the scheduled function executes it itself, here and now. */
const recordOnly = { launch: async () => undefined };

/**
 * The nightly audit (EventBridge schedule): every format, mailed to the DPO.
 * The event id is the idempotency key, so a redelivered event does not run twice.
 */
export async function handle(event: EventBridgeEvent<'Scheduled Event', unknown>, context: Pick<Context, 'getRemainingTimeInMillis'>, deps: AuditContainer = auditContainer()): Promise<RunRecord> {
  const { record } = await startRun(
    { trigger: 'schedule', requestedBy: 'schedule', request: { formats: ['json', 'csv', 'pdf'], notify: true, dryRun: false }, idempotencyKey: event.id },
    deps.runs,
    recordOnly,
  );
  deps.logger.appendKeys({ runId: record.runId });
  try {
    // A redelivered event finds its run claimed already: executeAudit then runs nothing.
    return await executeAudit(record.runId, deps.audit, limitsOf(context, deps.config));
  } finally {
    deps.logger.removeKeys(['runId']);
  }
}

export const handler = (event: EventBridgeEvent<'Scheduled Event', unknown>, context: Context) => handle(event, context);
