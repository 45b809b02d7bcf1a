/**
 * One part of an assembled run must give, for its itemId range, what a one-process
 * run gives there: the same report lines (repeated itemIds marked invalid, the first
 * kept), a summary correction that adds up to marking in place (exactly, past 2^53),
 * most serious findings and PDF state that merge into the whole run's; and nothing
 * left behind when it is stopped.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { duplicateOf, markRepeated, absorbDelta, type SummaryDelta } from '../../../lib/audit/phases/markRepeated';
import { recordOf } from '../../../lib/audit/phases/ReportSet';
import { exactCount } from '../../../lib/engine/exactCount';
import type { Finding } from '../../../lib/model';
import { assemblePart, describePart, PART_ASSEMBLIES, partFormats, type PartResult } from '../../../lib/partitioned/assemblePart';
import { BlockWriter, readBlock } from '../../../lib/partitioned/BlockWriter';
import { cutParts, type SortedSource } from '../../../lib/partitioned/cutParts';
import { compareKeys, toJsonLine } from '../../../lib/report/FindingSorter';
import type { FormatId } from '../../../lib/report/formats/formatIds';
import { reportFormats } from '../../../lib/report/formats/reportFormats';
import { MOST_SERIOUS_LIMIT, MostSeriousCollector } from '../../../lib/report/MostSeriousCollector';
import { PdfModelCollector } from '../../../lib/report/pdf/PdfReportModel';
import { emptySummary, tally, type Summary } from '../../../lib/report/ReportModel';
import { tempDir } from '../../helpers/files';
import { before, catalog, DAY, judge, makeItem } from '../../helpers/items';
import { compiledTestWaivers, sqlItem } from '../../helpers/sqlItems';

const BIG = Number.MAX_SAFE_INTEGER;

/** A sorted findings file of these findings (sorted here by itemId, ties in the given order), in small blocks. */
async function sourceOf(findings: readonly Finding[], options: { blockChars?: number; compress?: boolean } = {}): Promise<SortedSource> {
  const path = join(tempDir('assemble-src-'), 'sorted.findings');
  const writer = new BlockWriter(path, { blockChars: options.blockChars ?? 2000, compress: options.compress ?? false });
  const sorted = [...findings].sort((a, b) => compareKeys(a.itemId, b.itemId));
  for (const finding of sorted) await writer.write({ key: finding.itemId, line: toJsonLine(finding) });
  const blocks = await writer.close();
  return { blocks, read: (block) => readBlock(path, block, options.compress ?? false) };
}

/** What a one-process run does with the same sources: merge them (ties in source order), mark every later copy of an itemId in place. */
function wholeRun(sources: readonly (readonly Finding[])[], pdfRows: number) {
  const merged = sources
    .flatMap((findings, s) => findings.map((finding, n) => ({ finding, s, n })))
    .sort((a, b) => compareKeys(a.finding.itemId, b.finding.itemId) || a.s - b.s || a.n - b.n)
    .map(({ finding }) => finding);
  const summary = emptySummary();
  for (const finding of merged) tally(summary, finding);
  const serious = new MostSeriousCollector(MOST_SERIOUS_LIMIT);
  const pdf = new PdfModelCollector(pdfRows);
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const original of merged) {
    const repeated = original.itemId !== null && seen.has(original.itemId);
    if (original.itemId !== null) seen.add(original.itemId);
    const finding = repeated ? markRepeated(summary, original) : original;
    const record = recordOf(toJsonLine(finding), finding);
    serious.offer(record);
    pdf.add(finding);
    lines.push(record.line);
  }
  return { lines, summary, serious: serious.result(), pdf: pdf.toState() };
}

/** The run's summary before repeats are marked (the map phase's), corrected by the parts' deltas as the reduce receives them (JSON). */
function corrected(sources: readonly (readonly Finding[])[], deltas: readonly SummaryDelta[]): Summary {
  const summary = emptySummary();
  for (const finding of sources.flat()) tally(summary, finding);
  for (const delta of deltas) absorbDelta(summary, JSON.parse(JSON.stringify(delta)) as SummaryDelta);
  return summary;
}

const partPaths = (dir: string, part: number) => (format: FormatId) => join(dir, `part-${part}.${reportFormats[format].extension}`);

describe('assemblePart', () => {
  const violation = judge(makeItem({ itemId: 'x', oldestRecordAt: before(40 * DAY), recordCount: 7, bytes: 70 }));
  const compliant = judge(makeItem({ itemId: 'x' }));
  const dueSoon = judge(makeItem({ itemId: 'x', oldestRecordAt: before(6 * DAY) }));
  const other = judge(makeItem({ itemId: 'y' }));

  it('keeps the first copy of an itemId and marks the later ones invalid, in one source and across sources; its delta is −original +invalid', async () => {
    expect([violation.verdict, compliant.verdict, dueSoon.verdict]).toEqual(['violation', 'compliant', 'due-soon']);
    const sources = [[violation, compliant], [dueSoon, other]];
    const dir = tempDir('assemble-');
    const progress: number[] = [];
    const result = await assemblePart({
      part: 0,
      cuts: [],
      sources: await Promise.all(sources.map((findings) => sourceOf(findings))),
      formats: ['json'],
      pdfRowsPerModule: 10,
      pathOf: partPaths(dir, 0),
      onProgress: (done) => progress.push(done),
    });
    const expected = [violation, duplicateOf(compliant), duplicateOf(dueSoon), other].map(toJsonLine);
    expect(JSON.parse(expected[1]!)).toMatchObject({ itemId: 'x', verdict: 'invalid', reason: 'Field itemId repeats x, which another item of this snapshot already uses.' });
    expect(readFileSync(join(dir, 'part-0.json'), 'utf8')).toBe(expected.map((line) => `${line},\n`).join(''));
    expect(result).toMatchObject({ part: 0, status: 'done', findings: 4, bytes: { json: statSync(join(dir, 'part-0.json')).size }, pdf: null });
    expect(progress.at(-1)).toBe(4);
    const bySeverity = emptySummary().bySeverity;
    bySeverity[compliant.severity] -= 1;
    bySeverity[dueSoon.severity] -= 1;
    bySeverity.medium += 2;
    expect(result.delta).toEqual({
      items: 0,
      byVerdict: { ...emptySummary().byVerdict, compliant: -1, 'due-soon': -1, invalid: 2 },
      bySeverity,
      specialCategoryViolations: 0,
      recordsPastDeadline: '0',
      bytesPastDeadline: '0',
      byModule: { 'instant-messaging': { items: 0, violations: 0, dueSoon: -1 } },
    });
    expect(corrected(sources, [result.delta])).toEqual(wholeRun(sources, 10).summary);
  });

  it('corrects sums past deadline exactly beyond 2^53', async () => {
    const big = (itemId: string) => judge(makeItem({ itemId, oldestRecordAt: before(400 * DAY), recordCount: BIG, bytes: BIG }));
    const sources = [[big('big'), big('big'), big('c')], [big('big'), big('a')]];
    const result = await assemblePart({ part: 0, cuts: [], sources: await Promise.all(sources.map((findings) => sourceOf(findings))), formats: ['json'], pdfRowsPerModule: 10, pathOf: partPaths(tempDir('assemble-'), 0) });
    expect(result.delta).toMatchObject({ recordsPastDeadline: String(-2n * BigInt(BIG)), bytesPastDeadline: String(-2n * BigInt(BIG)), byVerdict: { violation: -2, invalid: 2 } });
    const summary = corrected(sources, [result.delta]);
    const inPlace = wholeRun(sources, 10).summary;
    expect(summary).toEqual(inPlace);
    expect([exactCount(summary, 'recordsPastDeadline'), exactCount(summary, 'bytesPastDeadline')]).toEqual([3n * BigInt(BIG), 3n * BigInt(BIG)]);
    expect(exactCount(inPlace, 'recordsPastDeadline')).toBe(3n * BigInt(BIG));
  });

  it('over several parts gives the one-process lines, summary, most serious findings and PDF model', async () => {
    const waivers = compiledTestWaivers();
    const items = fc.sample(sqlItem(catalog(), 30), { numRuns: 600, seed: 4242 });
    const findings = items.map((item, i) => {
      // Counts below 2^40: the PDF model sums tenants' records and pairs' records and bytes as doubles
      // (exact only below 2^53); the summary's sums past 2^53 are tested above.
      for (const field of ['recordCount', 'bytes']) if (typeof item[field] === 'number' && (item[field] as number) > 2 ** 40) item[field] = 2 ** 40;
      // Repeats within and across sources (the sources below are dealt i % 3), some new violations for the PDF.
      if (i % 7 === 6) item.itemId = items[i - 4]!.itemId;
      if (i % 11 === 10) item.itemId = items[i - 10]!.itemId;
      const finding = judge(item, { waivers });
      return i % 5 === 0 ? { ...finding, status: 'new' as const } : finding;
    });
    const sources = [0, 1, 2].map((s) => findings.filter((_, i) => i % 3 === s));
    const pdfRows = 4;
    const whole = wholeRun(sources, pdfRows);
    expect(whole.lines.filter((line) => line.includes('Field itemId repeats')).length).toBeGreaterThan(50);
    expect(whole.serious).toHaveLength(MOST_SERIOUS_LIMIT);

    const sorted = await Promise.all(sources.map((list, s) => sourceOf(list, { blockChars: 3000, compress: s === 1 })));
    const parts = 5;
    const cuts = cutParts(sorted.map((source) => source.blocks), parts);
    expect(cuts).toHaveLength(parts - 1);
    const dir = tempDir('assemble-');
    const results: PartResult[] = [];
    for (let part = 0; part < parts; part += 1) {
      results.push(await assemblePart({ part, cuts, sources: sorted, formats: ['json', 'csv', 'pdf'], pdfRowsPerModule: pdfRows, pathOf: partPaths(dir, part) }));
    }
    const read = (part: number, extension: string) => readFileSync(join(dir, `part-${part}.${extension}`));

    expect(results.reduce((sum, result) => sum + result.findings, 0)).toBe(findings.length);
    expect(Buffer.concat(results.map((_, part) => read(part, 'json'))).toString('utf8')).toBe(whole.lines.map((line) => `${line},\n`).join(''));
    for (const [part, result] of results.entries()) expect(result.bytes).toEqual({ json: read(part, 'json').length, csv: read(part, 'csv').length });
    // The CSV parts put together are the rows one CSV part of every finding holds.
    const onePart = reportFormats.csv.assembly!.createPart(join(dir, 'whole.csv'));
    for (const line of whole.lines) await onePart.write(recordOf(line));
    await onePart.close();
    expect(Buffer.concat(results.map((_, part) => read(part, 'csv'))).equals(readFileSync(join(dir, 'whole.csv')))).toBe(true);

    expect(corrected(sources, results.map((result) => result.delta))).toEqual(whole.summary);
    const serious = new MostSeriousCollector(MOST_SERIOUS_LIMIT);
    for (const result of results) for (const line of result.serious) serious.offer(recordOf(line));
    expect(serious.result()).toEqual(whole.serious);
    const pdf = new PdfModelCollector(pdfRows);
    for (const result of results) pdf.absorb(JSON.parse(JSON.stringify(result.pdf)));
    expect(pdf.toState()).toEqual(whole.pdf);
  });

  it('writes a part only for the formats put together from parts, JSON always', async () => {
    expect(partFormats(['pdf', 'csv', 'html', 'ocsf', 'parquet'])).toEqual(['json', 'csv']);
    expect(describePart(2, 8)).toBe('Report part 3 of 8');
    const dir = tempDir('assemble-');
    const asked: FormatId[] = [];
    const result = await assemblePart({
      part: 0,
      cuts: [],
      sources: [await sourceOf([violation, other])],
      formats: ['pdf', 'html', 'ocsf', 'parquet'],
      pdfRowsPerModule: 10,
      pathOf: (format) => (asked.push(format), partPaths(dir, 0)(format)),
    });
    expect(asked).toEqual(['json']);
    expect(readdirSync(dir)).toEqual(['part-0.json']);
    expect(Object.keys(result.bytes)).toEqual(['json']);
    expect(result.pdf).not.toBeNull();
  });

  it('stops when its signal is aborted, and removes its part files', async () => {
    const findings = Array.from({ length: 200 }, (_, i) => judge(makeItem({ itemId: `i-${String(i).padStart(3, '0')}`, oldestRecordAt: before(40 * DAY) })));
    const source = await sourceOf(findings, { blockChars: 500 });
    expect(source.blocks.length).toBeGreaterThan(3);

    const dir = tempDir('assemble-');
    const aborted = new AbortController();
    aborted.abort();
    await expect(assemblePart({ part: 0, cuts: [], sources: [source], formats: ['json', 'csv'], pdfRowsPerModule: 10, pathOf: partPaths(dir, 0), signal: aborted.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(readdirSync(dir)).toEqual([]);

    // Aborted half way: once the first block has been read.
    const midway = new AbortController();
    const stopping: SortedSource = {
      blocks: source.blocks,
      async *read(block) {
        yield* source.read(block);
        if (block === source.blocks[0]) midway.abort();
      },
    };
    const later = tempDir('assemble-');
    await expect(assemblePart({ part: 0, cuts: [], sources: [stopping], formats: ['json', 'csv'], pdfRowsPerModule: 10, pathOf: partPaths(later, 0), signal: midway.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(midway.signal.aborted).toBe(true);
    expect(existsSync(join(later, 'part-0.json')) || existsSync(join(later, 'part-0.csv'))).toBe(false);
  });
});

describe('the formats put together from parts', () => {
  it('are the registry\'s formats with an assembly, each with its own', () => {
    const assembled = (Object.keys(reportFormats) as (keyof typeof reportFormats)[]).filter((format) => reportFormats[format].assembly);
    expect(Object.keys(PART_ASSEMBLIES).sort()).toEqual(assembled.sort());
    for (const format of assembled) expect(PART_ASSEMBLIES[format]).toBe(reportFormats[format].assembly);
  });
});
