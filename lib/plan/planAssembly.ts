/**
 * The assembly step of a run on the state machine (lib/delivery/assemblePartBatch.ts), planned:
 * a Distributed Map whose children write the JSON and CSV reports in parts (itemId ranges), so
 * that no Lambda holds a whole report and the reduce only puts them together in S3. Its own
 * module because it has its own limits (a child's 15 minutes and /tmp) and its own warning.
 * Pure: numbers in, plan out.
 */
import type { FormatId } from '../report/formats/formatIds';
import { partFormats } from '../partitioned/assemblePart';
import type { PlanOptions } from './planOptions';
import { reportBytes } from './reportBytes';
import { gib, minutes } from './sizeWords';
import { ASSUMED, keyedLineBytes, MEASURED, mergeRate, USABLE_SECONDS } from './throughput';
import { formatCount } from '../units';


export interface AssemblyPlan {
  /** As many as partitions (the plan step's `parts`): itemId ranges of about a partition's findings each. */
  parts: number;
  itemsPerPart: number;
  /** The formats a part is written in (JSON, and CSV when the run writes it). */
  formats: FormatId[];
  /** One part's file of each of them. */
  bytesPerPart: Partial<Record<FormatId, number>>;
  /** ItemBatcher: parts per child workflow (the map's mapItemsPerBatch), written one after the other. */
  maxItemsPerBatch: number;
  /** STANDARD child workflows, one assembleParts Lambda each. */
  children: number;
  itemsPerChild: number;
  /** Items a second a child merges and writes. */
  itemsPerSecond: number;
  /** What the children stream in all: the diff ranges' compressed findings, or without history the partitions' sorted lines. */
  readBytes: number;
  /** Reading its parts' findings, merging them, writing and uploading each part's files. */
  secondsPerChild: number;
  /** The map's MaxConcurrency parameter, at most the children. */
  maxConcurrency: number;
  waves: number;
  /** /tmp at a child's peak: one part's files, removed once uploaded, before the next part. */
  tmpBytesPerChild: number;
  /** Every part's files, which the reduce puts together (kept with the run's files). */
  partsBytes: number;
  /** Within the function's 15 minutes (less its reserve) and its /tmp (assembleEphemeralMb). */
  withinLimits: boolean;
}

/**
 * The assembly children: as many parts as partitions, `mapItemsPerBatch` a child, at the map's
 * MaxConcurrency. A child, for each part of its batch in turn, streams the part's findings from
 * the diff ranges' compressed findings files (without history, the partitions' sorted lines),
 * merges them, writes the part's JSON and CSV to /tmp, uploads them and removes them. Its rate is
 * the merge-and-write rate measured as the reduce's (mergeRate), which is what a part does now.
 *
 * @example
 * planAssembly(10_000_000, 16, DEFAULT_PLAN_OPTIONS, 100).tmpBytesPerChild // 912,500,000: one part's JSON and CSV
 */
export function planAssembly(items: number, partitions: number, options: PlanOptions, concurrency: number): AssemblyPlan {
  const parts = partitions;
  const children = Math.ceil(parts / options.mapItemsPerBatch);
  const itemsPerPart = Math.ceil(items / parts);
  const itemsPerChild = Math.min(items, itemsPerPart * options.mapItemsPerBatch);
  // The formats a part is written in (lib/partitioned/assemblePart.ts): JSON always, CSV when asked.
  const formats = partFormats(options.formats);
  const bytesPerPart = reportBytes(itemsPerPart, formats);
  const readBytesPerItem = options.history ? MEASURED.compressedFindingBytes : keyedLineBytes(false);
  const writtenBytesPerItem = sum(reportBytes(1, formats));
  const itemsPerSecond = mergeRate(options.assembleMemoryMb);
  const secondsPerChild =
    ASSUMED.assembleBaseSeconds + itemsPerChild / itemsPerSecond + (itemsPerChild * (readBytesPerItem + writtenBytesPerItem)) / ASSUMED.s3BytesPerSecond;
  const tmpBytesPerChild = sum(bytesPerPart);
  const maxConcurrency = Math.min(children, concurrency);
  return {
    parts,
    itemsPerPart,
    formats,
    bytesPerPart,
    maxItemsPerBatch: options.mapItemsPerBatch,
    children,
    itemsPerChild,
    itemsPerSecond,
    readBytes: items * readBytesPerItem,
    secondsPerChild,
    maxConcurrency,
    waves: Math.ceil(children / maxConcurrency),
    tmpBytesPerChild,
    partsBytes: items * writtenBytesPerItem,
    withinLimits: secondsPerChild <= USABLE_SECONDS && tmpBytesPerChild <= options.assembleEphemeralMb * 2 ** 20,
  };
}

/**
 * What the plan says of an assembly child beyond its limits: more partitions make more,
 * smaller parts (the plan step cuts as many parts as partitions), as does a smaller batch.
 *
 * @example
 * assemblyWarnings(planAssembly(10_000_000, 16, { ...DEFAULT_PLAN_OPTIONS, assembleEphemeralMb: 512 }, 100), options)
 * // ['An assembly child needs about 1 min for its 625,000 items and 0.8 GiB of /tmp for a part, beyond its limits (0.5 GiB of /tmp): …']
 */
export function assemblyWarnings(assembly: AssemblyPlan, options: PlanOptions): string[] {
  if (assembly.withinLimits) return [];
  const tmp = options.assembleEphemeralMb * 2 ** 20;
  const beyond = [...(assembly.secondsPerChild > USABLE_SECONDS ? ['15 minutes'] : []), ...(assembly.tmpBytesPerChild > tmp ? [`${gib(tmp)} of /tmp`] : [])];
  const remedy = `more partitions (stage param partitions) make more, smaller parts${assembly.maxItemsPerBatch > 1 ? ', or lower mapItemsPerBatch' : ''}`;
  return [
    `An assembly child needs about ${minutes(assembly.secondsPerChild)} for its ${formatCount(assembly.itemsPerChild)} items and ${gib(assembly.tmpBytesPerChild)} of /tmp for a part, beyond its limits (${beyond.join(', ')}): ${remedy}.`,
  ];
}

const sum = (bytes: Partial<Record<FormatId, number>>) => Object.values(bytes).reduce((a, b) => a + b, 0);
