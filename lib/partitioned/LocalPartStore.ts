/**
 * A partitioned run's report parts as files in a folder (the CLI, the bench,
 * the tests): a report is put together by copying head, parts and tail into
 * the report's file, hashed as it is written. The state machine's parts are
 * objects in the run-files bucket instead (lib/delivery/S3PartStore.ts).
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { readFileChunks } from '../fileChunks';
import { readLines } from '../inventory/readLines';
import type { FormatId } from '../report/formats/formatIds';
import { reportFormats } from '../report/formats/reportFormats';
import type { AssembledReport, PartStore } from './AssembledReports';

/**
 * Parts in `workDir` (`part-<p>.<extension>`), reports written to `outDir` as `<runId>.<extension>`.
 *
 * @example
 * const store = new LocalPartStore(workDir, outDir, runId);
 * await assemblePart({ ..., pathOf: (format) => store.pathOf(2, format) });
 */
export class LocalPartStore implements PartStore {
  constructor(
    private readonly workDir: string,
    private readonly outDir: string,
    private readonly runId: string,
  ) {}

  describe(): string {
    return this.workDir;
  }

  /** Where part `part` of a format is written. */
  pathOf(part: number, format: FormatId): string {
    return join(this.workDir, `part-${part}.${reportFormats[format].extension}`);
  }

  jsonLines(part: number): AsyncIterable<string> {
    return readLines(this.pathOf(part, 'json'));
  }

  async assemble(input: Parameters<PartStore['assemble']>[0]): Promise<AssembledReport> {
    const path = join(this.outDir, `${this.runId}.${reportFormats[input.format].extension}`);
    const partial = `${path}.partial`;
    const hash = createHash('sha256');
    const pieces = async function* (pathOf: (part: number) => string) {
      yield input.head;
      for (const { part, bytes } of input.parts) if (bytes > 0) yield* readFileChunks(pathOf(part), { start: 0, end: bytes - 1 });
      yield* readFileChunks(input.tailPath);
    };
    try {
      await pipeline(
        pieces((part) => this.pathOf(part, input.format)),
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            input.signal?.throwIfAborted();
            hash.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(partial),
      );
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { path, sha256: hash.digest('hex') };
  }
}
