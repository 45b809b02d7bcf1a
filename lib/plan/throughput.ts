/**
 * Every number the planner sizes a run with, in one place, each with where it
 * comes from. MEASURED figures were taken on the development machine (2 cores,
 * x86_64, Node 20) while building the SQL engine and the DynamoDB reader (the
 * figures issue 12 plans with); LIMITS are AWS's published quotas; ASSUMED
 * figures are judgement, not measurement, and say so. Change a figure here
 * and every plan, cost and README table follows.
 */
export const MEASURED = Object.freeze({
  /** The SQL engine evaluates this many items a second on `measuredCores` cores, reading the NDJSON file included. */
  sqlItemsPerSecond: 20_000,
  measuredCores: 2,
  /** One parallel-Scan segment reads this many items a second (dynalite on this machine: a local figure, see `scanNote`). */
  scanItemsPerSecondPerSegment: 20_000,
  /** A finding in the JSON report, on average (bytes). */
  findingJsonBytes: 920,
  /** A finding's row in the CSV report, on average (bytes). */
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

/** Why the Scan figure is used as it is: the only one measured; DynamoDB's own per-segment rate is not published. */
export const SCAN_NOTE = 'Scan rate per segment measured against a local DynamoDB (dynalite); DynamoDB in AWS serves 1 MB pages, typically no slower.';

export const ASSUMED = Object.freeze({
  /** A map child aims to finish in this many seconds: inside the 5 minutes of an Express child workflow, a third of Lambda's 15. */
  targetChildSeconds: 240,
  /** The PDF holds at most `pdfRows` rows per module: its size does not grow with the snapshot (bytes, generous). */
  pdfBytes: 2_000_000,
  /** A single-Lambda run's work besides reading and evaluating: cold start, catalog, PDF, history, delivery (seconds). */
  singleRunOverheadSeconds: 10,
  /** The plan step: find the snapshot, size it, list the partitions (seconds). */
  planSeconds: 5,
  /** The reduce step's fixed work: merge the summaries, draw the PDF, commit history, deliver (seconds). */
  reduceBaseSeconds: 60,
  /** One UploadPartCopy (a server-side copy of one map part into a report), issued 10 at a time (seconds each). */
  partCopySeconds: 1,
  partCopyConcurrency: 10,
  /** A DynamoDB full export's duration is not published: the plan waits this long, polling every `exportPollSeconds`. */
  exportMinutes: 60,
  exportPollSeconds: 300,
  /** State transitions of the parent (Standard) workflow besides the map's children: plan, choice, map, reduce, deliver, end. */
  parentFixedTransitions: 8,
  /** S3 requests of a single-Lambda run besides the reports: waivers and history read, history and run record written. */
  singleRunGets: 2,
  singleRunPuts: 2,
});

export const LIMITS = Object.freeze({
  /** Lambda: 15 minutes; 1,769 MB of memory is one vCPU, more memory more CPU, up to 6 vCPUs. */
  lambdaTimeoutSeconds: 900,
  lambdaMbPerVcpu: 1769,
  lambdaMaxVcpus: 6,
  /** Express workflows run at most 5 minutes. */
  expressMaxSeconds: 300,
  /** A Distributed Map runs at most 10,000 child workflows at once. */
  mapMaxConcurrency: 10_000,
  /** S3 multipart upload: at most 10,000 parts, each at most 5 GiB (and at least 5 MiB but the last). */
  s3MaxParts: 10_000,
  s3MaxPartBytes: 5 * 1024 ** 3,
  /** DynamoDB: a read request unit covers 4 KB strongly consistent, twice that eventually consistent (a Scan's default). */
  readUnitBytes: 4096,
  eventuallyConsistentFactor: 0.5,
  /** The default per-table read quota of an on-demand table (read request units a second). */
  tableReadUnitsPerSecond: 40_000,
  /** A parallel Scan takes at most 1,000,000 segments. */
  maxScanSegments: 1_000_000,
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
 * Items a second one Lambda of this memory evaluates with the SQL engine: the
 * measured rate per core times the function's vCPUs.
 *
 * @example
 * evaluationRate(2048) // ≈ 11,577
 */
export function evaluationRate(memoryMb: number): number {
  return (MEASURED.sqlItemsPerSecond / MEASURED.measuredCores) * lambdaVcpus(memoryMb);
}

/**
 * Items a second one Lambda reads from a Scan segment and evaluates, the two
 * taken one after the other (a pessimistic bound: the reader does overlap).
 *
 * @example
 * scanAndEvaluateRate(2048) // ≈ 7,332
 */
export function scanAndEvaluateRate(memoryMb: number): number {
  return 1 / (1 / MEASURED.scanItemsPerSecondPerSegment + 1 / evaluationRate(memoryMb));
}
