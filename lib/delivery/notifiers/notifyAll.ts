/**
 * Runs a run's notifiers side by side, each on its own: a notifier that throws,
 * or has not delivered when the run must stop, is recorded as its channel's
 * failure; it neither fails the run nor stops the other channels. Each
 * channel's sent and failed counts go to CloudWatch with a `Channel` dimension.
 */
import type { RunMetricName, RunMetrics } from '../RunMetrics';
import type { ChannelOutcome, Notifier } from './Notifier';

export interface NotifyAllOptions {
  metrics: RunMetrics;
  log: (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;
  /** Aborted when the run must stop before its function's deadline: a channel still delivering then is recorded as failed. */
  signal?: AbortSignal;
  /** Called each time a channel has answered, with how many have. */
  onSettled?: (done: number) => void;
}

/** Who a channel that answered nothing was delivering to: it did not say. */
const UNKNOWN_RECIPIENT = 'unknown';

/** The run had to stop before the channel answered: its failure says so, not that the notifier broke. */
class StoppedError extends Error {}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const stop = () => {
      const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
      reject(new StoppedError(`Not delivered: the run had to stop (${reason})`));
    };
    if (signal.aborted) return stop();
    signal.addEventListener('abort', stop, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}

async function isolated(notifier: Notifier, deliver: (notifier: Notifier) => Promise<ChannelOutcome[]>, signal: AbortSignal | undefined): Promise<ChannelOutcome[]> {
  let outcomes: ChannelOutcome[];
  try {
    // Through a promise, so that a notifier throwing before its first await is caught too.
    outcomes = await untilAborted(Promise.resolve().then(() => deliver(notifier)), signal);
    if (!Array.isArray(outcomes)) throw new TypeError('it answered no list of outcomes');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return [{ channel: notifier.channel, to: UNKNOWN_RECIPIENT, error: error instanceof StoppedError ? message : `The ${notifier.channel} notifier failed: ${message}` }];
  }
  // The runner, not the notifier, says which channel delivered: the e-mail channel's outcome decides the run's status.
  return outcomes.map((outcome) => ({ ...outcome, channel: notifier.channel }));
}

/**
 * The run's totals over its channels, for the run's own metrics line (the
 * alarm on NotificationFailed watches their sum; each channel's line has the
 * same counts with its `Channel`).
 *
 * @example
 * notificationFigures([{ channel: 'email', to: 'dpo@example.com', messageId: '<1@x>' }]) // { NotificationSent: 1, NotificationFailed: 0 }
 */
export function notificationFigures(outcomes: readonly ChannelOutcome[]): Partial<Record<RunMetricName, number>> {
  // Notes (findings a channel did not route) are neither sent nor failed.
  const deliveries = outcomes.filter((outcome) => outcome.note === undefined || outcome.error !== undefined);
  if (deliveries.length === 0) return {};
  const failed = deliveries.filter((outcome) => outcome.error !== undefined).length;
  return { NotificationSent: deliveries.length - failed, NotificationFailed: failed };
}

/**
 * Delivers through every notifier at once and answers every outcome, in the
 * notifiers' order. It does not throw for a channel.
 *
 * @example
 * const outcomes = await notifyAll(deps.notifiers, (notifier) => notifier.finished(run), { metrics, log, signal });
 */
export async function notifyAll(
  notifiers: readonly Notifier[],
  deliver: (notifier: Notifier) => Promise<ChannelOutcome[]>,
  options: NotifyAllOptions,
): Promise<ChannelOutcome[]> {
  let settled = 0;
  const answers = await Promise.all(
    notifiers.map(async (notifier) => {
      const outcomes = await isolated(notifier, deliver, options.signal);
      options.onSettled?.((settled += 1));
      return outcomes;
    }),
  );
  for (const [index, notifier] of notifiers.entries()) {
    const outcomes = answers[index]!;
    if (outcomes.length === 0) continue;
    const figures = notificationFigures(outcomes);
    if (Object.keys(figures).length > 0) options.metrics.publish(figures, { Channel: notifier.channel });
    for (const { to, messageId, error, note } of outcomes) {
      if (error === undefined && note !== undefined) options.log('info', 'notification note', { channel: notifier.channel, to, note });
      else if (error === undefined) options.log('info', 'notification sent', { channel: notifier.channel, to, messageId });
      else options.log('error', 'notification failed', { channel: notifier.channel, to, error });
    }
  }
  return answers.flat();
}
