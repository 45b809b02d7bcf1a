/**
 * Converts one OCSF Compliance Finding event into the AWS Security Finding Format
 * (ASFF 2018-10-08), the shape Security Hub's BatchImportFindings takes. Pure: the
 * Security Hub notifier does the I/O. Text from the inventory is made printable
 * (no controls or bidi marks reach the console) and cut to ASFF's lengths.
 */
import { createHash } from 'node:crypto';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { printable } from '../../text/printable';
import { MAX_INSTANT_MS } from '../../time';
import { COMPLIANCE_STATUSES, FINDING_STATUSES, type OcsfComplianceFinding } from './OcsfComplianceFinding';

export const ASFF_SCHEMA_VERSION = '2018-10-08';

/** Every finding's type: a check of a regulatory (privacy-policy) standard. */
export const ASFF_TYPE = 'Software and Configuration Checks/Industry and Regulatory Standards/Data Retention';

/** ASFF's length limits (AwsSecurityFinding in the Security Hub API reference). */
export const ASFF_LIMITS = { id: 512, generatorId: 512, title: 256, description: 1024, recommendation: 512, productFieldValue: 2048, detailValue: 1024, resourceId: 512 } as const;

export interface AsffTarget {
  accountId: string;
  productArn: string;
}

/**
 * Text made printable and cut to `max` UTF-16 units (never inside a surrogate
 * pair), with an ellipsis when cut; never empty.
 *
 * @example
 * clip('a'.repeat(300), 256).length // 256, ending in '…'
 */

/**
 * The ASFF `Id`: the OCSF uid (control characters made visible), or when it is longer than ASFF allows, its start and a
 * SHA-256 of the whole, so that two long uids sharing a prefix never share an Id (Security
 * Hub would overwrite one finding with the other).
 *
 * @example
 * findingId('fp/item-1') // 'fp/item-1'
 */
export function findingId(uid: string): string {
  const safe = printable(uid);
  if (safe.length <= ASFF_LIMITS.id) return clip(safe, ASFF_LIMITS.id);
  const digest = createHash('sha256').update(uid).digest('hex');
  return `${clip(safe, ASFF_LIMITS.id - digest.length - 1).slice(0, -1)}##${digest}`;
}

export function clip(text: string, max: number): string {
  const safe = printable(text);
  if (safe.length === 0) return '-';
  if (safe.length <= max) return safe;
  let end = max - 1;
  const last = safe.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${safe.slice(0, end)}…`;
}

/** ISO text of an OCSF timestamp, or undefined for one ASFF cannot hold. */
function isoOf(ms: number | undefined): string | undefined {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0 || ms > MAX_INSTANT_MS) return undefined;
  return new Date(ms).toISOString();
}

const SEVERITY_LABELS: Readonly<Record<number, NonNullable<AwsSecurityFinding['Severity']>['Label']>> = {
  1: 'INFORMATIONAL',
  2: 'LOW',
  3: 'MEDIUM',
  4: 'HIGH',
  5: 'CRITICAL',
};

const COMPLIANCE = {
  [COMPLIANCE_STATUSES.pass.id]: 'PASSED',
  [COMPLIANCE_STATUSES.warning.id]: 'WARNING',
  [COMPLIANCE_STATUSES.fail.id]: 'FAILED',
} as const;

/** A string map without empty values, each printable and cut to `max`. */
function textMap(entries: Record<string, string | number | null | undefined>, max: number): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [key, value] of Object.entries(entries)) {
    if (value === null || value === undefined || value === '') continue;
    map[key] = clip(String(value), max);
  }
  return map;
}

function descriptionOf(event: OcsfComplianceFinding): string {
  const clause = event.compliance.requirements?.[0];
  const standard = event.compliance.standards[0];
  return `${event.finding_info.desc}${clause ? ` Clause: "${clause}"` : ''}${standard ? ` — ${standard}.` : ''}`;
}

/**
 * The ASFF finding of one event: open findings ACTIVE with Compliance FAILED
 * (violation) or WARNING (no result), a resolved one ARCHIVED and PASSED, so
 * Security Hub resolves its workflow.
 *
 * @example
 * asffFindingOf(event, { accountId: '123456789012', productArn }).Compliance // { Status: 'FAILED' }
 */
export function asffFindingOf(event: OcsfComplianceFinding, target: AsffTarget): AwsSecurityFinding {
  const { unmapped, finding_info: info, compliance } = event;
  const resolved = event.status_id === FINDING_STATUSES.resolved.id;
  const updatedAt = isoOf(event.time) ?? new Date(0).toISOString();
  const severity = { Label: SEVERITY_LABELS[event.severity_id] ?? 'INFORMATIONAL', Original: unmapped.severity };
  const resource = event.resources?.[0];
  const evidence = event.evidences?.[0]?.data;
  const firstObserved = isoOf(info.first_seen_time);
  const lastObserved = isoOf(info.last_seen_time);
  const details = textMap(
    {
      StoreType: resource?.type,
      StoreRegion: resource?.region,
      TenantId: unmapped.tenant_id,
      Owner: resource?.owner?.email_addr ?? resource?.owner?.name,
      Module: unmapped.module,
      DataCategory: unmapped.data_category,
      SpecialCategory: resource?.data.special_category,
    },
    ASFF_LIMITS.detailValue,
  );
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: findingId(info.uid),
    ProductArn: target.productArn,
    ProductName: event.metadata.product.name,
    CompanyName: event.metadata.product.vendor_name,
    GeneratorId: clip(compliance.control ?? `retention-auditor/${unmapped.verdict}`, ASFF_LIMITS.generatorId),
    AwsAccountId: target.accountId,
    Types: [ASFF_TYPE],
    ...(firstObserved ? { FirstObservedAt: firstObserved } : {}),
    ...(lastObserved ? { LastObservedAt: lastObserved } : {}),
    CreatedAt: firstObserved ?? updatedAt,
    UpdatedAt: updatedAt,
    Severity: severity,
    FindingProviderFields: { Severity: severity, Types: [ASFF_TYPE] },
    Title: clip(info.title, ASFF_LIMITS.title),
    Description: clip(descriptionOf(event), ASFF_LIMITS.description),
    Remediation: { Recommendation: { Text: clip(event.remediation.desc, ASFF_LIMITS.recommendation) } },
    ProductFields: textMap(
      {
        'RetentionAuditor/RunId': event.metadata.correlation_uid,
        'RetentionAuditor/Verdict': unmapped.verdict,
        'RetentionAuditor/RuleId': compliance.control,
        'RetentionAuditor/Module': unmapped.module,
        'RetentionAuditor/DataCategory': unmapped.data_category,
        'RetentionAuditor/TenantId': unmapped.tenant_id,
        'RetentionAuditor/ItemId': unmapped.item_id,
        'RetentionAuditor/SnapshotId': unmapped.snapshot_id,
        'RetentionAuditor/Fingerprint': unmapped.fingerprint,
        'RetentionAuditor/ClauseSource': unmapped.clause_source,
        'RetentionAuditor/Deadline': evidence?.deadline,
        'RetentionAuditor/OverdueDays': evidence?.overdue_days,
        'RetentionAuditor/RecordCount': evidence?.record_count,
        'RetentionAuditor/Bytes': evidence?.bytes,
        'RetentionAuditor/OldestRecordAt': evidence?.oldest_record_at,
        'RetentionAuditor/DaysOpen': unmapped.days_open,
      },
      ASFF_LIMITS.productFieldValue,
    ),
    Resources: [
      {
        Type: 'Other',
        Id: clip(resource?.uid ?? `inventory-item/${unmapped.item_id ?? 'unknown'}`, ASFF_LIMITS.resourceId),
        ...(Object.keys(details).length > 0 ? { Details: { Other: details } } : {}),
      },
    ],
    Compliance: { Status: COMPLIANCE[compliance.status_id as keyof typeof COMPLIANCE] ?? 'WARNING' },
    RecordState: resolved ? 'ARCHIVED' : 'ACTIVE',
  };
}
