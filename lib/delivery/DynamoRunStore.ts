import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '../dynamo/ensureTable';
import { StoreError } from '../errors';
import type { RunRecord } from './RunRecord';
import type { IdempotencyClaim, RunPatch, RunStore } from './RunStore';

/** GSI of the runs table that lists runs by creation time (partition `listKey`, sort `createdAt`). */
export const RUNS_BY_CREATED = 'byCreatedAt';
const LIST_KEY = 'run';
const IDEMPOTENCY_DAYS = 7;

/**
 * Run records in DynamoDB. Table: partition key `runId`. Runs carry
 * `listKey = "run"` so the `byCreatedAt` index lists them newest first;
 * idempotency keys live in the same table as `idem#<principal>#<key>` items
 * that expire (TTL attribute `expiresAt`) after a week.
 */
export class DynamoRunStore implements RunStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async send<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (cause) {
      if (cause instanceof ConditionalCheckFailedException) throw cause;
      throw new StoreError(`DynamoDB ${action} on the audit-runs table ${this.tableName} failed: ${(cause as Error).name}: ${(cause as Error).message}`, {
        cause,
        context: { table: this.tableName },
      });
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
    await this.send('PutItem', () =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...record, listKey: LIST_KEY },
          ConditionExpression: 'attribute_not_exists(runId)',
        }),
      ),
    );
  }

  async update(runId: string, patch: RunPatch): Promise<RunRecord> {
    const fields = Object.entries({ ...patch, updatedAt: patch.updatedAt ?? new Date().toISOString() }).filter(([, v]) => v !== undefined);
    const names = Object.fromEntries(fields.map(([k], i) => [`#f${i}`, k]));
    const values = Object.fromEntries(fields.map(([, v], i) => [`:v${i}`, v]));
    const result = await this.send('UpdateItem', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { runId },
          UpdateExpression: `SET ${fields.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
          ConditionExpression: 'attribute_exists(runId)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return strip(result.Attributes as RunRecord & { listKey?: string });
  }

  async get(runId: string): Promise<RunRecord | null> {
    const result = await this.send('GetItem', () => this.client.send(new GetCommand({ TableName: this.tableName, Key: { runId } })));
    const item = result.Item as (RunRecord & { listKey?: string }) | undefined;
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
    return (result.Items ?? []).map((item) => strip(item as RunRecord & { listKey?: string }));
  }

  async claimIdempotencyKey(key: string, runId: string, requestHash: string): Promise<IdempotencyClaim> {
    const id = `idem#${key}`;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { runId: id, targetRunId: runId, requestHash, expiresAt: Math.floor(Date.now() / 1000) + IDEMPOTENCY_DAYS * 86_400 },
          ConditionExpression: 'attribute_not_exists(runId)',
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) && (error as Error).name !== 'ConditionalCheckFailedException') {
        throw new StoreError(`DynamoDB PutItem on the audit-runs table ${this.tableName} failed: ${(error as Error).message}`, { cause: error });
      }
    }
    const existing = await this.send('GetItem', () => this.client.send(new GetCommand({ TableName: this.tableName, Key: { runId: id } })));
    return { claimed: false, runId: String(existing.Item?.targetRunId), requestHash: String(existing.Item?.requestHash) };
  }
}

function strip(item: RunRecord & { listKey?: string }): RunRecord {
  const { listKey: _listKey, ...record } = item;
  return record;
}
