/**
 * The fast path of the validation stage (lib/sql/validationSql.ts): the common
 * item read once into a typed STRUCT and judged by a few cheap tests, instead of
 * through the general path's map of members, per-member lookups and rewrites.
 *
 * A row takes the fast path only when it is PLAIN. A plain row is one the general
 * path finds valid, and its columns are read here exactly as the general path
 * reads them; every other row goes through the general path, which is exact for
 * every item. So the tests must be sound (plain ⇒ valid, same columns), never
 * complete: when in doubt, a row is not plain.
 *
 * 1. NO BACKSLASH in the text: no escape anywhere, so each key and each string is
 *    spelt as it reads (JSON.parse's value), and there is no lone surrogate.
 * 2. `json_transform` reads the members the schema names into a STRUCT: strings
 *    as VARCHAR (a string's value; for any other JSON value, its text), counts and
 *    events as JSON text (DuckDB's rewrite), store and legalHold as STRUCTs, events
 *    again from their own text.
 * 3. KINDS: a string member is a JSON string when its VARCHAR cannot be the text
 *    of anything else: another value's text starts with a digit, `-`, `{` or `[`,
 *    or is `true` or `false`. A timestamp needs no such test: one that
 *    parseTimestamp's pattern accepts is no other value's text. A count is plain
 *    when its JSON text is digits only, which DuckDB writes only for an integer
 *    spelt that way (and for `-0`, spelt longer).
 * 4. THE LENGTH TEST: the text is exactly as long as the compact object of the
 *    members read: braces, each `"key":value`, commas. This is what rules out the
 *    members json_transform does not read: it reads the FIRST of repeated keys and
 *    skips unknown keys and JSON nulls (to it, absent). Each member read is spelt
 *    in the text at least as long as counted (a string without escapes exactly; a
 *    digits-only count exactly, or longer for `-0`; store, legalHold, events and
 *    purposes by their members, the same way), while each member not read, and any
 *    whitespace, adds at least one character more (`,"":0` is 6). Equal lengths
 *    leave no room for any: the members read are all there is, each once, so the
 *    first occurrence is the last, which JSON.parse keeps.
 * 5. RULES: each member passes its rule with room to spare: strings of 1 (or 0) to
 *    the maximum length counted in BYTES (never fewer than the code points ajv
 *    counts), timestamps by the general path's own parseTimestamp (same instant),
 *    counts as whole numbers in range, and validateItem's record-time checks.
 *
 * Column names start with `f`; every fragment is SQL.
 */
import { sqlString } from './sqlText';
import { plainTimestampMs } from './validationTimestamp';

/** What a plain string member holds: its length in bytes, and whether it is a timestamp. */
interface StringRule {
  min: 0 | 1;
  max: number;
  timestamp?: true;
}

/** A string member the fast path reads, by its path in the item ('store.type'). */
class FastString {
  /** Its value as json_transform read it (a string's value; another JSON value's text); NULL when absent or JSON null. */
  readonly text: string;
  /** A timestamp member's milliseconds (parseTimestamp); NULL unless it is one. */
  readonly ms: string;

  constructor(
    readonly path: string,
    readonly rule: StringRule,
    readonly required = false,
  ) {
    const stem = path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace('.', '__');
    this.text = `fs_${stem}`;
    this.ms = `fms_${stem}`;
  }

  get key(): string {
    return this.path.split('.').at(-1)!;
  }
}

/** A whole-number member: its JSON text (as VARCHAR: compared with literals), and the DOUBLE read from it. */
class FastCount {
  readonly json: string;
  readonly number: string;

  constructor(
    readonly key: string,
    readonly min: number,
    readonly max: number,
    readonly required = false,
  ) {
    const stem = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    this.json = `fj_${stem}`;
    this.number = `fn_${stem}`;
  }
}

const IDENTIFIER: StringRule = { min: 1, max: 256 };
const TEXT: StringRule = { min: 1, max: 1024 };
const TIMESTAMP: StringRule = { min: 1, max: 40, timestamp: true };

/** The members a plain item may have, by the schema's definitions. */
export const FAST = {
  snapshotId: new FastString('snapshotId', IDENTIFIER, true),
  itemId: new FastString('itemId', IDENTIFIER, true),
  capturedAt: new FastString('capturedAt', TIMESTAMP, true),
  tenantId: new FastString('tenantId', IDENTIFIER, true),
  module: new FastString('module', IDENTIFIER, true),
  dataCategory: new FastString('dataCategory', IDENTIFIER, true),
  storeType: new FastString('store.type', IDENTIFIER, true),
  storeResource: new FastString('store.resource', TEXT, true),
  storeRegion: new FastString('store.region', { min: 0, max: 256 }),
  recordCount: new FastCount('recordCount', 0, Number.MAX_SAFE_INTEGER, true),
  bytes: new FastCount('bytes', 0, Number.MAX_SAFE_INTEGER, true),
  oldestRecordAt: new FastString('oldestRecordAt', TIMESTAMP),
  newestRecordAt: new FastString('newestRecordAt', TIMESTAMP),
  customerRetentionDays: new FastCount('customerRetentionDays', 1, 100_000),
  holdReason: new FastString('legalHold.reason', TEXT, true),
  holdUntil: new FastString('legalHold.until', TIMESTAMP),
  owner: new FastString('owner', { min: 0, max: 1024 }),
};

const EVENTS = ['accountDeletedAt', 'serviceTerminatedAt', 'deletionRequestedAt', 'consentWithdrawnAt'].map((key) => new FastString(`events.${key}`, TIMESTAMP));

/** The item's own string members (not those of store, legalHold or events). */
const TOP = [FAST.snapshotId, FAST.itemId, FAST.capturedAt, FAST.tenantId, FAST.module, FAST.dataCategory, FAST.oldestRecordAt, FAST.newestRecordAt, FAST.owner];
const STORE = [FAST.storeType, FAST.storeResource, FAST.storeRegion];
const HOLD = [FAST.holdReason, FAST.holdUntil];
const COUNTS = [FAST.recordCount, FAST.bytes, FAST.customerRetentionDays];
const TIMESTAMPS = [...TOP, ...HOLD, ...EVENTS].filter((m) => m.rule.timestamp);

const PURPOSES_MAX = 64;
const PURPOSE_MAX_LENGTH = 256;

const strings = (members: FastString[]) => Object.fromEntries(members.map((m) => [m.key, 'VARCHAR']));

/** The STRUCT json_transform reads the item into. */
const ITEM_TYPE = JSON.stringify({
  ...strings(TOP),
  ...Object.fromEntries(COUNTS.map((m) => [m.key, 'JSON'])),
  store: strings(STORE),
  legalHold: strings(HOLD),
  events: 'JSON',
  purposes: ['VARCHAR'],
});

/** Where json_transform put a member: `f."store"."type"`, `fe."accountDeletedAt"`. */
function structPath(path: string): string {
  const [head, key] = path.split('.') as [string, string | undefined];
  if (head === 'events') return `fe."${key}"`;
  return key === undefined ? `f."${head}"` : `f."${head}"."${key}"`;
}

// ---- Kinds. ----

/**
 * Whether json_transform's VARCHAR of a member is surely a JSON string: the text of
 * any other value starts with `-` or a digit (a number), `[` or `{`, or is `true`
 * or `false` (JSON null is SQL NULL). NULL for NULL.
 */
function surelyString(text: string): string {
  return `(${text} >= 'A' AND NOT prefix(${text}, '[') AND NOT prefix(${text}, '{') AND ${text} <> 'true' AND ${text} <> 'false')`;
}

/** Digits only: DuckDB writes a number so only when the item spelt it so (an integer), or for -0. */
function isDigits(json: string): string {
  return `(${json} >= '0' AND ${json} < ':' AND NOT contains(${json}, '.') AND NOT contains(${json}, 'e') AND NOT contains(${json}, 'E'))`;
}

// ---- Lengths of the compact spelling: `"key":value` and a comma per member. ----

/** `"key":"value",` for a string member that is there, else 0. */
const stringLength = (m: FastString) => `coalesce(${m.key.length + 6} + strlen(${m.text}), 0)`;
/** `"key":value,` for a member whose value is `length` long, else (NULL) 0. */
const valueLength = (key: string, length: string) => `coalesce(${key.length + 4} + ${length}, 0)`;
/** An object of members of these lengths: `{`, the members, the last comma read as `}`; `{}` when empty. */
const objectLength = (members: string[]) => `greatest(2, 1 + ${members.join(' + ')})`;
/** An array of strings: `[`, each `"value",`, the last comma read as `]`; `[]` when empty. */
const listLength = (list: string) => `greatest(2, 1 + list_sum(list_transform(${list}, lambda value: strlen(value) + 3)))`;

// ---- Rules, with room to spare. ----

/**
 * `test` where `value` is there, true where it is absent. A CASE, not `IS NULL OR`: as a
 * filter, OR sorts the rows each side selects, for every row.
 */
const ifPresent = (value: string, test: string) => `CASE WHEN ${value} IS NULL THEN true ELSE ${test} END`;

/** A string member there (when required), surely a string of the rule's length in bytes; a timestamp that parses. */
function stringOk(m: FastString): string {
  const kind = m.rule.timestamp ? `${m.ms} IS NOT NULL` : surelyString(m.text);
  const present = `(${kind} AND strlen(${m.text}) BETWEEN ${m.rule.min} AND ${m.rule.max})`;
  return m.required ? present : ifPresent(m.text, present);
}

function countOk(m: FastCount): string {
  const present = `(${isDigits(m.json)} AND ${m.number} BETWEEN ${m.min} AND ${m.max})`;
  return m.required ? present : ifPresent(m.json, present);
}

/** 1 to 64 purposes (none: not plain, for the length test's sake), each surely a string of at most 256 bytes. */
function purposesOk(list: string): string {
  const bad = `lambda value: NOT coalesce(${surelyString('value')} AND strlen(value) <= ${PURPOSE_MAX_LENGTH}, false)`;
  return ifPresent(list, `len(${list}) BETWEEN 1 AND ${PURPOSES_MAX} AND NOT list_bool_or(list_transform(${list}, ${bad}))`);
}

/** Events: an object (its own STRUCT read) of timestamps only, nothing else in its text. */
function eventsOk(): string {
  const length = `CASE WHEN fe IS NOT NULL THEN ${objectLength(EVENTS.map(stringLength))} END`;
  return ifPresent('fj_events', `fe IS NOT NULL AND ${EVENTS.map(stringOk).join(' AND ')} AND strlen(fj_events) = ${length}`);
}

/**
 * The compact length of the item read, for a row that passes the other tests: what
 * `strlen(raw)` must be. One concat of the members' texts, each optional one with
 * filler as long as its key, quotes, colon and comma (NULL when absent, so concat
 * leaves it out); fewer operations than adding the lengths one by one.
 */
function itemLength(): string {
  const overhead = (m: FastString | FastCount) => m.key.length + (m instanceof FastString ? 6 : 4);
  const filler = (length: number) => sqlString('_'.repeat(length));
  const optional = (text: string, length: number) => `${text} || ${filler(length)}`;
  const required = [...TOP, ...STORE, ...COUNTS].filter((m) => m.required);
  const hold = 'legalHold'.length + 5;
  const texts = [
    ...required.map((m) => (m instanceof FastString ? m.text : m.json)),
    ...[...TOP, ...STORE, ...COUNTS].filter((m) => !m.required).map((m) => optional(m instanceof FastString ? m.text : m.json, overhead(m))),
    // legalHold's reason is there when it is: it carries the object's own `"legalHold":{…},`.
    optional(FAST.holdReason.text, overhead(FAST.holdReason) + hold),
    optional(FAST.holdUntil.text, overhead(FAST.holdUntil)),
    optional('CAST(fj_events AS VARCHAR)', 'events'.length + 4),
    // `"purposes":["a","b"],` is the entries joined by `","` and 16 more (at least one entry).
    optional(`array_to_string(fl_purposes, '","')`, 'purposes'.length + 8),
  ];
  // `{`, the item's members with a comma each (the last read as `}`), store's `"store":{`.
  const fixed = 1 + required.reduce((sum, m) => sum + overhead(m), 0) + 'store'.length + 5;
  return `${fixed} + strlen(concat(${texts.join(', ')}))`;
}

// ---- The steps. ----

/** One step of the SELECT: every column of the previous step plus these. */
export interface FastStep {
  name: string;
  columns: Record<string, string>;
}

const columnsOf = <M>(members: M[], name: (m: M) => string, sql: (m: M) => string) => Object.fromEntries(members.map((m) => [name(m), sql(m)]));

/**
 * The fast path's steps over `items`: the item read into a STRUCT, its members, and
 * `plain` (never NULL), true when the row's columns are {@link fastColumns}.
 * `capturedLater(ms)` is validateItem's capture-bound check as SQL (null: none).
 *
 * @example
 * fastSteps((ms) => `${ms} > 1795219200000`) // [{ name: 'fast_item', … }, …, { name: 'fast_judged', columns: { plain: … } }]
 */
export function fastSteps(capturedLater: ((ms: string) => string) | null): FastStep[] {
  const X = (process.env.X_DROP ?? '').split(',');
  const plain = [
    'f IS NOT NULL',
    ...(X.includes('top') ? [] : TOP.map(stringOk)),
    ...(X.includes('counts') ? [] : COUNTS.map(countOk)),
    // ajv's if/then: a recordCount above 0 requires oldestRecordAt.
    `(${FAST.recordCount.number} <= 0 OR ${FAST.oldestRecordAt.text} IS NOT NULL)`,
    'f.store IS NOT NULL',
    ...(X.includes('store') ? [] : STORE.map(stringOk)),
    ...(X.includes('hold') ? [] : [ifPresent('f."legalHold"', HOLD.map(stringOk).join(' AND '))]),
    ...(X.includes('events') ? [] : [eventsOk()]),
    ...(X.includes('purposes') ? [] : [purposesOk('fl_purposes')]),
    // validateItem's record-time checks.
    ...(X.includes('times') ? [] : [...(capturedLater ? [`NOT (${capturedLater(FAST.capturedAt.ms)})`] : []),
    `coalesce(${FAST.oldestRecordAt.ms} <= ${FAST.capturedAt.ms}, true)`,
    `coalesce(${FAST.newestRecordAt.ms} >= ${FAST.oldestRecordAt.ms}, true)`]),
    ...(X.includes('length') ? [] : [`strlen(raw) = ${itemLength()}`]),
  ];
  const eventsType = sqlString(JSON.stringify(strings(EVENTS)));
  return [
    // No backslash: no escape, so every text is its value (and no lone surrogate).
    { name: 'fast_item', columns: { f: `CASE WHEN raw IS NOT NULL AND NOT contains(raw, '\\') THEN json_transform(raw, ${sqlString(ITEM_TYPE)}) END` } },
    {
      name: 'fast_members',
      columns: {
        ...columnsOf([...TOP, ...STORE, ...HOLD], (m) => m.text, (m) => structPath(m.path)),
        ...columnsOf(COUNTS, (m) => m.json, (m) => `CAST(${structPath(m.key)} AS VARCHAR)`),
        fj_events: 'f.events',
        fl_purposes: 'f.purposes',
        // The events again, from their own text (the one member read twice: its text is a column).
        fe: `CASE WHEN prefix(f.events, '{') THEN json_transform(f.events, ${eventsType}) END`,
      },
    },
    {
      name: 'fast_values',
      columns: {
        ...columnsOf(EVENTS, (m) => m.text, (m) => structPath(m.path)),
        ...columnsOf(COUNTS, (m) => m.number, (m) => `CASE WHEN ${isDigits(m.json)} THEN CAST(${m.json} AS DOUBLE) END`),
      },
    },
    { name: 'fast_instants', columns: columnsOf(TIMESTAMPS, (m) => m.ms, (m) => plainTimestampMs(m.text)) },
    // A CASE condition runs as a filter: each test only on the rows that passed the ones before.
    { name: 'fast_judged', columns: { plain: `CASE WHEN ${plain.join('\n      AND ')} THEN true ELSE false END` } },
  ];
}

/**
 * The CHECKED_COLUMNS of a plain row (a valid item) as SQL over the fast steps'
 * columns, but `ord`, `location` and `invalid_reason` (NULL). Strings are short
 * enough to be repeated whole (findingText keeps them).
 *
 * @example
 * fastColumns().captured_ms // 'fms_captured_at'
 */
export function fastColumns(): Record<string, string> {
  return {
    item_id: FAST.itemId.text,
    snapshot_id: FAST.snapshotId.text,
    tenant_id: FAST.tenantId.text,
    module: FAST.module.text,
    data_category: FAST.dataCategory.text,
    store_type: FAST.storeType.text,
    store_resource: FAST.storeResource.text,
    store_region: FAST.storeRegion.text,
    owner: FAST.owner.text,
    record_count: FAST.recordCount.number,
    bytes: FAST.bytes.number,
    oldest_record_at: FAST.oldestRecordAt.text,
    captured_at: FAST.capturedAt.text,
    captured_ms: FAST.capturedAt.ms,
    oldest_ms: FAST.oldestRecordAt.ms,
    customer_retention_days: `CAST(${FAST.customerRetentionDays.number} AS BIGINT)`,
    purposes: 'fl_purposes',
    hold_reason: FAST.holdReason.text,
    hold_until: FAST.holdUntil.text,
    hold_until_ms: FAST.holdUntil.ms,
    events: 'fj_events',
  };
}
