import { z } from 'zod';
import { UsageError } from '../errors';

const emails = z
  .string()
  .min(1)
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(z.email()).min(1));

/** The deployment's configuration, from environment variables set per stage in serverless.yml. */
export const deliveryConfigSchema = z.object({
  INVENTORY_TABLE: z.string().min(3),
  RUNS_TABLE: z.string().min(3),
  /** Reports go to this S3 bucket… */
  REPORTS_BUCKET: z.string().min(3).optional(),
  /** …or, offline, to this folder. */
  REPORTS_DIR: z.string().min(1).optional(),
  DPO_EMAIL: emails,
  SENDER_EMAIL: z.email(),
  SMTP_URL: z.url().optional(),
  DYNAMODB_ENDPOINT: z.url().optional(),
  PRESIGN_TTL_SECONDS: z.coerce.number().int().min(60).max(604_800).default(900),
  ATTACH_MAX_BYTES: z.coerce.number().int().min(0).default(5 * 1024 * 1024),
  GRACE_DAYS: z.coerce.number().int().min(1).default(30),
  PDF_ROWS: z.coerce.number().int().min(1).default(200),
  FORECAST_DAYS: z.coerce.number().int().min(0).default(30),
  STALE_AFTER_HOURS: z.coerce.number().int().min(1).default(48),
  /** Waivers (YAML): an object key in the reports bucket… */
  WAIVERS_KEY: z.string().min(1).optional(),
  /** …or, offline, a local file. */
  WAIVERS_FILE: z.string().min(1).optional(),
  /** The worker function started for each HTTP run (asynchronous invocation). */
  AUDIT_WORKER_FUNCTION: z.string().min(1).optional(),
  /** `inprocess` (serverless-offline): run the audit in the API process instead of invoking the worker. */
  AUDIT_LAUNCH: z.enum(['lambda', 'inprocess']).default('lambda'),
});
export type DeliveryConfig = z.infer<typeof deliveryConfigSchema>;

/**
 * Reads and checks the configuration; a missing or malformed variable fails
 * with one sentence naming it.
 *
 * @example
 * const config = readDeliveryConfig(process.env);
 */
export function readDeliveryConfig(env: Record<string, string | undefined>): DeliveryConfig {
  // serverless.yml writes unset optional variables as empty strings.
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = deliveryConfigSchema.safeParse(set);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`Configuration ${String(issue.path[0] ?? '')} is invalid: ${issue.message}.`);
  }
  if (!parsed.data.REPORTS_BUCKET && !parsed.data.REPORTS_DIR) {
    throw new UsageError('Configuration needs REPORTS_BUCKET (S3) or REPORTS_DIR (a local folder) for the reports.');
  }
  return parsed.data;
}
