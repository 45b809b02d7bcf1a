import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { translateSdkError } from '../aws/sdkErrors';
import { ensureTable } from '../dynamo/ensureTable';
import { ConflictError } from '../errors';
import type { RunRecord, RunStatus } from './RunRecord';
import type { IdempotencyClaim, RunPatch, RunStore } from './RunStore';

/** GSI of the runs table that lists runs by creation time (partition `listKey`, sort `createdAt`). */
export const RUNS_BY_CREATED = 'byCreatedAt';
const LIST_KEY = 'run';
const IDEMPOTENCY_DAYS = 7;
const ACTIVE: readonly RunStatus[] = ['queued', 'running'];

/** `partitionsDone`, `rangesDone`, `partsDone`: the partitions, diff ranges and report parts a partitioned run counted (number sets), so a retried step counts once. */
type Stored = RunRecord & { listKey?: string; expiresAt?: number; partitionsDone?: Set<number>; rangesDone?: Set<number>; partsDone?: Set<number> };

/** The steps after the map that count their children: the set that holds them, the unit shown, and the phases they follow (a dry run has no diff). */
const STEP_PROGRESS = {
  diff: { set: 'rangesDone', unit: 'ranges', after: ['map'] },
  assemble: { set: 'partsDone', unit: 'parts', after: ['map', 'diff'] },
} as const;

/**
 * Run records in DynamoDB. Table: partition key `runId`. Runs carry
 * `listKey = "run"` so the `byCreatedAt` index lists them newest first, and
 * `expiresAt` (the table's TTL attribute) when the store knows how long their
 * reports are kept; idempotency keys live in the same table as
 * `idem#<principal>#<key>` items that expire after a week.
 */
export class DynamoRunStore implements RunStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Days a run record is kept (its reports' lifetime in the bucket); none: kept. */
    private readonly keepDays?: number,
  ) {}

  private async send<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (cause) {
      throw translateSdkError(cause, { service: 'DynamoDB', operation, iamAction: `dynamodb:${operation}`, target: `the audit-runs table ${this.tableName}` });
    }
  }

  /** Creates the table (with its index) when missing: for local DynamoDB; in AWS the stack owns it. */
  ensureTable(): Promise<boolean> {
    return this.send('CreateTable', () =>
      ensureTable(this.client, {
        TableName: this.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'runId', AttributeType: 'S' },
          { AttributeName: 'listKey', AttributeType: 'S' },
          { AttributeName: 'createdAt', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'runId', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: RUNS_BY_CREATED,
            KeySchema: [
              { AttributeName: 'listKey', KeyType: 'HASH' },
              { AttributeName: 'createdAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  }

  async create(record: RunRecord): Promise<void> {
    const expiresAt = this.keepDays ? Math.floor(Date.parse(record.createdAt) / 1000) + this.keepDays * 86_400 : undefined;
    await this.send('PutItem', () =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...record, listKey: LIST_KEY, ...(expiresAt ? { expiresAt } : {}) },
          ConditionExpression: 'attribute_not_exists(runId)',
        }),
      ),
    );
  }

  private updateCommand(runId: string, patch: RunPatch, condition: string, conditionValues: Record<string, unknown>) {
    const fields = Object.entries({ ...patch, updatedAt: patch.updatedAt ?? new Date().toISOString() }).filter(([, v]) => v !== undefined);
    return new UpdateCommand({
      TableName: this.tableName,
      Key: { runId },
      UpdateExpression: `SET ${fields.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: { ...Object.fromEntries(fields.map(([k], i) => [`#f${i}`, k])), ...(condition.includes('#status') ? { '#status': 'status' } : {}) },
      ExpressionAttributeValues: { ...Object.fromEntries(fields.map(([, v], i) => [`:v${i}`, v])), ...conditionValues },
      ReturnValues: 'ALL_NEW',
    });
  }

  async update(runId: string, patch: RunPatch): Promise<RunRecord> {
    const result = await this.send('UpdateItem', () => this.client.send(this.updateCommand(runId, patch, 'attribute_exists(runId)', {})));
    return strip(result.Attributes as Stored);
  }

  async transition(runId: string, from: readonly RunStatus[], patch: RunPatch): Promise<RunRecord | null> {
    const values = Object.fromEntries(from.map((status, i) => [`:from${i}`, status]));
    const condition = `attribute_exists(runId) AND #status IN (${Object.keys(values).join(', ')})`;
    try {
      const result = await this.send('UpdateItem', () => this.client.send(this.updateCommand(runId, patch, condition, values)));
      return strip(result.Attributes as Stored);
    } catch (error) {
      if (error instanceof ConflictError) return null;
      throw error;
    }
  }

  async countPartitionDone(runId: string, index: number): Promise<RunRecord | null> {
    const now = new Date().toISOString();
    return this.conditionalUpdate({
      // ADD cannot reach into a map: the set takes the index, and SET adds one to the nested count in the same write.
      UpdateExpression: 'ADD partitionsDone :index SET #progress.#done = #progress.#done + :one, #progress.#at = :now, updatedAt = :now',
      ConditionExpression: '#status = :running AND #progress.#phase = :map AND NOT contains(partitionsDone, :i)',
      ExpressionAttributeNames: { '#status': 'status', '#progress': 'progress', '#done': 'done', '#at': 'at', '#phase': 'phase' },
      ExpressionAttributeValues: { ':index': new Set([index]), ':i': index, ':one': 1, ':now': now, ':running': 'running', ':map': 'map' },
    }, runId);
  }

  async countStepDone(runId: string, step: 'diff' | 'assemble', index: number, total: number): Promise<RunRecord | null> {
    const now = new Date().toISOString();
    const { set, unit, after } = STEP_PROGRESS[step];
    const names = { '#status': 'status', '#progress': 'progress', '#phase': 'phase', '#set': set };
    const count = () =>
      this.conditionalUpdate({
        UpdateExpression: 'ADD #set :index SET #progress.#done = #progress.#done + :one, #progress.#at = :now, updatedAt = :now',
        ConditionExpression: '#status = :running AND #progress.#phase = :step AND NOT contains(#set, :i)',
        ExpressionAttributeNames: { ...names, '#done': 'done', '#at': 'at' },
        ExpressionAttributeValues: { ':index': new Set([index]), ':i': index, ':one': 1, ':now': now, ':running': 'running', ':step': step },
      }, runId);
    // The first counted ends the step before's progress; a child that loses that race counts as the others do.
    const before = Object.fromEntries(after.map((phase, i) => [`:before${i}`, phase]));
    const start = () =>
      this.conditionalUpdate({
        UpdateExpression: 'SET #progress = :progress, #set = :index, updatedAt = :now',
        ConditionExpression: `#status = :running AND #progress.#phase IN (${Object.keys(before).join(', ')})`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':progress': { phase: step, done: 1, total, unit, at: now }, ':index': new Set([index]), ':now': now, ':running': 'running', ...before },
      }, runId);
    return (await count()) ?? (await start()) ?? (await count());
  }

  /** An UpdateItem of the run's record that answers null when its condition does not hold. */
  private async conditionalUpdate(update: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key' | 'ReturnValues'>, runId: string): Promise<RunRecord | null> {
    try {
      const result = await this.send('UpdateItem', () => this.client.send(new UpdateCommand({ TableName: this.tableName, Key: { runId }, ReturnValues: 'ALL_NEW', ...update })));
      return strip(result.Attributes as Stored);
    } catch (error) {
      if (error instanceof ConflictError) return null;
      throw error;
    }
  }

  async get(runId: string): Promise<RunRecord | null> {
    const result = await this.send('GetItem', () => this.client.send(new GetCommand({ TableName: this.tableName, Key: { runId } })));
    const item = result.Item as Stored | undefined;
    return item && item.listKey === LIST_KEY ? strip(item) : null;
  }

  async listRecent(limit: number): Promise<RunRecord[]> {
    const result = await this.send('Query', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: RUNS_BY_CREATED,
          KeyConditionExpression: 'listKey = :k',
          ExpressionAttributeValues: { ':k': LIST_KEY },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return (result.Items ?? []).map((item) => strip(item as Stored));
  }

  async listActive(since: Date): Promise<RunRecord[]> {
    const runs: RunRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.send('Query', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: RUNS_BY_CREATED,
            KeyConditionExpression: 'listKey = :k AND createdAt >= :since',
            FilterExpression: '#status IN (:queued, :running)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':k': LIST_KEY, ':since': since.toISOString(), ':queued': ACTIVE[0], ':running': ACTIVE[1] },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      runs.push(...(page.Items ?? []).map((item) => strip(item as Stored)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return runs;
  }

  async claimIdempotencyKey(key: string, runId: string, requestHash: string): Promise<IdempotencyClaim> {
    const id = `idem#${key}`;
    try {
      await this.send('PutItem', () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { runId: id, targetRunId: runId, requestHash, expiresAt: Math.floor(Date.now() / 1000) + IDEMPOTENCY_DAYS * 86_400 },
            ConditionExpression: 'attribute_not_exists(runId)',
          }),
        ),
      );
      return { claimed: true };
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
    const existing = await this.send('GetItem', () => this.client.send(new GetCommand({ TableName: this.tableName, Key: { runId: id } })));
    return { claimed: false, runId: String(existing.Item?.targetRunId), requestHash: String(existing.Item?.requestHash) };
  }

  async findByIdempotencyKey(key: string): Promise<string | null> {
    const existing = await this.send('GetItem', () => this.client.send(new GetCommand({ TableName: this.tableName, Key: { runId: `idem#${key}` } })));
    return typeof existing.Item?.targetRunId === 'string' ? existing.Item.targetRunId : null;
  }
}

function strip(item: Stored): RunRecord {
  const { listKey: _listKey, expiresAt: _expiresAt, partitionsDone: _partitionsDone, rangesDone: _rangesDone, partsDone: _partsDone, ...record } = item;
  return record;
}
