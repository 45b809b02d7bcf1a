import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
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
import S3rver from 's3rver';
import { tempDir } from '../files';
import { installPartCopy } from './s3rverPartCopy';

const MIN = 64 * 1024;
const md5 = (bytes: Buffer) => `"${createHash('md5').update(bytes).digest('hex')}"`;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');

describe('installPartCopy: s3rver with UploadPartCopy and S3\'s checks at CompleteMultipartUpload', () => {
  const directory = tempDir('s3rver-part-copy-');
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  let client: S3Client;
  const source = randomBytes(3 * MIN + 11);
  beforeAll(async () => {
    installPartCopy(server, { minPartBytes: MIN });
    const { port } = await server.run();
    client = new S3Client({ endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, region: 'eu-central-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    for (const bucket of ['run-files', 'reports']) await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(new PutObjectCommand({ Bucket: 'run-files', Key: 'runs/r/ü b+c.json', Body: source }));
  });
  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  const create = async (key: string, checksums = true) =>
    (await client.send(new CreateMultipartUploadCommand({ Bucket: 'reports', Key: key, ...(checksums ? { ChecksumAlgorithm: 'SHA256' as const } : {}) }))).UploadId!;
  const copyPart = (key: string, uploadId: string, partNumber: number, range?: string) =>
    client.send(new UploadPartCopyCommand({ Bucket: 'reports', Key: key, UploadId: uploadId, PartNumber: partNumber, CopySource: `run-files/runs/r/${encodeURIComponent('ü b+c.json')}`, CopySourceRange: range }));
  const upload = async (key: string, uploadId: string, partNumber: number, body: Buffer) => {
    const { ETag } = await client.send(new UploadPartCommand({ Bucket: 'reports', Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ChecksumAlgorithm: 'SHA256', ChecksumSHA256: sha256(body) }));
    return { PartNumber: partNumber, ETag, ChecksumSHA256: sha256(body) };
  };
  const read = async (key: string) => Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: 'reports', Key: key }))).Body!.transformToByteArray());

  it('copies ranges of another bucket\'s object as parts, answering the ETag and SHA-256 S3 gives, and completes the object', async () => {
    const uploadId = await create('copied.bin');
    const first = await copyPart('copied.bin', uploadId, 1, `bytes=0-${MIN - 1}`);
    expect(first.CopyPartResult).toMatchObject({ ETag: md5(source.subarray(0, MIN)), ChecksumSHA256: sha256(source.subarray(0, MIN)) });
    const middle = await upload('copied.bin', uploadId, 2, Buffer.from('-between-'.repeat(MIN / 8)));
    // No range: the whole object.
    const last = await copyPart('copied.bin', uploadId, 3);
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'reports',
        Key: 'copied.bin',
        UploadId: uploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ...first.CopyPartResult }, middle, { PartNumber: 3, ...last.CopyPartResult }] },
      }),
    );
    expect(await read('copied.bin')).toEqual(Buffer.concat([source.subarray(0, MIN), Buffer.from('-between-'.repeat(MIN / 8)), source]));
  });

  it('answers EntityTooSmall when a part but the last is below the minimum, and accepts a small last part', async () => {
    const uploadId = await create('small.bin');
    const parts = [await upload('small.bin', uploadId, 1, randomBytes(MIN - 1)), await upload('small.bin', uploadId, 2, randomBytes(MIN))];
    const completing = client.send(new CompleteMultipartUploadCommand({ Bucket: 'reports', Key: 'small.bin', UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    await expect(completing).rejects.toMatchObject({ name: 'EntityTooSmall', $metadata: { httpStatusCode: 400 } });
    const again = await create('small.bin');
    const fine = [await upload('small.bin', again, 1, randomBytes(MIN)), await upload('small.bin', again, 2, randomBytes(1))];
    await client.send(new CompleteMultipartUploadCommand({ Bucket: 'reports', Key: 'small.bin', UploadId: again, MultipartUpload: { Parts: fine } }));
    expect((await read('small.bin')).length).toBe(MIN + 1);
  });

  it('refuses a copy-source range past the source\'s end or not of the form bytes=first-last, as S3 does', async () => {
    const uploadId = await create('ranges.bin');
    await expect(copyPart('ranges.bin', uploadId, 1, `bytes=0-${source.length}`)).rejects.toMatchObject({ name: 'InvalidArgument', message: `Range specified is not valid for source object of size: ${source.length}` });
    await expect(copyPart('ranges.bin', uploadId, 1, 'bytes=5-4')).rejects.toMatchObject({ name: 'InvalidArgument', message: expect.stringContaining('bytes=first-last') });
    await expect(copyPart('ranges.bin', uploadId, 1, 'bytes=0-')).rejects.toMatchObject({ name: 'InvalidArgument' });
    const missing = client.send(new UploadPartCopyCommand({ Bucket: 'reports', Key: 'ranges.bin', UploadId: uploadId, PartNumber: 1, CopySource: 'run-files/nothing-here' }));
    await expect(missing).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('refuses a wrong ETag, a missing or wrong SHA-256 of an upload created with it, and parts out of order', async () => {
    const uploadId = await create('checked.bin');
    const one = await upload('checked.bin', uploadId, 1, randomBytes(MIN));
    const two = await upload('checked.bin', uploadId, 2, randomBytes(10));
    const complete = (parts: object[]) => client.send(new CompleteMultipartUploadCommand({ Bucket: 'reports', Key: 'checked.bin', UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    await expect(complete([{ ...one, ETag: '"0123"' }, two])).rejects.toMatchObject({ name: 'InvalidPart' });
    await expect(complete([one, { ...two, ChecksumSHA256: undefined }])).rejects.toMatchObject({ name: 'InvalidRequest', message: expect.stringContaining('missing for part 2') });
    await expect(complete([one, { ...two, ChecksumSHA256: one.ChecksumSHA256 }])).rejects.toMatchObject({ name: 'InvalidPart' });
    await expect(complete([two, one])).rejects.toMatchObject({ name: 'InvalidPartOrder' });
    await complete([one, two]);
  });

  it('aborts an upload: its parts are gone and the upload id is no more', async () => {
    const uploadId = await create('aborted.bin', false);
    await copyPart('aborted.bin', uploadId, 1);
    await client.send(new AbortMultipartUploadCommand({ Bucket: 'reports', Key: 'aborted.bin', UploadId: uploadId }));
    expect(readdirSync(`${directory}/reports/._S3rver_uploads`)).not.toContain(uploadId);
    await expect(copyPart('aborted.bin', uploadId, 2)).rejects.toMatchObject({ name: 'NoSuchUpload', $metadata: { httpStatusCode: 404 } });
    await expect(client.send(new AbortMultipartUploadCommand({ Bucket: 'reports', Key: 'aborted.bin', UploadId: uploadId }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });

  it('must be installed before the server starts (Koa composes its middleware then)', () => {
    expect(() => installPartCopy(server)).toThrow('installPartCopy must run before the s3rver instance starts: Koa composes its middleware when it starts listening.');
  });
});
