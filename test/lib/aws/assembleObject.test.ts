import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import S3rver from 's3rver';
import { assembleObject, MIN_PART_BYTES, planParts, sha256OfPieces, type Piece, type PlannedPart, type S3Range } from '../../../lib/aws/assembleObject';
import { AccessDeniedError, NotFoundError, StoreError, UsageError } from '../../../lib/errors';
import { tempDir } from '../../helpers/files';
import { installPartCopy } from '../../helpers/aws/s3rverPartCopy';

const MIB = 1024 ** 2;
const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const sha256Base64 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');
const isRange = (piece: Piece): piece is S3Range => 'key' in piece;
const sizeOf = (piece: Piece) => (isRange(piece) ? piece.end - piece.start : piece.bytes.length);

/** Bytes that differ from piece to piece and byte to byte, the same on every run. */
function filler(seed: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < length; i += 1) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

/** The bytes a piece stands for, its objects held in `objects` (by "bucket/key"). */
const bytesOf = (objects: Map<string, Buffer>, piece: Piece) => (isRange(piece) ? objects.get(`${piece.bucket}/${piece.key}`)!.subarray(piece.start, piece.end) : piece.bytes);
const partBytes = (objects: Map<string, Buffer>, part: PlannedPart) => Buffer.concat('copy' in part ? [bytesOf(objects, part.copy)] : part.upload.map((piece) => bytesOf(objects, piece)));
const partSize = (part: PlannedPart) => ('copy' in part ? sizeOf(part.copy) : part.upload.reduce((sum, piece) => sum + sizeOf(piece), 0));

describe('planParts', () => {
  /** Pieces as lengths: in memory, or a range of an object of its own with bytes before and after it. */
  const pieceSpecs = (min: number, max: number) => {
    const length = fc.oneof(fc.integer({ min: 0, max: 2 * min + 1 }), fc.constantFrom(0, min - 1, min, min + 1, 2 * min - 1, max, max + 1), fc.integer({ min: 0, max: 4 * max + 3 }));
    return fc.array(fc.record({ inMemory: fc.boolean(), length, before: fc.nat(4), after: fc.nat(4) }), { maxLength: 14 });
  };
  const sizes = fc.integer({ min: 1, max: 24 }).chain((min) => fc.record({ min: fc.constant(min), max: fc.integer({ min: 2 * min, max: 2 * min + 40 }) }));
  const build = (specs: { inMemory: boolean; length: number; before: number; after: number }[]) => {
    const objects = new Map<string, Buffer>();
    const pieces = specs.map(({ inMemory, length, before, after }, index): Piece => {
      const bytes = filler(index, before + length + after);
      if (inMemory) return { bytes: bytes.subarray(before, before + length) };
      objects.set(`bucket-${index % 2}/piece ${index}.json`, bytes);
      return { bucket: `bucket-${index % 2}`, key: `piece ${index}.json`, start: before, end: before + length };
    });
    return { objects, pieces };
  };

  it('holds for any pieces: the parts are the pieces\' bytes in order; each at most the maximum, each but the last at least the minimum; no large range uploaded', () => {
    fc.assert(
      fc.property(sizes.chain(({ min, max }) => fc.record({ min: fc.constant(min), max: fc.constant(max), specs: pieceSpecs(min, max) })), ({ min, max, specs }) => {
        const { objects, pieces } = build(specs);
        const plan = planParts(pieces, min, max);
        expect(Buffer.concat(plan.map((part) => partBytes(objects, part))).equals(Buffer.concat(pieces.map((piece) => bytesOf(objects, piece))))).toBe(true);
        plan.forEach((part, index) => {
          expect(partSize(part)).toBeLessThanOrEqual(max);
          if (index < plan.length - 1) expect(partSize(part)).toBeGreaterThanOrEqual(min);
          // What passes through memory from S3: slices below the minimum, a part's worth under two minimums.
          if ('upload' in part) {
            for (const piece of part.upload.filter(isRange)) expect(sizeOf(piece)).toBeLessThan(min);
            expect(part.upload.filter(isRange).reduce((sum, piece) => sum + sizeOf(piece), 0)).toBeLessThan(2 * min);
          }
          expect(partSize(part)).toBeGreaterThan(0);
        });
        // A large range is copied, but for what a gathering part lacks (under the minimum), or whole when less than twice the minimum.
        for (const piece of pieces.filter(isRange).filter((range) => sizeOf(range) >= min)) {
          const uploaded = plan.flatMap((part) => ('upload' in part ? part.upload.filter(isRange) : [])).filter((slice) => slice.key === piece.key);
          const bytes = uploaded.reduce((sum, slice) => sum + sizeOf(slice), 0);
          expect(bytes < min || (bytes === sizeOf(piece) && bytes < 2 * min)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  const range = (start: number, end: number, key = 'a'): S3Range => ({ bucket: 'run-files', key, start, end });
  const bytes = (length: number): Piece => ({ bytes: Buffer.alloc(length, 1) });
  const shape = (plan: PlannedPart[]) => plan.map((part) => ('copy' in part ? `copy ${part.copy.key}[${part.copy.start},${part.copy.end})` : `upload ${part.upload.map((piece) => (isRange(piece) ? `${piece.key}[${piece.start},${piece.end})` : `${sizeOf(piece)} B`)).join(' + ')}`));

  it.each([
    ['nothing', [], []],
    ['empty pieces only', [bytes(0), range(4, 4)], []],
    ['a range of exactly the minimum', [range(0, 10)], ['copy a[0,10)']],
    ['a range one byte short of the minimum', [range(0, 9)], ['upload a[0,9)']],
    ['a range one byte over the minimum, after a small piece', [bytes(3), range(0, 11)], ['upload 3 B + a[0,7)', 'upload a[7,11)']],
    ['a large range after a small piece: what the part lacks, then a copy', [bytes(3), range(0, 20)], ['upload 3 B + a[0,7)', 'copy a[7,20)']],
    ['small pieces gathered until the minimum', [range(0, 4), bytes(0), range(0, 4, 'b'), bytes(5), range(0, 2, 'c')], ['upload a[0,4) + b[0,4) + 5 B', 'upload c[0,2)']],
    ['a range just over the maximum: the last two balanced', [range(0, 52)], ['copy a[0,25)', 'copy a[25,39)', 'copy a[39,52)']],
    ['a range splitting evenly at the maximum', [range(0, 61)], ['copy a[0,25)', 'copy a[25,50)', 'copy a[50,61)']],
    ['bytes in memory larger than a part', [bytes(60)], ['upload 25 B', 'upload 25 B', 'upload 10 B']],
  ] as [string, Piece[], string[]][])('%s (minimum 10, maximum 25)', (_, pieces, expected) => {
    expect(shape(planParts(pieces, 10, 25))).toEqual(expected);
  });

  it('refuses part sizes that cannot split a range, and pieces that are not ranges', () => {
    expect(() => planParts([], 10, 19)).toThrow(new UsageError('Part sizes must be whole numbers with maxPartBytes (19) at least twice minPartBytes (10).'));
    expect(() => planParts([range(5, 4)], 10, 25)).toThrow(UsageError);
    expect(() => planParts([{ bucket: 'run-files', key: '', start: 0, end: 1 }], 10, 25)).toThrow(/^Piece 0 is neither a Buffer nor a byte range/);
  });
});

describe('assembleObject with a mocked S3', () => {
  let s3: ReturnType<typeof mockClient>;
  const client = new S3Client({ region: 'eu-central-1' });
  beforeEach(() => (s3 = mockClient(client)));
  afterEach(() => s3.restore());
  const body = (bytes: Buffer) => ({ transformToByteArray: async () => new Uint8Array(bytes) }) as never;
  const denied = () => Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });

  it('puts a small result in one PutObject, with its SHA-256, reading the small range it holds', async () => {
    const middle = randomBytes(100);
    s3.on(GetObjectCommand, { Bucket: 'run-files', Key: 'runs/r/0.json', Range: 'bytes=10-109' }).resolves({ Body: body(middle) });
    s3.on(PutObjectCommand).resolves({});
    const pieces: Piece[] = [{ bytes: Buffer.from('[') }, { bucket: 'run-files', key: 'runs/r/0.json', start: 10, end: 110 }, { bytes: Buffer.from(']') }];
    const assembled = await assembleObject({ client, bucket: 'reports', key: 'r.json', contentType: 'application/json', pieces });
    const expected = Buffer.concat([Buffer.from('['), middle, Buffer.from(']')]);
    expect(assembled).toEqual({ bytes: 102, parts: 1, copiedParts: 0, uploadedParts: 1, requests: 2 });
    expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'reports', Key: 'r.json', Body: expected, ContentLength: 102, ContentType: 'application/json', ChecksumSHA256: sha256Base64(expected) },
    ]);
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('copies large ranges and uploads the small pieces, numbering parts in order, and completes with their ETags and SHA-256s', async () => {
    const head = randomBytes(1000);
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-1' });
    s3.on(GetObjectCommand).callsFake(({ Range }: { Range: string }) => {
      const [first, last] = Range.slice('bytes='.length).split('-').map(Number) as [number, number];
      return { Body: body(Buffer.alloc(last - first + 1, 7)) };
    });
    s3.on(UploadPartCommand).callsFake(({ PartNumber }: { PartNumber: number }) => ({ ETag: `"up-${PartNumber}"` }));
    s3.on(UploadPartCopyCommand).callsFake(({ PartNumber }: { PartNumber: number }) => ({ CopyPartResult: { ETag: `"copy-${PartNumber}"`, ChecksumSHA256: `sha-${PartNumber}` } }));
    s3.on(CompleteMultipartUploadCommand).resolves({});
    const pieces: Piece[] = [{ bytes: head }, { bucket: 'run-files', key: 'runs/a b/ü.json', start: 0, end: 12 * MIB }, { bucket: 'run-files', key: 'runs/c.json', start: 5, end: 6 * MIB + 5 }];
    const assembled = await assembleObject({ client, bucket: 'reports', key: 'r.json', contentType: 'application/json', pieces });
    expect(assembled).toEqual({ bytes: 1000 + 18 * MIB, parts: 3, copiedParts: 2, uploadedParts: 1, requests: 6 });
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input).toEqual({ Bucket: 'reports', Key: 'r.json', ContentType: 'application/json', ChecksumAlgorithm: 'SHA256' });
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([{ Bucket: 'run-files', Key: 'runs/a b/ü.json', Range: `bytes=0-${5 * MIB - 1000 - 1}` }]);
    const uploaded = Buffer.concat([head, Buffer.alloc(5 * MIB - 1000, 7)]);
    const { Body: sent, ...part } = s3.commandCalls(UploadPartCommand)[0]!.args[0].input;
    // Buffers compared with equals: expect's deep equality takes seconds on megabytes.
    expect((sent as Buffer).equals(uploaded)).toBe(true);
    expect(part).toEqual({ Bucket: 'reports', Key: 'r.json', UploadId: 'u-1', PartNumber: 1, ContentLength: uploaded.length, ChecksumAlgorithm: 'SHA256', ChecksumSHA256: sha256Base64(uploaded) });
    expect(s3.commandCalls(UploadPartCopyCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'reports', Key: 'r.json', UploadId: 'u-1', PartNumber: 2, CopySource: 'run-files/runs/a%20b/%C3%BC.json', CopySourceRange: `bytes=${5 * MIB - 1000}-${12 * MIB - 1}` },
      { Bucket: 'reports', Key: 'r.json', UploadId: 'u-1', PartNumber: 3, CopySource: 'run-files/runs/c.json', CopySourceRange: `bytes=5-${6 * MIB + 4}` },
    ]);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input.MultipartUpload).toEqual({
      Parts: [
        { PartNumber: 1, ETag: '"up-1"', ChecksumSHA256: sha256Base64(uploaded) },
        { PartNumber: 2, ETag: '"copy-2"', ChecksumSHA256: 'sha-2' },
        { PartNumber: 3, ETag: '"copy-3"', ChecksumSHA256: 'sha-3' },
      ],
    });
  });

  const threeCopies: Piece[] = [0, 1, 2].map((index) => ({ bucket: 'run-files', key: `runs/r/${index}.json`, start: 0, end: 6 * MIB }));

  it('aborts the upload when a part fails, and throws the failure translated (naming the permissions), even when the abort fails too', async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-2' });
    s3.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"e"', ChecksumSHA256: 's' } });
    s3.on(UploadPartCopyCommand, { PartNumber: 2 }).rejects(denied());
    s3.on(AbortMultipartUploadCommand).rejects(denied());
    const assembling = assembleObject({ client, bucket: 'reports', key: 'r.json', contentType: 'text/csv', pieces: threeCopies });
    await expect(assembling).rejects.toThrow(AccessDeniedError);
    await expect(assembling).rejects.toThrow(
      'S3 refused UploadPartCopy (part 2 of s3://reports/r.json) on s3://run-files/runs/r/1.json (AccessDenied): the function\'s role needs s3:GetObject on it (see infra/iam.yml); ' +
        'or the role lacks s3:PutObject on s3://reports/r.json, where the part is written (and kms:Decrypt on the source\'s KMS key, if it has one).',
    );
    expect(s3.commandCalls(AbortMultipartUploadCommand).map((call) => call.args[0].input)).toEqual([{ Bucket: 'reports', Key: 'r.json', UploadId: 'u-2' }]);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it('stops on its signal with the signal\'s reason, and aborts the upload', async () => {
    const deadline = new AbortController();
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-3' });
    s3.on(UploadPartCopyCommand).callsFake(async () => {
      deadline.abort(new Error('The run stopped 60 s before its time limit.'));
      throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    });
    s3.on(AbortMultipartUploadCommand).resolves({});
    const assembling = assembleObject({ client, bucket: 'reports', key: 'r.json', contentType: 'text/csv', pieces: threeCopies, signal: deadline.signal });
    await expect(assembling).rejects.toThrow(new Error('The run stopped 60 s before its time limit.'));
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it('refuses, before any request, an object that needs more than 10,000 parts', async () => {
    const pieces: Piece[] = Array.from({ length: 10_001 }, (_, index) => ({ bucket: 'run-files', key: `runs/r/${index}.json`, start: 0, end: MIN_PART_BYTES }));
    await expect(assembleObject({ client, bucket: 'reports', key: 'r.json', contentType: 'text/csv', pieces })).rejects.toThrow(
      new UsageError("Assembling s3://reports/r.json takes 10001 parts, more than S3's 10000: use a larger maxPartBytes or fewer, larger pieces."),
    );
    expect(s3.calls()).toHaveLength(0);
  });

  it('hashes in order however the reads finish, with no more reads at once than asked', async () => {
    const object = randomBytes(100_000);
    let reading = 0;
    let most = 0;
    s3.on(GetObjectCommand).callsFake(async ({ Range }: { Range: string }) => {
      reading += 1;
      most = Math.max(most, reading);
      const [first, last] = Range.slice('bytes='.length).split('-').map(Number) as [number, number];
      // Later chunks answer first.
      await new Promise((resolve) => setTimeout(resolve, (100_000 - first) / 10_000));
      reading -= 1;
      return { Body: body(object.subarray(first, last + 1)) };
    });
    const pieces: Piece[] = [{ bytes: Buffer.from('head') }, { bucket: 'b', key: 'k', start: 3, end: 99_990 }, { bytes: Buffer.alloc(0) }, { bytes: Buffer.from('tail') }];
    const digest = await sha256OfPieces(client, pieces, { concurrency: 3, chunkBytes: 7_000 });
    expect(digest).toBe(sha256Hex(Buffer.concat([Buffer.from('head'), object.subarray(3, 99_990), Buffer.from('tail')])));
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(Math.ceil((99_990 - 3) / 7_000));
    expect(most).toBe(3);
  });

  it('throws a failed read translated, naming the object', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }));
    await expect(sha256OfPieces(client, [{ bucket: 'run-files', key: 'gone.json', start: 0, end: 10 }])).rejects.toThrow('S3 GetObject found nothing at s3://run-files/gone.json (NoSuchKey).');
  });
});

describe('assembleObject on a local S3 (s3rver taught UploadPartCopy and S3\'s part minimum)', () => {
  // The same minimum on both sides: small, to keep the test fast.
  const MIN = 64 * 1024;
  const MAX = 2 * MIN + 1000;
  const directory = tempDir('assemble-s3-');
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  let client: S3Client;
  const a = filler(1, 5 * MIN + 3);
  const b = filler(2, 2 * MIN);
  const c = filler(3, 7 * MIN + 5);
  beforeAll(async () => {
    installPartCopy(server, { minPartBytes: MIN });
    const { port } = await server.run();
    client = new S3Client({ endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, region: 'eu-central-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    for (const bucket of ['run-files', 'spill-files', 'reports']) await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(new PutObjectCommand({ Bucket: 'run-files', Key: 'runs/r/partitions/0.json', Body: a }));
    await client.send(new PutObjectCommand({ Bucket: 'spill-files', Key: 'spill/ü b+c.csv', Body: b }));
    await client.send(new PutObjectCommand({ Bucket: 'run-files', Key: 'runs/r/partitions/1.json', Body: c }));
  });
  afterAll(async () => {
    client.destroy();
    await server.close();
  });
  const download = async (key: string) => Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: 'reports', Key: key }))).Body!.transformToByteArray());
  const uploadsLeft = () => {
    const folder = join(directory, 'reports', '._S3rver_uploads');
    return existsSync(folder) ? readdirSync(folder) : [];
  };

  it('assembles pieces of two buckets and memory, around the minimum and past the maximum, byte for byte; the pieces\' SHA-256 is the object\'s', async () => {
    const pieces: Piece[] = [
      { bytes: Buffer.from('{"findings":[') },
      { bucket: 'run-files', key: 'runs/r/partitions/0.json', start: 0, end: MIN },
      { bytes: Buffer.alloc(0) },
      { bucket: 'spill-files', key: 'spill/ü b+c.csv', start: 1, end: MIN },
      { bucket: 'run-files', key: 'runs/r/partitions/0.json', start: MIN, end: 2 * MIN + 1 },
      { bucket: 'run-files', key: 'runs/r/partitions/0.json', start: 2 * MIN + 1, end: 2 * MIN + 1 },
      { bucket: 'run-files', key: 'runs/r/partitions/1.json', start: 0, end: c.length },
      { bucket: 'spill-files', key: 'spill/ü b+c.csv', start: 0, end: MIN + 1 },
      { bytes: Buffer.from(']}') },
    ];
    const expected = Buffer.concat([Buffer.from('{"findings":['), a.subarray(0, MIN), b.subarray(1, MIN), a.subarray(MIN, 2 * MIN + 1), c, b.subarray(0, MIN + 1), Buffer.from(']}')]);
    const assembled = await assembleObject({ client, bucket: 'reports', key: 'runs/r/report.json', contentType: 'application/json', pieces, minPartBytes: MIN, maxPartBytes: MAX });
    expect(assembled).toMatchObject({ bytes: expected.length });
    expect(assembled.copiedParts).toBeGreaterThanOrEqual(4);
    expect(assembled.uploadedParts).toBeGreaterThanOrEqual(2);
    const stored = await download('runs/r/report.json');
    expect(stored.equals(expected)).toBe(true);
    expect(await sha256OfPieces(client, pieces, { concurrency: 3, chunkBytes: 10_000 })).toBe(sha256Hex(stored));
    expect(await sha256OfPieces(client, pieces)).toBe(sha256Hex(stored));
    expect((await client.send(new GetObjectCommand({ Bucket: 'reports', Key: 'runs/r/report.json' }))).ContentType).toBe('application/json');
  });

  it('copies a lone large range without reading it, and puts a small result in one PutObject', async () => {
    const lone = await assembleObject({ client, bucket: 'reports', key: 'lone.json', contentType: 'application/json', pieces: [{ bucket: 'run-files', key: 'runs/r/partitions/1.json', start: 7, end: MIN + 7 }], minPartBytes: MIN, maxPartBytes: MAX });
    expect(lone).toEqual({ bytes: MIN, parts: 1, copiedParts: 1, uploadedParts: 0, requests: 3 });
    expect((await download('lone.json')).equals(c.subarray(7, MIN + 7))).toBe(true);
    const small = await assembleObject({ client, bucket: 'reports', key: 'small.csv', contentType: 'text/csv', pieces: [{ bytes: Buffer.from('id\n') }, { bucket: 'spill-files', key: 'spill/ü b+c.csv', start: 0, end: MIN - 4 }], minPartBytes: MIN, maxPartBytes: MAX });
    expect(small).toEqual({ bytes: MIN - 1, parts: 1, copiedParts: 0, uploadedParts: 1, requests: 2 });
    expect((await download('small.csv')).equals(Buffer.concat([Buffer.from('id\n'), b.subarray(0, MIN - 4)]))).toBe(true);
  });

  it('is held to S3\'s part minimum: a plan made with a lower one fails at Complete with EntityTooSmall, and the upload is aborted', async () => {
    const pieces: Piece[] = [{ bucket: 'run-files', key: 'runs/r/partitions/0.json', start: 0, end: MIN - 10 }, { bytes: Buffer.from('tail') }];
    const assembling = assembleObject({ client, bucket: 'reports', key: 'too-small.json', contentType: 'application/json', pieces, minPartBytes: MIN / 2, maxPartBytes: MAX });
    await expect(assembling).rejects.toThrow(StoreError);
    await expect(assembling).rejects.toThrow(/^S3 CompleteMultipartUpload on s3:\/\/reports\/too-small\.json failed: EntityTooSmall: Your proposed upload is smaller than the minimum allowed size/);
    expect(uploadsLeft()).toEqual([]);
    await expect(download('too-small.json')).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('fails on a missing piece with the object named, and aborts the upload', async () => {
    const pieces: Piece[] = [{ bucket: 'run-files', key: 'runs/r/partitions/0.json', start: 0, end: MIN }, { bucket: 'run-files', key: 'runs/r/partitions/9.json', start: 0, end: MIN }];
    await expect(assembleObject({ client, bucket: 'reports', key: 'missing.json', contentType: 'application/json', pieces, minPartBytes: MIN, maxPartBytes: MAX })).rejects.toThrow(
      'S3 UploadPartCopy (part 2 of s3://reports/missing.json) found nothing at s3://run-files/runs/r/partitions/9.json (NoSuchKey).',
    );
    expect(uploadsLeft()).toEqual([]);
    await expect(sha256OfPieces(client, pieces)).rejects.toThrow(NotFoundError);
  });

  it('refuses a piece that runs past its object\'s end', async () => {
    const pieces: Piece[] = [{ bytes: Buffer.from('x') }, { bucket: 'spill-files', key: 'spill/ü b+c.csv', start: b.length - 5, end: b.length + 5 }];
    await expect(assembleObject({ client, bucket: 'reports', key: 'past.json', contentType: 'application/json', pieces, minPartBytes: MIN, maxPartBytes: MAX })).rejects.toThrow(
      `S3 GetObject of bytes ${b.length - 5}-${b.length + 4} of s3://spill-files/spill/ü b+c.csv returned 5 bytes instead of 10: the object is shorter than the piece.`,
    );
  });
});
