/**
 * The plan phase: options that cannot work are refused before the source is
 * opened; the run is named and dated by the clock; a capture time the source
 * states is kept only when it is a time no later than the audit's start plus
 * the allowed clock skew, the same bound the engine gets.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { planAudit, statedCapturedAt, type PlanAuditOptions } from '../../../../lib/audit/phases/planAudit';
import { DEFAULTS } from '../../../../lib/defaults';
import { UsageError } from '../../../../lib/errors';
import type { InventorySource, OpenedSnapshot } from '../../../../lib/inventory/InventorySource';
import { tempDir } from '../../../helpers/files';
import { catalog } from '../../../helpers/items';

const NOW = new Date('2026-11-21T00:00:00Z');

function source(opened: Partial<OpenedSnapshot> = {}): InventorySource & { opened: number } {
  const counted = {
    opened: 0,
    describe: () => 'test source',
    open: async () => {
      counted.opened += 1;
      return { snapshotId: 'snap-1', capturedAt: null, expectedItems: null, warnings: [], incompleteReasons: [], ordered: false, ...opened };
    },
    async *entries() {},
  };
  return counted;
}

const options = (overrides: Partial<PlanAuditOptions> = {}): PlanAuditOptions => ({
  source: source(),
  catalog: catalog(),
  engine: { graceDays: 30, waivers: [] },
  formats: ['json'],
  outDir: join(tempDir('plan-'), 'reports'),
  trigger: 'cli',
  now: () => NOW,
  ...overrides,
});

describe('planAudit', () => {
  it('names the run after its start, opens the source, creates the output folder and drafts the run', async () => {
    const opened = source({ snapshotId: 'snap-9', capturedAt: '2026-11-20T02:00:00Z', ordered: true });
    const outDir = join(tempDir('plan-'), 'nested', 'reports');
    const plan = await planAudit(options({ source: opened, outDir, history: { store: {} as never, scope: 'estate' } }));
    expect(plan.runId).toMatch(/^audit-20261121T000000Z-[0-9a-f]{6}$/);
    expect(plan.startedAt).toEqual(NOW);
    expect(plan.snapshot.ordered).toBe(true);
    expect(opened.opened).toBe(1);
    expect(existsSync(outDir)).toBe(true);
    expect(plan.trendRuns).toBe(DEFAULTS.trendRuns);
    expect(plan.run).toEqual({
      id: plan.runId,
      trigger: 'cli',
      startedAt: NOW.toISOString(),
      finishedAt: NOW.toISOString(),
      snapshotId: 'snap-9',
      snapshotCapturedAt: '2026-11-20T02:00:00.000Z',
      catalogVersion: catalog().version,
      source: 'test source',
      graceDays: 30,
      scope: 'estate',
    });
  });

  it('keeps a given run id, and no scope without history', async () => {
    const plan = await planAudit(options({ runId: 'audit-given' }));
    expect(plan.runId).toBe('audit-given');
    expect(plan.run).not.toHaveProperty('scope');
  });

  it('bounds capture times at the start plus the allowed clock skew, unless the engine options bound them already', async () => {
    const bound = NOW.getTime() + DEFAULTS.maxCaptureSkewMinutes * 60_000;
    expect((await planAudit(options())).engine).toEqual({ graceDays: 30, waivers: [], capturedNotAfterMs: bound });
    expect((await planAudit(options({ engine: { graceDays: 30, waivers: [], capturedNotAfterMs: 5 } }))).engine.capturedNotAfterMs).toBe(5);
  });

  it.each([
    ['on the bound', '2026-11-21T00:10:00.000Z', '2026-11-21T00:10:00Z'],
    ['one millisecond past the bound', null, '2026-11-21T00:10:00.001Z'],
    ['that is not a time', null, 'yesterday'],
    ['that is absent', null, null],
  ])('a stated capture time %s is kept as %p', async (_, expected, stated) => {
    expect((await planAudit(options({ source: source({ capturedAt: stated }) }))).run.snapshotCapturedAt).toBe(expected);
    expect(statedCapturedAt(stated, NOW.getTime() + 10 * 60_000)).toBe(expected);
  });

  it('refuses no formats and a trend of less than one whole run, before opening the source', async () => {
    const untouched = source();
    await expect(planAudit(options({ source: untouched, formats: [] }))).rejects.toThrow(new UsageError('Choose at least one report format.'));
    await expect(planAudit(options({ source: untouched, trendRuns: 0 }))).rejects.toThrow(UsageError);
    await expect(planAudit(options({ source: untouched, trendRuns: 1.5 }))).rejects.toThrow('The trend shows at least one run: trendRuns 1.5 is not a whole number of 1 or more.');
    expect(untouched.opened).toBe(0);
  });
});
