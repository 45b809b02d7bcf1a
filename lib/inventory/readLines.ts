import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
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

/** Options of {@link eachLine}. */
export interface EachLineOptions {
  /** Only bytes [start, end), as readLines' `range` (a slice cut at line ends). */
  range?: { start: number; end: number };
  /** Bytes read so far, counted from the range's start, after each read. */
  onBytes?: (bytesRead: number) => void;
  /** Asked before each read: true ends the reading there, quietly (the lines handed over stay so). */
  stop?: () => boolean;
  /** Bytes read at a time; the buffer doubles while one line is longer. */
  bufferSize?: number;
}

/**
 * Hands `onLine` the lines readLines yields (split on LF, the CR before it dropped, each
 * decoded as UTF-8 on its own), for a reader that keeps none: a read's whole lines are
 * decoded at once (an invalid UTF-8 sequence never swallows the ASCII LF after it, so the
 * text is the same) and handed over without a promise each: less than half of readLines'
 * CPU. A line is a slice of its read's text: keeping one keeps that text (a megabyte) alive.
 *
 * @example
 * await eachLine('inventory.ndjson', (line) => digest.add(JSON.parse(line)), { stop: () => signal.aborted });
 */
export async function eachLine(path: string, onLine: (line: string) => void, options: EachLineOptions = {}): Promise<void> {
  const { range } = options;
  if (range && range.end <= range.start) return;
  const handle = await open(path, 'r');
  try {
    let buffer = Buffer.allocUnsafe(options.bufferSize ?? 1 << 20);
    // Bytes of an unfinished line, kept at the start of the buffer.
    let kept = 0;
    let position = range?.start ?? 0;
    for (;;) {
      if (options.stop?.()) return;
      if (kept === buffer.length) buffer = Buffer.concat([buffer], buffer.length * 2);
      const wanted = range ? Math.min(buffer.length - kept, range.end - position) : buffer.length - kept;
      const { bytesRead } = wanted > 0 ? await handle.read(buffer, kept, wanted, position) : { bytesRead: 0 };
      if (bytesRead === 0) break;
      position += bytesRead;
      const filled = kept + bytesRead;
      const last = buffer.lastIndexOf(10, filled - 1);
      if (last === -1) {
        kept = filled;
      } else {
        handLines(decode(buffer, last), onLine);
        kept = buffer.copy(buffer, 0, last + 1, filled);
      }
      options.onBytes?.(position - (range?.start ?? 0));
    }
    if (kept > 0) handLines(decode(buffer, kept), onLine);
  } finally {
    await handle.close();
  }
}

/** The first `length` bytes as UTF-8; ASCII (most inventories) as Latin-1, the same text at a third of the cost. */
function decode(buffer: Buffer, length: number): string {
  return buffer.toString(isAscii(buffer.subarray(0, length)) ? 'latin1' : 'utf8', 0, length);
}

/** Hands over each LF-separated line of `text` (whose last line had its LF), less one CR at its end. */
function handLines(text: string, onLine: (line: string) => void): void {
  for (let start = 0; ; ) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end;
    onLine(text.slice(start, stop > start && text.charCodeAt(stop - 1) === 13 ? stop - 1 : stop));
    if (end === -1) return;
    start = end + 1;
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
