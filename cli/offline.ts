/**
 * npm run offline [-- --http-port 3000 --lambda-port 3002 --no-waivers --state-dir reports/offline]
 *
 * Serves the HTTP API with serverless-offline on 127.0.0.1, the functions built
 * by serverless-esbuild as for a deployment, against local peers of every AWS
 * service they call: an in-process DynamoDB holding the example inventory, a
 * local S3 server (s3rver) with the reports bucket (and the example waivers
 * object) and the run-files bucket, a local SES v2 endpoint that relays each message to an SMTP sink
 * saving it under reports/offline/mail, and serverless-offline's own Lambda
 * Invoke endpoint, through which POST /audits starts the worker
 * asynchronously. Runs until stopped (Ctrl-C).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { DynamoRunStore } from '../lib/delivery/DynamoRunStore';
import { FileInventorySource } from '../lib/inventory/FileInventorySource';
import { createDocumentClient, InventoryTable } from '../lib/inventory/InventoryTable';
import { loadInventory } from '../lib/inventory/loadInventory';
import { DEFAULTS } from '../lib/defaults';
import { startLocalDynamo } from './local/localDynamo';
import { startLocalS3 } from './local/localS3';
import { startLocalSes } from './local/localSes';
import { EXAMPLE_INVENTORY, EXAMPLE_WAIVERS } from './main';

const ROOT = resolve(__dirname, '..');
const STAGE = 'offline';
const BUCKET = `retention-auditor-${STAGE}-reports`;
/** The state machine's run files, in a bucket of their own as in AWS (offline every run stays in one Lambda, so it stays empty). */
const RUN_FILES_BUCKET = `retention-auditor-${STAGE}-run-files`;

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
  const { values } = parseArgs({
    options: {
      'http-port': { type: 'string', default: '3000' },
      'lambda-port': { type: 'string', default: '3002' },
      'no-waivers': { type: 'boolean', default: false },
      'state-dir': { type: 'string', default: join(ROOT, 'reports', STAGE) },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'npm run offline -- [--http-port 3000] [--lambda-port 3002] [--no-waivers] [--state-dir DIR]\n' +
        '  --no-waivers   start with no waivers object in the bucket\n' +
        '  --state-dir    where the local S3 keeps its objects and the SMTP sink its mails (default reports/offline)\n',
    );
    return;
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stateDir = resolve(values['state-dir']);
  const dynamo = await startLocalDynamo(0);
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID ?? 'offline';
  const s3 = await startLocalS3(0, join(stateDir, 's3'), [accessKeyId]);
  const smtp = await startSmtpSink(join(stateDir, 'mail'));
  const ses = await startLocalSes(smtp.url);
  const client = createDocumentClient({ endpoint: dynamo.endpoint });
  const inventory = new InventoryTable({ client, tableName: `retention-auditor-${STAGE}-inventory` });
  await inventory.ensureTable();
  await new DynamoRunStore(client, `retention-auditor-${STAGE}-runs`).ensureTable();
  const loaded = await loadInventory(new FileInventorySource(EXAMPLE_INVENTORY), inventory, { concurrency: 8 });
  await s3.createBucket(BUCKET, values['no-waivers'] ? {} : { [DEFAULTS.waiversKey]: readFileSync(EXAMPLE_WAIVERS) });
  await s3.createBucket(RUN_FILES_BUCKET);
  process.stdout.write(`dynamodb ${dynamo.endpoint} (example inventory: ${loaded.written} items)\n`);
  process.stdout.write(`s3 ${s3.endpoint} (bucket ${BUCKET}${values['no-waivers'] ? ', no waivers' : `, waivers ${DEFAULTS.waiversKey}`}; run-files bucket ${RUN_FILES_BUCKET}; objects under ${s3.directory})\n`);
  process.stdout.write(`ses ${ses.endpoint} (relays to the SMTP sink ${smtp.url}; messages saved under ${join(stateDir, 'mail')})\n`);

  const httpPort = values['http-port'];
  const lambdaPort = values['lambda-port'];
  const child = spawn(
    process.execPath,
    [join(ROOT, 'node_modules/osls/bin/serverless.js'), 'offline', 'start', '--stage', STAGE, '--httpPort', httpPort, '--lambdaPort', lambdaPort, '--host', '127.0.0.1', '--noAuth'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // serverless-esbuild's work folder apart from `osls package`'s (serverless.yml custom.esbuild).
        ESBUILD_WORK_FOLDER: '.esbuild-offline',
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        OFFLINE_REPORTS_BUCKET: BUCKET,
        OFFLINE_RUN_FILES_BUCKET: RUN_FILES_BUCKET,
        // No state machine offline: every run stays in one Lambda. Without it serverless.yml's !Sub arrives
        // as "[object Object]", which every function's configuration refuses.
        OFFLINE_STATE_MACHINE_ARN: '',
        OFFLINE_ACCOUNT_ID: '000000000000',
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_ENDPOINT_URL_SESV2: ses.endpoint,
        AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${lambdaPort}`,
        AWS_REGION: process.env.AWS_REGION ?? 'eu-central-1',
        AWS_ACCESS_KEY_ID: accessKeyId,
        AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'offline',
      },
    },
  );
  let announced = false;
  const relay = (target: NodeJS.WriteStream) => (chunk: Buffer) => {
    target.write(chunk);
    // serverless-offline says it is ready on either stream.
    if (!announced && /Server ready/.test(chunk.toString())) {
      announced = true;
      process.stdout.write(`http http://127.0.0.1:${httpPort} (try: curl -X POST http://127.0.0.1:${httpPort}/audits -d '{"notify":true}')\n`);
    }
  };
  child.stdout!.on('data', relay(process.stdout));
  child.stderr!.on('data', relay(process.stderr));
  const stop = () => child.kill('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  await ses.close();
  await smtp.close();
  await s3.close();
  await dynamo.close();
  process.exitCode = code ?? 0;
}

offline().catch((error) => {
  process.stderr.write(`error: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
