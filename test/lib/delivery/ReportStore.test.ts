import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { startLocalS3, type LocalS3 } from '../../../cli/local/localS3';
import { s3Client, S3_MAX_SOCKETS } from '../../../lib/aws/s3Client';
import { ReportStore } from '../../../lib/delivery/ReportStore';
import { keyedLine, mergeSorted, parseKeyedLine } from '../../../lib/report/FindingSorter';
import { installPartCopy } from '../../helpers/aws/s3rverPartCopy';
import { collect, tempDir } from '../../helpers/files';

const MIB = 1024 ** 2;
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function file(bytes: Buffer): string {
  const path = join(tempDir(), 'report.json');
  writeFileSync(path, bytes);
  return path;
}

describe('ReportStore on a local S3', () => {
  let s3: LocalS3;
  let client: S3Client;
  beforeAll(async () => {
    // S3's UploadPartCopy, which s3rver lacks, held to a part minimum as the stores below are (64 KiB).
    s3 = await startLocalS3(0, undefined, ['test'], (server) => installPartCopy(server, { minPartBytes: 64 * 1024 }));
    await s3.createBucket('reports');
    await s3.createBucket('run-files');
    client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'eu-central-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  });
  afterAll(async () => {
    client.destroy();
    await s3.close();
  });

  it('merges more streams at once than the SDK\'s default 50 sockets (a reduce of many ranges), with the deployment\'s client', async () => {
    const segments = 80;
    const texts = Array.from({ length: segments }, (_, s) => Array.from({ length: 300 }, (_, i) => keyedLine({ key: `k${String(i).padStart(4, '0')}`, line: `{"s":${s},"pad":"${'x'.repeat(1024)}"}` })).join(''));
    const ranges = texts.map((text, s) => ({ start: texts.slice(0, s).join('').length, end: texts.slice(0, s + 1).join('').length }));
    const wide = s3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'eu-central-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      await wide.send(new PutObjectCommand({ Bucket: 'reports', Key: 'runs/r/partitions/wide.ndjson', Body: texts.join('') }));
      const store = new ReportStore(wide, 'reports');
      const parsed = async function* (range: { start: number; end: number }) {
        for await (const text of store.lines('runs/r/partitions/wide.ndjson', { range })) yield parseKeyedLine(text);
      };
      const merged = await collect(mergeSorted(ranges.map(parsed)));
      expect(merged).toHaveLength(segments * 300);
      expect(merged.slice(0, segments).map(({ line }) => (JSON.parse(line) as { s: number }).s)).toEqual(Array.from({ length: segments }, (_, s) => s));
      expect(S3_MAX_SOCKETS).toBeGreaterThan(1000);
    } finally {
      wide.destroy();
    }
  }, 60_000);

  it('uploads a report above the multipart size in parts, and stores it byte for byte', async () => {
    const bytes = randomBytes(11 * MIB + 123);
    const store = new ReportStore(client, 'reports', { fromBytes: 1 * MIB, partBytes: 5 * MIB });
    await store.put('reports/big.json', file(bytes), sha256(bytes), 'application/json');
    const copy = join(tempDir(), 'copy');
    await store.download('reports/big.json', copy);
    expect(sha256(readFileSync(copy))).toBe(sha256(bytes));
  });

  it('puts a report together from a head, parts of another bucket (copied by S3, the last cut short) and a tail, and hashes what it stored', async () => {
    const KIB = 1024;
    const parts = [randomBytes(200 * KIB), randomBytes(10), Buffer.alloc(0), randomBytes(130 * KIB + 7)];
    for (const [index, part] of parts.entries()) await client.send(new PutObjectCommand({ Bucket: 'run-files', Key: `runs/r/parts/${index}.findings.json`, Body: part }));
    const head = Buffer.from('{"head":true,"findings":[\n');
    const tail = randomBytes(3 * KIB);
    await client.send(new PutObjectCommand({ Bucket: 'run-files', Key: 'runs/r/parts/tail.json', Body: tail }));
    const store = new ReportStore(client, 'reports', { fromBytes: 1 * MIB, partBytes: 64 * KIB });
    const pieces = [
      { bytes: head },
      ...parts.map((part, index) => ({ bucket: 'run-files', key: `runs/r/parts/${index}.findings.json`, start: 0, end: index === 3 ? part.length - 2 : part.length })),
      { bucket: 'run-files', key: 'runs/r/parts/tail.json', start: 0, end: tail.length },
    ];
    const expected = Buffer.concat([head, parts[0]!, parts[1]!, parts[3]!.subarray(0, -2), tail]);
    await expect(store.assemble('reports/assembled.json', pieces, 'application/json')).resolves.toEqual({ bytes: expected.length, sha256: sha256(expected) });
    const copy = join(tempDir(), 'assembled');
    await store.download('reports/assembled.json', copy);
    expect(readFileSync(copy).equals(expected)).toBe(true);
  });

  it('streams an object line by line (the reduce reads partitions this way), and says whether an object exists', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `{"n":${i},"text":"ünïcode ${'x'.repeat(i % 300)}"}`);
    const store = new ReportStore(client, 'reports');
    const path = file(Buffer.from(`${lines.join('\n')}\n`));
    await store.put('runs/r/partitions/0.ndjson', path, sha256(Buffer.from(`${lines.join('\n')}\n`)), 'application/x-ndjson');
    expect(await collect(store.lines('runs/r/partitions/0.ndjson'))).toEqual(lines);
    expect(await store.exists('runs/r/partitions/0.ndjson')).toBe(true);
    expect(await store.exists('runs/r/partitions/1.ndjson')).toBe(false);
    await expect(collect(store.lines('runs/r/partitions/1.ndjson'))).rejects.toMatchObject({ name: 'NotFoundError' });
    // A segment (the reduce reads one diff range of each partition): bytes [start, end), cut at line ends.
    const text = Buffer.from(`${lines.join('\n')}\n`);
    const start = Buffer.byteLength(`${lines.slice(0, 1000).join('\n')}\n`);
    const end = Buffer.byteLength(`${lines.slice(0, 15_000).join('\n')}\n`);
    expect(end).toBeLessThan(text.length);
    expect(await collect(store.lines('runs/r/partitions/0.ndjson', { range: { start, end } }))).toEqual(lines.slice(1000, 15_000));
    expect(await collect(store.lines('runs/r/partitions/0.ndjson', { range: { start: end, end } }))).toEqual([]);
  });
});

describe('ReportStore requests', () => {
  // Every S3Client is mocked while it is in place: only within these tests.
  let s3: ReturnType<typeof mockClient>;
  beforeEach(() => (s3 = mockClient(S3Client)));
  afterEach(() => s3.restore());

  /** A body that gives `bytes`, then breaks off as a reset connection does. */
  const breaking = (bytes: Buffer) =>
    new Readable({
      read() {
        this.push(bytes);
        this.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
      },
    });

  it('resumes a read that breaks off where it stopped, with a ranged GET of the same version', async () => {
    const text = Buffer.from(Array.from({ length: 1000 }, (_, i) => `{"n":${i}}`).join('\n') + '\n');
    const cut = 4321;
    s3.on(GetObjectCommand)
      .resolvesOnce({ ETag: '"v1"', Body: breaking(text.subarray(0, cut)) as never })
      .resolvesOnce({ ETag: '"v1"', Body: Readable.from([text.subarray(cut)]) as never });
    const lines = await collect(new ReportStore(new S3Client({ region: 'eu-central-1' }), 'run-files').lines('runs/r/partitions/0.ndjson'));
    expect(lines).toEqual(text.toString().trimEnd().split('\n'));
    const [first, second] = s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input);
    expect(first).toEqual({ Bucket: 'run-files', Key: 'runs/r/partitions/0.ndjson' });
    expect(second).toEqual({ Bucket: 'run-files', Key: 'runs/r/partitions/0.ndjson', Range: `bytes=${cut}-`, IfMatch: '"v1"' });
  });

  it('gives up on a read that keeps breaking off, naming the object and the byte', async () => {
    s3.on(GetObjectCommand).callsFake(() => ({ ETag: '"v1"', Body: breaking(Buffer.from('{"n":1}\n{"n"')) }));
    const reading = collect(new ReportStore(new S3Client({ region: 'eu-central-1' }), 'run-files').lines('runs/r/partitions/0.ndjson'));
    await expect(reading).rejects.toThrow(/^Reading s3:\/\/run-files\/runs\/r\/partitions\/0\.ndjson failed at byte \d+, 4 times: read ECONNRESET\.$/);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(4);
  });

  it("stops a read at the run's deadline with the deadline's reason, and does not resume it", async () => {
    const controller = new AbortController();
    s3.on(GetObjectCommand).callsFake(() => ({ ETag: '"v1"', Body: breaking(Buffer.from('{"n":1}\n{"n":2}\n{"n"')) }));
    const lines: string[] = [];
    const reading = (async () => {
      for await (const line of new ReportStore(new S3Client({ region: 'eu-central-1' }), 'run-files').lines('runs/r/ranges/0.findings', { signal: controller.signal })) {
        lines.push(line);
        controller.abort(new Error('Timed out: the run stopped itself before its deadline.'));
      }
    })();
    await expect(reading).rejects.toThrow('Timed out: the run stopped itself before its deadline.');
    // The lines of the chunk already read come out; the break that follows is not resumed.
    expect(lines).toEqual(['{"n":1}', '{"n":2}']);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
    expect((s3.commandCalls(GetObjectCommand)[0]!.args as unknown[])[1]).toMatchObject({ abortSignal: controller.signal });
  });

  it('sends a report below the multipart size in one PutObject, its SHA-256 as the checksum S3 checks', async () => {
    s3.on(PutObjectCommand).resolves({});
    const bytes = Buffer.from('{"findings":[]}\n');
    await new ReportStore(new S3Client({ region: 'eu-central-1' }), 'reports').put('reports/small.json', file(bytes), sha256(bytes), 'application/json');
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({
      Bucket: 'reports',
      Key: 'reports/small.json',
      ContentType: 'application/json',
      ContentLength: bytes.length,
      ChecksumSHA256: createHash('sha256').update(bytes).digest('base64'),
    });
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('asks S3 to check a SHA-256 of every part of a multipart report', async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-1' });
    s3.on(UploadPartCommand).callsFake((input: { PartNumber: number }) => ({ ETag: `"e${input.PartNumber}"` }));
    s3.on(CompleteMultipartUploadCommand).resolves({});
    const bytes = randomBytes(11 * MIB);
    const store = new ReportStore(new S3Client({ region: 'eu-central-1' }), 'reports', { fromBytes: 1 * MIB, partBytes: 5 * MIB });
    await store.put('reports/big.json', file(bytes), sha256(bytes), 'application/json');
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input).toMatchObject({ Bucket: 'reports', Key: 'reports/big.json', ContentType: 'application/json', ChecksumAlgorithm: 'SHA256' });
    const parts = s3.commandCalls(UploadPartCommand).map((call) => call.args[0].input);
    expect(parts.map((part) => part.PartNumber).sort()).toEqual([1, 2, 3]);
    for (const part of parts) expect(part.ChecksumAlgorithm).toBe('SHA256');
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input.MultipartUpload!.Parts).toHaveLength(3);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it("stops an upload under way at the run's deadline, with the deadline's reason", async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-1' });
    s3.on(UploadPartCommand).callsFake(() => new Promise(() => undefined));
    const bytes = randomBytes(6 * MIB);
    const store = new ReportStore(new S3Client({ region: 'eu-central-1' }), 'reports', { fromBytes: 1 * MIB, partBytes: 5 * MIB });
    const deadline = new AbortController();
    const putting = store.put('reports/big.json', file(bytes), sha256(bytes), 'application/json', deadline.signal);
    setTimeout(() => deadline.abort(new Error('The run stopped 60 s before its time limit.')), 50);
    await expect(putting).rejects.toThrow('The run stopped 60 s before its time limit.');
    // Already past it: nothing is sent.
    s3.reset();
    await expect(store.put('reports/small.json', file(Buffer.from('{}')), sha256('{}'), 'application/json', deadline.signal)).rejects.toThrow('The run stopped');
    expect(s3.calls()).toHaveLength(0);
  });

  it('names the bucket, key and permission when a part is refused, and leaves the parts to the lifecycle rule (no s3:AbortMultipartUpload)', async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-1' });
    s3.on(UploadPartCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const bytes = randomBytes(6 * MIB);
    const store = new ReportStore(new S3Client({ region: 'eu-central-1' }), 'reports', { fromBytes: 1 * MIB, partBytes: 5 * MIB });
    await expect(store.put('reports/big.json', file(bytes), sha256(bytes), 'application/json')).rejects.toThrow(/s3:PutObject.*s3:\/\/reports\/reports\/big\.json|s3:\/\/reports\/reports\/big\.json.*s3:PutObject/);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
  });
});
