import type { Context } from 'aws-lambda';
import { auditContainer, type AuditContainer } from '../lib/delivery/auditContainer';
import { executeAudit } from '../lib/delivery/executeAudit';
import type { RunRecord } from '../lib/delivery/RunRecord';
import { limitsOf } from '../lib/delivery/limits';

/**
 * The asynchronous audit started by POST /audits ({ runId }). It stops itself
 * before the function's deadline; a failure is recorded in the run (once, with
 * one failure mail) and re-thrown, so the invocation counts in the errors alarm.
 */
export async function handle(event: { runId?: unknown }, context: Pick<Context, 'getRemainingTimeInMillis'>, deps: AuditContainer = auditContainer()): Promise<RunRecord> {
  if (typeof event.runId !== 'string') throw new Error('The worker needs { runId } in its event.');
  deps.logger.appendKeys({ runId: event.runId });
  try {
    return await executeAudit(event.runId, deps.audit, limitsOf(context, deps.config));
  } finally {
    deps.logger.removeKeys(['runId']);
  }
}

export const handler = (event: { runId?: unknown }, context: Context) => handle(event, context);
