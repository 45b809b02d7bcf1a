import { createHash } from 'node:crypto';
import { newRunId } from '../audit/newRunId';
import { AuditorError } from '../errors';
import type { Trigger } from '../report/ReportModel';
import type { AuditRequest, RunRecord } from './RunRecord';
import type { RunStore } from './RunStore';

/** An Idempotency-Key reused with a different request. */
export class IdempotencyConflictError extends AuditorError {}

/** As many audits as allowed are queued or running already. */
export class TooManyAuditsError extends AuditorError {}

/** The idempotency key of the nightly run started by one EventBridge event: a redelivered event runs nothing twice. */
export function scheduleIdempotencyKey(eventId: string): string {
  return `schedule#${eventId}`;
}

/** Starts the audit of a recorded run somewhere else (another Lambda, the state machine, or this process). */
export interface AuditLauncher {
  /** `request`: what the run asks for (a launcher that chooses by the snapshot's size reads its snapshotId). */
  launch(runId: string, request?: AuditRequest): Promise<void>;
}

export interface StartRunInput {
  trigger: Trigger;
  requestedBy: string;
  request: AuditRequest;
  idempotencyKey?: string;
  /** Refuse (TooManyAuditsError) while this many runs created since `since` are queued or running. */
  limit?: { maxActive: number; since: Date };
}

/**
 * Records a run as `queued` and launches it. With an idempotency key, a retry
 * of the same request by the same principal returns the run of the first
 * attempt (and launches it only if that attempt never got as far).
 *
 * @example
 * const { record, created } = await startRun({ trigger: 'http', requestedBy: arn, request }, runs, launcher);
 */
export async function startRun(
  input: StartRunInput,
  runs: RunStore,
  launcher: AuditLauncher,
  now: () => Date = () => new Date(),
): Promise<{ record: RunRecord; created: boolean }> {
  const createdAt = now();
  let runId = newRunId(createdAt);
  if (input.idempotencyKey) {
    const requestHash = createHash('sha256').update(JSON.stringify(input.request)).digest('hex');
    const claim = await runs.claimIdempotencyKey(`${input.requestedBy}#${input.idempotencyKey}`, runId, requestHash);
    if (!claim.claimed) {
      if (claim.requestHash !== requestHash) {
        throw new IdempotencyConflictError('This Idempotency-Key was already used with a different request body.');
      }
      const existing = await runs.get(claim.runId);
      if (existing) return { record: existing, created: false };
      runId = claim.runId;
    }
  }
  if (input.limit) {
    const active = await runs.listActive(input.limit.since);
    if (active.length >= input.limit.maxActive) {
      throw new TooManyAuditsError(
        `${active.length} audits are queued or running already (at most ${input.limit.maxActive}): ${active.map((run) => run.runId).join(', ')}. Try again when one has finished.`,
      );
    }
  }
  const record: RunRecord = {
    runId,
    trigger: input.trigger,
    requestedBy: input.requestedBy,
    request: input.request,
    status: 'queued',
    createdAt: createdAt.toISOString(),
    updatedAt: createdAt.toISOString(),
  };
  await runs.create(record);
  try {
    await launcher.launch(runId, record.request);
  } catch (error) {
    const message = `The audit could not be started: ${(error as Error).message}`;
    await runs.update(runId, { status: 'failed', error: message, finishedAt: now().toISOString() });
    throw new AuditorError(message, { cause: error, context: { runId } });
  }
  return { record, created: true };
}
