import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import PDFDocument from 'pdfkit';
import type { Catalog, CatalogRule } from '../../catalog/loadCatalog';
import { kindOf } from '../../catalog/ruleKindRegistry';
import { SEVERITY_MODEL } from '../../engine/severity';
import type { Finding, Severity } from '../../model';
import { SEVERITIES, VERDICTS } from '../../model';
import { formatBytes, formatCount } from '../../units';
import type { HoldEntry, ReportHead, ResolvedFinding } from '../ReportModel';
import type { PdfMainFace } from './pdfFonts';
import { OVERDUE_BUCKETS, type CappedList, type PairTally, type PdfReportModel } from './PdfReportModel';
import { pdfSafeText, type TextKind } from './pdfSafeText';
import { PdfTextWriter, type TextBlock, type TextStyle } from './PdfTextWriter';

const COLORS = {
  text: '#1f2937',
  muted: '#6b7280',
  rule: '#d1d5db',
  stripe: '#f3f4f6',
  headerFill: '#e5e7eb',
  accent: '#1e3a8a',
  ok: '#15803d',
  alarm: '#b91c1c',
  warn: '#b45309',
} as const;

export const SEVERITY_COLORS: Record<Severity, string> = {
  critical: '#7f1d1d',
  high: '#dc2626',
  medium: '#f59e0b',
  low: '#3b82f6',
  info: '#9ca3af',
};

const MARGIN = { top: 56, bottom: 56, left: 40, right: 40 } as const;
const CELL_PAD = 3;

export interface PdfRenderInput {
  head: ReportHead;
  model: PdfReportModel;
  catalog: Catalog;
  /** SHA-256 of the JSON report of the same run, or null when no JSON was written. */
  jsonSha256: string | null;
  /** Violations of the previous run that are gone (the first rows; `total` counts all). */
  resolved: CappedList<ResolvedFinding>;
}

interface Column<T> {
  header: string;
  width: number;
  align?: 'left' | 'right';
  /** What the cell holds, for how much of it the PDF shows (default `id`). */
  kind?: TextKind;
  value: (row: T) => string;
  color?: (row: T) => string | undefined;
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '–');
const utc = (iso: string | null) => (iso ? `${iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} UTC` : '–');
const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;

/** Lays out the audit PDF with pdfkit: one instance per report. */
class AuditPdf {
  private readonly doc: PDFKit.PDFDocument;
  private readonly head: ReportHead;
  /** Every string drawn goes through it: cut, cleaned, set with the fallback font where needed. */
  private readonly writer: PdfTextWriter;

  constructor(private readonly input: PdfRenderInput) {
    this.head = input.head;
    const { run } = input.head;
    this.doc = new PDFDocument({
      size: 'A4',
      layout: 'landscape',
      margins: MARGIN,
      bufferPages: true,
      autoFirstPage: false,
      info: {
        Title: `Data retention audit ${pdfSafeText(run.id, 'id')}`,
        Subject: `Retention audit of snapshot ${pdfSafeText(run.snapshotId ?? '(none)', 'id')}`,
        Author: 'retention-auditor',
        Creator: 'retention-auditor',
        CreationDate: new Date(run.finishedAt),
      },
    });
    this.writer = new PdfTextWriter(this.doc);
  }

  get width(): number {
    return this.doc.page.width - MARGIN.left - MARGIN.right;
  }

  private get bottom(): number {
    return this.doc.page.height - MARGIN.bottom;
  }

  private newPage(): void {
    this.doc.addPage();
    this.doc.x = MARGIN.left;
    this.doc.y = MARGIN.top;
  }

  /** Starts a new page when fewer than `height` points are left. */
  private room(height: number): void {
    if (this.doc.y + height > this.bottom) this.newPage();
  }

  /** Draws at (x, y) and returns the height drawn. */
  private write(text: string, kind: TextKind, x: number, y: number, style: TextStyle): number {
    return this.writer.write(text, kind, x, y, style);
  }

  /** One line at (x, y): what does not fit `style.width` ends in "…". */
  private line(text: string, kind: TextKind, x: number, y: number, style: Omit<TextStyle, 'oneLine'>): void {
    this.writer.write(text, kind, x, y, { ...style, oneLine: true });
  }

  private heading(text: string, size = 16, kind: TextKind = 'label'): void {
    const block = this.writer.layout(text, kind, { font: 'bold', size, width: this.width, color: COLORS.accent });
    // Never alone at the foot of a page.
    this.room(Math.max(size * 3, block.height + size * 2));
    this.writer.draw(block, MARGIN.left, this.doc.y);
    this.doc.moveDown(0.3);
    this.doc.fillColor(COLORS.text);
  }

  private paragraph(text: string, options: { size?: number; color?: string; font?: PdfMainFace; kind?: TextKind } = {}): void {
    const style = { font: options.font ?? 'regular', size: options.size ?? 9.5, width: this.width, color: options.color ?? COLORS.text } as const;
    const block = this.writer.layout(text, options.kind ?? 'document', style);
    this.room(block.height + 4);
    this.writer.draw(block, MARGIN.left, this.doc.y);
    this.doc.moveDown(0.4);
  }

  /**
   * A table that never overflows the page: rows are measured first, a row never
   * splits across pages, and the header row repeats on every page it spans.
   */
  private table<T>(columns: Column<T>[], rows: readonly T[], fontSize = 7.5): void {
    const doc = this.doc;
    const total = columns.reduce((sum, c) => sum + c.width, 0);
    const scale = this.width / total;
    const widths = columns.map((c) => c.width * scale);
    // Each cell is laid out once: its height is measured from the very lines that are drawn.
    const layoutRow = (texts: string[], font: PdfMainFace, colors: (string | undefined)[]) =>
      texts.map((text, i) => {
        const column = columns[i]!;
        return this.writer.layout(text, column.kind ?? 'id', { font, size: fontSize, width: widths[i]! - 2 * CELL_PAD, align: column.align ?? 'left', color: colors[i] ?? COLORS.text });
      });
    const heightOf = (cells: TextBlock[]) => Math.max(...cells.map((cell) => cell.height)) + 2 * CELL_PAD;
    const drawRow = (cells: TextBlock[], y: number, height: number, fill: string | null) => {
      if (fill) doc.rect(MARGIN.left, y, this.width, height).fill(fill);
      let x = MARGIN.left;
      cells.forEach((cell, i) => {
        this.writer.draw(cell, x + CELL_PAD, y + CELL_PAD);
        x += widths[i]!;
      });
      doc.moveTo(MARGIN.left, y + height).lineTo(MARGIN.left + this.width, y + height).lineWidth(0.3).strokeColor(COLORS.rule).stroke();
    };
    const headers = layoutRow(columns.map((c) => c.header), 'bold', []);
    const headerHeight = heightOf(headers);
    // Drawing moves doc.y, so rows are placed from an explicit cursor.
    let y = 0;
    const drawHeader = () => {
      y = doc.y;
      drawRow(headers, y, headerHeight, COLORS.headerFill);
      y += headerHeight;
    };
    this.room(headerHeight * 2 + 4);
    drawHeader();
    rows.forEach((row, index) => {
      const cells = layoutRow(columns.map((c) => c.value(row)), 'regular', columns.map((c) => c.color?.(row)));
      const height = heightOf(cells);
      if (y + height > this.bottom) {
        this.newPage();
        drawHeader();
      }
      drawRow(cells, y, height, index % 2 === 1 ? COLORS.stripe : null);
      y += height;
    });
    doc.x = MARGIN.left;
    doc.y = y + 6;
    doc.fillColor(COLORS.text);
  }

  private moreLine(list: CappedList<unknown>, what: string): void {
    if (list.total > list.rows.length) {
      this.paragraph(
        `… and ${plural(list.total - list.rows.length, what)} more, not shown here (the PDF shows at most ${list.rows.length}); all are in the JSON and CSV reports.`,
        { color: COLORS.muted, size: 8.5 },
      );
    }
  }

  cover(): void {
    const { run, summary } = this.head;
    this.newPage();
    const doc = this.doc;
    this.write('Data retention audit', 'document', MARGIN.left, 90, { font: 'bold', size: 28, width: this.width, color: COLORS.accent });
    this.write('Stored personal data checked against the DATA RETENTION clauses of the privacy-policy modules', 'document', MARGIN.left, doc.y, {
      size: 12,
      width: this.width,
      color: COLORS.muted,
    });
    doc.moveDown(1.2);
    const facts: [string, string, TextKind][] = [
      ['Run', run.id, 'id'],
      ['Trigger', run.trigger, 'id'],
      ['Snapshot', run.snapshotId ?? '(none)', 'id'],
      ['Snapshot captured', utc(run.snapshotCapturedAt), 'id'],
      ['Audit started', utc(run.startedAt), 'id'],
      ['Audit finished', utc(run.finishedAt), 'id'],
      ['Rule catalog version', run.catalogVersion, 'id'],
      ['Inventory source', run.source, 'label'],
      ['Items audited', formatCount(summary.items), 'id'],
      ['Grace period where no period is named', `${run.graceDays} days`, 'id'],
    ];
    for (const [label, value, kind] of facts) {
      const y = doc.y;
      const labelHeight = this.write(label, 'document', MARGIN.left, y, { font: 'bold', size: 11, width: 220, color: COLORS.text });
      const valueHeight = this.write(value, kind, MARGIN.left + 230, y, { size: 11, width: this.width - 230 });
      doc.y = y + Math.max(labelHeight, valueHeight, 16);
    }
    doc.moveDown(1);
    const complete = summary.complete;
    this.banner(
      complete
        ? 'COMPLETE — every item of the snapshot was read and evaluated.'
        : `INCOMPLETE — part of the snapshot could not be read or evaluated. This report does not prove the state of all stored data. ${summary.incompleteReasons.join(' ')}`,
      complete ? COLORS.ok : COLORS.alarm,
    );
    const stale = this.head.stale;
    if (stale?.stale) {
      this.banner(
        `STALE INVENTORY — the snapshot was captured ${stale.ageHours ?? 'an unknown number of'} hours before this audit (limit ${stale.thresholdHours} hours): it cannot prove today's state.`,
        COLORS.warn,
      );
    }
    for (const warning of summary.warnings) this.paragraph(`Warning: ${warning}`, { color: COLORS.alarm, kind: 'prose' });
    this.paragraph(
      'Age is measured at the snapshot’s capture time, in UTC. The JSON report of this run holds every finding; its SHA-256, printed at the foot of every page, ties this document to it.',
      { color: COLORS.muted },
    );
  }

  /** White bold text on a full-width coloured band, at the cursor. */
  private banner(text: string, fill: string): void {
    const block = this.writer.layout(text, 'prose', { font: 'bold', size: 12, width: this.width - 24, color: '#ffffff' });
    const height = block.height + 20;
    const y = this.doc.y;
    this.doc.rect(MARGIN.left, y, this.width, height).fill(fill);
    this.writer.draw(block, MARGIN.left + 12, y + 10);
    this.doc.y = y + height + 12;
  }

  summaryPage(): void {
    const { summary } = this.head;
    const { model } = this.input;
    const doc = this.doc;
    this.newPage();
    this.heading('Executive summary', 18);
    const top = doc.y;

    // Key figures, left column.
    const kpis: [string, string, string?][] = [
      ['Violations', formatCount(summary.byVerdict.violation), summary.byVerdict.violation > 0 ? COLORS.alarm : COLORS.ok],
      ['of which special-category data (health, biometric)', formatCount(summary.specialCategoryViolations)],
      ['Due soon', formatCount(summary.byVerdict['due-soon'])],
      ['Records held past their deadline', formatCount(summary.recordsPastDeadline)],
      ['Bytes held past their deadline', formatBytes(summary.bytesPastDeadline)],
      ['Items audited', formatCount(summary.items)],
    ];
    const leftWidth = 250;
    let y = top;
    for (const [label, value, color] of kpis) {
      this.line(value, 'id', MARGIN.left, y, { font: 'bold', size: 15, width: leftWidth, color: color ?? COLORS.text });
      this.line(label, 'document', MARGIN.left, y + 18, { size: 8.5, width: leftWidth, color: COLORS.muted });
      y += 34;
    }
    y += 4;
    this.line('Findings per verdict', 'document', MARGIN.left, y, { font: 'bold', size: 9, width: leftWidth, color: COLORS.text });
    y += 14;
    for (const verdict of VERDICTS) {
      this.line(verdict, 'id', MARGIN.left, y, { size: 8.5, width: 120, color: COLORS.text });
      this.line(formatCount(summary.byVerdict[verdict]), 'id', MARGIN.left + 120, y, { size: 8.5, width: 60, align: 'right' });
      y += 12;
    }

    // Charts, right column.
    const chartX = MARGIN.left + leftWidth + 30;
    const chartWidth = this.width - leftWidth - 30;
    const afterBars = this.moduleSeverityChart(chartX, top, chartWidth, model);
    const afterHistogram = this.overdueChart(chartX, afterBars + 10, chartWidth, model);

    // Worst offenders, along the bottom.
    const offendersY = Math.max(y, afterHistogram) + 8;
    this.offenders(offendersY, model);
  }

  private moduleSeverityChart(x: number, y: number, width: number, model: PdfReportModel): number {
    const doc = this.doc;
    const severities = SEVERITIES.filter((s) => s !== 'info');
    const rows = [...model.violationsByModuleSeverity.entries()]
      .map(([module, counts]) => ({ module, counts, total: severities.reduce((n, s) => n + counts[s], 0) }))
      .sort((a, b) => b.total - a.total || a.module.localeCompare(b.module))
      .slice(0, 8);
    this.line('Violations by module and severity', 'document', x, y, { font: 'bold', size: 9, width, color: COLORS.text });
    let cursor = y + 16;
    // Legend
    let legendX = x;
    for (const severity of severities) {
      doc.rect(legendX, cursor + 1, 8, 8).fill(SEVERITY_COLORS[severity]);
      this.line(severity, 'id', legendX + 11, cursor, { size: 7.5, width: 48, color: COLORS.text });
      legendX += 60;
    }
    cursor += 16;
    if (rows.length === 0) {
      this.line('No violations.', 'document', x, cursor, { size: 8.5, width, color: COLORS.muted });
      return cursor + 14;
    }
    const labelWidth = 150;
    const barWidth = width - labelWidth - 50;
    const max = Math.max(...rows.map((r) => r.total));
    for (const row of rows) {
      this.line(row.module, 'id', x, cursor + 1, { size: 7.5, width: labelWidth - 6, color: COLORS.text });
      let barX = x + labelWidth;
      for (const severity of severities) {
        const w = (row.counts[severity] / max) * barWidth;
        if (w > 0) doc.rect(barX, cursor, w, 11).fill(SEVERITY_COLORS[severity]);
        barX += w;
      }
      this.line(formatCount(row.total), 'id', barX + 4, cursor + 1, { size: 7.5, width: 46, color: COLORS.text });
      cursor += 15;
    }
    return cursor;
  }

  private overdueChart(x: number, y: number, width: number, model: PdfReportModel): number {
    const doc = this.doc;
    this.line('How far past the deadline the violating data is', 'document', x, y, { font: 'bold', size: 9, width, color: COLORS.text });
    const bars = [
      ...OVERDUE_BUCKETS.map((bucket, i) => ({ label: bucket.label, value: model.overdue.buckets[i] ?? 0 })),
      { label: 'size cap (no date)', value: model.overdue.sizeCaps },
    ];
    const chartTop = y + 18;
    const chartHeight = 80;
    const max = Math.max(1, ...bars.map((b) => b.value));
    const slot = width / bars.length;
    doc.moveTo(x, chartTop + chartHeight).lineTo(x + width, chartTop + chartHeight).lineWidth(0.5).strokeColor(COLORS.rule).stroke();
    bars.forEach((bar, i) => {
      const h = (bar.value / max) * (chartHeight - 12);
      const bx = x + i * slot + slot * 0.2;
      if (h > 0) doc.rect(bx, chartTop + chartHeight - h, slot * 0.6, h).fill(i === bars.length - 1 ? COLORS.muted : COLORS.alarm);
      const style = { size: 7.5, width: slot, align: 'center', color: COLORS.text } as const;
      this.line(formatCount(bar.value), 'id', x + i * slot, chartTop + chartHeight - h - 10, style);
      this.line(bar.label, 'document', x + i * slot, chartTop + chartHeight + 3, style);
    });
    return chartTop + chartHeight + 16;
  }

  private offenders(y: number, model: PdfReportModel): void {
    const doc = this.doc;
    const half = (this.width - 20) / 2;
    const modules = Object.entries(this.head.summary.byModule)
      .filter(([, tally]) => tally.violations > 0)
      .sort((a, b) => b[1].violations - a[1].violations || a[0].localeCompare(b[0]))
      .slice(0, 5);
    const tenants = [...model.tenants.entries()].sort((a, b) => b[1].violations - a[1].violations || a[0].localeCompare(b[0])).slice(0, 5);
    const list = (x: number, title: string, rows: [string, string][]) => {
      let cursor = y;
      this.line(title, 'document', x, cursor, { font: 'bold', size: 9, width: half, color: COLORS.text });
      cursor += 14;
      if (rows.length === 0) this.line('None.', 'document', x, cursor, { size: 8.5, width: half, color: COLORS.muted });
      for (const [name, value] of rows) {
        this.line(name, 'id', x, cursor, { size: 8.5, width: half - 150, color: COLORS.text });
        this.line(value, 'id', x + half - 150, cursor, { size: 8.5, width: 150, align: 'right' });
        cursor += 12;
      }
    };
    list(MARGIN.left, 'Worst modules (violations)', modules.map(([m, t]) => [m, plural(t.violations, 'violation')]));
    list(
      MARGIN.left + half + 20,
      `Worst tenants (violations, records)${model.tenantsApproximate ? ' — approximate' : ''}`,
      tenants.map(([tenant, t]) => [tenant, `${plural(t.violations, 'violation')}, ${formatCount(t.records)} records`]),
    );
  }

  changesPage(): void {
    const { changes, waivers, legalHolds } = this.head;
    const { model, resolved } = this.input;
    this.newPage();
    this.heading('Changes since the last audit', 18);
    if (!changes) {
      this.paragraph('This run keeps no history, so it is not compared with earlier runs.', { color: COLORS.muted });
    } else if (!changes.previousRunId) {
      this.paragraph('This is the first complete run of its scope: every finding is new. The next run will be compared with this one.', { color: COLORS.muted });
    } else {
      this.paragraph(
        `Compared with run ${changes.previousRunId} (snapshot captured ${utc(changes.previousCapturedAt)}): ${plural(changes.newViolations, 'new violation')}, ${plural(changes.resolved, 'violation')} resolved; ${formatCount(changes.new)} findings new or changed, ${formatCount(changes.persisting)} unchanged.`,
        { size: 11, kind: 'prose' },
      );
    }
    if (changes?.previousRunId) {
      this.heading(`New violations (${formatCount(model.newViolations.total)})`, 12);
      if (model.newViolations.total === 0) this.paragraph('None.');
      else {
        this.table<Finding>(
          [
            { header: 'Severity', width: 55, value: (f) => f.severity, color: (f) => SEVERITY_COLORS[f.severity] },
            { header: 'Tenant', width: 90, value: (f) => f.tenantId ?? '–' },
            { header: 'Module / data category', width: 190, kind: 'label', value: (f) => `${f.module} / ${f.dataCategory}` },
            { header: 'Store', width: 150, kind: 'label', value: (f) => f.store?.resource ?? '–' },
            { header: 'Days overdue', width: 55, align: 'right', value: (f) => (f.overdueDays === null ? 'cap' : String(f.overdueDays)) },
            { header: 'Why', width: 240, kind: 'prose', value: (f) => f.reason },
          ],
          model.newViolations.rows,
        );
        this.moreLine(model.newViolations, 'new violation');
      }
      this.heading(`Resolved since the last audit (${formatCount(resolved.total)})`, 12);
      if (resolved.total === 0) this.paragraph('None.');
      else {
        this.table<ResolvedFinding>(
          [
            { header: 'Tenant', width: 100, value: (r) => r.tenantId ?? '–' },
            { header: 'Module / data category', width: 210, kind: 'label', value: (r) => `${r.module} / ${r.dataCategory}` },
            { header: 'Store', width: 180, kind: 'label', value: (r) => r.resource ?? '–' },
            { header: 'First seen', width: 80, value: (r) => day(r.firstSeenAt) },
            { header: 'Days open', width: 60, align: 'right', value: (r) => (r.daysOpen === null ? '–' : String(r.daysOpen)) },
          ],
          resolved.rows,
        );
        this.moreLine(resolved, 'resolved finding');
      }
    }
    if (legalHolds && legalHolds.ended > 0) {
      this.heading(`Legal holds that ended since the last audit (${formatCount(legalHolds.ended)})`, 12);
      this.table<HoldEntry>(
        [
          { header: 'Item', width: 90, value: (h) => h.itemId ?? '–' },
          { header: 'Tenant', width: 90, value: (h) => h.tenantId ?? '–' },
          { header: 'Module / data category', width: 200, kind: 'label', value: (h) => `${h.module} / ${h.dataCategory}` },
          { header: 'The hold', width: 340, kind: 'prose', value: (h) => h.reason },
        ],
        legalHolds.endedList,
      );
    }
    this.heading(`Waivers (${formatCount(waivers?.length ?? 0)})`, 12);
    if (!waivers || waivers.length === 0) this.paragraph('No waivers were in use.');
    else {
      const words = { active: 'active', expired: 'EXPIRED', stale: 'stale: matches nothing' };
      this.table<NonNullable<ReportHead['waivers']>[number]>(
        [
          { header: 'Waiver', width: 80, value: (w) => w.id },
          { header: 'Status', width: 100, value: (w) => words[w.status], color: (w) => (w.status === 'active' ? undefined : COLORS.alarm) },
          { header: 'Expires', width: 70, value: (w) => day(w.expiresAt) },
          { header: 'Covers', width: 55, align: 'right', value: (w) => formatCount(w.covered) },
          { header: 'Active again', width: 60, align: 'right', value: (w) => formatCount(w.activeAgain) },
          { header: 'Approver', width: 120, value: (w) => w.approver },
          { header: 'Reason', width: 240, kind: 'prose', value: (w) => w.reason },
        ],
        waivers,
      );
    }
  }

  forecastPage(): void {
    const forecast = this.head.forecast;
    if (!forecast) return;
    this.newPage();
    this.heading(`Deletion forecast: the next ${forecast.days} days`, 18);
    this.paragraph(
      forecast.items === 0
        ? `No more data passes its deadline by ${day(forecast.until)}.`
        : `If nothing is deleted, ${plural(forecast.items, 'more item')} (${formatCount(forecast.records)} records, ${formatBytes(forecast.bytes)}) pass their deadline by ${day(forecast.until)}. Soonest first:`,
      { size: 11 },
    );
    if (forecast.byModuleTenant.length > 0) {
      this.table<(typeof forecast.byModuleTenant)[number]>(
        [
          { header: 'First deadline', width: 80, value: (r) => day(r.firstDeadline) },
          { header: 'Module', width: 170, value: (r) => r.module },
          { header: 'Tenant', width: 150, value: (r) => r.tenantId },
          { header: 'Items', width: 60, align: 'right', value: (r) => formatCount(r.items) },
          { header: 'Records', width: 90, align: 'right', value: (r) => formatCount(r.records) },
          { header: 'Bytes', width: 90, align: 'right', value: (r) => formatBytes(r.bytes) },
        ],
        forecast.byModuleTenant,
      );
      if (forecast.totalGroups > forecast.byModuleTenant.length) {
        this.paragraph(`… and ${formatCount(forecast.totalGroups - forecast.byModuleTenant.length)} more module and tenant pairs in the JSON report.`, { color: COLORS.muted, size: 8.5 });
      }
    }
  }

  private clauseKeys(rows: readonly Finding[]): Map<string, string> {
    const keys = new Map<string, string>();
    for (const row of rows) if (row.ruleId && !keys.has(row.ruleId)) keys.set(row.ruleId, `C${keys.size + 1}`);
    return keys;
  }

  moduleSections(): void {
    const { model, catalog } = this.input;
    const ids = [...new Set([...catalog.modules.keys(), ...model.modules.keys()])].filter((id) => model.modules.has(id)).sort();
    this.newPage();
    this.heading('Violations and deadlines due soon, per module', 18);
    if (ids.length === 0) this.paragraph('No module has data in violation or due soon.');
    ids.forEach((id, index) => {
      const list = model.modules.get(id)!;
      const module = catalog.modules.get(id);
      if (index > 0) this.room(160);
      const tally = this.head.summary.byModule[id];
      this.heading(`${module?.name ?? id} (${id})`, 13);
      this.paragraph(
        `${plural(tally?.violations ?? 0, 'violation')} and ${formatCount(tally?.dueSoon ?? 0)} due soon, of ${plural(tally?.items ?? 0, 'item')} audited. Sorted by severity, then days overdue.`,
        { color: COLORS.muted, size: 8.5 },
      );
      const keys = this.clauseKeys(list.rows);
      const citations = new Map(list.rows.filter((r) => r.ruleId && r.clause).map((r) => [r.ruleId!, r.clause!]));
      for (const [ruleId, key] of keys) {
        const clause = citations.get(ruleId)!;
        this.paragraph(`${key}  “${clause.text}” — ${clause.source}, ${clause.section} (${ruleId})`, { size: 8 });
      }
      this.table<Finding>(
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
      this.moreLine(list, 'finding');
    });
  }

  dataQuality(): void {
    const { model } = this.input;
    this.newPage();
    this.heading('Data quality', 18);
    this.paragraph(
      'Items that break the inventory contract cannot be shown compliant; module and category pairs that no policy declares are data held without a retention promise. Both are compliance gaps in themselves.',
      { color: COLORS.muted },
    );
    this.heading(`Invalid items (${formatCount(model.invalid.total)})`, 12);
    if (model.invalid.total === 0) this.paragraph('None.');
    else {
      this.table<Finding>(
        [
          { header: 'Item', width: 90, value: (f) => f.itemId ?? '(no itemId)' },
          { header: 'Tenant', width: 80, value: (f) => f.tenantId ?? '–' },
          { header: 'Module', width: 110, value: (f) => f.module ?? '–' },
          { header: 'Data category', width: 110, value: (f) => f.dataCategory ?? '–' },
          { header: 'Why it is invalid', width: 300, kind: 'prose', value: (f) => f.reason },
        ],
        model.invalid.rows,
      );
      this.moreLine(model.invalid, 'invalid item');
    }
    this.heading(`Unmapped module and category pairs (${formatCount(model.unmapped.size)})`, 12);
    this.pairTable(model.unmapped, false);
  }

  private pairTable(pairs: Map<string, PairTally>, withClause: boolean): void {
    const rows = [...pairs.values()].sort((a, b) => a.module.localeCompare(b.module) || a.dataCategory.localeCompare(b.dataCategory));
    if (rows.length === 0) {
      this.paragraph('None.');
      return;
    }
    const columns: Column<PairTally>[] = [
      { header: 'Module', width: 120, value: (p) => p.module },
      { header: 'Data category', width: 130, value: (p) => p.dataCategory },
      { header: 'Items', width: 45, align: 'right', value: (p) => formatCount(p.items) },
      { header: 'Records', width: 60, align: 'right', value: (p) => formatCount(p.records) },
      { header: 'Bytes', width: 60, align: 'right', value: (p) => formatBytes(p.bytes) },
    ];
    if (withClause) columns.push({ header: 'What the policy says', width: 280, kind: 'document', value: (p) => (p.clauseText ? `“${p.clauseText}” — ${p.clauseSource}` : '–') });
    this.table(columns, rows);
  }

  review(): void {
    const { model } = this.input;
    this.newPage();
    this.heading('Needs review', 18);
    this.heading('Categories whose policy gives no retention period', 12);
    this.pairTable(model.review, true);
    this.heading(`Exempt under a legal hold (${formatCount(model.exempt.total)})`, 12);
    if (model.exempt.total === 0) this.paragraph('None.');
    else {
      this.table<Finding>(
        [
          { header: 'Item', width: 80, value: (f) => f.itemId ?? '–' },
          { header: 'Tenant', width: 80, value: (f) => f.tenantId ?? '–' },
          { header: 'Module / data category', width: 170, kind: 'label', value: (f) => `${f.module} / ${f.dataCategory}` },
          { header: 'Without the hold', width: 70, value: (f) => f.underlyingVerdict ?? '–' },
          { header: 'Hold', width: 290, kind: 'prose', value: (f) => f.reason },
        ],
        model.exempt.rows,
      );
      this.moreLine(model.exempt, 'exempt item');
    }
  }

  appendix(): void {
    const { catalog } = this.input;
    const { run } = this.head;
    this.newPage();
    this.heading('Method and rules', 18);
    this.heading('How age is measured', 12);
    const method = [
      'The reference time of every item is the time its inventory snapshot captured it (capturedAt): a snapshot proves what was stored when it was taken. All arithmetic is in UTC.',
      '“N days” is N × 24 hours. “N months” is N calendar months, clamped to the end of the month (31 January + 1 month = 28 or 29 February).',
      'A fixed period is broken when the oldest record held is older than the period. A deletion promised within a period after an event (account deletion, service termination, deletion request, consent withdrawal) is due the period after the earliest such event on the item. Where a policy promises deletion but names no period, a grace period of ' +
        `${run.graceDays} days applies. A size cap is broken when the bytes held exceed it (“2GB” is read as 2 GiB).`,
      'Due soon: not in violation, but a deadline falls within the shorter of 7 days and a fifth of the period after the capture time, both ends included.',
      'One verdict per item, the first that matches: invalid, unmapped, exempt (active legal hold), waived, violation, due soon, review, compliant.',
    ];
    for (const text of method) this.paragraph(text);
    this.heading('Severity model', 12);
    this.table<readonly [string, string]>(
      [
        { header: 'Verdict', width: 120, value: (r) => r[0] },
        { header: 'Severity', width: 600, kind: 'document', value: (r) => r[1] },
      ],
      SEVERITY_MODEL,
      8.5,
    );
    this.heading(`Rules of catalog ${catalog.version}`, 12);
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
      this.room(80);
      this.paragraph(`${module.name} (${module.id}) — ${module.source}`, { font: 'bold', size: 10, kind: 'label' });
      this.table<{ rule: CatalogRule; categories: string[] }>(
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

  /** Header, footer and, for an incomplete run, the stamp, on every page. */
  decoratePages(): void {
    const doc = this.doc;
    const { run, summary } = this.head;
    const range = doc.bufferedPageRange();
    const width = this.width;
    const stamps = [summary.complete ? '' : 'INCOMPLETE AUDIT', this.head.stale?.stale ? 'STALE INVENTORY' : ''].filter(Boolean).join(' · ');
    const stampWidth = stamps ? 200 : 0;
    // The same on every page: laid out once.
    const header = this.writer.layout(`Data retention audit · run ${run.id} · snapshot ${run.snapshotId ?? '(none)'}`, 'label', {
      size: 7.5,
      width: width - stampWidth,
      oneLine: true,
      color: COLORS.muted,
    });
    const stamp = this.writer.layout(stamps, 'document', { font: 'bold', size: 9, width: stampWidth, align: 'right', oneLine: true, color: COLORS.alarm });
    const watermark = this.writer.layout('INCOMPLETE', 'document', { font: 'bold', size: 64, width: 420, align: 'center', oneLine: true, color: COLORS.alarm });
    const sha = this.input.jsonSha256 ? `JSON report SHA-256 ${this.input.jsonSha256}` : 'No JSON report was written in this run.';
    const footer = this.writer.layout(sha, 'document', { size: 7.5, width: width - 80, oneLine: true, color: COLORS.muted });
    for (let i = range.start; i < range.start + range.count; i += 1) {
      doc.switchToPage(i);
      this.writer.draw(header, MARGIN.left, 24);
      if (stamps) this.writer.draw(stamp, MARGIN.left + width - stampWidth, 22);
      if (!summary.complete) {
        doc.save();
        doc.rotate(-25, { origin: [doc.page.width / 2, doc.page.height / 2] });
        doc.opacity(0.12);
        this.writer.draw(watermark, doc.page.width / 2 - 210, doc.page.height / 2 - 40);
        doc.restore();
        doc.opacity(1);
      }
      doc.moveTo(MARGIN.left, 36).lineTo(MARGIN.left + width, 36).lineWidth(0.3).strokeColor(COLORS.rule).stroke();
      const footerY = doc.page.height - 36;
      this.writer.draw(footer, MARGIN.left, footerY);
      this.line(`Page ${i - range.start + 1} of ${range.count}`, 'document', MARGIN.left + width - 80, footerY, { size: 7.5, width: 80, align: 'right', color: COLORS.muted });
    }
  }

  async writeTo(path: string): Promise<void> {
    const out = createWriteStream(path);
    this.doc.pipe(out);
    this.doc.end();
    await once(out, 'finish');
  }
}

/**
 * Renders the audit PDF from the report head and the bounded PDF model.
 *
 * @example
 * await renderPdf({ head, model, catalog, jsonSha256 }, 'reports/run.pdf');
 */
export async function renderPdf(input: PdfRenderInput, path: string): Promise<void> {
  const pdf = new AuditPdf(input);
  pdf.cover();
  pdf.summaryPage();
  pdf.changesPage();
  pdf.forecastPage();
  pdf.moduleSections();
  pdf.dataQuality();
  pdf.review();
  pdf.appendix();
  pdf.decoratePages();
  await pdf.writeTo(path);
}

