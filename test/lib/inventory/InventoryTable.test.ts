/** Failure paths a local DynamoDB cannot produce: throttling, server faults, unprocessed items. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { InventoryTable } from '../../../lib/inventory/InventoryTable';
import { collect } from '../../helpers/files';
import { makeItem } from '../../helpers/items';

const FAST = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 };
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const mock = mockClient(documentClient);
const table = () => new InventoryTable({ client: documentClient, tableName: 'inventory', retry: FAST });

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } });
const serverError = () => Object.assign(new Error('boom'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });

beforeEach(() => mock.reset());

describe('InventoryTable reads', () => {
  it('retries a throttled Query page and carries on from where it was', async () => {
    mock
      .on(QueryCommand)
      .rejectsOnce(throttled())
      .resolvesOnce({ Items: [makeItem({ itemId: 'a' })], LastEvaluatedKey: { snapshotId: 's', itemId: 'a' } })
      .rejectsOnce(serverError())
      .resolvesOnce({ Items: [makeItem({ itemId: 'b' })] });
    const pages = await collect(table().readSnapshot('s', { mode: 'query', segments: 1 }));
    expect(pages.map((p) => (p.kind === 'items' ? p.items.map((i) => i.itemId) : p.kind))).toEqual([['a'], ['b']]);
    expect(mock).toHaveReceivedCommandTimes(QueryCommand, 4);
    expect(mock).toHaveReceivedNthCommandWith(4, QueryCommand, { ExclusiveStartKey: { snapshotId: 's', itemId: 'a' } });
  });

  it('ends a segment with a gap, not an exception, when retries run out, and the other segments go on', async () => {
    mock.on(ScanCommand, { Segment: 0 }).resolves({ Items: [makeItem({ itemId: 'a' })] });
    mock.on(ScanCommand, { Segment: 1 }).rejects(serverError());
    const pages = await collect(table().readSnapshot('s', { mode: 'scan', segments: 2 }));
    expect(pages).toContainEqual({ kind: 'items', items: [makeItem({ itemId: 'a' })] });
    expect(pages).toContainEqual({ kind: 'gap', reason: 'Scan segment 2 of 2 stopped: InternalServerError: boom' });
    expect(mock).toHaveReceivedCommandTimes(ScanCommand, 1 + FAST.attempts);
  });

  it('does not retry an error that retrying cannot fix', async () => {
    mock.on(QueryCommand).rejects(Object.assign(new Error('bad key'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } }));
    const pages = await collect(table().readSnapshot('s', { mode: 'query', segments: 1 }));
    expect(pages).toEqual([{ kind: 'gap', reason: 'Query of snapshot s stopped: ValidationException: bad key' }]);
    expect(mock).toHaveReceivedCommandTimes(QueryCommand, 1);
  });

  it('filters a Scan to the snapshot and asks each segment for its own part', async () => {
    mock.on(ScanCommand).resolves({ Items: [] });
    await collect(table().readSnapshot('snap-9', { mode: 'scan', segments: 3 }));
    for (const segment of [0, 1, 2]) {
      expect(mock).toHaveReceivedCommandWith(ScanCommand, {
        Segment: segment,
        TotalSegments: 3,
        FilterExpression: 'snapshotId = :s',
        ExpressionAttributeValues: { ':s': 'snap-9' },
      });
    }
  });
});

describe('InventoryTable batch writes', () => {
  const items = [makeItem({ itemId: 'a' }), makeItem({ itemId: 'b' }), makeItem({ itemId: 'c' })];

  it('retries unprocessed items with backoff until all are written', async () => {
    mock
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { inventory: [{ PutRequest: { Item: items[1]! } }, { PutRequest: { Item: items[2]! } }] } })
      .resolvesOnce({ UnprocessedItems: { inventory: [{ PutRequest: { Item: items[2]! } }] } })
      .resolvesOnce({});
    expect(await table().writeBatch(items)).toEqual([]);
    expect(mock).toHaveReceivedCommandTimes(BatchWriteCommand, 3);
    expect(mock).toHaveReceivedNthCommandWith(3, BatchWriteCommand, { RequestItems: { inventory: [{ PutRequest: { Item: items[2] } }] } });
  });

  it('returns, with a reason, the items still unprocessed after every attempt', async () => {
    mock.on(BatchWriteCommand).resolves({ UnprocessedItems: { inventory: [{ PutRequest: { Item: items[0]! } }] } });
    expect(await table().writeBatch(items)).toEqual([{ item: items[0], reason: 'still unprocessed after 4 attempts' }]);
  });

  it('retries a throttled batch as a whole', async () => {
    mock.on(BatchWriteCommand).rejectsOnce(throttled()).resolves({});
    expect(await table().writeBatch(items)).toEqual([]);
    expect(mock).toHaveReceivedCommandTimes(BatchWriteCommand, 2);
  });

  it('isolates an item the service refuses, writing its neighbours one by one', async () => {
    mock.on(BatchWriteCommand).rejects(Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException' }));
    mock.on(PutCommand).resolves({});
    mock.on(PutCommand, { Item: items[1] }).rejects(Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException' }));
    const rejected = await table().writeBatch(items);
    expect(rejected).toEqual([{ item: items[1], reason: 'ValidationException: Item size has exceeded the maximum allowed size' }]);
    expect(mock).toHaveReceivedCommandTimes(PutCommand, 3);
  });
});

describe('InventoryTable batch writes hand back the caller’s own items', () => {
  it('maps unprocessed items (copies, as the SDK returns them) back to the objects it was given', async () => {
    const items = [makeItem({ itemId: 'a' }), makeItem({ itemId: 'b' })];
    mock.on(BatchWriteCommand).resolves({ UnprocessedItems: { inventory: [{ PutRequest: { Item: structuredClone(items[1]!) } }] } });
    const rejected = await table().writeBatch(items);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.item).toBe(items[1]);
  });

  it('an error of the SDK before sending (not a service answer) is not retried as a batch: the items go one by one', async () => {
    const items = [makeItem({ itemId: 'a' }), makeItem({ itemId: 'b' })];
    mock.on(BatchWriteCommand).rejects(new Error('cannot marshal'));
    mock.on(PutCommand).resolves({});
    expect(await table().writeBatch(items)).toEqual([]);
    expect(mock).toHaveReceivedCommandTimes(BatchWriteCommand, 1);
    expect(mock).toHaveReceivedCommandTimes(PutCommand, 2);
  });
});

describe('InventoryTable latest manifest', () => {
  const now = new Date('2026-11-21T00:00:00Z');
  const manifestItem = (snapshotId: string, capturedAt: string) => ({
    snapshotId: '#snapshots',
    itemId: `${capturedAt}#${snapshotId}`,
    manifest: { snapshotId, capturedAt, itemCount: 1, rejected: 0, loadedAt: capturedAt },
  });

  it('asks only for sort keys up to now plus the skew, newest first', async () => {
    mock.on(QueryCommand).resolves({ Items: [manifestItem('s', '2026-11-20T00:00:00.000Z')] });
    const latest = await new InventoryTable({ client: documentClient, tableName: 'inventory', retry: FAST, now: () => now, maxCaptureSkewMinutes: 10 }).latestManifest();
    expect(latest?.snapshotId).toBe('s');
    expect(mock).toHaveReceivedCommandWith(QueryCommand, {
      KeyConditionExpression: 'snapshotId = :p AND itemId < :below',
      ExpressionAttributeValues: { ':p': '#snapshots', ':below': '2026-11-21T00:10:00.001Z' },
      ScanIndexForward: false,
    });
  });

  it('skips a manifest whose own capture time is later or does not parse, page after page', async () => {
    mock
      .on(QueryCommand)
      .resolvesOnce({ Items: [manifestItem('late', '+010000-01-01T00:00:00.000Z'), manifestItem('junk', 'yesterday')], LastEvaluatedKey: { snapshotId: '#snapshots', itemId: 'x' } })
      .resolvesOnce({ Items: [manifestItem('ok', '2026-11-01T00:00:00.000Z')] });
    const latest = await new InventoryTable({ client: documentClient, tableName: 'inventory', retry: FAST, now: () => now }).latestManifest();
    expect(latest?.snapshotId).toBe('ok');
    expect(mock).toHaveReceivedNthCommandWith(2, QueryCommand, { ExclusiveStartKey: { snapshotId: '#snapshots', itemId: 'x' } });
  });
});
