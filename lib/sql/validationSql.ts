/**
 * Stage 2 of the SQL engine (lib/sql/relations.ts): validation. The SQL form of
 * lib/engine/validateItem.ts (templates/inventory-item.schema.json checked by ajv
 * with `allErrors: false`, then the checks of capture time and record times), of
 * the facts lib/engine/evaluate.ts `findingOf` repeats, and of the location suffix
 * lib/audit/runAudit.ts adds to the reason of an invalid item without an itemId.
 *
 * The reason must be ajv's FIRST error, so the checks run in ajv's order, found by
 * trying it (test/lib/sql/validationSql.test.ts keeps the two equal):
 *
 * 1. the item's `if`/`then` (recordCount above 0 requires oldestRecordAt): keywords
 *    without a type (if/then, $ref) run before the typed ones;
 * 2. the item's `required`, in the schema's list order;
 * 3. the item's `properties`, in the schema's order; inside each member, its type
 *    (for `integer`, before anything else), then `maximum` before `minimum`,
 *    `maxLength` before `minLength` before `format`, an object's `required` before
 *    its `properties`, an array's `maxItems` before its `items` (first bad one).
 *
 * FAST PATH, then general path. Most items are plain: compact JSON without an
 * escape, each member once, of the kind and within the limits the schema asks, the
 * timestamps spelt as toISOString spells them. The fast path (lib/sql/validationFast.ts)
 * reads such an item once into a typed STRUCT and proves it plain with a few cheap
 * tests (no backslash; each string member surely a string; the text exactly as long
 * as the compact object of the members read, which leaves no room for a repeated or
 * unknown key; every rule passed with room to spare). A plain item is valid, and its
 * columns are the members read, which are what the general path would read: the
 * fast path is exact because it only answers where the answer is sure, and leaves
 * every other row, item or not, to the general path. The two are joined back by
 * `ord`; `validationSql(bounds, { fastPath: false })` runs the general path alone
 * (test/lib/sql/validationFast.test.ts compares the two, column by column).
 *
 * The general path is a chain of small steps (CTEs): the item as a map of its
 * members (read once, with JSON.parse's rules: lib/sql/validationJson.ts), the
 * nested objects' members, their values (strings, numbers, instants:
 * lib/sql/validationTimestamp.ts), then the reason (one CASE of all checks, in
 * order) and the columns of CHECKED_COLUMNS.
 *
 * Known differences, in text only (never in a reason or a verdict): UTF-8 cannot
 * hold a lone surrogate, so one (escaped in the JSON, or left by cutting a finding's
 * text through an emoji) reads U+FFFD; a JSON `-0` count reads 0 (JSON.stringify
 * writes both as 0); `events` is the object as DuckDB writes it back, equal as JSON
 * (a repeated key holding its last value), not the item's own spelling.
 */
import type { ItemBounds } from '../engine/validateItem';
import { RETENTION_EVENTS } from '../model';
import { CHECKED_COLUMNS, type CheckedColumn } from './relations';
import {
  findingText,
  isArray,
  isObject,
  isString,
  jsonNumber,
  keysLastFirst,
  memberOf,
  memberPosition,
  objectEntries,
  objectTextOnce,
  repeatsKey,
  valueStrings,
  valueTexts,
  withoutLoneSurrogates,
} from './validationJson';
import { sqlString } from './sqlText';
import { fastCanonicalSql, fastColumns, fastSteps } from './validationFast';
import { timestampMs } from './validationTimestamp';

/** A check of one rule: when `when` holds (and no earlier check did), the item is invalid with `reason` (SQL). */
interface Check {
  when: string;
  reason: string;
}

/** A member of the item the schema names, by its path in reasons ('store.type'). */
class Member {
  readonly stem: string;

  constructor(
    readonly path: string,
    /** The object member this one belongs to (none: the item's own). */
    readonly parent?: Member,
    readonly key = path,
  ) {
    this.stem = path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace('.', '__');
  }

  /** Whether the member is there (JSON null included). */
  get present(): string {
    return `${this.position} IS NOT NULL`;
  }

  get absent(): string {
    return `${this.position} IS NULL`;
  }

  /** Its JSON text (a JSON value; SQL NULL for JSON null, so test `present`). Read for members that are not strings. */
  get json(): string {
    return `j_${this.stem}`;
  }

  /** Its string, unescaped; NULL unless a JSON string. */
  get text(): string {
    return `s_${this.stem}`;
  }

  /** Its number (a DOUBLE as JSON.parse reads it); NULL unless a JSON number. */
  get number(): string {
    return `n_${this.stem}`;
  }

  /** Its instant (parseTimestamp); NULL unless a usable timestamp. */
  get ms(): string {
    return `ms_${this.stem}`;
  }

  /** An object member's entries as read (a repeated key repeated); NULL unless a JSON object. */
  get entries(): string {
    return `e_${this.stem}`;
  }

  /** An object member's keys, last first. */
  get keys(): string {
    return `k_${this.stem}`;
  }

  /** An object member's values as JSON texts, in document order. */
  get values(): string {
    return `v_${this.stem}`;
  }

  /** An object member's string values, unescaped, in document order (NULL for other kinds). */
  get strings(): string {
    return `t_${this.stem}`;
  }

  /** Where this member's last occurrence stands in its object's keys (last first); NULL when absent. */
  get position(): string {
    return `p_${this.stem}`;
  }

  child(key: string): Member {
    return new Member(`${this.path}.${key}`, this, key);
  }
}

const field = (member: Member, words: string): string => sqlString(`Field ${member.path} ${words}.`);

// ---- The schema's definitions (templates/inventory-item.schema.json), one function each. ----

/** `required`, in the listed order; `object` is the members map the keys belong to (NULL: checked elsewhere). */
function required(members: Member[], object?: Member): Check[] {
  return members.map((member) => ({
    when: object ? `${object.entries} IS NOT NULL AND ${member.absent}` : member.absent,
    reason: sqlString(`Required field ${member.path} is missing.`),
  }));
}

/** `type: string` with maxLength, minLength 1 and the date-time format, in ajv's order. */
function stringRule(member: Member, rule: { maxLength: number; minLength?: 1; timestamp?: true }): Check[] {
  const checks: Check[] = [
    { when: `${member.present} AND ${member.text} IS NULL`, reason: field(member, 'has the wrong type (expected string)') },
    // ajv counts code points (ucs2length), as DuckDB's length() does.
    { when: `length(${member.text}) > ${rule.maxLength}`, reason: field(member, `is longer than ${rule.maxLength} characters`) },
  ];
  if (rule.minLength) checks.push({ when: `${member.text} = ''`, reason: field(member, 'is empty') });
  if (rule.timestamp) {
    checks.push({
      when: `${member.text} IS NOT NULL AND ${member.ms} IS NULL`,
      reason: field(member, 'is not an ISO-8601 timestamp with a time zone'),
    });
  }
  return checks;
}

/** #/definitions/identifier: 1 to 256 characters. */
const identifier = (member: Member) => stringRule(member, { minLength: 1, maxLength: 256 });
/** #/definitions/text: 1 to 1024 characters. */
const text = (member: Member) => stringRule(member, { minLength: 1, maxLength: 1024 });
/** #/definitions/timestamp: at most 40 characters, parseTimestamp accepts it. */
const timestamp = (member: Member) => stringRule(member, { maxLength: 40, timestamp: true });

/**
 * `type: integer` with maximum and minimum. ajv checks the type first: any number
 * without a fraction (Infinity too, which `maximum` then refuses).
 */
function integerRule(member: Member, minimum: number, maximum: number): Check[] {
  return [
    {
      when: `${member.present} AND (${member.number} IS NULL OR ${member.number} <> floor(${member.number}))`,
      reason: field(member, 'is not a whole number'),
    },
    { when: `${member.number} > ${maximum}`, reason: field(member, `is larger than ${maximum}`) },
    { when: `${member.number} < ${minimum}`, reason: field(member, 'is negative or too small') },
  ];
}

/** #/definitions/count: 0 to 2^53 − 1. */
const count = (member: Member) => integerRule(member, 0, Number.MAX_SAFE_INTEGER);

/** `type: object` with `required` and `properties`: the type, then required, then each property. */
function objectRule(member: Member, requiredKeys: string[], properties: Check[][]): Check[] {
  return [
    { when: `${member.present} AND ${member.entries} IS NULL`, reason: field(member, 'has the wrong type (expected object)') },
    ...required(
      requiredKeys.map((key) => member.child(key)),
      member,
    ),
    ...properties.flat(),
  ];
}

const PURPOSES_MAX = 64;
const PURPOSE_MAX_LENGTH = 256;

/** `purposes`: an array of at most 64 strings of at most 256 characters; the first bad entry is named. */
function purposesRule(member: Member): Check[] {
  return [
    { when: `${member.present} AND l_purposes IS NULL`, reason: field(member, 'has the wrong type (expected array)') },
    { when: `len(l_purposes) > ${PURPOSES_MAX}`, reason: field(member, `has more than ${PURPOSES_MAX} entries`) },
    { when: 'purposes_problem IS NOT NULL', reason: 'purposes_problem' },
  ];
}

/** The reason of the first bad entry of the purposes list (ajv's `items`), or NULL. */
function purposesProblem(list: string): string {
  const entry = (words: string) => `'Field purposes.' || (i - 1) || ' ${words}.'`;
  const problem = `lambda value, i: CASE
      WHEN value IS NULL OR NOT ${isString('value')} THEN ${entry('has the wrong type (expected string)')}
      WHEN length(json_extract_string(value, '$')) > ${PURPOSE_MAX_LENGTH} THEN ${entry(`is longer than ${PURPOSE_MAX_LENGTH} characters`)}
    END`;
  return `CASE WHEN len(${list}) <= ${PURPOSES_MAX} THEN list_filter(list_transform(${list}, ${problem}), lambda found: found IS NOT NULL)[1] END`;
}

// ---- The item. ----

const item = (path: string) => new Member(path);
const snapshotId = item('snapshotId');
const itemId = item('itemId');
const capturedAt = item('capturedAt');
const tenantId = item('tenantId');
const moduleId = item('module');
const dataCategory = item('dataCategory');
const store = item('store');
const recordCount = item('recordCount');
const bytes = item('bytes');
const oldestRecordAt = item('oldestRecordAt');
const newestRecordAt = item('newestRecordAt');
const events = item('events');
const customerRetentionDays = item('customerRetentionDays');
const purposes = item('purposes');
const legalHold = item('legalHold');
const owner = item('owner');

const storeType = store.child('type');
const storeResource = store.child('resource');
const storeRegion = store.child('region');
const holdReason = legalHold.child('reason');
const holdUntil = legalHold.child('until');

/** The item's members in the schema's `properties` order. */
const ITEM_MEMBERS = [
  snapshotId,
  itemId,
  capturedAt,
  tenantId,
  moduleId,
  dataCategory,
  store,
  recordCount,
  bytes,
  oldestRecordAt,
  newestRecordAt,
  events,
  customerRetentionDays,
  purposes,
  legalHold,
  owner,
];
const OBJECT_MEMBERS = [store, events, legalHold];
const NUMBER_MEMBERS = [recordCount, bytes, customerRetentionDays];

/**
 * The members read from the item's objects, which depend on the catalog: `events`
 * holds the built-in events (RETENTION_EVENTS) and then those the catalog's rule files
 * declare (Catalog.events), all timestamps, in the order validateItem's schema lists them.
 */
interface ItemShape {
  eventMembers: Member[];
  /** The members of store, events and legalHold. */
  nested: Member[];
  strings: Member[];
  timestamps: Member[];
}

function itemShape(declaredEvents: readonly string[]): ItemShape {
  const eventMembers = [...RETENTION_EVENTS, ...declaredEvents].map((key) => events.child(key));
  const nested = [storeType, storeResource, storeRegion, ...eventMembers, holdReason, holdUntil];
  return {
    eventMembers,
    nested,
    strings: [snapshotId, itemId, capturedAt, tenantId, moduleId, dataCategory, oldestRecordAt, newestRecordAt, owner, ...nested],
    timestamps: [capturedAt, oldestRecordAt, newestRecordAt, ...eventMembers, holdUntil],
  };
}

/** The schema's checks, in ajv's order (see the top of this file). */
function schemaChecks({ eventMembers }: ItemShape): Check[] {
  return [
    // if recordCount is present and not a number at most 0, then oldestRecordAt is required.
    {
      when: `${recordCount.present} AND NOT coalesce(${recordCount.number} <= 0, false) AND ${oldestRecordAt.absent}`,
      reason: sqlString(`Field ${oldestRecordAt.path} is missing but is required when recordCount is above 0.`),
    },
    ...required([snapshotId, itemId, capturedAt, tenantId, moduleId, dataCategory, store, recordCount, bytes]),
    ...identifier(snapshotId),
    ...identifier(itemId),
    ...timestamp(capturedAt),
    ...identifier(tenantId),
    ...identifier(moduleId),
    ...identifier(dataCategory),
    ...objectRule(store, ['type', 'resource'], [identifier(storeType), text(storeResource), stringRule(storeRegion, { maxLength: 256 })]),
    ...count(recordCount),
    ...count(bytes),
    ...timestamp(oldestRecordAt),
    ...timestamp(newestRecordAt),
    ...objectRule(events, [], eventMembers.map(timestamp)),
    ...integerRule(customerRetentionDays, 1, 100_000),
    ...purposesRule(purposes),
    ...objectRule(legalHold, ['reason'], [text(holdReason), timestamp(holdUntil)]),
    ...stringRule(owner, { maxLength: 1024 }),
  ];
}

/**
 * validateItem's capture-bound check as SQL over an instant in ms, or null when no
 * instant can fail it (no bound; capturedMs > NaN or > Infinity never holds).
 */
function capturedLater(bounds: ItemBounds): ((ms: string) => string) | null {
  const bound = bounds.capturedNotAfterMs;
  if (bound === undefined || Number.isNaN(bound) || bound === Number.POSITIVE_INFINITY) return null;
  return (ms) => `${ms} > ${bound}`;
}

/** validateItem's checks after the schema, in its order. */
function recordTimeChecks(bounds: ItemBounds): Check[] {
  const checks: Check[] = [];
  const later = capturedLater(bounds);
  if (later) {
    const iso = new Date(bounds.capturedNotAfterMs!).toISOString();
    checks.push({
      when: later(capturedAt.ms),
      reason: sqlString(`Field capturedAt lies in the future: it is later than ${iso}, the audit's start plus the clock skew allowed.`),
    });
  }
  checks.push(
    { when: `${oldestRecordAt.ms} > ${capturedAt.ms}`, reason: sqlString('Field oldestRecordAt is later than capturedAt.') },
    { when: `${newestRecordAt.ms} < ${oldestRecordAt.ms}`, reason: sqlString('Field newestRecordAt is earlier than oldestRecordAt.') },
  );
  return checks;
}

/** The first failing check's reason, NULL when every check passes (the item is valid). */
function firstFailing(checks: Check[]): string {
  return `CASE\n${checks.map((check) => `      WHEN ${check.when} THEN ${check.reason}`).join('\n')}\n    END`;
}

// ---- The steps of the SELECT. ----

/** One step: every column of the previous step plus these. */
interface Step {
  name: string;
  columns: Record<string, string>;
}

/** The item itself, whose members are read from the `e_item`, `k_item`, `v_item`, `t_item` columns. */
const ITEM = new Member('item');

const each = (members: Member[], name: (m: Member) => string, sql: (m: Member) => string): Record<string, string> =>
  Object.fromEntries(members.map((m) => [name(m), sql(m)]));

/** The steps that read objects from their entries: keys (last first), value texts and strings. */
function objectSteps(prefix: string, objects: Member[], shape: ItemShape): Step[] {
  return [
    { name: `${prefix}_keys`, columns: { ...each(objects, (o) => o.keys, (o) => keysLastFirst(o.entries)), ...each(objects, (o) => o.values, (o) => valueTexts(o.entries)) } },
    { name: `${prefix}_strings`, columns: each(objects, (o) => o.strings, (o) => valueStrings(o.entries)) },
    { name: `${prefix}_positions`, columns: each(objects.flatMap((o) => membersOf(o, shape)), (m) => m.position, (m) => memberPosition(objectOf(m).keys, m.key)) },
  ];
}

const objectOf = (m: Member) => m.parent ?? ITEM;
const membersOf = (o: Member, shape: ItemShape) => (o === ITEM ? ITEM_MEMBERS : shape.nested.filter((m) => m.parent === o));

/** Each member's string (string members) or JSON value (the others), from its object's lists. */
function memberColumns(members: Member[], shape: ItemShape): Record<string, string> {
  const strings = members.filter((m) => shape.strings.includes(m));
  const others = members.filter((m) => !shape.strings.includes(m));
  return {
    ...each(strings, (m) => m.text, (m) => memberOf(objectOf(m).strings, m.position)),
    ...each(others, (m) => m.json, (m) => memberOf(objectOf(m).values, m.position)),
  };
}

/** The general path's steps, over rows with the columns of `items`. */
function generalSteps(bounds: ItemBounds, shape: ItemShape): Step[] {
  const notObject = sqlString('The item is not a JSON object.');
  return [
    // The item read once (stage 1's raw is JSON that JSON.parse accepted).
    { name: 'item_entries', columns: { [ITEM.entries]: objectEntries(withoutLoneSurrogates('raw')) } },
    ...objectSteps('item', [ITEM], shape),
    { name: 'members', columns: { ...memberColumns(ITEM_MEMBERS, shape), ...each(NUMBER_MEMBERS, (m) => m.number, (m) => jsonNumber(m.json)) } },
    // store, events and legalHold, read the same way from the item's members.
    { name: 'nested_entries', columns: each(OBJECT_MEMBERS, (m) => m.entries, (m) => `CASE WHEN ${isObject(m.json)} THEN ${objectEntries(m.json)} END`) },
    ...objectSteps('nested', OBJECT_MEMBERS, shape),
    {
      name: 'nested',
      columns: { ...memberColumns(shape.nested, shape), l_purposes: `CASE WHEN ${isArray(purposes.json)} THEN from_json(${purposes.json}, '["JSON"]') END` },
    },
    {
      name: 'instants',
      columns: { ...each(shape.timestamps, (m) => m.ms, (m) => timestampMs(m.text)), purposes_problem: purposesProblem('l_purposes') },
    },
    {
      name: 'judged',
      columns: {
        reason: `CASE WHEN raw IS NULL THEN coalesce(parse_error, ${notObject}) WHEN ${ITEM.entries} IS NULL THEN ${notObject}
          ELSE ${firstFailing([...schemaChecks(shape), ...recordTimeChecks(bounds)])} END`,
        item_id: findingText(itemId.text),
      },
    },
  ];
}

const storeOk = `${store.entries} IS NOT NULL AND ${storeType.text} IS NOT NULL AND ${storeResource.text} IS NOT NULL`;
const whenValid = (sql: string) => `CASE WHEN reason IS NULL THEN ${sql} END`;
const finite = (member: Member) => `CASE WHEN isfinite(${member.number}) THEN ${member.number} END`;

/** The columns of CHECKED_COLUMNS from the last step. */
const OUTPUT: Record<CheckedColumn, string> = {
  ord: 'ord',
  location: 'location',
  // runAudit: an invalid item without an itemId is found again by where it stood.
  invalid_reason: `CASE WHEN raw IS NOT NULL AND item_id IS NULL AND location <> '' AND reason IS NOT NULL
      THEN regexp_replace(reason, '\\.$', '') || ' (' || location || ').' ELSE reason END`,
  // The facts a finding repeats (evaluate.ts findingOf), valid or not:
  item_id: 'item_id',
  snapshot_id: findingText(snapshotId.text),
  tenant_id: findingText(tenantId.text),
  module: findingText(moduleId.text),
  data_category: findingText(dataCategory.text),
  store_type: `CASE WHEN ${storeOk} THEN ${findingText(storeType.text)} END`,
  store_resource: `CASE WHEN ${storeOk} THEN ${findingText(storeResource.text)} END`,
  store_region: `CASE WHEN ${storeOk} THEN ${findingText(storeRegion.text)} END`,
  owner: findingText(owner.text),
  record_count: finite(recordCount),
  bytes: finite(bytes),
  oldest_record_at: findingText(oldestRecordAt.text),
  captured_at: findingText(capturedAt.text),
  // The typed columns of a valid item:
  captured_ms: whenValid(capturedAt.ms),
  oldest_ms: whenValid(oldestRecordAt.ms),
  customer_retention_days: whenValid(`CAST(${customerRetentionDays.number} AS BIGINT)`),
  purposes: whenValid(`list_transform(l_purposes, lambda value: json_extract_string(value, '$'))`),
  hold_reason: whenValid(holdReason.text),
  hold_until: whenValid(holdUntil.text),
  hold_until_ms: whenValid(holdUntil.ms),
  // A repeated event name: the text keeps the last value, as JSON.parse does.
  events: whenValid(`CASE WHEN ${repeatsKey(events.keys)} THEN ${objectTextOnce(events.entries)} ELSE ${events.json} END`),
};

/** Options of {@link validationSql}. */
export interface ValidationSqlOptions {
  /**
   * Whether plain items take the fast path (lib/sql/validationFast.ts); default true.
   * false sends every row through the general path: the same columns, slower (the
   * tests compare the two).
   */
  fastPath?: boolean;
  /**
   * The event names the catalog's rule files declare (Catalog.events): on an item they
   * are checked as timestamps, like the built-in events, as validateItem does with the
   * same list. Default none.
   */
  declaredEvents?: readonly string[];
  /**
   * The table of stage 1 to read instead of `items`: the SQL engine's `item_slice`, which
   * one statement, prepared once, validates slice after slice. Default `items`.
   */
  table?: string;
  /**
   * `'plain'`: the fast path alone, and only the rows it finds plain (then the rest by
   * `fastPath: false` and `skipOrdsOf`): no row's columns are held for a join, which the
   * fast and general paths together need (500,000 items: 240 MB held, part of it spilled).
   */
  only?: 'plain';
  /** A relation (with an `ord` column) whose ords are left out: the rows `only: 'plain'` gave. */
  skipOrdsOf?: string;
  /**
   * Adds the snapshot digest's columns ({@link DIGEST_COLUMNS}): for a plain item, the SHA-256 of its
   * RFC 8785 JSON (lib/engine/snapshotDigest.ts) as four 64-bit words, summed by SQL; for any other
   * item, its text, for JavaScript to parse and hash. Default false. With the validation in two
   * statements only (`only: 'plain'`, then `fastPath: false`), as the SQL engine validates a file.
   */
  digest?: boolean;
}

/**
 * The snapshot digest's columns of the validation (ValidationSqlOptions `digest`): `digest_w0`…`digest_w3`,
 * the SHA-256 of a plain item's RFC 8785 JSON as UBIGINTs, first word first (NULL for any other row);
 * `digest_raw`, the text of an item that is not plain (NULL for a plain one, and for a row that is no item).
 */
export const DIGEST_COLUMNS = ['digest_w0', 'digest_w1', 'digest_w2', 'digest_w3', 'digest_raw'] as const;

/** The four words of a SHA-256 in hex, as DIGEST_COLUMNS has them. */
const digestWords = (hex: string) => [0, 1, 2, 3].map((i) => `CAST('0x' || substr(${hex}, ${i * 16 + 1}, 16) AS UBIGINT) AS digest_w${i}`);

/**
 * The validation SELECT over table `items`: one row per row, the columns of
 * CHECKED_COLUMNS (lib/sql/relations.ts, stage 2), `invalid_reason` equal to what
 * validateItem (plus runAudit's location suffix) says of the same item.
 *
 * @example
 * await connection.run(`CREATE TEMP TABLE checked AS ${validationSql({ capturedNotAfterMs: Date.now() + 600_000 })}`);
 */
export function validationSql(bounds: ItemBounds = {}, options: ValidationSqlOptions = {}): string {
  const declaredEvents = options.declaredEvents ?? [];
  const shape = itemShape(declaredEvents);
  const rows = options.table ?? 'items';
  const digest = options.digest ?? false;
  if (options.only === 'plain') return plainSql(bounds, declaredEvents, rows, digest);
  if (digest && options.fastPath !== false) throw new Error('The digest columns come with the validation in two statements: only plain, then fastPath false.');
  // The ords left, found by an anti join of the ords alone, then the rows by a semi join with those few: `ord NOT IN`,
  // or an anti join carrying the rows, builds on every ord given and ran out of 256 MB at 4,000,000 items.
  const rest = options.skipOrdsOf
    ? `(SELECT * FROM ${rows} WHERE ord IN (SELECT r.ord FROM ${rows} r ANTI JOIN ${options.skipOrdsOf} s ON r.ord = s.ord))`
    : rows;
  return options.fastPath === false ? generalSql(bounds, shape, rest, digest) : fastAndGeneralSql(bounds, shape, declaredEvents, rest);
}

const NAMES = Object.keys(CHECKED_COLUMNS) as CheckedColumn[];
const typed = (name: CheckedColumn, sql: string) => `CAST(${sql} AS ${CHECKED_COLUMNS[name]})`;

/** Every row through the general path. */
function generalSql(bounds: ItemBounds, shape: ItemShape, rows: string, digest: boolean): string {
  const output = NAMES.map((name) => `  ${typed(name, OUTPUT[name])} AS ${name}`);
  if (digest) output.push(...digestWords('NULL'), 'raw AS digest_raw');
  return `WITH\n${chainOf(generalSteps(bounds, shape), rows).join(',\n')}\nSELECT\n${output.join(',\n')}\nFROM judged`;
}

/**
 * The fast path alone, over every row, giving the plain rows only (ValidationSqlOptions `only`):
 * one streaming pipeline, nothing materialized. The other rows are then validated by the general
 * path alone, skipping the ords this one gave (`fastPath: false, skipOrdsOf`).
 */
function plainSql(bounds: ItemBounds, declaredEvents: readonly string[], rows: string, digest: boolean): string {
  const fast: Record<string, string> = { ...fastColumns(), invalid_reason: 'NULL' };
  const steps = fastSteps(capturedLater(bounds), declaredEvents);
  // The digest's hash: the fast path has read the members it writes the item's RFC 8785 JSON from.
  if (digest) steps.push({ name: 'fast_digest', columns: { digest_sha: `sha256(${fastCanonicalSql(declaredEvents)})` } });
  const output = NAMES.map((name) => (name in fast ? `${typed(name, fast[name]!)} AS ${name}` : name));
  if (digest) output.push(...digestWords('digest_sha'), 'CAST(NULL AS VARCHAR) AS digest_raw');
  return `WITH\n${chainOf(steps, rows).join(',\n')}\nSELECT ${output.join(', ')}\nFROM ${steps.at(-1)!.name} WHERE plain`;
}

/**
 * The fast path over every row, the general path over the rows that are not plain,
 * joined back by `ord`. The fast path's result is MATERIALIZED: read twice (all of it,
 * and the ords of the rows that are not plain) it is still computed once. The general
 * path reads those rows from `items` again rather than carrying every item's text
 * through the fast path's result. (One SELECT with each general column under `CASE
 * WHEN plain` costs more: DuckDB fills each such column with NULLs row by row.)
 */
function fastAndGeneralSql(bounds: ItemBounds, shape: ItemShape, declaredEvents: readonly string[], rows: string): string {
  const fast: Record<string, string> = { ...fastColumns(), invalid_reason: 'NULL' };
  const picked = NAMES.filter((name) => name in fast);
  const ctes = [
    ...chainOf(fastSteps(capturedLater(bounds), declaredEvents), rows),
    `  fast AS MATERIALIZED (SELECT ord, location, plain, ${picked.map((name) => `${typed(name, fast[name]!)} AS ${name}`).join(', ')} FROM fast_judged)`,
    `  general_items AS (SELECT * FROM ${rows} WHERE ord IN (SELECT ord FROM fast WHERE NOT plain))`,
    ...chainOf(generalSteps(bounds, shape), 'general_items'),
    `  general AS (SELECT ord AS general_ord, ${picked.map((name) => `${typed(name, OUTPUT[name])} AS general_${name}`).join(', ')} FROM judged)`,
  ];
  const output = NAMES.map((name) => (name in fast ? `CASE WHEN plain THEN ${name} ELSE general_${name} END AS ${name}` : name));
  return `WITH\n${ctes.join(',\n')}\nSELECT ${output.join(', ')}\nFROM fast LEFT JOIN general ON ord = general_ord`;
}

/** Steps as CTEs, each reading the one before (the first reads `from`). */
function chainOf(steps: Step[], from: string): string[] {
  return steps.map((step, index) => {
    const added = Object.entries(step.columns).map(([name, sql]) => `    ${sql} AS ${name}`);
    return `  ${step.name} AS (\n  SELECT *,\n${added.join(',\n')}\n  FROM ${index === 0 ? from : steps[index - 1]!.name})`;
  });
}
