import { withReadFormats } from '../../../lib/delivery/auditOptions';
import type { Notifier } from '../../../lib/delivery/notifiers/Notifier';

const notifier = (channel: Notifier['channel'], reads?: Notifier['reads']): Notifier => ({ channel, ...(reads ? { reads } : {}), finished: async () => [], failed: async () => [] });

describe('withReadFormats', () => {
  it('adds the report a channel reads its findings from when the run asked for none of them', () => {
    expect(withReadFormats(['pdf'], [notifier('email'), notifier('owner-email', ['json'])])).toEqual(['pdf', 'json']);
    // Security Hub reads the OCSF feed or the JSON: the JSON is added once, for both.
    expect(withReadFormats(['pdf'], [notifier('owner-email', ['json']), notifier('security-hub', ['ocsf', 'json'])])).toEqual(['pdf', 'json']);
  });

  it('adds nothing when one of them is asked for', () => {
    expect(withReadFormats(['ocsf', 'pdf'], [notifier('security-hub', ['ocsf', 'json'])])).toEqual(['ocsf', 'pdf']);
    expect(withReadFormats(['json'], [notifier('owner-email', ['json']), notifier('slack')])).toEqual(['json']);
  });
});
