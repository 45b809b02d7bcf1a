/**
 * A partitioned run writes the JSON and CSV reports in parts (ReportFormat.assembly):
 * head + parts (the last non-empty one trimmed) + tail must be, byte for byte, the
 * file the format's own writer makes of the same findings, head and resolved findings.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from '../../../../lib/model';
import { toJsonLine } from '../../../../lib/report/FindingSorter';
import { csvFormat } from '../../../../lib/report/formats/csvFormat';
import { jsonFormat } from '../../../../lib/report/formats/jsonFormat';
import type { FindingRecord, FinishedReports, ReportContext, ReportFormat } from '../../../../lib/report/formats/ReportFormat';
import { emptySummary, type ReportHead, type ResolvedFinding } from '../../../../lib/report/ReportModel';
import { tempDir } from '../../../helpers/files';
import { before, CAPTURED, DAY, judge, makeItem } from '../../../helpers/items';
import { random } from '../../../../bench/syntheticInventory';

const pick = <T>(rng: () => number, values: readonly T[]): T => values[Math.floor(rng() * values.length)]!;
const int = (rng: () => number, max: number) => Math.floor(rng() * (max + 1));

/** Texts that CSV quotes or guards, multi-byte UTF-8, controls, and plain ones. */
const TEXTS = ['tenant-a', 'a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', '=1+1', ' @SUM(A1)', 'é', '日本語', '😀 emoji', '\u0000ctl', 'abc\u202egpj', ''];

const BASES: Finding[] = [
  judge(makeItem({ oldestRecordAt: before(400 * DAY) })),
  judge(makeItem()),
  judge(makeItem({ module: 'no-such-module' })),
  judge(makeItem({ recordCount: -1 })),
];

function findingsOf(rng: () => number, count: number): FindingRecord[] {
  return Array.from({ length: count }, (_, index) => {
    const finding: Finding = {
      ...pick(rng, BASES),
      itemId: rng() < 0.05 ? null : `item-${String(index).padStart(6, '0')}-${pick(rng, TEXTS)}`,
      tenantId: rng() < 0.1 ? null : pick(rng, TEXTS),
      owner: pick(rng, TEXTS),
      reason: `${pick(rng, TEXTS)} ${'x'.repeat(int(rng, 300))}`,
    };
    const line = toJsonLine(finding);
    return { line, finding: () => JSON.parse(line) as Finding };
  });
}

function resolvedOf(rng: () => number, count: number): ResolvedFinding[] {
  return Array.from({ length: count }, (_, index) => ({
    fingerprint: `fp-${index}`,
    itemId: `gone-${index}-${pick(rng, TEXTS)}`,
    tenantId: pick(rng, TEXTS),
    module: 'instant-messaging',
    dataCategory: 'log-data',
    resource: rng() < 0.2 ? null : pick(rng, TEXTS),
    previousVerdict: 'violation',
    status: 'resolved',
    firstSeenAt: CAPTURED,
    resolvedAt: CAPTURED,
    daysOpen: rng() < 0.2 ? null : int(rng, 90),
  }));
}

function headWith(warnings: string[], items: number): ReportHead {
  return {
    schemaVersion: '1.1',
    run: {
      id: 'run-1',
      trigger: 'cli',
      startedAt: CAPTURED,
      finishedAt: CAPTURED,
      snapshotId: 'snap-test',
      snapshotCapturedAt: CAPTURED,
      catalogVersion: 'test',
      source: 'inventory.ndjson',
      graceDays: 30,
    },
    summary: { ...emptySummary(), items, warnings },
    changes: null,
  };
}

/** A warning of about `bytes` bytes of UTF-8, `é` making them more than its characters. */
const bulk = (bytes: number) => 'é'.repeat(bytes / 4) + 'w'.repeat(bytes / 2);

/** The head as known when findings start, and the final one: both of the writer's cases (fits its space, outgrows it). */
const HEADS: Record<string, { draft: ReportHead | null; head: ReportHead; fits: boolean }> = {
  'head fits the draft’s space': { draft: headWith([], 0), head: headWith(['a late warning'], 123_456), fits: true },
  'no draft, head fits': { draft: null, head: headWith(['w'], 7), fits: true },
  'head outgrows the draft’s space': { draft: headWith([], 0), head: headWith([bulk(80_000)], 9), fits: false },
  'no draft, head outgrows': { draft: null, head: headWith([bulk(70_000)], 9), fits: false },
  'large draft, head fits its slack': { draft: headWith([bulk(90_000)], 1), head: headWith([bulk(90_000), 'one more'], 2), fits: true },
  'large draft, head outgrows its slack': { draft: headWith([bulk(90_000)], 1), head: headWith([bulk(90_000), bulk(8_000)], 2), fits: false },
};

it.each(Object.entries(HEADS))('the JSON head, %s: padded when it fits, as it is when it outgrows', (_name, { draft, head, fits }) => {
  const text = jsonFormat.assembly!.head(draft, head).toString('utf8');
  expect(text.endsWith('\n"findings":[\n')).toBe(true);
  expect(/ +\n"findings":\[\n$/.test(text)).toBe(fits);
  expect(JSON.parse(`${text}]}`).summary.items).toBe(head.summary.items);
});

const finishedOf = (resolved: ResolvedFinding[]): FinishedReports => ({
  jsonSha256: null,
  async *resolved() {
    yield* resolved;
  },
});

/** Cut points into `parts` slices of `count` findings; `shape` forces empty slices where the reduce meets them. */
function slicesOf<T>(rng: () => number, records: T[], parts: number, shape: 'random' | 'first empty' | 'last empty' | 'middle empty'): T[][] {
  const cuts = Array.from({ length: parts - 1 }, () => int(rng, records.length)).sort((a, b) => a - b);
  if (shape === 'first empty' && cuts.length > 0) cuts[0] = 0;
  if (shape === 'last empty' && cuts.length > 0) cuts[cuts.length - 1] = records.length;
  if (shape === 'middle empty' && cuts.length > 1) cuts[1] = cuts[0]!;
  const bounds = [0, ...cuts, records.length];
  return bounds.slice(1).map((end, index) => records.slice(bounds[index], end));
}

async function writeWhole(format: ReportFormat, dir: string, draft: ReportHead | null, head: ReportHead, records: FindingRecord[], resolved: ResolvedFinding[]): Promise<Buffer> {
  const path = join(dir, `whole.${format.extension}`);
  const writer = format.create(path, draft, {} as ReportContext);
  for (const record of records) await writer.write(record);
  await writer.finish(head, finishedOf(resolved));
  return readFileSync(path);
}

/** What the reduce does: head, the parts in order with the last non-empty one trimmed, the tail. */
async function writeAssembled(format: ReportFormat, dir: string, draft: ReportHead | null, head: ReportHead, slices: FindingRecord[][], resolved: ResolvedFinding[]): Promise<Buffer> {
  const assembly = format.assembly!;
  const parts: Buffer[] = [];
  for (const [index, slice] of slices.entries()) {
    const path = join(dir, `part-${index}.${format.extension}`);
    const part = assembly.createPart(path);
    for (const record of slice) await part.write(record);
    const { bytes } = await part.close();
    parts.push(readFileSync(path));
    expect(parts.at(-1)!.length).toBe(bytes);
  }
  const last = parts.findLastIndex((part) => part.length > 0);
  const trimmed = parts.map((part, index) => (index === last ? part.subarray(0, part.length - assembly.trimLast) : part));
  const tailPath = join(dir, `tail.${format.extension}`);
  const tailBytes = await assembly.writeTail(tailPath, head, finishedOf(resolved));
  const tail = readFileSync(tailPath);
  expect(tail.length).toBe(tailBytes);
  return Buffer.concat([assembly.head(draft, head), ...trimmed, tail]);
}

async function expectSameBytes(format: ReportFormat, seed: number, options: { count: number; parts: number; shape: Parameters<typeof slicesOf>[3]; heads: string; resolved: number }) {
  const rng = random(seed);
  const records = findingsOf(rng, options.count);
  const resolved = resolvedOf(rng, options.resolved);
  const { draft, head } = HEADS[options.heads]!;
  const dir = tempDir('report-parts-');
  const whole = await writeWhole(format, dir, draft, head, records, resolved);
  const assembled = await writeAssembled(format, dir, draft, head, slicesOf(rng, records, options.parts, options.shape), resolved);
  expect(assembled.length).toBe(whole.length);
  expect(assembled.equals(whole)).toBe(true);
}

const CASES: [string, { count: number; parts: number; shape: Parameters<typeof slicesOf>[3]; heads: string; resolved: number }][] = [
  ['no findings, one empty part', { count: 0, parts: 1, shape: 'random', heads: 'head fits the draft’s space', resolved: 0 }],
  ['no findings, every part empty, resolved findings', { count: 0, parts: 4, shape: 'random', heads: 'no draft, head fits', resolved: 3 }],
  ['no findings, head outgrows', { count: 0, parts: 3, shape: 'random', heads: 'head outgrows the draft’s space', resolved: 2 }],
  ['one finding in the last of three parts', { count: 1, parts: 3, shape: 'last empty', heads: 'no draft, head outgrows', resolved: 0 }],
  ['first part empty', { count: 40, parts: 3, shape: 'first empty', heads: 'head fits the draft’s space', resolved: 5 }],
  ['last part empty (the trim falls on the one before)', { count: 40, parts: 4, shape: 'last empty', heads: 'head outgrows the draft’s space', resolved: 0 }],
  ['a part empty in the middle', { count: 60, parts: 5, shape: 'middle empty', heads: 'large draft, head fits its slack', resolved: 1 }],
  ['batches of rows across parts', { count: 1_300, parts: 6, shape: 'random', heads: 'large draft, head outgrows its slack', resolved: 700 }],
  ['one part holds everything', { count: 800, parts: 1, shape: 'random', heads: 'no draft, head outgrows', resolved: 0 }],
];

describe.each([jsonFormat, csvFormat])('$extension report in parts', (format) => {
  it.each(CASES)('%s: the same bytes as the writer', async (_name, options) => {
    await expectSameBytes(format, 7, options);
  });

  it.each(Object.keys(HEADS))('random findings and cuts, %s: the same bytes as the writer', async (heads) => {
    for (let seed = 1; seed <= 12; seed += 1) {
      const rng = random(seed * 7919);
      const shape = pick(rng, ['random', 'first empty', 'last empty', 'middle empty'] as const);
      await expectSameBytes(format, seed, { count: pick(rng, [0, 1, 2, int(rng, 60), int(rng, 1_200)]), parts: 1 + int(rng, 5), shape, heads, resolved: pick(rng, [0, 0, 1, int(rng, 600)]) });
    }
  });

  it('a part aborted, open or closed, leaves no file and never throws', async () => {
    const dir = tempDir('report-parts-');
    const [record] = findingsOf(random(1), 1);
    const open = format.assembly!.createPart(join(dir, 'open'));
    await open.write(record!);
    await open.abort();
    await open.abort();
    const closed = format.assembly!.createPart(join(dir, 'closed'));
    await closed.write(record!);
    await closed.close();
    await closed.abort();
    expect(existsSync(join(dir, 'open'))).toBe(false);
    expect(existsSync(join(dir, 'closed'))).toBe(false);
  });

  it('a tail whose resolved findings fail to read is removed, and the failure told', async () => {
    const dir = tempDir('report-parts-');
    const failing: FinishedReports = {
      jsonSha256: null,
      async *resolved() {
        yield* resolvedOf(random(2), 1);
        throw new Error('resolved findings unreadable');
      },
    };
    await expect(format.assembly!.writeTail(join(dir, 'tail'), headWith([], 0), failing)).rejects.toThrow('resolved findings unreadable');
    expect(existsSync(join(dir, 'tail'))).toBe(false);
  });
});

it('a JSON part is each finding line followed by ",\\n", cut once from the last non-empty part', async () => {
  expect(jsonFormat.assembly!.trimLast).toBe(2);
  expect(csvFormat.assembly!.trimLast).toBe(0);
  const dir = tempDir('report-parts-');
  const part = jsonFormat.assembly!.createPart(join(dir, 'part'));
  await part.write({ line: '{"itemId":"a"}', finding: () => ({}) as Finding });
  await part.write({ line: '{"itemId":"é"}', finding: () => ({}) as Finding });
  expect(await part.close()).toEqual({ bytes: 33 });
  expect(readFileSync(join(dir, 'part'), 'utf8')).toBe('{"itemId":"a"},\n{"itemId":"é"},\n');
});
