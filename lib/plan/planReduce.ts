/**
 * The reduce step of a run on the state machine (lib/delivery/reducePartitionedRun.ts), planned:
 * one Lambda that merges the steps' small results, commits the history (the diff ranges wrote
 * its parts), puts the JSON and CSV reports together in S3 from the assembly's parts and writes
 * the other reports itself. Its own module because what bounds it changed with the assembly: no
 * longer the reports in /tmp, but the time to put them together (and any report it still writes
 * itself).
 * Pure: numbers in, plan out.
 */
import type { FormatId } from '../report/formats/formatIds';
import type { AssemblyPlan } from './planAssembly';
import type { PlanOptions } from './planOptions';
import { gib, minutes } from './sizeWords';
import { ASSUMED, LIMITS, MEASURED, mergeRate, USABLE_SECONDS } from './throughput';
import { formatCount } from '../units';

/** One report the reduce puts together in the reports bucket from the parts (a multipart upload S3 fills itself). */
export interface AssembledReportPlan {
  format: FormatId;
  bytes: number;
  /** Parts S3 copies (UploadPartCopy): each report part's file, split where it is above S3's 5 GiB. */
  copyParts: number;
  /** Parts the reduce uploads: the head with the first part's opening bytes, and the tail (all of it when the parts are below S3's 5 MiB). */
  uploadParts: number;
  /** Ranged GETs of 8 MiB that read it back for its SHA-256. */
  hashGets: number;
  /** S3 copying the parts, `LIMITS.assemblyPartsAtOnce` at once. */
  copySeconds: number;
  /** Reading it back and hashing it, while S3 copies: the report takes the longer of the two. */
  hashSeconds: number;
}

export interface ReducePlan {
  /** False for a run without history, a dry run: it stores no report (completeRun), so it puts none together and writes none. */
  storesReports: boolean;
  /** The reports put together in S3 from the parts, one after the other: JSON, then CSV when the run writes it. */
  assembled: AssembledReportPlan[];
  /** Their copy and hash, each report the longer of the two. */
  assembleSeconds: number;
  /** The reports it writes itself into /tmp and uploads: the PDF from the parts' merged models, HTML, OCSF and Parquet when asked. */
  written: FormatId[];
  /** Those of them it feeds every finding again, read back from the JSON parts (HTML, OCSF, Parquet). */
  fed: FormatId[];
  /** Items a second it writes those at (the merge rate). */
  itemsPerSecond: number;
  /** The JSON parts it reads back for them (0 when it writes none of them). */
  readBytes: number;
  /** Writing and uploading the reports it writes itself. */
  writeSeconds: number;
  /** Its fixed work, the assembled reports and the written ones, one after the other. */
  seconds: number;
  /** /tmp at its peak: the reports it writes itself (the tails are a few KB). */
  tmpBytes: number;
  /** Within one Lambda's 15 minutes (less its reserve) and Lambda's largest /tmp. */
  withinLimits: boolean;
}

/**
 * The reduce of a run over `items` items whose reports weigh `reports` (reportBytes), their
 * JSON and CSV written in `assembly.parts` parts. Per assembled report, S3 copies the parts
 * (UploadPartCopy, 8 at once) while the reduce reads the same bytes back to hash them (8 ranged
 * GETs at once): the two overlap, so a report takes the longer; the reports go one after the
 * other. HTML, OCSF and Parquet it writes itself, from the JSON parts read back.
 *
 * @example
 * planReduce(10_000_000, assembly, DEFAULT_PLAN_OPTIONS, reportBytes(10_000_000, ['json', 'csv', 'pdf'])).tmpBytes // 2,000,000: the PDF
 */
export function planReduce(items: number, assembly: AssemblyPlan, options: PlanOptions, reports: Partial<Record<FormatId, number>>): ReducePlan {
  const storesReports = options.history;
  const formats = storesReports ? (Object.keys(reports) as FormatId[]) : [];
  const assembled = formats.filter((format) => assembly.formats.includes(format)).map((format) => assembledReport(format, reports[format] ?? 0, assembly.parts));
  const written = formats.filter((format) => !assembly.formats.includes(format));
  const fed = written.filter((format) => format !== 'pdf');
  const itemsPerSecond = mergeRate(options.memoryMb);
  const readBytes = fed.length > 0 ? items * MEASURED.findingJsonBytes : 0;
  const writtenBytes = written.reduce((total, format) => total + (reports[format] ?? 0), 0);
  const writeSeconds = (fed.length > 0 ? items / itemsPerSecond : 0) + (readBytes + writtenBytes) / ASSUMED.s3BytesPerSecond;
  const assembleSeconds = assembled.reduce((total, report) => total + Math.max(report.copySeconds, report.hashSeconds), 0);
  // The history: the diff ranges' functions wrote their states as parts; the reduce's commit names them (one write).
  const seconds = ASSUMED.reduceBaseSeconds + assembleSeconds + writeSeconds;
  const tmpBytes = writtenBytes;
  return {
    storesReports,
    assembled,
    assembleSeconds,
    written,
    fed,
    itemsPerSecond,
    readBytes,
    writeSeconds,
    seconds,
    tmpBytes,
    withinLimits: seconds <= USABLE_SECONDS && tmpBytes <= LIMITS.lambdaMaxEphemeralMb * 2 ** 20,
  };
}

/**
 * One report put together from `parts` part files of about equal size (lib/aws/assembleObject.ts
 * planParts): each file at least S3's 5 MiB is copied by S3 (split at 5 GiB), the head and the
 * tail gathered into two uploaded parts; files below 5 MiB are gathered and uploaded whole.
 */
function assembledReport(format: FormatId, bytes: number, parts: number): AssembledReportPlan {
  const partBytes = bytes / parts;
  const hashGets = parts * Math.ceil(partBytes / LIMITS.hashChunkBytes) + 1;
  const hashSeconds = bytes / ASSUMED.hashBytesPerSecond;
  if (partBytes < LIMITS.s3MinPartBytes) {
    // Every piece passes through the reduce: read, then uploaded in parts of at least 5 MiB.
    return { format, bytes, copyParts: 0, uploadParts: Math.max(1, Math.floor(bytes / LIMITS.s3MinPartBytes)), hashGets, copySeconds: (2 * bytes) / ASSUMED.s3BytesPerSecond, hashSeconds };
  }
  const piecesPerPart = Math.ceil(partBytes / LIMITS.s3MaxPartBytes);
  const copyParts = parts * piecesPerPart;
  const largestPiece = Math.min(partBytes, LIMITS.s3MaxPartBytes);
  const copySeconds = Math.ceil(copyParts / LIMITS.assemblyPartsAtOnce) * (largestPiece / ASSUMED.copyBytesPerSecondPerPart);
  return { format, bytes, copyParts, uploadParts: 2, hashGets, copySeconds, hashSeconds };
}

/** How the plan names a format to people. */
const NAMES: { readonly [K in FormatId]: string } = { json: 'JSON', csv: 'CSV', pdf: 'PDF', html: 'HTML', ocsf: 'OCSF', parquet: 'Parquet' };

/**
 * Formats for people: "JSON and CSV".
 *
 * @example
 * formatNames(['html', 'ocsf', 'parquet']) // 'HTML, OCSF and Parquet'
 */
export function formatNames(formats: readonly FormatId[]): string {
  const names = formats.map((format) => NAMES[format]);
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * What the plan says of the reduce beyond one Lambda's limits, naming what takes its time and
 * what would fit: leaving out the reports it writes itself when that is enough. Within Lambda's
 * limits but beyond the deployed /tmp: raise it.
 *
 * @example
 * reduceWarnings(100_000_000, options, plan.reduce, plan.reportBytes) // ['The reduce is one Lambda: at 100,000,000 items it needs about 24 min (…) …']
 */
export function reduceWarnings(items: number, options: PlanOptions, reduce: ReducePlan, reports: Partial<Record<FormatId, number>>): string[] {
  const maxTmp = LIMITS.lambdaMaxEphemeralMb * 2 ** 20;
  if (!reduce.withinLimits) {
    const beyond = [...(reduce.seconds > USABLE_SECONDS ? ['15 minutes'] : []), ...(reduce.tmpBytes > maxTmp ? [`${gib(maxTmp)} of /tmp`] : [])];
    const fedBytes = reduce.fed.reduce((total, format) => total + (reports[format] ?? 0), 0);
    const fedSeconds = reduce.fed.length > 0 ? items / reduce.itemsPerSecond + (reduce.readBytes + fedBytes) / ASSUMED.s3BytesPerSecond : 0;
    const takes = [
      ...(reduce.assembled.length > 0 ? [`${minutes(reduce.assembleSeconds)} to put the ${formatNames(reduce.assembled.map((report) => report.format))} together in S3 and hash them`] : []),
      ...(reduce.fed.length > 0 ? [`${minutes(fedSeconds)} to write the ${formatNames(reduce.fed)} from the JSON parts`] : []),
    ];
    const tmp = reduce.fed.length > 0 || reduce.tmpBytes > maxTmp ? ` and ${gib(reduce.tmpBytes)} of /tmp for the ${formatNames(reduce.written)}` : '';
    return [
      `The reduce is one Lambda: at ${formatCount(items)} items it needs about ${minutes(reduce.seconds)} (${takes.join(', ')})${tmp}, beyond its limits (${beyond.join(', ')}): ${reduceRemedy(reduce, fedSeconds, fedBytes)}.`,
    ];
  }
  if (reduce.tmpBytes > options.reduceEphemeralMb * 2 ** 20) {
    const needMb = Math.ceil(reduce.tmpBytes / 2 ** 20);
    return [
      `The reduce needs about ${gib(reduce.tmpBytes)} of /tmp for the reports it writes itself (${formatNames(reduce.written)}), more than reduceAudit's ${formatCount(options.reduceEphemeralMb)} MB (serverless.yml, ephemeralStorageSize): raise it to at least ${formatCount(needMb)} MB (Lambda allows ${formatCount(LIMITS.lambdaMaxEphemeralMb)}).`,
    ];
  }
  return [];
}

/** What would bring the reduce within its limits, if anything the run's settings change. */
function reduceRemedy(reduce: ReducePlan, fedSeconds: number, fedBytes: number): string {
  const fitsWithoutFed = reduce.seconds - fedSeconds <= USABLE_SECONDS && reduce.tmpBytes - fedBytes <= LIMITS.lambdaMaxEphemeralMb * 2 ** 20;
  if (reduce.fed.length > 0 && fitsWithoutFed) return `leave out ${reduce.fed.join(', ')} for runs this large (the reduce writes ${reduce.fed.length === 1 ? 'it' : 'them'} itself from the JSON parts; the JSON and CSV are put together in S3)`;
  return 'this size cannot be audited in AWS as built';
}
