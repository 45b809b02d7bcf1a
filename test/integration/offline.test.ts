/**
 * `npm run offline` as a user runs it: serverless-offline serving the functions
 * that serverless-esbuild built, against the local DynamoDB, S3 and SES it
 * starts. The whole trip: POST with an Idempotency-Key → poll GET → succeeded →
 * each report downloaded through its presigned link and checked against the
 * run's SHA-256 → the DPO's mail with the PDF in the SMTP sink → 400 for a bad
 * body; first with no waivers object in the bucket, then with one. With no
 * state machine offline, every run stays in one Lambda: no run files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { simpleParser } from 'mailparser';
import { tempDir } from '../helpers/files';

const ROOT = resolve(__dirname, '../..');
let child: ChildProcess;
let output = '';
let base = '';
let s3Endpoint = '';
let stateDir = '';

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

async function waitFor(pattern: RegExp, ms: number): Promise<RegExpMatchArray> {
  const until = Date.now() + ms;
  for (;;) {
    const match = output.match(pattern);
    if (match) return match;
    if (child.exitCode !== null) throw new Error(`npm run offline exited (${child.exitCode}):\n${output}`);
    if (Date.now() > until) throw new Error(`Timed out waiting for ${pattern}:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  stateDir = tempDir('offline-');
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  child = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'cli/offline.ts', '--http-port', String(httpPort), '--lambda-port', String(lambdaPort), '--no-waivers', '--state-dir', stateDir], {
    cwd: ROOT,
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'offline', AWS_SECRET_ACCESS_KEY: 'offline', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  s3Endpoint = (await waitFor(/^s3 (http:\/\/127\.0\.0\.1:\d+)/m, 60_000))[1]!;
  base = (await waitFor(/^http (http:\/\/127\.0\.0\.1:\d+)/m, 180_000))[1]!;
}, 240_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
  }
});

async function settle(runId: string): Promise<any> {
  for (let i = 0; i < 600; i += 1) {
    const response = await fetch(`${base}/audits/${runId}`);
    const body = (await response.json()) as any;
    if (!['queued', 'running'].includes(body.status)) return body;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Run ${runId} did not finish:\n${output}`);
}

async function mailsFor(runId: string, count: number) {
  const dir = join(stateDir, 'mail');
  for (let i = 0; i < 100; i += 1) {
    const files = readdirSync(dir).map((name) => join(dir, name));
    const mails = await Promise.all(files.map((file) => simpleParser(readFileSync(file))));
    const mine = mails.filter((mail) => (mail.text ?? '').includes(runId));
    if (mine.length >= count) return mine;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`No mail for ${runId}:\n${output}`);
}

async function trip(): Promise<any> {
  const post = () => fetch(`${base}/audits`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `trip-${Date.now()}` }, body: '{"notify":true}' });
  const response = await post();
  expect(response.status).toBe(202);
  const { runId, status } = (await response.json()) as any;
  expect(status).toBe('queued');
  const run = await settle(runId);
  expect(run).toMatchObject({ status: 'succeeded', summary: { items: 45, complete: true } });
  for (const format of ['json', 'csv', 'pdf']) {
    const link = run.reports[format];
    const download = await fetch(link.url);
    expect(download.status).toBe(200);
    expect(createHash('sha256').update(Buffer.from(await download.arrayBuffer())).digest('hex')).toBe(link.sha256);
  }
  const [mail] = await mailsFor(runId, 1);
  expect(mail!.subject).toMatch(/^\[Retention audit\] /);
  expect(mail!.attachments.find((a) => a.filename === `${runId}.pdf`)?.content.subarray(0, 5).toString()).toBe('%PDF-');
  return run;
}

describe('npm run offline', () => {
  it('without a waivers object: POST → GET succeeded → reports downloaded and verified → the mail with the PDF', async () => {
    const run = await trip();
    expect(run.summary.byVerdict.waived).toBe(0);
  }, 120_000);

  it('an Idempotency-Key retry returns the same run; a bad body gets a 400 naming the field', async () => {
    const send = (body: string, key?: string) =>
      fetch(`${base}/audits`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) }, body });
    const first = (await (await send('{"formats":["json"]}', 'same-key')).json()) as any;
    const second = (await (await send('{"formats":["json"]}', 'same-key')).json()) as any;
    expect(second.runId).toBe(first.runId);
    await settle(first.runId);
    const bad = await send('{"formats":["xml"],"notify":"yes"}');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(((await bad.json()) as any).errors.map((e: { field: string }) => e.field)).toEqual(['formats.0', 'notify']);
  }, 120_000);

  it('the HTML and OCSF formats through the deployed path: stored with their content types, verified, the page attached to the mail', async () => {
    const response = await fetch(`${base}/audits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"formats":["json","html","ocsf"],"notify":true}' });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as any;
    const run = await settle(runId);
    expect(run.status).toBe('succeeded');
    expect(Object.keys(run.reports).sort()).toEqual(['html', 'json', 'ocsf']);
    const bodies: Record<string, string> = {};
    for (const [format, type] of [['html', 'text/html; charset=utf-8'], ['ocsf', 'application/x-ndjson']] as const) {
      const download = await fetch(run.reports[format].url);
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toBe(type);
      const bytes = Buffer.from(await download.arrayBuffer());
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(run.reports[format].sha256);
      bodies[format] = bytes.toString('utf8');
    }
    expect(bodies.html).toMatch(/^<!doctype html>/i);
    expect(bodies.html).toContain(runId);
    const events = bodies.ocsf!.trim().split('\n').map((line) => JSON.parse(line));
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((event) => event.class_uid === 2003 && event.metadata.correlation_uid === runId)).toBe(true);
    const [mail] = await mailsFor(runId, 1);
    expect(mail!.attachments.map((a) => a.filename)).toEqual(expect.arrayContaining([`${runId}.html`]));
    expect(mail!.attachments.map((a) => a.filename)).not.toContain(`${runId}.ocsf`);
  }, 120_000);

  it('with a waivers object uploaded to the local bucket, the next run applies it', async () => {
    const bucket = /bucket ([\w.-]+)/.exec(output)![1]!;
    const admin = new S3Client({ endpoint: s3Endpoint, forcePathStyle: true, region: 'eu-central-1', credentials: { accessKeyId: 'offline', secretAccessKey: 'offline' } });
    await admin.send(new PutObjectCommand({ Bucket: bucket, Key: 'waivers.yaml', Body: readFileSync(join(ROOT, 'examples/waivers.yaml')) }));
    const run = await trip();
    expect(run.summary.byVerdict.waived).toBeGreaterThan(0);
  }, 120_000);

  it('runs every audit in one Lambda (no state machine offline): the run-files bucket exists and stays empty, the reports bucket holds no run files', async () => {
    const reports = /\(bucket ([\w.-]+)/.exec(output)![1]!;
    const runFiles = /run-files bucket ([\w.-]+)/.exec(output)![1]!;
    expect(runFiles).not.toBe(reports);
    const admin = new S3Client({ endpoint: s3Endpoint, forcePathStyle: true, region: 'eu-central-1', credentials: { accessKeyId: 'offline', secretAccessKey: 'offline' } });
    expect((await admin.send(new ListObjectsV2Command({ Bucket: runFiles }))).KeyCount).toBe(0);
    expect((await admin.send(new ListObjectsV2Command({ Bucket: reports, Prefix: 'runs/' }))).KeyCount).toBe(0);
    expect((await admin.send(new ListObjectsV2Command({ Bucket: reports, Prefix: 'reports/' }))).KeyCount).toBeGreaterThan(0);
  });
});
