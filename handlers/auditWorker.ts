import { container, type Container } from '../lib/delivery/container';
import { executeAudit } from '../lib/delivery/executeAudit';
import type { RunRecord } from '../lib/delivery/RunRecord';

/**
 * The asynchronous audit started by POST /audits ({ runId }). A failure is
 * recorded in the run and re-thrown, so the invocation lands in the
 * on-failure destination and counts in the errors alarm.
 */
export async function handle(event: { runId?: unknown }, deps: Container = container()): Promise<RunRecord> {
  if (typeof event.runId !== 'string') throw new Error('The worker needs { runId } in its event.');
  deps.logger.appendKeys({ runId: event.runId });
  try {
    return await executeAudit(event.runId, deps.audit);
  } finally {
    deps.logger.removeKeys(['runId']);
  }
}

export const handler = (event: { runId?: unknown }) => handle(event);
