/**
 * What OCSF 1.8.0 requires of a Compliance Finding event and of the objects this
 * auditor fills, taken from the ocsf-schema repository at tag 1.8.0 (each class's
 * and object's attributes with those it extends; profiles are not applied). There
 * is no OCSF validator package offline: ocsfProblems() checks an event against
 * this table — required attributes, at-least-one constraints, no attribute the
 * schema does not define, enum ids with their captions, and the value types used.
 */
export const OCSF_SCHEMA_VERSION = '1.8.0';

export const OCSF_OBJECTS: Record<string, { required: string[]; atLeastOne?: string[]; attributes: string[] }> = {
  compliance_finding: {
    required: ['activity_id', 'category_uid', 'class_uid', 'metadata', 'severity_id', 'time', 'type_uid', 'finding_info', 'compliance'],
    attributes: ['activity_id', 'activity_name', 'category_name', 'category_uid', 'class_name', 'class_uid', 'comment', 'compliance', 'confidence', 'confidence_id', 'confidence_score', 'count', 'device', 'duration', 'end_time', 'enrichments', 'evidences', 'finding_info', 'message', 'metadata', 'observables', 'raw_data', 'raw_data_hash', 'raw_data_size', 'remediation', 'resource', 'resources', 'severity', 'severity_id', 'start_time', 'status', 'status_code', 'status_detail', 'status_id', 'time', 'timezone_offset', 'type_name', 'type_uid', 'unmapped', 'vendor_attributes'],
  },
  metadata: {
    required: ['product', 'version'],
    attributes: ['correlation_uid', 'debug', 'event_code', 'extension', 'extensions', 'is_truncated', 'labels', 'log_format', 'log_level', 'log_name', 'log_provider', 'log_source', 'log_version', 'logged_time', 'loggers', 'modified_time', 'original_event_uid', 'original_time', 'processed_time', 'product', 'profiles', 'reporter', 'sequence', 'source', 'tags', 'tenant_uid', 'total_queued_duration', 'transformation_info_list', 'transmit_time', 'type', 'uid', 'untruncated_size', 'version'],
  },
  product: {
    required: [],
    atLeastOne: ['name', 'uid'],
    attributes: ['cpe_name', 'feature', 'lang', 'name', 'path', 'uid', 'url_string', 'vendor_name', 'version'],
  },
  finding_info: {
    required: ['uid'],
    attributes: ['analytic', 'attack_graph', 'attacks', 'created_time', 'data_sources', 'desc', 'first_seen_time', 'kill_chain', 'last_seen_time', 'modified_time', 'product', 'product_uid', 'related_analytics', 'related_events', 'related_events_count', 'src_url', 'tags', 'title', 'traits', 'types', 'uid', 'uid_alt'],
  },
  compliance: {
    required: [],
    attributes: ['assessments', 'category', 'checks', 'compliance_references', 'compliance_standards', 'control', 'control_parameters', 'desc', 'requirements', 'standards', 'status', 'status_code', 'status_detail', 'status_details', 'status_id'],
  },
  remediation: {
    required: ['desc'],
    attributes: ['cis_controls', 'desc', 'kb_article_list', 'kb_articles', 'references'],
  },
  resource_details: {
    required: [],
    atLeastOne: ['name', 'uid'],
    attributes: ['agent_list', 'cloud_partition', 'created_time', 'criticality', 'data', 'group', 'hostname', 'ip', 'is_backed_up', 'labels', 'modified_time', 'name', 'namespace', 'owner', 'provider', 'region', 'resource_relationship', 'role', 'role_id', 'tags', 'type', 'uid', 'uid_alt', 'version', 'zone'],
  },
  user: {
    required: [],
    atLeastOne: ['account', 'name', 'uid'],
    attributes: ['account', 'credential_uid', 'display_name', 'domain', 'email_addr', 'forward_addr', 'full_name', 'groups', 'has_mfa', 'ldap_person', 'name', 'org', 'phone_number', 'programmatic_credentials', 'risk_level', 'risk_level_id', 'risk_score', 'type', 'type_id', 'uid', 'uid_alt'],
  },
  account: {
    required: [],
    atLeastOne: ['name', 'uid'],
    attributes: ['is_disabled', 'is_locked', 'is_on_premises_sync_enabled', 'labels', 'name', 'tags', 'type', 'type_id', 'uid'],
  },
  evidences: {
    required: [],
    atLeastOne: ['actor', 'api', 'connection_info', 'data', 'database', 'databucket', 'device', 'dst_endpoint', 'email', 'file', 'process', 'query', 'resources', 'src_endpoint', 'url', 'user', 'job', 'script'],
    attributes: ['actor', 'api', 'connection_info', 'container', 'data', 'database', 'databucket', 'device', 'dst_endpoint', 'email', 'file', 'http_request', 'http_response', 'ja4_fingerprint_list', 'job', 'name', 'process', 'query', 'resources', 'script', 'src_endpoint', 'tls', 'uid', 'url', 'user', 'verdict', 'verdict_id'],
  },
};

/** Which object each object-typed attribute holds, by the object it is in (arrays marked). */
const NESTED: Record<string, Record<string, { object: string; array?: true }>> = {
  compliance_finding: {
    metadata: { object: 'metadata' },
    finding_info: { object: 'finding_info' },
    compliance: { object: 'compliance' },
    remediation: { object: 'remediation' },
    resources: { object: 'resource_details', array: true },
    evidences: { object: 'evidences', array: true },
  },
  metadata: { product: { object: 'product' } },
  resource_details: { owner: { object: 'user' } },
  user: { account: { object: 'account' } },
};

/** Enumerations (dictionary.json, finding.json, compliance.json): id → caption, and the attribute holding the caption. */
export const OCSF_ENUMS: Record<string, { caption: string; values: Record<number, string> }> = {
  'compliance_finding.activity_id': { caption: 'activity_name', values: { 0: 'Unknown', 1: 'Create', 2: 'Update', 3: 'Close', 99: 'Other' } },
  'compliance_finding.severity_id': {
    caption: 'severity',
    values: { 0: 'Unknown', 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical', 6: 'Fatal', 99: 'Other' },
  },
  'compliance_finding.status_id': {
    caption: 'status',
    values: { 0: 'Unknown', 1: 'New', 2: 'In Progress', 3: 'Suppressed', 4: 'Resolved', 5: 'Archived', 6: 'Deleted', 99: 'Other' },
  },
  'compliance.status_id': { caption: 'status', values: { 0: 'Unknown', 1: 'Pass', 2: 'Warning', 3: 'Fail', 99: 'Other' } },
};

/** timestamp_t attributes (ms since the epoch, an integer). */
const TIMESTAMPS = new Set(['time', 'first_seen_time', 'last_seen_time', 'created_time', 'modified_time']);
/** string_t attributes that are arrays. */
const STRING_ARRAYS = new Set(['finding_info.types', 'compliance.standards', 'compliance.requirements']);
/** json_t and object-typed attributes whose content the schema leaves open. */
const OPEN = new Set(['compliance_finding.unmapped', 'resource_details.data', 'evidences.data']);
const EMAIL = /^[^\s@]+@[^\s@]+$/;

function check(value: Record<string, unknown>, objectName: string, path: string, problems: string[]): void {
  const spec = OCSF_OBJECTS[objectName]!;
  for (const name of spec.required) if (value[name] === undefined) problems.push(`${path}.${name} is required`);
  if (spec.atLeastOne && !spec.atLeastOne.some((name) => value[name] !== undefined)) {
    problems.push(`${path} needs one of ${spec.atLeastOne.join(', ')}`);
  }
  for (const [name, attribute] of Object.entries(value)) {
    // An undefined member is absent, as JSON writes it.
    if (attribute === undefined) continue;
    const at = `${path}.${name}`;
    const key = `${objectName}.${name}`;
    if (!spec.attributes.includes(name)) problems.push(`${at} is not an attribute of ${objectName}`);
    if (attribute === null) problems.push(`${at} is null`);
    if (OPEN.has(key)) {
      if (typeof attribute !== 'object' || attribute === null || Array.isArray(attribute)) problems.push(`${at} is not an object`);
      continue;
    }
    if (TIMESTAMPS.has(name) && !Number.isSafeInteger(attribute)) problems.push(`${at} is not a timestamp_t (integer ms)`);
    if (STRING_ARRAYS.has(key) && !(Array.isArray(attribute) && attribute.every((entry) => typeof entry === 'string'))) {
      problems.push(`${at} is not an array of strings`);
    }
    if (name === 'email_addr' && !(typeof attribute === 'string' && EMAIL.test(attribute))) problems.push(`${at} is not an email_t`);
    const enumeration = OCSF_ENUMS[key];
    if (enumeration) {
      const caption = enumeration.values[attribute as number];
      if (!Number.isInteger(attribute) || caption === undefined) problems.push(`${at} ${String(attribute)} is not in the enumeration`);
      else if (value[enumeration.caption] !== undefined && caption !== 'Other' && value[enumeration.caption] !== caption) {
        problems.push(`${path}.${enumeration.caption} is not the caption of ${name} ${String(attribute)} (${caption})`);
      }
    }
    const nested = NESTED[objectName]?.[name];
    if (nested) {
      const entries = nested.array ? attribute : [attribute];
      if (!Array.isArray(entries)) {
        problems.push(`${at} is not an array`);
        continue;
      }
      entries.forEach((entry, index) => {
        const entryPath = nested.array ? `${at}[${index}]` : at;
        if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) problems.push(`${entryPath} is not an object`);
        else check(entry as Record<string, unknown>, nested.object, entryPath, problems);
      });
    }
  }
}

/**
 * Everything in `event` that breaks OCSF 1.8.0's Compliance Finding class (empty: valid).
 *
 * @example
 * ocsfProblems({ class_uid: 2003 }) // ['event.activity_id is required', …]
 */
export function ocsfProblems(event: unknown): string[] {
  const problems: string[] = [];
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return ['the event is not an object'];
  const value = event as Record<string, unknown>;
  check(value, 'compliance_finding', 'event', problems);
  if (value.class_uid !== 2003) problems.push('event.class_uid is not 2003 (Compliance Finding)');
  if (value.category_uid !== 2) problems.push('event.category_uid is not 2 (Findings)');
  if (value.class_name !== undefined && value.class_name !== 'Compliance Finding') problems.push('event.class_name is not Compliance Finding');
  if (value.category_name !== undefined && value.category_name !== 'Findings') problems.push('event.category_name is not Findings');
  if (value.type_uid !== (value.class_uid as number) * 100 + (value.activity_id as number)) problems.push('event.type_uid is not class_uid × 100 + activity_id');
  const metadata = value.metadata as { version?: unknown } | undefined;
  if (metadata && !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(String(metadata.version))) problems.push('event.metadata.version is not a SemVer version');
  return problems;
}
