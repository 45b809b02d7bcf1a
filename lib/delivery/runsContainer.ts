import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { s3Client } from '../aws/s3Client';
import { createDocumentClient, InventoryTable } from '../inventory/InventoryTable';
import { readDeliveryConfig, type DeliveryConfig } from './config';
import { DynamoRunStore } from './DynamoRunStore';
import { LambdaLauncher, StepFunctionsLauncher, ThresholdLauncher } from './launchers';
import { ReportStore } from './ReportStore';
import type { RunStore } from './RunStore';
import type { AuditLauncher } from './startRun';

/**
 * What the HTTP handlers need: the configuration, the run records, the reports
 * bucket (for links) and the launcher of the worker. It loads none of the audit
 * pipeline (no engine, no pdfkit), so the API functions start fast.
 */
export interface RunsContainer {
  config: DeliveryConfig;
  logger: Logger;
  runs: RunStore;
  reports: ReportStore;
  /** Starts a recorded run: the worker Lambda, or the state machine from PARTITION_THRESHOLD_ITEMS on (when STATE_MACHINE_ARN is set). */
  launcher: AuditLauncher;
  /** The state machine of large runs and the size rule that sends a run to it; none when STATE_MACHINE_ARN is unset. */
  largeRuns?: { stateMachine: StepFunctionsLauncher; threshold: ThresholdLauncher };
  /** The DynamoDB client the stores share. */
  documentClient: DynamoDBDocumentClient;
}

export const logger = new Logger({ serviceName: 'retention-auditor' });

/**
 * Builds the clients once per cold start from the configuration. AWS endpoints
 * come from the SDK's own settings (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_LAMBDA`…),
 * which is how offline runs and tests reach local peers; DynamoDB also takes
 * `DYNAMODB_ENDPOINT`.
 */
export function createRunsContainer(env: Record<string, string | undefined> = process.env): RunsContainer {
  const config = readDeliveryConfig(env);
  const documentClient = createDocumentClient(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {});
  const runs = new DynamoRunStore(documentClient, config.RUNS_TABLE, config.REPORT_RETENTION_DAYS);
  const worker = new LambdaLauncher(new LambdaClient({ region: config.AWS_REGION }), config.AUDIT_WORKER_FUNCTION);
  const largeRuns = config.STATE_MACHINE_ARN ? largeRunsOf(config, config.STATE_MACHINE_ARN, documentClient, runs, worker) : undefined;
  return {
    config,
    logger,
    runs,
    reports: new ReportStore(s3Client({ region: config.AWS_REGION }), config.REPORTS_BUCKET),
    launcher: largeRuns?.threshold ?? worker,
    ...(largeRuns ? { largeRuns } : {}),
    documentClient,
  };
}

/** The state machine's launcher, and the threshold launcher that sends a run to it or to the worker by its snapshot's size. */
function largeRunsOf(config: DeliveryConfig, stateMachineArn: string, documentClient: DynamoDBDocumentClient, runs: RunStore, worker: AuditLauncher) {
  const stateMachine = new StepFunctionsLauncher(new SFNClient({ region: config.AWS_REGION }), stateMachineArn, runs);
  const threshold = new ThresholdLauncher({
    inventory: new InventoryTable({ client: documentClient, tableName: config.INVENTORY_TABLE }),
    thresholdItems: config.PARTITION_THRESHOLD_ITEMS,
    large: stateMachine,
    small: worker,
  });
  return { stateMachine, threshold };
}

let cached: RunsContainer | undefined;
/** The container of this Lambda instance, built on first use. */
export function runsContainer(): RunsContainer {
  cached ??= createRunsContainer();
  return cached;
}
