import { MAX_PART_BYTES, MIN_PART_BYTES, PARTS_AT_ONCE } from '../../../lib/aws/assembleObject';
import { planAssembly } from '../../../lib/plan/planAssembly';
import { DEFAULT_PLAN_OPTIONS, type PlanOptions } from '../../../lib/plan/planOptions';
import { formatNames, planReduce } from '../../../lib/plan/planReduce';
import { planRun } from '../../../lib/plan/planRun';
import { reportBytes } from '../../../lib/plan/reportBytes';
import type { SnapshotSize } from '../../../lib/plan/SnapshotSize';
import { ASSUMED, LIMITS, MEASURED } from '../../../lib/plan/throughput';
import type { FormatId } from '../../../lib/report/formats/formatIds';

const size = (items: number): SnapshotSize => ({ snapshotId: 'snap', items, bytes: items * MEASURED.averageItemBytes, tableBytes: null, source: 'what-if', notes: [] });
const GIB = 1024 ** 3;
const MIB = 2 ** 20;
/** The reduce of `items` items in `parts` parts, with these formats and options. */
function reduceOf(items: number, parts: number, formats: FormatId[], overrides: Partial<PlanOptions> = {}) {
  const options: PlanOptions = { ...DEFAULT_PLAN_OPTIONS, formats, ...overrides };
  const reports = reportBytes(items, formats);
  return { reduce: planReduce(items, planAssembly(items, parts, options, 100), options, reports), options, reports };
}

describe('planReduce: one Lambda puts the reports together in S3 and writes the others', () => {
  it("sizes its parts as lib/aws/assembleObject.ts sends them: S3's part limits, 8 at once", () => {
    expect(LIMITS.s3MinPartBytes).toBe(MIN_PART_BYTES);
    expect(LIMITS.s3MaxPartBytes).toBe(MAX_PART_BYTES);
    expect(LIMITS.assemblyPartsAtOnce).toBe(PARTS_AT_ONCE);
  });

  it('its time: its base, each assembled report the longer of its copy and its hash (one after the other), the PDF; the history is the diff ranges\' parts, committed in one write', () => {
    const { reduce } = reduceOf(2_000_000, 16, ['json', 'csv', 'pdf']);
    // JSON 1.84 GB in 16 parts of 115 MB: 2 rounds of 8 copies at 80 MB/s, 2.9 s; read back at 400 MB/s, 4.6 s.
    expect(reduce.assembled).toEqual([
      { format: 'json', bytes: 1_840_000_000, copyParts: 16, uploadParts: 2, hashGets: 16 * Math.ceil(115_000_000 / (8 * MIB)) + 1, copySeconds: 2 * (115_000_000 / 80_000_000), hashSeconds: 4.6 },
      { format: 'csv', bytes: 1_080_000_000, copyParts: 16, uploadParts: 2, hashGets: 16 * Math.ceil(67_500_000 / (8 * MIB)) + 1, copySeconds: 2 * (67_500_000 / 80_000_000), hashSeconds: 2.7 },
    ]);
    expect(reduce).toMatchObject({ storesReports: true, written: ['pdf'], fed: [], readBytes: 0, tmpBytes: ASSUMED.pdfBytes, withinLimits: true });
    expect(reduce.assembleSeconds).toBeCloseTo(4.6 + 2.7, 9);
    expect(reduce.seconds).toBeCloseTo(ASSUMED.reduceBaseSeconds + 4.6 + 2.7 + ASSUMED.pdfBytes / ASSUMED.s3BytesPerSecond, 9);
  });

  it('the copy binds when the parts are few and large; a part above 5 GiB is copied in pieces of at most 5 GiB', () => {
    // One part of 10 GB: two copies, one round, the largest 5 GiB at 80 MB/s (67 s), against 25 s of hashing.
    const { reduce } = reduceOf(10_000_000_000 / MEASURED.findingJsonBytes, 1, ['json']);
    const [json] = reduce.assembled;
    expect(json).toMatchObject({ copyParts: 2, uploadParts: 2 });
    expect(json!.copySeconds).toBeCloseTo(MAX_PART_BYTES / 80_000_000, 6);
    expect(json!.hashSeconds).toBeCloseTo(25, 6);
    expect(reduce.assembleSeconds).toBeCloseTo(json!.copySeconds, 9);
    // 17 parts of 6 GB each: 2 pieces each, 34 copies in 5 rounds of 8.
    const many = reduceOf(Math.round((17 * 6e9) / MEASURED.findingJsonBytes), 17, ['json']).reduce.assembled[0]!;
    expect(many.copyParts).toBe(34);
    expect(many.copySeconds).toBeCloseTo(5 * (MAX_PART_BYTES / 80_000_000), 6);
  });

  it('parts below 5 MiB are not copied: the reduce reads and uploads them itself', () => {
    const [json] = reduceOf(16 * 5_000, 16, ['json']).reduce.assembled;
    expect(json!.copyParts).toBe(0);
    expect(json!.uploadParts).toBe(Math.floor((16 * 5_000 * 920) / MIN_PART_BYTES));
  });

  it('JSON only: nothing in its /tmp; without JSON among the formats the children still write JSON parts, the reduce puts only the CSV together', () => {
    expect(reduceOf(1_000_000, 16, ['json']).reduce).toMatchObject({ written: [], tmpBytes: 0 });
    const csv = reduceOf(1_000_000, 16, ['csv', 'pdf']).reduce;
    expect(csv.assembled.map((report) => report.format)).toEqual(['csv']);
    expect(csv.written).toEqual(['pdf']);
  });

  it('HTML, OCSF and Parquet: written into its /tmp from the JSON parts read back, at the merge rate', () => {
    const { reduce, reports } = reduceOf(1_000_000, 16, ['json', 'csv', 'pdf', 'html', 'ocsf', 'parquet']);
    expect(reduce).toMatchObject({ written: ['pdf', 'html', 'ocsf', 'parquet'], fed: ['html', 'ocsf', 'parquet'], readBytes: 1_000_000 * MEASURED.findingJsonBytes, itemsPerSecond: 20_000 });
    const writtenBytes = reports.pdf! + reports.html! + reports.ocsf! + reports.parquet!;
    expect(reduce.tmpBytes).toBe(writtenBytes);
    expect(reduce.writeSeconds).toBeCloseTo(1_000_000 / 20_000 + (1_000_000 * MEASURED.findingJsonBytes + writtenBytes) / ASSUMED.s3BytesPerSecond, 9);
    expect(reduce.seconds).toBeCloseTo(ASSUMED.reduceBaseSeconds + reduce.assembleSeconds + reduce.writeSeconds, 9);
  });

  it("beyond reduceAudit's /tmp but within Lambda's 10 GiB: raise ephemeralStorageSize", () => {
    const plan = planRun(size(3_000_000), { formats: ['json', 'csv', 'pdf', 'html'], reduceEphemeralMb: 512 });
    expect(plan.reduce!.withinLimits).toBe(true);
    expect(plan.warnings.filter((warning) => /reduce/.test(warning))).toEqual([
      "The reduce needs about 0.7 GiB of /tmp for the reports it writes itself (PDF and HTML), more than reduceAudit's 512 MB (serverless.yml, ephemeralStorageSize): raise it to at least 703 MB (Lambda allows 10,240).",
    ]);
    // The nightly formats need 2 MB there.
    expect(planRun(size(3_000_000), { reduceEphemeralMb: 512 }).warnings.filter((warning) => /reduce/.test(warning))).toEqual([]);
  });

  it("OCSF at 10 M items outgrows Lambda's 10 GiB of /tmp as well as its time: leave it out, the rest fits", () => {
    const plan = planRun(size(10_000_000), { formats: ['json', 'csv', 'pdf', 'ocsf'] });
    expect(plan.reduce!.tmpBytes).toBeGreaterThan(10 * GIB);
    expect(plan.warnings.filter((warning) => /reduce/.test(warning))).toEqual([
      expect.stringMatching(/^The reduce is one Lambda: at 10,000,000 items it needs about \d+ min \(.*, \d+ min to write the OCSF from the JSON parts\) and 12\.1 GiB of \/tmp for the PDF and OCSF, beyond its limits \(15 minutes, 10\.0 GiB of \/tmp\): leave out ocsf for runs this large/),
    ]);
  });

  it('when leaving HTML out is not enough the warning does not offer it', () => {
    // Beyond about 214 M items putting the JSON and CSV together alone outgrows 15 minutes.
    const [tooLarge] = planRun(size(250_000_000), { formats: ['json', 'csv', 'pdf', 'html'] }).warnings.filter((warning) => /reduce/.test(warning));
    expect(tooLarge).toMatch(/: this size cannot be audited in AWS as built\.$/);
    expect(tooLarge).not.toMatch(/leave out/);
  });

  it('a run without history is a dry run: it stores no report, so the reduce puts none together and writes none', () => {
    const { reduce } = reduceOf(100_000_000, 56, ['json', 'csv', 'pdf', 'html'], { history: false });
    expect(reduce).toMatchObject({ storesReports: false, assembled: [], written: [], fed: [], readBytes: 0, tmpBytes: 0, seconds: ASSUMED.reduceBaseSeconds, withinLimits: true });
  });

  it('names formats for people', () => {
    expect(formatNames(['json'])).toBe('JSON');
    expect(formatNames(['json', 'csv'])).toBe('JSON and CSV');
    expect(formatNames(['html', 'ocsf', 'parquet'])).toBe('HTML, OCSF and Parquet');
  });
});
