import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { container, type Container } from '../lib/delivery/container';
import { json, problem, runView } from '../lib/delivery/http';

/** GET /audits/{runId}: the run, its status and summary, and presigned links to its reports. */
export async function handle(event: APIGatewayProxyEventV2WithIAMAuthorizer, deps: Container = container()): Promise<APIGatewayProxyStructuredResultV2> {
  const runId = event.pathParameters?.runId ?? '';
  if (!/^audit-[\w-]{1,100}$/.test(runId)) return problem(400, 'Bad request', 'Invalid path parameter runId.', [{ field: 'runId', message: 'not a run id' }]);
  try {
    const record = await deps.runs.get(runId);
    if (!record) return problem(404, 'Not found', `There is no audit run ${runId}.`);
    return json(200, await runView(record, deps.audit.reports, deps.config.PRESIGN_TTL_SECONDS));
  } catch (error) {
    deps.logger.error('run could not be read', { runId, error: (error as Error).message });
    return problem(500, 'Run not read', (error as Error).message);
  }
}

export const handler = (event: APIGatewayProxyEventV2WithIAMAuthorizer) => handle(event);
