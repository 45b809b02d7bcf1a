/**
 * When the run's objects (reports, a partition's lines) are uploaded in parts, and
 * what that costs in requests: shared by ReportStore, which uploads, and the cost
 * estimate (lib/plan/estimateCost.ts), which prices the requests, without the SDK.
 */

/** When an object is uploaded in parts, and how large they are. */
export interface MultipartOptions {
  /** Objects from this size on: one PutObject stores at most 5 GiB, and parts go up several at once, each retried alone. */
  fromBytes: number;
  /** Bytes a part, 5 MiB at least (S3's minimum); S3 allows 10,000 parts. */
  partBytes: number;
}

/** 1 GiB and up, in parts of 64 MiB (10,000 of them: 625 GiB). */
export const MULTIPART: MultipartOptions = Object.freeze({ fromBytes: 1024 ** 3, partBytes: 64 * 1024 ** 2 });

/**
 * The PUT-class requests that upload an object of `bytes`: one PutObject, or
 * CreateMultipartUpload, one UploadPart a part and CompleteMultipartUpload.
 *
 * @example
 * putRequests(2 * 1024 ** 3) // 34: create, 32 parts of 64 MiB, complete
 */
export function putRequests(bytes: number, options: MultipartOptions = MULTIPART): number {
  return bytes < options.fromBytes ? 1 : 2 + Math.ceil(bytes / options.partBytes);
}
