/**
 * A run on the state machine keeps its report parts in the run-files bucket
 * (written by the AssembleParts map, lib/delivery/assemblePartBatch.ts); the
 * reduce puts each report together in the reports bucket from its head (in
 * memory), the parts (copied by S3 itself; the reduce only reads them to hash
 * them, nothing is staged on its disk) and its tail (uploaded first), under the
 * key a one-Lambda run stores it at. The report is then already stored: the
 * reduce does not upload it again.
 */
import { stat } from 'node:fs/promises';
import { sha256File } from '../audit/sha256File';
import type { Piece } from '../aws/assembleObject';
import type { AssembledReport, PartStore } from '../partitioned/AssembledReports';
import type { FormatId } from '../report/formats/formatIds';
import { reportFormats } from '../report/formats/reportFormats';
import { reportKey } from './auditOptions';
import { partitionedRunKeys } from './PartitionedRunPlan';
import type { ReportStore } from './ReportStore';
import type { RunRecord } from './RunRecord';

/**
 * The parts of run `record` in `runFiles`, assembled into `reports`.
 *
 * @example
 * const store = new S3PartStore(record, deps.runFiles, deps.reports);
 * await store.assemble({ format: 'json', head, parts, trimLast: 2, tailPath }) // { path: 'reports/…json', sha256, stored: { key, bytes } }
 */
export class S3PartStore implements PartStore {
  /** Whether it began to put a report together in the reports bucket (from then on a retry would store it twice). */
  began = false;

  constructor(
    private readonly record: Pick<RunRecord, 'runId' | 'createdAt'>,
    private readonly runFiles: ReportStore,
    private readonly reports: ReportStore,
  ) {}

  describe(): string {
    return `${this.runFiles.describe()}/${partitionedRunKeys.part(this.record.runId, 0).replace(/0\.json$/, '')}`;
  }

  jsonLines(part: number): AsyncIterable<string> {
    return this.runFiles.lines(partitionedRunKeys.partFile(this.record.runId, part, 'json'));
  }

  async assemble(input: Parameters<PartStore['assemble']>[0]): Promise<AssembledReport> {
    this.began = true;
    const { runId } = this.record;
    const { extension, contentType } = reportFormats[input.format];
    const tailKey = partitionedRunKeys.tail(runId, extension);
    const tailBytes = (await stat(input.tailPath)).size;
    await this.runFiles.put(tailKey, input.tailPath, await sha256File(input.tailPath), 'application/octet-stream', input.signal);
    const bucket = this.runFiles.bucket;
    const parts: Piece[] = input.parts.map(({ part, bytes }) => ({ bucket, key: partitionedRunKeys.partFile(runId, part, extension), start: 0, end: bytes }));
    const key = reportKey(runId, this.record.createdAt, input.format as FormatId);
    const { bytes, sha256 } = await this.reports.assemble(key, [{ bytes: input.head }, ...parts, { bucket, key: tailKey, start: 0, end: tailBytes }], contentType, input.signal);
    return { path: key, sha256, stored: { key, bytes } };
  }
}
