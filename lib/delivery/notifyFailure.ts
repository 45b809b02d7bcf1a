/**
 * Telling the channels how a run ended: the failure notice of a failed run,
 * and the pieces of a delivery every path records the same way (what each
 * channel delivered, and whether the DPO's mail failed). Shared by the
 * one-Lambda audit, the partitioned run, the sweep and the on-failure queue.
 */
import type { AuditDependencies } from './executeAudit';
import { emailOutcomeOf } from './notifiers/emailNotifier';
import type { ChannelOutcome } from './notifiers/Notifier';
import { notificationFigures, notifyAll } from './notifiers/notifyAll';
import type { RunRecord } from './RunRecord';

/** How long a failed run's notices may take, all channels at once; a channel still busy then is recorded as not delivered. */
export const FAILURE_NOTICE_MS = 5_000;

/** What the channels delivered, as the run record keeps it: `email` mirrors the e-mail channel for older readers. */
export function deliveryPatch(notifications: ChannelOutcome[]): { notifications: ChannelOutcome[]; email?: RunRecord['email'] } {
  const email = notifications.find((outcome) => outcome.channel === 'email');
  return { notifications, ...(email ? { email: emailOutcomeOf(email) } : {}) };
}

/** The DPO's e-mail that could not be sent, if any: the one delivery whose failure makes a run `partial`. */
export const emailFailure = (notifications: readonly ChannelOutcome[]) => notifications.find((outcome) => outcome.channel === 'email' && outcome.error !== undefined);

/**
 * Tells every channel of a run that just became `failed` (the DPO's failure
 * mail, and whichever other channel announces failures), and records what each
 * did. The caller made that transition with a conditional write, so each
 * failure is told once.
 *
 * @example
 * const failed = await runs.transition(runId, ['running'], { status: 'failed', error });
 * if (failed) await notifyFailure(failed, error, deps);
 */
export async function notifyFailure(record: RunRecord, error: string, deps: Pick<AuditDependencies, 'notifiers' | 'runs' | 'metrics' | 'log'>): Promise<void> {
  // Published first: a channel that hangs until the function is stopped must not take the failure's figure with it.
  deps.metrics.publish({ RunFailed: 1 });
  if (!record.request.notify || record.request.dryRun) return;
  // Bounded: the failure handler (25 s) may tell several runs, and a chat channel retrying could outlast it.
  const notifications = await notifyAll(deps.notifiers, (notifier) => notifier.failed(record, error), { ...deps, signal: AbortSignal.timeout(FAILURE_NOTICE_MS) });
  if (notifications.length === 0) return;
  deps.metrics.publish({ ...(emailFailure(notifications) ? { DigestFailed: 1 } : {}), ...notificationFigures(notifications) });
  await deps.runs.update(record.runId, deliveryPatch(notifications));
}
