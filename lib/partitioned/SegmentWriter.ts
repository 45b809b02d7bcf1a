/**
 * A partition's findings file, written segment after segment (a map step's
 * diff ranges, lib/partitioned/mapPartition.ts), with where each segment's
 * bytes are: the reduce reads one segment of each partition, from a local file
 * or with a ranged GET of the object in the run-files bucket.
 */
import { rm } from 'node:fs/promises';
import { keyedLine, type FindingLine } from '../report/FindingSorter';
import { TextSink } from '../report/formats/TextSink';
import type { Segment } from './Partition';

/**
 * Writes keyed lines (FindingSorter keyedLine) to one file, segment by segment, in segment order.
 *
 * @example
 * const writer = new SegmentWriter('parts/3.ndjson', 2);
 * await writer.write(0, { key: 'a', line: '{}' }); await writer.write(1, { key: 'b', line: '{}' });
 * await writer.close() // [{ start: 0, end: 7, lines: 1 }, { start: 7, end: 14, lines: 1 }]
 */
export class SegmentWriter {
  private readonly sink: TextSink;
  private readonly segments: Segment[];
  private current = 0;
  private bytes = 0;

  constructor(
    readonly path: string,
    count: number,
  ) {
    this.sink = new TextSink(path);
    this.segments = Array.from({ length: count }, () => ({ start: 0, end: 0, lines: 0 }));
  }

  /** Appends a line to `segment`, which may not come before the segment of the line before. */
  async write(segment: number, entry: FindingLine): Promise<void> {
    if (segment >= this.segments.length) throw new Error(`SegmentWriter: there is no segment ${segment} (of ${this.segments.length}).`);
    if (segment < this.current) throw new Error(`SegmentWriter: segment ${segment} after segment ${this.current}: segments are written in order.`);
    while (this.current < segment) this.advance();
    const text = keyedLine(entry);
    await this.sink.write(text);
    this.bytes += Buffer.byteLength(text);
    this.segments[segment]!.lines += 1;
  }

  /** Closes the file; answers every segment's bytes [start, end) and lines (empty segments included). */
  async close(): Promise<Segment[]> {
    while (this.current < this.segments.length - 1) this.advance();
    this.segments[this.current]!.end = this.bytes;
    await this.sink.close();
    return this.segments;
  }

  /** Removes the file (the map step failed); never throws. */
  async destroy(): Promise<void> {
    await this.sink.destroy().catch(() => undefined);
    await rm(this.path, { force: true });
  }

  private advance(): void {
    this.segments[this.current]!.end = this.bytes;
    this.current += 1;
    this.segments[this.current]!.start = this.bytes;
  }
}
