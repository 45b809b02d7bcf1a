import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadCatalog } from '../catalog/loadCatalog';
import { loadWaivers, parseWaivers } from '../engine/loadWaivers';
import { DynamoHistoryStore } from '../history/DynamoHistoryStore';
import { createDocumentClient, InventoryTable } from '../inventory/InventoryTable';
import { readDeliveryConfig, type DeliveryConfig } from './config';
import { DynamoRunStore } from './DynamoRunStore';
import { executeAudit, type AuditDependencies } from './executeAudit';
import { InProcessLauncher, LambdaLauncher } from './launchers';
import { createMailer } from './Mailer';
import { FileReportStore, readS3Text, S3ReportStore } from './ReportStore';
import type { RunStore } from './RunStore';
import type { AuditLauncher } from './startRun';

export interface Container {
  config: DeliveryConfig;
  logger: Logger;
  audit: AuditDependencies;
  runs: RunStore;
  launcher: AuditLauncher;
}

export const logger = new Logger({ serviceName: 'retention-auditor' });

/**
 * Builds the clients and stores once per cold start from the configuration.
 * Handlers take the container as a parameter, so tests pass their own.
 */
export function createContainer(env: Record<string, string | undefined> = process.env): Container {
  const config = readDeliveryConfig(env);
  const documentClient = createDocumentClient(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {});
  const runs = new DynamoRunStore(documentClient, config.RUNS_TABLE);
  const s3 = new S3Client({});
  const audit: AuditDependencies = {
    runs,
    inventory: new InventoryTable({ client: documentClient, tableName: config.INVENTORY_TABLE }),
    // A reports folder, when configured, wins: it is how offline runs keep reports without S3.
    reports: config.REPORTS_DIR ? new FileReportStore(config.REPORTS_DIR) : new S3ReportStore(s3, config.REPORTS_BUCKET!),
    mailer: createMailer({ smtpUrl: config.SMTP_URL }),
    catalog: loadCatalog(),
    engine: { graceDays: config.GRACE_DAYS, waivers: [] },
    waivers: async () => {
      if (config.WAIVERS_FILE) return loadWaivers(config.WAIVERS_FILE);
      if (config.WAIVERS_KEY && config.REPORTS_BUCKET) {
        const text = await readS3Text(s3, config.REPORTS_BUCKET, config.WAIVERS_KEY);
        return text === null ? [] : parseWaivers(text, `s3://${config.REPORTS_BUCKET}/${config.WAIVERS_KEY}`);
      }
      return [];
    },
    history: new DynamoHistoryStore(documentClient, config.RUNS_TABLE),
    forecastDays: config.FORECAST_DAYS,
    staleAfterHours: config.STALE_AFTER_HOURS,
    mail: { from: config.SENDER_EMAIL, to: config.DPO_EMAIL, attachLimitBytes: config.ATTACH_MAX_BYTES },
    linkSeconds: config.PRESIGN_TTL_SECONDS,
    pdfRowsPerModule: config.PDF_ROWS,
    log: (level, message, data) => logger[level](message, data ?? {}),
  };
  const launcher =
    config.AUDIT_LAUNCH === 'inprocess' || !config.AUDIT_WORKER_FUNCTION
      ? new InProcessLauncher((runId) => executeAudit(runId, audit))
      : new LambdaLauncher(new LambdaClient({}), config.AUDIT_WORKER_FUNCTION);
  return { config, logger, audit, runs, launcher };
}

let cached: Container | undefined;
/** The container of this Lambda instance, built on first use. */
export function container(): Container {
  cached ??= createContainer();
  return cached;
}
