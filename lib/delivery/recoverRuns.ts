import type { AuditDependencies } from './executeAudit';
import { notifyFailure } from './notifyFailure';
import { describeProgress, type RunRecord } from './RunRecord';
import { scheduleIdempotencyKey, startRun } from './startRun';

/**
 * What Lambda sends to an asynchronous function's on-failure destination when
 * an invocation fails (an error it threw, a timeout, a crash) or its event
 * expired in the queue before it ran.
 */
export interface InvocationFailure {
  timestamp?: string;
  requestContext?: { requestId?: string; functionArn?: string; condition?: string; approximateInvokeCount?: number };
  requestPayload?: unknown;
  responseContext?: { statusCode?: number; functionError?: string };
  responsePayload?: { errorType?: string; errorMessage?: string } | null;
}

/** The limits a sweep needs to tell a stuck run from a slow one. */
export interface RecoveryLimits {
  /** The audit functions' timeout, in seconds. */
  timeoutSeconds: number;
  /** How long an asynchronous invocation may wait in Lambda's queue, in seconds. */
  maxEventAgeSeconds: number;
}

type RecoveryDependencies = Pick<AuditDependencies, 'runs' | 'notifiers' | 'metrics' | 'log' | 'now' | 'stateMachine'>;

/** A minute past the function's time limit, a run still `running` was stopped without a word. */
const SLACK_MS = 60_000;

function isScheduledEvent(payload: unknown): payload is { id: string } {
  const event = payload as { id?: unknown; 'detail-type'?: unknown } | null;
  return typeof event === 'object' && event !== null && typeof event.id === 'string' && event['detail-type'] === 'Scheduled Event';
}

function whyItFailed(failure: InvocationFailure, run: RunRecord, limits: RecoveryLimits): string {
  const got = describeProgress(run.progress);
  if (failure.requestContext?.condition === 'EventAgeExceeded') {
    return `The audit never started: its invocation waited in Lambda's queue longer than ${limits.maxEventAgeSeconds} s (throttled, or the account's concurrency was exhausted).`;
  }
  const message = failure.responsePayload?.errorMessage ?? '';
  if (/timed out/i.test(message)) return `Timed out: Lambda stopped the function at its ${limits.timeoutSeconds} s time limit, ${got}.`;
  const type = failure.responsePayload?.errorType ?? failure.responseContext?.functionError ?? 'Error';
  return `The function failed (${type}${message ? `: ${message}` : ''}), ${got}.`;
}

/**
 * Moves a run that is still queued or running to `failed` and tells every
 * channel; a run already ended is left alone (false), so each failure is told once.
 *
 * @example
 * await failActiveRun(run, 'The function failed (Error: …), evaluating: 10 items read.', deps) // true
 */
export async function failActiveRun(run: RunRecord, error: string, deps: RecoveryDependencies): Promise<boolean> {
  const now = deps.now ?? (() => new Date());
  const failed = await deps.runs.transition(run.runId, ['queued', 'running'], { status: 'failed', error, finishedAt: now().toISOString() });
  if (!failed) return false;
  deps.log('error', 'audit failed without recording it; marked failed', { runId: run.runId, error });
  await notifyFailure(failed, error, deps);
  return true;
}

/**
 * Handles one message of the on-failure queue: the run of the failed
 * invocation ends `failed` with why (timed out, crashed, never started) and
 * how far it got, and the DPO gets the failure mail, unless the run already
 * recorded its own failure (then it mailed too): every failure notifies once.
 * A scheduled invocation that died before it recorded its run gets a failed
 * run, so the nightly failure is not silent either.
 *
 * @example
 * await recordInvocationFailure(JSON.parse(sqsRecord.body), deps, limits) // 'marked'
 */
export async function recordInvocationFailure(
  failure: InvocationFailure,
  deps: RecoveryDependencies,
  limits: RecoveryLimits,
): Promise<'marked' | 'already-ended' | 'not-an-audit'> {
  const payload = failure.requestPayload as { runId?: unknown } | null | undefined;
  let run: RunRecord | null = null;
  if (typeof payload?.runId === 'string') {
    run = await deps.runs.get(payload.runId);
  } else if (isScheduledEvent(payload)) {
    const key = scheduleIdempotencyKey(payload.id);
    const runId = await deps.runs.findByIdempotencyKey(key);
    // A key claimed by a function that died before it created the run names no record: record it now.
    run = (runId ? await deps.runs.get(runId) : null) ?? (await recordLostSchedule(key, failure, deps));
  }
  if (!run) {
    deps.log('warn', 'on-failure message for no known run', { requestId: failure.requestContext?.requestId });
    return 'not-an-audit';
  }
  return (await failActiveRun(run, whyItFailed(failure, run, limits), deps)) ? 'marked' : 'already-ended';
}

/** The nightly run's function died before recording its run: record one, queued, so that it can fail like any other. */
async function recordLostSchedule(key: string, failure: InvocationFailure, deps: RecoveryDependencies): Promise<RunRecord | null> {
  const now = deps.now ?? (() => new Date());
  const { record } = await startRun(
    {
      trigger: 'schedule',
      requestedBy: 'schedule',
      request: { formats: ['json', 'csv', 'pdf'], notify: true, dryRun: false },
      idempotencyKey: key.slice('schedule#'.length),
    },
    deps.runs,
    { launch: async () => undefined },
    () => new Date(failure.timestamp ?? now().toISOString()),
  );
  return record;
}

/**
 * Why a run of the state machine is stuck, or null while its execution is
 * still running (however long that takes): an execution that ended, or that
 * Step Functions does not know, left the run unfinished.
 */
async function stuckExecution(run: RunRecord & { executionArn: string }, deps: RecoveryDependencies): Promise<string | null> {
  const state = await deps.stateMachine!.executions.status(run.executionArn);
  if (state === 'RUNNING') return null;
  const ended = state === 'missing' ? 'is not known to Step Functions' : `ended ${state}`;
  return `The state machine's execution ${run.executionArn} ${ended} without finishing the run, ${describeProgress(run.progress)}.`;
}

/**
 * The backstop for failures no message reports: every run still `running` a
 * minute past its function's deadline, or still `queued` longer than an
 * invocation may wait plus the time limit, ends `failed` with one mail. A run
 * of the state machine is judged by its execution instead: left alone while it
 * is RUNNING, failed once it ended without finishing the run.
 *
 * @example
 * await sweepStuckRuns(deps, { timeoutSeconds: 900, maxEventAgeSeconds: 3600 }) // ['audit-…']
 */
export async function sweepStuckRuns(deps: RecoveryDependencies, limits: RecoveryLimits): Promise<string[]> {
  const now = (deps.now ?? (() => new Date()))();
  const timeoutMs = limits.timeoutSeconds * 1000;
  const queueMs = limits.maxEventAgeSeconds * 1000;
  const since = new Date(now.getTime() - 2 * (queueMs + timeoutMs + SLACK_MS) - 86_400_000);
  const swept: string[] = [];
  for (const run of await deps.runs.listActive(since)) {
    let error: string | null = null;
    if (run.executionArn && deps.stateMachine) {
      try {
        error = await stuckExecution(run as RunRecord & { executionArn: string }, deps);
      } catch (cause) {
        // One execution that cannot be asked about must not keep the others from being swept.
        deps.log('warn', 'execution not described; the run is left for the next sweep', { runId: run.runId, error: (cause as Error).message });
      }
    } else if (run.status === 'running') {
      const deadline = run.deadlineAt ? Date.parse(run.deadlineAt) : Date.parse(run.startedAt ?? run.createdAt) + timeoutMs;
      if (now.getTime() > deadline + SLACK_MS) {
        error = `Stopped without a word: the function's time limit passed at ${new Date(deadline).toISOString()} and the run never finished, ${describeProgress(run.progress)}.`;
      }
    } else if (now.getTime() > Date.parse(run.createdAt) + queueMs + timeoutMs + SLACK_MS) {
      error = `The audit never started: it was still queued ${Math.round((now.getTime() - Date.parse(run.createdAt)) / 60_000)} minutes after it was requested.`;
    }
    if (error && (await failActiveRun(run, error, deps))) swept.push(run.runId);
  }
  return swept;
}
