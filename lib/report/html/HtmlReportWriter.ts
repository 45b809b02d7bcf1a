/**
 * Writes the HTML report while the findings stream: each finding becomes one
 * compact row, appended at once to a part file in blocks of rows, so memory holds
 * only the current block's text, the value tables and a few counts. The report's
 * head is known only at the end: finish() writes the page's top (drawn from it),
 * copies the rows after it, adds the tables and the script, and moves the file to
 * its path. Until then only `.partial` files exist, which abort() removes.
 */
import { createWriteStream } from 'node:fs';
import { appendFile, rename, rm, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { readFileChunks } from '../../fileChunks';
import type { Catalog } from '../../catalog/loadCatalog';
import type { FindingRecord, FinishedReports, ReportWriter } from '../formats/ReportFormat';
import { TextSink } from '../formats/TextSink';
import type { ReportHead, ResolvedFinding } from '../ReportModel';
import { FindingEncoder, type FindingEncoderOptions } from './FindingEncoder';
import type { CappedRows, HtmlReportInput } from './HtmlReportInput';
import { renderHtmlReport } from './renderHtmlReport';
import { ViolationTally } from './ViolationTally';

export interface HtmlReportWriterOptions {
  catalog: Catalog;
  /** Rows per `<script type="application/json">` block (default 4,096). */
  rowsPerBlock?: number;
  /** Resolved violations listed on the page; the rest are counted (default 1,000). */
  resolvedShown?: number;
  encoder?: FindingEncoderOptions;
}

const BLOCK_OPEN = '<script type="application/json" class="findings-rows">[';
const BLOCK_CLOSE = ']</script>\n';

/**
 * @example
 * const writer = new HtmlReportWriter('reports/audit-….html', { catalog });
 * for (const record of records) await writer.write(record);
 * await writer.finish(head, finished); // reports/audit-….html now exists
 */
export class HtmlReportWriter implements ReportWriter {
  private readonly partialPath: string;
  private readonly rowsPath: string;
  private rows: TextSink | null = null;
  private readonly encoder: FindingEncoder;
  private readonly violations = new ViolationTally();
  private readonly rowsPerBlock: number;
  private count = 0;

  constructor(
    private readonly path: string,
    private readonly options: HtmlReportWriterOptions,
  ) {
    this.partialPath = `${path}.partial`;
    this.rowsPath = `${path}.rows.partial`;
    this.encoder = new FindingEncoder(options.encoder);
    this.rowsPerBlock = Math.max(1, options.rowsPerBlock ?? 4096);
  }

  async write(record: FindingRecord): Promise<void> {
    const finding = record.finding();
    this.violations.add(finding);
    const row = this.encoder.encode(finding);
    const sink = (this.rows ??= new TextSink(this.rowsPath));
    const inBlock = this.count % this.rowsPerBlock;
    await sink.write(inBlock === 0 ? (this.count === 0 ? BLOCK_OPEN : `${BLOCK_CLOSE}${BLOCK_OPEN}`) : ',');
    await sink.write(row);
    this.count += 1;
  }

  async finish(head: ReportHead, finished: FinishedReports): Promise<void> {
    if (this.rows) {
      await this.rows.write(BLOCK_CLOSE);
      await this.rows.close();
    }
    const input: HtmlReportInput = {
      head,
      catalog: this.options.catalog,
      jsonSha256: finished.jsonSha256,
      resolved: await this.firstResolved(finished),
      violations: this.violations,
      findings: { total: this.count, columns: this.encoder.columns() },
    };
    const { before, after } = renderHtmlReport(input);
    await writeFile(this.partialPath, before);
    if (this.rows) await pipeline(readFileChunks(this.rowsPath), createWriteStream(this.partialPath, { flags: 'a' }));
    await appendFile(this.partialPath, after);
    await rm(this.rowsPath, { force: true });
    await rename(this.partialPath, this.path);
  }

  async abort(): Promise<void> {
    await this.rows?.destroy();
    await Promise.all([rm(this.partialPath, { force: true }), rm(this.rowsPath, { force: true })]);
  }

  private async firstResolved(finished: FinishedReports): Promise<CappedRows<ResolvedFinding>> {
    const shown = this.options.resolvedShown ?? 1000;
    const resolved: CappedRows<ResolvedFinding> = { rows: [], total: 0 };
    for await (const entry of finished.resolved()) {
      resolved.total += 1;
      if (resolved.rows.length < shown) resolved.rows.push(entry);
    }
    return resolved;
  }
}
