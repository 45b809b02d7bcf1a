/**
 * Where the map phase's finding lines go in a single-process run, and how they
 * come back in the order the next phase needs. The SQL engine keeps its
 * findings and gives them back sorted (DuckDB sorts out of core), so it needs
 * no route. The reference engine's lines go through external sorters: with
 * history, by identity (for the diff), then by itemId (for the reports);
 * without history, by itemId, or straight to the reports when the source reads
 * in itemId order — until it turns out not to ({@link OrderBroken}).
 */
import { identityKey } from '../../engine/identity';
import type { Finding } from '../../model';
import { diffKey } from '../../history/diffFindings';
import { FindingSorter, type FindingLine } from '../../report/FindingSorter';
import type { Evaluation } from '../evaluateEntries';

/** Thrown when a source said it was ordered and was not: the run starts over with the sorter. */
export class OrderBroken extends Error {}

export interface FindingRouterOptions {
  /** Whether the run diffs with history (then lines are sorted by identity first). */
  history: boolean;
  /** Whether the source claims itemId order (AuditPlan.snapshot.ordered, or false on the second attempt). */
  ordered: boolean;
  /** The SQL engine's sorted findings (Evaluation.reorder); null for the reference engine. */
  reorder: Evaluation['reorder'];
  /** Characters held in memory by each sorter before it spills to disk. */
  budgetChars: number;
  /** Whether the sorters spill compressed (FindingSorter `compress`). */
  compress?: boolean;
  /** Writes a line straight to the reports (the direct route). */
  emit(line: FindingLine): Promise<void>;
}

/**
 * Routes finding lines to the sorter or the reports that their run needs.
 *
 * @example
 * const router = new FindingRouter({ history: false, ordered: false, reorder: null, budgetChars: 16 << 20, emit });
 * await router.add(finding, line);
 * for await (const line of router.inItemIdOrder()) write(line);
 */
export class FindingRouter {
  private readonly byIdentity: FindingSorter | null;
  private readonly byItemId: FindingSorter | null;
  private lastKey: string | null = null;

  constructor(private readonly options: FindingRouterOptions) {
    const sorted = options.reorder !== null;
    const sorter = () => new FindingSorter({ budgetChars: options.budgetChars, compress: options.compress });
    this.byIdentity = options.history && !sorted ? sorter() : null;
    this.byItemId = !sorted && (options.history || !options.ordered) ? sorter() : null;
  }

  /** True when lines go straight to the reports as they are evaluated: the reports must be open before the map phase. */
  get direct(): boolean {
    return !this.byItemId && !this.options.reorder;
  }

  /** Takes one finding line from the map phase. Throws OrderBroken when a direct route meets an itemId out of order. */
  async add(finding: Finding, line: string): Promise<void> {
    if (this.byIdentity) return this.byIdentity.add({ key: diffKey(identityKey(finding), finding.itemId, finding.verdict), line });
    if (this.byItemId) return this.byItemId.add({ key: finding.itemId, line });
    if (finding.itemId !== null && this.lastKey !== null && finding.itemId < this.lastKey) throw new OrderBroken();
    this.lastKey = finding.itemId;
    return this.options.emit({ key: finding.itemId, line });
  }

  /** The lines in identity order, for the reference engine's streaming diff (history only). */
  inIdentityOrder(): AsyncIterable<FindingLine> {
    if (!this.byIdentity) throw new Error('FindingRouter.inIdentityOrder: this run keeps no identity sorter (no history, or the SQL engine).');
    return this.byIdentity.sorted();
  }

  /** Takes a line back from the diff, annotated, to be put in itemId order. */
  addDiffed(line: string, itemId: string | null): Promise<void> {
    if (!this.byItemId) throw new Error('FindingRouter.addDiffed: this run keeps no itemId sorter.');
    return this.byItemId.add({ key: itemId, line });
  }

  /** The lines in the reports' order (itemId, ties in the order they came), from the sorter or from DuckDB. */
  inItemIdOrder(): AsyncIterable<FindingLine> {
    if (this.byItemId) return this.byItemId.sorted();
    if (this.options.reorder) return this.options.reorder('itemId');
    throw new Error('FindingRouter.inItemIdOrder: the lines went straight to the reports.');
  }

  /** Removes the sorters' spilled runs (the run failed). */
  async cleanup(): Promise<void> {
    await this.byIdentity?.cleanup();
    await this.byItemId?.cleanup();
  }
}
