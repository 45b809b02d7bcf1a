/**
 * Grouping a run's findings by owner (lib/delivery/ownerFindings.ts): which owners may be
 * mailed (normalised, validated, allowlisted by address or domain, capped per run), what
 * each owner's mail lists and their CSV holds, and that every finding calling for action
 * is either an owner's or counted.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import {
  DISTINCT_LIMIT,
  normalizeOwner,
  ownerAllowed,
  ownerFindings,
  parseOwnerAllowlist,
  writeOwnerCsv,
  type OwnerFindings,
  type OwnerFindingsOptions,
} from '../../../lib/delivery/ownerFindings';
import type { Finding } from '../../../lib/model';
import { toJsonLine } from '../../../lib/report/FindingSorter';
import { jsonFormat } from '../../../lib/report/formats/jsonFormat';
import type { ReportContext } from '../../../lib/report/formats/ReportFormat';
import { emptySummary, type ReportHead } from '../../../lib/report/ReportModel';
import { tempDir } from '../../helpers/files';
import { before, DAY, judge, makeItem } from '../../helpers/items';

const HEAD: ReportHead = {
  schemaVersion: '1.1',
  run: { id: 'audit-owners', trigger: 'cli', startedAt: '', finishedAt: '', snapshotId: 'snap-test', snapshotCapturedAt: null, catalogVersion: 'sha256:0', source: 't', graceDays: 30 },
  summary: emptySummary(),
};

/** A JSON report written by the real writer, holding `findings`. */
async function reportOf(findings: readonly Finding[]): Promise<string> {
  const path = join(tempDir('owners-'), 'audit-owners.json');
  const writer = jsonFormat.create(path, null, {} as ReportContext);
  for (const finding of findings) await writer.write({ line: toJsonLine(finding), finding: () => finding });
  await writer.finish(HEAD, { jsonSha256: null, async *resolved() {} });
  return path;
}

let counter = 0;
const id = () => `item-${String((counter += 1)).padStart(6, '0')}`;
/** A violation of the 7-day log clause, `overdue` days past it (3: medium, 40: high, 100: critical). */
const violation = (owner: string | undefined, overdue = 3, extra = {}) => judge(makeItem({ itemId: id(), owner, oldestRecordAt: before((7 + overdue) * DAY), ...extra }));
const dueSoon = (owner: string | undefined) => judge(makeItem({ itemId: id(), owner, oldestRecordAt: before(6 * DAY) }));
const compliant = (owner: string | undefined) => judge(makeItem({ itemId: id(), owner }));
/** `n` copies of a finding under new itemIds (judging 20,000 items would only slow the test). */
const copies = (n: number, finding: Finding, owner = (_i: number) => finding.owner): Finding[] => Array.from({ length: n }, (_, i) => ({ ...finding, itemId: id(), owner: owner(i) }));

const options = (overrides: Partial<OwnerFindingsOptions> = {}): OwnerFindingsOptions => ({
  allowlist: parseOwnerAllowlist('@example.com, partner@vendor.test'),
  maxOwners: 200,
  maxListed: 50,
  maxCsvRows: 10_000,
  tmpRoot: tempDir('owners-tmp-'),
  ...overrides,
});

const grouped: OwnerFindings[] = [];
async function group(findings: readonly Finding[], overrides: Partial<OwnerFindingsOptions> = {}): Promise<OwnerFindings> {
  const result = await ownerFindings(await reportOf(findings), options(overrides));
  grouped.push(result);
  return result;
}
afterAll(async () => {
  for (const result of grouped) await result.cleanup();
});

describe('owner addresses', () => {
  it('are trimmed, their domain lower-cased, their local part kept as written', () => {
    expect(normalizeOwner('  Alice.Smith+audit@Example.COM\t')).toBe('Alice.Smith+audit@example.com');
    expect(normalizeOwner("o'brien@sub.example.co.uk")).toBe("o'brien@sub.example.co.uk");
    expect(normalizeOwner('ops@xn--bcher-kva.example')).toBe('ops@xn--bcher-kva.example');
  });

  it.each([
    ['no at sign', 'alice'],
    ['two recipients', 'alice@example.com, eve@evil.test'],
    ['a display name', 'Alice <alice@example.com>'],
    ['a header break', 'alice@example.com\r\nBcc: eve@evil.test'],
    ['two at signs', 'a@b@example.com'],
    ['an IP literal', 'root@[127.0.0.1]'],
    ['a numeric top label', 'root@10.0.0.1'],
    ['a single-label domain', 'root@localhost'],
    ['a quoted local part', '"a b"@example.com'],
    // A relay honouring the percent hack would deliver it to evil.test, past an @example.com allowlist.
    ['a percent-hack route', 'eve%evil.test@example.com'],
    ['a dot at the start', '.alice@example.com'],
    ['a unicode domain', 'ops@bücher.example'],
    ['too long', `${'a'.repeat(65)}@example.com`],
    ['empty', '   '],
  ])('refuse %s', (_why, value) => {
    expect(normalizeOwner(value)).toBeNull();
  });
});

describe('the owner allowlist', () => {
  const allowlist = parseOwnerAllowlist('@Example.com ops@Partner.test,\n@eu.example.net');

  it('admits exact addresses and whole domains, the domain in any case', () => {
    expect(ownerAllowed(allowlist, 'anyone@example.com')).toBe(true);
    expect(ownerAllowed(allowlist, 'ops@partner.test')).toBe(true);
    expect(ownerAllowed(allowlist, 'x@eu.example.net')).toBe(true);
  });

  it('admits nothing else: not a subdomain, not a parent domain, not another local part, not another case of it', () => {
    expect(ownerAllowed(allowlist, 'anyone@eu.example.com')).toBe(false);
    expect(ownerAllowed(allowlist, 'anyone@example.net')).toBe(false);
    expect(ownerAllowed(allowlist, 'dev@partner.test')).toBe(false);
    expect(ownerAllowed(allowlist, 'OPS@partner.test')).toBe(false);
  });

  it('empty admits nobody; a bad entry fails with one sentence naming it', () => {
    expect(ownerAllowed(parseOwnerAllowlist(''), 'a@example.com')).toBe(false);
    expect(() => parseOwnerAllowlist('@example.com, *')).toThrow('Owner allowlist entry "*" is neither an address (alice@example.com) nor a domain (@example.com).');
    expect(() => parseOwnerAllowlist(['example.com'])).toThrow(/"example.com" is neither/);
    expect(() => parseOwnerAllowlist(['@localhost'])).toThrow(/"@localhost"/);
  });
});

describe('ownerFindings', () => {
  it("groups each admitted owner's violations and due-soon findings, and counts every other finding calling for action", async () => {
    const result = await group([
      violation('alice@example.com', 100),
      violation(' alice@EXAMPLE.com ', 3), // another spelling of the domain: the same owner
      dueSoon('alice@example.com'),
      compliant('alice@example.com'),
      violation('partner@vendor.test', 40),
      compliant('quiet@example.com'), // nothing to act on: no mail
      violation(undefined),
      dueSoon('  '),
      violation('alice@example.com, eve@evil.test'),
      violation('not an address'),
      violation('eve@evil.test'),
      dueSoon('eve@evil.test'),
      violation('other@vendor.test'),
    ]);
    expect(result.owners.map((o) => [o.address, o.violations, o.dueSoon])).toEqual([
      ['alice@example.com', 2, 1],
      ['partner@vendor.test', 1, 0],
    ]);
    expect(result.unowned).toBe(2);
    expect(result.invalid).toEqual({ owners: 2, atLeast: false, findings: 2, examples: ['alice@example.com, eve@evil.test', 'not an address'] });
    expect(result.notAllowed).toEqual({ owners: 2, atLeast: false, findings: 3, examples: ['eve@evil.test', 'other@vendor.test'] });
    expect(result.overCap.findings).toBe(0);
  });

  it("keeps each owner's most serious first, with the engine's reason and the clause's words", async () => {
    const result = await group([violation('a@example.com', 3), dueSoon('a@example.com'), violation('a@example.com', 100, { recordCount: 7, bytes: 700 }), violation('a@example.com', 40)]);
    const [owner] = result.owners;
    expect(owner!.listed.map((f) => [f.verdict, f.severity])).toEqual([
      ['violation', 'critical'],
      ['violation', 'high'],
      ['violation', 'medium'],
      ['due-soon', 'low'],
    ]);
    expect(owner!.listed[0]).toMatchObject({ overdueDays: 100, clause: { text: 'Stored for 7 days.' }, reason: expect.stringMatching(/^The oldest record, created on .* is 100 days past its 7-day retention period/) });
    expect(owner!.recordsPastDeadline).toBe(10 + 7 + 10);
    expect(owner!.bytesPastDeadline).toBe(1000 + 700 + 1000);
  });

  it('writes the CSV with the columns of the run CSV, violations first and the most severe first', async () => {
    const result = await group([dueSoon('a@example.com'), violation('a@example.com', 3), violation('a@example.com', 100), violation('a@example.com', 40, { tenantId: '=HYPERLINK("http://x")' })]);
    const path = join(tempDir(), 'owner.csv');
    expect(await writeOwnerCsv(result.owners[0]!, path, HEAD)).toBe(4);
    const text = readFileSync(path, 'utf8');
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.verdict, r.severity])).toEqual([
      ['violation', 'critical'],
      ['violation', 'high'],
      ['violation', 'medium'],
      ['due-soon', 'low'],
    ]);
    expect(text.split('\n')[0]).toMatch(/^itemId,snapshotId,tenantId,module,dataCategory,.*,owner,.*,reason,clauseSource,clauseSection,clauseText$/);
    expect(rows[1]!.tenantId).toBe(`'=HYPERLINK("http://x")`);
    expect(rows.every((r) => r.owner === 'a@example.com')).toBe(true);
  });

  it('an owner with 20,000 findings: 50 listed, 10,000 CSV rows (the most severe), the rest counted', async () => {
    const findings = [
      ...copies(8_000, violation('big@example.com', 3)),
      ...copies(6_000, dueSoon('big@example.com')),
      ...copies(5_000, violation('big@example.com', 40)),
      ...copies(1_000, violation('big@example.com', 100)),
    ];
    const result = await group(findings);
    const [owner] = result.owners;
    expect(owner).toMatchObject({ violations: 14_000, dueSoon: 6_000, csvRows: 10_000, csvOmitted: 10_000 });
    expect(owner!.listed).toHaveLength(50);
    expect(owner!.listed.every((f) => f.severity === 'critical')).toBe(true);
    const path = join(tempDir(), 'owner.csv');
    expect(await writeOwnerCsv(owner!, path, HEAD)).toBe(10_000);
    const rows = parse(readFileSync(path, 'utf8'), { columns: true }) as Record<string, string>[];
    const bySeverity = rows.reduce<Record<string, number>>((n, r) => ({ ...n, [r.severity!]: (n[r.severity!] ?? 0) + 1 }), {});
    expect(bySeverity).toEqual({ critical: 1_000, high: 5_000, medium: 4_000 });
  });

  it('mails at most maxOwners owners, in the order they first appear; the others are counted', async () => {
    const result = await group([violation('a@example.com'), violation('b@example.com'), violation('c@example.com'), dueSoon('a@example.com'), violation('d@example.com'), violation('c@example.com')], { maxOwners: 2 });
    expect(result.owners.map((o) => o.address)).toEqual(['a@example.com', 'b@example.com']);
    expect(result.overCap).toEqual({ owners: 2, atLeast: false, findings: 3, examples: ['c@example.com', 'd@example.com'] });
  });

  it('keeps hostile owner values short and printable in its counts', async () => {
    const result = await group([violation(`\u001b[2J${'x'.repeat(1000)}`)]);
    expect(result.invalid.examples[0]).toMatch(/^\\x1b\[2Jx+…$/);
    expect(result.invalid.examples[0]!.length).toBe(120);
  });

  it('counts at most DISTINCT_LIMIT distinct owners exactly, then says "at least"', async () => {
    const findings = copies(DISTINCT_LIMIT + 5, violation(undefined), (i) => `user${i}@elsewhere.test`);
    const result = await group(findings);
    expect(result.notAllowed).toMatchObject({ owners: DISTINCT_LIMIT, atLeast: true, findings: DISTINCT_LIMIT + 5 });
    expect(result.notAllowed.examples).toHaveLength(10);
  });

  it('reads a report without findings, and refuses a cut one', async () => {
    const empty = await group([]);
    expect(empty.owners).toEqual([]);
    const path = await reportOf([violation('a@example.com'), violation('a@example.com')]);
    const text = readFileSync(path, 'utf8');
    const end = text.indexOf('\n],\n"resolved"');
    writeFileSync(path, text.slice(0, end - 10));
    await expect(ownerFindings(path, options())).rejects.toThrow(/^Line \d+ of the JSON report .* is not a finding: /);
    writeFileSync(path, text.slice(0, end + 1));
    await expect(ownerFindings(path, options())).rejects.toThrow(/ends before its findings do/);
  });

  it('cleanup() removes every temporary file', async () => {
    const result = await ownerFindings(await reportOf([violation('a@example.com')]), options());
    const part = result.owners[0]!.csvParts[0]!;
    expect(existsSync(part)).toBe(true);
    await result.cleanup();
    expect(existsSync(result.owners[0]!.dir)).toBe(false);
  });
});
