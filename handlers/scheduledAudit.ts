import type { EventBridgeEvent } from 'aws-lambda';
import { container, type Container } from '../lib/delivery/container';
import { executeAudit } from '../lib/delivery/executeAudit';
import type { RunRecord } from '../lib/delivery/RunRecord';
import { startRun } from '../lib/delivery/startRun';

/** Records the run only; the scheduled function executes it itself, here and now. */
const recordOnly = { launch: async () => undefined };

/**
 * The nightly audit (EventBridge schedule): every format, mailed to the DPO.
 * The event id is the idempotency key, so a redelivered event does not run twice.
 */
export async function handle(event: EventBridgeEvent<'Scheduled Event', unknown>, deps: Container = container()): Promise<RunRecord> {
  const { record, created } = await startRun(
    { trigger: 'schedule', requestedBy: 'schedule', request: { formats: ['json', 'csv', 'pdf'], notify: true, dryRun: false }, idempotencyKey: event.id },
    deps.runs,
    recordOnly,
  );
  if (!created) return record;
  deps.logger.appendKeys({ runId: record.runId });
  try {
    return await executeAudit(record.runId, deps.audit);
  } finally {
    deps.logger.removeKeys(['runId']);
  }
}

export const handler = (event: EventBridgeEvent<'Scheduled Event', unknown>) => handle(event);
