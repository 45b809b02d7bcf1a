import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';

/**
 * Reads a text file line by line (LF or CRLF), fast: it splits raw buffers on
 * the newline byte and decodes each line once, with none of readline's
 * per-chunk regular expressions and events. Memory is one read buffer plus the
 * longest line. With `range`, only bytes [start, end) are read (a slice cut at line
 * ends, lib/partitioned/planPartitions.ts); `onBytes` then counts from its start.
 *
 * @example
 * for await (const line of readLines('inventory.ndjson', (bytes) => progress(bytes))) handle(line);
 */
export async function* readLines(path: string, onBytes?: (bytesRead: number) => void, bufferSize = 1 << 20, range?: { start: number; end: number }): AsyncGenerator<string> {
  if (range && range.end <= range.start) return;
  // createReadStream's `end` is inclusive.
  yield* linesOf(createReadStream(path, { highWaterMark: bufferSize, ...(range ? { start: range.start, end: range.end - 1 } : {}) }), onBytes);
}

/**
 * The lines of any stream of bytes (an S3 object's body, a decompressed file), as readLines splits them.
 *
 * @example
 * for await (const line of linesOf(response.Body as Readable)) handle(line);
 */
export async function* linesOf(chunks: AsyncIterable<Buffer>, onBytes?: (bytesRead: number) => void): AsyncGenerator<string> {
  let carry: Buffer | null = null;
  let bytesRead = 0;
  for await (const chunk of chunks) {
    bytesRead += chunk.length;
    const data: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let end = data.indexOf(10, start); end !== -1; end = data.indexOf(10, start)) {
      const stop = end > start && data[end - 1] === 13 ? end - 1 : end;
      yield data.toString('utf8', start, stop);
      start = end + 1;
    }
    carry = start < data.length ? data.subarray(start) : null;
    onBytes?.(bytesRead);
  }
  if (carry && carry.length > 0) {
    const stop = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
    yield carry.toString('utf8', 0, stop);
  }
}

/**
 * The lines of a stream of Brotli-compressed bytes (TextSink 'brotli': a sort's spilled run, a
 * diff range's files), decompressed as they arrive. A read error destroys the decompressor,
 * which the lines' reader then throws.
 *
 * @example
 * for await (const line of brotliLinesOf(createReadStream('run-0.ndjson'))) handle(line);
 */
export function brotliLinesOf(chunks: AsyncIterable<Buffer>, chunkSize?: number): AsyncGenerator<string> {
  const decompress = createBrotliDecompress(chunkSize === undefined ? {} : { chunkSize });
  pipeline(chunks instanceof Readable ? chunks : Readable.from(chunks), decompress).catch(() => undefined);
  return linesOf(decompress);
}
