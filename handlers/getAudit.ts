import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { internalError, json, problem, runView } from '../lib/delivery/http';
import { runsContainer, type RunsContainer } from '../lib/delivery/runsContainer';

/** GET /audits/{runId}: the run, its status and summary, and presigned links to its reports while they are kept. */
export async function handle(event: APIGatewayProxyEventV2WithIAMAuthorizer, deps: RunsContainer = runsContainer()): Promise<APIGatewayProxyStructuredResultV2> {
  const runId = event.pathParameters?.runId ?? '';
  if (!/^audit-[\w-]{1,100}$/.test(runId)) return problem(400, 'Bad request', 'Invalid path parameter runId.', [{ field: 'runId', message: 'not a run id' }]);
  try {
    const record = await deps.runs.get(runId);
    if (!record) return problem(404, 'Not found', `There is no audit run ${runId}.`);
    return json(200, await runView(record, deps.reports, { linkSeconds: deps.config.PRESIGN_TTL_SECONDS, retentionDays: deps.config.REPORT_RETENTION_DAYS }));
  } catch (error) {
    return internalError(event, deps.logger, 'run could not be read', error);
  }
}

export const handler = (event: APIGatewayProxyEventV2WithIAMAuthorizer) => handle(event);
