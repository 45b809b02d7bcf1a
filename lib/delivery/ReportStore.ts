import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { translateSdkError } from '../aws/sdkErrors';
import { NotFoundError, StoreError } from '../errors';
import { brotliLinesOf, linesOf } from '../inventory/readLines';
import { assembleObject, MIN_PART_BYTES, sha256OfPieces, type Piece } from '../aws/assembleObject';
import { MULTIPART, type MultipartOptions } from '../aws/multipart';


/** Times a read that broke off is resumed before it counts as failed. */
const STREAM_RESUMES = 3;

/** Parts uploaded at once: 4 of 64 MiB hold 256 MiB of memory. */
const PARTS_AT_ONCE = 4;

/**
 * The reports bucket: finished reports (and the waivers object) in S3 — the
 * real one, or a local S3 server (s3rver) offline and in tests, reached
 * through `AWS_ENDPOINT_URL_S3`.
 */
export class ReportStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    /** When reports are uploaded in parts (tests lower the sizes). */
    private readonly multipart: MultipartOptions = MULTIPART,
  ) {}

  /** The smallest part but the last of an assembled object: S3's minimum, or the tests' lowered part size (their local S3 holds them to it). */
  private get minAssemblyPartBytes(): number {
    return Math.min(MIN_PART_BYTES, this.multipart.partBytes);
  }

  describe(): string {
    return `s3://${this.bucket}`;
  }

  /**
   * Uploads a finished report (encrypted at rest by the bucket's default
   * encryption). The report's SHA-256, the run's evidence, goes with it as the
   * object's checksum: S3 refuses the upload unless the bytes it stored match.
   * A report of `multipart.fromBytes` or more goes up in parts instead, each
   * with its own SHA-256 that S3 checks (S3 keeps no whole-object SHA-256 of a
   * multipart object; the run record has the report's). A multipart upload that
   * fails leaves its parts to the bucket's lifecycle rule (removed after a day),
   * so the role needs no s3:AbortMultipartUpload. `signal` (the run's deadline)
   * stops an upload under way.
   * The content type is the format's (lib/report/formats/reportFormats.ts): the
   * functions that only read reports do not load the writers.
   */
  async put(key: string, localPath: string, sha256Hex: string, contentType: string, signal?: AbortSignal): Promise<void> {
    const { size } = await stat(localPath);
    const inParts = size >= this.multipart.fromBytes;
    try {
      signal?.throwIfAborted();
      if (inParts) await this.putInParts(key, localPath, contentType, signal);
      else {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: createReadStream(localPath),
            ContentLength: size,
            ContentType: contentType,
            ChecksumSHA256: Buffer.from(sha256Hex, 'hex').toString('base64'),
          }),
          { abortSignal: signal },
        );
      }
    } catch (cause) {
      // The run's deadline: its own error, not S3's.
      if (signal?.aborted) throw signal.reason;
      throw translateSdkError(cause, { service: 'S3', operation: inParts ? 'multipart upload' : 'PutObject', iamAction: 's3:PutObject', target: `s3://${this.bucket}/${key}` });
    }
  }

  private async putInParts(key: string, localPath: string, contentType: string, signal?: AbortSignal): Promise<void> {
    const body = createReadStream(localPath);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, ChecksumAlgorithm: 'SHA256' },
      partSize: this.multipart.partBytes,
      queueSize: PARTS_AT_ONCE,
      leavePartsOnError: true,
    });
    const stop = () => void upload.abort();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      await upload.done();
    } finally {
      signal?.removeEventListener('abort', stop);
      // A failed upload stops reading the file.
      body.destroy();
    }
  }

  /**
   * Puts an object of this bucket together from pieces in order — bytes in memory, or byte
   * ranges of objects in this or another bucket, copied by S3 itself (UploadPartCopy:
   * lib/aws/assembleObject.ts) — and answers its size and SHA-256. S3 keeps no whole-object
   * SHA-256 of a multipart object, so the pieces are read and hashed in order while S3 copies
   * them (each part S3 checks against its own SHA-256); the run record keeps the hash. A
   * partitioned run's JSON and CSV reports are assembled so.
   *
   * @example
   * await reports.assemble('reports/…/audit-….json', [{ bytes: head }, { bucket: runFiles.bucket, key: 'runs/…/parts/0.json', start: 0, end: 123 }], 'application/json')
   */
  async assemble(key: string, pieces: readonly Piece[], contentType: string, signal?: AbortSignal): Promise<{ bytes: number; sha256: string }> {
    const stop = new AbortController();
    const both = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    // One failing stops the other: no hash of an object that was not written, no upload left waiting on a hash.
    const [{ bytes }, sha256] = await Promise.all([
      assembleObject({ client: this.client, bucket: this.bucket, key, contentType, pieces, signal: both, minPartBytes: this.minAssemblyPartBytes }).catch((error: unknown) => {
        stop.abort(error);
        throw error;
      }),
      sha256OfPieces(this.client, pieces, { signal: both }).catch((error: unknown) => {
        stop.abort(error);
        throw error;
      }),
    ]);
    return { bytes, sha256 };
  }

  /**
   * Writes a small JSON object (a partitioned run's plan, a partition's
   * result) with its SHA-256 as the object's checksum, like a report.
   *
   * @example
   * await reports.putJson('runs/audit-…/plan.json', plan)
   */
  async putJson(key: string, value: unknown): Promise<void> {
    const body = JSON.stringify(value);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
        }),
      );
    } catch (cause) {
      throw translateSdkError(cause, { service: 'S3', operation: 'PutObject', iamAction: 's3:PutObject', target: `s3://${this.bucket}/${key}` });
    }
  }

  /** A JSON object written by `putJson`, or null when there is none (as `readText`). */
  async readJson<T>(key: string): Promise<T | null> {
    const text = await this.readText(key);
    if (text === null) return null;
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new StoreError(`s3://${this.bucket}/${key} is not JSON: ${(cause as Error).message}.`, { cause });
    }
  }

  /** A presigned GET link, valid for `expiresInSeconds` (and no longer than the signer's credentials). */
  link(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds });
  }

  /** Downloads an object to a local file (the `fetch` command, with the user's own credentials). */
  async download(key: string, localPath: string): Promise<void> {
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      await pipeline(result.Body as Readable, createWriteStream(localPath));
    } catch (cause) {
      throw translateSdkError(cause, { service: 'S3', operation: 'GetObject', iamAction: 's3:GetObject', target: `s3://${this.bucket}/${key}` });
    }
  }

  /**
   * Whether an object exists (HeadObject, allowed by s3:GetObject). As for `readText`, S3
   * answers 404 only to a caller that may also list the bucket; otherwise 403, an error.
   *
   * @example
   * await runFiles.exists('runs/audit-…/partitions/3.ndjson') // false when the map never stored it
   */
  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (cause) {
      const error = translateSdkError(cause, { service: 'S3', operation: 'HeadObject', iamAction: 's3:GetObject', target: `s3://${this.bucket}/${key}` });
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  /**
   * The lines of an object (or of its bytes [start, end)), read as they arrive (GetObject):
   * nothing is staged on disk. A read that breaks off (a connection reset while a reduce reads
   * a partition for minutes) is resumed where it stopped, with a ranged GET of the same object
   * version (its ETag). `signal` (a run's deadline) stops the read, even mid-body, with its reason.
   *
   * @example
   * for await (const line of runFiles.lines('runs/audit-…/partitions/3.ndjson', { range: { start: 0, end: 4096 } })) merge(line);
   * for await (const line of runFiles.lines('runs/audit-…/ranges/2.states', { compression: 'brotli', signal })) merge(line);
   */
  async *lines(key: string, options: { range?: { start: number; end: number }; compression?: 'none' | 'brotli'; signal?: AbortSignal } = {}): AsyncGenerator<string> {
    const { range, compression = 'none', signal } = options;
    if (range && range.end <= range.start) return;
    const bytes = this.bytes(key, { range, signal });
    if (compression === 'none') {
      yield* linesOf(bytes);
      return;
    }
    // Written by a TextSink 'brotli' (a diff range's files).
    yield* brotliLinesOf(bytes);
  }

  /**
   * An object's bytes (those of `range`), as they arrive, resumed up to STREAM_RESUMES times from the
   * last byte read (as `lines`). A report put together in the bucket is read so by the channels.
   *
   * @example
   * for await (const chunk of reports.bytes('reports/…/audit-….json', { signal })) hash.update(chunk);
   */
  async *bytes(key: string, options: { range?: { start: number; end: number }; signal?: AbortSignal } = {}): AsyncGenerator<Buffer> {
    const { range, signal } = options;
    const first = range?.start ?? 0;
    // HTTP ranges name their last byte.
    const last = range ? `${range.end - 1}` : '';
    let read = 0;
    let etag: string | undefined;
    for (let attempt = 0; ; attempt += 1) {
      let body: Readable;
      try {
        const range = read > 0 || first > 0 || last !== '' ? { Range: `bytes=${first + read}-${last}`, ...(etag ? { IfMatch: etag } : {}) } : {};
        signal?.throwIfAborted();
        const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...range }), { abortSignal: signal });
        etag ??= response.ETag;
        body = response.Body as Readable;
      } catch (cause) {
        signal?.throwIfAborted();
        throw translateSdkError(cause, { service: 'S3', operation: 'GetObject', iamAction: 's3:GetObject', target: `s3://${this.bucket}/${key}` });
      }
      try {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          read += chunk.length;
          yield chunk;
        }
        return;
      } catch (cause) {
        // Stopped by the run's deadline: no resume.
        signal?.throwIfAborted();
        if (attempt >= STREAM_RESUMES) {
          throw new StoreError(`Reading s3://${this.bucket}/${key} failed at byte ${read}, ${attempt + 1} times: ${(cause as Error).message}.`, { cause });
        }
      }
    }
  }

  /**
   * The text of an object, or null when there is none (a missing waivers object
   * means no waivers). S3 answers a missing key with 404 only to a caller that
   * may also list the bucket (s3:ListBucket); otherwise with 403, which stays an
   * error naming both permissions.
   *
   * @example
   * await reports.readText('waivers.yaml') // null when the object is missing
   */
  async readText(key: string): Promise<string | null> {
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await result.Body?.transformToString('utf8')) ?? null;
    } catch (cause) {
      const error = translateSdkError(cause, {
        service: 'S3',
        operation: 'GetObject',
        iamAction: 's3:GetObject',
        target: `s3://${this.bucket}/${key}`,
        deniedHint: `S3 also answers 403 for a missing object when the role may not s3:ListBucket on ${this.bucket} with s3:prefix "${key}"`,
      });
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }
}
