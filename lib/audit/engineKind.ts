/**
 * Which engine evaluates the items: the catalog compiled to SQL and run by an
 * embedded DuckDB, or the TypeScript engine (lib/engine/evaluate.ts), which is
 * the executable specification the SQL engine is tested against. A module of
 * its own so the configuration can name them without loading either engine.
 */
import type { ItemEstimate } from '../inventory/InventorySource';

export const ENGINES = ['sql', 'reference'] as const;
export type EngineKind = (typeof ENGINES)[number];

/** What a run may be told: an engine, or `auto`, which picks one by the snapshot's size (see {@link chooseEngine}). */
export const ENGINE_CHOICES = ['auto', ...ENGINES] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

/**
 * From this many items, `auto` evaluates a run in one process with the SQL engine; below it,
 * with the reference engine, which starts quicker and holds less memory. Both write the same
 * reports (test/lib/audit/engines.test.ts). Measured with the compiled CLI, history on (a first
 * run, then one that diffs it), two cores: 1,000 items reference 0.6–0.8 s, SQL 1.0–1.3 s;
 * 10,000 items 1.3–1.6 s against 1.4–1.8 s; 20,000 items 2.2–3.0 s against 1.8–2.0 s;
 * 50,000 items 4.2–5.4 s against 2.6–4.8 s; 100,000 items 6.8–10.6 s against 5.3–5.5 s.
 * `run --table` on the local DynamoDB, no history: 50,000 items 4.0–4.6 s against 3.3–3.7 s.
 */
export const AUTO_SQL_ITEMS = 20_000;

/**
 * The engine that evaluates a run in one process. `auto`: the SQL engine from
 * {@link AUTO_SQL_ITEMS} items, and also when their number is not known (a DynamoDB
 * snapshot without a manifest), where the reference engine's risk is the larger: minutes
 * on a large snapshot, against under a second on a small one.
 *
 * @example
 * chooseEngine('auto', 45) // 'reference'
 * chooseEngine('auto', null) // 'sql'
 */
export function chooseEngine(choice: EngineChoice, estimatedItems: number | null): EngineKind {
  if (choice !== 'auto') return choice;
  return estimatedItems === null || estimatedItems >= AUTO_SQL_ITEMS ? 'sql' : 'reference';
}

/**
 * The engine of a map step (a partition of a partitioned run, a process or a Distributed Map
 * child of its own). `auto`: the reference engine, as fast there in half the memory: `npm run
 * bench -- --partitions 4 --items 500000 --engine reference|sql` (no history, 4 map processes, 2 at
 * once, SQL on one DuckDB thread each), map phase reference 12.3–12.5 s, peak RSS 263–287 MB; SQL
 * 11.9–14.3 s, 581–611 MB.
 *
 * @example
 * mapEngine('auto') // 'reference'
 */
export function mapEngine(choice: EngineChoice): EngineKind {
  return choice === 'auto' ? 'reference' : choice;
}

/** What a library caller that names no engine gets (the CLI and the Lambda name theirs: DEFAULTS.engine). */
export function engineChoice(choice: EngineChoice | undefined): EngineChoice {
  return choice ?? 'reference';
}

/** The engine a run used: chosen (`--engine auto`) from the items it expected, or named. */
export interface RunEngine {
  kind: EngineKind;
  auto: boolean;
  /**
   * The items `auto` went by: the snapshot manifest's count, or the source's estimate (a file's
   * lines, counted up to AUTO_SQL_ITEMS: enough); null when unknown, or when the engine was named.
   */
  estimate: ItemEstimate | null;
  /** A partitioned run's: the engine of its maps ({@link mapEngine}). */
  maps?: true;
}

/**
 * The engine of a partitioned run: its maps' ({@link mapEngine}).
 *
 * @example
 * mapsEngine('auto') // { kind: 'reference', auto: true, estimate: null, maps: true }
 */
export function mapsEngine(choice: EngineChoice | undefined): RunEngine {
  const named = engineChoice(choice);
  return { kind: mapEngine(named), auto: named === 'auto', estimate: null, maps: true };
}
