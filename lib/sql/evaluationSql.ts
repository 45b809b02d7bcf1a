/**
 * Stage 3 of the SQL engine (lib/sql/relations.ts): the catalog compiled to one
 * SELECT over the validation result, giving for each row the finding that
 * lib/engine/evaluate.ts gives for the same item.
 *
 * The program is one pass, without joins or subqueries per row. Nested
 * projections add columns to each row, each computed only where it matters:
 *
 * 1. `_cat`: the row's data category (an index into the catalog), or NULL for an
 *    invalid or unmapped item;
 * 2. per clause of the catalog (`_c<n>_…`, n in the order of the rule files):
 *    whether it applies and is active (activeRules: appliesTo, less the clauses
 *    an applying clause supersedes), then its kind's SQL (RuleKind.sql: values
 *    shared between clauses such as an event's instant, the clause's own values,
 *    then status, deadline, reason and error) — all NULL unless the clause is active;
 * 3. per clause, a rank key (HUGEINT) that orders the clause results as decisive()
 *    does: status, then the earlier deadline (none last), then the clause listed
 *    first; `greatest` over the keys picks the decisive clause;
 * 4. the verdict, legal hold, waiver, severity and fingerprint, and the finding as
 *    JSON text in the key order of the Finding object.
 */
import type { Catalog, CatalogModule } from '../catalog/loadCatalog';
import { kindOf, type Clause } from '../catalog/ruleKindRegistry';
import type { ClauseSql, ClauseSqlContext } from '../catalog/ruleKinds/RuleKind';
import type { EngineOptions } from '../engine/evaluate';
import { severitySql } from '../engine/severity';
import { waiverIndexSql, waiverWordsSql } from '../engine/waivers';
import { column as c, dateErrorSql, hundredthsOfDaysSql, hundredthsValueSql, isNaNSql, isoDaySql, isoSql, sqlString } from './sqlText';

/** A column the program adds to each row: its SQL, and the columns it reads. */
interface Derived {
  name: string;
  sql: string;
}

/** The added columns, placed in nested projections so that each reads only columns of the projections below it. */
class DerivedColumns {
  private readonly byName = new Map<string, Derived>();

  add(name: string, sql: string): string {
    if (this.byName.has(name)) throw new Error(`SQL column ${name} is defined twice`);
    this.byName.set(name, { name, sql });
    return name;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  sqlOf(name: string): string | undefined {
    return this.byName.get(name)?.sql;
  }

  /** `SELECT *, … FROM (SELECT *, … FROM relation)`: one projection per depth. */
  select(relation: string): string {
    const depth = new Map<string, number>();
    const depthOf = (name: string): number => {
      const known = depth.get(name);
      if (known !== undefined) return known;
      const derived = this.byName.get(name)!;
      const reads = (derived.sql.match(/\b_[A-Za-z0-9_]+/g) ?? []).filter((word) => word !== name && this.byName.has(word));
      const value = 1 + Math.max(0, ...reads.map(depthOf));
      depth.set(name, value);
      return value;
    };
    const layers: Derived[][] = [];
    for (const derived of this.byName.values()) (layers[depthOf(derived.name) - 1] ??= []).push(derived);
    if (process.env.EVALUATION_SQL_DEBUG) layers.forEach((layer, i) => console.error(`layer ${i + 1}: ${layer.map((d) => d.name).join(' ')}`));
    return layers.reduce(
      (from, layer) => `(SELECT *, ${layer.map((d) => `${d.sql} AS ${d.name}`).join(',\n  ')}\nFROM ${from})`,
      relation,
    );
  }
}

interface CompiledClause {
  index: number;
  moduleIndex: number;
  ruleId: string;
  clause: Clause;
  /** Indexes of the data categories (in `_cat`) the clause governs. */
  categories: number[];
  citationJson: string;
}

/** A module's clauses in the order of its rule file: the order every category lists them in. */
function clausesInOrder(module: CatalogModule): { ruleId: string; clause: Clause; citationJson: string }[] {
  const sequences = [...module.categories.values()].map((category) => category.rules);
  const rules = new Map(sequences.flat().map((rule) => [rule.ruleId, rule]));
  const after = new Map<string, Set<string>>([...rules.keys()].map((id) => [id, new Set<string>()]));
  for (const sequence of sequences) {
    for (let i = 1; i < sequence.length; i += 1) after.get(sequence[i]!.ruleId)!.add(sequence[i - 1]!.ruleId);
  }
  const ordered: string[] = [];
  while (ordered.length < rules.size) {
    const next = [...rules.keys()].find((id) => !ordered.includes(id) && [...after.get(id)!].every((before) => ordered.includes(before)));
    if (next === undefined) throw new Error(`The clauses of module ${module.id} have no order`);
    ordered.push(next);
  }
  return ordered.map((id) => {
    const rule = rules.get(id)!;
    return { ruleId: id, clause: rule.clause, citationJson: JSON.stringify(rule.citation) };
  });
}

const RANK = { violated: 3, 'due-soon': 2, ok: 1, review: 0 } as const;
/** Beyond any deadline a key holds (2^60 ms); NaN deadlines sort at either end (decisive() never finds NaN earlier, nor anything earlier than NaN). */
const NO_DEADLINE = 2n ** 60n;

/**
 * The catalog as one SELECT over `checked` (a relation with the columns of
 * lib/sql/relations.ts CHECKED_COLUMNS): `ord`, `item_id` and `finding`, the
 * finding as JSON whose JSON.parse deep-equals `evaluate(item, catalog, options)`.
 * A waiver glob that RE2 cannot express calls picomatch_dot: register it first
 * with lib/sql/globFunction.ts registerGlobFunction.
 *
 * @example
 * await connection.run(`CREATE TABLE findings AS ${evaluationSql(catalog, options, 'checked')}`);
 */
export function evaluationSql(catalog: Catalog, options: EngineOptions, checked: string): string {
  const columns = new DerivedColumns();

  // 1. The data category of each valid item, by index.
  const categories: { module: CatalogModule; id: string; name: string; special: boolean; specialCategory: string | null }[] = [];
  const moduleCases: string[] = [];
  for (const module of catalog.modules.values()) {
    const whens = [...module.categories.values()].map((category) => {
      categories.push({ module, id: category.id, name: category.name, special: category.sensitivity === 'special', specialCategory: category.specialCategory });
      return `WHEN ${sqlString(category.id)} THEN ${categories.length - 1}`;
    });
    moduleCases.push(`WHEN ${sqlString(module.id)} THEN (CASE ${c('data_category')} ${whens.join(' ')} END)`);
  }
  const cat = columns.add('_cat', `(CASE WHEN ${c('invalid_reason')} IS NULL THEN (CASE ${c('module')} ${moduleCases.join(' ')} END) END)`);
  const categoryIndex = (module: CatalogModule, id: string) => categories.findIndex((k) => k.module === module && k.id === id);

  // 2. Every clause of every module, its kind's SQL guarded by whether it is active.
  const clauses: CompiledClause[] = [];
  [...catalog.modules.values()].forEach((module, moduleIndex) => {
    for (const { ruleId, clause, citationJson } of clausesInOrder(module)) {
      const governed = [...module.categories.values()].filter((category) => category.rules.some((rule) => rule.ruleId === ruleId));
      clauses.push({
        index: clauses.length,
        moduleIndex,
        ruleId,
        clause,
        categories: governed.map((category) => categoryIndex(module, category.id)),
        citationJson,
      });
    }
  });
  const inCategories = (indexes: readonly number[]) => oneOfSql(cat, indexes);
  const shared = new Map<string, { sql: string; categories: Set<number> }>();
  const compiled = clauses.map((compiledClause) => {
    const { index, clause } = compiledClause;
    const prefix = `_c${index}_`;
    const active = `${prefix}active`;
    const names = new Set<string>();
    const context: ClauseSqlContext = {
      categoryName:
        compiledClause.categories.length === 1
          ? sqlString(categories[compiledClause.categories[0]!]!.name)
          : `(CASE ${cat} ${compiledClause.categories.map((k) => `WHEN ${k} THEN ${sqlString(categories[k]!.name)}`).join(' ')} END)`,
      options,
      let: (name, sql) => {
        const column = `${prefix}${safeName(name)}`;
        if (names.has(column)) throw new Error(`Clause ${compiledClause.ruleId} names ${name} twice in its SQL`);
        names.add(column);
        return columns.add(column, `(CASE WHEN ${active} THEN ${sql} END)`);
      },
      shared: (name, sql) => {
        const column = `_s_${safeName(name)}`;
        const known = shared.get(column);
        if (known && known.sql !== sql) throw new Error(`The shared SQL value ${name} is defined twice, differently`);
        const entry = known ?? { sql, categories: new Set<number>() };
        compiledClause.categories.forEach((k) => entry.categories.add(k));
        shared.set(column, entry);
        return column;
      },
    };
    return { ...compiledClause, sql: kindOf(clause).sql(clause, context) };
  });
  for (const [name, { sql, categories: used }] of shared) columns.add(name, `(CASE WHEN ${inCategories([...used].sort((a, b) => a - b))} THEN ${sql} END)`);

  for (const { index, categories: governed, sql } of compiled) {
    columns.add(`_c${index}_applies`, `(CASE WHEN ${inCategories(governed)} THEN coalesce(${sql.applies ?? 'true'}, false) END)`);
  }
  for (const { index, clause, moduleIndex } of compiled) {
    // activeRules: a clause is out when an applying clause of the same category supersedes it.
    const superseding = compiled.filter((other) => other.moduleIndex === moduleIndex && other.clause.supersedes?.includes(clause.id));
    const superseded = superseding.map((other) => `coalesce(_c${other.index}_applies, false)`);
    columns.add(`_c${index}_active`, superseded.length === 0 ? `_c${index}_applies` : `(_c${index}_applies AND NOT (${superseded.join(' OR ')}))`);
  }
  for (const { index, sql } of compiled) addResults(columns, index, sql);

  // 3. decisive(): the greatest key is the decisive clause.
  const slots = 2n ** BigInt(Math.max(1, Math.ceil(Math.log2(clauses.length + 1))));
  const rankUnit = 2n ** 62n * slots;
  for (const { index, moduleIndex } of compiled) {
    const p = `_c${index}_`;
    const earlierSameStatus = compiled
      .filter((other) => other.moduleIndex === moduleIndex && other.index < index)
      .map((other) => `coalesce(_c${other.index}_active AND _c${other.index}_status = ${p}status, false)`);
    const firstOfItsStatus = earlierSameStatus.length === 0 ? 'true' : `NOT (${earlierSameStatus.join(' OR ')})`;
    const deadlineKey =
      `(CASE WHEN ${p}deadline IS NULL THEN ${NO_DEADLINE} ` +
      `WHEN ${isNaNSql(`${p}deadline`)} THEN (CASE WHEN ${firstOfItsStatus} THEN ${-NO_DEADLINE} ELSE ${NO_DEADLINE} END) ` +
      `ELSE ${p}deadline END)`;
    const rank = `(CASE ${p}status ${Object.entries(RANK).map(([status, rank]) => `WHEN '${status}' THEN ${rank}`).join(' ')} END)`;
    columns.add(
      `${p}key`,
      `(CASE WHEN ${p}active THEN CAST(${rank} AS HUGEINT) * ${hugeint(rankUnit)} + (${hugeint(2n ** 61n)} - ${deadlineKey}) * ${slots} + ${slots - 1n - BigInt(index)} END)`,
    );
  }
  const best = columns.add('_best', `greatest(${compiled.map(({ index }) => `_c${index}_key`).join(', ')})`);
  const chosen = columns.add('_chosen', `CAST(${slots - 1n} - ${best} % ${slots} AS INTEGER)`);
  const pick = (column: string, fallback = 'NULL') =>
    `(CASE ${chosen} ${compiled.map(({ index }) => `WHEN ${index} THEN _c${index}_${column}`).join(' ')} ELSE ${fallback} END)`;
  const pickConstant = (value: (clause: CompiledClause) => string) =>
    `(CASE ${chosen} ${compiled.map((clause) => `WHEN ${clause.index} THEN ${value(clause)}`).join(' ')} END)`;
  const deadline = columns.add('_deadline', pick('deadline'));
  // Only the decisive clause's reason is ever read: it is built for that clause alone.
  const chosenReason = columns.add(
    '_chosen_reason',
    `(CASE ${chosen} ${compiled.map(({ index, sql }) => `WHEN ${index} THEN ${sql.reason}`).join(' ')} END)`,
  );
  const verdict = columns.add(
    '_verdict',
    `(CASE WHEN ${best} IS NULL THEN 'compliant' ELSE (CASE CAST(${best} // ${hugeint(rankUnit)} AS INTEGER) ` +
      `WHEN 3 THEN 'violation' WHEN 2 THEN 'due-soon' WHEN 1 THEN 'compliant' ELSE 'review' END) END)`,
  );
  const capturedMs = c('captured_ms');
  const overdue = columns.add(
    '_overdue',
    `(CASE WHEN ${verdict} = 'violation' AND ${deadline} IS NOT NULL THEN ${hundredthsValueSql(hundredthsOfDaysSql(deadline, capturedMs))} END)`,
  );

  // 4. Legal hold, then waivers (evaluateValid), and what could not be evaluated.
  const holdActive = columns.add(
    '_hold',
    `coalesce(${cat} IS NOT NULL AND ${c('hold_reason')} IS NOT NULL AND (${c('hold_until')} IS NULL OR ${c('hold_until_ms')} > ${capturedMs}), false)`,
  );
  const waivers = waiverWordsSql(options.waivers);
  const waiver = columns.add(
    '_waiver',
    options.waivers.length === 0
      ? 'NULL::INTEGER'
      : `(CASE WHEN ${cat} IS NOT NULL AND NOT ${holdActive} THEN ${waiverIndexSql(options.waivers, {
          tenantId: c('tenant_id'),
          module: c('module'),
          dataCategory: c('data_category'),
          resource: c('store_resource'),
          capturedMs,
        })} END)`,
  );
  const waiverErrors = waivers.flatMap((w, i) => (w.error === null ? [] : [`WHEN ${i} THEN ${w.error}`]));
  const evaluationError = [
    ...compiled.map(({ index }) => `_c${index}_error`),
    dateErrorSql(deadline),
    `(CASE WHEN ${holdActive} AND ${c('hold_until')} IS NOT NULL THEN ${dateErrorSql(c('hold_until_ms'))} END)`,
    ...(waiverErrors.length === 0 ? [] : [`(CASE ${waiver} ${waiverErrors.join(' ')} END)`]),
  ];
  const failure = columns.add(
    '_failure',
    `coalesce(${c('invalid_reason')}, (CASE WHEN ${cat} IS NOT NULL THEN coalesce(${evaluationError.join(', ')}) END))`,
  );
  const outcome = columns.add(
    '_outcome',
    `(CASE WHEN ${failure} IS NOT NULL THEN 'invalid' WHEN ${cat} IS NULL THEN 'unmapped' WHEN ${holdActive} THEN 'exempt' ` +
      `WHEN ${waiver} IS NOT NULL THEN 'waived' ELSE ${verdict} END)`,
  );

  const evaluated = `${outcome} NOT IN ('invalid', 'unmapped')`;
  const categoryConstant = (value: (k: (typeof categories)[number]) => string) =>
    `(CASE ${cat} ${categories.map((k, i) => `WHEN ${i} THEN ${value(k)}`).join(' ')} END)`;
  const special = categoryConstant((k) => String(k.special));
  const unmappedReason =
    `(CASE WHEN ${equalsAnySql(c('module'), [...catalog.modules.keys()].map(sqlString))} ` +
    `THEN 'Module ' || ${c('module')} || ' declares no data category ' || ${c('data_category')} || ', so no retention rule covers this data.' ` +
    `ELSE 'Module ' || ${c('module')} || ' has no retention rules in the catalog, so nothing says how long this data may be kept.' END)`;
  const holdReason =
    `'Under a legal hold (' || ${c('hold_reason')} || ')' || (CASE WHEN ${c('hold_until')} IS NULL THEN ' with no end date' ` +
    `ELSE ' until ' || ${isoDaySql(c('hold_until_ms'))} END) || ', so retention rules are suspended.'`;
  const waiverReason = `(CASE ${waiver} ${waivers.map((w, i) => `WHEN ${i} THEN ${w.reason ?? 'NULL'}`).join(' ') || 'WHEN -1 THEN NULL'} END)`;
  const reason =
    `(CASE ${outcome} WHEN 'invalid' THEN ${failure} WHEN 'unmapped' THEN ${unmappedReason} WHEN 'exempt' THEN ${holdReason} ` +
    `WHEN 'waived' THEN ${waiverReason} ` +
    `ELSE (CASE WHEN ${c('record_count')} = 0 AND ${verdict} = 'compliant' THEN 'No records are held.' ` +
    `ELSE coalesce(${chosenReason}, 'No retention clause applies to this data.') END) END)`;
  const severity = severitySql({
    verdict: outcome,
    special: `coalesce(${special}, false)`,
    overdueDays: overdue,
    recordCount: c('record_count'),
    bytes: c('bytes'),
  });
  const store =
    `(CASE WHEN ${c('store_type')} IS NULL OR ${c('store_resource')} IS NULL THEN 'null' ` +
    `ELSE '{"type":' || ${json(c('store_type'))} || ',"resource":' || ${json(c('store_resource'))} || ` +
    `(CASE WHEN ${c('store_region')} IS NULL THEN '' ELSE ',"region":' || ${json(c('store_region'))} END) || '}' END)`;
  const identity = ['tenant_id', 'module', 'data_category', 'store_resource'] as const;
  const fingerprint = `left(sha256(${identity.map((name) => `coalesce(${c(name)}, '')`).join(' || chr(1) || ')}), 20)`;
  // What evaluateValid decides; null for invalid and unmapped items. Constant JSON (rule ids, citations) is written as is.
  const decided = (sql: string) => `(CASE WHEN ${evaluated} THEN ${sql} ELSE 'null' END)`;
  const constantJson = (value: (clause: CompiledClause) => unknown) =>
    `(CASE ${chosen} ${compiled.map((clause) => `WHEN ${clause.index} THEN ${sqlString(JSON.stringify(value(clause)))}`).join(' ')} ELSE 'null' END)`;
  const fields: [string, string][] = [
    ['itemId', json(c('item_id'))],
    ['snapshotId', json(c('snapshot_id'))],
    ['tenantId', json(c('tenant_id'))],
    ['module', json(c('module'))],
    ['dataCategory', json(c('data_category'))],
    ['store', store],
    ['owner', json(c('owner'))],
    ['recordCount', json(c('record_count'))],
    ['bytes', json(c('bytes'))],
    ['oldestRecordAt', json(c('oldest_record_at'))],
    ['capturedAt', json(c('captured_at'))],
    ['verdict', `'"' || ${outcome} || '"'`],
    ['severity', `'"' || ${severity} || '"'`],
    ['specialCategory', decided(categoryConstant((k) => sqlString(JSON.stringify(k.specialCategory))))],
    ['ruleId', decided(constantJson((clause) => clause.ruleId))],
    ['deadline', decided(json(isoSql(deadline)))],
    ['overdueDays', decided(json(overdue))],
    ['reason', json(reason)],
    ['clause', decided(constantJson((clause) => JSON.parse(clause.citationJson)))],
    ['fingerprint', `'"' || ${fingerprint} || '"'`],
  ];
  const waiverIds = options.waivers.map(({ waiver: w }, i) => `WHEN ${i} THEN ${sqlString(JSON.stringify(w.id))}`);
  const hidden =
    `(CASE WHEN ${outcome} = 'exempt' OR ${outcome} = 'waived' THEN ',"underlyingVerdict":"' || ${verdict} || '"' ` +
    `|| (CASE WHEN ${outcome} = 'waived' THEN ',"waiverId":' || (CASE ${waiver} ${waiverIds.join(' ') || 'WHEN -1 THEN NULL'} END) ELSE '' END) ELSE '' END)`;
  // One concat() call: a chain of || copies the text built so far at every step.
  const parts = fields.flatMap(([key, value], i) => [sqlString(`${i === 0 ? '{' : ','}${JSON.stringify(key)}:`), value]);
  const finding = `concat(${[...parts, hidden, "'}'"].join(', ')})`;
  return `SELECT ${c('ord')}, ${c('item_id')}, ${finding} AS finding\nFROM ${columns.select(checked)}`;
}

/** The results of one clause, each NULL unless the clause is active. */
function addResults(columns: DerivedColumns, index: number, sql: ClauseSql): void {
  const p = `_c${index}_`;
  const guarded = (value: string) => `(CASE WHEN ${p}active THEN ${value} END)`;
  columns.add(`${p}status`, guarded(sql.status));
  columns.add(`${p}deadline`, guarded(`CAST(${sql.deadlineMs} AS BIGINT)`));
  columns.add(`${p}error`, guarded(sql.error ?? 'NULL::VARCHAR'));
}

/** A value as JSON text: a string quoted and escaped, a number as written, NULL as null. */
function json(value: string): string {
  return `coalesce(CAST(to_json(${value}) AS VARCHAR), 'null')`;
}

/** `value` equal to one of the SQL literals (an OR chain: DuckDB turns a long IN list into a join). */
function equalsAnySql(value: string, literals: readonly string[]): string {
  return `(${literals.map((literal) => `${value} = ${literal}`).join(' OR ')})`;
}

/** `value` one of the integers, as ranges of consecutive ones. */
function oneOfSql(value: string, integers: readonly number[]): string {
  const sorted = [...new Set(integers)].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (const n of sorted) {
    const last = ranges.at(-1);
    if (last && n === last[1] + 1) last[1] = n;
    else ranges.push([n, n]);
  }
  return `(${ranges.map(([low, high]) => (low === high ? `${value} = ${low}` : `${value} BETWEEN ${low} AND ${high}`)).join(' OR ')})`;
}

function hugeint(value: bigint): string {
  return `CAST('${value}' AS HUGEINT)`;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}
