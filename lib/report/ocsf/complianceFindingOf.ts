/**
 * Turns the auditor's findings into OCSF Compliance Finding events: the clause is
 * the control, the verdict the compliance status, the deadline, overdue days and
 * counts the evidence. A pure function of the finding (and, for the envelope, of
 * the run), so the `ocsf` report and the Security Hub push agree line for line.
 *
 * Which verdicts become events (the report holds the non-compliant and the
 * undecidable, read with OCSF's own meaning of the compliance statuses):
 * - `violation` → Fail: a clause is broken.
 * - `invalid`, `unmapped` → Warning: OCSF's Warning is "the check did not yield a
 *   result due to missing information" — the item is broken, or no rule covers it.
 * - `review` → Warning: the policy names no period, so there is no result until a
 *   person decides one.
 * - `due-soon` → no event: the item was compliant when captured, and OCSF has no
 *   "passed with a warning" (Warning means no result); it would be a Pass event,
 *   noise in a SIEM. It becomes a Fail event in the first audit after its deadline;
 *   the JSON, CSV and HTML reports and the digest list it before that.
 * - `exempt`, `waived`, `compliant` → no event: compliant, or kept by a recorded
 *   decision (a legal hold, an approved waiver).
 * - a violation of the previous run that is gone (history) → a Pass event with
 *   status Resolved and activity Close, so a consumer that holds the Fail closes it.
 */
import { hash } from 'node:crypto';
import type { Finding, Verdict } from '../../model';
import { parseTimestamp } from '../../time';
import type { ResolvedFinding, RunInfo } from '../ReportModel';
import {
  ACTIVITIES,
  COMPLIANCE_FINDING_CLASS,
  COMPLIANCE_STATUSES,
  FINDING_STATUSES,
  FINDING_TYPE,
  OCSF_VERSION,
  PRODUCT,
  SEVERITY_IDS,
  type OcsfEnvelope,
  type OcsfFindingBody,
  type OcsfResource,
} from './OcsfComplianceFinding';

/** The verdicts that become events, with their compliance status. */
export const EXPORTED_VERDICTS: { readonly [V in Verdict]?: keyof typeof COMPLIANCE_STATUSES } = {
  violation: 'fail',
  invalid: 'warning',
  unmapped: 'warning',
  review: 'warning',
};

const TITLES: { readonly [V in Verdict]?: string } = {
  violation: 'Retention violation',
  invalid: 'Inventory item cannot be checked',
  unmapped: 'No retention rule covers this data',
  review: 'Retention period to be decided',
};

const REMEDIATIONS: { readonly [V in Verdict]?: string } = {
  violation:
    'Delete the records the clause no longer allows (see the deadline and the oldest record), or record why they must be kept: a legal hold on the item or an approved waiver.',
  invalid: 'Correct the inventory item (the reason names the field) so that the next audit can check it.',
  unmapped: "Add the module or data category to the rule files (policy import, policy lint), or correct the item's module and data category.",
  review: "Decide how long this data may be kept and write the period into the module's rule file.",
};
const RESOLVED_REMEDIATION = 'Nothing to do: the data is no longer kept past its period.';

/** Item ids longer than this are hashed in the uid (Security Hub allows 512 characters for an id). */
const MAX_ITEM_ID_IN_UID = 200;

/**
 * The finding's stable id: its fingerprint (tenant, module, category, store) and
 * its item id. A long item id is hashed; an item without one (an invalid item) gets
 * a hash of what it said (`itemFacts`, computed only then) instead.
 *
 * @example
 * findingUid('e8339d5f36aca8c2d2c4', 'fr-001', () => '') // 'e8339d5f36aca8c2d2c4/fr-001'
 */
export function findingUid(fingerprint: string, itemId: string | null, itemFacts: () => string): string {
  if (itemId === null) return `${fingerprint}/~${hash('sha256', itemFacts(), 'hex').slice(0, 32)}`;
  if (itemId.length > MAX_ITEM_ID_IN_UID) return `${fingerprint}/#${hash('sha256', itemId, 'hex').slice(0, 32)}`;
  return `${fingerprint}/${itemId}`;
}

/**
 * The run-wide part of every event: `time` (the run's finish) and `metadata`.
 *
 * @example
 * ocsfEnvelope({ id: 'audit-…', finishedAt: '2026-11-28T02:00:00.000Z' }) // { time: 1795831200000, metadata: { correlation_uid: 'audit-…', … } }
 */
export function ocsfEnvelope(run: Pick<RunInfo, 'id' | 'finishedAt'>): OcsfEnvelope {
  return {
    time: Date.parse(run.finishedAt),
    metadata: { version: OCSF_VERSION, product: { ...PRODUCT }, correlation_uid: run.id },
  };
}

const msOf = (text: string | null | undefined): number | undefined => (text ? (parseTimestamp(text) ?? undefined) : undefined);

function subject(module: string | null, dataCategory: string | null, resource: string | null, tenantId: string | null): string {
  return `${dataCategory ?? 'unknown category'} of ${module ?? 'unknown module'} in ${resource ?? 'an unknown store'}, tenant ${tenantId ?? 'unknown'}`;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function resourceOf(finding: Finding): OcsfResource[] | undefined {
  const { store } = finding;
  if (!store) return undefined;
  const id = store.resource || '(unnamed store)';
  const { tenantId, owner } = finding;
  // email_addr is typed email_t: anything else the inventory calls its owner goes in the name.
  const ownerIsEmail = owner !== null && EMAIL.test(owner);
  return [
    {
      uid: id,
      name: id,
      type: store.type || undefined,
      region: store.region || undefined,
      owner:
        tenantId || owner
          ? { account: tenantId ? { uid: tenantId } : undefined, email_addr: ownerIsEmail ? owner! : undefined, name: owner && !ownerIsEmail ? owner : undefined }
          : undefined,
      data: { module: finding.module, data_category: finding.dataCategory, special_category: finding.specialCategory },
    },
  ];
}

/**
 * The event of one finding (without its envelope), or null for a verdict that is
 * not exported (see the header).
 *
 * @example
 * complianceFindingOf(violation)?.compliance.status // 'Fail'
 * complianceFindingOf(compliant) // null
 */
export function complianceFindingOf(finding: Finding): OcsfFindingBody | null {
  const outcome = EXPORTED_VERDICTS[finding.verdict];
  if (!outcome) return null;
  const activity = finding.status === 'persisting' ? ACTIVITIES.update : ACTIVITIES.create;
  const severity = SEVERITY_IDS[finding.severity] ?? SEVERITY_IDS.info;
  const compliance = COMPLIANCE_STATUSES[outcome];
  const resource = finding.store?.resource ?? null;
  const itemFacts = () => JSON.stringify([finding.snapshotId, finding.store, finding.recordCount, finding.bytes, finding.oldestRecordAt, finding.capturedAt, finding.reason]);
  const titleSubject = subject(finding.module, finding.dataCategory, resource, finding.tenantId);
  const { clause } = finding;
  // One literal of fixed shape, absent members undefined (JSON leaves them out): spreads
  // of optional members inside the literal made V8 spend ~50 µs an event (measured).
  return {
    class_uid: COMPLIANCE_FINDING_CLASS.class_uid,
    class_name: COMPLIANCE_FINDING_CLASS.class_name,
    category_uid: COMPLIANCE_FINDING_CLASS.category_uid,
    category_name: COMPLIANCE_FINDING_CLASS.category_name,
    activity_id: activity.id,
    activity_name: activity.name,
    type_uid: COMPLIANCE_FINDING_CLASS.class_uid * 100 + activity.id,
    type_name: `${COMPLIANCE_FINDING_CLASS.class_name}: ${activity.name}`,
    severity_id: severity.id,
    severity: severity.name,
    status_id: FINDING_STATUSES.new.id,
    status: FINDING_STATUSES.new.name,
    message: finding.reason,
    finding_info: {
      uid: findingUid(finding.fingerprint, finding.itemId, itemFacts),
      title: finding.verdict === 'invalid' ? `${TITLES.invalid}: item ${finding.itemId ?? '(no itemId)'}, ${titleSubject}` : `${TITLES[finding.verdict]}: ${titleSubject}`,
      desc: finding.reason,
      types: [FINDING_TYPE],
      first_seen_time: msOf(finding.firstSeenAt),
      last_seen_time: msOf(finding.capturedAt),
    },
    compliance: {
      control: finding.ruleId ?? undefined,
      standards: [`${finding.module ? `Privacy policy module ${finding.module}` : 'Privacy policy'}${clause ? ` (${clause.source})` : ''}`],
      requirements: clause ? [`${clause.section}: ${clause.text}`] : undefined,
      status_id: compliance.id,
      status: compliance.name,
      status_detail: finding.reason,
    },
    remediation: { desc: REMEDIATIONS[finding.verdict]! },
    resources: resourceOf(finding),
    evidences: [
      {
        name: 'Retention facts',
        data: {
          captured_at: finding.capturedAt,
          oldest_record_at: finding.oldestRecordAt,
          record_count: finding.recordCount,
          bytes: finding.bytes,
          deadline: finding.deadline,
          overdue_days: finding.overdueDays,
        },
      },
    ],
    unmapped: {
      verdict: finding.verdict,
      severity: finding.severity,
      tenant_id: finding.tenantId,
      module: finding.module,
      data_category: finding.dataCategory,
      item_id: finding.itemId,
      snapshot_id: finding.snapshotId,
      fingerprint: finding.fingerprint,
      finding_status: finding.status,
      days_open: finding.daysOpen,
      underlying_verdict: finding.underlyingVerdict,
      clause_source: clause?.source,
    },
  };
}

/**
 * The closing event of a violation of the previous run that is gone: Pass,
 * Resolved, activity Close, under the same uid as the events that reported it.
 *
 * @example
 * resolvedComplianceFindingOf(entry).status // 'Resolved'
 */
export function resolvedComplianceFindingOf(entry: ResolvedFinding): OcsfFindingBody {
  const itemFacts = () => JSON.stringify([entry.tenantId, entry.module, entry.dataCategory, entry.resource]);
  const reason = `No longer in ${entry.previousVerdict} since the previous audit (first seen ${entry.firstSeenAt.slice(0, 10)}).`;
  const { resource, tenantId } = entry;
  return {
    class_uid: COMPLIANCE_FINDING_CLASS.class_uid,
    class_name: COMPLIANCE_FINDING_CLASS.class_name,
    category_uid: COMPLIANCE_FINDING_CLASS.category_uid,
    category_name: COMPLIANCE_FINDING_CLASS.category_name,
    activity_id: ACTIVITIES.close.id,
    activity_name: ACTIVITIES.close.name,
    type_uid: COMPLIANCE_FINDING_CLASS.class_uid * 100 + ACTIVITIES.close.id,
    type_name: `${COMPLIANCE_FINDING_CLASS.class_name}: ${ACTIVITIES.close.name}`,
    severity_id: SEVERITY_IDS.info.id,
    severity: SEVERITY_IDS.info.name,
    status_id: FINDING_STATUSES.resolved.id,
    status: FINDING_STATUSES.resolved.name,
    message: reason,
    finding_info: {
      uid: findingUid(entry.fingerprint, entry.itemId, itemFacts),
      title: `Resolved ${entry.previousVerdict}: ${subject(entry.module, entry.dataCategory, resource, tenantId)}`,
      desc: reason,
      types: [FINDING_TYPE],
      first_seen_time: msOf(entry.firstSeenAt),
    },
    compliance: {
      standards: [entry.module ? `Privacy policy module ${entry.module}` : 'Privacy policy'],
      status_id: COMPLIANCE_STATUSES.pass.id,
      status: COMPLIANCE_STATUSES.pass.name,
      status_detail: reason,
    },
    remediation: { desc: RESOLVED_REMEDIATION },
    resources: resource
      ? [
          {
            uid: resource,
            name: resource,
            owner: tenantId ? { account: { uid: tenantId } } : undefined,
            data: { module: entry.module, data_category: entry.dataCategory, special_category: null },
          },
        ]
      : undefined,
    unmapped: {
      verdict: entry.previousVerdict,
      severity: 'info',
      tenant_id: tenantId,
      module: entry.module,
      data_category: entry.dataCategory,
      item_id: entry.itemId,
      snapshot_id: null,
      fingerprint: entry.fingerprint,
      finding_status: 'resolved',
      days_open: entry.daysOpen ?? undefined,
    },
  };
}

/**
 * The text before each event's own members: its envelope, as an open JSON object.
 * A line is this prefix followed by the event body's JSON without its `{`.
 *
 * @example
 * ocsfLine(envelopePrefix(envelope), body) // '{"time":…,"metadata":{…},"class_uid":2003,…}'
 */
export function envelopePrefix(envelope: OcsfEnvelope): string {
  return `${JSON.stringify(envelope).slice(0, -1)},`;
}

/**
 * One NDJSON line (without its newline) from a prefix and an event body's JSON.
 *
 * @example
 * ocsfLine('{"time":1,', '{"class_uid":2003}') // '{"time":1,"class_uid":2003}'
 */
export function ocsfLine(prefix: string, bodyJson: string): string {
  return `${prefix}${bodyJson.slice(1)}`;
}
