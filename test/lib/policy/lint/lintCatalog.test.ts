/**
 * `policy lint` (lib/policy/lint/lintCatalog.ts): each kind of problem provoked on a
 * temporary copy of the shipped catalog, and found as one problem at its JSON path.
 */
import { appendFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_POLICIES_DIR } from '../../../../lib/catalog/loadCatalog';
import { InputError } from '../../../../lib/errors';
import { formatProblem, type LintProblem } from '../../../../lib/policy/lint/LintProblem';
import { sha256Hex } from '../../../../lib/policy/lint/checkSource';
import { lintCatalog } from '../../../../lib/policy/lint/lintCatalog';
import { normalizeWhitespace } from '../../../../lib/policy/lint/normalizeWhitespace';
import { tempDir } from '../../../helpers/files';

/** A copy of the shipped policies (rule files and sources). */
function copyOfCatalog(): string {
  const dir = tempDir('lint-');
  cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true });
  return dir;
}

/** Edits one rule file of the copy as parsed JSON. */
function edit(dir: string, module: string, change: (data: any) => void): void {
  const file = join(dir, `${module}.json`);
  const data = JSON.parse(readFileSync(file, 'utf8'));
  change(data);
  writeFileSync(file, JSON.stringify(data, null, 2));
}

const IM = 'instant-messaging';
const IM_SOURCE = 'sources/003_1f8b3763d6817eed.txt';

/** Re-records the hash of the instant-messaging source after the test changed it. */
function rehash(dir: string): void {
  const hash = sha256Hex(readFileSync(join(dir, IM_SOURCE)));
  edit(dir, IM, (d) => (d.sourceSha256 = hash));
}

const lines = (problems: LintProblem[]) => problems.map(formatProblem);

describe('lintCatalog', () => {
  // The shipped catalog stays in step with its sources: this is how CI (npm test) runs `policy lint`.
  it('finds nothing in the shipped policies', () => {
    const result = lintCatalog(DEFAULT_POLICIES_DIR);
    expect(lines(result.problems)).toEqual([]);
    expect(result).toMatchObject({ files: 6, sources: 5 });
  });

  const cases: [string, (dir: string) => void, RegExp][] = [
    ['a citation not verbatim in its source', (dir) => edit(dir, IM, (d) => (d.clauses[0].text = 'Stored for 8 days.')), /instant-messaging\.json:\/clauses\/0\/text: "Stored for 8 days\." is not verbatim in sources\/003_1f8b3763d6817eed\.txt$/],
    ['a context not verbatim in its source', (dir) => edit(dir, IM, (d) => (d.clauses[1].context = 'Our own note.')), /:\/clauses\/1\/context: "Our own note\." is not verbatim/],
    ['a source changed since import', (dir) => appendFileSync(join(dir, IM_SOURCE), '\nA new paragraph.\n'), /instant-messaging\.json:\/sourceSha256: sources\/003_1f8b3763d6817eed\.txt changed since import \(recorded 9e27d4bd5134…, now [0-9a-f]{12}…\)/],
    ['a missing source file', (dir) => rmSync(join(dir, IM_SOURCE)), /instant-messaging\.json:\/source: the source document sources\/003_1f8b3763d6817eed\.txt is missing$/],
    ['a missing source hash', (dir) => edit(dir, IM, (d) => delete d.sourceSha256), /instant-messaging\.json:\/sourceSha256: missing: record the SHA-256 of sources\/003_1f8b3763d6817eed\.txt \("sourceSha256": "9e27d4bd/],
    ['a source that is a path, not a file name', (dir) => edit(dir, IM, (d) => (d.source = '../secrets.txt')), /:\/source: "\.\.\/secrets\.txt" is not a file name in sources\/$/],
    [
      'a category without a clause',
      (dir) => edit(dir, IM, (d) => (d.categories['audit-data'] = { name: 'Audit Data', sensitivity: 'personal' })),
      /:\/categories\/audit-data: no clause governs this category/,
    ],
    ['a clause naming an undeclared category', (dir) => edit(dir, IM, (d) => d.clauses[0].categories.push('logs')), /:\/clauses\/0\/categories\/1: names the undeclared data category "logs"$/],
    ['a clause naming an undeclared event', (dir) => edit(dir, IM, (d) => d.clauses[2].events.push('domainExpiredAt')), /:\/clauses\/2\/events\/2: names the undeclared event "domainExpiredAt"/],
    [
      'two clauses giving different periods for one category and event',
      (dir) =>
        edit(dir, IM, (d) =>
          d.clauses.push({ ...d.clauses[2], id: 'another-period', period: { days: 30 }, events: ['accountDeletedAt'] }),
        ),
      /:\/clauses\/3\/period: gives "configuration-data" 30 days after accountDeletedAt, but clause "2-months-after-termination" gives 2 months$/,
    ],
    [
      'two fixed periods for one category',
      (dir) => edit(dir, IM, (d) => d.clauses.push({ ...d.clauses[0], id: 'log-data-8-days', period: { days: 8 } })),
      /:\/clauses\/3\/period: gives "log-data" 8 days from creation, but clause "log-data-7-days" gives 7 days$/,
    ],
    [
      'a category the document collects but the catalog lacks',
      (dir) =>
        edit(dir, IM, (d) => {
          delete d.categories['monitoring-data'];
          d.clauses.splice(1, 1);
        }),
      /instant-messaging\.json:\/categories: the document lists the data category "Monitoring Data" where it says what it collects, but the rule file has no category "monitoring-data"$/,
    ],
    ['a duplicate clause id', (dir) => edit(dir, IM, (d) => (d.clauses[1].id = d.clauses[0].id)), /:\/clauses\/1\/id: duplicate clause id "log-data-7-days" \(also \/clauses\/0\/id\)$/],
    [
      'two categories with one id after kebab-casing',
      (dir) =>
        edit(dir, IM, (d) => {
          d.categories['logs'] = { name: 'Log  data', sensitivity: 'personal' };
          d.clauses[0].categories.push('logs');
        }),
      /:\/categories\/logs: duplicate category id "log-data" after kebab-casing \(also \/categories\/log-data\)$/,
    ],
    ['a rule file the loader refuses', (dir) => edit(dir, IM, (d) => (d.clauses[0].perod = { days: 7 })), /:\/clauses\/0: does not load: unknown key "perod"$/],
    ['a rule file that is not JSON', (dir) => writeFileSync(join(dir, `${IM}.json`), '{ "module": '), /instant-messaging\.json:\/: is not valid JSON/],
  ];

  it.each(cases)('reports %s, and nothing else', (_name, provoke, expected) => {
    const dir = copyOfCatalog();
    provoke(dir);
    const found = lines(lintCatalog(dir).problems);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
    expect(found[0]!.startsWith(join(dir, `${IM}.json:/`))).toBe(true);
  });

  it('accepts a citation that quotes across line breaks with spaces, and a clause listing a declared event', () => {
    const dir = copyOfCatalog();
    appendFileSync(join(dir, IM_SOURCE), '\nAfter the domain expires, we delete\nthe log data within 5 days.\n');
    rehash(dir);
    edit(dir, IM, (d) => {
      d.events = { domainExpiredAt: { name: 'domain expiry' } };
      d.clauses.push({ ...d.clauses[2], id: 'domain', categories: ['log-data'], events: ['domainExpiredAt'], period: { days: 5 }, text: 'After the domain expires, we delete the log data within 5 days.' });
    });
    expect(lines(lintCatalog(dir).problems)).toEqual([]);
  });

  it('reports every problem of a file, one line each', () => {
    const dir = copyOfCatalog();
    edit(dir, IM, (d) => {
      delete d.sourceSha256;
      d.clauses[0].text = 'Kept forever.';
      d.clauses[1].id = d.clauses[0].id;
    });
    expect(lintCatalog(dir).problems.map((p) => p.path)).toEqual(['/clauses/1/id', '/sourceSha256', '/clauses/0/text']);
  });

  it('refuses a folder it cannot read or without rule files', () => {
    expect(() => lintCatalog(join(tempDir(), 'nothing'))).toThrow(InputError);
    expect(() => lintCatalog(tempDir())).toThrow(/holds no rule files/);
  });
});

describe('normalizeWhitespace', () => {
  it.each([
    ['Stored for\n7 days.', 'Stored for 7 days.'],
    ['  Stored\tfor \u00a0 7\r\ndays. ', 'Stored for 7 days.'],
    ['Stored for 7days.', 'Stored for 7days.'],
  ])('%j reads as %j', (text, expected) => {
    expect(normalizeWhitespace(text)).toBe(expected);
  });
});
