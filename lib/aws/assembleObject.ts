/**
 * Builds one S3 object out of ordered pieces (bytes in memory and byte ranges of other
 * objects) without downloading the large ones: a partitioned run leaves each report as
 * pieces in the run-files bucket, and its reduce must deliver the report as ONE object in
 * the reports bucket. S3 copies every large range itself (UploadPartCopy); only pieces
 * below S3's 5 MiB part minimum pass through memory, gathered into uploaded parts, because
 * S3 refuses any part but the last below that minimum. `sha256OfPieces` hashes the same
 * pieces, since S3 keeps no SHA-256 of a whole multipart object and the run records one.
 */
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { StoreError, UsageError } from '../errors';
import { mapInOrder } from '../partitioned/mapInOrder';
import { translateSdkError, type SdkCall } from './sdkErrors';

const MIB = 1024 ** 2;

/** S3's smallest part but the last (UploadPart and UploadPartCopy alike). */
export const MIN_PART_BYTES = 5 * MIB;

/** S3's largest part, uploaded or copied. */
export const MAX_PART_BYTES = 5 * 1024 ** 3;

/** S3's most parts in one multipart upload. */
export const MAX_PARTS = 10_000;

/**
 * Parts sent at once: each uploaded one holds under two minimum parts of downloaded bytes; a
 * copied one holds nothing here, and S3 copies each at a pace of its own (a report's parts are
 * mostly copies).
 */
export const PARTS_AT_ONCE = 8;

/** Ranged GETs at once for the small pieces gathered into one uploaded part. */
const GETS_PER_PART = 4;

/** Bytes [start, end) of an S3 object, in any bucket. */
export interface S3Range {
  bucket: string;
  key: string;
  start: number;
  end: number;
}

/** A piece of the object: bytes in memory, or a byte range [start, end) of an S3 object (any bucket). */
export type Piece = { bytes: Buffer } | S3Range;

/** One part of the multipart upload: a range S3 copies itself, or pieces (slices of the caller's) uploaded together. */
export type PlannedPart = { copy: S3Range } | { upload: Piece[] };

export interface AssembleOptions {
  client: S3Client;
  bucket: string;
  key: string;
  contentType: string;
  pieces: readonly Piece[];
  /** Stops the assembly (a run's deadline): its reason is thrown. */
  signal?: AbortSignal;
  /** S3's minimum part size except the last (default 5 MiB); tests lower it only together with the emulation's check. */
  minPartBytes?: number;
  /** Largest part (default 5 GiB, S3's maximum for UploadPart and UploadPartCopy). */
  maxPartBytes?: number;
}

export interface Assembled {
  /** Bytes of the object. */
  bytes: number;
  /** Parts of the object: 1 when it went up in one PutObject. */
  parts: number;
  /** Parts S3 copied from the pieces' objects (UploadPartCopy). */
  copiedParts: number;
  /** Parts whose bytes were sent (UploadPart, or the one PutObject). */
  uploadedParts: number;
  /** S3 requests made: ranged GETs of small pieces, and the writes. */
  requests: number;
}

const isRange = (piece: Piece): piece is S3Range => !('bytes' in piece);
const sizeOf = (piece: Piece): number => (isRange(piece) ? piece.end - piece.start : piece.bytes.length);

/** Bytes [from, to) of a piece, counted from its own first byte. */
function slice(piece: Piece, from: number, to: number): Piece {
  if (!isRange(piece)) return { bytes: piece.bytes.subarray(from, to) };
  return { bucket: piece.bucket, key: piece.key, start: piece.start + from, end: piece.start + to };
}

function checkPartSizes(minPartBytes: number, maxPartBytes: number): void {
  if (!Number.isSafeInteger(minPartBytes) || minPartBytes < 1 || !Number.isSafeInteger(maxPartBytes) || maxPartBytes < 2 * minPartBytes) {
    // Twice the minimum: a range just over the maximum must split into two parts of at least the minimum.
    throw new UsageError(`Part sizes must be whole numbers with maxPartBytes (${maxPartBytes}) at least twice minPartBytes (${minPartBytes}).`);
  }
}

function checkPieces(pieces: readonly Piece[]): void {
  pieces.forEach((piece, index) => {
    const valid = isRange(piece)
      ? typeof piece.bucket === 'string' && piece.bucket !== '' && typeof piece.key === 'string' && piece.key !== '' &&
        Number.isSafeInteger(piece.start) && Number.isSafeInteger(piece.end) && piece.start >= 0 && piece.end >= piece.start
      : Buffer.isBuffer(piece.bytes);
    if (!valid) throw new UsageError(`Piece ${index} is neither a Buffer nor a byte range [start, end) of a named S3 object: ${JSON.stringify(isRange(piece) ? piece : '(bytes)')}.`);
  });
}

/**
 * Splits a range of at least `min` bytes into ranges of at most `max`, the last two balanced
 * so that each is at least `min` (which `max >= 2 * min` makes possible).
 */
function copyRanges(range: S3Range, min: number, max: number): PlannedPart[] {
  const length = range.end - range.start;
  const count = Math.ceil(length / max);
  const sizes = Array.from({ length: count }, () => max);
  const last = length - (count - 1) * max;
  sizes[count - 1] = last;
  if (count > 1 && last < min) {
    const both = max + last;
    sizes[count - 2] = Math.ceil(both / 2);
    sizes[count - 1] = Math.floor(both / 2);
  }
  let start = range.start;
  return sizes.map((size) => {
    const copy = { bucket: range.bucket, key: range.key, start, end: start + size };
    start += size;
    return { copy };
  });
}

/**
 * The parts that assemble `pieces`, in order, greedily: a range of an S3 object of at least
 * `minPartBytes` is copied by S3 (split at `maxPartBytes`); smaller pieces gather into an
 * uploaded part until it holds `minPartBytes`. A large range met while a part is gathering
 * first gives that part the bytes it lacks; its remainder is copied when still at least the
 * minimum, else it starts the next uploaded part. Every part but the last holds at least
 * `minPartBytes`, every part at most `maxPartBytes`, and no uploaded part holds more than a
 * minimum's worth of any one S3 object. Empty pieces are left out. Pure: nothing is read.
 *
 * @example
 * planParts([{ bytes: head }, { bucket: 'run-files', key: 'p/0.json', start: 0, end: 12 * MIB }], 5 * MIB, 5 * GIB)
 * // [{ upload: [{ bytes: head }, { bucket: 'run-files', key: 'p/0.json', start: 0, end: 5 * MIB - head.length }] },
 * //  { copy: { bucket: 'run-files', key: 'p/0.json', start: 5 * MIB - head.length, end: 12 * MIB } }]
 */
export function planParts(pieces: readonly Piece[], minPartBytes = MIN_PART_BYTES, maxPartBytes = MAX_PART_BYTES): PlannedPart[] {
  checkPartSizes(minPartBytes, maxPartBytes);
  checkPieces(pieces);
  const parts: PlannedPart[] = [];
  let pending: Piece[] = [];
  let pendingBytes = 0;
  const gather = (piece: Piece) => {
    // Only bytes in memory can be larger than a part: they are cut at part boundaries.
    for (let offset = 0, size = sizeOf(piece); offset < size; ) {
      const taken = Math.min(size - offset, maxPartBytes - pendingBytes);
      pending.push(slice(piece, offset, offset + taken));
      pendingBytes += taken;
      offset += taken;
      if (pendingBytes >= minPartBytes) {
        parts.push({ upload: pending });
        pending = [];
        pendingBytes = 0;
      }
    }
  };
  for (const piece of pieces) {
    const size = sizeOf(piece);
    if (size === 0) continue;
    if (!isRange(piece) || size < minPartBytes) {
      gather(piece);
      continue;
    }
    const lacking = pendingBytes > 0 ? minPartBytes - pendingBytes : 0;
    if (lacking > 0) gather(slice(piece, 0, lacking));
    const rest = slice(piece, lacking, size) as S3Range;
    if (size - lacking >= minPartBytes) parts.push(...copyRanges(rest, minPartBytes, maxPartBytes));
    else gather(rest);
  }
  if (pendingBytes > 0) parts.push({ upload: pending });
  return parts;
}

/** The S3 client and the requests made with it so far. */
interface Session {
  client: S3Client;
  requests: number;
}

/** One S3 request, counted; its failure becomes the project's error, or the reason of an aborted `signal`. */
async function send<Output>(session: Session, request: () => Promise<Output>, call: SdkCall, signal?: AbortSignal): Promise<Output> {
  signal?.throwIfAborted();
  session.requests += 1;
  try {
    return await request();
  } catch (cause) {
    signal?.throwIfAborted();
    throw translateSdkError(cause, call);
  }
}

const where = (bucket: string, key: string) => `s3://${bucket}/${key}`;

/** The bytes of a range (a ranged GetObject), checked to be all there. */
async function readRange(session: Session, range: S3Range, signal?: AbortSignal): Promise<Buffer> {
  const length = range.end - range.start;
  if (length === 0) return Buffer.alloc(0);
  const target = where(range.bucket, range.key);
  const bytes = await send(
    session,
    async () => {
      // HTTP ranges name their last byte.
      const response = await session.client.send(new GetObjectCommand({ Bucket: range.bucket, Key: range.key, Range: `bytes=${range.start}-${range.end - 1}` }), { abortSignal: signal });
      const array = await response.Body!.transformToByteArray();
      return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
    },
    { service: 'S3', operation: 'GetObject', iamAction: 's3:GetObject', target },
    signal,
  );
  if (bytes.length !== length) {
    throw new StoreError(`S3 GetObject of bytes ${range.start}-${range.end - 1} of ${target} returned ${bytes.length} bytes instead of ${length}: the object is shorter than the piece.`);
  }
  return bytes;
}

/**
 * Runs `task` over `items`, `limit` at once, starting them in order; the results keep the
 * items' order. The first failure stops the others (through the signal each task gets) and is
 * the one thrown; an abort of `signal` stops them all.
 */
async function inTurn<T, R>(items: readonly T[], limit: number, signal: AbortSignal | undefined, task: (item: T, index: number, signal: AbortSignal) => Promise<R>): Promise<R[]> {
  const stopAll = new AbortController();
  const stop = () => stopAll.abort(signal?.reason);
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    return await mapInOrder(items, limit, async (item, index) => {
      try {
        return await task(item, index, stopAll.signal);
      } catch (cause) {
        // The first failure stops the tasks under way too.
        if (!stopAll.signal.aborted) stopAll.abort(cause);
        throw cause;
      }
    });
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

/** The bytes of pieces, the S3 ones read with ranged GETs, a few at once. */
async function bytesOf(session: Session, pieces: readonly Piece[], signal?: AbortSignal): Promise<Buffer> {
  const buffers = await inTurn(pieces, GETS_PER_PART, signal, (piece, _, stop) => (isRange(piece) ? readRange(session, piece, stop) : Promise.resolve(piece.bytes)));
  return buffers.length === 1 ? (buffers[0] as Buffer) : Buffer.concat(buffers);
}

const sha256Base64 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');

/** What one upload writes to. */
interface Destination {
  session: Session;
  bucket: string;
  key: string;
  contentType: string;
}

/** A small object: one PutObject, with its SHA-256 for S3 to check (as ReportStore uploads). */
async function putWhole(to: Destination, pieces: readonly Piece[], signal?: AbortSignal): Promise<number> {
  const body = await bytesOf(to.session, pieces, signal);
  await send(
    to.session,
    () =>
      to.session.client.send(
        new PutObjectCommand({ Bucket: to.bucket, Key: to.key, Body: body, ContentLength: body.length, ContentType: to.contentType, ChecksumSHA256: sha256Base64(body) }),
        { abortSignal: signal },
      ),
    { service: 'S3', operation: 'PutObject', iamAction: 's3:PutObject', target: where(to.bucket, to.key) },
    signal,
  );
  return body.length;
}

/** `bucket/key` as UploadPartCopy names its source: each segment of the key URL-encoded. */
const copySourceOf = (range: S3Range) => `${range.bucket}/${range.key.split('/').map(encodeURIComponent).join('/')}`;

/** Sends one planned part; its number is its place in the plan. */
async function sendPart(to: Destination, uploadId: string, part: PlannedPart, partNumber: number, signal: AbortSignal): Promise<CompletedPart> {
  const target = where(to.bucket, to.key);
  if ('copy' in part) {
    const { copy } = part;
    const source = where(copy.bucket, copy.key);
    const { CopyPartResult: result } = await send(
      to.session,
      () =>
        to.session.client.send(
          new UploadPartCopyCommand({ Bucket: to.bucket, Key: to.key, UploadId: uploadId, PartNumber: partNumber, CopySource: copySourceOf(copy), CopySourceRange: `bytes=${copy.start}-${copy.end - 1}` }),
          { abortSignal: signal },
        ),
      {
        service: 'S3',
        operation: `UploadPartCopy (part ${partNumber} of ${target})`,
        iamAction: 's3:GetObject',
        target: source,
        deniedHint: `or the role lacks s3:PutObject on ${target}, where the part is written (and kms:Decrypt on the source's KMS key, if it has one)`,
      },
      signal,
    );
    // The upload was created with SHA-256 checksums: S3 computes the copied part's and Complete must repeat it.
    if (!result?.ETag || !result.ChecksumSHA256) throw new StoreError(`S3 UploadPartCopy of part ${partNumber} of ${target} answered without the part's ETag and SHA-256 checksum.`);
    return { PartNumber: partNumber, ETag: result.ETag, ChecksumSHA256: result.ChecksumSHA256 };
  }
  const body = await bytesOf(to.session, part.upload, signal);
  const checksum = sha256Base64(body);
  const { ETag } = await send(
    to.session,
    () =>
      to.session.client.send(
        new UploadPartCommand({ Bucket: to.bucket, Key: to.key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length, ChecksumAlgorithm: 'SHA256', ChecksumSHA256: checksum }),
        { abortSignal: signal },
      ),
    { service: 'S3', operation: `UploadPart (part ${partNumber})`, iamAction: 's3:PutObject', target },
    signal,
  );
  if (!ETag) throw new StoreError(`S3 UploadPart of part ${partNumber} of ${target} answered without an ETag.`);
  return { PartNumber: partNumber, ETag, ChecksumSHA256: checksum };
}

/** Drops a failed upload's parts; a failure here leaves them to the bucket's lifecycle rule. */
async function abandon(to: Destination, uploadId: string): Promise<void> {
  try {
    await to.session.client.send(new AbortMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, UploadId: uploadId }));
  } catch {
    // Best effort: the error that made us abandon the upload is the one to report.
  }
}

/** Create, the parts in plan order (a few at once), Complete; on any failure the upload is aborted. */
async function putInParts(to: Destination, plan: readonly PlannedPart[], signal?: AbortSignal): Promise<void> {
  const target = where(to.bucket, to.key);
  const { UploadId: uploadId } = await send(
    to.session,
    () =>
      // SHA-256 checksums: the SDK adds a checksum to every UploadPart by default, which S3 accepts
      // only in an upload created with an algorithm; S3 computes the same for copied parts.
      to.session.client.send(new CreateMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, ContentType: to.contentType, ChecksumAlgorithm: 'SHA256' }), { abortSignal: signal }),
    { service: 'S3', operation: 'CreateMultipartUpload', iamAction: 's3:PutObject', target },
    signal,
  );
  if (!uploadId) throw new StoreError(`S3 CreateMultipartUpload for ${target} answered without an upload id.`);
  try {
    const parts = await inTurn(plan, PARTS_AT_ONCE, signal, (part, index, stop) => sendPart(to, uploadId, part, index + 1, stop));
    await send(
      to.session,
      () => to.session.client.send(new CompleteMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, UploadId: uploadId, MultipartUpload: { Parts: parts } }), { abortSignal: signal }),
      { service: 'S3', operation: 'CompleteMultipartUpload', iamAction: 's3:PutObject', target },
      signal,
    );
  } catch (cause) {
    await abandon(to, uploadId);
    throw cause;
  }
}

/**
 * Writes `pieces`, concatenated, as one object: S3 copies the large ranges itself (a
 * multipart upload with UploadPartCopy, planned by `planParts`), the small pieces are read
 * (ranged GETs) and uploaded together. An object that fits one uploaded part (less than
 * `minPartBytes` in all) goes up in one PutObject with its SHA-256. Up to PARTS_AT_ONCE parts
 * are sent at once, numbered in plan order. A failure aborts the multipart upload (best effort; the
 * bucket's lifecycle rule removes what remains) and is thrown as the project's error; an
 * abort of `signal` throws its reason.
 *
 * @example
 * await assembleObject({
 *   client, bucket: 'reports', key: 'runs/audit-…/report.json', contentType: 'application/json',
 *   pieces: [{ bytes: Buffer.from('{"findings":[') }, { bucket: 'run-files', key: 'runs/audit-…/0.json', start: 0, end: 812_000_000 }, { bytes: Buffer.from(']}') }],
 * }) // { bytes: 812000015, parts: 3, copiedParts: 1, uploadedParts: 2, requests: 6 }
 */
export async function assembleObject(options: AssembleOptions): Promise<Assembled> {
  const { client, bucket, key, contentType, pieces, signal, minPartBytes = MIN_PART_BYTES, maxPartBytes = MAX_PART_BYTES } = options;
  const plan = planParts(pieces, minPartBytes, maxPartBytes);
  if (plan.length > MAX_PARTS) {
    throw new UsageError(`Assembling ${where(bucket, key)} takes ${plan.length} parts, more than S3's ${MAX_PARTS}: use a larger maxPartBytes or fewer, larger pieces.`);
  }
  const to: Destination = { session: { client, requests: 0 }, bucket, key, contentType };
  const bytes = pieces.reduce((sum, piece) => sum + sizeOf(piece), 0);
  const first = plan[0];
  try {
    if (first === undefined || (plan.length === 1 && 'upload' in first)) {
      await putWhole(to, first && 'upload' in first ? first.upload : [], signal);
      return { bytes, parts: 1, copiedParts: 0, uploadedParts: 1, requests: to.session.requests };
    }
    await putInParts(to, plan, signal);
  } catch (cause) {
    // The run's deadline: its own error, not S3's.
    if (signal?.aborted) throw signal.reason;
    throw cause;
  }
  const copiedParts = plan.filter((part) => 'copy' in part).length;
  return { bytes, parts: plan.length, copiedParts, uploadedParts: plan.length - copiedParts, requests: to.session.requests };
}

/** The pieces cut into what is hashed one at a time: S3 ranges in chunks of at most `chunkBytes`. */
function* chunksOf(pieces: readonly Piece[], chunkBytes: number): Generator<Piece> {
  for (const piece of pieces) {
    if (!isRange(piece)) {
      if (piece.bytes.length > 0) yield piece;
      continue;
    }
    for (let start = piece.start; start < piece.end; start += chunkBytes) yield { bucket: piece.bucket, key: piece.key, start, end: Math.min(start + chunkBytes, piece.end) };
  }
}

/**
 * SHA-256 (hex) of the concatenated pieces, read in order with up to `concurrency` ranged GETs
 * ahead (chunks of `chunkBytes`, default 8 MiB), hashed strictly in order: it holds at most
 * `concurrency × chunkBytes` of downloaded bytes. The digest of what `assembleObject` writes,
 * without reading the assembled object back.
 *
 * @example
 * await sha256OfPieces(client, [{ bytes: Buffer.from('[') }, { bucket: 'run-files', key: 'runs/audit-…/0.json', start: 0, end: 812_000_000 }])
 * // 'e3b0c442…'
 */
export async function sha256OfPieces(client: S3Client, pieces: readonly Piece[], options: { concurrency?: number; chunkBytes?: number; signal?: AbortSignal } = {}): Promise<string> {
  const { concurrency = 8, chunkBytes = 8 * MIB, signal } = options;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || !Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
    throw new UsageError(`Hashing pieces needs a whole concurrency and chunkBytes of at least 1, not ${concurrency} and ${chunkBytes}.`);
  }
  checkPieces(pieces);
  const session: Session = { client, requests: 0 };
  const hash = createHash('sha256');
  const stopAll = new AbortController();
  const stop = () => stopAll.abort(signal?.reason);
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  // Read ahead, hashed in order: the window holds the chunks not yet hashed.
  const window: { bytes: Promise<Buffer>; read: boolean }[] = [];
  let reading = 0;
  const hashFirst = async () => {
    const { bytes, read } = window.shift()!;
    if (read) reading -= 1;
    hash.update(await bytes);
  };
  try {
    for (const chunk of chunksOf(pieces, chunkBytes)) {
      if (isRange(chunk)) {
        const bytes = readRange(session, chunk, stopAll.signal);
        // Awaited in turn below; a failure while an earlier chunk is awaited must not go unhandled.
        bytes.catch(() => undefined);
        window.push({ bytes, read: true });
        reading += 1;
      } else window.push({ bytes: Promise.resolve(chunk.bytes), read: false });
      while (reading >= concurrency) await hashFirst();
    }
    while (window.length > 0) await hashFirst();
  } catch (cause) {
    stopAll.abort(cause);
    if (signal?.aborted) throw signal.reason;
    throw cause;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  return hash.digest('hex');
}
