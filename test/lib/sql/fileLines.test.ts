/**
 * Lines of a file DuckDB wrote, read back in JavaScript (lib/sql/fileLines.ts): only LF
 * ends a line, every byte in between is kept, and characters cut by a read's end come whole.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileLines } from '../../../lib/sql/fileLines';
import { collect, tempDir } from '../../helpers/files';

function fileOf(content: string | Buffer): string {
  const path = join(tempDir('file-lines-'), 'lines.txt');
  writeFileSync(path, content);
  return path;
}

describe('fileLines', () => {
  it('gives each line without its LF, a last line without one included', async () => {
    expect(await collect(fileLines(fileOf('a\nbc\n\nd')))).toEqual(['a', 'bc', '', 'd']);
  });

  it('gives nothing for an empty file, and no empty line after a final LF', async () => {
    expect(await collect(fileLines(fileOf('')))).toEqual([]);
    expect(await collect(fileLines(fileOf('x\n')))).toEqual(['x']);
  });

  it('keeps a CR and other control characters as text', async () => {
    expect(await collect(fileLines(fileOf('a\r\nb\rc\u0001\n')))).toEqual(['a\r', 'b\rc\u0001']);
  });

  it('decodes characters whose bytes straddle two reads, and lines longer than a read', async () => {
    // Reads are 1 MiB: the euro sign's three bytes begin one byte before the first read ends.
    const head = 'x'.repeat((1 << 20) - 1);
    const long = 'é'.repeat(1 << 20);
    const lines = [`${head}€tail`, long, 'Ω'];
    expect(await collect(fileLines(fileOf(`${lines.join('\n')}\n`)))).toEqual(lines);
  });
});
