import { createAuditContainer, type AuditContainer } from '../../lib/delivery/auditContainer';
import type { DynamoRunStore } from '../../lib/delivery/DynamoRunStore';
import { executeAudit } from '../../lib/delivery/executeAudit';
import type { RunMetricName } from '../../lib/delivery/RunMetrics';
import { FileInventorySource } from '../../lib/inventory/FileInventorySource';
import { loadInventory } from '../../lib/inventory/loadInventory';
import type { LocalS3 } from '../../cli/local/localS3';

let counter = 0;

/** The deployment's required settings, as a test's environment (fake names; credentials for the local peers and mocks). */
export const TEST_DEPLOYMENT_ENV = {
  INVENTORY_TABLE: 'retention-auditor-test-inventory',
  RUNS_TABLE: 'retention-auditor-test-runs',
  REPORTS_BUCKET: 'reports-bucket',
  DPO_EMAIL: 'dpo@example.com',
  SENDER_EMAIL: 'auditor@example.com',
  AUDIT_WORKER_FUNCTION: 'retention-auditor-test-auditWorker',
  AWS_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
};

/** Metrics kept in memory, for assertions. */
export function recordingMetrics(): { publish(values: Partial<Record<RunMetricName, number>>): void; published: Partial<Record<RunMetricName, number>>[] } {
  const published: Partial<Record<RunMetricName, number>>[] = [];
  return { published, publish: (values) => void published.push(values) };
}

/**
 * A container on a local DynamoDB, a local S3 (a fresh bucket) and an SMTP
 * sink, with fresh tables; POST /audits runs the audit in this process. The
 * state machine's run files go to the reports bucket (`audit.runFiles` is
 * `audit.reports`), or with `runFilesBucket` to a fresh bucket of their own
 * (RUN_FILES_BUCKET), as in AWS.
 */
export async function localContainer(options: {
  endpoint: string;
  s3: LocalS3;
  smtpUrl: string;
  inventoryFile?: string;
  env?: Record<string, string>;
  auditAt?: string;
  waivers?: string;
  runFilesBucket?: boolean;
}): Promise<AuditContainer & { metrics: ReturnType<typeof recordingMetrics> }> {
  const n = ++counter;
  process.env.AWS_ENDPOINT_URL_S3 = options.s3.endpoint;
  const bucket = `reports-${process.pid}-${n}`;
  await options.s3.createBucket(bucket, options.waivers ? { 'waivers.yaml': options.waivers } : {});
  const runFiles = options.runFilesBucket ? `run-files-${process.pid}-${n}` : undefined;
  if (runFiles) await options.s3.createBucket(runFiles);
  const container = createAuditContainer({
    INVENTORY_TABLE: `inventory-${n}`,
    RUNS_TABLE: `runs-${n}`,
    REPORTS_BUCKET: bucket,
    DPO_EMAIL: 'dpo@example.com',
    SENDER_EMAIL: 'auditor@example.com',
    SMTP_URL: options.smtpUrl,
    DYNAMODB_ENDPOINT: options.endpoint,
    AUDIT_WORKER_FUNCTION: 'local-worker',
    AWS_REGION: 'eu-central-1',
    ...(runFiles ? { RUN_FILES_BUCKET: runFiles } : {}),
    ...options.env,
  });
  const metrics = recordingMetrics();
  container.audit.metrics = metrics;
  // Audits happen a few hours after the example snapshots were captured, unless a test says otherwise.
  container.audit.now = () => new Date(options.auditAt ?? '2026-11-20T06:00:00Z');
  container.launcher = {
    launch: async (runId) => {
      setImmediate(() => void executeAudit(runId, container.audit).catch(() => undefined));
    },
  };
  await (container.runs as DynamoRunStore).ensureTable();
  await container.audit.inventory.ensureTable();
  if (options.inventoryFile) {
    await loadInventory(new FileInventorySource(options.inventoryFile), container.audit.inventory, { concurrency: 4 });
  }
  return { ...container, metrics };
}
