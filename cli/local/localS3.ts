import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
// s3rver's one account, whose key registry decides which access key ids it accepts.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } };

export interface LocalS3 {
  endpoint: string;
  /** The folder s3rver keeps the objects in. */
  directory: string;
  /** Accepts requests signed with this access key (s3rver knows only its own otherwise; it does not check SigV4 signatures). */
  allowAccessKey(accessKeyId: string, secretAccessKey?: string): void;
  /** Creates a bucket (and puts objects in it) with local credentials. */
  createBucket(name: string, objects?: Record<string, string | Buffer>): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a local S3 server (s3rver) on 127.0.0.1: reached through
 * `AWS_ENDPOINT_URL_S3`, with path-style addressing (the SDK picks it for an
 * IP endpoint). It does not check signatures: IAM is checked elsewhere.
 * `configure` gets the server before it starts, the only moment middleware can
 * be added (tests teach it UploadPartCopy: test/helpers/aws/s3rverPartCopy.ts).
 *
 * @example
 * const s3 = await startLocalS3(0); await s3.createBucket('reports-bucket');
 * const copying = await startLocalS3(0, undefined, ['test'], (server) => installPartCopy(server));
 */
export async function startLocalS3(
  port = 0,
  directory = mkdtempSync(join(tmpdir(), 'local-s3-')),
  accessKeys: string[] = [],
  configure?: (server: S3rver) => void,
): Promise<LocalS3> {
  const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory, resetOnClose: false });
  configure?.(server);
  const { port: bound } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${bound}`;
  for (const key of accessKeys) DUMMY_ACCOUNT.createKeyPair(key, key);
  return {
    endpoint,
    directory,
    allowAccessKey(accessKeyId, secretAccessKey = accessKeyId) {
      DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
    },
    async createBucket(name, objects = {}) {
      const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }));
        for (const [key, body] of Object.entries(objects)) await client.send(new PutObjectCommand({ Bucket: name, Key: key, Body: body }));
      } finally {
        client.destroy();
      }
    },
    close: () => server.close(),
  };
}
