/**
 * The appendix that makes the report checkable without the tool: how age and
 * deadlines are computed, the severity model, and every rule of the catalog with
 * the policy document's own words.
 */
import type { CatalogRule } from '../../../catalog/loadCatalog';
import { kindOf } from '../../../catalog/ruleKindRegistry';
import { SEVERITY_MODEL } from '../../../engine/severity';
import { drawTable } from '../draw/drawTable';
import type { PdfCanvas } from '../draw/PdfCanvas';
import type { PdfRenderInput } from '../PdfRenderInput';

/**
 * The page "Method and rules".
 *
 * @example
 * methodAndRules(pdf, input);
 */
export function methodAndRules(pdf: PdfCanvas, { head, catalog }: PdfRenderInput): void {
  const { run } = head;
  pdf.newPage();
  pdf.heading('Method and rules', 18);
  pdf.heading('How age is measured', 12);
  const method = [
    'The reference time of every item is the time its inventory snapshot captured it (capturedAt): a snapshot proves what was stored when it was taken. All arithmetic is in UTC.',
    '“N days” is N × 24 hours. “N months” is N calendar months, clamped to the end of the month (31 January + 1 month = 28 or 29 February).',
    'A fixed period is broken when the oldest record held is older than the period. A deletion promised within a period after an event (account deletion, service termination, deletion request, consent withdrawal) is due the period after the earliest such event on the item. Where a policy promises deletion but names no period, a grace period of ' +
      `${run.graceDays} days applies. A size cap is broken when the bytes held exceed it (“2GB” is read as 2 GiB).`,
    'Due soon: not in violation, but a deadline falls within the shorter of 7 days and a fifth of the period after the capture time, both ends included.',
    'One verdict per item, the first that matches: invalid, unmapped, exempt (active legal hold), waived, violation, due soon, review, compliant.',
  ];
  for (const text of method) pdf.paragraph(text);
  pdf.heading('Severity model', 12);
  drawTable<readonly [string, string]>(
    pdf,
    [
      { header: 'Verdict', width: 120, value: (r) => r[0] },
      { header: 'Severity', width: 600, kind: 'document', value: (r) => r[1] },
    ],
    SEVERITY_MODEL,
    8.5,
  );
  pdf.heading(`Rules of catalog ${catalog.version}`, 12);
  const options = { graceDays: run.graceDays };
  for (const module of [...catalog.modules.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    const rules = new Map<string, { rule: CatalogRule; categories: string[] }>();
    for (const category of module.categories.values()) {
      for (const rule of category.rules) {
        const entry = rules.get(rule.ruleId) ?? { rule, categories: [] };
        entry.categories.push(category.id);
        rules.set(rule.ruleId, entry);
      }
    }
    pdf.room(80);
    pdf.paragraph(`${module.name} (${module.id}) — ${module.source}`, { font: 'bold', size: 10, kind: 'label' });
    drawTable<{ rule: CatalogRule; categories: string[] }>(
      pdf,
      [
        { header: 'Rule', width: 150, value: (r) => r.rule.ruleId },
        { header: 'Data categories', width: 140, kind: 'document', value: (r) => r.categories.join(', ') },
        { header: 'Rule in short', width: 150, kind: 'document', value: (r) => kindOf(r.rule.clause).describe(r.rule.clause, options) },
        { header: 'The document’s words', width: 300, kind: 'document', value: (r) => `“${r.rule.citation.text}” (${r.rule.citation.section})${r.rule.citation.context ? ` ${r.rule.citation.context}` : ''}` },
      ],
      [...rules.values()],
    );
  }
}
