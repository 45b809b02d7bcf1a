import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { s3Client } from '../aws/s3Client';
import { loadCatalog } from '../catalog/loadCatalog';
import { parseWaivers } from '../engine/loadWaivers';
import { DynamoHistoryStore } from '../history/DynamoHistoryStore';
import { InventoryTable } from '../inventory/InventoryTable';
import type { DeliveryConfig } from './config';
import type { AuditDependencies } from './executeAudit';
import { createMailer, type Mailer } from './Mailer';
import { createNotifiers } from './notifiers/channelRegistry';
import { ReportStore } from './ReportStore';
import { cloudWatchMetrics } from './RunMetrics';
import { createRunsContainer, logger, type RunsContainer } from './runsContainer';

/** What the audit functions need: the runs container and the whole audit pipeline. */
export interface AuditContainer extends RunsContainer {
  audit: AuditDependencies;
}

/**
 * Builds the audit's dependencies once per cold start. Waivers come from the
 * object `WAIVERS_KEY` of the reports bucket (a missing object means none); a
 * run on the state machine keeps its files in RUN_FILES_BUCKET. The
 * notifiers are those of NOTIFY_CHANNELS, each reading its own settings from
 * the same environment; one that lacks a setting fails the cold start with one
 * sentence naming it.
 */
export function createAuditContainer(env: Record<string, string | undefined> = process.env): AuditContainer {
  const base = createRunsContainer(env);
  const { config } = base;
  const { documentClient } = base;
  const log: AuditDependencies['log'] = (level, message, data) => logger[level](message, data ?? {});
  let mailer: Mailer | undefined;
  const audit: AuditDependencies = {
    runs: base.runs,
    inventory: new InventoryTable({ client: documentClient, tableName: config.INVENTORY_TABLE }),
    reports: base.reports,
    runFiles: runFilesOf(config, base.reports),
    notifiers: createNotifiers(config.NOTIFY_CHANNELS, {
      env,
      origin: (id) => `The ${id} channel of NOTIFY_CHANNELS`,
      mailer: () => (mailer ??= createMailer({ smtpUrl: config.SMTP_URL })),
      log,
    }),
    catalog: loadCatalog(),
    engine: { graceDays: config.GRACE_DAYS, waivers: [] },
    waivers: async () => {
      const text = await base.reports.readText(config.WAIVERS_KEY);
      return text === null ? [] : parseWaivers(text, `s3://${config.REPORTS_BUCKET}/${config.WAIVERS_KEY}`, { maxWaiverDays: config.MAX_WAIVER_DAYS });
    },
    history: new DynamoHistoryStore(documentClient, config.RUNS_TABLE),
    forecastDays: config.FORECAST_DAYS,
    trendRuns: config.TREND_RUNS,
    staleAfterHours: config.STALE_AFTER_HOURS,
    fetchCommand: (runId) =>
      `npm start -- fetch ${runId} --runs-table ${config.RUNS_TABLE} --bucket ${config.REPORTS_BUCKET} --region ${config.AWS_REGION}`,
    pdfRowsPerModule: config.PDF_ROWS,
    // DuckDB spills to the function's ephemeral storage (/tmp: Lambda leaves TMPDIR unset).
    evaluation: { kind: config.ENGINE, duck: { threads: config.DUCKDB_THREADS, memoryLimit: config.DUCKDB_MEMORY_LIMIT, tempDirectory: join(tmpdir(), 'duckdb') } },
    metrics: cloudWatchMetrics(),
    log,
    ...(base.largeRuns
      ? { stateMachine: { executions: base.largeRuns.stateMachine, stateMachineArn: base.largeRuns.stateMachine.stateMachineArn, partitions: config.PARTITIONS, mapItemsPerBatch: config.MAP_ITEMS_PER_BATCH } }
      : {}),
  };
  return { ...base, audit };
}

/**
 * Where the state machine's steps keep a run's files: the run-files bucket; without
 * RUN_FILES_BUCKET (or when it names the reports bucket) the reports bucket's own store,
 * so a local run needs one bucket, and what a test does to one store it does to both.
 *
 * @example
 * runFilesOf({ AWS_REGION: 'eu-central-1' }, reports) === reports // true
 */
export function runFilesOf(config: Pick<DeliveryConfig, 'RUN_FILES_BUCKET' | 'AWS_REGION'>, reports: ReportStore): ReportStore {
  const bucket = config.RUN_FILES_BUCKET;
  return bucket === undefined || bucket === reports.bucket ? reports : new ReportStore(s3Client({ region: config.AWS_REGION }), bucket);
}

let cached: AuditContainer | undefined;
/** The container of this Lambda instance, built on first use. */
export function auditContainer(): AuditContainer {
  cached ??= createAuditContainer();
  return cached;
}
