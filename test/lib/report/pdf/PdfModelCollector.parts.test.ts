/**
 * A partitioned run collects the PDF's model per slice of the findings and absorbs
 * the slices' states (through JSON) in order: the model must be the one a single
 * collector makes of all the findings, every field, order included.
 */
import { SEVERITIES, type Finding, type Severity, type Verdict } from '../../../../lib/model';
import { PdfModelCollector, type PdfModelState, type PdfReportModel } from '../../../../lib/report/pdf/PdfReportModel';
import { before, DAY, judge, makeItem } from '../../../helpers/items';
import { random } from '../../../../bench/syntheticInventory';

const pick = <T>(rng: () => number, values: readonly T[]): T => values[Math.floor(rng() * values.length)]!;
const int = (rng: () => number, max: number) => Math.floor(rng() * (max + 1));

const BASE = judge(makeItem({ oldestRecordAt: before(400 * DAY) }));
const VERDICTS: Verdict[] = ['violation', 'violation', 'violation', 'due-soon', 'invalid', 'exempt', 'unmapped', 'unmapped', 'review', 'review', 'compliant', 'waived'];

/**
 * Findings as the writers get them (parsed from their JSON lines), of every verdict the PDF
 * shows: few values per field, so that rows tie on the table order and pairs and tenants repeat.
 */
function findingsOf(rng: () => number, count: number, spread: { modules: number; pairs: number; tenants: number }): Finding[] {
  return Array.from({ length: count }, (_, index) => {
    const finding: Finding = {
      ...BASE,
      itemId: rng() < 0.2 ? null : `item-${int(rng, count / 2)}`,
      tenantId: rng() < 0.05 ? null : `tenant-${int(rng, spread.tenants)}`,
      module: rng() < 0.05 ? null : `module-${int(rng, spread.modules)}`,
      dataCategory: `category-${int(rng, spread.pairs)}`,
      verdict: pick(rng, VERDICTS),
      severity: pick(rng, SEVERITIES) as Severity,
      overdueDays: rng() < 0.3 ? null : int(rng, 120),
      deadline: rng() < 0.3 ? null : before(int(rng, 3) * DAY),
      recordCount: rng() < 0.1 ? null : int(rng, 1_000),
      bytes: rng() < 0.1 ? null : int(rng, 100_000),
      clause: rng() < 0.2 ? null : { source: `policy-${int(rng, 3)}`, section: '1', text: `clause ${index}` },
      status: pick(rng, ['new', 'new', 'persisting', undefined] as const),
      reason: `reason ${index}`,
    };
    return JSON.parse(JSON.stringify(finding)) as Finding;
  });
}

/** Cut points into `parts` consecutive slices (some empty). */
function slicesOf<T>(rng: () => number, findings: T[], parts: number): T[][] {
  const cuts = Array.from({ length: parts - 1 }, () => (rng() < 0.2 ? pick(rng, [0, findings.length]) : int(rng, findings.length))).sort((a, b) => a - b);
  const bounds = [0, ...cuts, findings.length];
  return bounds.slice(1).map((end, index) => findings.slice(bounds[index], end));
}

/** The model with its Maps as entry lists, so that their order counts. */
const plain = (model: PdfReportModel) => ({
  ...model,
  modules: [...model.modules],
  violationsByModuleSeverity: [...model.violationsByModuleSeverity],
  tenants: [...model.tenants],
  unmapped: [...model.unmapped],
  review: [...model.review],
});

function whole(cap: number, findings: Finding[]): PdfReportModel {
  const collector = new PdfModelCollector(cap);
  for (const finding of findings) collector.add(finding);
  return collector.model();
}

/** Each slice in its own collector, its state through JSON, absorbed in slice order into a fresh one. */
function absorbed(cap: number, slices: Finding[][]): PdfReportModel {
  const collector = new PdfModelCollector(cap);
  for (const slice of slices) {
    const part = new PdfModelCollector(cap);
    for (const finding of slice) part.add(finding);
    collector.absorb(JSON.parse(JSON.stringify(part.toState())) as PdfModelState);
  }
  return collector.model();
}

describe('PdfModelCollector in slices', () => {
  it.each([
    ['beyond the cap everywhere', 3, 400, { modules: 3, pairs: 12, tenants: 20 }, 12],
    ['many modules and pairs, a cap of one', 1, 300, { modules: 30, pairs: 40, tenants: 200 }, 12],
    ['under the cap', 500, 300, { modules: 4, pairs: 5, tenants: 10 }, 8],
    ['the default cap', 200, 2_000, { modules: 6, pairs: 400, tenants: 3_000 }, 2],
  ] as const)('%s: absorbed slices give the one collector’s model', (_name, cap, count, spread, seeds) => {
    for (let seed = 1; seed <= seeds; seed += 1) {
      const rng = random(seed);
      const findings = findingsOf(rng, count, spread);
      const expected = plain(whole(cap, findings));
      for (let split = 0; split < 4; split += 1) {
        const slices = slicesOf(rng, findings, 1 + int(rng, 5));
        expect(plain(absorbed(cap, slices))).toStrictEqual(expected);
      }
    }
  });

  it('the findings of every table are there, past the cap', () => {
    const model = whole(3, findingsOf(random(5), 400, { modules: 3, pairs: 12, tenants: 20 }));
    for (const list of [...model.modules.values(), model.invalid, model.exempt, model.newViolations]) {
      expect(list.rows).toHaveLength(3);
      expect(list.total).toBeGreaterThan(3);
    }
    expect(model.unmapped.size).toBe(3);
    expect(model.review.size).toBe(3);
    expect(model.overdue.sizeCaps).toBeGreaterThan(0);
    expect(model.violationsByModuleSeverity.size).toBeGreaterThan(1);
  });

  it('a pair an earlier slice shows keeps the counts of a later slice that met other pairs first', () => {
    const unmapped = (dataCategory: string, recordCount: number): Finding => ({ ...BASE, verdict: 'unmapped', module: 'm', dataCategory, recordCount, bytes: 1 });
    const slices = [[unmapped('a', 1)], [unmapped('b', 10), unmapped('c', 100), unmapped('a', 1_000)]];
    expect([...absorbed(1, slices).unmapped.values()]).toEqual([expect.objectContaining({ dataCategory: 'a', items: 2, records: 1_001, bytes: 2 })]);
    expect(plain(absorbed(1, slices))).toStrictEqual(plain(whole(1, slices.flat())));
  });

  it('rows that tie on the table order keep the earlier slice’s first', () => {
    const tie = (reason: string): Finding => ({ ...BASE, itemId: null, reason, status: 'new' });
    const slices = [[tie('first')], [tie('second'), tie('third')]];
    const model = absorbed(2, slices);
    expect(model.modules.get(BASE.module!)!.rows.map((row) => row.reason)).toEqual(['first', 'second']);
    expect(model.newViolations).toEqual({ rows: [expect.objectContaining({ reason: 'first' }), expect.objectContaining({ reason: 'second' })], total: 3 });
  });

  it('the state is bounded by the cap, as the collector', () => {
    const collector = new PdfModelCollector(5);
    for (const finding of findingsOf(random(9), 5_000, { modules: 3, pairs: 100, tenants: 50 })) collector.add(finding);
    const state = collector.toState();
    for (const [, list] of state.modules) expect(list.rows.length).toBeLessThanOrEqual(5);
    expect(state.unmapped.shown.length).toBe(5);
    expect(state.unmapped.more.length).toBeGreaterThan(0);
    expect(JSON.stringify(state).length).toBeLessThan(100_000);
  });

  it('a state collected with another cap is refused', () => {
    expect(() => new PdfModelCollector(200).absorb(new PdfModelCollector(100).toState())).toThrow(
      'PdfModelCollector.absorb: the state was collected with 100 rows per table, this collector keeps 200.',
    );
  });

  it('past 100,000 tenants with violations, the absorbed ranking is approximate as the one collector’s, and as bounded', () => {
    const violation = (tenant: number): Finding => ({ ...BASE, tenantId: `t${tenant}`, recordCount: tenant % 7 });
    const findings = Array.from({ length: 120_000 }, (_, index) => violation(index));
    const slices = [findings.slice(0, 60_000), findings.slice(60_000)];
    const one = whole(10, findings);
    const parts = absorbed(10, slices);
    expect(one.tenantsApproximate).toBe(true);
    expect(parts.tenantsApproximate).toBe(true);
    expect(parts.tenants.size).toBeLessThanOrEqual(100_000);
    // Below the limit, each slice alone is exact.
    expect(plain(absorbed(10, [slices[0]!]))).toStrictEqual(plain(whole(10, slices[0]!)));
  });
});

describe('PdfModelCollector sums beyond 2^53', () => {
  it('adds tenants\' records and pairs\' records and bytes exactly, so slices absorbed give one collector\'s figures', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const violation = (recordCount: number): Finding => ({ ...BASE, verdict: 'violation', tenantId: 't', recordCount });
    const unmapped = (bytes: number): Finding => ({ ...BASE, verdict: 'unmapped', ruleId: null, module: 'm', dataCategory: 'c', bytes, recordCount: bytes });
    const findings = [violation(big), violation(1), violation(1), violation(1), unmapped(big), unmapped(1), unmapped(1), unmapped(1)];
    const one = whole(10, findings);
    const sliced = absorbed(10, [findings.slice(0, 1), findings.slice(1, 5), findings.slice(5)]);
    expect(plain(sliced)).toEqual(plain(one));
    // The exact sum, rounded once: 2^53 + 2 (the double nearest 9007199254740994).
    expect(one.tenants.get('t')!.records).toBe(9_007_199_254_740_994);
    expect([...one.unmapped.values()][0]!.bytes).toBe(9_007_199_254_740_994);
  });
});
