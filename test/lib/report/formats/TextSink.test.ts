import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { TextSink } from '../../../../lib/report/formats/TextSink';
import { tempDir } from '../../../helpers/files';

describe('TextSink', () => {
  it('writes compressed text that decodes to what was written', async () => {
    const path = join(tempDir(), 'run.br');
    const sink = new TextSink(path, 'w', 'brotli');
    const lines = Array.from({ length: 50_000 }, (_, i) => `{"n":${i},"text":"ünï ${'x'.repeat(i % 200)}"}\n`);
    for (const line of lines) await sink.write(line);
    await sink.close();
    expect(brotliDecompressSync(readFileSync(path)).toString('utf8')).toBe(lines.join(''));
  });

  it('fails, instead of waiting for ever, when the file behind its compressor cannot be written', async () => {
    const sink = new TextSink(join(tempDir(), 'missing-folder', 'run.br'), 'w', 'brotli');
    // The file's failure comes first; the compressor is destroyed before the text arrives.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const writing = (async () => {
      for (let i = 0; i < 3; i += 1) await sink.write('x'.repeat(1 << 20));
      await sink.close();
    })();
    await expect(writing).rejects.toThrow(/ENOENT/);
  });

  it('refuses to append compressed text (two Brotli streams do not decode as one)', () => {
    expect(() => new TextSink(join(tempDir(), 'run.br'), 'a', 'brotli')).toThrow('TextSink: a compressed file cannot be appended to.');
  });
});
