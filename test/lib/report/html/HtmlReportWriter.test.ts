import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HtmlReportWriter } from '../../../../lib/report/html/HtmlReportWriter';
import { printable } from '../../../../lib/text/printable';
import type { ResolvedFinding } from '../../../../lib/report/ReportModel';
import { tempDir } from '../../../helpers/files';
import { catalog } from '../../../helpers/items';
import { ALL_HOSTILE, HOSTILE } from './hostileText';
import { readHtmlReport } from './readHtmlReport';
import { recordOf, syntheticFindings, syntheticTrend, writeSyntheticReport } from './syntheticReport';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

function resolvedEntries(count: number): ResolvedFinding[] {
  return Array.from({ length: count }, (_, i) => ({
    fingerprint: `f${i}`,
    itemId: `gone-${i}`,
    tenantId: 'tenant-gone',
    module: 'tokenhub',
    dataCategory: 'configuration-data',
    resource: 'tokenhub/old',
    previousVerdict: 'violation',
    status: 'resolved',
    firstSeenAt: '2026-11-01T00:00:00.000Z',
    resolvedAt: '2026-11-20T02:00:00.000Z',
    daysOpen: 19,
  }));
}

describe('the HTML report writer', () => {
  it('loads nothing: no URL anywhere in the page, and a CSP that allows only its own inline style and script, and data: images', async () => {
    const { path } = await writeSyntheticReport({ count: 300, history: true, trend: syntheticTrend(5) });
    const page = readHtmlReport(path);
    expect(page.text).not.toMatch(/https?:\/\//i);
    expect(page.text).not.toMatch(/\burl\(|@import|\bsrcset=|\bsrc=/i);
    // The only links are to the page's own sections, and the empty data: icon that keeps browsers from asking for /favicon.ico.
    const hrefs = [...page.text.matchAll(/\bhref="([^"]*)"/g)].map((match) => match[1]);
    expect(hrefs.filter((href) => !href!.startsWith('#'))).toEqual(['data:,']);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page.text)?.[1];
    expect(csp).toBe(
      `default-src 'none'; style-src ${sha256(page.style)}; script-src ${sha256(page.script)}; img-src data:; base-uri 'none'; form-action 'none'`,
    );
    // The policy comes before anything it governs.
    expect(page.text.indexOf('Content-Security-Policy')).toBeLessThan(page.text.indexOf('<style>'));
  });

  it('embeds every finding, in order, with the counts of the head', async () => {
    const { path, head } = await writeSyntheticReport({ count: 250, history: true, writer: { rowsPerBlock: 7 } });
    const page = readHtmlReport(path);
    const expected = [...syntheticFindings({ count: 250, history: true })];
    expect(page.meta.total).toBe(250);
    expect(page.blocks).toHaveLength(Math.ceil(250 / 7));
    expect(page.findings.map((f) => f.itemId)).toEqual(expected.map((f) => f.itemId));
    expect(page.findings.map((f) => [f.verdict, f.severity, f.module, f.status, f.overdueDays])).toEqual(
      expected.map((f) => [f.verdict, f.severity, f.module, f.status, f.overdueDays]),
    );
    expect(page.findings[3]!.clauseText).toBe(expected[3]!.clause?.text ?? null);
    const violations = head.summary.byVerdict.violation;
    expect(page.text).toContain(`<span class="value">${violations.toLocaleString('en-US')}</span><span class="label">Violations</span>`);
    expect(page.text).toContain(`<p id="f-count" class="count" role="status" aria-live="polite">Loading 250 findings…</p>`);
    for (const [verdict, count] of Object.entries(head.summary.byVerdict)) {
      expect(page.findings.filter((f) => f.verdict === verdict)).toHaveLength(count);
      expect(page.text).toContain(`title="Show these findings in the table">${verdict}</button></th><td class="bar-cell">`);
    }
  });

  it('cites the JSON report by its SHA-256, and says so when there is none', async () => {
    const cited = readHtmlReport((await writeSyntheticReport({ count: 3, jsonSha256: 'c0'.repeat(32) })).path);
    expect(cited.text).toContain(`<dt>JSON report (SHA-256)</dt><dd><code class="hash">${'c0'.repeat(32)}</code></dd>`);
    const none = readHtmlReport((await writeSyntheticReport({ count: 3, jsonSha256: null })).path);
    expect(none.text).toContain('<dt>JSON report (SHA-256)</dt><dd>No JSON report was written in this run.</dd>');
  });

  it('keeps hostile text inside its script block and out of the markup', async () => {
    const { path } = await writeSyntheticReport({
      count: 20,
      override: (index, finding) =>
        index % 2 === 0
          ? {
              ...finding,
              itemId: `${HOSTILE.script}-${index}`,
              tenantId: HOSTILE.markup,
              module: index === 0 ? HOSTILE.script : finding.module,
              reason: ALL_HOSTILE,
              owner: HOSTILE.separators,
              store: { type: HOSTILE.bidi, resource: HOSTILE.url },
              clause: { source: HOSTILE.comment, section: HOSTILE.controls, text: ALL_HOSTILE },
            }
          : finding,
      head: (head) => ({
        ...head,
        run: { ...head.run, id: HOSTILE.script, snapshotId: HOSTILE.markup, source: HOSTILE.comment },
        summary: { ...head.summary, complete: false, incompleteReasons: [ALL_HOSTILE], warnings: [HOSTILE.markup] },
      }),
    });
    const page = readHtmlReport(path);
    // Exactly the page's own script elements: the row blocks, the meta block and the script.
    expect(page.text.match(/<script/gi)).toHaveLength(page.blocks.length + 2);
    expect(page.text.match(/<\/script/gi)).toHaveLength(page.blocks.length + 2);
    expect(page.text).not.toMatch(/<img|<!--/i);
    expect(page.text).not.toMatch(/[\u2028\u2029]/);
    // The data reads back exactly as the CSV shows it (controls and bidi marks made visible).
    const hostile = page.findings[0]!;
    expect(hostile.itemId).toBe(`${HOSTILE.script}-0`);
    expect(hostile.module).toBe(HOSTILE.script);
    expect(hostile.tenantId).toBe(HOSTILE.markup);
    expect(hostile.reason).toBe(printable(ALL_HOSTILE, { allow: '\n' }));
    expect(hostile.owner).toBe('a\\u2028b\\u2029c');
    expect(hostile.storeType).toBe('abc\\u202etxt.exe');
    expect(hostile.clauseSection).toBe('x\\x00\\x1b[2J\\x07y');
    // In the markup drawn from the head, as escaped text.
    expect(page.text).toContain('<li>&lt;/script&gt;&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt; | &quot;&gt;&lt;img src=x onerror=');
    expect(page.text).toContain('<title>Data retention audit &lt;&#x2F;script&gt;');
  });

  it('lists the resolved violations up to its cap and counts the rest', async () => {
    const { path } = await writeSyntheticReport({ count: 10, history: true, resolved: resolvedEntries(5), writer: { resolvedShown: 3 } });
    const { text } = readHtmlReport(path);
    expect(text.match(/<td class="id">gone-\d<\/td>/g)).toEqual(['<td class="id">gone-0</td>', '<td class="id">gone-1</td>', '<td class="id">gone-2</td>']);
    expect(text).toContain('… and 2 more resolved violations, not listed here (this page lists the first 3); all are in the JSON and CSV reports.');
  });

  it('draws the trend from two runs on, and reads a missing or damaged trend as none', async () => {
    const plotted = readHtmlReport((await writeSyntheticReport({ count: 5, trend: syntheticTrend(3) })).path).text;
    // Two drawings (wide and compact), three series each.
    expect(plotted.match(/<polyline /g)).toHaveLength(6);
    expect(plotted).toContain('Violations over the last 3 runs');
    const single = readHtmlReport((await writeSyntheticReport({ count: 5, trend: syntheticTrend(1) })).path).text;
    expect(single).not.toContain('<polyline');
    expect(single).toContain('The trend appears once the scope has at least two runs');
    const damaged = await writeSyntheticReport({ count: 5, head: (head) => ({ ...head, trend: 'broken' as never }) });
    expect(readHtmlReport(damaged.path).text).toContain('No trend');
  });

  it('writes the same bytes for the same findings and head', async () => {
    const options = { count: 120, history: true, trend: syntheticTrend(4), resolved: resolvedEntries(2) };
    const first = await writeSyntheticReport(options);
    const second = await writeSyntheticReport(options);
    expect(readFileSync(second.path).equals(readFileSync(first.path))).toBe(true);
  });

  it('writes a report without findings', async () => {
    const page = readHtmlReport((await writeSyntheticReport({ count: 0 })).path);
    expect(page.meta.total).toBe(0);
    expect(page.blocks).toHaveLength(0);
    expect(page.text).toContain('No module has a violation.');
  });

  it('shows the file at its path only on finish, and abort removes everything it wrote', async () => {
    const path = join(tempDir('html-abort-'), 'audit.html');
    const writer = new HtmlReportWriter(path, { catalog: catalog(), rowsPerBlock: 2 });
    // Enough rows to fill the sink's 1 MiB block, so that the part file is on disk.
    for (const finding of syntheticFindings({ count: 8000 })) await writer.write(recordOf(finding));
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dirname(path))).toEqual(['audit.html.rows.partial']);
    await writer.abort();
    expect(readdirSync(dirname(path))).toEqual([]);
  });

  it('aborts cleanly before any finding', async () => {
    const path = join(tempDir('html-abort-'), 'audit.html');
    await new HtmlReportWriter(path, { catalog: catalog() }).abort();
    expect(readdirSync(dirname(path))).toEqual([]);
  });
});
