/**
 * The OCSF Compliance Finding event (class 2003, category 2 Findings) as this
 * auditor writes it, and the schema's vocabulary it uses: one place that names
 * the OCSF version, the ids and their captions, so the writer, the reader and the
 * Security Hub conversion cannot disagree. Ids and captions are those of OCSF
 * 1.8.0 (events/findings/compliance_finding.json, finding.json, base_event.json
 * and dictionary.json of the ocsf-schema repository, tag 1.8.0, March 2026).
 */
import type { Severity } from '../../model';

/** The OCSF schema version the events follow (metadata.version). */
export const OCSF_VERSION = '1.8.0';

export const COMPLIANCE_FINDING_CLASS = {
  class_uid: 2003,
  class_name: 'Compliance Finding',
  category_uid: 2,
  category_name: 'Findings',
} as const;

/** finding.activity_id: a finding first reported, reported again, or closed. */
export const ACTIVITIES = {
  create: { id: 1, name: 'Create' },
  update: { id: 2, name: 'Update' },
  close: { id: 3, name: 'Close' },
} as const;

/** base_event.severity_id, from the auditor's severity. */
export const SEVERITY_IDS: { readonly [K in Severity]: { id: number; name: string } } = {
  info: { id: 1, name: 'Informational' },
  low: { id: 2, name: 'Low' },
  medium: { id: 3, name: 'Medium' },
  high: { id: 4, name: 'High' },
  critical: { id: 5, name: 'Critical' },
};

/** finding.status_id: open findings are New (review state belongs to the consumer), gone ones Resolved. */
export const FINDING_STATUSES = {
  new: { id: 1, name: 'New' },
  resolved: { id: 4, name: 'Resolved' },
} as const;

/**
 * compliance.status_id. OCSF's Warning is "the check did not yield a result due to
 * missing information", not "passed with a warning".
 */
export const COMPLIANCE_STATUSES = {
  pass: { id: 1, name: 'Pass' },
  warning: { id: 2, name: 'Warning' },
  fail: { id: 3, name: 'Fail' },
} as const;

export const PRODUCT = { name: 'Retention Auditor', vendor_name: 'Retention Auditor' } as const;

/** finding_info.types of every event. */
export const FINDING_TYPE = 'Data Retention';

/** What the event's `time` and `metadata` say: the same for every event of a run. */
export interface OcsfEnvelope {
  /** The run's finish, ms since the epoch (timestamp_t). */
  time: number;
  metadata: {
    version: string;
    product: { name: string; vendor_name: string };
    /** The run id: correlates the events of one run. */
    correlation_uid: string;
  };
}

/** The measured facts behind a verdict (evidences[0].data). */
export interface RetentionEvidence {
  captured_at: string | null;
  oldest_record_at: string | null;
  record_count: number | null;
  bytes: number | null;
  deadline: string | null;
  overdue_days: number | null;
}

export interface OcsfResource {
  uid: string;
  name: string;
  type?: string;
  region?: string;
  /** The tenant (the customer account the data belongs to) and the data's owner. */
  owner?: { account?: { uid: string }; email_addr?: string; name?: string };
  data: { module: string | null; data_category: string | null; special_category: string | null };
}

/**
 * An event without its envelope: everything that depends on the finding alone. Optional
 * members may be present as undefined, which JSON leaves out.
 */
export interface OcsfFindingBody {
  class_uid: 2003;
  class_name: 'Compliance Finding';
  category_uid: 2;
  category_name: 'Findings';
  activity_id: number;
  activity_name: string;
  type_uid: number;
  type_name: string;
  severity_id: number;
  severity: string;
  status_id: number;
  status: string;
  message: string;
  finding_info: {
    uid: string;
    title: string;
    desc: string;
    types: string[];
    first_seen_time?: number;
    last_seen_time?: number;
  };
  compliance: {
    /** The rule id (module/clause id); absent when no clause applies (invalid, unmapped, resolved). */
    control?: string;
    standards: string[];
    /** The clause's section and words. */
    requirements?: string[];
    status_id: number;
    status: string;
    status_detail: string;
  };
  remediation: { desc: string };
  resources?: OcsfResource[];
  evidences?: { name: string; data: RetentionEvidence }[];
  /** The auditor's own terms, which OCSF has no attribute for. */
  unmapped: {
    verdict: string;
    severity: string;
    tenant_id: string | null;
    module: string | null;
    data_category: string | null;
    item_id: string | null;
    snapshot_id: string | null;
    fingerprint: string;
    finding_status?: string;
    days_open?: number;
    underlying_verdict?: string;
    clause_source?: string;
  };
}

/** One line of the `ocsf` report. */
export type OcsfComplianceFinding = OcsfEnvelope & OcsfFindingBody;
