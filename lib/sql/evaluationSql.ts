/**
 * Stage 3 of the SQL engine (lib/sql/relations.ts): the catalog compiled to one
 * SELECT over the validation result, giving for each row the finding that
 * lib/engine/evaluate.ts gives for the same item (the specification; the
 * differential test test/lib/sql/evaluationSql.test.ts keeps the two equal).
 *
 * One pass over the rows, without joins or subqueries: nested projections add
 * columns to each row, each computed only where it matters. The work per row is
 * what it costs (bench/evaluationSpeed.ts): a value read once is no column but SQL
 * inside its reader, and what only one module's rows need is computed in a branch
 * for that module (`perModule`). In phases:
 *
 * 1. category — `_cat`, the row's data category as an index into the catalog
 *    (NULL for an invalid or an unmapped item);
 * 2. clauses — for each clause of the catalog (in rule-file order) its kind's SQL
 *    (RuleKind.sql): the values it names, a column each for the rows of its
 *    categories (clauses naming the same SQL, such as the earliest of the same
 *    events, share one), and values several clauses share such as an event's
 *    instant; whether it applies and is active (activeRules) is SQL its readers inline;
 * 3. decisive — a rank key per clause of the row's module that orders results as
 *    decisive() does (status, then the earlier deadline, then the clause listed
 *    first); the greatest key names the decisive clause and holds its deadline,
 *    and that clause's reason alone is then built;
 * 4. outcome — what could not be evaluated (the errors of the row's module's
 *    clauses, then the dates evaluate() writes), legal hold, waiver, the verdict;
 * 5. finding — severity, fingerprint and the finding as JSON text, its keys in
 *    the order of the Finding object, written exactly as the reports write it
 *    (lib/report/FindingSorter.ts toJsonLine): directly for the items whose text
 *    needs no escaping (nearly all), else through to_json and lib/sql/jsonLineSql.ts.
 */
import type { Catalog, CatalogCategory, CatalogModule } from '../catalog/loadCatalog';
import { kindOf, type Clause } from '../catalog/ruleKindRegistry';
import type { ClauseSql, ClauseSqlContext } from '../catalog/ruleKinds/RuleKind';
import type { EngineOptions } from '../engine/evaluate';
import type { Finding } from '../model';
import { severitySql } from '../engine/severity';
import { waiverIndexSql, waiverWordsSql } from '../engine/waivers';
import { toJsonLine } from '../report/FindingSorter';
import { asJsonLineSql, jsonNumberSql, plainTextSql } from './jsonLineSql';
import type { FindingColumn } from './relations';
import {
  column as c,
  dateErrorSql,
  NAN_MS,
  hundredthsOfDaysSql,
  hundredthsTextSql,
  hundredthsValueSql,
  integerTextSql,
  isNaNSql,
  isoDaySql,
  isoJsonSql,
  isoSql,
  piecesSql,
  sqlString,
  textSql,
  type Piece,
} from './sqlText';

/**
 * The catalog as one SELECT over `checked` (a relation with the columns of
 * lib/sql/relations.ts CHECKED_COLUMNS): `ord`, `item_id` and `finding`, the
 * finding as JSON text whose JSON.parse deep-equals `evaluate(item, catalog, options)`.
 * A waiver glob RE2 cannot express calls `picomatch_dot`: register it on the
 * connection first (lib/sql/globFunction.ts registerGlobFunction). `carry`: columns of
 * `checked` the result keeps as they are.
 *
 * @example
 * registerGlobFunction(connection);
 * await connection.run(`CREATE TABLE findings AS ${evaluationSql(catalog, options, 'checked')}`);
 */
export function evaluationSql(catalog: Catalog, options: EngineOptions, checked: string, carry: readonly string[] = []): string {
  const program = new DerivedColumns();
  const categories = categoryPhase(program, catalog);
  const clauses = clausePhase(program, catalog, categories, options);
  const decisive = decisivePhase(program, categories, clauses);
  const outcome = outcomePhase(program, options, categories, decisive);
  const finding = findingJson(program, catalog, options, categories, clauses, decisive, outcome);
  const evaluated = (sql: string) => `(CASE WHEN ${outcome.verdict} <> 'invalid' AND ${outcome.verdict} <> 'unmapped' THEN ${sql} END)`;
  // The facts the run's tallies need (lib/sql/relations.ts FINDING_COLUMNS), beside the finding's text.
  const facts: Record<Exclude<FindingColumn, 'ord' | 'item_id' | 'finding'>, string> = {
    verdict: outcome.verdict,
    severity: finding.severity,
    special: evaluated(perCategoryFlag(categories, (k) => Boolean(k.category.specialCategory))),
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
    overdue_days: evaluated(decisive.overdue),
    fingerprint: finding.fingerprint,
  };
  // The columns of `checked` carried through as they are (the snapshot digest's: validationSql DIGEST_COLUMNS).
  const factColumns = [...Object.entries(facts).map(([name, sql]) => `${sql} AS ${name}`), ...carry];
  // Most lines are written directly; the others as to_json writes them, then rewritten where that differs from the reports.
  return (
    `SELECT ord, item_id, (CASE WHEN ${finding.fast} THEN duck_json ELSE ${asJsonLineSql('duck_json')} END) AS finding, ${[...Object.keys(facts), ...carry].join(', ')} ` +
    `FROM (SELECT ${c('ord')}, ${c('item_id')}, ${finding.fast}, (CASE WHEN ${finding.fast} THEN ${finding.fastJson} ELSE ${finding.slowJson} END) AS duck_json, ` +
    `${factColumns.join(', ')}\nFROM ${program.select(checked)})`
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

/**
 * Whether the row's category is one that `holds` (BOOLEAN, NULL for none), as
 * {@link perCategory} with 'true' and 'false' gives it, but tested with {@link oneOfSql}
 * (a bit of a constant mask): no list to build and index.
 */
function perCategoryFlag(categories: Categories, holds: (category: IndexedCategory) => boolean): string {
  return oneOfSql(categories.column, categories.all.filter(holds).map((k) => k.index));
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
  /**
   * Whether the clause governs the row's item (BOOLEAN SQL; false or NULL for other
   * categories): no column, as it is read only for the rows of the clause's module.
   */
  active: string;
  /** BIGINT SQL, meaningful where the clause is active (its key reads it). */
  deadline: string;
}

/** A clause as its kind compiled it, before the compiler adds when it governs a row. */
type KindClause = Omit<CompiledClause, 'active' | 'deadline'>;

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
  // A clause's values, by their SQL: clauses that compute the same value (the earliest of the same events) share one column.
  const values = new Map<string, { column: string; categories: Set<number> }>();
  const compiled: KindClause[] = [];
  for (const module of catalog.modules.values()) {
    for (const { ruleId, clause, citationJson } of clausesInOrder(module)) {
      const index = compiled.length;
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
          // Another column under a new name (one event's instant): read it as it is.
          if (/^_[A-Za-z0-9_]+$/.test(sql.trim())) return sql.trim();
          const value = values.get(sql) ?? { column: `_c${index}_v_${safeName(name)}`, categories: new Set<number>() };
          governed.forEach((k) => value.categories.add(k));
          values.set(sql, value);
          return value.column;
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
      const sql = kindOf(clause).sql(clause, context);
      compiled.push({ index, module, ruleId, clause, citationJson, categories: governed, sql });
    }
  }
  for (const [column, { sql, categories: used }] of shared) program.add(column, `(CASE WHEN ${inCategories([...used])} THEN ${sql} END)`);
  // Computed for the rows of the clauses' categories, whether the clause is active or not: every reader of a
  // clause's values (its key, error, deadline and reason) reads them for an active clause only.
  for (const [sql, { column, categories: used }] of values) program.add(column, `(CASE WHEN ${inCategories([...used])} THEN ${sql} END)`);

  // appliesTo, within the clause's categories (false or NULL elsewhere); a column only where a superseded clause reads it.
  const applies = (clause: KindClause) =>
    clause.sql.applies === undefined ? inCategories(clause.categories) : `(CASE WHEN ${inCategories(clause.categories)} THEN coalesce(${clause.sql.applies}, false) END)`;
  const superseding = (clause: KindClause) =>
    compiled.filter((other) => other.module === clause.module && other.clause.supersedes?.includes(clause.clause.id));
  const readApplies = new Set(compiled.flatMap((clause) => superseding(clause).map((other) => other.index)));
  for (const clause of compiled) if (readApplies.has(clause.index)) program.add(`_c${clause.index}_applies`, applies(clause));
  return compiled.map((clause) => {
    const own = readApplies.has(clause.index) ? `_c${clause.index}_applies` : applies(clause);
    // activeRules: out when an applying clause of the same category supersedes it.
    const superseded = superseding(clause).map((other) => `coalesce(_c${other.index}_applies, false)`);
    const active = superseded.length === 0 ? own : `(${own} AND NOT (${superseded.join(' OR ')}))`;
    return { ...clause, active, deadline: deadlineOf(program, clause, active) };
  });
}

/**
 * The clause's deadline as SQL, read only where the clause is active (by its key, three
 * times): a constant or a column as they are, anything else a column of its own.
 */
function deadlineOf(program: DerivedColumns, clause: KindClause, active: string): string {
  const sql = clause.sql.deadlineMs.trim();
  if (/^NULL(::BIGINT)?$/i.test(sql) || /^[A-Za-z_][A-Za-z0-9_]*$/.test(sql)) return `CAST(${sql} AS BIGINT)`;
  return program.add(`_c${clause.index}_deadline`, `(CASE WHEN ${active} THEN CAST(${sql} AS BIGINT) END)`);
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
  /** `_overdue_hundredths`: the same in hundredths of days (BIGINT), which print exactly. */
  overdueHundredths: string;
  modules: readonly ModuleRange[];
}

/** The statuses from the lowest rank (review) up: a status's rank is its position less one. */
const STATUSES_BY_RANK = ['review', 'ok', 'due-soon', 'violated'] as const;
/** Later than any deadline a key holds (2^53 ms; |deadline| ≤ 8.64e15 < 2^53): no deadline sorts last. */
const NO_DEADLINE = 2n ** 53n;

/** A module's categories and clauses, each a range of consecutive indexes. */
interface ModuleRange {
  categories: readonly number[];
  clauses: readonly CompiledClause[];
}

function moduleRanges(categories: Categories, clauses: readonly CompiledClause[]): ModuleRange[] {
  const modules = [...new Set(categories.all.map((k) => k.module))];
  return modules.map((module) => ({
    categories: categories.all.filter((k) => k.module === module).map((k) => k.index),
    clauses: clauses.filter((clause) => clause.module === module),
  }));
}

/**
 * A value per module of the row (NULL for an unmapped row, or a module without `value`):
 * only the row's module's SQL is evaluated, and each row takes a few comparisons to
 * find it (the categories of a module are consecutive).
 */
function perModule(categories: Categories, modules: readonly ModuleRange[], value: (module: ModuleRange) => string | null): string {
  const branches = modules.flatMap((module) => {
    const sql = value(module);
    return sql === null || module.categories.length === 0 ? [] : [{ low: module.categories[0]!, high: module.categories.at(-1)!, sql }];
  });
  return rangeSwitchSql(categories.column, branches);
}

/**
 * decisive() as a maximum over BIGINT keys (HUGEINT arithmetic is five times
 * slower): key = rank · 2^55 · slots + (2^53 − deadline) · slots + (slots − 1 − position),
 * the position counted within the module (the only clauses a row has). A NaN
 * deadline is never earlier than another, nor another earlier than it: it wins its
 * rank when no active clause of that rank comes before it (−2^53), else it never
 * does (2^53: the clause before it wins the tie). The keys are compared for the
 * row's module only, and are no columns: each is read once.
 */
function decisivePhase(program: DerivedColumns, categories: Categories, clauses: readonly CompiledClause[]): Decisive {
  const modules = moduleRanges(categories, clauses);
  const perModuleCount = Math.max(1, ...modules.map((module) => module.clauses.length));
  const slots = 2n ** BigInt(Math.ceil(Math.log2(perModuleCount + 1)));
  if (slots > 64n) throw new Error(`A module has ${perModuleCount} clauses: the SQL engine ranks at most 63 per module`);
  const rankUnit = 2n ** 55n * slots;
  const ranks = `[${STATUSES_BY_RANK.map((status) => `'${status}'`).join(', ')}]`;
  const key = (module: ModuleRange, clause: CompiledClause): string => {
    const position = BigInt(module.clauses.indexOf(clause));
    const status = `(${clause.sql.status})`;
    const deadline = clause.deadline;
    // Only for a NaN deadline (rare): whether an earlier active clause has the same status.
    const earlierStatuses = module.clauses.slice(0, Number(position)).map((other) => `(CASE WHEN ${other.active} THEN ${other.sql.status} END)`);
    const firstOfItsStatus = earlierStatuses.length === 0 ? 'true' : `NOT list_contains([${earlierStatuses.join(', ')}], ${status})`;
    const deadlinePart = /^CAST\(NULL/i.test(deadline)
      ? ''
      : ` + (${NO_DEADLINE} - (CASE WHEN ${deadline} IS NULL THEN ${NO_DEADLINE} ` +
        `WHEN ${isNaNSql(deadline)} THEN (CASE WHEN ${firstOfItsStatus} THEN ${-NO_DEADLINE} ELSE ${NO_DEADLINE} END) ` +
        `ELSE ${deadline} END)) * ${slots}`;
    return `(CASE WHEN ${clause.active} THEN (list_position(${ranks}, ${status}) - 1) * ${rankUnit}${deadlinePart} + ${slots - 1n - position} END)`;
  };
  const best = program.add(
    '_best',
    perModule(categories, modules, (module) =>
      module.clauses.length === 0 ? null : module.clauses.length === 1 ? key(module, module.clauses[0]!) : `greatest(${module.clauses.map((clause) => key(module, clause)).join(', ')})`,
    ),
  );
  const firstOfModule = new Map(modules.map((module) => [module, module.clauses[0]?.index ?? 0]));
  const moduleStart = perCategory(categories, (k) => String(firstOfModule.get(modules.find((module) => module.categories.includes(k.index))!)));
  const chosen = program.add('_chosen', `CAST(${moduleStart} + ${slots - 1n} - ${best} % ${slots} AS INTEGER)`);
  // The decisive deadline, read back from the key: a NaN deadline that is not first of its rank never wins (above).
  const deadlineKey = `(${NO_DEADLINE} - (${best} % ${rankUnit}) // ${slots})`;
  const deadline = program.add(
    '_deadline',
    `(CASE WHEN ${best} IS NULL OR ${deadlineKey} = ${NO_DEADLINE} THEN NULL WHEN ${deadlineKey} = ${-NO_DEADLINE} THEN ${NAN_MS} ELSE ${deadlineKey} END)`,
  );
  // Only the decisive clause's reason is ever read: it is built for that clause alone, once per distinct SQL
  // (clauses of the same kind, events and period read the same values, so their reasons are one).
  const reasons = [...new Set(clauses.map(({ sql }) => sql.reason))];
  const variant = program.add('_reason_variant', `[${clauses.map(({ sql }) => reasons.indexOf(sql.reason)).join(', ')}][${chosen} + 1]`);
  const reason = program.add('_reason', rangeSwitchSql(variant, reasons.map((sql, i) => ({ low: i, high: i, sql }))));
  const verdict = program.add(
    '_verdict',
    `(CASE CAST(${best} // ${rankUnit} AS INTEGER) WHEN 3 THEN 'violation' WHEN 2 THEN 'due-soon' WHEN 0 THEN 'review' ELSE 'compliant' END)`,
  );
  const overdueHundredths = program.add(
    '_overdue_hundredths',
    `(CASE WHEN ${verdict} = 'violation' AND ${deadline} IS NOT NULL THEN ${hundredthsOfDaysSql(deadline, c('captured_ms'))} END)`,
  );
  const overdue = program.add('_overdue', hundredthsValueSql(overdueHundredths));
  return { chosen, verdict, deadline, reason, overdue, overdueHundredths, modules };
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
function outcomePhase(program: DerivedColumns, options: EngineOptions, categories: Categories, decisive: Decisive): Outcome {
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
  // A clause's error, for the clauses of the row's module only.
  const clauseErrors = perModule(categories, decisive.modules, (module) => {
    const errors = module.clauses.flatMap((clause) => (clause.sql.error === undefined ? [] : [`(CASE WHEN ${clause.active} THEN ${clause.sql.error} END)`]));
    return errors.length === 0 ? null : errors.length === 1 ? errors[0]! : `coalesce(${errors.join(', ')})`;
  });
  const errors = [
    clauseErrors,
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

/** The finding as JSON text, two ways; `fast` (BOOLEAN column) says which a row takes. */
interface FindingText {
  /** Most rows: written directly, the facts of a valid item being text to_json and toJsonLine leave as it is. */
  fastJson: string;
  /** Every other row: through to_json, then lib/sql/jsonLineSql.ts asJsonLineSql. */
  slowJson: string;
  fast: string;
  /** `_severity`. */
  severity: string;
  /** `_fingerprint`: the line's, and the findings table's (the history's states take it). */
  fingerprint: string;
}

function findingJson(
  program: DerivedColumns,
  catalog: Catalog,
  options: EngineOptions,
  categories: Categories,
  clauses: readonly CompiledClause[],
  decisive: Decisive,
  outcome: Outcome,
): FindingText {
  const reason = program.add('_text_reason', findingReasonSql(catalog, options, decisive, outcome));
  const severity = program.add(
    '_severity',
    severitySql({
      verdict: outcome.verdict,
      special: `coalesce(${perCategoryFlag(categories, (k) => k.category.sensitivity === 'special')}, false)`,
      overdueDays: decisive.overdue,
      recordCount: c('record_count'),
      bytes: c('bytes'),
    }),
  );
  const fingerprint = program.add('_fingerprint', FINGERPRINT);
  const words = { reason, severity, fingerprint };
  return {
    fastJson: fastFindingJson(categories, clauses, decisive, outcome, words),
    slowJson: slowFindingJson(options, categories, clauses, decisive, outcome, words),
    fast: fastColumn(program, outcome, reason),
    severity,
    fingerprint,
  };
}

/** The finding's reason: evaluate()'s, for every verdict. */
function findingReasonSql(catalog: Catalog, options: EngineOptions, decisive: Decisive, outcome: Outcome): string {
  const unmappedReason =
    `(CASE WHEN ${equalsAnySql(c('module'), [...catalog.modules.keys()].map(sqlString))} ` +
    `THEN ${textSql("'Module '", c('module'), "' declares no data category '", c('data_category'), "', so no retention rule covers this data.'")} ` +
    `ELSE ${textSql("'Module '", c('module'), "' has no retention rules in the catalog, so nothing says how long this data may be kept.'")} END)`;
  const until = `(CASE WHEN ${c('hold_until')} IS NULL THEN ' with no end date' ELSE ' until ' || ${isoDaySql(c('hold_until_ms'))} END)`;
  const holdReason = textSql("'Under a legal hold ('", c('hold_reason'), "')'", until, "', so retention rules are suspended.'");
  const waiverReasons = waiverWordsSql(options.waivers).map((words, i) => `WHEN ${i} THEN ${words.reason ?? 'NULL'}`);
  return (
    `(CASE ${outcome.verdict} WHEN 'invalid' THEN ${outcome.failure} WHEN 'unmapped' THEN ${unmappedReason} WHEN 'exempt' THEN ${holdReason} ` +
    `WHEN 'waived' THEN (CASE ${outcome.waiver} ${waiverReasons.join(' ') || 'WHEN -1 THEN NULL'} END) ` +
    `ELSE (CASE WHEN ${c('record_count')} = 0 AND ${decisive.verdict} = 'compliant' THEN 'No records are held.' ` +
    `ELSE coalesce(${decisive.reason}, 'No retention clause applies to this data.') END) END)`
  );
}

/**
 * identity.ts fingerprintOf(identityKey): tenant, module, data category and store resource, joined by U+0001.
 * One concat(), which counts a NULL part as empty as identityKey's `?? ''` does, and copies the key once
 * where a chain of `||` and coalesce() copies it at each step. SHA-256 itself (two blocks for most keys)
 * stays the largest cost of a line: the contract fixes it, and DuckDB has no other implementation.
 */
const FINGERPRINT = `left(sha256(${textSql(...(['tenant_id', 'module', 'data_category', 'store_resource'] as const).flatMap((name, i) => (i === 0 ? [c(name)] : ['chr(1)', c(name)])))}), 20)`;

/** The fields in the order of the Finding object, each its JSON text as pieces. */
function objectPieces(fields: readonly (readonly [keyof Finding, readonly Piece[]])[], tail: Piece): Piece[] {
  return [...fields.flatMap(([key, value], i) => [`${i === 0 ? '{' : ','}${JSON.stringify(key)}:`, ...value]), tail, '}'];
}

/** The constant JSON of the decisive clause (toJsonLine's text), or null: a lookup in a constant list. */
function perChosenJson(clauses: readonly CompiledClause[], decisive: Decisive, value: (clause: CompiledClause) => unknown): string {
  return `coalesce([${clauses.map((clause) => sqlString(toJsonLine(value(clause)))).join(', ')}][${decisive.chosen} + 1], 'null')`;
}

/**
 * The line of a row that {@link fastColumn} lets through: a valid item (its required
 * facts are there, the item schema's `required`; its timestamps are RFC 3339 text)
 * whose strings are all written as they are between quotes. An unmapped item's line
 * takes the same path: what only an evaluated item has is null.
 */
function fastFindingJson(
  categories: Categories,
  clauses: readonly CompiledClause[],
  decisive: Decisive,
  outcome: Outcome,
  words: { reason: string; severity: string; fingerprint: string },
): string {
  const text = (sql: string): Piece[] => ['"', { sql }, '"'];
  // A column's text or null, with no string built for it: concat() skips a NULL part, so the column goes
  // between two quotes that are NULL with it ('null' in the first place), where `'"' || owner || '"'`
  // would build two strings before the line copies the second.
  const textOrNull = (column: string): Piece[] => [
    { sql: `(CASE WHEN ${column} IS NULL THEN 'null' ELSE '"' END)` },
    { sql: column },
    { sql: `(CASE WHEN ${column} IS NOT NULL THEN '"' END)` },
  ];
  const fields: [keyof Finding, Piece[]][] = [
    ['itemId', text(c('item_id'))],
    ['snapshotId', text(c('snapshot_id'))],
    ['tenantId', text(c('tenant_id'))],
    ['module', text(c('module'))],
    ['dataCategory', text(c('data_category'))],
    ['store', ['{"type":', ...text(c('store_type')), ',"resource":', ...text(c('store_resource')), ...regionPieces(c('store_region')), '}']],
    ['owner', textOrNull(c('owner'))],
    // Whole numbers up to 2^53 − 1 (the schema's counts).
    ['recordCount', [{ sql: integerTextSql(c('record_count')) }]],
    ['bytes', [{ sql: integerTextSql(c('bytes')) }]],
    ['oldestRecordAt', textOrNull(c('oldest_record_at'))],
    ['capturedAt', text(c('captured_at'))],
    ['verdict', text(outcome.verdict)],
    ['severity', text(words.severity)],
    ['specialCategory', [{ sql: `coalesce(${perCategory(categories, (k) => sqlString(toJsonLine(k.category.specialCategory)))}, 'null')` }]],
    ['ruleId', [{ sql: perChosenJson(clauses, decisive, (clause) => clause.ruleId) }]],
    ['deadline', [{ sql: `coalesce(${isoJsonSql(decisive.deadline)}, 'null')` }]],
    ['overdueDays', [{ sql: `coalesce(${hundredthsTextSql(decisive.overdueHundredths)}, 'null')` }]],
    ['reason', text(words.reason)],
    ['clause', [{ sql: perChosenJson(clauses, decisive, (clause) => JSON.parse(clause.citationJson)) }]],
    ['fingerprint', text(words.fingerprint)],
  ];
  const hidden = { sql: `(CASE WHEN ${outcome.verdict} = 'exempt' THEN ',"underlyingVerdict":"' || ${decisive.verdict} || '"' END)` };
  return piecesSql(objectPieces(fields, hidden));
}

/** The store's `,"region":"…"` when it has one, nothing else: its key and quotes are NULL with the column (concat() skips them). */
function regionPieces(column: string): Piece[] {
  return [{ sql: `(CASE WHEN ${column} IS NOT NULL THEN ',"region":"' END)` }, { sql: column }, { sql: `(CASE WHEN ${column} IS NOT NULL THEN '"' END)` }];
}

/** The line of any row, each text through to_json (asJsonLineSql then writes it as toJsonLine does). */
function slowFindingJson(
  options: EngineOptions,
  categories: Categories,
  clauses: readonly CompiledClause[],
  decisive: Decisive,
  outcome: Outcome,
  words: { reason: string; severity: string; fingerprint: string },
): string {
  const verdict = outcome.verdict;
  const store =
    `(CASE WHEN ${c('store_type')} IS NULL OR ${c('store_resource')} IS NULL THEN 'null' ` +
    `ELSE ${textSql(`'{"type":'`, json(c('store_type')), `',"resource":'`, json(c('store_resource')), `(CASE WHEN ${c('store_region')} IS NULL THEN '' ELSE ',"region":' || ${json(c('store_region'))} END)`, "'}'")} END)`;
  // What only an evaluated item has (null for invalid and unmapped ones); constant JSON is written as it is.
  const evaluated = (sql: string): Piece[] => [{ sql: `(CASE WHEN ${verdict} <> 'invalid' AND ${verdict} <> 'unmapped' THEN ${sql} ELSE 'null' END)` }];
  const value = (sql: string): Piece[] => [{ sql }];
  const fields: [keyof Finding, Piece[]][] = [
    ['itemId', value(json(c('item_id')))],
    ['snapshotId', value(json(c('snapshot_id')))],
    ['tenantId', value(json(c('tenant_id')))],
    ['module', value(json(c('module')))],
    ['dataCategory', value(json(c('data_category')))],
    ['store', value(store)],
    ['owner', value(json(c('owner')))],
    ['recordCount', value(jsonNumberSql(c('record_count')))],
    ['bytes', value(jsonNumberSql(c('bytes')))],
    ['oldestRecordAt', value(json(c('oldest_record_at')))],
    ['capturedAt', value(json(c('captured_at')))],
    ['verdict', ['"', { sql: verdict }, '"']],
    ['severity', ['"', { sql: words.severity }, '"']],
    ['specialCategory', evaluated(perCategory(categories, (k) => sqlString(toJsonLine(k.category.specialCategory))))],
    ['ruleId', evaluated(perChosenJson(clauses, decisive, (clause) => clause.ruleId))],
    ['deadline', evaluated(json(isoSql(decisive.deadline)))],
    ['overdueDays', evaluated(jsonNumberSql(decisive.overdue))],
    ['reason', value(json(words.reason))],
    ['clause', evaluated(perChosenJson(clauses, decisive, (clause) => JSON.parse(clause.citationJson)))],
    ['fingerprint', ['"', { sql: words.fingerprint }, '"']],
  ];
  const waiverIds = options.waivers.map(({ waiver }, i) => `WHEN ${i} THEN ${sqlString(toJsonLine(waiver.id))}`);
  const hidden = {
    sql:
      `(CASE WHEN ${verdict} = 'exempt' OR ${verdict} = 'waived' THEN ',"underlyingVerdict":"' || ${decisive.verdict} || '"' ` +
      `|| (CASE WHEN ${verdict} = 'waived' THEN ',"waiverId":' || (CASE ${outcome.waiver} ${waiverIds.join(' ') || 'WHEN -1 THEN NULL'} END) ELSE '' END) ELSE '' END)`,
  };
  return piecesSql(objectPieces(fields, hidden));
}

/**
 * `_fast`: whether the row's line is {@link fastFindingJson}'s: an item that is valid
 * (not invalid, neither by validation nor by evaluation) and not waived (a waiver's
 * words are its own), whose text the line repeats is written as it is
 * (lib/sql/jsonLineSql.ts plainTextSql): the item's strings, and the reason (which
 * quotes the item's legal hold, module and category, and the catalog's words).
 */
function fastColumn(program: DerivedColumns, outcome: Outcome, reason: string): string {
  const texts = [
    ...(['item_id', 'snapshot_id', 'tenant_id', 'module', 'data_category', 'store_type', 'store_resource', 'store_region', 'owner'] as const).map(c),
    reason,
  ];
  const verdict = outcome.verdict;
  const plain = program.add('_plain_texts', `(CASE WHEN ${verdict} <> 'invalid' AND ${verdict} <> 'waived' THEN ${textSql(...texts)} END)`);
  return program.add('_fast', `coalesce(${plainTextSql(plain)}, false)`);
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

/**
 * A value per range of an integer (`value` BETWEEN low AND high; NULL outside every
 * range): a balanced tree of comparisons, a few per row where a chain of WHENs takes
 * one per branch before the row's.
 *
 * @example
 * rangeSwitchSql('_cat', [{ low: 0, high: 2, sql: "'a'" }, { low: 3, high: 3, sql: "'b'" }])
 * // "(CASE WHEN _cat < 3 THEN (CASE WHEN _cat BETWEEN 0 AND 2 THEN 'a' END) ELSE (CASE WHEN _cat = 3 THEN 'b' END) END)"
 */
function rangeSwitchSql(value: string, branches: readonly { low: number; high: number; sql: string }[]): string {
  if (branches.length === 0) return 'NULL';
  if (branches.length === 1) {
    const { low, high, sql } = branches[0]!;
    return `(CASE WHEN ${low === high ? `${value} = ${low}` : `${value} BETWEEN ${low} AND ${high}`} THEN ${sql} END)`;
  }
  const middle = Math.floor(branches.length / 2);
  return `(CASE WHEN ${value} < ${branches[middle]!.low} THEN ${rangeSwitchSql(value, branches.slice(0, middle))} ELSE ${rangeSwitchSql(value, branches.slice(middle))} END)`;
}

/**
 * `value` (an INTEGER, e.g. `_cat`) one of the integers: one comparison for a single
 * range of consecutive integers; for several, when all lie in 0 to 30, a test of the
 * value's bit in a constant mask — three arithmetic steps per row where an OR of
 * ranges takes two comparisons per range, then merges and sorts the rows each one
 * selects. Exact: bit `value` of the mask (a positive INTEGER) is set for exactly the
 * listed integers; DuckDB gives 0 for a shift by 31 or more and for a negative one, so
 * any other value is false, and NULL gives NULL, as the comparisons do.
 *
 * @example
 * oneOfSql('_cat', [1, 2, 3]) // '(_cat BETWEEN 1 AND 3)'
 * oneOfSql('_cat', [1, 4, 5]) // '(((50 >> _cat) & 1) = 1)'
 */
function oneOfSql(value: string, integers: readonly number[]): string {
  const sorted = [...new Set(integers)].sort((a, b) => a - b);
  // None: false, or NULL for a NULL value.
  if (sorted.length === 0) return `(${value} <> ${value})`;
  const ranges: [number, number][] = [];
  for (const n of sorted) {
    const last = ranges.at(-1);
    if (last && n === last[1] + 1) last[1] = n;
    else ranges.push([n, n]);
  }
  if (ranges.length > 1 && sorted[0]! >= 0 && sorted.at(-1)! <= 30) {
    const mask = sorted.reduce((bits, n) => bits | (1 << n), 0);
    return `(((${mask} >> ${value}) & 1) = 1)`;
  }
  return `(${ranges.map(([low, high]) => (low === high ? `${value} = ${low}` : `${value} BETWEEN ${low} AND ${high}`)).join(' OR ')})`;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}
