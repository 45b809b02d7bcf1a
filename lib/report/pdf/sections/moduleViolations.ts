/**
 * The detail behind the counts: per module, every violation and deadline due
 * soon (up to the cap), each row keyed to the clause it breaks, quoted in the
 * policy document's own words above the table.
 */
import type { Finding } from '../../../model';
import { formatBytes, formatCount } from '../../../units';
import { drawTable } from '../draw/drawTable';
import type { PdfCanvas } from '../draw/PdfCanvas';
import { COLORS, SEVERITY_COLORS } from '../draw/pdfTheme';
import { day, plural } from '../draw/pdfWords';
import type { PdfRenderInput } from '../PdfRenderInput';

/**
 * "Violations and deadlines due soon, per module": one heading, clause list and table per module.
 *
 * @example
 * moduleViolations(pdf, input);
 */
export function moduleViolations(pdf: PdfCanvas, { head, model, catalog }: PdfRenderInput): void {
  const ids = [...new Set([...catalog.modules.keys(), ...model.modules.keys()])].filter((id) => model.modules.has(id)).sort();
  pdf.newPage();
  pdf.heading('Violations and deadlines due soon, per module', 18);
  if (ids.length === 0) pdf.paragraph('No module has data in violation or due soon.');
  ids.forEach((id, index) => {
    const list = model.modules.get(id)!;
    const module = catalog.modules.get(id);
    if (index > 0) pdf.room(160);
    const tally = head.summary.byModule[id];
    pdf.heading(`${module?.name ?? id} (${id})`, 13);
    pdf.paragraph(
      `${plural(tally?.violations ?? 0, 'violation')} and ${formatCount(tally?.dueSoon ?? 0)} due soon, of ${plural(tally?.items ?? 0, 'item')} audited. Sorted by severity, then days overdue.`,
      { color: COLORS.muted, size: 8.5 },
    );
    const keys = clauseKeys(list.rows);
    const citations = new Map(list.rows.filter((r) => r.ruleId && r.clause).map((r) => [r.ruleId!, r.clause!]));
    for (const [ruleId, key] of keys) {
      const clause = citations.get(ruleId)!;
      pdf.paragraph(`${key}  “${clause.text}” — ${clause.source}, ${clause.section} (${ruleId})`, { size: 8 });
    }
    drawTable<Finding>(
      pdf,
      [
        { header: 'Severity', width: 52, value: (f) => (f.verdict === 'due-soon' ? `${f.severity} (due soon)` : f.severity), color: (f) => SEVERITY_COLORS[f.severity] },
        { header: 'Tenant', width: 80, value: (f) => f.tenantId ?? '–' },
        { header: 'Data category', width: 92, value: (f) => f.dataCategory ?? '–' },
        { header: 'Store', width: 110, kind: 'label', value: (f) => (f.store ? `${f.store.type}: ${f.store.resource}${f.store.region ? ` (${f.store.region})` : ''}` : '–') },
        { header: 'Records', width: 55, align: 'right', value: (f) => formatCount(f.recordCount ?? 0) },
        { header: 'Bytes', width: 55, align: 'right', value: (f) => formatBytes(f.bytes ?? 0) },
        { header: 'Oldest record', width: 58, value: (f) => day(f.oldestRecordAt) },
        { header: 'Deadline', width: 58, value: (f) => day(f.deadline) },
        { header: 'Days overdue', width: 45, align: 'right', value: (f) => (f.overdueDays === null ? (f.verdict === 'violation' ? 'cap' : '–') : String(f.overdueDays)) },
        { header: 'Clause', width: 36, value: (f) => (f.ruleId ? keys.get(f.ruleId) ?? '' : '') },
        { header: 'Source', width: 103, kind: 'label', value: (f) => f.clause?.source ?? '–' },
      ],
      list.rows,
    );
    pdf.moreLine(list, 'finding');
  });
}

/** C1, C2…: a short key per rule, in the order the rules first appear in the table. */
function clauseKeys(rows: readonly Finding[]): Map<string, string> {
  const keys = new Map<string, string>();
  for (const row of rows) if (row.ruleId && !keys.has(row.ruleId)) keys.set(row.ruleId, `C${keys.size + 1}`);
  return keys;
}
