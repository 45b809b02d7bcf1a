import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { FORMAT_IDS } from '../report/formats/formatIds';
import type { ReportStore } from './ReportStore';
import type { AuditRequest, RunRecord } from './RunRecord';

/** POST /audits body: every field optional, unknown fields refused. */
export const auditBodySchema = z.strictObject({
  snapshotId: z.string().min(1).max(256).optional(),
  formats: z
    .array(z.enum(FORMAT_IDS))
    .min(1)
    .refine((list) => new Set(list).size === list.length, 'must not repeat a format')
    .optional(),
  notify: z.boolean().optional(),
  dryRun: z.boolean().optional(),
});

export type BodyCheck = { ok: true; request: AuditRequest } | { ok: false; response: APIGatewayProxyStructuredResultV2 };

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** An RFC 9457 problem document. */
export function problem(
  statusCode: number,
  title: string,
  detail: string,
  errors?: { field: string; message: string }[],
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return json(statusCode, { type: 'about:blank', title, status: statusCode, detail, ...(errors ? { errors } : {}) }, { 'content-type': 'application/problem+json', ...headers });
}

/**
 * A 500 that tells the caller nothing about the deployment (no table names,
 * ARNs or account ids): the details go to the log under the request id.
 */
export function internalError(
  event: APIGatewayProxyEventV2WithIAMAuthorizer,
  logger: { error(message: string, data: Record<string, unknown>): void },
  what: string,
  error: unknown,
): APIGatewayProxyStructuredResultV2 {
  const requestId = event.requestContext?.requestId ?? 'unknown';
  logger.error(what, { requestId, error: (error as Error)?.message ?? String(error), errorName: (error as Error)?.name });
  return problem(500, 'Internal error', `The request could not be completed; quote request id ${requestId} to the operators.`);
}

/**
 * Validates a POST /audits body; a bad body gets a 400 problem naming the field.
 *
 * @example
 * parseAuditBody('{"formats":["pdf"]}') // { ok: true, request: { formats: ['pdf'], notify: false, dryRun: false } }
 */
export function parseAuditBody(raw: string | undefined, base64 = false): BodyCheck {
  let data: unknown = {};
  if (raw !== undefined && raw.trim() !== '') {
    try {
      data = JSON.parse(base64 ? Buffer.from(raw, 'base64').toString('utf8') : raw);
    } catch {
      return { ok: false, response: problem(400, 'Bad request', 'Invalid field (body): the request body is not valid JSON.', [{ field: '(body)', message: 'not valid JSON' }]) };
    }
  }
  const parsed = auditBodySchema.safeParse(data);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({
      field: issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.') || '(body)',
      message: issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message,
    }));
    return { ok: false, response: problem(400, 'Bad request', `Invalid field ${errors[0]!.field}: ${errors[0]!.message}.`, errors) };
  }
  const body = parsed.data;
  return {
    ok: true,
    request: {
      ...(body.snapshotId ? { snapshotId: body.snapshotId } : {}),
      formats: body.formats ?? ['json', 'csv', 'pdf'],
      notify: body.notify ?? false,
      dryRun: body.dryRun ?? false,
    },
  };
}

/** Who asked: the IAM principal API Gateway authenticated. */
export function principalOf(event: APIGatewayProxyEventV2WithIAMAuthorizer): string {
  const iam = event.requestContext.authorizer?.iam;
  return iam?.userArn ?? iam?.callerId ?? 'unknown';
}

type ReportView = { key: string; sha256: string; bytes: number } & ({ url: string; expiresInSeconds: number } | { expired: true });

/**
 * A run as the API shows it, with short-lived links to its reports; a report
 * older than the bucket keeps reports is shown as expired, without a link that
 * would only answer 403.
 */
export async function runView(
  record: RunRecord,
  reports: ReportStore,
  options: { linkSeconds: number; retentionDays: number; now?: Date },
): Promise<Record<string, unknown>> {
  const links: Record<string, ReportView> = {};
  const expired = Date.parse(record.createdAt) + options.retentionDays * 86_400_000 <= (options.now ?? new Date()).getTime();
  for (const [format, stored] of Object.entries(record.reports ?? {})) {
    if (!stored) continue;
    links[format] = expired
      ? { ...stored, expired: true }
      : { ...stored, url: await reports.link(stored.key, options.linkSeconds), expiresInSeconds: options.linkSeconds };
  }
  const { reports: _stored, ...rest } = record;
  return { ...rest, reports: links };
}
