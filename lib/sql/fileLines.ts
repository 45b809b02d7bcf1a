/**
 * The lines of a text file DuckDB wrote (COPY), read back in JavaScript: reading a file in
 * large chunks and decoding each line from them is several times cheaper than fetching the
 * same strings through a query result, row by row (the SQL engine's report lines: 450 MB
 * at 500,000 findings, 2.4 s through the bindings, 0.3 s from the file).
 */
import { readFileChunks } from '../fileChunks';

const LF = 0x0a;

/**
 * Each line of a UTF-8 file (of bytes `start` to `end`, inclusive, when given: from a line's
 * start), without its LF (a last line without an LF included). Only LF
 * ends a line: a CR is text, as in the lines the SQL engine writes. An LF byte is never part
 * of a multi-byte character, so each line is decoded whole.
 *
 * @example
 * for await (const line of fileLines('/tmp/lines.txt')) console.log(line);
 * for await (const line of fileLines('/tmp/report.json', { start: 1024 })) console.log(line); // from byte 1024
 */
export async function* fileLines(path: string, range: { start?: number; end?: number } = {}): AsyncIterable<string> {
  let rest: Buffer | null = null;
  for await (const read of readFileChunks(path, range)) {
    const chunk: Buffer = rest === null ? (read as Buffer) : Buffer.concat([rest, read as Buffer]);
    let start = 0;
    for (let end = chunk.indexOf(LF); end !== -1; end = chunk.indexOf(LF, start)) {
      yield chunk.toString('utf8', start, end);
      start = end + 1;
    }
    rest = start < chunk.length ? chunk.subarray(start) : null;
  }
  if (rest !== null) yield rest.toString('utf8');
}
