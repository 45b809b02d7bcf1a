/**
 * A report put together from part files must be exactly head + parts (the last
 * non-empty one trimmed) + tail, hashed as written; and a failed assembly must
 * leave no report, whole or partial, where reports are kept.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalPartStore } from '../../../lib/partitioned/LocalPartStore';
import { collect, tempDir } from '../../helpers/files';

function store() {
  const workDir = tempDir('parts-work-');
  const outDir = tempDir('parts-out-');
  const tailPath = join(workDir, 'tail.json');
  return { workDir, outDir, tailPath, store: new LocalPartStore(workDir, outDir, 'run-7') };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('LocalPartStore', () => {
  it('names parts by number and extension, and reads a JSON part by lines', async () => {
    const { workDir, store: parts } = store();
    expect(parts.pathOf(3, 'json')).toBe(join(workDir, 'part-3.json'));
    expect(parts.pathOf(0, 'csv')).toBe(join(workDir, 'part-0.csv'));
    expect(parts.describe()).toBe(workDir);
    writeFileSync(parts.pathOf(1, 'json'), '{"a":1},\n{"b":"é"},\n');
    expect((await collect(parts.jsonLines(1))).filter(Boolean)).toEqual(['{"a":1},', '{"b":"é"},']);
  });

  it('puts head, the parts\' given bytes (empty ones skipped) and tail together, and answers the file\'s SHA-256', async () => {
    const { outDir, tailPath, store: parts } = store();
    const head = Buffer.from('{"run":"é"},"findings":[\n');
    // A part larger than a read buffer, parts with multi-byte characters, and a part after the last non-empty one whose file does not exist.
    const contents = [Buffer.concat([randomBytes(200_000), Buffer.from(',\n')]), Buffer.alloc(0), Buffer.from('{"x":"\u{1F600}"},\n'), Buffer.alloc(0)];
    contents.forEach((content, part) => part < 3 && writeFileSync(parts.pathOf(part, 'json'), content));
    writeFileSync(tailPath, '\n]}\n');
    // The caller (AssembledReports) gives the last non-empty part without its ",\n".
    const report = await parts.assemble({ format: 'json', head, parts: contents.map((content, part) => ({ part, bytes: part === 2 ? content.length - 2 : content.length })), tailPath });
    const expected = Buffer.concat([head, contents[0]!, contents[2]!.subarray(0, -2), Buffer.from('\n]}\n')]);
    expect(report.path).toBe(join(outDir, 'run-7.json'));
    const written = readFileSync(report.path);
    expect(written.equals(expected)).toBe(true);
    expect(report.sha256).toBe(sha256(written));
    expect(readdirSync(outDir)).toEqual(['run-7.json']);
  });

  it('reads only the bytes a part was given, and with no findings writes head and tail', async () => {
    const { tailPath, store: parts } = store();
    writeFileSync(parts.pathOf(0, 'csv'), 'a,1\nb,2\nleft over by a retry');
    writeFileSync(tailPath, 'resolved,3\n');
    const csv = await parts.assemble({ format: 'csv', head: Buffer.from('id,n\n'), parts: [{ part: 0, bytes: 8 }], tailPath });
    expect(readFileSync(csv.path, 'utf8')).toBe('id,n\na,1\nb,2\nresolved,3\n');

    const json = await parts.assemble({ format: 'json', head: Buffer.from('['), parts: [{ part: 5, bytes: 0 }], tailPath });
    expect(readFileSync(json.path, 'utf8')).toBe('[resolved,3\n');
    expect(json.sha256).toBe(sha256(Buffer.from('[resolved,3\n')));
  });

  it('leaves no report behind when a part file is missing or the run is aborted', async () => {
    const { outDir, tailPath, store: parts } = store();
    writeFileSync(parts.pathOf(0, 'json'), '{"a":1},\n');
    writeFileSync(tailPath, ']');
    for (let attempt = 0; attempt < 20; attempt += 1) {
      await expect(parts.assemble({ format: 'json', head: Buffer.from('['), parts: [{ part: 0, bytes: 9 }, { part: 1, bytes: 9 }], tailPath })).rejects.toMatchObject({ code: 'ENOENT' });
      expect(readdirSync(outDir)).toEqual([]);
    }
    const aborted = new AbortController();
    aborted.abort();
    await expect(parts.assemble({ format: 'json', head: Buffer.from('['), parts: [{ part: 0, bytes: 9 }], tailPath, signal: aborted.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(readdirSync(outDir)).toEqual([]);
    // Nor later: a report file still being opened when the assembly failed would appear after the removal.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(readdirSync(outDir)).toEqual([]);
  });
});
