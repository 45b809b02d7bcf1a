/**
 * The `owner-email` channel: after a run, each data owner gets one mail of only their own
 * violations and deadlines due soon (lib/delivery/ownerDigest.ts), their CSV attached; the
 * DPO's digest still has the whole run. Owners come from the inventory, so who may be
 * mailed comes from the stage's configuration only (an allowlist, a cap per run), never
 * from the inventory or a request. Owners are not told of failed runs.
 */
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULTS } from '../../defaults';
import { UsageError } from '../../errors';
import { csvFormat } from '../../report/formats/csvFormat';
import { formatCount } from '../../units';
import { deliveryConfigSchema } from '../config';
import type { Mailer } from '../Mailer';
import { composeOwnerDigest } from '../ownerDigest';
import { ownerFindings, parseOwnerAllowlist, writeOwnerCsv, type OwnerAllowlist, type OwnerDigestData, type OwnerFindings, type OwnerTally } from '../ownerFindings';
import { readChannelSettings, type DeliveryChannel } from './DeliveryChannel';
import { LOCAL_SENDER } from './emailNotifier';
import type { ChannelOutcome, FinishedRun, Notifier } from './Notifier';

export interface OwnerNotifierOptions {
  mailer: Mailer;
  /** The sender address (SENDER_EMAIL). */
  from: string;
  /** The DPO's addresses, named in each mail as receiving the full report. */
  dpo: readonly string[];
  /** Who may be mailed (lib/delivery/ownerFindings.ts parseOwnerAllowlist); empty admits nobody. */
  allowlist: OwnerAllowlist;
  /** Owners one run mails at most (default 200). */
  maxOwners?: number;
  /** Findings each mail lists (default 50). */
  maxListed?: number;
  /** Rows each CSV attachment holds (default 10,000). */
  maxCsvRows?: number;
  /** Mails in flight at once (default 4). */
  concurrency?: number;
  /** Tries per mail when the failure is transient (default 3). */
  attempts?: number;
  /** Waits between tries, in ms (default 1 s, then 4 s). */
  sleep?: (ms: number) => Promise<void>;
  /** Where the temporary files go (default: the system's). */
  tmpRoot?: string;
  now?: () => Date;
}

/** The caps when the configuration sets none. */
export const OWNER_DIGEST_DEFAULTS = Object.freeze({ maxOwners: DEFAULTS.ownerMailCap, maxListed: DEFAULTS.ownerListCap, maxCsvRows: DEFAULTS.ownerCsvCap, concurrency: 4, attempts: 3 });

const CHANNEL = 'owner-email' as const;

/**
 * The owner-email notifier. `finished` answers one outcome per owner mailed (to = the
 * owner, findings = their count, error when it failed after its tries), then one
 * outcome per group of findings no owner mail carries (no owner, not an address, not
 * on the allowlist, over the cap), so every finding that calls for action is accounted
 * for. It never throws for a delivery: a run without a JSON report, or one that cannot
 * be read, answers one failed outcome.
 *
 * @example
 * const notifier = createOwnerNotifier({ mailer, from: 'auditor@example.com', dpo: ['dpo@example.com'], allowlist: parseOwnerAllowlist('@example.com') });
 * const outcomes = await notifier.finished(run); // [{ channel: 'owner-email', to: 'alice@example.com', findings: 3, messageId, … }, …]
 */
export function createOwnerNotifier(options: OwnerNotifierOptions): Notifier {
  const settings: Settings = {
    maxOwners: options.maxOwners ?? OWNER_DIGEST_DEFAULTS.maxOwners,
    maxListed: options.maxListed ?? OWNER_DIGEST_DEFAULTS.maxListed,
    maxCsvRows: options.maxCsvRows ?? OWNER_DIGEST_DEFAULTS.maxCsvRows,
    concurrency: options.concurrency ?? OWNER_DIGEST_DEFAULTS.concurrency,
    attempts: options.attempts ?? OWNER_DIGEST_DEFAULTS.attempts,
  };
  for (const name of ['maxOwners', 'maxListed', 'maxCsvRows', 'concurrency', 'attempts'] as const) {
    if (!Number.isInteger(settings[name]) || settings[name] < 1) throw new UsageError(`Owner digest option ${name} must be a whole number of at least 1, not ${settings[name]}.`);
  }
  return {
    channel: CHANNEL,
    reads: ['json'],
    failed: async () => [],
    async finished(run) {
      const json = run.report('json');
      if (!json) {
        const written = Object.keys(run.result.reports).join(', ') || 'none';
        return [{ channel: CHANNEL, to: 'data owners', error: `Owner digests need the json report format, and this run wrote none (formats: ${written}).` }];
      }
      let grouped: OwnerFindings;
      try {
        grouped = await ownerFindings(json, { allowlist: options.allowlist, maxOwners: settings.maxOwners, maxListed: settings.maxListed, maxCsvRows: settings.maxCsvRows, tmpRoot: options.tmpRoot });
      } catch (error) {
        return [{ channel: CHANNEL, to: 'data owners', error: `Owner digests were not sent: ${(error as Error).message}` }];
      }
      try {
        const mailed = await mapConcurrently(grouped.owners, settings.concurrency, (owner) => deliver(owner, run, settings, options));
        return [...mailed, ...notMailed(grouped, settings.maxOwners)];
      } finally {
        await grouped.cleanup();
      }
    },
  };
}

type Settings = { -readonly [K in keyof typeof OWNER_DIGEST_DEFAULTS]: number };

/** Writes the owner's CSV, composes and sends their mail (with retries), and answers what happened. */
async function deliver(owner: OwnerDigestData, run: FinishedRun, settings: Settings, options: OwnerNotifierOptions): Promise<ChannelOutcome> {
  const { head } = run.result;
  const csvFilename = `${head.run.id.replace(/[^A-Za-z0-9._-]/g, '_')}-owner.csv`;
  const outcome: ChannelOutcome = { channel: CHANNEL, to: owner.address, findings: owner.violations + owner.dueSoon };
  const csvPath = join(owner.dir, csvFilename);
  try {
    await writeOwnerCsv(owner, csvPath, head);
    const mail = composeOwnerDigest(head, owner, { dpo: options.dpo, csvFilename, fullReports: fullReportsOf(run) });
    outcome.subject = mail.subject;
    const sent = await sendWithRetries(
      options.mailer,
      { from: options.from, to: [owner.address], ...mail, attachments: [{ filename: csvFilename, path: csvPath, contentType: csvFormat.contentType }] },
      settings.attempts,
      options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    );
    return { ...outcome, attached: ['csv'], messageId: sent.messageId, sentAt: (options.now?.() ?? new Date()).toISOString(), attempts: sent.attempts };
  } catch (error) {
    const { message, attempts } = error as Error & { attempts?: number };
    return { ...outcome, error: message, attempts: attempts ?? 1 };
  } finally {
    // The owner's disk space is freed as soon as their mail is gone, not after the last owner's.
    await rm(owner.dir, { recursive: true, force: true });
  }
}

/** Where the run's full reports are: the bucket and the fetch command for stored reports, the folder for the CLI's. */
function fullReportsOf(run: FinishedRun): { where: string; command?: string } {
  if (Object.keys(run.stored).length > 0) return { where: 'in the reports bucket, to be fetched with your own AWS credentials', command: run.fetchCommand };
  const json = run.result.reports.json;
  return { where: `in ${json ? resolve(dirname(json)) : 'the reports folder'} on the machine that ran the audit` };
}

/** SMTP 4xx replies and dropped connections pass; other failures (a refused address, a 5xx) would fail again. */
function isTransient(error: unknown): boolean {
  const cause = (error as { cause?: { responseCode?: number; code?: string; name?: string; $retryable?: unknown } }).cause;
  if (!cause) return false;
  if (typeof cause.responseCode === 'number') return cause.responseCode >= 400 && cause.responseCode < 500;
  return ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'ECONNRESET', 'EDNS'].includes(cause.code ?? '') || cause.$retryable !== undefined || cause.name === 'TooManyRequestsException';
}

async function sendWithRetries(mailer: Mailer, message: Parameters<Mailer['send']>[0], attempts: number, sleep: (ms: number) => Promise<void>): Promise<{ messageId: string; attempts: number }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return { messageId: await mailer.send(message), attempts: attempt };
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw Object.assign(error as Error, { attempts: attempt });
      await sleep(1000 * 4 ** (attempt - 1));
    }
  }
}

/** Runs `work` over `items`, at most `limit` at once, answering in the items' order. */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** "a@x.com, b@y.com and 3 more". */
function named(tally: OwnerTally, quote: boolean): string {
  const names = tally.examples.map((name) => (quote ? `"${name}"` : name));
  const rest = tally.owners - names.length;
  return rest > 0 || tally.atLeast ? `${names.join(', ')} and ${tally.atLeast ? 'many' : formatCount(rest)} more` : names.join(', ');
}

const owners = (tally: OwnerTally, what: string) => `${tally.atLeast ? 'More than ' : ''}${formatCount(tally.owners)} ${what}${tally.owners === 1 && !tally.atLeast ? '' : 's'}`;
const findings = (n: number) => `${formatCount(n)} finding${n === 1 ? '' : 's'}`;

/** One note per reason some findings reached no owner's mail (only the DPO's digest has them): an account, not a failed delivery. */
function notMailed(grouped: OwnerFindings, maxOwners: number): ChannelOutcome[] {
  const outcomes: ChannelOutcome[] = [];
  const { unowned, invalid, notAllowed, overCap } = grouped;
  if (unowned > 0) {
    outcomes.push({ channel: CHANNEL, to: 'findings without an owner', findings: unowned, note: `${findings(unowned)} calling for action ${unowned === 1 ? 'names' : 'name'} no owner; only the DPO's digest has ${unowned === 1 ? 'it' : 'them'}.` });
  }
  if (invalid.findings > 0) {
    outcomes.push({ channel: CHANNEL, to: 'owners that are not addresses', findings: invalid.findings, note: `${owners(invalid, 'owner value')} ${invalid.owners === 1 && !invalid.atLeast ? 'is' : 'are'} not a plain e-mail address, not mailed (${findings(invalid.findings)}): ${named(invalid, true)}.` });
  }
  if (notAllowed.findings > 0) {
    outcomes.push({ channel: CHANNEL, to: 'owners not on the allowlist', findings: notAllowed.findings, note: `${owners(notAllowed, 'owner')} not on the allowlist, not mailed (${findings(notAllowed.findings)}): ${named(notAllowed, false)}.` });
  }
  if (overCap.findings > 0) {
    outcomes.push({ channel: CHANNEL, to: 'owners over the cap', findings: overCap.findings, note: `${owners(overCap, 'owner')} beyond the cap of ${formatCount(maxOwners)} owner digests a run sends, not mailed (${findings(overCap.findings)}): ${named(overCap, false)}.` });
  }
  return outcomes;
}

const cap = (fallback: number, what: string, max = 1_000_000) => z.coerce.number().int().min(1).max(max).default(fallback).describe(what);
/** Each owner mailed is one outcome in the run record, a DynamoDB item of at most 400 KB: 500 outcomes stay well inside it. */
export const MAX_OWNER_MAIL_CAP = 500;

/** The channel's settings, from the environment (the stage's parameters in the functions, the shell's on the command line). */
const ownerSettings = z.object({
  OWNER_ALLOWLIST: z
    .string()
    .transform((value, context) => {
      try {
        return parseOwnerAllowlist(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message.replace(/\.$/, '') });
        return z.NEVER;
      }
    })
    .describe('the owners who may be mailed, addresses and @domains separated by commas (e.g. "@example.com, ops@partner.example")'),
  OWNER_MAIL_CAP: cap(OWNER_DIGEST_DEFAULTS.maxOwners, 'the most owners one run mails', MAX_OWNER_MAIL_CAP),
  OWNER_LIST_CAP: cap(OWNER_DIGEST_DEFAULTS.maxListed, 'the findings each owner mail lists'),
  OWNER_CSV_CAP: cap(OWNER_DIGEST_DEFAULTS.maxCsvRows, "the rows of each owner's CSV"),
  DPO_EMAIL: deliveryConfigSchema.shape.DPO_EMAIL.optional(),
  SENDER_EMAIL: z.email().optional(),
});

/** The registry's entry for the owner digests. */
export const ownerEmailDelivery: DeliveryChannel<'owner-email'> = {
  id: 'owner-email',
  description:
    'one mail per data owner (the items\' `owner`) of only their violations and deadlines due soon, their CSV attached, to owners admitted by OWNER_ALLOWLIST (addresses, @domains), at most OWNER_MAIL_CAP per run, from SENDER_EMAIL; needs the json format',
  create(context) {
    const settings = readChannelSettings(ownerSettings, context.env, context.origin);
    return createOwnerNotifier({
      mailer: context.mailer(),
      from: settings.SENDER_EMAIL ?? LOCAL_SENDER,
      dpo: settings.DPO_EMAIL ?? [],
      allowlist: settings.OWNER_ALLOWLIST,
      maxOwners: settings.OWNER_MAIL_CAP,
      maxListed: settings.OWNER_LIST_CAP,
      maxCsvRows: settings.OWNER_CSV_CAP,
    });
  },
};
