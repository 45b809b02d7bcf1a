#!/usr/bin/env node
import { join, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { runAudit, type AuditProgress, type AuditResult, type RunAuditOptions } from '../lib/audit/runAudit';
import { runPartitioned } from '../lib/partitioned/runPartitioned';
import { MAX_PARTITIONS } from '../lib/partitioned/planPartitions';
import { runMapProcesses, type MapSource } from './runMapProcesses';
import { verifyReport } from '../lib/audit/verifyReport';
import { DynamoHistoryStore } from '../lib/history/DynamoHistoryStore';
import { FileHistoryStore } from '../lib/history/FileHistoryStore';
import { validateScope } from '../lib/history/validateScope';
import { DEFAULT_POLICIES_DIR, loadCatalog } from '../lib/catalog/loadCatalog';
import { loadWaivers } from '../lib/engine/loadWaivers';
import { atLeast } from '../lib/engine/severity';
import { compileWaivers } from '../lib/engine/waivers';
import { CatalogError, InputError, StoreError, UsageError } from '../lib/errors';
import { DynamoInventorySource } from '../lib/inventory/DynamoInventorySource';
import { FileInventorySource } from '../lib/inventory/FileInventorySource';
import { createDocumentClient, InventoryTable } from '../lib/inventory/InventoryTable';
import type { InventorySource } from '../lib/inventory/InventorySource';
import { loadInventory, type LoadResult } from '../lib/inventory/loadInventory';
import { SEVERITIES, type Severity } from '../lib/model';
import { parseFormats, type FormatId } from '../lib/report/formats/formatIds';
import { describeFormats } from '../lib/report/formats/reportFormats';
import { DEFAULTS } from '../lib/defaults';
import { formatCount } from '../lib/units';
import { CHANNEL_TITLES, CHANNELS, type ChannelId, type Notifier } from '../lib/delivery/notifiers/Notifier';
import { printable as p } from '../lib/text/printable';
import { availableParallelism } from 'node:os';
import { AUTO_SQL_ITEMS, ENGINE_CHOICES, type EngineChoice } from '../lib/audit/engineKind';
import { startLocalDynamo, type LocalDynamo } from './local/localDynamo';
import { formatNotifications, formatSummary } from './printSummary';
import { registerPolicyCommands } from './policy';
import { createProgress } from './progress';
import { explainRun } from './explain';

export const EXIT = { ok: 0, failure: 1, usage: 2, failOn: 3 } as const;

export const DEFAULT_TABLE = 'retention-inventory';
export const EXAMPLE_INVENTORY = resolve(__dirname, '../examples/inventory.ndjson');
export const EXAMPLE_WAIVERS = resolve(__dirname, '../examples/waivers.yaml');
/** docs/semantics.md#command-line: `run` writes JSON and PDF unless told otherwise. */
export const DEFAULT_FORMATS = 'json,pdf';
/** The embedded default (`npm start`) writes every format. */
export const EMBEDDED_FORMATS = 'json,csv,pdf';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

interface RunOptions {
  inventory?: string;
  table?: string;
  endpoint?: string;
  region?: string;
  snapshot?: string;
  out: string;
  format?: string;
  pdfRows: number;
  failOn?: Severity;
  email?: boolean;
  /** `--notify LIST`: channel ids, comma-separated (lib/delivery/notifiers/channelRegistry.ts). */
  notify?: string;
  waivers?: string;
  maxWaiverDays: number;
  graceDays: number;
  readMode: 'auto' | 'query' | 'scan';
  segments: number;
  policies: string;
  progress: boolean;
  /** A folder, or false for --no-history. */
  history: string | boolean;
  scope?: string;
  forecast: number;
  trendRuns: number;
  staleAfter: number;
  engine: EngineChoice;
  workers: number;
  memoryLimit: string;
  partitions: number;
  debug?: boolean;
  /** `--explain`: print the AWS plan and its cost, evaluate nothing (cli/explain.ts). */
  explain?: boolean;
  json?: boolean;
  assumeItems?: number;
}

const nonNegativeInt = (name: string) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`${name} must be a whole number, 0 or more.`);
  return parsed;
};

const positiveInt = (name: string) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError(`${name} must be a whole number above 0.`);
  return parsed;
};

const memorySize = (value: string) => {
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(value.trim())) throw new InvalidArgumentError('--memory-limit must be a size such as 256MB or 2GB.');
  return value.trim();
};

const port = (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new InvalidArgumentError('--port must be a port number (0 for any free port).');
  return parsed;
};

/** The exit status a finished audit earns (docs/semantics.md#exit-status). */
export function exitStatusOf(result: AuditResult, failOn: Severity | undefined): number {
  if (!result.head.summary.complete) return EXIT.failure;
  if (failOn) {
    const hit = SEVERITIES.some((severity) => atLeast(severity, failOn) && result.head.summary.bySeverity[severity] > 0);
    if (hit) return EXIT.failOn;
  }
  return EXIT.ok;
}

async function withEmbeddedDynamo<T>(work: (endpoint: string) => Promise<T>): Promise<T> {
  const local: LocalDynamo = await startLocalDynamo(0);
  try {
    return await work(local.endpoint);
  } finally {
    await local.close();
  }
}

async function loadFile(file: string, tableName: string, endpoint: string | undefined, region: string | undefined, progress: boolean) {
  const table = new InventoryTable({ client: createDocumentClient({ endpoint, region }), tableName });
  if (endpoint) await table.ensureTable();
  const bar = createProgress(progress);
  try {
    return await loadInventory(new FileInventorySource(file), table, { concurrency: 8, onProgress: (p) => bar.update(p) });
  } finally {
    bar.stop();
    table.client.destroy();
  }
}

function formatLoad(result: LoadResult, file: string, tableName: string): string {
  const lines = [
    `Loaded ${p(file)} into ${p(tableName)}: ${result.written} items written, ${result.rejectedCount} rejected (of ${result.read} read).`,
  ];
  // Snapshot ids, item ids and reasons come from the file: printable keeps their control sequences off the terminal.
  for (const snapshot of result.snapshots) {
    lines.push(`  snapshot ${p(snapshot.snapshotId)}: ${snapshot.itemCount} items, captured ${p(snapshot.capturedAt)}${snapshot.rejected ? `, ${snapshot.rejected} rejected` : ''}`);
  }
  for (const warning of result.warnings) lines.push(`  warning: ${p(warning)}`);
  for (const rejection of result.rejected) {
    lines.push(`  rejected ${p(rejection.location ?? '')}${rejection.itemId ? ` (itemId ${p(rejection.itemId)})` : ''}: ${p(rejection.reason)}`);
  }
  if (result.rejectedCount > result.rejected.length) lines.push(`  … and ${result.rejectedCount - result.rejected.length} more rejections.`);
  return `${lines.join('\n')}\n`;
}

async function runCommand(options: RunOptions, io: CliIo): Promise<number> {
  if (options.inventory && (options.table || options.endpoint)) {
    throw new UsageError('Use either --inventory FILE or --table NAME [--endpoint URL], not both.');
  }
  if ((options.endpoint || options.region) && !options.table) {
    throw new UsageError('--endpoint and --region choose where the --table is: give --table NAME too.');
  }
  if (options.explain) {
    await explainRun(options, EXAMPLE_INVENTORY, io.stdout);
    return EXIT.ok;
  }
  if (options.json || options.assumeItems !== undefined) throw new UsageError('--json and --assume-items go with --explain.');
  // Before the audit: a channel without its settings is bad usage, found before anything runs.
  const notifiers = await requestedNotifiers(options);
  const embedded = !options.inventory && !options.table;
  const formats = parseFormats(options.format ?? (embedded ? EMBEDDED_FORMATS : DEFAULT_FORMATS));
  // Owner digests and the Security Hub import read the run's findings back from a report that holds them.
  for (const { channel, reads } of notifiers) {
    if (reads && !reads.some((format) => formats.includes(format))) {
      throw new UsageError(`--notify ${channel} reads the findings from the ${reads.join(' or ')} report: add ${reads.join(' or ')} to --format.`);
    }
  }
  const catalog = loadCatalog(options.policies);
  // The embedded default shows every verdict, `waived` included, so it brings its example waivers.
  const waiversFile = options.waivers ?? (embedded ? EXAMPLE_WAIVERS : undefined);
  const loadedWaivers = waiversFile ? await loadWaivers(waiversFile, { maxWaiverDays: options.maxWaiverDays }) : [];
  const engine = { graceDays: options.graceDays, waivers: compileWaivers(loadedWaivers) };
  const bar = createProgress(options.progress);
  const historyDir = options.history === false ? null : typeof options.history === 'string' ? options.history : join(options.out, 'history');
  // The scope is checked before the audit, not after its evaluation (the store checks it too).
  const history = historyDir ? { store: new FileHistoryStore(historyDir), scope: validateScope(options.scope ?? options.table ?? (embedded ? DEFAULT_TABLE : 'default')) } : null;
  const auditOptions = (source: InventorySource): RunAuditOptions => ({
    source,
    catalog,
    engine,
    formats,
    outDir: options.out,
    trigger: 'cli',
    history,
    forecastDays: options.forecast,
    trendRuns: options.trendRuns,
    staleAfterHours: options.staleAfter,
    pdfRowsPerModule: options.pdfRows,
    engineKind: options.engine,
    duck: { threads: options.workers, memoryLimit: options.memoryLimit },
    ...(bar.shown ? { onProgress: (p: AuditProgress) => bar.update(p) } : {}),
  });
  // With --partitions, each partition is read and evaluated by a process of its own, --workers at once (cli/runMapProcesses.ts).
  const audit = (source: InventorySource, where: (snapshotId: string | null) => MapSource): Promise<AuditResult> => {
    if (options.partitions === 1) return runAudit(auditOptions(source));
    let done = 0;
    return runPartitioned({
      ...auditOptions(source),
      partitions: options.partitions,
      runMaps: (tasks) => {
        bar.update({ phase: 'map', done: 0, total: tasks.length, unit: 'partitions' });
        return runMapProcesses(tasks, {
          job: {
            source: where(tasks[0]!.snapshotId),
            policies: options.policies,
            waivers: loadedWaivers,
            graceDays: options.graceDays,
            engineKind: options.engine,
            // The processes share the cores: one DuckDB thread each.
            duck: { threads: 1, memoryLimit: options.memoryLimit },
          },
          concurrency: options.workers,
          onDone: () => bar.update({ phase: 'map', done: ++done, total: tasks.length, unit: 'partitions' }),
        });
      },
    });
  };

  const fromTable = async (tableName: string, endpoint: string | undefined) => {
    const table = new InventoryTable({ client: createDocumentClient({ endpoint, region: options.region }), tableName });
    try {
      return await audit(new DynamoInventorySource(table, { snapshotId: options.snapshot, mode: options.readMode, segments: options.segments }), (snapshotId) => ({
        table: tableName,
        endpoint,
        region: options.region,
        snapshotId: snapshotId!,
      }));
    } finally {
      table.client.destroy();
    }
  };

  let result: AuditResult;
  try {
    if (options.inventory) {
      const inventory = options.inventory;
      result = await audit(new FileInventorySource(inventory, { snapshotId: options.snapshot }), () => ({ inventory, snapshotId: options.snapshot ?? null }));
    } else if (options.table) {
      result = await fromTable(options.table, options.endpoint);
    } else {
      // The embedded default: a local DynamoDB holding the bundled example inventory.
      result = await withEmbeddedDynamo(async (endpoint) => {
        const loaded = await loadFile(EXAMPLE_INVENTORY, DEFAULT_TABLE, endpoint, 'local', false);
        io.stderr(`Embedded DynamoDB at ${endpoint}: loaded ${loaded.written} example items into ${DEFAULT_TABLE}.\n`);
        return fromTable(DEFAULT_TABLE, endpoint);
      });
    }
  } finally {
    bar.stop();
  }
  io.stdout(formatSummary(result));
  if (result.historyConflict) io.stderr(`warning: ${p(result.historyConflict)}\n`);
  if (notifiers.length > 0) {
    const delivered = await notify(notifiers, result, formats, io);
    if (!delivered) return EXIT.failure;
  }
  return exitStatusOf(result, options.failOn);
}

/**
 * The notifiers `--email` and `--notify` ask for, in that order, each once.
 * Their settings (DPO_EMAIL, SENDER_EMAIL, SMTP_URL…) come from the environment
 * only, never from the command line: recipients are configuration.
 */
async function requestedNotifiers(options: RunOptions): Promise<Notifier[]> {
  if (!options.email && options.notify === undefined) return [];
  const { createNotifiers, parseChannels } = await import('../lib/delivery/notifiers/channelRegistry');
  const { createMailer } = await import('../lib/delivery/Mailer');
  const origins = new Map<ChannelId, string>(options.email ? [['email', '--email']] : []);
  for (const id of options.notify === undefined ? [] : parseChannels(options.notify, '--notify')) if (!origins.has(id)) origins.set(id, `--notify ${id}`);
  let mailer: ReturnType<typeof createMailer> | undefined;
  return createNotifiers([...origins.keys()], {
    env: process.env,
    origin: (id) => origins.get(id)!,
    // Through SMTP when SMTP_URL is set (local), otherwise Amazon SES.
    mailer: () => (mailer ??= createMailer({ smtpUrl: process.env.SMTP_URL || undefined })),
    log: () => undefined,
  });
}

/**
 * Delivers the run through every asked channel at once and prints one line per
 * message. False when the DPO's e-mail was not sent (exit 1, as for any run that
 * could not do what it was asked); another channel's failure is a warning.
 */
async function notify(notifiers: Notifier[], result: AuditResult, formats: FormatId[], io: CliIo): Promise<boolean> {
  const { notifyAll } = await import('../lib/delivery/notifiers/notifyAll');
  const { localFinishedRun } = await import('../lib/delivery/notifiers/localFinishedRun');
  const run = localFinishedRun(result, formats);
  // The command line publishes no CloudWatch metrics and logs nothing beyond its lines.
  const outcomes = await notifyAll(notifiers, (notifier) => notifier.finished(run), { metrics: { publish: () => undefined }, log: () => undefined });
  io.stdout(formatNotifications(outcomes));
  for (const { channel, to, error } of outcomes) {
    if (error === undefined) continue;
    io.stderr(channel === 'email' ? `error: E-mail not sent: ${p(error)}\n` : `warning: ${CHANNEL_TITLES[channel]} not sent to ${p(to)}: ${p(error)}\n`);
  }
  return !outcomes.some((outcome) => outcome.channel === 'email' && outcome.error !== undefined);
}

/** Builds the program; `io` receives everything it prints. */
export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('retention-auditor')
    .description('Audits stored personal data against the DATA RETENTION clauses of privacy-policy modules.')
    .option('--debug', 'print stack traces of errors')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `\nWith no command, runs "run" on the embedded default: a local DynamoDB holding the\nbundled example inventory (examples/inventory.ndjson); reports go to ./reports.\n\nExit status: 0 ran; 2 bad usage or unreadable input; 3 --fail-on met; 1 anything else\n(including an incomplete read of the snapshot).`,
    );

  program
    .command('run', { isDefault: true })
    .description('audit a snapshot and write the reports')
    .option('--inventory <file>', 'read the snapshot from a JSON array or NDJSON file')
    .option('--table <name>', 'read the snapshot from this DynamoDB table')
    .option('--endpoint <url>', 'DynamoDB endpoint (a local DynamoDB)')
    .option('--region <region>', 'AWS region of the table')
    .option('--snapshot <id>', 'which snapshot (default: the latest)')
    .option('--out <dir>', 'where the reports go', './reports')
    .option('--format <list>', `comma-separated report formats: ${describeFormats()} (default: ${DEFAULT_FORMATS}; ${EMBEDDED_FORMATS} for the embedded default)`)
    .option('--pdf-rows <n>', 'rows per module table in the PDF; the rest are counted', positiveInt('--pdf-rows'), DEFAULTS.pdfRows)
    .addOption(new Option('--fail-on <severity>', 'exit 3 when a finding has at least this severity').choices(SEVERITIES))
    .option('--email', 'mail the digest to DPO_EMAIL: through SMTP_URL when set, otherwise Amazon SES (the same as --notify email)')
    .option('--notify <list>', `deliver the run through these channels, comma-separated: ${CHANNELS.join(', ')}; each reads its settings from the environment variables`)
    .option('--waivers <file>', 'YAML or JSON file of waivers (scope, reason, approver, expiry)')
    .option('--max-waiver-days <n>', 'refuse the waivers file if a waiver lasts longer than this (createdAt to expiresAt)', positiveInt('--max-waiver-days'), DEFAULTS.maxWaiverDays)
    .option('--grace-days <n>', 'grace period where a policy promises deletion but names no period', positiveInt('--grace-days'), DEFAULTS.graceDays)
    .addOption(new Option('--read-mode <mode>', 'how to read DynamoDB: parallel scan, query, or auto').choices(['auto', 'query', 'scan']).default('auto'))
    .option('--segments <n>', 'parallel Scan segments', positiveInt('--segments'), 4)
    .option('--policies <dir>', 'folder of rule files', DEFAULT_POLICIES_DIR)
    .option('--history <dir>', 'where runs are remembered, to report what changed since the last complete run (default: <out>/history)')
    .option('--no-history', 'neither compare with nor remember runs')
    .option('--scope <name>', 'which runs compare with each other (default: the table name, else "default")')
    .option('--forecast <days>', 'the deletion forecast: deadlines within this many days', nonNegativeInt('--forecast'), DEFAULTS.forecastDays)
    .option('--trend-runs <n>', 'runs the trend shows in the PDF, HTML report and e-mail, this one included', positiveInt('--trend-runs'), DEFAULTS.trendRuns)
    .option('--stale-after <hours>', 'a snapshot older than this is stale', positiveInt('--stale-after'), DEFAULTS.staleAfterHours)
    .addOption(new Option('--engine <engine>', `sql: the catalog compiled to SQL, run by embedded DuckDB; reference: the TypeScript engine (the specification); auto: sql from ${formatCount(AUTO_SQL_ITEMS)} items (a table's manifest, a file's lines) and when the count is not known (a table without a manifest), reference below and in the maps of --partitions`).choices(ENGINE_CHOICES).default(DEFAULTS.engine))
    .option('--workers <n>', 'threads of the SQL engine (default: the number of cores)', positiveInt('--workers'), availableParallelism())
    .option(
      '--partitions <n>',
      `cut the snapshot into n partitions (NDJSON byte ranges, DynamoDB itemId ranges; up to ${MAX_PARTITIONS}), each read and evaluated by a process of its own, --workers at once, then merged: the reports of a one-process run`,
      positiveInt('--partitions'),
      1,
    )
    .option('--memory-limit <size>', "the SQL engine's memory limit before it spills to disk, e.g. 256MB or 2GB", memorySize, DEFAULTS.memoryLimit)
    .option('--no-progress', 'no progress bar on a terminal')
    .option('--explain', 'print how the run would execute in AWS (one Lambda or a Distributed Map) and what it would cost; evaluate nothing, write no report')
    .option('--json', 'with --explain: print the plan and the cost as JSON')
    .option('--assume-items <n>', 'with --explain: plan a snapshot of this many items (what if), instead of measuring one', nonNegativeInt('--assume-items'))
    .action(async (options: RunOptions) => setExit(await runCommand(options, io)));

  program
    .command('verify')
    .description("recompute a report's SHA-256 and compare it with the one its run recorded")
    .argument('<report>', 'a report file: <runId>.json, .csv or .pdf')
    .option('--history <dir>', 'the history folder of the runs', './reports/history')
    .option('--runs-table <name>', 'check against the audit-runs table of a deployment instead (reports of Lambda runs)')
    .option('--endpoint <url>', 'DynamoDB endpoint of the runs table (a local DynamoDB)')
    .option('--region <region>', 'AWS region of the runs table')
    .action(async (report: string, options: { history: string; runsTable?: string; endpoint?: string; region?: string }) => {
      const client = options.runsTable ? createDocumentClient({ endpoint: options.endpoint, region: options.region }) : null;
      const store = client ? new DynamoHistoryStore(client, options.runsTable!) : new FileHistoryStore(options.history);
      const result = await verifyReport(report, store).finally(() => client?.destroy());
      if (result.ok) {
        io.stdout(`Verified: ${p(report)} matches the SHA-256 recorded for run ${p(result.runId)} (${p(result.expected)}).\n`);
        setExit(EXIT.ok);
      } else {
        io.stdout(`REFUSED: ${p(report)} does not match run ${p(result.runId)}: recorded SHA-256 ${p(result.expected)}, file has ${p(result.actual)}.\n`);
        setExit(EXIT.failure);
      }
    });

  program
    .command('fetch')
    .description("download a Lambda run's reports from the reports bucket with your own AWS credentials, and check each SHA-256")
    .argument('<runId>', 'the run, e.g. audit-20261123T020000Z-1a2b3c (in its digest mail, or GET /audits)')
    .requiredOption('--runs-table <name>', "the deployment's audit-runs table (stack output RunsTableName)")
    .requiredOption('--bucket <name>', "the deployment's reports bucket (stack output ReportsBucketName)")
    .option('--region <region>', 'AWS region of the deployment')
    .option('--endpoint <url>', 'DynamoDB endpoint of the runs table (a local DynamoDB)')
    .option('--out <dir>', 'where the reports go', './reports')
    .action(async (runId: string, options: { runsTable: string; bucket: string; region?: string; endpoint?: string; out: string }) => {
      const { fetchReports } = await import('../lib/delivery/fetchReports');
      const { DynamoRunStore } = await import('../lib/delivery/DynamoRunStore');
      const { ReportStore } = await import('../lib/delivery/ReportStore');
      const { S3Client } = await import('@aws-sdk/client-s3');
      const client = createDocumentClient({ endpoint: options.endpoint, region: options.region });
      const s3 = new S3Client(options.region ? { region: options.region } : {});
      try {
        const fetched = await fetchReports(runId, new DynamoRunStore(client, options.runsTable), new ReportStore(s3, options.bucket), options.out);
        for (const report of fetched) {
          io.stdout(
            report.verified
              ? `Fetched ${p(report.path)}: SHA-256 ${p(report.sha256)} matches run ${p(runId)}.\n`
              : `REFUSED ${p(report.key)}: its SHA-256 ${p(report.sha256)} is not the one run ${p(runId)} recorded; the download was deleted.\n`,
          );
        }
        setExit(fetched.every((report) => report.verified) ? EXIT.ok : EXIT.failure);
      } finally {
        client.destroy();
        s3.destroy();
      }
    });

  const inventory = program.command('inventory').description('manage inventory snapshots');
  inventory
    .command('load')
    .description('load a snapshot file (JSON array or NDJSON) into a DynamoDB table, creating it locally if missing')
    .argument('<file>', 'the snapshot file')
    .requiredOption('--table <name>', 'the DynamoDB table')
    .option('--endpoint <url>', 'DynamoDB endpoint (a local DynamoDB; the table is created if missing)')
    .option('--region <region>', 'AWS region of the table')
    .option('--no-progress', 'no progress bar on a terminal')
    .action(async (file: string, options: { table: string; endpoint?: string; region?: string; progress: boolean }) => {
      const result = await loadFile(file, options.table, options.endpoint, options.region, options.progress);
      io.stdout(formatLoad(result, file, options.table));
      setExit(result.rejectedCount > 0 ? EXIT.failure : EXIT.ok);
    });

  registerPolicyCommands(program, io, setExit);

  program
    .command('local')
    .description('start the embedded local services on 127.0.0.1 and run until stopped')
    .option('--port <port>', 'DynamoDB port (default: a free port)', port)
    .action(async (options: { port?: number }) => {
      const dynamo = await startLocalDynamo(options.port ?? 0);
      io.stdout(`dynamodb ${dynamo.endpoint}\n`);
      await new Promise<void>((resolveStop) => {
        const stop = () => resolveStop();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await dynamo.close();
      setExit(EXIT.ok);
    });
  return program;
}

/** An error as the one line the CLI prints: its message carries input text (paths, ids), so it goes through printable. */
function sentence(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return p(message.replace(/^error:\s*/i, ''));
}

/**
 * The last guard before the terminal: whatever is printed, no control character
 * but a line break (and a tab) leaves raw. Texts from input are also made
 * printable where they are put into a line, so they cannot start a line either.
 */
function printableIo(io: CliIo): CliIo {
  return { stdout: (text) => io.stdout(p(text, { allow: '\n\t' })), stderr: (text) => io.stderr(p(text, { allow: '\n\t' })) };
}

/**
 * The process's own output, made once. A reader that stops early (`… | head`, `2>&1 | head`)
 * closes the pipe: what is left to print there is then dropped, instead of a stack trace of the
 * EPIPE and status 1, and the command still does the rest of its work (a run still sends its
 * notifications) and exits with its own status.
 */
function processIo(): CliIo {
  processOutput ??= { stdout: writerTo(process.stdout), stderr: writerTo(process.stderr) };
  return processOutput;
}

let processOutput: CliIo | null = null;

/** Writes to `stream` until a write fails because its reader is gone (EPIPE), then drops what follows; any other error is thrown. */
function writerTo(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

/**
 * Runs the CLI with `argv` (without node and script) and resolves to its exit status.
 *
 * @example
 * await main(['run', '--inventory', 'examples/inventory.ndjson', '--out', 'reports']) // 0
 */
export async function main(argv: readonly string[], rawIo: CliIo = processIo()): Promise<number> {
  const io = printableIo(rawIo);
  let code: number = EXIT.ok;
  const program = buildProgram(io, (value) => (code = value));
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its one-line message (or the help).
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    io.stderr(`error: ${sentence(error)}\n`);
    if (debug && error instanceof Error) io.stderr(`${error.stack ?? ''}\n`);
    if (error instanceof UsageError || error instanceof InputError) return EXIT.usage;
    if (error instanceof CatalogError || error instanceof StoreError) return EXIT.failure;
    if (!debug) io.stderr('(run again with --debug for details)\n');
    return EXIT.failure;
  }
}

if (require.main === module) {
  // Development machines may run Node 20; Lambda runs nodejs22.x. The SDK's notice about it is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
