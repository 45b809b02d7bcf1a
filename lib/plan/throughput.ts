/**
 * Every number the planner sizes a run with, in one place, each with where it
 * comes from. MEASURED figures were taken on the development machine (2 cores,
 * x86_64, Node 20, shared with other work, so each is the better of two runs);
 * LIMITS are AWS's published quotas and the deployment's own settings; ASSUMED
 * figures are judgement, not measurement, and say so. Change a figure here and
 * every plan, cost and README table follows.
 */
import type { EngineKind } from '../audit/engineKind';
import { DEFAULTS } from '../defaults';
import { BLOCK_CHARS } from '../partitioned/BlockWriter';
import { MAX_PARTITIONS } from '../partitioned/planPartitions';

export const MEASURED = Object.freeze({
  /**
   * Items one map step reads from an NDJSON file and evaluates a second, per core, by engine:
   * bench/partitioned.ts, `benchPartitioned(['--items', '1000000', '--partitions', '8', '--engine', E])`
   * (8 map processes, 2 at once on 2 cores), the better of two runs of its map phase. Reference: 51.5 s
   * (83.2 s) for the million. SQL: 100.5 s (130.9 s), with DuckDB at lib/defaults.json's
   * memoryLimit (256MB), where one earlier run had five of eight partitions fail out of memory;
   * the deployment gives DuckDB 1 GB (stage param duckdbMemoryLimit), which may well be faster.
   * Since the map sorts its findings too (by diff range and diff key with history, by itemId
   * without): `npm run bench -- --partitions 4 --items 500000 --engine reference --format
   * json,csv,pdf --history`, 2 map processes on 2 cores with other work running (load ~3), mapped
   * in 24.4 s (about 10,250 items/s a core), 17.2 s without history: within this figure, kept.
   * The same million-item bench again on 2026-11-29, the engines alternated, two runs each: map
   * phase reference 19.9 and 20.5 s, SQL 21.4 and 21.0 s (both engines faster than when first
   * measured, SQL most). SQL is set at the ratio of the better runs, 19.9 / 21.0 of reference's
   * figure, which is kept as it was (the lower, so plans stay on the safe side): 9,700 × 0.95 ≈ 9,200.
   */
  mapItemsPerSecondPerCore: { reference: 9_700, sql: 9_200 } as { readonly [K in EngineKind]: number },
  /**
   * Items one Node process merges a second from sorted findings files into the nightly reports
   * (JSON, CSV, PDF): measured as the reduce's, which did that before the AssembleParts map; an
   * assembly child now does the same work for its parts (merging, writing JSON and CSV and the
   * PDF's model), and the reduce for HTML, OCSF and Parquet from the JSON parts. The findings
   * come sorted, so it counts, sorts and diffs nothing. One Node process, so one core. `npm run
   * bench -- --partitions 4 --items 500000 --engine reference --format json,csv,pdf` on this
   * machine with other work running (load ~3): the reduce merged the partitions' sorted files into
   * the three reports in 22.6 s (22.5 s of CPU), 22,100 items/s. In Lambda it also decompresses
   * the diff ranges' Brotli files (about 3 s of one core a GB of lines, ~2.8 µs an item), so
   * 1 / (1/22,100 + 2.8 µs) ≈ 20,800, rounded down.
   */
  mergeItemsPerSecond: 20_000,
  /**
   * Items one diff child diffs a second with the previous run's states and sorts by itemId for
   * the assembly: one Node process, one core. The same bench with `--history`, the reduce diffing
   * its one range itself in its process: 51.8 s (59.6 s of CPU), so the diff took about 29.2 s
   * more than the merge alone for 500,000 items, 17,100 items/s uncompressed. A Lambda child
   * compresses its spill and its files, which cost 5–13% more CPU (mergeItemsPerSecond's
   * earlier measurements, `npm run bench:sort-disk` with and without `--compress`): 15,000.
   */
  diffItemsPerSecond: 15_000,
  /**
   * Peak bytes on disk per item beyond the reports, where a Lambda sorts the findings (a map or diff
   * child, or one Lambda's run): the sorts' spilled runs, compressed (FindingSorter `compress`), with the
   * history's files. Measured around a reference run with history of 1 M items, nightly formats,
   * disk polled every 0.5 s (`npm run bench:sort-disk -- <file> --compress`): peak 1.723 GB with
   * 1.576 GB of reports (first run) and 1.727 GB with 1.590 GB (second run, diffing the first):
   * 147 and 137 bytes.
   * Without compression the first run peaked at 2.572 GB (996 bytes). A map child spills so while
   * it sorts its partition; a diff child while it sorts its range by itemId, then writes the sorted
   * findings compressed beside the spill before it uploads them (twice as much at its peak).
   */
  sortSpillBytesPerItem: 147,
  /**
   * A diff range's annotated findings as it uploads them for the assembly children: keyed lines, Brotli's
   * fastest setting, as the compressed spill of the run diffing the first above (137 bytes an item).
   */
  compressedFindingBytes: 137,
  /**
   * One Query (or parallel-Scan segment) reads this many items a second: measured against a local
   * DynamoDB (dynalite) on this machine, the only figure there is (DynamoDB publishes none); in AWS
   * it serves 1 MB pages, typically no slower.
   */
  readItemsPerSecond: 20_000,
  /** A finding in the JSON report, and its line in a partition's lines file (the same text): 912 bytes in the bench, 920 over the example inventory. */
  findingJsonBytes: 920,
  /**
   * What a finding's sort key adds to its line in a partition's findings file (keyed lines:
   * the key as JSON, a tab, the newline), over the example inventory's 45 findings: 117 bytes
   * with history (the diff key: tenant, module, data category, resource, itemId and verdict,
   * its separators escaped), 10 without (the itemId). Scratch script over a run's JSON report.
   */
  findingKeyBytes: { history: 117, none: 10 } as { readonly history: number; readonly none: number },
  /** A finding's row in the CSV report, on average (bytes; 566 in the bench). */
  findingCsvBytes: 540,
  /** A finding's row in the Parquet report: about a quarter of its JSON (compressed columns). */
  findingParquetBytes: 230,
  /** A finding in the HTML report: 245 bytes over the 100,000-item bench inventory (compact rows, repeated values in tables). */
  findingHtmlBytes: 245,
  /**
   * A finding in the OCSF feed, per item: about 2,300 bytes per exported event, and only violations, invalid,
   * unmapped and to-review items are exported; over the example inventory that averages about 1,300 bytes an item.
   */
  findingOcsfBytes: 1_300,
  /** An inventory item as stored, on average: examples/inventory.ndjson is 17,700 bytes for 45 items. Used when only a count is known. */
  averageItemBytes: 393,
});

export const ASSUMED = Object.freeze({
  /**
   * A map child aims to finish its batch in this many seconds: half of what the mapPartitions
   * function may use (900 s less the 60 s it stops itself before). ItemId ranges are cut by
   * interpolating the first and last ids, not by counting, so a partition can hold about twice
   * the average and still finish.
   */
  targetChildSeconds: 420,
  /** The PDF holds at most `pdfRows` rows per module: its size does not grow with the snapshot (bytes, generous). */
  pdfBytes: 2_000_000,
  /** A single-Lambda run's work besides reading, evaluating and writing: cold start, catalog, PDF, history, delivery (seconds). */
  singleRunOverheadSeconds: 10,
  /** The plan step: claim the run, find the snapshot, two one-item Queries for the itemId bounds, store the plan (seconds). */
  planSeconds: 5,
  /**
   * The reduce step's fixed work besides what grows with the snapshot: cold start, catalog, every
   * partition's, range's and part's result (small GETs, 8 at once), the PDF from the parts' merged
   * models, delivery (seconds).
   */
  reduceBaseSeconds: 60,
  /**
   * A diff child's fixed work besides diffing, reading the previous states and transferring,
   * judgement (not measured): cold start, the plan and every partition's result (small GETs, 8 at
   * once). Smaller than the reduce's: no catalog, PDF or delivery (seconds).
   */
  diffBaseSeconds: 20,
  /**
   * An assembly child's fixed work besides merging and transferring, judgement (not measured),
   * taken as a diff child's: cold start, the plan, every diff range's (or partition's) result
   * with its block list and HeadObjects (small GETs, 8 at once), each part's result (seconds).
   */
  assembleBaseSeconds: 20,
  /**
   * Bytes a second S3 copies one part of an assembled report within the region (UploadPartCopy,
   * server-side): judgement, not measured; AWS publishes no figure. The reduce sends
   * `LIMITS.assemblyPartsAtOnce` of them at once.
   */
  copyBytesPerSecondPerPart: 80_000_000,
  /**
   * Bytes a second the reduce reads an assembled report's pieces back to hash them (SHA-256: S3
   * keeps none of a whole multipart object): judgement, not measured. 8 ranged GETs of 8 MiB at
   * once (sha256OfPieces in lib/aws/assembleObject.ts), hashed in order; SHA-256 itself runs at
   * about 1.5 GB/s on one core with the CPU's SHA extensions, so the GETs bind.
   */
  hashBytesPerSecond: 400_000_000,
  /**
   * States a diff child writes to the history a second: its range's new states, as gzip chunks of
   * the runs table (a part of the run's history, HistoryStore.writePart), PutItem one after the
   * other. Judgement, not measured: taken as the pace it reads them at (previousStatesPerSecond);
   * one state an item.
   */
  historyStatesWrittenPerSecond: 100_000,
  /**
   * Previous finding states a diff child reads a second: the previous run's history parts of its
   * ranges' buckets (gzip chunks of the runs table, GetItem one after the other, about 10 ms each;
   * a previous run cut into other ranges gives parts that straddle, read and filtered). Judgement,
   * not measured; the previous run is taken to have as many states as this run has items.
   */
  previousStatesPerSecond: 100_000,
  /** Bytes a second one Lambda moves to or from S3 in its region (GETs 8 at once, a report in parts 4 at once from 1 GiB): AWS publishes no figure. */
  s3BytesPerSecond: 80_000_000,
  /**
   * States the parent execution enters besides its maps' children: Plan, MapPartitions,
   * DiffRanges, AssembleParts, Reduce, Succeeded (DiffRanges is entered even by a run without
   * history, over no ranges).
   */
  parentTransitions: 6,
  /** Transitions of one STANDARD child execution (any map's): its batch task and its end (a Catch to its failure state, or a retry, adds one each). */
  childTransitions: 2,
  /** S3 requests of any run besides reports and partitions: waivers and history read, history and its index written. */
  runGets: 2,
  runPuts: 2,
  /** The run record (audit-runs): about this many bytes, plus a few per partition counted done (its number set). */
  runRecordBytes: 1_500,
  runRecordBytesPerPartition: 4,
});

export const LIMITS = Object.freeze({
  /** Lambda: 15 minutes; 1,769 MB of memory is one vCPU, more memory more CPU, up to 6 vCPUs. */
  lambdaTimeoutSeconds: 900,
  lambdaMbPerVcpu: 1769,
  lambdaMaxVcpus: 6,
  /** Lambda's /tmp (ephemeral storage): 512 MB free, configurable up to 10,240 MB. */
  lambdaMaxEphemeralMb: 10_240,
  /** A function stops itself this long before its time limit, to record and mail the failure (lib/defaults.json). */
  timeReserveSeconds: DEFAULTS.timeReserveSeconds,
  /** A Distributed Map runs at most 10,000 child workflows at once. */
  mapMaxConcurrency: 10_000,
  /** Partitions a run may have (lib/partitioned/planPartitions.ts says why). */
  maxPartitions: MAX_PARTITIONS,
  /** S3: a multipart upload's parts, uploaded or copied, hold 5 MiB (but the last) to 5 GiB (lib/aws/assembleObject.ts, kept equal by its test). */
  s3MinPartBytes: 5 * 1024 ** 2,
  s3MaxPartBytes: 5 * 1024 ** 3,
  /** Parts the reduce sends at once when it puts a report together (lib/aws/assembleObject.ts PARTS_AT_ONCE). */
  assemblyPartsAtOnce: 8,
  /** One ranged GET of the hash's read-back (sha256OfPieces' chunkBytes). */
  hashChunkBytes: 8 * 1024 ** 2,
  /** Characters a block of a sorted findings file holds: an assembly child reads a part's findings by ranged GETs of whole blocks (lib/partitioned/BlockWriter.ts). */
  blockChars: BLOCK_CHARS,
  /** DynamoDB: a read request unit covers 4 KB strongly consistent, twice that eventually consistent (a Query's default). */
  readUnitBytes: 4096,
  eventuallyConsistentFactor: 0.5,
  /** A write request unit covers 1 KB of the item written (the larger of before and after for an UpdateItem). */
  writeUnitBytes: 1024,
  /** The default per-table read quota of an on-demand table (read request units a second). */
  tableReadUnitsPerSecond: 40_000,
  /** What one physical partition serves (read units a second); a snapshot is one partition key, which DynamoDB splits by sort key when it runs hot. */
  partitionReadUnitsPerSecond: 3_000,
});

/**
 * vCPUs Lambda gives a function of this memory (proportional, 1,769 MB per vCPU).
 *
 * @example
 * lambdaVcpus(2048) // 1.157…
 */
export function lambdaVcpus(memoryMb: number): number {
  return Math.min(LIMITS.lambdaMaxVcpus, memoryMb / LIMITS.lambdaMbPerVcpu);
}

/**
 * Items a second one Lambda of this memory evaluates with this engine: the
 * measured rate per core times the function's vCPUs.
 *
 * @example
 * evaluationRate(2048, 'reference') // ≈ 11,230
 */
export function evaluationRate(memoryMb: number, engine: EngineKind): number {
  return MEASURED.mapItemsPerSecondPerCore[engine] * lambdaVcpus(memoryMb);
}

/**
 * Items a second one Lambda reads by Query and evaluates, the two taken one
 * after the other (a pessimistic bound: the reader does overlap).
 *
 * @example
 * readAndEvaluateRate(2048, 'reference') // ≈ 7,192
 */
export function readAndEvaluateRate(memoryMb: number, engine: EngineKind): number {
  return 1 / (1 / MEASURED.readItemsPerSecond + 1 / evaluationRate(memoryMb, engine));
}

/**
 * Items a second one Lambda of this memory merges from sorted findings files
 * into reports (an assembly child its parts, the reduce HTML, OCSF and Parquet):
 * one Node process uses one core, and a function below 1,769 MB gets less than one.
 *
 * @example
 * mergeRate(2048) // 20,000
 */
export function mergeRate(memoryMb: number): number {
  return MEASURED.mergeItemsPerSecond * Math.min(1, lambdaVcpus(memoryMb));
}

/**
 * Items a second one diff child of this memory diffs and sorts: one Node
 * process, one core at most, as mergeRate.
 *
 * @example
 * diffRate(2048) // 15,000
 */
export function diffRate(memoryMb: number): number {
  return MEASURED.diffItemsPerSecond * Math.min(1, lambdaVcpus(memoryMb));
}

/**
 * Bytes a finding takes in a partition's findings file: its JSON line and its
 * sort key (the diff key with history, the itemId without).
 *
 * @example
 * keyedLineBytes(true) // 1,037
 */
export function keyedLineBytes(history: boolean): number {
  return MEASURED.findingJsonBytes + MEASURED.findingKeyBytes[history ? 'history' : 'none'];
}

/** What a function may run before it stops itself to record its failure: its 15 minutes less its reserve. */
export const USABLE_SECONDS = LIMITS.lambdaTimeoutSeconds - LIMITS.timeReserveSeconds;
