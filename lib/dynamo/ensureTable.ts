import {
  CreateTableCommand,
  DescribeTableCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Creates a table when it does not exist yet and waits until it is active
 * (for a local DynamoDB: in AWS the CloudFormation stack owns the tables).
 * Resolves to whether it created the table; SDK errors pass through for the
 * caller to translate.
 *
 * @example
 * await ensureTable(client, { TableName: 'runs', KeySchema: [...], AttributeDefinitions: [...], BillingMode: 'PAY_PER_REQUEST' });
 */
export async function ensureTable(client: DynamoDBDocumentClient | DynamoDBClient, definition: CreateTableCommandInput): Promise<boolean> {
  const raw = client as unknown as DynamoDBClient;
  try {
    await raw.send(new DescribeTableCommand({ TableName: definition.TableName }));
    return false;
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  await raw.send(new CreateTableCommand(definition));
  await waitUntilTableExists({ client: raw, maxWaitTime: 60, minDelay: 1 }, { TableName: definition.TableName });
  return true;
}
