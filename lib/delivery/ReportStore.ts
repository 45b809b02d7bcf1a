import { createReadStream } from 'node:fs';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { StoreError } from '../errors';

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
  pdf: 'application/pdf',
};

/** Where finished reports are kept, and how a reader gets a short-lived link to one. */
export interface ReportStore {
  put(key: string, localPath: string): Promise<void>;
  link(key: string, expiresInSeconds: number): Promise<string>;
  describe(): string;
}

/** Reports in an S3 bucket (encrypted at rest by the bucket), links presigned. */
export class S3ReportStore implements ReportStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  describe(): string {
    return `s3://${this.bucket}`;
  }

  async put(key: string, localPath: string): Promise<void> {
    const extension = key.split('.').pop() ?? '';
    try {
      const { size } = await stat(localPath);
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: createReadStream(localPath),
          ContentLength: size,
          ContentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
        }),
      );
    } catch (cause) {
      throw new StoreError(`Could not store report ${key} in s3://${this.bucket}: ${(cause as Error).name}: ${(cause as Error).message}`, { cause });
    }
  }

  link(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds });
  }
}

/** Reports in a local folder (offline and tests); links are file URLs. */
export class FileReportStore implements ReportStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  describe(): string {
    return this.root;
  }

  async put(key: string, localPath: string): Promise<void> {
    const target = join(this.root, key);
    try {
      await mkdir(dirname(target), { recursive: true });
      await copyFile(localPath, target);
    } catch (cause) {
      throw new StoreError(`Could not store report ${key} in ${this.root}: ${(cause as Error).message}`, { cause });
    }
  }

  async link(key: string): Promise<string> {
    return pathToFileURL(join(this.root, key)).href;
  }
}

/**
 * The text of an S3 object, or null when there is none (a missing waivers file
 * means no waivers).
 *
 * @example
 * await readS3Text(s3, 'reports-bucket', 'waivers.yaml')
 */
export async function readS3Text(client: S3Client, bucket: string, key: string): Promise<string | null> {
  try {
    const result = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await result.Body?.transformToString('utf8')) ?? null;
  } catch (cause) {
    if ((cause as Error).name === 'NoSuchKey') return null;
    throw new StoreError(`Could not read s3://${bucket}/${key}: ${(cause as Error).name}: ${(cause as Error).message}`, { cause });
  }
}
