/**
 * The fast path of the validation stage (lib/sql/validationSql.ts): the common item
 * read once into a typed STRUCT and judged by a few cheap tests, instead of through
 * the general path's map of members, per-member lookups, rewrites and regexes.
 *
 * A row takes the fast path only when it is PLAIN: the general path would find it
 * valid, and every column read here is the one the general path reads. Every other
 * row goes through the general path, which is exact for every item. So the tests
 * must be sound (plain ⇒ valid, same columns), never complete: when in doubt, a row
 * is not plain. test/lib/sql/validationFast.test.ts holds each test to an item
 * that only it refuses.
 *
 * 1. NO BACKSLASH in the text: no escape anywhere, so each key and string is spelt
 *    as JSON.parse reads it, and there is no lone surrogate (which DuckDB refuses).
 * 2. ONE READ: `json_transform` reads the members the schema names into a STRUCT:
 *    strings and counts as VARCHAR (a string's value; for any other JSON value, its
 *    text as DuckDB writes it), store and legalHold as STRUCTs, purposes as a list,
 *    events as their JSON text (a column of its own), read again from that text.
 * 3. KINDS: a string member's VARCHAR is a JSON string when it cannot be another
 *    value's text, which starts with `-`, a digit, `[` or `{`, or is `true` or
 *    `false`; or else when the text holds `"key":"value"` (see {@link isString}). A
 *    timestamp needs neither: parseTimestamp's spelling is no other value's text.
 *    A count must be spelt with digits only: DuckDB writes a number so only when
 *    the item spelt it so, or for `-0` (spelt longer).
 * 4. THE LENGTH TEST: the text is exactly as long as the compact object of the
 *    members read: braces, each `"key":value`, commas. It rules out what
 *    json_transform does not read: it reads the FIRST of repeated keys and skips
 *    unknown keys and JSON nulls (absent, to it). With the kinds above, every member
 *    read is spelt in the text at least as long as counted (a string, a digits-only
 *    count: exactly; `-0`, or a count given as a string of digits: longer; store,
 *    legalHold, purposes and events: by their members, the same way), while every
 *    member not read adds at least 6 characters (`,"":0`), and whitespace adds some.
 *    Equal lengths leave room for none of them: the members read are all there is,
 *    each once, so the first occurrence is the last, the one JSON.parse keeps.
 * 5. RULES, with room to spare: strings of the rule's length counted in BYTES (never
 *    fewer than the code points ajv counts, so never too long by mistake),
 *    timestamps in toISOString's spelling (plainTimestampMs: the general path's
 *    instant), counts whole and in range, and validateItem's record-time checks.
 *
 * Column names start with `f`; every fragment is SQL.
 */
import { RETENTION_EVENTS } from '../model';
import { piecesSql, sqlString, type Piece } from './sqlText';
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

/** The members a plain item may have, with the schema's definitions. */
const FAST = {
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

/** The events a plain item may carry: the built-in ones, then those the catalog declares. */
const eventMembers = (declaredEvents: readonly string[]) =>
  [...RETENTION_EVENTS, ...declaredEvents].map((key) => new FastString(`events.${key}`, TIMESTAMP));

/** The item's own string members (not those of store, legalHold or events). */
const TOP = [FAST.snapshotId, FAST.itemId, FAST.capturedAt, FAST.tenantId, FAST.module, FAST.dataCategory, FAST.oldestRecordAt, FAST.newestRecordAt, FAST.owner];
const STORE = [FAST.storeType, FAST.storeResource, FAST.storeRegion];
const HOLD = [FAST.holdReason, FAST.holdUntil];
const COUNTS = [FAST.recordCount, FAST.bytes, FAST.customerRetentionDays];
/** The timestamps whose instants are columns (the events' are only checked, in {@link eventsOk}). */
const TIMESTAMPS = [...TOP, ...HOLD].filter((m) => m.rule.timestamp);

const PURPOSES_MAX = 64;
const PURPOSE_MAX_LENGTH = 256;

const strings = (members: FastString[]) => Object.fromEntries(members.map((m) => [m.key, 'VARCHAR']));

/** The STRUCT json_transform reads the item into. */
const ITEM_TYPE = JSON.stringify({
  ...strings(TOP),
  ...Object.fromEntries(COUNTS.map((m) => [m.key, 'VARCHAR'])),
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

/**
 * Digits only, for the text of a count that reads as a number of at least 0 (so it
 * has no sign): DuckDB writes a number so only when the item spelt it so (an
 * integer), or for -0 (spelt longer). A string of digits reads the same, but is two
 * quotes longer in the item than counted: the length test refuses it.
 */
function isDigits(text: string): string {
  return `(NOT contains(${text}, '.') AND NOT contains(${text}, 'e') AND NOT contains(${text}, 'E'))`;
}

// ---- Lengths of the compact spelling: `"key":value` and a comma per member. ----

/** An object of members of these lengths (each with its comma): `{`, the members, the last comma read as `}`; `{}` when empty. */
const objectLength = (members: string[]) => `greatest(2, 1 + ${members.join(' + ')})`;

// ---- Rules, with room to spare. ----

/**
 * `test` where `value` is there, true where it is absent. A CASE, not `IS NULL OR`: as a
 * filter, OR sorts the rows each side selects, for every row.
 */
const ifPresent = (value: string, test: string) => `CASE WHEN ${value} IS NULL THEN true ELSE ${test} END`;

/**
 * Whether a string member's VARCHAR is its JSON string: surely ({@link surelyString}),
 * or else because the text holds `"key":"value"`. Ids of digits (`"12345"`, UUIDs)
 * stay plain so. That pair may not be the member read (it may be a repeat, or in an
 * unknown member), but then it is part of a member not read, at least as long as
 * the pair (key, value and 5 more), while a member read as a string and not one is
 * shorter in the text than counted by at most the value and 2: the text is longer
 * than the length test allows.
 */
function isString(m: FastString): string {
  return `CASE WHEN ${surelyString(m.text)} THEN true ELSE contains(raw, concat(${sqlString(`"${m.key}":"`)}, ${m.text}, '"')) END`;
}

/** A string member there (when required), a string of the rule's length in bytes; a timestamp that parses. */
function stringOk(m: FastString): string {
  const kind = m.rule.timestamp ? `${m.ms} IS NOT NULL` : isString(m);
  const present = `(${kind} AND strlen(${m.text}) BETWEEN ${m.rule.min} AND ${m.rule.max})`;
  return m.required ? present : ifPresent(m.text, present);
}

function countOk(m: FastCount): string {
  const present = `(${m.number} BETWEEN ${m.min} AND ${m.max} AND ${isDigits(m.json)})`;
  return m.required ? present : ifPresent(m.json, present);
}

/** 1 to 64 purposes (none: not plain, for the length test's sake), each surely a string of at most 256 bytes. */
function purposesOk(list: string): string {
  const bad = `lambda value: NOT coalesce(${surelyString('value')} AND strlen(value) <= ${PURPOSE_MAX_LENGTH}, false)`;
  return ifPresent(list, `len(${list}) BETWEEN 1 AND ${PURPOSES_MAX} AND NOT list_bool_or(list_transform(${list}, ${bad}))`);
}

/** Events: an object (its own STRUCT read) of timestamps only, nothing else in its text. */
function eventsOk(members: FastString[]): string {
  // Read here, inside the CASE, only for the items that have events.
  const event = (m: FastString) => ifPresent(structPath(m.path), `${plainTimestampMs(structPath(m.path))} IS NOT NULL`);
  // `"key":"value",` for each event there.
  const length = objectLength(members.map((m) => `coalesce(${m.key.length + 6} + strlen(${structPath(m.path)}), 0)`));
  return ifPresent('fj_events', `fe IS NOT NULL AND ${members.map(event).join(' AND ')} AND strlen(fj_events) = ${length}`);
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
    // In a plain item the reason is there exactly when legalHold is: it carries `"legalHold":{`, `}` and the comma.
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
 * `capturedLater(ms)` is validateItem's capture-bound check as SQL (null: none);
 * `declaredEvents` the catalog's own event names, which a plain item's events may hold too.
 *
 * @example
 * fastSteps((ms) => `${ms} > 1795219200000`) // [{ name: 'fast_item', … }, …, { name: 'fast_judged', columns: { plain: … } }]
 */
export function fastSteps(capturedLater: ((ms: string) => string) | null, declaredEvents: readonly string[] = []): FastStep[] {
  const EVENTS = eventMembers(declaredEvents);
  const plain = [
    // First: the rows it refuses (unknown members, whitespace) skip the other tests.
    'fast_compact',
    ...TOP.map(stringOk),
    ...COUNTS.map(countOk),
    // ajv's if/then: a recordCount above 0 requires oldestRecordAt.
    `(${FAST.recordCount.number} <= 0 OR ${FAST.oldestRecordAt.text} IS NOT NULL)`,
    'f.store IS NOT NULL',
    ...STORE.map(stringOk),
    ifPresent('f."legalHold"', HOLD.map(stringOk).join(' AND ')),
    eventsOk(EVENTS),
    purposesOk('fl_purposes'),
    // validateItem's record-time checks.
    ...(capturedLater ? [`NOT (${capturedLater(FAST.capturedAt.ms)})`] : []),
    `coalesce(${FAST.oldestRecordAt.ms} <= ${FAST.capturedAt.ms}, true)`,
    `coalesce(${FAST.newestRecordAt.ms} >= ${FAST.oldestRecordAt.ms}, true)`,
  ];
  const eventsType = sqlString(JSON.stringify(strings(EVENTS)));
  return [
    // No backslash: no escape, so every text is its value (and no lone surrogate). A line break,
    // or a blank after the first colon, says the text is not compact, so not plain: an item
    // pretty-printed or spaced as Python writes it is not even read (a cheap look, not a test).
    {
      name: 'fast_item',
      columns: {
        f: `CASE WHEN raw IS NOT NULL AND NOT contains(raw, '\\') AND NOT contains(raw, chr(10)) AND substr(raw, instr(raw, ':') + 1, 1) <> ' '
          THEN json_transform(raw, ${sqlString(ITEM_TYPE)}) END`,
      },
    },
    {
      name: 'fast_members',
      columns: {
        ...columnsOf([...TOP, ...STORE, ...HOLD], (m) => m.text, (m) => structPath(m.path)),
        ...columnsOf(COUNTS, (m) => m.json, (m) => structPath(m.key)),
        fj_events: 'f.events',
        fl_purposes: 'f.purposes',
      },
    },
    {
      name: 'fast_values',
      columns: {
        ...columnsOf(COUNTS, (m) => m.number, (m) => `TRY_CAST(${m.json} AS DOUBLE)`),
        // The length test (4. above), before the dearer reads: only the rows that pass it take them.
        fast_compact: `strlen(raw) = ${itemLength()}`,
      },
    },
    {
      name: 'fast_instants',
      columns: {
        ...columnsOf(TIMESTAMPS, (m) => m.ms, (m) => `CASE WHEN fast_compact THEN ${plainTimestampMs(m.text)} END`),
        // The events again, from their own text (the one member read twice: its text is a column).
        fe: `CASE WHEN fast_compact AND prefix(fj_events, '{') THEN json_transform(fj_events, ${eventsType}) END`,
      },
    },
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
    // TRY_CAST: these columns are computed for every row (only plain rows keep them), and must not fail on any.
    customer_retention_days: `TRY_CAST(${FAST.customerRetentionDays.number} AS BIGINT)`,
    purposes: 'fl_purposes',
    hold_reason: FAST.holdReason.text,
    hold_until: FAST.holdUntil.text,
    hold_until_ms: FAST.holdUntil.ms,
    events: 'fj_events',
  };
}

/**
 * A member of a canonical object: `"key":` then its value (an SQL expression, between quotes
 * when `quoted`), written when `present` (a column, by default the value) is not NULL; always
 * when `required`.
 */
interface CanonicalMember {
  key: string;
  value: string;
  quoted: boolean;
  required: boolean;
  present?: string;
}

const stringMember = (m: FastString, value = structPath(m.path)): CanonicalMember => ({ key: m.key, value, quoted: true, required: m.required });

/**
 * An object of these members, its keys in RFC 8785's order, as one concat() of the members'
 * pieces: a member is the literal before its value, the value, and the literal after it
 * (literals next to each other joined into one), and an absent one is skipped (concat skips a
 * NULL). Commas go before each member but the first written: after the first required one,
 * or, for an optional member before it, after the member itself. (`||` chains built each
 * member, then the object, as strings of their own: 500,000 items, the digest's step
 * 1.70–1.87 s of CPU with them, 1.34–1.43 s so, three pairs.)
 */
function canonicalObject(members: readonly CanonicalMember[]): string {
  const sorted = [...members].sort(({ key: a }, { key: b }) => (a < b ? -1 : a > b ? 1 : 0));
  const firstRequired = sorted.findIndex((m) => m.required);
  // No member is sure to be there: the commas are concat_ws's.
  if (firstRequired === -1) return `concat('{', concat_ws(',', ${sorted.map((m) => optionalMemberSql(m, '', '')).join(', ')}), '}')`;
  const pieces = sorted.flatMap((m, i) => (i < firstRequired ? memberPieces(m, '', ',') : memberPieces(m, i === firstRequired ? '' : ',', '')));
  return piecesSql(['{', ...pieces, '}']);
}

/** A member's text with `before` and `after` around it: its pieces when it is required, else one piece, NULL when absent. */
function memberPieces(m: CanonicalMember, before: string, after: string): Piece[] {
  return m.required ? textPieces(m, before, after) : [{ sql: optionalMemberSql(m, before, after) }];
}

/** An optional member's text with `before` and `after` around it, NULL when it is absent. */
function optionalMemberSql(m: CanonicalMember, before: string, after: string): string {
  return `CASE WHEN ${m.present ?? m.value} IS NOT NULL THEN ${piecesSql(textPieces(m, before, after))} END`;
}

function textPieces(m: CanonicalMember, before: string, after: string): Piece[] {
  const quote = m.quoted ? '"' : '';
  return [`${before}${JSON.stringify(m.key)}:${quote}`, { sql: m.value }, `${quote}${after}`];
}

/**
 * A plain row's item as RFC 8785 JSON (lib/engine/canonicalJson.ts), as SQL over the fast
 * steps' columns: the text the snapshot digest hashes, without JSON.parse. Exact for a
 * plain row alone (NULL otherwise), because there: the members read are all the item has,
 * each once (the length test), so the object is theirs with its keys sorted (by UTF-16
 * code units, as RFC 8785 and Array.prototype.sort order them); no text has a backslash,
 * so each string is its value, and none holds what would need an escape (a quote, a
 * control character or a lone surrogate cannot be spelt without one); each count is
 * digits only, at most 2^53 − 1, which is how ECMAScript writes that number; and each
 * required member is there.
 *
 * @example
 * fastCanonicalSql() // `CASE WHEN plain THEN concat('{', '"bytes":', fj_bytes, ',"capturedAt":"', fs_captured_at, '"', …, '}') END`
 */
export function fastCanonicalSql(declaredEvents: readonly string[] = []): string {
  // Each object or list member is there when the column it is read from is.
  const unquoted = (key: string, value: string, present?: string): CanonicalMember => ({ key, value, quoted: false, required: present === undefined, ...(present ? { present } : {}) });
  const members: CanonicalMember[] = [
    ...TOP.map((m) => stringMember(m, m.text)),
    ...COUNTS.map((m): CanonicalMember => ({ key: m.key, value: m.json, quoted: false, required: m.required })),
    unquoted('store', canonicalObject(STORE.map((m) => stringMember(m, m.text)))),
    // A plain item's legal hold has its reason.
    unquoted('legalHold', canonicalObject(HOLD.map((m) => stringMember(m, m.text))), FAST.holdReason.text),
    unquoted('events', canonicalObject(eventMembers(declaredEvents).map((m) => stringMember(m))), 'fj_events'),
    unquoted('purposes', `concat('["', array_to_string(fl_purposes, '","'), '"]')`, 'fl_purposes'),
  ];
  return `CASE WHEN plain THEN ${canonicalObject(members)} END`;
}
