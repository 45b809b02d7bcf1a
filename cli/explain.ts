import Table from 'cli-table3';
import type { EngineChoice } from '../lib/audit/engineKind';
import { UsageError } from '../lib/errors';
import { createDocumentClient, InventoryTable } from '../lib/inventory/InventoryTable';
import { estimateCost, type CostEstimate } from '../lib/plan/estimateCost';
import { fileSnapshotSize } from '../lib/plan/fileSnapshotSize';
import { tableSnapshotSize } from '../lib/plan/tableSnapshotSize';
import { PARTITION_BOUNDS } from '../lib/plan/partitionCount';
import { NIGHTLY_FORMATS } from '../lib/plan/planOptions';
import { PARTITION_READ, planRun, type RunPlan } from '../lib/plan/planRun';
import { SIZE_SOURCES, type SnapshotSize } from '../lib/plan/SnapshotSize';
import { LIMITS, MEASURED } from '../lib/plan/throughput';
import { parseFormats } from '../lib/report/formats/formatIds';
import { printable as p } from '../lib/text/printable';
import { formatBytes, formatCount } from '../lib/units';

export interface ExplainOptions {
  inventory?: string;
  table?: string;
  endpoint?: string;
  region?: string;
  snapshot?: string;
  format?: string;
  json?: boolean;
  /** Plan for a snapshot of this many items instead of measuring one (what if). */
  assumeItems?: number;
  /** `run`'s --history DIR or --no-history (false): a run without history (a dry run in AWS) has no diff step. */
  history?: string | boolean;
  /** `run`'s --engine: the engine the AWS run is planned with (default: the stage's, DEFAULTS.engine). */
  engine?: EngineChoice;
}

/**
 * `run --explain`: sizes the snapshot (without reading its items from DynamoDB),
 * plans the AWS run and prices it; prints a table, or JSON with `--json`.
 * Evaluates nothing and writes no report.
 *
 * @example
 * await explainRun({ assumeItems: 10_000_000 }, EXAMPLE_INVENTORY, (t) => process.stdout.write(t)) // the plan and cost of a 10 M-item run
 */
export async function explainRun(options: ExplainOptions, defaultInventory: string, stdout: (text: string) => void): Promise<void> {
  const size = await measure(options, defaultInventory);
  const formats = options.format ? parseFormats(options.format) : NIGHTLY_FORMATS;
  const plan = planRun(size, { formats, history: options.history !== false, ...(options.engine ? { engine: options.engine } : {}) });
  const cost = estimateCost(plan);
  stdout(options.json ? `${JSON.stringify({ plan, cost }, null, 2)}\n` : formatPlan(plan, cost));
}

async function measure(options: ExplainOptions, defaultInventory: string): Promise<SnapshotSize> {
  if (options.assumeItems !== undefined) {
    if (options.inventory || options.table) throw new UsageError('--assume-items plans a snapshot of that size: give it without --inventory or --table.');
    return {
      snapshotId: options.snapshot ?? null,
      items: options.assumeItems,
      bytes: options.assumeItems * MEASURED.averageItemBytes,
      tableBytes: null,
      source: 'what-if',
      notes: [`Bytes assumed: ${MEASURED.averageItemBytes} bytes an item, the example inventory's average.`],
    };
  }
  if (options.table) {
    const table = new InventoryTable({ client: createDocumentClient({ endpoint: options.endpoint, region: options.region }), tableName: options.table });
    try {
      return await tableSnapshotSize(table, options.snapshot);
    } finally {
      table.client.destroy();
    }
  }
  return fileSnapshotSize(options.inventory ?? defaultInventory, options.snapshot);
}

/** Dollars without exponents: cents from a cent on, two significant digits below. */
const money = (dollars: number) =>
  `$${dollars >= 0.01 ? dollars.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : dollars.toLocaleString('en-US', { maximumSignificantDigits: 2, maximumFractionDigits: 12 })}`;
const unitPrice = (dollars: number) => `$${dollars.toLocaleString('en-US', { maximumSignificantDigits: 6, maximumFractionDigits: 12 })}`;
/** Tables without a rule between rows. */
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };
const seconds = (s: number) => (s < 120 ? `${Math.round(s)} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);
const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
const quantity = (n: number) => (Number.isInteger(n) ? formatCount(n) : n >= 100 ? formatCount(Math.round(n)) : n.toPrecision(3));

/** The plan and its cost as two tables and a few lines, for people. */
export function formatPlan(plan: RunPlan, cost: CostEstimate): string {
  const { snapshot } = plan;
  const lines = [
    `Plan for snapshot ${p(snapshot.snapshotId ?? (snapshot.source === 'what-if' ? '(what if)' : '(the latest, found at run time)'))}: ${formatCount(snapshot.items)} items, ${formatBytes(snapshot.bytes)}`,
    `  sized from ${SIZE_SOURCES[snapshot.source]}`,
    ...snapshot.notes.map((note) => `  note: ${p(note)}`),
  ];
  const table = new Table({ chars: COMPACT, style: { head: [], border: [] }, wordWrap: true, colWidths: [14, 80] });
  table.push(...executionRows(plan));
  const invocations = plan.functions.map((fn) => `${fn.name} ${formatCount(fn.invocations)}`).join(', ');
  const billed = plan.functions.reduce((total, fn) => total + fn.billedSeconds, 0);
  table.push(
    ['Lambda', `${invocations} (${plural(plan.functions.reduce((n, fn) => n + fn.invocations, 0), 'invocation')}), ≈ ${seconds(billed)} billed`],
    ['wall clock', `≈ ${seconds(plan.wallSeconds)}`],
    ['reports', Object.entries(plan.reportBytes).map(([format, bytes]) => `${format.toUpperCase()} ${format === 'pdf' ? '≤ ' : ''}${formatBytes(bytes)}`).join(', ')],
  );
  lines.push(table.toString());

  const costs = new Table({ chars: COMPACT, head: ['service', 'what', 'quantity', 'unit price', 'dollars'], style: { head: [], border: [] }, colAligns: ['left', 'left', 'right', 'right', 'right'] });
  for (const line of cost.lines) costs.push([line.service, line.what, `${quantity(line.quantity)} ${line.unit}`, unitPrice(line.unitPrice), money(line.dollars)]);
  lines.push(
    `Cost at list prices, ${cost.region}, ${cost.currency}, read ${cost.pricesReadOn} (lib/plan/prices.json):`,
    costs.toString(),
    `Per run: ${money(cost.perRun)}. Per month, nightly (${cost.runsPerMonth.toFixed(1)} runs): ${money(cost.perMonth)}.`,
  );
  for (const note of cost.notes) lines.push(`  ${note}`);
  for (const warning of plan.warnings) lines.push(`Warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}

/** The rows that say how the run executes: one Lambda, or the state machine's plan, map, diff, assembly and reduce. */
function executionRows(plan: RunPlan): string[][] {
  const { snapshot, map, diff, assembly, reduce, options } = plan;
  const [audit] = plan.functions;
  const engine = options.engine === 'auto' ? `${plan.engine} engine, by auto` : `${plan.engine} engine`;
  const rate = `≈ ${formatCount(Math.round(plan.itemsPerSecond))} items/s (${engine})`;
  if (!map || !assembly || !reduce) {
    return [
      ['execution', `one Lambda (auditWorker, arm64 ${audit!.memoryMb} MB): ${formatCount(snapshot.items)} items < distributedThresholdItems ${formatCount(options.distributedThresholdItems)}`],
      ['read + evaluate', `Query ${rate}, then the reports: ≈ ${seconds(audit!.billedSeconds)} of its 15 min`],
    ];
  }
  const maps = diff
    ? 'a Distributed Map of STANDARD child workflows over the partitions, a second over the diff ranges, a third over the report parts'
    : 'a Distributed Map of STANDARD child workflows over the partitions, a second over the report parts';
  return [
    ['execution', `Step Functions: a plan step, ${maps}, one reduce step: ${formatCount(snapshot.items)} items ≥ distributedThresholdItems ${formatCount(options.distributedThresholdItems)}`],
    ['partitions', `${formatCount(map.partitions)} × ${PARTITION_READ}, ≈ ${plural(map.itemsPerPartition, 'item')} each (${PARTITION_BOUNDS[map.partitionBound]}${map.partitionBound === 'minimum' ? ` ${formatCount(options.partitions)}` : ''})`],
    [
      'map',
      `ItemBatcher ${plural(map.maxItemsPerBatch, 'partition')} a child → ${formatCount(map.children)} ${map.children === 1 ? 'child' : 'children'} (mapPartitions, arm64 ${options.memoryMb} MB) of ≈ ${plural(map.itemsPerChild, 'item')}, ≈ ${seconds(map.secondsPerChild)} each at ${rate}; each partition sorts its findings (${diff ? 'by diff range and diff key' : 'by itemId'}), uploads them (${formatBytes(map.linesBytes)} in all) and its result to S3 and is counted on the run record`,
    ],
    ['concurrency', `MaxConcurrency ${formatCount(map.maxConcurrency)} (bound: ${map.concurrencyBound}), ${plural(map.waves, 'wave')}, ≈ ${formatCount(Math.round(map.peakReadUnitsPerSecond))} read units/s at peak`],
    ['diff', diff ? diffCell(diff, options) : "none: the run keeps no history (a dry run), so the assembly reads the partitions' sorted findings"],
    ['assemble', assemblyCell(assembly, diff !== null, options)],
    ['reduce', reduceCell(reduce, diff !== null, options)],
  ];
}

function diffCell(diff: NonNullable<RunPlan['diff']>, options: RunPlan['options']): string {
  return `${plural(diff.ranges, 'diff range')} (as many as partitions), ItemBatcher ${plural(diff.maxItemsPerBatch, 'range')} a child → ${formatCount(diff.children)} ${diff.children === 1 ? 'child' : 'children'} (diffRanges, arm64 ${options.diffMemoryMb} MB) of ≈ ${plural(diff.itemsPerChild, 'item')}, ≈ ${seconds(diff.secondsPerChild)} each at ≈ ${formatCount(Math.round(diff.itemsPerSecond))} items/s, ${plural(diff.waves, 'wave')}; each range reads its segment of every partition's findings, diffs it with the previous run's history parts of its buckets, writes its new states to the history as a part, sorts its findings by itemId and uploads them compressed: ≈ ${formatBytes(diff.tmpBytesPerChild)} of /tmp (it has ${formatBytes(options.diffEphemeralMb * 2 ** 20)})${diff.withinLimits ? '' : ': beyond its limits (see the warning)'}`;
}

function assemblyCell(assembly: NonNullable<RunPlan['assembly']>, history: boolean, options: RunPlan['options']): string {
  const formats = assembly.formats.map((format) => format.toUpperCase()).join(' and ');
  const from = history ? "the diff ranges' compressed findings" : "the partitions' sorted findings";
  return `${plural(assembly.parts, 'report part')} (itemId ranges, as many as partitions), ItemBatcher ${plural(assembly.maxItemsPerBatch, 'part')} a child → ${formatCount(assembly.children)} ${assembly.children === 1 ? 'child' : 'children'} (assembleParts, arm64 ${options.assembleMemoryMb} MB) of ≈ ${plural(assembly.itemsPerChild, 'item')}, ≈ ${seconds(assembly.secondsPerChild)} each at ≈ ${formatCount(Math.round(assembly.itemsPerSecond))} items/s, ${plural(assembly.waves, 'wave')}; each part merges its findings from ${from} (${formatBytes(assembly.readBytes)} in all, from S3), writes its ${formats} (${formatBytes(assembly.tmpBytesPerChild)} of /tmp; it has ${formatBytes(options.assembleEphemeralMb * 2 ** 20)}), uploads them and removes them before the next${assembly.withinLimits ? '' : ': beyond its limits (see the warning)'}`;
}

function reduceCell(reduce: NonNullable<RunPlan['reduce']>, history: boolean, options: RunPlan['options']): string {
  const limits = `≈ ${seconds(reduce.seconds)} of its 15 min`;
  const beyond = reduce.withinLimits ? '' : ': beyond its limits (see the warning)';
  if (!reduce.storesReports) return `one Lambda (reduceAudit): merges the partitions' and the parts' results into the run's summary; a dry run stores no report and sends no mail, so it puts nothing together: ${limits}${beyond}`;
  const assembled = reduce.assembled.map((report) => `the ${report.format.toUpperCase()} ${formatBytes(report.bytes)} (${formatCount(report.copyParts)} parts, ≈ ${seconds(Math.max(report.copySeconds, report.hashSeconds))})`);
  const together = assembled.length > 1 ? `${assembled.slice(0, -1).join(', ')} and ${assembled.at(-1)}` : assembled.join('');
  const upper = (formats: readonly string[]) => formats.map((format) => format.toUpperCase()).join(', ');
  const fed = reduce.fed.length > 0 ? ` (the ${upper(reduce.fed)} from the JSON parts read back, at ≈ ${formatCount(Math.round(reduce.itemsPerSecond))} items/s: ≈ ${seconds(reduce.writeSeconds)})` : '';
  const written = reduce.written.length > 0 ? `writes the ${upper(reduce.written)}${fed} into its /tmp and uploads ${reduce.written.length === 1 ? 'it' : 'them'}, mail` : 'mail';
  return [
    `one Lambda (reduceAudit): merges the partitions', ${history ? "diff ranges' " : ''}and parts' results${history ? ', commits the history (the ranges wrote its parts)' : ''}`,
    `puts ${together} together in S3 from the parts (UploadPartCopy, ${LIMITS.assemblyPartsAtOnce} at once, while it reads them back for their SHA-256)`,
    `${written}: ${limits}, ≈ ${formatBytes(reduce.tmpBytes)} of /tmp (it has ${formatBytes(options.reduceEphemeralMb * 2 ** 20)})${beyond}`,
  ].join('; ');
}
