import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { internalError, json, parseAuditBody, principalOf, problem } from '../lib/delivery/http';
import { runsContainer, type RunsContainer } from '../lib/delivery/runsContainer';
import { IdempotencyConflictError, startRun, TooManyAuditsError } from '../lib/delivery/startRun';

/** POST /audits: records a queued run, starts it asynchronously, answers 202 {runId, status}. */
export async function handle(event: APIGatewayProxyEventV2WithIAMAuthorizer, deps: RunsContainer = runsContainer()): Promise<APIGatewayProxyStructuredResultV2> {
  const body = parseAuditBody(event.body, event.isBase64Encoded);
  if (!body.ok) return body.response;
  const idempotencyKey = event.headers?.['idempotency-key'];
  if (idempotencyKey !== undefined && !/^[\w.:-]{1,128}$/.test(idempotencyKey)) {
    return problem(400, 'Bad request', 'Invalid header Idempotency-Key: use 1 to 128 letters, digits, dots, colons, dashes or underscores.', [
      { field: 'Idempotency-Key', message: 'invalid' },
    ]);
  }
  const { config } = deps;
  // Runs older than an invocation may wait plus the time limit are swept, so they no longer count.
  const since = new Date(Date.now() - (config.WORKER_MAX_EVENT_AGE_SECONDS + config.AUDIT_TIMEOUT_SECONDS + 120) * 1000);
  try {
    const { record, created } = await startRun(
      { trigger: 'http', requestedBy: principalOf(event), request: body.request, idempotencyKey, limit: { maxActive: config.MAX_ACTIVE_AUDITS, since } },
      deps.runs,
      deps.launcher,
    );
    deps.logger.info(created ? 'audit queued' : 'idempotent retry', { runId: record.runId });
    return json(202, { runId: record.runId, status: record.status }, { location: `/audits/${record.runId}` });
  } catch (error) {
    if (error instanceof IdempotencyConflictError) return problem(422, 'Idempotency-Key reused', error.message);
    if (error instanceof TooManyAuditsError) return problem(429, 'Too many audits', error.message, undefined, { 'retry-after': '60' });
    return internalError(event, deps.logger, 'audit could not be queued', error);
  }
}

export const handler = (event: APIGatewayProxyEventV2WithIAMAuthorizer) => handle(event);
