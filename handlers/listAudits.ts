import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { internalError, json, problem } from '../lib/delivery/http';
import { runsContainer, type RunsContainer } from '../lib/delivery/runsContainer';

/** GET /audits[?limit=N]: recent runs, newest first (default 20, at most 100). */
export async function handle(event: APIGatewayProxyEventV2WithIAMAuthorizer, deps: RunsContainer = runsContainer()): Promise<APIGatewayProxyStructuredResultV2> {
  const raw = event.queryStringParameters?.limit;
  const limit = raw === undefined ? 20 : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    return problem(400, 'Bad request', 'Invalid query parameter limit: use a whole number from 1 to 100.', [{ field: 'limit', message: 'out of range' }]);
  }
  try {
    const runs = await deps.runs.listRecent(limit);
    return json(200, {
      runs: runs.map(({ runId, trigger, status, requestedBy, createdAt, finishedAt, snapshotId, summary }) => ({
        runId, trigger, status, requestedBy, createdAt, finishedAt, snapshotId, summary,
      })),
    });
  } catch (error) {
    return internalError(event, deps.logger, 'runs could not be listed', error);
  }
}

export const handler = (event: APIGatewayProxyEventV2WithIAMAuthorizer) => handle(event);
