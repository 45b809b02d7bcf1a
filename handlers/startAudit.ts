import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { container, type Container } from '../lib/delivery/container';
import { json, parseAuditBody, principalOf, problem } from '../lib/delivery/http';
import { IdempotencyConflictError, startRun } from '../lib/delivery/startRun';

/** POST /audits: records a queued run, starts it asynchronously, answers 202 {runId, status}. */
export async function handle(event: APIGatewayProxyEventV2WithIAMAuthorizer, deps: Container = container()): Promise<APIGatewayProxyStructuredResultV2> {
  const body = parseAuditBody(event.body, event.isBase64Encoded);
  if (!body.ok) return body.response;
  const idempotencyKey = event.headers?.['idempotency-key'];
  if (idempotencyKey !== undefined && !/^[\w.:-]{1,128}$/.test(idempotencyKey)) {
    return problem(400, 'Bad request', 'Invalid header Idempotency-Key: use 1 to 128 letters, digits, dots, colons, dashes or underscores.', [
      { field: 'Idempotency-Key', message: 'invalid' },
    ]);
  }
  try {
    const { record, created } = await startRun({ trigger: 'http', requestedBy: principalOf(event), request: body.request, idempotencyKey }, deps.runs, deps.launcher);
    deps.logger.info(created ? 'audit queued' : 'idempotent retry', { runId: record.runId });
    return json(202, { runId: record.runId, status: record.status }, { location: `/audits/${record.runId}` });
  } catch (error) {
    if (error instanceof IdempotencyConflictError) return problem(422, 'Idempotency-Key reused', error.message);
    deps.logger.error('audit could not be queued', { error: (error as Error).message });
    return problem(500, 'Audit not started', (error as Error).message);
  }
}

export const handler = (event: APIGatewayProxyEventV2WithIAMAuthorizer) => handle(event);
