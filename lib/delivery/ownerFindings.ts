/**
 * Groups a finished run's findings by their owner (CONTRACT section 2, `owner`), for the
 * owner digests (lib/delivery/notifiers/ownerNotifier.ts). It reads the run's JSON report
 * line by line, so it works the same after either engine and for any size of run: memory
 * holds, per owner, only counts and the few most serious findings the mail lists; the
 * rows of each owner's CSV go to small per-owner temporary files (one file per verdict
 * and severity, so the CSV can put the most severe first and stop at its cap).
 *
 * Who may be mailed is decided here, from configuration only: an owner value is
 * normalised and validated as a plain address, then checked against the stage's
 * allowlist; a run mails at most `maxOwners` owners. Nothing is dropped silently: every
 * finding that calls for action either belongs to a mailed owner or is counted in one
 * of the tallies (no owner, not an address, not on the allowlist, over the cap).
 */
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, UsageError } from '../errors';
import { readLines } from '../inventory/readLines';
import { reportLines, sourceOf, type ReportSource } from '../report/ReportSource';
import { SEVERITIES, type Finding } from '../model';
import { csvFormat } from '../report/formats/csvFormat';
import type { ReportContext } from '../report/formats/ReportFormat';
import { MostSeriousCollector } from '../report/MostSeriousCollector';
import type { ReportHead, SeriousFinding } from '../report/ReportModel';
import { printable } from '../text/printable';

/** Which owners a stage may mail: exact addresses, and whole domains (`@example.com`, that domain only). */
export interface OwnerAllowlist {
  addresses: ReadonlySet<string>;
  domains: ReadonlySet<string>;
}

/** One of the most serious findings of an owner, as their mail lists it. */
export interface OwnerListedFinding extends SeriousFinding {
  /** The engine's explanation (from the report), e.g. "The oldest record … is 23 days past …". */
  reason: string;
}

/** One owner to mail: their counts, the findings the mail lists, and their CSV rows on disk. */
export interface OwnerDigestData {
  /** The normalised address (domain lower-cased). */
  address: string;
  violations: number;
  dueSoon: number;
  specialCategoryViolations: number;
  recordsPastDeadline: number;
  bytesPastDeadline: number;
  /** The most serious first (the DPO digest's order), at most `maxListed`. */
  listed: OwnerListedFinding[];
  /** Rows the CSV holds: all their violations and due-soon findings, up to `maxCsvRows`. */
  csvRows: number;
  /** Their findings the CSV leaves out (beyond `maxCsvRows`: the least severe). */
  csvOmitted: number;
  /** The temporary files of their CSV rows (JSON report lines), most severe first; read by {@link writeOwnerCsv}. */
  csvParts: readonly string[];
  /** Their temporary folder (the parts, and room for the attachment): removed by `cleanup()`, or earlier by the caller. */
  dir: string;
}

/** Owners that are not mailed, for one reason: how many, how many findings, and the first few named. */
export interface OwnerTally {
  /** Distinct owner values (exact up to {@link DISTINCT_LIMIT}; `atLeast` beyond). */
  owners: number;
  atLeast: boolean;
  findings: number;
  /** The first few, printable and cut when long. */
  examples: string[];
}

export interface OwnerFindings {
  /** The owners to mail, in the order they first appear in the report (by itemId). */
  owners: OwnerDigestData[];
  /** Violations and due-soon findings that name no owner. */
  unowned: number;
  /** Owner values that are not a plain e-mail address. */
  invalid: OwnerTally;
  /** Valid addresses the allowlist does not admit. */
  notAllowed: OwnerTally;
  /** Admitted owners beyond `maxOwners`. */
  overCap: OwnerTally;
  /** Removes the temporary files; call once the mails are sent. */
  cleanup(): Promise<void>;
}

export interface OwnerFindingsOptions {
  allowlist: OwnerAllowlist;
  /** Owners one run mails at most; the others are counted in `overCap`. */
  maxOwners: number;
  /** Findings each mail lists. */
  maxListed: number;
  /** Rows each CSV holds. */
  maxCsvRows: number;
  /** Where the temporary folder goes (default: the system's). */
  tmpRoot?: string;
}

/** Distinct owner values a tally keeps for counting; beyond, it says "at least". */
export const DISTINCT_LIMIT = 10_000;
/** Owner values a tally names. */
const EXAMPLES = 10;
/** The longest owner value a tally names or keeps (a hostile inventory may write megabytes). */
const VALUE_CHARS = 120;
/** Characters of CSV rows an owner holds in memory before they are appended to their files. */
const FLUSH_CHARS = 64 * 1024;

// A plain address only: no display name, comment, quoting, IP literal or list separator can
// pass, so nothing in an inventory can make the mailer parse one owner as several recipients.
// No `%`: a relay that honours the percent hack would route `eve%evil.test@allowed.example` to evil.test.
const LOCAL_PART = /^[A-Za-z0-9_+'-]+(?:\.[A-Za-z0-9_+'-]+)*$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LABEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * An owner value as an address to mail: trimmed, the domain lower-cased (the local part is
 * kept as written: RFC 5321 lets a server tell its case apart). Null when it is not a plain
 * address: letters, digits and `. _ % + - '` before one `@`, then a domain of at least two
 * ASCII labels (an internationalised domain in its `xn--` form).
 *
 * @example
 * normalizeOwner('  Alice@Example.COM ') // 'Alice@example.com'
 * normalizeOwner('alice@example.com, eve@evil.test') // null
 */
export function normalizeOwner(value: string): string | null {
  const text = value.trim();
  if (text.length > 254) return null;
  const at = text.indexOf('@');
  if (at <= 0 || at !== text.lastIndexOf('@')) return null;
  const local = text.slice(0, at);
  const domain = text.slice(at + 1).toLowerCase();
  return local.length <= 64 && LOCAL_PART.test(local) && isDomain(domain) ? `${local}@${domain}` : null;
}

function isDomain(domain: string): boolean {
  const labels = domain.split('.');
  return domain.length <= 253 && labels.length >= 2 && labels.every((label) => LABEL.test(label)) && TOP_LABEL.test(labels[labels.length - 1]!);
}

/**
 * The allowlist from configuration: addresses (`alice@example.com`) and domains
 * (`@example.com`, exactly that domain), separated by commas or spaces. An entry that is
 * neither fails with one sentence naming it. An empty list admits nobody.
 *
 * @example
 * parseOwnerAllowlist('@example.com, ops@partner.test') // { domains: {'example.com'}, addresses: {'ops@partner.test'} }
 */
export function parseOwnerAllowlist(entries: string | readonly string[]): OwnerAllowlist {
  const list = typeof entries === 'string' ? entries.split(/[\s,]+/) : entries;
  const addresses = new Set<string>();
  const domains = new Set<string>();
  for (const raw of list) {
    const entry = raw.trim();
    if (entry === '') continue;
    const domain = entry.startsWith('@') ? entry.slice(1).toLowerCase() : null;
    const address = domain === null ? normalizeOwner(entry) : null;
    if (domain !== null && isDomain(domain)) domains.add(domain);
    else if (address !== null) addresses.add(address);
    else throw new UsageError(`Owner allowlist entry "${printable(entry)}" is neither an address (alice@example.com) nor a domain (@example.com).`);
  }
  return { addresses, domains };
}

/**
 * Whether the allowlist admits a normalised address: listed exactly (the local part's case
 * counts), or its domain listed.
 *
 * @example
 * ownerAllowed(parseOwnerAllowlist('@example.com'), 'bob@example.com') // true
 * ownerAllowed(parseOwnerAllowlist('@example.com'), 'bob@eu.example.com') // false
 */
export function ownerAllowed(allowlist: OwnerAllowlist, address: string): boolean {
  return allowlist.addresses.has(address) || allowlist.domains.has(address.slice(address.indexOf('@') + 1));
}

/** Counts owners that are not mailed for one reason (bounded memory: see {@link DISTINCT_LIMIT}). */
class TallyBuilder {
  private readonly seen = new Set<string>();
  private atLeast = false;
  private findings = 0;
  private readonly examples: string[] = [];

  add(value: string): void {
    this.findings += 1;
    const name = clipValue(value);
    if (this.seen.has(name)) return;
    if (this.seen.size >= DISTINCT_LIMIT) {
      this.atLeast = true;
      return;
    }
    this.seen.add(name);
    if (this.examples.length < EXAMPLES) this.examples.push(name);
  }

  result(): OwnerTally {
    return { owners: this.seen.size, atLeast: this.atLeast, findings: this.findings, examples: [...this.examples] };
  }
}

const clipValue = (value: string) => {
  const text = printable(value);
  return text.length > VALUE_CHARS ? `${text.slice(0, VALUE_CHARS - 1)}…` : text;
};

/** A CSV part: the rows of one verdict and severity (violations first, then the most severe). */
const PARTS = (['violation', 'due-soon'] as const).flatMap((verdict) => SEVERITIES.map((severity) => ({ verdict, severity })));
const partOf = (finding: Finding) => PARTS.findIndex((part) => part.verdict === finding.verdict && part.severity === finding.severity);

/** Appends waiting at most, before reading the report waits for them (bounds their memory). */
const MAX_QUEUED_APPENDS = 16;

/**
 * Appends to the owners' files in the background while the report is read, one file
 * open at a time, in order; reading waits only when {@link MAX_QUEUED_APPENDS} are queued.
 */
class AppendQueue {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  private failure: Error | null = null;

  async push(path: string, text: string): Promise<void> {
    this.queued += 1;
    this.tail = this.tail
      .then(() => (this.failure ? undefined : appendFile(path, text)))
      .catch((error: Error) => void (this.failure ??= error))
      .finally(() => void (this.queued -= 1));
    if (this.queued >= MAX_QUEUED_APPENDS) await this.drain();
  }

  /** Waits for every append; throws the first that failed. */
  async drain(): Promise<void> {
    await this.tail;
    if (this.failure) throw this.failure;
  }
}

/** One owner's state while the report streams by. */
class OwnerBuilder {
  violations = 0;
  dueSoon = 0;
  specialCategoryViolations = 0;
  recordsPastDeadline = 0;
  bytesPastDeadline = 0;
  private readonly top: MostSeriousCollector;
  /** Reasons of the findings the collector may hold, by itemId; pruned to those it holds. */
  private readonly reasons = new Map<string, string>();
  private readonly kept = PARTS.map(() => 0);
  private readonly pending = PARTS.map((): string[] => []);
  private pendingChars = 0;

  constructor(
    readonly address: string,
    private readonly dir: string,
    private readonly options: OwnerFindingsOptions,
    private readonly appends: AppendQueue,
  ) {
    this.top = new MostSeriousCollector(options.maxListed);
  }

  private partPath(part: number): string {
    return join(this.dir, `part-${part}.ndjson`);
  }

  async add(finding: Finding, line: string): Promise<void> {
    if (finding.verdict === 'violation') {
      this.violations += 1;
      if (finding.specialCategory) this.specialCategoryViolations += 1;
      this.recordsPastDeadline += finding.recordCount ?? 0;
      this.bytesPastDeadline += finding.bytes ?? 0;
    } else this.dueSoon += 1;
    this.top.offer({ line, finding: () => finding });
    this.reasons.set(String(finding.itemId), finding.reason);
    if (this.reasons.size > 2 * this.options.maxListed + 16) this.pruneReasons();
    await this.keepRow(partOf(finding), line);
  }

  private pruneReasons(): void {
    const held = new Set(this.top.result().map((entry) => String(entry.itemId)));
    for (const key of this.reasons.keys()) if (!held.has(key)) this.reasons.delete(key);
  }

  /** A row is kept unless more severe parts already fill the CSV (they only grow). */
  private async keepRow(part: number, line: string): Promise<void> {
    const before = this.kept.slice(0, part).reduce((sum, n) => sum + n, 0);
    if (before + this.kept[part]! >= this.options.maxCsvRows) return;
    this.kept[part]! += 1;
    this.pending[part]!.push(line);
    this.pendingChars += line.length + 1;
    if (this.pendingChars >= FLUSH_CHARS) await this.flush();
  }

  /** Hands what is held to the append queue. */
  async flush(): Promise<void> {
    for (const [part, lines] of this.pending.entries()) {
      if (lines.length === 0) continue;
      this.pending[part] = [];
      await this.appends.push(this.partPath(part), `${lines.join('\n')}\n`);
    }
    this.pendingChars = 0;
  }

  result(): OwnerDigestData {
    const total = this.violations + this.dueSoon;
    const csvRows = Math.min(total, this.options.maxCsvRows);
    return {
      address: this.address,
      violations: this.violations,
      dueSoon: this.dueSoon,
      specialCategoryViolations: this.specialCategoryViolations,
      recordsPastDeadline: this.recordsPastDeadline,
      bytesPastDeadline: this.bytesPastDeadline,
      listed: this.top.result().map((entry) => ({ ...entry, reason: this.reasons.get(String(entry.itemId)) ?? '' })),
      csvRows,
      csvOmitted: total - csvRows,
      csvParts: PARTS.map((_, part) => part).filter((part) => this.kept[part]! > 0).map((part) => this.partPath(part)),
      dir: this.dir,
    };
  }
}

/** Whether a report line may hold a violation or a due-soon finding (a quick look; the parsed verdict decides). */
const mayCallForAction = (line: string) => line.includes('"verdict":"violation"') || line.includes('"verdict":"due-soon"');

/**
 * The findings of a JSON report (lib/report/formats/jsonFormat.ts: a head, then
 * `"findings":[`, one finding per line, then `],`), as report lines, streamed.
 */
async function* reportFindingLines(report: ReportSource): AsyncGenerator<{ line: string; lineNo: number }> {
  const path = report.name;
  let inFindings = false;
  let lineNo = 0;
  for await (const line of reportLines(report)) {
    lineNo += 1;
    if (!inFindings) {
      inFindings = line === '"findings":[';
      continue;
    }
    if (line === '') continue;
    if (line === ']' || line.startsWith('],')) return;
    if (!line.startsWith('{')) throw new InputError(`Line ${lineNo} of the JSON report ${path} is not a finding.`);
    yield { line: line.endsWith(',') ? line.slice(0, -1) : line, lineNo };
  }
  throw new InputError(`The JSON report ${path} ends before its findings do: it is not a complete report of this auditor.`);
}

function parseFinding(line: string, lineNo: number, path: string): Finding {
  try {
    return JSON.parse(line) as Finding;
  } catch (error) {
    throw new InputError(`Line ${lineNo} of the JSON report ${path} is not a finding: ${(error as Error).message}.`, { cause: error });
  }
}

/**
 * Reads a run's JSON report once (a file, or streamed from the reports bucket) and groups its
 * violations and due-soon findings by owner. The caller sends the mails and then calls `cleanup()`.
 *
 * @example
 * const grouped = await ownerFindings(result.reports.json, { allowlist, maxOwners: 200, maxListed: 50, maxCsvRows: 10_000 });
 * try { for (const owner of grouped.owners) await mail(owner); } finally { await grouped.cleanup(); }
 */
export async function ownerFindings(report: string | ReportSource, options: OwnerFindingsOptions): Promise<OwnerFindings> {
  const source = sourceOf(report);
  const dir = await mkdtemp(join(options.tmpRoot ?? tmpdir(), 'retention-auditor-owners-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const appends = new AppendQueue();
  try {
    const owners = new Map<string, OwnerBuilder>();
    const invalid = new TallyBuilder();
    const notAllowed = new TallyBuilder();
    const overCap = new TallyBuilder();
    let unowned = 0;
    for await (const { line, lineNo } of reportFindingLines(source)) {
      if (!mayCallForAction(line)) continue;
      const finding = parseFinding(line, lineNo, source.name);
      if (finding.verdict !== 'violation' && finding.verdict !== 'due-soon') continue;
      const raw = typeof finding.owner === 'string' ? finding.owner.trim() : '';
      if (raw === '') {
        unowned += 1;
        continue;
      }
      const address = normalizeOwner(raw);
      if (address === null) invalid.add(raw);
      else if (!ownerAllowed(options.allowlist, address)) notAllowed.add(address);
      else {
        let owner = owners.get(address);
        if (!owner && owners.size < options.maxOwners) {
          const ownerDir = join(dir, `owner-${owners.size}`);
          await mkdir(ownerDir);
          owner = new OwnerBuilder(address, ownerDir, options, appends);
          owners.set(address, owner);
        }
        if (owner) await owner.add(finding, line);
        else overCap.add(address);
      }
    }
    for (const owner of owners.values()) await owner.flush();
    await appends.drain();
    return {
      owners: [...owners.values()].map((owner) => owner.result()),
      unowned,
      invalid: invalid.result(),
      notAllowed: notAllowed.result(),
      overCap: overCap.result(),
      cleanup,
    };
  } catch (error) {
    // No append may still be writing while the folder goes.
    await appends.drain().catch(() => undefined);
    await cleanup();
    throw error;
  }
}

/** The CSV writer reads no context (catalog, PDF rows): only the PDF does. */
const CSV_CONTEXT = {} as ReportContext;
const NO_RESOLVED = { jsonSha256: null, async *resolved() {} };

/**
 * Writes one owner's CSV attachment to `path` with the run's CSV report writer itself (the
 * same columns, the same formula and control-character escaping): their rows, violations
 * first and the most severe first, at most `csvRows` of them. Answers the rows written.
 *
 * @example
 * await writeOwnerCsv(owner, '/tmp/audit-x-owner.csv', result.head) // 10000
 */
export async function writeOwnerCsv(owner: Pick<OwnerDigestData, 'csvParts' | 'csvRows'>, path: string, head: ReportHead): Promise<number> {
  const writer = csvFormat.create(path, null, CSV_CONTEXT);
  let written = 0;
  try {
    for (const part of owner.csvParts) {
      if (written >= owner.csvRows) break;
      for await (const line of readLines(part, undefined, 64 * 1024)) {
        if (written >= owner.csvRows) break;
        await writer.write({ line, finding: () => JSON.parse(line) as Finding });
        written += 1;
      }
    }
    await writer.finish(head, NO_RESOLVED);
    return written;
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
