/**
 * The deployment's S3 client. A partitioned run's merges read one object at
 * once per partition or diff range (lib/report/FindingSorter.ts mergeSorted
 * over ReportStore.lines): each stream holds its socket until it is read to
 * its end, and the SDK's default of 50 sockets would leave the 51st waiting
 * forever. The pool is sized for the most partitions a run may have, and
 * the reads beside them (plan, results, reports).
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { MAX_PARTITIONS } from '../partitioned/planPartitions';

/** Sockets an S3 client may open at once: one stream per partition or range, and room for the rest. */
export const S3_MAX_SOCKETS = MAX_PARTITIONS + 64;

/**
 * An S3 client whose connection pool holds a merge of every partition at once.
 *
 * @example
 * new ReportStore(s3Client({ region: 'eu-central-1' }), 'retention-auditor-prod-run-files')
 */
export function s3Client(config: S3ClientConfig = {}): S3Client {
  const agent = { keepAlive: true, maxSockets: S3_MAX_SOCKETS };
  return new S3Client({ ...config, requestHandler: { httpAgent: new HttpAgent(agent), httpsAgent: new HttpsAgent(agent) } });
}
