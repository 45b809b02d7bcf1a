import { DescribeTableCommand, DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  ScanCommand,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '../dynamo/ensureTable';
import { translateSdkError } from '../aws/sdkErrors';
import { NotFoundError, StoreError } from '../errors';
import { DEFAULTS } from '../defaults';
import { parseTimestamp } from '../time';
import { checkStorable, ITEM_LIMITS, MARSHALL_OPTIONS } from './checkStorable';
import { mergeAsync } from './mergeAsync';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs, DEFAULT_RETRY, isRetryable, withRetry, type RetryOptions } from './retry';

/**
 * Table design (README "DynamoDB inventory table"):
 * - items: partition key `snapshotId`, sort key `itemId` — an item is stored
 *   exactly as docs/semantics.md#inventory-item describes it, and a snapshot is one item
 *   collection read by Query in `itemId` order;
 * - one manifest per snapshot in the reserved partition `#snapshots`, sort key
 *   `<capturedAt in UTC>#<snapshotId>`, so the latest snapshot is a single
 *   Query (descending, limit 1). Tables filled by other writers without a
 *   manifest still work: "latest" then comes from a projected parallel Scan.
 * A capture time later than now (plus `maxCaptureSkewMinutes` of clock skew)
 * never makes a snapshot the latest: snapshots do not come from the future.
 */
export const MANIFEST_PARTITION = '#snapshots';

/** The manifest sort key's part before the snapshot id: `<capturedAt ISO UTC>#` (24 characters + '#'). */
const MANIFEST_KEY_PREFIX_BYTES = '2026-01-01T00:00:00.000Z#'.length;

export interface SnapshotManifest {
  snapshotId: string;
  capturedAt: string;
  itemCount: number;
  rejected: number;
  loadedAt: string;
  /** The snapshot's bytes as stored, when the loader measured them (`run --explain` estimates them otherwise). */
  bytes?: number;
}

export interface ReadOptions {
  mode: 'query' | 'scan';
  /** Parallel Scan segments (mode scan). */
  segments: number;
  /** Read only the itemIds in [from, to) (mode query; null: unbounded): one partition of a partitioned run. */
  range?: { from: string | null; to: string | null };
  /** Page size limit (mostly for tests); DynamoDB caps a page at 1 MB anyway. */
  pageSize?: number;
}

export type TablePage = { kind: 'items'; items: Record<string, unknown>[] } | { kind: 'gap'; reason: string };

export interface InventoryTableOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  retry?: RetryOptions;
  /** The clock "latest" is judged by (tests pass a fixed one). */
  now?: () => Date;
  /** How far a capture time may lie ahead of `now` (clock skew) and still count (default DEFAULTS.maxCaptureSkewMinutes). */
  maxCaptureSkewMinutes?: number;
}

/**
 * Builds a DocumentClient once (at cold start, or once per CLI run).
 *
 * @example
 * const client = createDocumentClient({ endpoint: 'http://127.0.0.1:8000', region: 'local' });
 */
export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  const defined = Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined));
  const local = typeof config.endpoint === 'string' && /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])/.test(config.endpoint);
  const base = new DynamoDBClient({
    maxAttempts: 3,
    // A local DynamoDB needs some credentials and region, never real ones.
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, region: 'local' } : {}),
    ...defined,
  });
  // The SDK's logger middleware copies every response, item by item, to hide sensitive members
  // from a logger, even when there is none to log to: about 4% of reading a snapshot, measured
  // with --cpu-prof. Nothing here logs SDK calls.
  base.middlewareStack.remove('loggerMiddleware');
  return DynamoDBDocumentClient.from(base, { marshallOptions: { ...MARSHALL_OPTIONS } });
}

/** The inventory table: the only place that speaks DynamoDB. */
/** The key condition on itemId of a range [from, to) (null: unbounded), as Query can state it. */
function rangeCondition(range: ReadOptions['range']): { condition: string; values: Record<string, string> } {
  if (!range || (range.from === null && range.to === null)) return { condition: '', values: {} };
  if (range.from !== null && range.to !== null) return { condition: ' AND itemId BETWEEN :from AND :to', values: { ':from': range.from, ':to': range.to } };
  if (range.from !== null) return { condition: ' AND itemId >= :from', values: { ':from': range.from } };
  return { condition: ' AND itemId < :to', values: { ':to': range.to! } };
}

export class InventoryTable {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  private readonly retry: RetryOptions;
  private readonly now: () => Date;
  private readonly skewMs: number;

  constructor(options: InventoryTableOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.now = options.now ?? (() => new Date());
    this.skewMs = (options.maxCaptureSkewMinutes ?? DEFAULTS.maxCaptureSkewMinutes) * 60_000;
  }

  /** The latest capture time that can count as "captured" now: later ones lie in the future. */
  private captureBoundMs(): number {
    return this.now().getTime() + this.skewMs;
  }

  /**
   * Why this item cannot be written to the table, as a sentence naming the
   * field (a number the SDK cannot send, an item over 400 KB, a key too long);
   * null when it can. `inventory load` checks every item before batching it.
   *
   * @example
   * table.checkItem({ snapshotId: 's', itemId: 'a', recordCount: 1e30 }) // 'recordCount is 1e+30, beyond ±9007199254740991: …'
   */
  checkItem(item: Record<string, unknown>): string | null {
    return checkStorable(item, { partition: 'snapshotId', sort: 'itemId' }) ?? this.checkSnapshotId(item.snapshotId as string);
  }

  /** Why no snapshot can have this id (its manifest could not be written), or null. */
  checkSnapshotId(snapshotId: string): string | null {
    // The snapshot's manifest keeps the id in its sort key, after the capture time.
    const limit = ITEM_LIMITS.sortKeyBytes - MANIFEST_KEY_PREFIX_BYTES;
    const bytes = Buffer.byteLength(snapshotId, 'utf8');
    return bytes > limit ? `snapshotId is ${bytes} bytes long, over the ${limit} bytes a snapshot id may have (its manifest's key holds it).` : null;
  }

  private fail(action: string, cause: unknown): never {
    const error = translateSdkError(cause, { service: 'DynamoDB', operation: action, iamAction: `dynamodb:${action}`, target: `table ${this.tableName}` });
    if (error instanceof NotFoundError) {
      throw new NotFoundError(`DynamoDB table ${this.tableName} does not exist.`, { cause, context: { table: this.tableName } });
    }
    throw error;
  }

  /** Creates the table when missing (local use: `inventory load` against an embedded DynamoDB). */
  async ensureTable(): Promise<boolean> {
    try {
      return await ensureTable(this.client, {
        TableName: this.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'snapshotId', AttributeType: 'S' },
          { AttributeName: 'itemId', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'snapshotId', KeyType: 'HASH' },
          { AttributeName: 'itemId', KeyType: 'RANGE' },
        ],
      });
    } catch (error) {
      return this.fail('CreateTable', error);
    }
  }

  /**
   * The manifest of the newest snapshot (by capture time), or null when no
   * manifest exists. A manifest captured later than now plus the skew (written
   * by an older loader from an item dated 9999-12-31) is never the latest.
   */
  async latestManifest(): Promise<SnapshotManifest | null> {
    const boundMs = this.captureBoundMs();
    // Sort keys are `<capturedAt ISO UTC>#<snapshotId>`, fixed-width up to year 9999: every key of a
    // capture time up to the bound sorts below the bound's next millisecond.
    const below = new Date(boundMs + 1).toISOString();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.query({
        KeyConditionExpression: 'snapshotId = :p AND itemId < :below',
        ExpressionAttributeValues: { ':p': MANIFEST_PARTITION, ':below': below },
        ScanIndexForward: false,
        Limit: 10,
        ExclusiveStartKey: startKey,
      });
      for (const item of page.Items ?? []) {
        // Keys of years past 9999 ('+010000-…') sort below every other: check each capture time itself.
        const manifest = item.manifest as SnapshotManifest | undefined;
        const capturedMs = parseTimestamp(manifest?.capturedAt);
        if (manifest && typeof manifest.snapshotId === 'string' && capturedMs !== null && capturedMs <= boundMs) return manifest;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return null;
  }

  /** The manifest of one snapshot, or null. */
  async manifest(snapshotId: string): Promise<SnapshotManifest | null> {
    const page = await this.query({
      KeyConditionExpression: 'snapshotId = :p',
      FilterExpression: 'manifest.snapshotId = :s',
      ExpressionAttributeValues: { ':p': MANIFEST_PARTITION, ':s': snapshotId },
    });
    const found = (page.Items ?? []).map((item) => item.manifest as SnapshotManifest);
    return found.sort((a, b) => b.capturedAt.localeCompare(a.capturedAt))[0] ?? null;
  }

  /** Whether any item of this snapshot is in the table. */
  async hasSnapshot(snapshotId: string): Promise<boolean> {
    const page = await this.query({
      KeyConditionExpression: 'snapshotId = :s',
      ExpressionAttributeValues: { ':s': snapshotId },
      Select: 'COUNT',
      Limit: 1,
    });
    return (page.Count ?? 0) > 0;
  }

  /**
   * The table's item count and bytes as DynamoDB last computed them (DescribeTable:
   * refreshed about every six hours), for sizing a run before reading it.
   */
  async describeSize(): Promise<{ itemCount: number; sizeBytes: number }> {
    try {
      // The DocumentClient sends the base client's commands as they are.
      const { Table } = await (this.client as unknown as DynamoDBClient).send(new DescribeTableCommand({ TableName: this.tableName }));
      return { itemCount: Table?.ItemCount ?? 0, sizeBytes: Table?.TableSizeBytes ?? 0 };
    } catch (error) {
      return this.fail('DescribeTable', error);
    }
  }

  /** How many snapshot manifests the table holds, counting up to `limit`. */
  async countManifests(limit: number): Promise<number> {
    const page = await this.query({
      KeyConditionExpression: 'snapshotId = :p',
      ExpressionAttributeValues: { ':p': MANIFEST_PARTITION },
      Select: 'COUNT',
      Limit: limit,
    });
    return page.Count ?? 0;
  }

  /**
   * The newest snapshot id found by scanning the items themselves (tables
   * without manifests). Capture times that do not parse, or lie later than now
   * plus the skew, do not count.
   */
  async latestByScan(segments: number): Promise<{ snapshotId: string; capturedAt: string } | null> {
    const boundMs = this.captureBoundMs();
    let best: { snapshotId: string; capturedAt: string; ms: number } | null = null;
    for await (const page of this.scanPages({ segments, projection: true })) {
      if (page.kind === 'gap') throw new StoreError(`Cannot find the latest snapshot: ${page.reason}`);
      for (const item of page.items) {
        const snapshotId = item.snapshotId;
        const capturedAt = item.capturedAt;
        if (typeof snapshotId !== 'string' || snapshotId === MANIFEST_PARTITION || typeof capturedAt !== 'string') continue;
        const ms = parseTimestamp(capturedAt);
        if (ms === null || ms > boundMs) continue;
        if (!best || ms > best.ms || (ms === best.ms && snapshotId > best.snapshotId)) best = { snapshotId, capturedAt, ms };
      }
    }
    return best && { snapshotId: best.snapshotId, capturedAt: best.capturedAt };
  }

  async putManifest(manifest: SnapshotManifest): Promise<void> {
    const capturedUtc = new Date(manifest.capturedAt).toISOString();
    try {
      await withRetry(
        () =>
          this.client.send(
            new PutCommand({
              TableName: this.tableName,
              Item: { snapshotId: MANIFEST_PARTITION, itemId: `${capturedUtc}#${manifest.snapshotId}`, manifest },
            }),
          ),
        this.retry,
      );
    } catch (error) {
      this.fail('PutItem (manifest)', error);
    }
  }

  private async query(input: Omit<QueryCommandInput, 'TableName'>) {
    try {
      return await withRetry(() => this.client.send(new QueryCommand({ TableName: this.tableName, ...input })), this.retry);
    } catch (error) {
      return this.fail('Query', error);
    }
  }

  /**
   * The items of one snapshot, a page at a time. A page that still fails after
   * retries ends its stream with a `gap` (the run is then incomplete) instead
   * of an exception, so what was read is still reported.
   */
  readSnapshot(snapshotId: string, options: ReadOptions): AsyncIterable<TablePage> {
    if (options.mode === 'scan') return this.scanPages({ segments: options.segments, snapshotId, pageSize: options.pageSize });
    return this.queryPages(snapshotId, options.pageSize, options.range);
  }

  /**
   * The first and the last itemId of a snapshot (two one-item Queries), or null when it
   * has no item: the bounds a partitioned run cuts into itemId ranges.
   *
   * @example
   * await table.itemIdBounds('snap-2026-11-20') // { first: 'item-0000001', last: 'item-0500000' }
   */
  async itemIdBounds(snapshotId: string): Promise<{ first: string; last: string } | null> {
    const end = async (forward: boolean) => {
      const page = await this.query({
        KeyConditionExpression: 'snapshotId = :s',
        ExpressionAttributeValues: { ':s': snapshotId },
        ProjectionExpression: 'itemId',
        ScanIndexForward: forward,
        Limit: 1,
      });
      return (page.Items?.[0]?.itemId as string | undefined) ?? null;
    };
    const [first, last] = await Promise.all([end(true), end(false)]);
    return first === null || last === null ? null : { first, last };
  }

  private async *queryPages(snapshotId: string, pageSize?: number, range?: ReadOptions['range']): AsyncIterable<TablePage> {
    let startKey: Record<string, unknown> | undefined;
    // A range [from, to): DynamoDB's key condition has one comparison on the sort key, so the upper bound is inclusive (BETWEEN) and its one item dropped.
    const bounds = rangeCondition(range);
    do {
      const input: QueryCommandInput = {
        TableName: this.tableName,
        KeyConditionExpression: `snapshotId = :s${bounds.condition}`,
        ExpressionAttributeValues: { ':s': snapshotId, ...bounds.values },
        ExclusiveStartKey: startKey,
        ...(pageSize ? { Limit: pageSize } : {}),
      };
      let page;
      try {
        page = await withRetry(() => this.client.send(new QueryCommand(input)), this.retry);
      } catch (error) {
        yield { kind: 'gap', reason: `Query of snapshot ${snapshotId} stopped: ${(error as Error).name}: ${(error as Error).message}` };
        return;
      }
      const items = page.Items ?? [];
      yield { kind: 'items', items: range?.to != null ? items.filter((item) => item.itemId !== range.to) : items };
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  private scanPages(args: { segments: number; snapshotId?: string; projection?: boolean; pageSize?: number }) {
    const segment = async function* (this: InventoryTable, index: number): AsyncIterable<TablePage> {
      let startKey: Record<string, unknown> | undefined;
      do {
        const input: ScanCommandInput = {
          TableName: this.tableName,
          Segment: index,
          TotalSegments: args.segments,
          ExclusiveStartKey: startKey,
          ...(args.pageSize ? { Limit: args.pageSize } : {}),
          ...(args.snapshotId !== undefined
            ? { FilterExpression: 'snapshotId = :s', ExpressionAttributeValues: { ':s': args.snapshotId } }
            : {}),
          ...(args.projection
            ? { ProjectionExpression: '#s, #c', ExpressionAttributeNames: { '#s': 'snapshotId', '#c': 'capturedAt' } }
            : {}),
        };
        let page;
        try {
          page = await withRetry(() => this.client.send(new ScanCommand(input)), this.retry);
        } catch (error) {
          yield {
            kind: 'gap',
            reason: `Scan segment ${index + 1} of ${args.segments} stopped: ${(error as Error).name}: ${(error as Error).message}`,
          };
          return;
        }
        yield { kind: 'items', items: page.Items ?? [] };
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    };
    return mergeAsync(Array.from({ length: args.segments }, (_, index) => segment.call(this, index)));
  }

  /**
   * Writes up to 25 items with BatchWriteItem, retrying unprocessed items with
   * backoff. Returns the items that could not be written, each with a reason;
   * a batch refused as a whole (by the service, or by the SDK before sending)
   * is retried item by item so that one bad item does not take its neighbours
   * down. Callers check each item first (checkItem), so that is rare.
   */
  async writeBatch(items: Record<string, unknown>[]): Promise<{ item: Record<string, unknown>; reason: string }[]> {
    // The SDK hands unprocessed items back as copies: find the caller's own objects again by key.
    const byKey = new Map(items.map((item) => [keyOf(item), item]));
    let pending = items;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      let unprocessed: Record<string, unknown>[];
      try {
        const result = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending.map((Item) => ({ PutRequest: { Item } })) } }),
        );
        unprocessed = (result.UnprocessedItems?.[this.tableName] ?? []).flatMap((request) =>
          request.PutRequest?.Item ? [byKey.get(keyOf(request.PutRequest.Item)) ?? request.PutRequest.Item] : [],
        );
      } catch (error) {
        if ((error as Error).name === 'ResourceNotFoundException') this.fail('BatchWriteItem', error);
        if ((error as Error).name === 'ValidationException' || refusedBeforeSending(error)) return this.writeOneByOne(pending);
        if (attempt + 1 >= this.retry.attempts) {
          return pending.map((item) => ({ item, reason: `${(error as Error).name}: ${(error as Error).message}` }));
        }
        unprocessed = pending;
      }
      if (unprocessed.length === 0) return [];
      if (attempt + 1 >= this.retry.attempts) {
        return unprocessed.map((item) => ({ item, reason: `still unprocessed after ${this.retry.attempts} attempts` }));
      }
      pending = unprocessed;
      await sleep(backoffMs(attempt, this.retry));
    }
    return [];
  }

  private async writeOneByOne(items: Record<string, unknown>[]) {
    const rejected: { item: Record<string, unknown>; reason: string }[] = [];
    for (const item of items) {
      const problem = this.checkItem(item);
      if (problem) {
        rejected.push({ item, reason: problem });
        continue;
      }
      try {
        await withRetry(() => this.client.send(new PutCommand({ TableName: this.tableName, Item: item })), this.retry);
      } catch (error) {
        rejected.push({ item, reason: `${(error as Error).name}: ${(error as Error).message}` });
      }
    }
    return rejected;
  }
}

function keyOf(item: Record<string, unknown>): string {
  return JSON.stringify([item.snapshotId, item.itemId]);
}

/** An error of the SDK itself (marshalling), not an answer of the service: no request went out, and retrying cannot help. */
function refusedBeforeSending(error: unknown): boolean {
  return !(error as { $metadata?: unknown })?.$metadata && !isRetryable(error);
}
