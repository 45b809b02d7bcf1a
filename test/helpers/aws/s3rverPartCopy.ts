/**
 * What s3rver lacks for multipart uploads, emulated as S3 does it, so that tests of
 * lib/aws/assembleObject.ts run against S3's rules and not s3rver's leniency: s3rver answers
 * UploadPartCopy with NotImplemented and AbortMultipartUpload with MethodNotAllowed, and its
 * CompleteMultipartUpload accepts parts of any size, wrong ETags and missing checksums.
 *
 * How it hooks in: s3rver is a Koa app whose `app.middleware` array Koa composes (copies)
 * when the server starts listening, so a middleware unshifted into it before `run()` sees
 * every request first — before s3rver's logger, authentication and router. It answers
 * UploadPartCopy and AbortMultipartUpload itself, and checks a CompleteMultipartUpload
 * before handing it on to s3rver. These routes skip s3rver's access-key check (IAM is
 * checked elsewhere: test/helpers/aws/iamCheck.ts) and know path-style addresses only (the
 * SDK uses them for an IP endpoint). Errors are s3rver's own S3Error, which its error
 * handler writes as S3's XML.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';

// s3rver's error model: its error handler answers these with S3's XML and the code's status.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3Error = require('s3rver/lib/models/error') as new (code: string, message: string, detail?: Record<string, string | number>) => Error;

/** S3's smallest part but the last. */
const S3_MIN_PART_BYTES = 5 * 1024 ** 2;

export interface PartCopyOptions {
  /** Smallest part but the last that CompleteMultipartUpload accepts (S3's 5 MiB unless a test lowers it). */
  minPartBytes?: number;
}

/** The parts of s3rver's FilesystemStore used here. */
interface FilesystemStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  getBucket(bucket: string): Promise<unknown>;
}

/** The parts of a Koa context used here. */
interface Context {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  headers: IncomingHttpHeaders;
  req: IncomingMessage;
  status: number;
  type: string;
  body: unknown;
  store: FilesystemStore;
  /** Sets a response header (Koa). */
  set(field: string, value: string): void;
}

type Middleware = (ctx: Context, next: () => Promise<void>) => Promise<void>;

/** A multipart upload under way, as s3rver keeps it: a folder of parts, its key and the Create request's headers. */
interface Upload {
  directory: string;
  /** The checksum algorithm it was created with ('SHA256'), if any. */
  algorithm: string | undefined;
}

/** Bucket and key of a path-style request, or undefined for a bucket or the service. */
function objectOf(path: string): { bucket: string; key: string } | undefined {
  const match = /^\/([^/]+)\/(.+)$/.exec(path);
  return match ? { bucket: decodeURIComponent(match[1] as string), key: decodeURIComponent(match[2] as string) } : undefined;
}

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

function noSuchUpload(uploadId: string): Error {
  return new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: uploadId });
}

async function openUpload(store: FilesystemStore, bucket: string, key: string, uploadId: string): Promise<Upload> {
  // s3rver's upload ids are hex; anything else would be a path outside its folder.
  if (!/^[0-9a-f]+$/.test(uploadId)) throw noSuchUpload(uploadId);
  const directory = join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
  const [uploadKey, headers] = await Promise.all([readFile(join(directory, 'key'), 'utf8'), readFile(join(directory, 'metadata'), 'utf8')]).catch(() => [undefined, '{}']);
  if (uploadKey !== key) throw noSuchUpload(uploadId);
  const algorithm = (JSON.parse(headers as string) as IncomingHttpHeaders)['x-amz-checksum-algorithm'];
  return { directory, algorithm: typeof algorithm === 'string' ? algorithm.toUpperCase() : undefined };
}

/** `bucket/key` of an x-amz-copy-source header (URL-encoded, with or without a leading slash). */
function copySourceOf(header: string): { bucket: string; key: string } {
  if (header.includes('?versionId=')) throw new S3Error('NotImplemented', 'A header you provided implies functionality that is not implemented', { Header: 'x-amz-copy-source' });
  const path = header.startsWith('/') ? header.slice(1) : header;
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) {
    throw new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source', ArgumentValue: header });
  }
  return { bucket: decodeURIComponent(path.slice(0, slash)), key: decodeURIComponent(path.slice(slash + 1)) };
}

/** The bytes [first, last] a copy-source range names, checked against the source's size as S3 checks them. */
function copyRangeOf(header: string | undefined, size: number): { first: number; last: number } {
  if (header === undefined) return { first: 0, last: size - 1 };
  const match = /^bytes=(\d+)-(\d+)$/.exec(header);
  if (!match || Number(match[1]) > Number(match[2])) {
    throw new S3Error('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', {
      ArgumentName: 'x-amz-copy-source-range',
      ArgumentValue: header,
    });
  }
  const first = Number(match[1]);
  const last = Number(match[2]);
  // S3's answer to a range past the source's end (an InvalidArgument, not GetObject's InvalidRange).
  if (last >= size) throw new S3Error('InvalidArgument', `Range specified is not valid for source object of size: ${size}`, { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: header });
  return { first, last };
}

/** The size of an object in s3rver's store, or S3's NoSuchBucket / NoSuchKey. */
async function sizeOfObject(store: FilesystemStore, bucket: string, key: string): Promise<number> {
  if (!(await store.getBucket(bucket))) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
  try {
    return (await stat(store.getResourcePath(bucket, key, 'object'))).size;
  } catch {
    throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: key });
  }
}

function partNumberOf(ctx: Context): number {
  const value = single(ctx.query.partNumber);
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 10_000) {
    throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber', ArgumentValue: String(value) });
  }
  return number;
}

/** UploadPartCopy: the source's bytes stored as the part, with the MD5 (its ETag) s3rver keeps beside each part. */
async function uploadPartCopy(ctx: Context, bucket: string, key: string, uploadId: string): Promise<void> {
  const partNumber = partNumberOf(ctx);
  const upload = await openUpload(ctx.store, bucket, key, uploadId);
  if (upload.algorithm !== undefined && upload.algorithm !== 'SHA256') {
    throw new S3Error('NotImplemented', `This emulation computes SHA256 part checksums only, not ${upload.algorithm}`);
  }
  const source = copySourceOf(String(ctx.headers['x-amz-copy-source']));
  const size = await sizeOfObject(ctx.store, source.bucket, source.key);
  const { first, last } = copyRangeOf(single(ctx.headers['x-amz-copy-source-range']), size);
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  const partPath = join(upload.directory, String(partNumber));
  const bytes = last >= first ? createReadStream(ctx.store.getResourcePath(source.bucket, source.key, 'object'), { start: first, end: last }) : Readable.from([]);
  const hashing = new Transform({
    transform(chunk: Buffer, _, done) {
      md5.update(chunk);
      sha256.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(bytes, hashing, createWriteStream(partPath));
  const etag = md5.digest('hex');
  await writeFile(`${partPath}.md5`, etag);
  const checksum = upload.algorithm === 'SHA256' ? `<ChecksumSHA256>${sha256.digest('base64')}</ChecksumSHA256>` : '';
  ctx.type = 'application/xml';
  ctx.body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<CopyPartResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LastModified>${new Date().toISOString()}</LastModified><ETag>&quot;${etag}&quot;</ETag>${checksum}</CopyPartResult>`;
}

/** The parts a CompleteMultipartUpload body lists, in its order. */
function listedParts(xml: string): { number: number; etag: string; checksum: string | undefined }[] {
  const text = (part: string, tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(part)?.[1];
  const unescape = (value: string) => value.replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  return [...xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, part = '']) => ({
    number: Number(text(part, 'PartNumber')),
    etag: unescape(text(part, 'ETag') ?? '').replace(/"/g, ''),
    checksum: text(part, 'ChecksumSHA256'),
  }));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * CompleteMultipartUpload's checks that s3rver leaves out, in S3's words: parts listed in
 * ascending order, each uploaded with the listed ETag (and SHA-256, for an upload created with
 * it), each but the last at least the minimum. The body is read here and replayed to s3rver.
 */
async function checkCompletion(ctx: Context, bucket: string, key: string, uploadId: string, minPartBytes: number): Promise<void> {
  const upload = await openUpload(ctx.store, bucket, key, uploadId);
  const body = await readBody(ctx.req);
  // s3rver's own handler reads the body from ctx.req.
  ctx.req = Readable.from([body]) as unknown as IncomingMessage;
  const parts = listedParts(body.toString('utf8'));
  const unordered = parts.find((part, index) => index > 0 && part.number <= (parts[index - 1]?.number ?? 0));
  if (unordered) {
    throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.', { UploadId: uploadId, PartNumber: unordered.number });
  }
  for (const [index, part] of parts.entries()) {
    const invalidPart = () =>
      new S3Error('InvalidPart', "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", {
        UploadId: uploadId,
        PartNumber: part.number,
        ETag: part.etag,
      });
    const path = join(upload.directory, String(part.number));
    const [size, etag] = await Promise.all([stat(path).then((s) => s.size), readFile(`${path}.md5`, 'utf8')]).catch(() => [undefined, undefined]);
    if (size === undefined || etag !== part.etag) throw invalidPart();
    if (upload.algorithm === 'SHA256') {
      if (part.checksum === undefined) {
        throw new S3Error('InvalidRequest', `The upload was created using a sha256 checksum. The complete request must include the checksum for each part. It was missing for part ${part.number} in the request.`);
      }
      if (createHash('sha256').update(await readFile(path)).digest('base64') !== part.checksum) throw invalidPart();
    }
    if (index < parts.length - 1 && (size as number) < minPartBytes) {
      throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', { ProposedSize: size as number, MinSizeAllowed: minPartBytes, PartNumber: part.number, ETag: part.etag });
    }
  }
}

/** AbortMultipartUpload: the upload's parts removed, 204 as S3 answers. */
async function abortUpload(ctx: Context, bucket: string, key: string, uploadId: string): Promise<void> {
  const upload = await openUpload(ctx.store, bucket, key, uploadId);
  await rm(upload.directory, { recursive: true, force: true });
  ctx.status = 204;
}

function partCopyMiddleware(minPartBytes: number): Middleware {
  return async (ctx, next) => {
    const object = objectOf(ctx.path);
    const uploadId = single(ctx.query.uploadId);
    if (!object || uploadId === undefined) return next();
    const { bucket, key } = object;
    if (ctx.method === 'PUT' && 'x-amz-copy-source' in ctx.headers) return uploadPartCopy(ctx, bucket, key, uploadId);
    if (ctx.method === 'DELETE') return abortUpload(ctx, bucket, key, uploadId);
    if (ctx.method === 'POST') await checkCompletion(ctx, bucket, key, uploadId, minPartBytes);
    await next();
    // UploadPart: S3 answers the part's checksum it checked, which the client lists at completion (s3rver answers none).
    const checksum = ctx.method === 'PUT' ? single(ctx.headers['x-amz-checksum-sha256']) : undefined;
    if (checksum !== undefined && ctx.status === 200) ctx.set('x-amz-checksum-sha256', checksum);
  };
}

/**
 * Teaches an s3rver instance, before it is started, UploadPartCopy and AbortMultipartUpload,
 * and S3's checks at CompleteMultipartUpload (EntityTooSmall below `minPartBytes`).
 *
 * @example
 * const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
 * installPartCopy(server, { minPartBytes: 64 * 1024 });
 * await server.run();
 */
export function installPartCopy(server: S3rver, options: PartCopyOptions = {}): void {
  const { minPartBytes = S3_MIN_PART_BYTES } = options;
  const app = server as unknown as { middleware: Middleware[]; httpServer?: unknown };
  if (app.httpServer !== undefined) throw new Error('installPartCopy must run before the s3rver instance starts: Koa composes its middleware when it starts listening.');
  app.middleware.unshift(partCopyMiddleware(minPartBytes));
}
