import { fingerprintOf } from '../engine/identity';
import type { Verdict } from '../model';
import type { FindingLine } from '../report/FindingSorter';
import type { Changes, HoldEntry, ResolvedFinding } from '../report/ReportModel';
import { DAY_MS } from '../time';
import type { FindingState } from './HistoryStore';

const SEP = '\u0002';

/**
 * The key a finding line is sorted by for the diff: its identity, then itemId,
 * then verdict (which rides along so the diff need not parse the line).
 */
export function diffKey(identity: string, itemId: string | null, verdict: Verdict): string {
  return `${identity}${SEP}${itemId ?? ''}${SEP}${verdict}`;
}

function parseKey(key: string) {
  const [identity = '', itemId = '', verdict = ''] = key.split(SEP);
  const [tenantId = '', module = '', dataCategory = '', resource = ''] = identity.split('\u0001');
  return { identity, itemId: itemId || null, verdict: verdict as Verdict, tenantId, module, dataCategory, resource };
}

const identityOf = (state: FindingState) => state.key.slice(0, state.key.indexOf(SEP));

export interface DiffSinks {
  /** The annotated finding line, in identity order, with its itemId and its diff key (the line's sort key). */
  finding(line: string, itemId: string | null, key: string): Promise<void>;
  state(state: FindingState): Promise<void>;
  /** A previous violation that is gone, with its state's key (resolved findings come in key order). */
  resolved(entry: ResolvedFinding, key: string): Promise<void>;
  /** A previous legal hold that ended, with its state's key. */
  holdEnded(entry: HoldEntry, key: string): void;
  /** The reason sentence of an exempt finding (parsed from its line; rare). */
  holdReason(line: string): string;
}

/**
 * Merge-joins this run's findings (sorted by identity) with the previous
 * completed run's states (sorted the same way), one identity group at a time,
 * so neither run is ever held in memory whole. A finding is `persisting` when
 * the previous run had its identity with the same verdict (its `firstSeenAt`
 * carries over), `new` otherwise; a previous violation whose identity is no
 * longer in violation is `resolved`; a previous exemption whose data is still
 * held but no longer exempt is a legal hold that ended.
 */
export async function diffFindings(
  current: AsyncIterable<FindingLine>,
  previous: AsyncIterable<FindingState> | null,
  seenAt: string,
  sinks: DiffSinks,
): Promise<Omit<Changes, 'previousRunId' | 'previousCapturedAt'>> {
  const counts = { new: 0, persisting: 0, resolved: 0, newViolations: 0 };
  const seenMs = Date.parse(seenAt);
  const daysSince = (iso: string) => Math.round(((seenMs - Date.parse(iso)) / DAY_MS) * 100) / 100;
  const prevIterator = previous?.[Symbol.asyncIterator]();
  let pending: FindingState | undefined = prevIterator ? (await prevIterator.next()).value : undefined;

  /** The previous states of the next identity, or of `identity` if it comes first. */
  const takeGroup = async (): Promise<FindingState[]> => {
    if (!pending || !prevIterator) return [];
    const identity = identityOf(pending);
    const group: FindingState[] = [];
    while (pending && identityOf(pending) === identity) {
      group.push(pending);
      pending = (await prevIterator.next()).value;
    }
    return group;
  };
  const resolveGroup = async (group: FindingState[], stillViolating: boolean) => {
    if (stillViolating) return;
    for (const state of group.filter((s) => s.verdict === 'violation')) {
      counts.resolved += 1;
      await sinks.resolved({
        fingerprint: state.fingerprint,
        itemId: state.itemId,
        tenantId: state.tenantId,
        module: state.module,
        dataCategory: state.dataCategory,
        resource: state.resource,
        previousVerdict: state.verdict,
        status: 'resolved',
        firstSeenAt: state.firstSeenAt,
        resolvedAt: seenAt,
        daysOpen: daysSince(state.firstSeenAt),
      }, state.key);
    }
  };

  let group: { identity: string; lines: { line: string; key: string; parts: ReturnType<typeof parseKey> }[] } | null = null;
  const finishGroup = async () => {
    if (!group) return;
    // Previous identities that sort before this one are gone entirely.
    while (pending && identityOf(pending) < group.identity) await resolveGroup(await takeGroup(), false);
    const prev = pending && identityOf(pending) === group.identity ? await takeGroup() : [];
    let stillViolating = false;
    let exemptNow = false;
    for (const { line, key, parts } of group.lines) {
      const match = prev.find((state) => state.verdict === parts.verdict);
      const status = match ? 'persisting' : 'new';
      const firstSeenAt = match ? match.firstSeenAt : seenAt;
      counts[status] += 1;
      if (parts.verdict === 'violation') {
        stillViolating = true;
        if (!match) counts.newViolations += 1;
      }
      if (parts.verdict === 'exempt') exemptNow = true;
      const extra = `,"status":"${status}","firstSeenAt":${JSON.stringify(firstSeenAt)},"daysOpen":${daysSince(firstSeenAt)}}`;
      await sinks.finding(`${line.slice(0, -1)}${extra}`, parts.itemId, key);
      const state: FindingState = {
        key: `${parts.identity}${SEP}${parts.itemId ?? ''}`,
        fingerprint: fingerprintOf(parts.identity),
        verdict: parts.verdict,
        firstSeenAt,
        itemId: parts.itemId,
        tenantId: parts.tenantId || null,
        module: parts.module || null,
        dataCategory: parts.dataCategory || null,
        resource: parts.resource || null,
        ...(parts.verdict === 'exempt' ? { hold: sinks.holdReason(line) } : {}),
      };
      await sinks.state(state);
    }
    await resolveGroup(prev, stillViolating);
    if (!exemptNow) {
      for (const state of prev.filter((s) => s.verdict === 'exempt')) {
        sinks.holdEnded({ itemId: state.itemId, tenantId: state.tenantId, module: state.module, dataCategory: state.dataCategory, resource: state.resource, reason: state.hold ?? '' }, state.key);
      }
    }
    group = null;
  };

  for await (const entry of current) {
    const parts = parseKey(entry.key!);
    if (group && group.identity !== parts.identity) await finishGroup();
    group ??= { identity: parts.identity, lines: [] };
    group.lines.push({ line: entry.line, key: entry.key!, parts });
  }
  await finishGroup();
  while (pending) await resolveGroup(await takeGroup(), false);
  return counts;
}
