import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { translateSdkError } from '../aws/sdkErrors';
import { NotFoundError, StoreError } from '../errors';


/**
 * The reports bucket: finished reports (and the waivers object) in S3 — the
 * real one, or a local S3 server (s3rver) offline and in tests, reached
 * through `AWS_ENDPOINT_URL_S3`.
 */
export class ReportStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  describe(): string {
    return `s3://${this.bucket}`;
  }

  /**
   * Uploads a finished report (encrypted at rest by the bucket's default
   * encryption). The report's SHA-256, the run's evidence, goes with it as the
   * object's checksum: S3 refuses the upload unless the bytes it stored match.
   * The content type is the format's (lib/report/formats/reportFormats.ts): the
   * functions that only read reports do not load the writers.
   */
  async put(key: string, localPath: string, sha256Hex: string, contentType: string): Promise<void> {
    try {
      const { size } = await stat(localPath);
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: createReadStream(localPath),
          ContentLength: size,
          ContentType: contentType,
          ChecksumSHA256: Buffer.from(sha256Hex, 'hex').toString('base64'),
        }),
      );
    } catch (cause) {
      throw translateSdkError(cause, { service: 'S3', operation: 'PutObject', iamAction: 's3:PutObject', target: `s3://${this.bucket}/${key}` });
    }
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
