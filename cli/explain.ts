import Table from 'cli-table3';
import { UsageError } from '../lib/errors';
import { createDocumentClient, InventoryTable } from '../lib/inventory/InventoryTable';
import { estimateCost, type CostEstimate } from '../lib/plan/estimateCost';
import { fileSnapshotSize } from '../lib/plan/fileSnapshotSize';
import { tableSnapshotSize } from '../lib/plan/tableSnapshotSize';
import { NIGHTLY_FORMATS } from '../lib/plan/planOptions';
import { CHILD_BOUNDS, PARTITION_KINDS, planRun, type RunPlan } from '../lib/plan/planRun';
import { SIZE_SOURCES, type SnapshotSize } from '../lib/plan/SnapshotSize';
import { MEASURED } from '../lib/plan/throughput';
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
  const plan = planRun(size, { formats });
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
  const { snapshot, map, reduce, options } = plan;
  const lines = [
    `Plan for snapshot ${p(snapshot.snapshotId ?? (snapshot.source === 'what-if' ? '(what if)' : '(the latest, found at run time)'))}: ${formatCount(snapshot.items)} items, ${formatBytes(snapshot.bytes)}`,
    `  sized from ${SIZE_SOURCES[snapshot.source]}`,
    ...snapshot.notes.map((note) => `  note: ${p(note)}`),
  ];
  const table = new Table({ chars: COMPACT, style: { head: [], border: [] }, wordWrap: true, colWidths: [14, 80] });
  if (!map || !reduce) {
    table.push(
      ['execution', `one Lambda (arm64, ${plan.lambda.memoryMb} MB): ${formatCount(snapshot.items)} items < distributedThresholdItems ${formatCount(options.distributedThresholdItems)}`],
      ['read + evaluate', `≈ ${formatCount(Math.round(plan.itemsPerSecond))} items/s, ≈ ${seconds(plan.lambda.billedSeconds)} of its 15 min`],
    );
  } else {
    const why =
      map.partitionKind === 'export-files'
        ? `${formatCount(snapshot.items)} items > exportThresholdItems ${formatCount(options.exportThresholdItems)}`
        : `${formatCount(snapshot.items)} items ≥ distributedThresholdItems ${formatCount(options.distributedThresholdItems)}`;
    table.push(
      ['execution', `Step Functions Distributed Map (Standard parent, Express children): ${why}`],
      ['partitions', `${formatCount(map.partitions)} × ${PARTITION_KINDS[map.partitionKind]}, ≈ ${plural(map.itemsPerPartition, 'item')} each`],
      ['map', `ItemBatcher ${plural(map.maxItemsPerBatch, 'partition')} a child → ${formatCount(map.children)} ${map.children === 1 ? 'child' : 'children'} of ≈ ${plural(map.itemsPerChild, 'item')}, ≈ ${seconds(map.secondsPerChild)} each (bound: ${CHILD_BOUNDS[map.childBound]}), arm64 ${plan.lambda.memoryMb} MB, ${formatCount(Math.round(plan.itemsPerSecond))} items/s`],
      ['concurrency', `MaxConcurrency ${formatCount(map.maxConcurrency)} (bound: ${map.concurrencyBound}), ${plural(map.waves, 'wave')}${map.peakReadUnitsPerSecond > 0 ? `, ≈ ${formatCount(Math.round(map.peakReadUnitsPerSecond))} read units/s at peak` : ''}`],
      ...(map.exportMinutes !== null ? [['export', `ExportTableToPointInTime to S3 first (needs point-in-time recovery); assumed ${map.exportMinutes} min`]] : []),
      ['reduce', `one Lambda: merge ${map.children === 1 ? 'the partial summary' : `${formatCount(map.children)} partial summaries`}, assemble ${reduce.concatenated.map((f) => f.toUpperCase()).join(' and ') || 'no report'} from ${plural(reduce.partsPerReport, 'part')} each (UploadPartCopy), PDF, history, mail: ≈ ${seconds(reduce.seconds)}`],
    );
  }
  table.push(
    ['Lambda', `${plural(plan.lambda.invocations, 'invocation')}, ≈ ${seconds(plan.lambda.billedSeconds)} billed`],
    ['wall clock', `≈ ${seconds(plan.wallSeconds)}`],
    ['reports', Object.entries(plan.reportBytes).map(([format, bytes]) => `${format.toUpperCase()} ${format === 'pdf' ? '≤ ' : ''}${formatBytes(bytes)}`).join(', ')],
  );
  lines.push(table.toString());

  const costs = new Table({ chars: COMPACT, head: ['service', 'what', 'quantity', 'unit price', 'dollars'], style: { head: [], border: [] }, colAligns: ['left', 'left', 'right', 'right', 'right'] });
  for (const line of cost.lines) {
    costs.push([line.service, `${line.what}${line.per === 'month' ? ' (a month)' : ''}`, `${quantity(line.quantity)} ${line.unit}`, unitPrice(line.unitPrice), money(line.dollars)]);
  }
  lines.push(
    `Cost at list prices, ${cost.region}, ${cost.currency}, read ${cost.pricesReadOn} (lib/plan/prices.json):`,
    costs.toString(),
    `Per run: ${money(cost.perRun)}. Per month, nightly (${cost.runsPerMonth.toFixed(1)} runs${cost.lines.some((line) => line.per === 'month') ? ', with the monthly lines' : ''}): ${money(cost.perMonth)}.`,
  );
  for (const note of cost.notes) lines.push(`  ${note}`);
  for (const warning of plan.warnings) lines.push(`Warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}
