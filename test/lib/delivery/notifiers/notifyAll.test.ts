/**
 * The runner of a run's notifiers: all at once, each on its own (one that
 * throws, answers nonsense or has not delivered when the run must stop is its
 * channel's failure, never the others'), with each channel's metrics line.
 */
import type { ChannelId, ChannelOutcome, Notifier } from '../../../../lib/delivery/notifiers/Notifier';
import { notificationFigures, notifyAll } from '../../../../lib/delivery/notifiers/notifyAll';
import type { MetricDimensions, RunMetricName } from '../../../../lib/delivery/RunMetrics';

type Published = { values: Partial<Record<RunMetricName, number>>; dimensions?: MetricDimensions };

function options(signal?: AbortSignal) {
  const published: Published[] = [];
  const logged: [string, string, Record<string, unknown> | undefined][] = [];
  const settled: number[] = [];
  return {
    published,
    logged,
    settled,
    metrics: { publish: (values: Published['values'], dimensions?: MetricDimensions) => void published.push(dimensions ? { values, dimensions } : { values }) },
    log: (level: string, message: string, data?: Record<string, unknown>) => void logged.push([level, message, data]),
    onSettled: (done: number) => void settled.push(done),
    ...(signal ? { signal } : {}),
  };
}

/** A notifier whose `finished` runs `deliver`. */
const notifier = (channel: ChannelId, deliver: () => Promise<ChannelOutcome[]>): Notifier => ({ channel, finished: deliver, failed: async () => [] });
const sent = (channel: ChannelId, to: string): ChannelOutcome => ({ channel, to, messageId: `<${to}>`, sentAt: '2026-11-20T06:00:10.000Z' });

describe('notifyAll', () => {
  it('delivers through every channel at once and answers their outcomes in the notifiers\' order', async () => {
    // Slack answers only once Teams has started: run one after the other, this would never settle.
    let teamsStarted!: () => void;
    const started = new Promise<void>((resolve) => (teamsStarted = resolve));
    const slack = notifier('slack', async () => {
      await started;
      return [sent('slack', 'Slack webhook (secret)')];
    });
    const teams = notifier('teams', async () => {
      teamsStarted();
      return [sent('teams', 'Teams webhook (secret)')];
    });
    const run = options();
    const outcomes = await notifyAll([slack, teams], (n) => n.finished({} as never), run);
    expect(outcomes.map((o) => o.channel)).toEqual(['slack', 'teams']);
    expect(outcomes.every((o) => o.error === undefined)).toBe(true);
    expect(run.settled).toEqual([1, 2]);
  });

  it('records a notifier that throws (at once or later) as its channel\'s failure; the others still deliver', async () => {
    const outcomes = await notifyAll(
      [
        notifier('slack', () => {
          throw new Error('webhook URL is not a URL');
        }),
        notifier('email', async () => [sent('email', 'dpo@example.com')]),
        notifier('teams', async () => Promise.reject(new TypeError('fetch failed'))),
      ],
      (n) => n.finished({} as never),
      options(),
    );
    expect(outcomes).toEqual([
      { channel: 'slack', to: 'unknown', error: 'The slack notifier failed: webhook URL is not a URL' },
      sent('email', 'dpo@example.com'),
      { channel: 'teams', to: 'unknown', error: 'The teams notifier failed: fetch failed' },
    ]);
  });

  it('records an answer that is not a list of outcomes as a failure, and files every outcome under its notifier\'s channel', async () => {
    const outcomes = await notifyAll(
      [notifier('slack', async () => 'ok' as never), notifier('teams', async () => [sent('email', 'someone')])],
      (n) => n.finished({} as never),
      options(),
    );
    expect(outcomes).toEqual([
      { channel: 'slack', to: 'unknown', error: 'The slack notifier failed: it answered no list of outcomes' },
      // A chat channel cannot pass for the DPO's e-mail, whose outcome decides the run's status.
      { ...sent('email', 'someone'), channel: 'teams' },
    ]);
  });

  it('records a channel that has not delivered when the run must stop as failed, with why, and returns at once', async () => {
    const controller = new AbortController();
    const hanging = notifier('slack', () => new Promise<ChannelOutcome[]>(() => undefined));
    const quick = notifier('email', async () => [sent('email', 'dpo@example.com')]);
    const pending = notifyAll([hanging, quick], (n) => n.finished({} as never), options(controller.signal));
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error("Timed out: the run stopped itself 60 s before its function's 900 s time limit, notifying: 1 of 2 channels done."));
    expect(await pending).toEqual([
      {
        channel: 'slack',
        to: 'unknown',
        error: "Not delivered: the run had to stop (Timed out: the run stopped itself 60 s before its function's 900 s time limit, notifying: 1 of 2 channels done.)",
      },
      sent('email', 'dpo@example.com'),
    ]);
    // A signal aborted before the channels start stops all of them.
    const late = await notifyAll([quick], (n) => n.finished({} as never), options(controller.signal));
    expect(late[0]!.error).toMatch(/^Not delivered: the run had to stop \(Timed out: /);
  });

  it('publishes one metrics line per channel that answered, with its Channel, and logs each outcome', async () => {
    const run = options();
    await notifyAll(
      [
        notifier('owner-email', async () => [sent('owner-email', 'alice@example.com'), { channel: 'owner-email', to: 'bob@example.com', error: '550 mailbox unavailable' }]),
        notifier('teams', async () => []),
        notifier('email', async () => [sent('email', 'dpo@example.com')]),
      ],
      (n) => n.finished({} as never),
      run,
    );
    expect(run.published).toEqual([
      { values: { NotificationSent: 1, NotificationFailed: 1 }, dimensions: { Channel: 'owner-email' } },
      { values: { NotificationSent: 1, NotificationFailed: 0 }, dimensions: { Channel: 'email' } },
    ]);
    expect(run.logged).toEqual([
      ['info', 'notification sent', { channel: 'owner-email', to: 'alice@example.com', messageId: '<alice@example.com>' }],
      ['error', 'notification failed', { channel: 'owner-email', to: 'bob@example.com', error: '550 mailbox unavailable' }],
      ['info', 'notification sent', { channel: 'email', to: 'dpo@example.com', messageId: '<dpo@example.com>' }],
    ]);
  });

  it('with no notifiers, answers nothing and publishes nothing', async () => {
    const run = options();
    expect(await notifyAll([], (n) => n.finished({} as never), run)).toEqual([]);
    expect(run.published).toEqual([]);
  });
});

describe('notificationFigures', () => {
  it('sums the messages sent and not sent over the channels; nothing for no outcome', () => {
    expect(notificationFigures([sent('email', 'a'), { channel: 'slack', to: 'b', error: 'x' }, { channel: 'teams', to: 'c', error: 'y' }])).toEqual({ NotificationSent: 1, NotificationFailed: 2 });
    expect(notificationFigures([])).toEqual({});
  });

  it('counts a note (findings a channel did not route) as neither sent nor failed: nothing for the alarm', () => {
    const note = { channel: 'owner-email' as const, to: 'findings without an owner', findings: 3, note: '3 findings name no owner.' };
    expect(notificationFigures([sent('owner-email', 'a@example.com'), note])).toEqual({ NotificationSent: 1, NotificationFailed: 0 });
    expect(notificationFigures([note])).toEqual({});
  });
});
