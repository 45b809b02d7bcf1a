import { createContainer, type Container } from '../../lib/delivery/container';
import type { DynamoRunStore } from '../../lib/delivery/DynamoRunStore';
import { FileInventorySource } from '../../lib/inventory/FileInventorySource';
import { loadInventory } from '../../lib/inventory/loadInventory';
import { tempDir } from './files';

let counter = 0;

/** A container on a local DynamoDB, a reports folder and an SMTP sink, with fresh tables. */
export async function localContainer(options: {
  endpoint: string;
  smtpUrl: string;
  inventoryFile?: string;
  env?: Record<string, string>;
  auditAt?: string;
}): Promise<Container> {
  counter += 1;
  const container = createContainer({
    INVENTORY_TABLE: `inventory-${counter}`,
    RUNS_TABLE: `runs-${counter}`,
    REPORTS_DIR: tempDir('reports-'),
    DPO_EMAIL: 'dpo@example.com',
    SENDER_EMAIL: 'auditor@example.com',
    SMTP_URL: options.smtpUrl,
    DYNAMODB_ENDPOINT: options.endpoint,
    AUDIT_LAUNCH: 'inprocess',
    ...options.env,
  });
  // Audits happen a few hours after the example snapshots were captured, unless a test says otherwise.
  container.audit.now = () => new Date(options.auditAt ?? '2026-11-20T06:00:00Z');
  await (container.runs as DynamoRunStore).ensureTable();
  await container.audit.inventory.ensureTable();
  if (options.inventoryFile) {
    await loadInventory(new FileInventorySource(options.inventoryFile), container.audit.inventory, { concurrency: 4 });
  }
  return container;
}
