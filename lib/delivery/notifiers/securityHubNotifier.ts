/**
 * The Security Hub channel: a run's non-compliant findings (the ocsf report's events,
 * or the same built from the JSON report) imported as ASFF findings with
 * BatchImportFindings, in batches, so that a security team sees them where it already
 * looks. Enabled per stage (`securityHub: true`), which also grants the one permission.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { BatchImportFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { z } from 'zod';
import { translateSdkError } from '../../aws/sdkErrors';
import { UsageError } from '../../errors';
import { printable } from '../../text/printable';
import { backoffMs, isRetryable, type RetryOptions } from '../../inventory/retry';
import { asffFindingOf } from '../../report/ocsf/asffFindingOf';
import { readComplianceFindings } from '../../report/ocsf/readComplianceFindings';
import { readChannelSettings, type DeliveryChannel } from './DeliveryChannel';
import type { ReportSource } from '../../report/ReportSource';
import type { ChannelOutcome, FinishedRun, Notifier } from './Notifier';

/** BatchImportFindings takes at most 100 findings a request. */
export const MAX_BATCH = 100;

export const DEFAULT_SECURITY_HUB_RETRY: RetryOptions = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 };

export interface SecurityHubNotifierOptions {
  /** Built once at cold start; a mock in tests. */
  client: SecurityHubClient;
  /** The account the findings belong to and are imported from (12 digits). */
  accountId: string;
  region: string;
  /** Default: the account's own default product, arn:PARTITION:securityhub:REGION:ACCOUNT:product/ACCOUNT/default. */
  productArn?: string;
  /** Findings per BatchImportFindings request, 1 to 100 (default 100). */
  batchSize?: number;
  /** Attempts per request (throttling, server faults, findings the response names as failed). */
  retry?: RetryOptions;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

/** Security Hub's names for "slow down" and "try again", besides the SDK's usual ones. */
const RETRYABLE = /^(LimitExceededException|TooManyRequestsException|ThrottlingException|InternalException)$/;
/** Errors after which no further request can succeed: stop and count the rest as not imported. */
const FATAL = /^(AccessDenied(Exception)?|InvalidAccessException|UnrecognizedClientException|InvalidClientTokenId|ExpiredToken(Exception)?)$/;

interface Tally {
  total: number;
  imported: number;
  failed: number;
  calls: number;
  /** Error text → findings it kept out. */
  errors: Map<string, number>;
  /** Why the push stopped early (every later finding is counted failed). */
  stopped: string | null;
}

/**
 * The account's own product in Security Hub, to which BatchImportFindings imports
 * findings without any partner integration (the ARN IAM grants the import on).
 *
 * @example
 * defaultProductArn('eu-central-1', '123456789012') // 'arn:aws:securityhub:eu-central-1:123456789012:product/123456789012/default'
 */
export function defaultProductArn(region: string, accountId: string): string {
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

function checked(options: SecurityHubNotifierOptions) {
  const allowed = new Set(['client', 'accountId', 'region', 'productArn', 'batchSize', 'retry', 'sleep', 'now']);
  const unknown = Object.keys(options).filter((key) => !allowed.has(key));
  if (unknown.length > 0) throw new UsageError(`securityHubNotifier has no option ${unknown.join(', ')}.`);
  if (!/^\d{12}$/.test(options.accountId)) throw new UsageError(`The Security Hub account id must be 12 digits, not "${options.accountId}".`);
  if (!options.region) throw new UsageError('The Security Hub region is missing.');
  const batchSize = options.batchSize ?? MAX_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH) {
    throw new UsageError(`The Security Hub batch size must be a whole number from 1 to ${MAX_BATCH}, not ${batchSize}.`);
  }
  return {
    ...options,
    batchSize,
    productArn: options.productArn ?? defaultProductArn(options.region, options.accountId),
    retry: options.retry ?? DEFAULT_SECURITY_HUB_RETRY,
    sleep: options.sleep ?? ((ms: number) => sleepFor(ms).then(() => undefined)),
    now: options.now ?? (() => new Date()),
  };
}

type Settings = ReturnType<typeof checked>;

function count(tally: Tally, error: string, findings: number): void {
  tally.failed += findings;
  tally.errors.set(error, (tally.errors.get(error) ?? 0) + findings);
}

function describe(error: unknown, settings: Settings): string {
  const name = (error as Error)?.name ?? '';
  if (name === 'InvalidAccessException') {
    return `Security Hub is not enabled for account ${settings.accountId} in ${settings.region} (InvalidAccessException): enable it there, or turn the push off.`;
  }
  return translateSdkError(error, {
    service: 'Security Hub',
    operation: 'BatchImportFindings',
    iamAction: 'securityhub:BatchImportFindings',
    target: settings.productArn,
  }).message;
}

/**
 * Sends one batch: only the findings a response names as failed are sent again,
 * with backoff; throttling and server faults are retried; a request refused as
 * invalid is split in halves so one bad finding cannot keep the others out.
 */
async function sendBatch(batch: AwsSecurityFinding[], settings: Settings, tally: Tally): Promise<void> {
  let pending = batch;
  let reasons = new Map<string, string>();
  let lastError = '';
  for (let attempt = 0; attempt < settings.retry.attempts && pending.length > 0; attempt += 1) {
    if (attempt > 0) await settings.sleep(backoffMs(attempt - 1, settings.retry));
    tally.calls += 1;
    let response;
    try {
      response = await settings.client.send(new BatchImportFindingsCommand({ Findings: pending }));
    } catch (error) {
      const name = (error as Error)?.name ?? '';
      lastError = describe(error, settings);
      if (FATAL.test(name)) {
        tally.stopped = lastError;
        break;
      }
      if (name === 'InvalidInputException' && pending.length > 1) {
        const half = Math.ceil(pending.length / 2);
        await sendBatch(pending.slice(0, half), settings, tally);
        if (!tally.stopped) await sendBatch(pending.slice(half), settings, tally);
        else count(tally, tally.stopped, pending.length - half);
        return;
      }
      if (!(isRetryable(error) || RETRYABLE.test(name))) break;
      continue;
    }
    const failedFindings = response.FailedFindings ?? [];
    const failedCount = response.FailedCount ?? failedFindings.length;
    reasons = new Map(failedFindings.map((failure) => [failure.Id ?? '', `${failure.ErrorCode ?? 'Error'}: ${failure.ErrorMessage ?? 'no message'}`]));
    const retry = pending.filter((finding) => reasons.has(finding.Id!));
    tally.imported += Math.max(0, pending.length - Math.max(failedCount, retry.length));
    // Failures the response counts but does not name cannot be sent again.
    const unnamed = Math.max(0, failedCount - retry.length);
    if (unnamed > 0) count(tally, `Security Hub reported ${unnamed} failed finding(s) without naming them.`, unnamed);
    pending = retry;
    lastError = '';
  }
  for (const finding of pending) count(tally, lastError || reasons.get(finding.Id!) || 'not imported', 1);
}

/** An error text as one sentence of bounded length (AWS's messages can be long). */
function sentence(text: string): string {
  const short = text.length > 300 ? `${text.slice(0, 299)}…` : text;
  return /[.!?…]$/.test(short) ? short : `${short}.`;
}

function outcomeOf(run: FinishedRun, settings: Settings, tally: Tally, readError: string | null): ChannelOutcome {
  const outcome: ChannelOutcome = {
    channel: 'security-hub',
    to: `AWS Security Hub, account ${settings.accountId}, ${settings.region}`,
    subject: `${tally.imported} of ${tally.total} findings of run ${run.record.runId} imported to Security Hub`,
    attempts: tally.calls,
    findings: tally.imported,
  };
  const problems: string[] = [];
  if (tally.failed > 0) {
    const reasons = [...tally.errors.entries()].sort((a, b) => b[1] - a[1]);
    const shown = reasons.slice(0, 3).map(([text, n]) => `${n} finding${n === 1 ? '' : 's'}: ${sentence(text)}`);
    if (reasons.length > 3) shown.push(`${reasons.length - 3} other errors.`);
    problems.push(`${tally.failed} of ${tally.total} findings were not imported. ${shown.join(' ')}`);
  }
  if (readError) problems.push(`Reading the run's findings failed after ${tally.total}: ${sentence(readError)}`);
  if (problems.length > 0) return { ...outcome, error: printable(problems.join(' ')) };
  return { ...outcome, sentAt: settings.now().toISOString() };
}

/**
 * The Security Hub channel: imports the run's non-compliant findings (the `ocsf`
 * report, or the JSON report's findings converted the same way) as ASFF findings,
 * in batches of at most 100, and closes the violations the run found resolved.
 * Answers one outcome with how many were imported and why any were not; never
 * throws for a delivery that fails.
 *
 * @example
 * const hub = securityHubNotifier({ client: new SecurityHubClient({}), accountId: '123456789012', region: 'eu-central-1' });
 * const [outcome] = await hub.finished(run); // { channel: 'security-hub', findings: 18, … }
 */
export function securityHubNotifier(options: SecurityHubNotifierOptions): Notifier {
  const settings = checked(options);
  return {
    channel: 'security-hub',
    reads: ['ocsf', 'json'],
    async finished(run) {
      const tally: Tally = { total: 0, imported: 0, failed: 0, calls: 0, errors: new Map(), stopped: null };
      const target = { accountId: settings.accountId, productArn: settings.productArn };
      let batch: AwsSecurityFinding[] = [];
      let readError: string | null = null;
      try {
        for await (const event of readComplianceFindings(readableReports(run), run.result.head.run)) {
          tally.total += 1;
          if (tally.stopped) {
            count(tally, tally.stopped, 1);
            continue;
          }
          batch.push(asffFindingOf(event, target));
          if (batch.length >= settings.batchSize) {
            const full = batch;
            batch = [];
            await sendBatch(full, settings, tally);
          }
        }
      } catch (error) {
        readError = (error as Error)?.message ?? String(error);
      }
      if (batch.length > 0) {
        if (tally.stopped) count(tally, tally.stopped, batch.length);
        else await sendBatch(batch, settings, tally);
      }
      return [outcomeOf(run, settings, tally, readError)];
    },
    async failed() {
      return [];
    },
  };
}

/** The channel's settings, from the environment (the function's, or the shell's for the CLI). */
const securityHubSettings = z.object({
  SECURITY_HUB_ACCOUNT_ID: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').describe('the AWS account the findings belong to'),
  AWS_REGION: z.string().min(1).describe('the AWS Region whose Security Hub receives the findings'),
  SECURITY_HUB_PRODUCT_ARN: z.string().regex(/^arn:aws[\w-]*:securityhub:/, 'must be a Security Hub product ARN').optional(),
  SECURITY_HUB_BATCH_SIZE: z.coerce.number().int().min(1).max(MAX_BATCH).optional(),
});

/** The registry's entry for AWS Security Hub. */
export const securityHubDelivery: DeliveryChannel<'security-hub'> = {
  id: 'security-hub',
  description:
    "the run's non-compliant findings (the ocsf report, or the JSON report's findings) imported into AWS Security Hub of SECURITY_HUB_ACCOUNT_ID in AWS_REGION as ASFF findings, resolved ones archived",
  create(context) {
    const settings = readChannelSettings(securityHubSettings, context.env, context.origin);
    return securityHubNotifier({
      // The SDK reads AWS_ENDPOINT_URL_SECURITYHUB itself (a local endpoint offline).
      client: new SecurityHubClient({ region: settings.AWS_REGION }),
      accountId: settings.SECURITY_HUB_ACCOUNT_ID,
      region: settings.AWS_REGION,
      productArn: settings.SECURITY_HUB_PRODUCT_ARN,
      batchSize: settings.SECURITY_HUB_BATCH_SIZE,
    });
  },
};

/** The run's OCSF and JSON reports wherever they are (a partitioned run's JSON is only in the reports bucket). */
function readableReports(run: FinishedRun): Partial<Record<'ocsf' | 'json', ReportSource>> {
  const ocsf = run.report('ocsf');
  const json = run.report('json');
  return { ...(ocsf ? { ocsf } : {}), ...(json ? { json } : {}) };
}
