/**
 * npm run offline [-- --http-port 3000]
 *
 * Serves the HTTP API with serverless-offline on 127.0.0.1 against local
 * peers: an in-process DynamoDB holding the example inventory, a reports
 * folder (reports/offline), and an SMTP sink that saves every message it
 * receives under reports/offline/mail. Runs until stopped (Ctrl-C).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { DynamoRunStore } from '../lib/delivery/DynamoRunStore';
import { FileInventorySource } from '../lib/inventory/FileInventorySource';
import { createDocumentClient, InventoryTable } from '../lib/inventory/InventoryTable';
import { loadInventory } from '../lib/inventory/loadInventory';
import { startLocalDynamo } from './localDynamo';
import { EXAMPLE_INVENTORY } from './main';

const ROOT = resolve(__dirname, '..');
const STAGE = 'offline';

async function startSmtpSink(mailDir: string): Promise<{ url: string; close: () => Promise<void> }> {
  mkdirSync(mailDir, { recursive: true });
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const file = join(mailDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${++count}.eml`);
        writeFileSync(file, raw);
        const to = session.envelope.rcptTo.map((r) => r.address).join(', ');
        simpleParser(raw)
          .then((mail) => process.stdout.write(`mail to ${to}: ${mail.subject ?? '(no subject)'} (saved ${file})\n`))
          .finally(() => callback());
      });
    },
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(() => done())) };
}

async function offline(): Promise<void> {
  const { values } = parseArgs({ options: { 'http-port': { type: 'string', default: '3000' } } });
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const reportsDir = join(ROOT, 'reports', STAGE);
  const dynamo = await startLocalDynamo(0);
  const smtp = await startSmtpSink(join(reportsDir, 'mail'));
  const client = createDocumentClient({ endpoint: dynamo.endpoint });
  const inventory = new InventoryTable({ client, tableName: `retention-auditor-${STAGE}-inventory` });
  await inventory.ensureTable();
  await new DynamoRunStore(client, `retention-auditor-${STAGE}-runs`).ensureTable();
  const loaded = await loadInventory(new FileInventorySource(EXAMPLE_INVENTORY), inventory, { concurrency: 8 });
  process.stdout.write(`dynamodb ${dynamo.endpoint} (example inventory: ${loaded.written} items)\n`);
  process.stdout.write(`smtp ${smtp.url} (messages saved under ${join(reportsDir, 'mail')})\n`);

  const child = spawn(
    process.execPath,
    [join(ROOT, 'node_modules/osls/bin/serverless.js'), 'offline', 'start', '--stage', STAGE, '--httpPort', values['http-port'], '--host', '127.0.0.1', '--noAuth'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        REPORTS_DIR: reportsDir,
        SMTP_URL: smtp.url,
        AUDIT_LAUNCH: 'inprocess',
        AWS_REGION: process.env.AWS_REGION ?? 'eu-central-1',
        AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'offline',
        AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'offline',
      },
    },
  );
  process.stdout.write(`http http://127.0.0.1:${values['http-port']} (try: curl -X POST http://127.0.0.1:${values['http-port']}/audits -d '{"notify":true}')\n`);
  const stop = () => child.kill('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  await smtp.close();
  await dynamo.close();
  process.exitCode = code ?? 0;
}

offline().catch((error) => {
  process.stderr.write(`error: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
