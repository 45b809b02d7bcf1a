import type { EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { auditContainer, type AuditContainer } from '../lib/delivery/auditContainer';
import { recordInvocationFailure, sweepStuckRuns, type InvocationFailure } from '../lib/delivery/recoverRuns';

type Event = SQSEvent | EventBridgeEvent<'Scheduled Event', unknown>;

/**
 * Two triggers, one job — no run is left `running` and every failure is mailed once:
 * the on-failure queue of the audit functions (timeouts, crashes, expired
 * events), and a sweep on a schedule for what no message reports. A message
 * that cannot be handled is returned as a batch item failure, retried, and
 * then kept in the dead-letter queue (which has its own alarm).
 */
export async function handle(event: Event, deps: AuditContainer = auditContainer()): Promise<SQSBatchResponse | { swept: string[] }> {
  const limits = { timeoutSeconds: deps.config.AUDIT_TIMEOUT_SECONDS, maxEventAgeSeconds: deps.config.WORKER_MAX_EVENT_AGE_SECONDS };
  if (!('Records' in event)) return { swept: await sweepStuckRuns(deps.audit, limits) };
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const outcome = await recordInvocationFailure(JSON.parse(record.body) as InvocationFailure, deps.audit, limits);
      deps.logger.info('on-failure message handled', { messageId: record.messageId, outcome });
    } catch (error) {
      deps.logger.error('on-failure message not handled', { messageId: record.messageId, error: (error as Error).message });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

export const handler = (event: Event) => handle(event);
