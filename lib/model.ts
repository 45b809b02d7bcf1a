/** Types shared by the catalog, the engine and the reports. */

export const VERDICTS = [
  'invalid',
  'unmapped',
  'exempt',
  'waived',
  'violation',
  'due-soon',
  'review',
  'compliant',
] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Most severe first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const RETENTION_EVENTS = [
  'accountDeletedAt',
  'serviceTerminatedAt',
  'deletionRequestedAt',
  'consentWithdrawnAt',
] as const;
export type RetentionEvent = (typeof RETENTION_EVENTS)[number];

/**
 * An event that ends retention: one of RETENTION_EVENTS, or one a rule file declares in
 * its top-level `events` (e.g. `domainExpiredAt`), which items then carry in `events`.
 */
export type EventName = RetentionEvent | `${string}At`;

/** What a declared event's name must look like (lower camel case ending in `At`). */
export const DECLARED_EVENT_PATTERN = '^[a-z][A-Za-z0-9]*At$';

export interface StoreRef {
  type: string;
  resource: string;
  region?: string;
}

/** An inventory item that passed validation (docs/semantics.md#inventory-item). */
export interface InventoryItem {
  snapshotId: string;
  itemId: string;
  capturedAt: string;
  tenantId: string;
  module: string;
  dataCategory: string;
  store: StoreRef;
  recordCount: number;
  bytes: number;
  oldestRecordAt?: string;
  newestRecordAt?: string;
  events?: Partial<Record<EventName, string>>;
  customerRetentionDays?: number;
  purposes?: string[];
  legalHold?: { reason: string; until?: string };
  owner?: string;
  [extra: string]: unknown;
}

export interface Citation {
  source: string;
  section: string;
  text: string;
  context?: string;
}

export interface Finding {
  itemId: string | null;
  snapshotId: string | null;
  tenantId: string | null;
  module: string | null;
  dataCategory: string | null;
  store: StoreRef | null;
  owner: string | null;
  recordCount: number | null;
  bytes: number | null;
  oldestRecordAt: string | null;
  capturedAt: string | null;
  verdict: Verdict;
  severity: Severity;
  specialCategory: string | null;
  ruleId: string | null;
  deadline: string | null;
  overdueDays: number | null;
  reason: string;
  clause: Citation | null;
  /** For `waived` findings: the verdict the waiver hides. */
  underlyingVerdict?: Verdict;
  waiverId?: string;
  /** Stable across snapshots: a hash of tenant, module, data category and store resource. */
  fingerprint: string;
  /** Against the previous completed run of the same scope (when the run keeps history). */
  status?: FindingStatus;
  firstSeenAt?: string;
  daysOpen?: number;
}

export const FINDING_STATUSES = ['new', 'persisting', 'resolved'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];
