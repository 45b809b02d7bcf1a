/**
 * Stage 3 of the SQL engine (lib/sql/relations.ts): the catalog compiled to one
 * SELECT over the validation result, giving for each row the finding that
 * lib/engine/evaluate.ts gives for the same item (the specification; the
 * differential test test/lib/sql/evaluationSql.test.ts keeps the two equal).
 *
 * One pass over the rows, without joins or subqueries: nested projections add
 * columns to each row, each computed only where it matters. In phases:
 *
 * 1. category — `_cat`, the row's data category as an index into the catalog
 *    (NULL for an invalid or an unmapped item);
 * 2. clauses — for each clause of the catalog (`_c<n>_…`, in rule-file order):
 *    whether it applies and is active (activeRules), then its kind's SQL
 *    (RuleKind.sql: values several clauses share such as an event's instant, the
 *    clause's own values, its status, deadline and error), NULL unless active;
 * 3. decisive — a rank key per clause that orders results as decisive() does
 *    (status, then the earlier deadline, then the clause listed first); the
 *    greatest key names the decisive clause, whose reason alone is then built;
 * 4. outcome — what could not be evaluated, legal hold, waiver, the verdict;
 * 5. finding — severity, fingerprint and the finding as JSON text, its keys in
 *    the order of the Finding object, written exactly as the reports write it
 *    (lib/report/FindingSorter.ts toJsonLine; lib/sql/jsonLineSql.ts).
 */
import type { Catalog, CatalogCategory, CatalogModule } from '../catalog/loadCatalog';
import { kindOf, type Clause } from '../catalog/ruleKindRegistry';
import type { ClauseSql, ClauseSqlContext } from '../catalog/ruleKinds/RuleKind';
import type { EngineOptions } from '../engine/evaluate';
import type { Finding } from '../model';
import { severitySql } from '../engine/severity';
import { waiverIndexSql, waiverWordsSql } from '../engine/waivers';
import { toJsonLine } from '../report/FindingSorter';
import { asJsonLineSql, jsonNumberSql } from './jsonLineSql';
import type { FindingColumn } from './relations';
import { column as c, dateErrorSql, hundredthsOfDaysSql, hundredthsValueSql, isNaNSql, isoDaySql, isoSql, sqlString, textSql } from './sqlText';

/**
 * The catalog as one SELECT over `checked` (a relation with the columns of
 * lib/sql/relations.ts CHECKED_COLUMNS): `ord`, `item_id` and `finding`, the
 * finding as JSON text whose JSON.parse deep-equals `evaluate(item, catalog, options)`.
 * A waiver glob RE2 cannot express calls `picomatch_dot`: register it on the
 * connection first (lib/sql/globFunction.ts registerGlobFunction).
 *
 * @example
 * registerGlobFunction(connection);
 * await connection.run(`CREATE TABLE findings AS ${evaluationSql(catalog, options, 'checked')}`);
 */
export function evaluationSql(catalog: Catalog, options: EngineOptions, checked: string): string {
  const program = new DerivedColumns();
  const categories = categoryPhase(program, catalog);
  const clauses = clausePhase(program, catalog, categories, options);
  const decisive = decisivePhase(program, categories, clauses);
  const outcome = outcomePhase(program, options, categories, clauses, decisive);
  const finding = findingJson(catalog, options, categories, clauses, decisive, outcome);
  const evaluated = (sql: string) => `(CASE WHEN ${outcome.verdict} <> 'invalid' AND ${outcome.verdict} <> 'unmapped' THEN ${sql} END)`;
  // The facts the run's tallies need (lib/sql/relations.ts FINDING_COLUMNS), beside the finding's text.
  const facts: Record<Exclude<FindingColumn, 'ord' | 'item_id' | 'finding'>, string> = {
    verdict: outcome.verdict,
    severity: finding.severity,
    special: evaluated(perCategory(categories, (k) => String(Boolean(k.category.specialCategory)))),
    deadline_ms: evaluated(decisive.deadline),
    waiver: outcome.waiver,
    snapshot_id: c('snapshot_id'),
    tenant_id: c('tenant_id'),
    module: c('module'),
    data_category: c('data_category'),
    store_resource: `(CASE WHEN ${c('store_type')} IS NOT NULL THEN ${c('store_resource')} END)`,
    captured_ms: `(CASE WHEN ${outcome.verdict} <> 'invalid' THEN ${c('captured_ms')} END)`,
    record_count: c('record_count'),
    bytes: c('bytes'),
  };
  const factColumns = Object.entries(facts).map(([name, sql]) => `${sql} AS ${name}`);
  // DuckDB's JSON text, rewritten where it differs from the reports' (rare: text beyond ASCII).
  return (
    `SELECT ord, item_id, ${asJsonLineSql('duck_json')} AS finding, ${Object.keys(facts).join(', ')} ` +
    `FROM (SELECT ${c('ord')}, ${c('item_id')}, ${finding.json} AS duck_json, ${factColumns.join(', ')}\nFROM ${program.select(checked)})`
  );
}

// ---------------------------------------------------------------------------
// The columns added to each row.

/**
 * The columns the program adds, each a SQL expression over the checked columns
 * and the added columns (all named `_…`). `select` nests one projection per
 * depth, so that each column reads only columns of the projections below it.
 */
class DerivedColumns {
  private readonly sqlByName = new Map<string, string>();

  add(name: string, sql: string): string {
    if (this.sqlByName.has(name)) throw new Error(`The SQL column ${name} is defined twice`);
    this.sqlByName.set(name, sql);
    return name;
  }

  select(relation: string): string {
    const depth = new Map<string, number>();
    const depthOf = (name: string): number => {
      const known = depth.get(name);
      if (known !== undefined) return known;
      const reads = (this.sqlByName.get(name)!.match(/\b_[A-Za-z0-9_]+/g) ?? []).filter((word) => word !== name && this.sqlByName.has(word));
      const value = 1 + Math.max(0, ...reads.map(depthOf));
      depth.set(name, value);
      return value;
    };
    const layers: string[][] = [];
    for (const [name, sql] of this.sqlByName) (layers[depthOf(name) - 1] ??= []).push(`${sql} AS ${name}`);
    return layers.reduce((from, layer) => `(SELECT *,\n  ${layer.join(',\n  ')}\nFROM ${from})`, relation);
  }
}

// ---------------------------------------------------------------------------
// 1. category

interface IndexedCategory {
  index: number;
  module: CatalogModule;
  category: CatalogCategory;
}

interface Categories {
  /** `_cat`: the row's category index, NULL for an invalid or unmapped item. */
  column: string;
  all: IndexedCategory[];
}

function categoryPhase(program: DerivedColumns, catalog: Catalog): Categories {
  const all: IndexedCategory[] = [];
  const byModule = [...catalog.modules.values()].map((module) => {
    const whens = [...module.categories.values()].map((category) => {
      all.push({ index: all.length, module, category });
      return `WHEN ${sqlString(category.id)} THEN ${all.length - 1}`;
    });
    return `WHEN ${sqlString(module.id)} THEN (CASE ${c('data_category')} ${whens.join(' ')} END)`;
  });
  const column = program.add('_cat', `(CASE WHEN ${c('invalid_reason')} IS NULL THEN (CASE ${c('module')} ${byModule.join(' ')} END) END)`);
  return { column, all };
}

/** A SQL value per category (`value` gives each category's SQL literal), NULL for none: a lookup in a constant list. */
function perCategory(categories: Categories, value: (category: IndexedCategory) => string): string {
  return `[${categories.all.map(value).join(', ')}][${categories.column} + 1]`;
}

// ---------------------------------------------------------------------------
// 2. clauses

interface CompiledClause {
  /** Position in the catalog: clauses of a module are consecutive, in rule-file order. */
  index: number;
  module: CatalogModule;
  ruleId: string;
  clause: Clause;
  citationJson: string;
  /** Indexes of the categories the clause governs. */
  categories: number[];
  sql: ClauseSql;
}

/** A module's clauses in the order of its rule file, which every category lists them in. */
function clausesInOrder(module: CatalogModule): { ruleId: string; clause: Clause; citationJson: string }[] {
  const sequences = [...module.categories.values()].map((category) => category.rules.map((rule) => rule.ruleId));
  const rules = new Map([...module.categories.values()].flatMap((category) => category.rules.map((rule) => [rule.ruleId, rule] as const)));
  const ordered: string[] = [];
  while (ordered.length < rules.size) {
    // The next clause is one no category lists after a clause not yet placed.
    const next = [...rules.keys()].find(
      (id) => !ordered.includes(id) && sequences.every((sequence) => sequence.slice(0, Math.max(0, sequence.indexOf(id))).every((before) => ordered.includes(before))),
    );
    if (next === undefined) throw new Error(`The clauses of module ${module.id} are listed in contradictory orders`);
    ordered.push(next);
  }
  return ordered.map((id) => {
    const rule = rules.get(id)!;
    return { ruleId: id, clause: rule.clause, citationJson: JSON.stringify(rule.citation) };
  });
}

function clausePhase(program: DerivedColumns, catalog: Catalog, categories: Categories, options: EngineOptions): CompiledClause[] {
  const inCategories = (indexes: readonly number[]) => oneOfSql(categories.column, indexes);
  const shared = new Map<string, { sql: string; categories: Set<number> }>();
  const clauses: CompiledClause[] = [];
  for (const module of catalog.modules.values()) {
    for (const { ruleId, clause, citationJson } of clausesInOrder(module)) {
      const index = clauses.length;
      const governed = categories.all.filter((k) => k.module === module && k.category.rules.some((rule) => rule.ruleId === ruleId)).map((k) => k.index);
      const lets = new Set<string>();
      const context: ClauseSqlContext = {
        categoryName:
          governed.length === 1
            ? sqlString(categories.all[governed[0]!]!.category.name)
            : `(CASE ${categories.column} ${governed.map((k) => `WHEN ${k} THEN ${sqlString(categories.all[k]!.category.name)}`).join(' ')} END)`,
        options,
        let: (name, sql) => {
          if (lets.has(name)) throw new Error(`The SQL of clause ${ruleId} names ${name} twice`);
          lets.add(name);
          return program.add(`_c${index}_v_${safeName(name)}`, `(CASE WHEN _c${index}_active THEN ${sql} END)`);
        },
        shared: (name, sql) => {
          const column = `_s_${safeName(name)}`;
          const entry = shared.get(column) ?? { sql, categories: new Set<number>() };
          if (entry.sql !== sql) throw new Error(`The shared SQL value ${name} is defined twice, differently`);
          governed.forEach((k) => entry.categories.add(k));
          shared.set(column, entry);
          return column;
        },
      };
      clauses.push({ index, module, ruleId, clause, citationJson, categories: governed, sql: kindOf(clause).sql(clause, context) });
    }
  }
  for (const [column, { sql, categories: used }] of shared) program.add(column, `(CASE WHEN ${inCategories([...used])} THEN ${sql} END)`);

  for (const { index, categories: governed, sql } of clauses) {
    program.add(`_c${index}_applies`, `(CASE WHEN ${inCategories(governed)} THEN coalesce(${sql.applies ?? 'true'}, false) END)`);
  }
  for (const { index, module, clause } of clauses) {
    // activeRules: out when an applying clause of the same category supersedes it (applies is NULL outside its categories).
    const superseding = clauses.filter((other) => other.module === module && other.clause.supersedes?.includes(clause.id));
    const superseded = superseding.map((other) => `coalesce(_c${other.index}_applies, false)`);
    program.add(`_c${index}_active`, superseded.length === 0 ? `_c${index}_applies` : `(_c${index}_applies AND NOT (${superseded.join(' OR ')}))`);
  }
  for (const { index, sql } of clauses) {
    const whenActive = (value: string) => `(CASE WHEN _c${index}_active THEN ${value} END)`;
    program.add(`_c${index}_status`, whenActive(sql.status));
    program.add(`_c${index}_deadline`, whenActive(`CAST(${sql.deadlineMs} AS BIGINT)`));
    program.add(`_c${index}_error`, whenActive(sql.error ?? 'NULL::VARCHAR'));
  }
  return clauses;
}

// ---------------------------------------------------------------------------
// 3. decisive

interface Decisive {
  /** `_chosen`: the decisive clause's index, NULL when no clause is active. */
  chosen: string;
  /** `_verdict`: the verdict the clauses give ('compliant' when none is active). */
  verdict: string;
  deadline: string;
  reason: string;
  /** `_overdue`: overdueDays (DOUBLE) of a violation with a deadline. */
  overdue: string;
}

const RANK = { violated: 3, 'due-soon': 2, ok: 1, review: 0 } as const;
/** Later than any deadline a key holds (2^53 ms; |deadline| ≤ 8.64e15 < 2^53): no deadline sorts last. */
const NO_DEADLINE = 2n ** 53n;

/**
 * decisive() as a maximum over BIGINT keys (HUGEINT arithmetic is five times
 * slower): key = rank · 2^55 · slots + (2^53 − deadline) · slots + (slots − 1 − position),
 * the position counted within the module (the only clauses a row has). A NaN
 * deadline is never earlier than another, nor another earlier than it: it wins its
 * rank when no active clause of that rank comes before it (−2^53), else it never
 * does (2^53: the clause before it wins the tie).
 */
function decisivePhase(program: DerivedColumns, categories: Categories, clauses: readonly CompiledClause[]): Decisive {
  const firstOfModule = new Map<CatalogModule, number>();
  for (const { index, module } of clauses) if (!firstOfModule.has(module)) firstOfModule.set(module, index);
  const perModule = Math.max(1, ...[...firstOfModule.keys()].map((module) => clauses.filter((clause) => clause.module === module).length));
  const slots = 2n ** BigInt(Math.ceil(Math.log2(perModule + 1)));
  if (slots > 64n) throw new Error(`A module has ${perModule} clauses: the SQL engine ranks at most 63 per module`);
  const rankUnit = 2n ** 55n * slots;
  for (const { index, module } of clauses) {
    const p = `_c${index}_`;
    const position = BigInt(index - firstOfModule.get(module)!);
    const earlierOfSameStatus = clauses
      .filter((other) => other.module === module && other.index < index)
      .map((other) => `coalesce(_c${other.index}_active AND _c${other.index}_status = ${p}status, false)`);
    const firstOfItsStatus = earlierOfSameStatus.length === 0 ? 'true' : `NOT (${earlierOfSameStatus.join(' OR ')})`;
    const deadlineKey =
      `(CASE WHEN ${p}deadline IS NULL THEN ${NO_DEADLINE} ` +
      `WHEN ${isNaNSql(`${p}deadline`)} THEN (CASE WHEN ${firstOfItsStatus} THEN ${-NO_DEADLINE} ELSE ${NO_DEADLINE} END) ` +
      `ELSE ${p}deadline END)`;
    const rank = `(CASE ${p}status ${Object.entries(RANK).map(([status, value]) => `WHEN '${status}' THEN ${value}`).join(' ')} END)`;
    program.add(
      `${p}key`,
      `(CASE WHEN ${p}active THEN ${rank} * ${rankUnit} + (${NO_DEADLINE} - ${deadlineKey}) * ${slots} + ${slots - 1n - position} END)`,
    );
  }
  const best = program.add('_best', `greatest(${clauses.map(({ index }) => `_c${index}_key`).join(', ')})`);
  const moduleStart = perCategory(categories, (k) => String(firstOfModule.get(k.module)));
  const chosen = program.add('_chosen', `CAST(${moduleStart} + ${slots - 1n} - ${best} % ${slots} AS INTEGER)`);
  const perChosen = (value: (clause: CompiledClause) => string) =>
    `(CASE ${chosen} ${clauses.map((clause) => `WHEN ${clause.index} THEN ${value(clause)}`).join(' ')} END)`;
  const deadline = program.add('_deadline', perChosen(({ index }) => `_c${index}_deadline`));
  // Only the decisive clause's reason is ever read: it is built for that clause alone.
  const reason = program.add('_reason', perChosen(({ sql }) => sql.reason));
  const verdict = program.add(
    '_verdict',
    `(CASE CAST(${best} // ${rankUnit} AS INTEGER) WHEN 3 THEN 'violation' WHEN 2 THEN 'due-soon' WHEN 0 THEN 'review' ELSE 'compliant' END)`,
  );
  const overdue = program.add(
    '_overdue',
    `(CASE WHEN ${verdict} = 'violation' AND ${deadline} IS NOT NULL THEN ${hundredthsValueSql(hundredthsOfDaysSql(deadline, c('captured_ms')))} END)`,
  );
  return { chosen, verdict, deadline, reason, overdue };
}

// ---------------------------------------------------------------------------
// 4. outcome

interface Outcome {
  /** `_outcome`: the finding's verdict. */
  verdict: string;
  /** `_failure`: the reason of an invalid finding. */
  failure: string;
  hold: string;
  /** `_waiver`: the index of the waiver that covers the item. */
  waiver: string;
}

/** evaluate()'s catch, then evaluateValid: unmapped, legal hold, waiver, the clauses' verdict. */
function outcomePhase(
  program: DerivedColumns,
  options: EngineOptions,
  categories: Categories,
  clauses: readonly CompiledClause[],
  decisive: Decisive,
): Outcome {
  const mapped = `${categories.column} IS NOT NULL`;
  const hold = program.add(
    '_hold',
    `coalesce(${mapped} AND ${c('hold_reason')} IS NOT NULL AND (${c('hold_until')} IS NULL OR ${c('hold_until_ms')} > ${c('captured_ms')}), false)`,
  );
  const waiverColumns = { tenantId: c('tenant_id'), module: c('module'), dataCategory: c('data_category'), resource: c('store_resource'), capturedMs: c('captured_ms') };
  const waiver = program.add(
    '_waiver',
    options.waivers.length === 0 ? 'NULL::INTEGER' : `(CASE WHEN ${mapped} AND NOT ${hold} THEN ${waiverIndexSql(options.waivers, waiverColumns)} END)`,
  );
  // In the order evaluateValid throws: the clauses, the decisive deadline, the hold's end, the waiver's expiry.
  const waiverErrors = waiverWordsSql(options.waivers).flatMap((words, i) => (words.error === null ? [] : [`WHEN ${i} THEN ${words.error}`]));
  const errors = [
    ...clauses.map(({ index }) => `_c${index}_error`),
    dateErrorSql(decisive.deadline),
    `(CASE WHEN ${hold} AND ${c('hold_until')} IS NOT NULL THEN ${dateErrorSql(c('hold_until_ms'))} END)`,
    ...(waiverErrors.length === 0 ? [] : [`(CASE ${waiver} ${waiverErrors.join(' ')} END)`]),
  ];
  const failure = program.add('_failure', `coalesce(${c('invalid_reason')}, (CASE WHEN ${mapped} THEN coalesce(${errors.join(', ')}) END))`);
  const verdict = program.add(
    '_outcome',
    `(CASE WHEN ${failure} IS NOT NULL THEN 'invalid' WHEN NOT ${mapped} THEN 'unmapped' WHEN ${hold} THEN 'exempt' ` +
      `WHEN ${waiver} IS NOT NULL THEN 'waived' ELSE ${decisive.verdict} END)`,
  );
  return { verdict, failure, hold, waiver };
}

// ---------------------------------------------------------------------------
// 5. finding

function findingJson(
  catalog: Catalog,
  options: EngineOptions,
  categories: Categories,
  clauses: readonly CompiledClause[],
  decisive: Decisive,
  outcome: Outcome,
): { json: string; severity: string } {
  const verdict = outcome.verdict;
  const unmappedReason =
    `(CASE WHEN ${equalsAnySql(c('module'), [...catalog.modules.keys()].map(sqlString))} ` +
    `THEN ${textSql("'Module '", c('module'), "' declares no data category '", c('data_category'), "', so no retention rule covers this data.'")} ` +
    `ELSE ${textSql("'Module '", c('module'), "' has no retention rules in the catalog, so nothing says how long this data may be kept.'")} END)`;
  const until = `(CASE WHEN ${c('hold_until')} IS NULL THEN ' with no end date' ELSE ' until ' || ${isoDaySql(c('hold_until_ms'))} END)`;
  const holdReason = textSql("'Under a legal hold ('", c('hold_reason'), "')'", until, "', so retention rules are suspended.'");
  const waiverReasons = waiverWordsSql(options.waivers).map((words, i) => `WHEN ${i} THEN ${words.reason ?? 'NULL'}`);
  const reason =
    `(CASE ${verdict} WHEN 'invalid' THEN ${outcome.failure} WHEN 'unmapped' THEN ${unmappedReason} WHEN 'exempt' THEN ${holdReason} ` +
    `WHEN 'waived' THEN (CASE ${outcome.waiver} ${waiverReasons.join(' ') || 'WHEN -1 THEN NULL'} END) ` +
    `ELSE (CASE WHEN ${c('record_count')} = 0 AND ${decisive.verdict} = 'compliant' THEN 'No records are held.' ` +
    `ELSE coalesce(${decisive.reason}, 'No retention clause applies to this data.') END) END)`;
  const severity = severitySql({
    verdict,
    special: `coalesce(${perCategory(categories, (k) => String(k.category.sensitivity === 'special'))}, false)`,
    overdueDays: decisive.overdue,
    recordCount: c('record_count'),
    bytes: c('bytes'),
  });
  const store =
    `(CASE WHEN ${c('store_type')} IS NULL OR ${c('store_resource')} IS NULL THEN 'null' ` +
    `ELSE ${textSql(`'{"type":'`, json(c('store_type')), `',"resource":'`, json(c('store_resource')), `(CASE WHEN ${c('store_region')} IS NULL THEN '' ELSE ',"region":' || ${json(c('store_region'))} END)`, "'}'")} END)`;
  // identity.ts: tenant, module, data category and store resource, joined by U+0001.
  const identity = (['tenant_id', 'module', 'data_category', 'store_resource'] as const).map((name) => `coalesce(${c(name)}, '')`);
  const fingerprint = `left(sha256(${identity.join(" || chr(1) || ")}), 20)`;
  // What only an evaluated item has (null for invalid and unmapped ones); constant JSON is written as it is.
  const evaluated = (sql: string) => `(CASE WHEN ${verdict} <> 'invalid' AND ${verdict} <> 'unmapped' THEN ${sql} ELSE 'null' END)`;
  const perClause = (value: (clause: CompiledClause) => unknown) =>
    `(CASE ${decisive.chosen} ${clauses.map((clause) => `WHEN ${clause.index} THEN ${sqlString(toJsonLine(value(clause)))}`).join(' ')} ELSE 'null' END)`;
  const fields: [keyof Finding, string][] = [
    ['itemId', json(c('item_id'))],
    ['snapshotId', json(c('snapshot_id'))],
    ['tenantId', json(c('tenant_id'))],
    ['module', json(c('module'))],
    ['dataCategory', json(c('data_category'))],
    ['store', store],
    ['owner', json(c('owner'))],
    ['recordCount', jsonNumberSql(c('record_count'))],
    ['bytes', jsonNumberSql(c('bytes'))],
    ['oldestRecordAt', json(c('oldest_record_at'))],
    ['capturedAt', json(c('captured_at'))],
    ['verdict', `'"' || ${verdict} || '"'`],
    ['severity', `'"' || ${severity} || '"'`],
    ['specialCategory', evaluated(perCategory(categories, (k) => sqlString(toJsonLine(k.category.specialCategory))))],
    ['ruleId', evaluated(perClause((clause) => clause.ruleId))],
    ['deadline', evaluated(json(isoSql(decisive.deadline)))],
    ['overdueDays', evaluated(jsonNumberSql(decisive.overdue))],
    ['reason', json(reason)],
    ['clause', evaluated(perClause((clause) => JSON.parse(clause.citationJson)))],
    ['fingerprint', `'"' || ${fingerprint} || '"'`],
  ];
  const waiverIds = options.waivers.map(({ waiver }, i) => `WHEN ${i} THEN ${sqlString(toJsonLine(waiver.id))}`);
  const hidden =
    `(CASE WHEN ${verdict} = 'exempt' OR ${verdict} = 'waived' THEN ',"underlyingVerdict":"' || ${decisive.verdict} || '"' ` +
    `|| (CASE WHEN ${verdict} = 'waived' THEN ',"waiverId":' || (CASE ${outcome.waiver} ${waiverIds.join(' ') || 'WHEN -1 THEN NULL'} END) ELSE '' END) ELSE '' END)`;
  const parts = fields.flatMap(([key, value], i) => [sqlString(`${i === 0 ? '{' : ','}${JSON.stringify(key)}:`), value]);
  return { json: textSql(...parts, hidden, "'}'"), severity };
}

// ---------------------------------------------------------------------------
// Small SQL helpers.

/** A value as JSON text: a string quoted and escaped, a number as DuckDB writes it, NULL as null. */
function json(value: string): string {
  return `coalesce(CAST(to_json(${value}) AS VARCHAR), 'null')`;
}

/** `value` equal to one of the SQL literals (an OR chain: DuckDB turns a long IN list into a join). */
function equalsAnySql(value: string, literals: readonly string[]): string {
  return `(${literals.map((literal) => `${value} = ${literal}`).join(' OR ')})`;
}

/** `value` one of the integers, as ranges of consecutive ones. */
function oneOfSql(value: string, integers: readonly number[]): string {
  const ranges: [number, number][] = [];
  for (const n of [...new Set(integers)].sort((a, b) => a - b)) {
    const last = ranges.at(-1);
    if (last && n === last[1] + 1) last[1] = n;
    else ranges.push([n, n]);
  }
  return `(${ranges.map(([low, high]) => (low === high ? `${value} = ${low}` : `${value} BETWEEN ${low} AND ${high}`)).join(' OR ')})`;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}
