import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchWriteItemCommand, DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describeRequest, startRecordingProxy, type AwsService, type RecordingProxy } from './recordingProxy';

const REGION = 'eu-central-1';
const ACCOUNT = '123456789012';
const KEY = 'AKIATESTWORKER';
const credentials = { accessKeyId: KEY, secretAccessKey: 'test-secret' };

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** A throwaway peer: keeps every request it receives and answers with `reply(request)`. */
async function startTarget(reply: (req: Received) => Reply) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
      received.push(request);
      const r = reply(request);
      res.writeHead(r.status ?? 200, { 'x-target': 'yes', ...(r.headers ?? {}) });
      res.end(r.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => (closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    })),
  };
}

type Target = Awaited<ReturnType<typeof startTarget>>;

async function withProxy(service: AwsService, reply: (req: Received) => Reply, run: (proxy: RecordingProxy, target: Target) => Promise<void>) {
  const target = await startTarget(reply);
  const proxy = await startRecordingProxy({ target: target.url, service });
  try {
    await run(proxy, target);
  } finally {
    await proxy.close();
    await target.close();
  }
}

const clientConfig = (endpoint: string) => ({ endpoint, region: REGION, credentials, maxAttempts: 1 });

describe('startRecordingProxy', () => {
  it('DynamoDB: records operation, action, table and index ARNs, key and status; passes requests and responses through unchanged', async () => {
    const item = { Item: { id: { S: 'run-1' }, n: { N: '3' } } };
    await withProxy(
      'dynamodb',
      (req) => (String(req.headers['x-amz-target']).endsWith('GetItem') ? { body: JSON.stringify(item), headers: { 'content-type': 'application/x-amz-json-1.0' } } : { body: '{}', headers: { 'content-type': 'application/x-amz-json-1.0' } }),
      async (proxy, target) => {
        const client = new DynamoDBClient(clientConfig(proxy.url));
        const got = await client.send(new GetItemCommand({ TableName: 'ci-runs', Key: { id: { S: 'run-1' } } }));
        expect(got.Item).toEqual(item.Item);
        await client.send(new QueryCommand({ TableName: 'ci-runs', IndexName: 'byCreatedAt', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'x' } }, Select: 'ALL_PROJECTED_ATTRIBUTES' }));
        await client.send(
          new BatchWriteItemCommand({
            RequestItems: {
              'ci-runs': [{ PutRequest: { Item: { id: { S: 'a' } } } }],
              'ci-inventory': [{ DeleteRequest: { Key: { id: { S: 'b' } } } }],
            },
          }),
        );
        client.destroy();

        const table = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
        expect(proxy.calls.map(({ operation, action, resources, context }) => ({ operation, action, resources, context }))).toEqual([
          { operation: 'GetItem', action: 'dynamodb:GetItem', resources: [table('ci-runs')], context: {} },
          { operation: 'Query', action: 'dynamodb:Query', resources: [`${table('ci-runs')}/index/byCreatedAt`], context: { 'dynamodb:Select': 'ALL_PROJECTED_ATTRIBUTES' } },
          { operation: 'BatchWriteItem', action: 'dynamodb:BatchWriteItem', resources: [table('ci-runs'), table('ci-inventory')], context: {} },
        ]);
        for (const c of proxy.calls) {
          expect(c).toMatchObject({ accessKeyId: KEY, presigned: false, service: 'dynamodb', status: 200, region: REGION, method: 'POST' });
        }
        // Forwarded unchanged: the peer sees the signed request as the SDK made it.
        const first = target.received[0]!;
        expect(JSON.parse(first.body.toString())).toEqual({ TableName: 'ci-runs', Key: { id: { S: 'run-1' } } });
        expect(first.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${KEY}/\\d{8}/${REGION}/dynamodb/aws4_request`));
        expect(first.headers.host).toBe(new URL(proxy.url).host);
      },
    );
  });

  it('S3: objects, listings with their prefix, multipart, DeleteObjects; bodies stream both ways byte for byte', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const stored = Buffer.from('{"report":"ü"}\n');
    await withProxy(
      's3',
      (req): Reply => {
        if (req.method === 'GET' && /^\/ci-reports\/?\?/.test(req.url)) {
          return { headers: { 'content-type': 'application/xml' }, body: '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>ci-reports</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>' };
        }
        if (req.method === 'GET') return { headers: { 'content-type': 'application/json', 'x-amz-meta-origin': 'target', etag: '"abc"' }, body: stored };
        if (req.method === 'HEAD') return { status: 404 };
        if (req.method === 'POST' && req.url.includes('uploads')) {
          return { headers: { 'content-type': 'application/xml' }, body: '<InitiateMultipartUploadResult><Bucket>ci-reports</Bucket><Key>big.bin</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>' };
        }
        if (req.method === 'POST') return { headers: { 'content-type': 'application/xml' }, body: '<DeleteResult></DeleteResult>' };
        return { headers: { etag: '"e"' } };
      },
      async (proxy, target) => {
        const client = new S3Client({ ...clientConfig(proxy.url), forcePathStyle: true });
        await client.send(new PutObjectCommand({ Bucket: 'ci-reports', Key: 'reports/a b/ü.json', Body: big, ServerSideEncryption: 'AES256' }));
        const got = await client.send(new GetObjectCommand({ Bucket: 'ci-reports', Key: 'reports/r1.json' }));
        expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(stored);
        expect(got.Metadata).toEqual({ origin: 'target' });
        await expect(client.send(new HeadObjectCommand({ Bucket: 'ci-reports', Key: 'missing.json' }))).rejects.toMatchObject({ name: 'NotFound' });
        await client.send(new ListObjectsV2Command({ Bucket: 'ci-reports', Prefix: 'waivers.yaml' }));
        await client.send(new ListObjectsV2Command({ Bucket: 'ci-reports' }));
        const upload = await client.send(new CreateMultipartUploadCommand({ Bucket: 'ci-reports', Key: 'big.bin' }));
        await client.send(new UploadPartCommand({ Bucket: 'ci-reports', Key: 'big.bin', UploadId: upload.UploadId, PartNumber: 1, Body: Buffer.from('part') }));
        await client.send(new DeleteObjectsCommand({ Bucket: 'ci-reports', Delete: { Objects: [{ Key: 'old/1.json' }, { Key: 'old/a&b.json' }] } }));
        client.destroy();

        const object = (key: string) => `arn:aws:s3:::ci-reports/${key}`;
        expect(proxy.calls.map(({ operation, action, resources, context, status }) => ({ operation, action, resources, context, status }))).toEqual([
          { operation: 'PutObject', action: 's3:PutObject', resources: [object('reports/a b/ü.json')], context: { 's3:x-amz-server-side-encryption': 'AES256' }, status: 200 },
          { operation: 'GetObject', action: 's3:GetObject', resources: [object('reports/r1.json')], context: {}, status: 200 },
          { operation: 'HeadObject', action: 's3:GetObject', resources: [object('missing.json')], context: {}, status: 404 },
          { operation: 'ListObjectsV2', action: 's3:ListBucket', resources: ['arn:aws:s3:::ci-reports'], context: { 's3:prefix': 'waivers.yaml' }, status: 200 },
          { operation: 'ListObjectsV2', action: 's3:ListBucket', resources: ['arn:aws:s3:::ci-reports'], context: { 's3:prefix': '' }, status: 200 },
          { operation: 'CreateMultipartUpload', action: 's3:PutObject', resources: [object('big.bin')], context: {}, status: 200 },
          { operation: 'UploadPart', action: 's3:PutObject', resources: [object('big.bin')], context: {}, status: 200 },
          { operation: 'DeleteObjects', action: 's3:DeleteObject', resources: [object('old/1.json'), object('old/a&b.json')], context: {}, status: 200 },
        ]);
        expect(proxy.calls.every((c) => c.accessKeyId === KEY && !c.presigned && c.region === REGION)).toBe(true);

        // The 3 MB upload (sent with Expect: 100-continue) reaches the peer byte for byte, signature untouched.
        const put = target.received[0]!;
        expect(put.headers.expect).toBe('100-continue');
        expect(put.body.length).toBe(big.length);
        expect(createHash('sha256').update(put.body).digest('hex')).toBe(put.headers['x-amz-content-sha256'] === 'UNSIGNED-PAYLOAD' ? createHash('sha256').update(big).digest('hex') : put.headers['x-amz-content-sha256']);
      },
    );
  });

  it('S3: records a presigned GET with presigned: true and the key id of the signer', async () => {
    await withProxy(
      's3',
      () => ({ headers: { 'content-type': 'text/plain' }, body: 'report body' }),
      async (proxy) => {
        const client = new S3Client({ ...clientConfig(proxy.url), forcePathStyle: true, credentials: { accessKeyId: 'AKIAGETAUDIT', secretAccessKey: 's' } });
        const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'ci-reports', Key: 'reports/run 1.json' }), { expiresIn: 300 });
        client.destroy();
        const response = await fetch(url);
        expect(response.status).toBe(200);
        expect(response.headers.get('x-target')).toBe('yes');
        expect(await response.text()).toBe('report body');
        expect(proxy.calls).toEqual([
          expect.objectContaining({
            accessKeyId: 'AKIAGETAUDIT',
            presigned: true,
            service: 's3',
            operation: 'GetObject',
            action: 's3:GetObject',
            resources: ['arn:aws:s3:::ci-reports/reports/run 1.json'],
            region: REGION,
            status: 200,
          }),
        ]);
      },
    );
  });

  it('SES v2: the sender identity (address or domain) of raw and simple messages', async () => {
    await withProxy(
      'sesv2',
      () => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ MessageId: 'm-1' }) }),
      async (proxy, target) => {
        const client = new SESv2Client(clientConfig(proxy.url));
        const mime = ['From: "Retention Auditor" <audit@example.com>', 'To: dpo@customer.example,', ' "Ops" <ops@customer.example>', 'Subject: report', '', 'body'].join('\r\n');
        const sent = await client.send(new SendEmailCommand({ Content: { Raw: { Data: Buffer.from(mime) } } }));
        expect(sent.MessageId).toBe('m-1');
        await client.send(
          new SendEmailCommand({
            FromEmailAddress: 'Audit <audit@mail.example.com>',
            Destination: { ToAddresses: ['a@b.example'] },
            ConfigurationSetName: 'audit',
            Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } },
          }),
        );
        client.destroy();
        const identity = (x: string) => `arn:aws:ses:${REGION}:${ACCOUNT}:identity/${x}`;
        expect(proxy.calls[0]).toMatchObject({
          accessKeyId: KEY,
          service: 'sesv2',
          operation: 'SendEmail',
          action: 'ses:SendRawEmail',
          resources: [identity('audit@example.com'), identity('example.com')],
          resourcesAnyOf: true,
          context: { 'ses:ApiVersion': '2', 'ses:FromAddress': 'audit@example.com', 'ses:FromDisplayName': 'Retention Auditor', 'ses:Recipients': ['dpo@customer.example', 'ops@customer.example'] },
        });
        expect(proxy.calls[1]).toMatchObject({
          operation: 'SendEmail',
          action: 'ses:SendEmail',
          resources: [identity('audit@mail.example.com'), identity('mail.example.com')],
          resourcesAnyOf: true,
          alsoRequires: [{ action: 'ses:SendEmail', resources: [`arn:aws:ses:${REGION}:${ACCOUNT}:configuration-set/audit`] }],
          context: { 'ses:FromAddress': 'audit@mail.example.com', 'ses:Recipients': ['a@b.example'] },
        });
        expect(target.received[0]!.url).toBe('/v2/email/outbound-emails');
      },
    );
  });

  it('Lambda: Invoke by name or ARN with qualifier; the payload comes back unchanged', async () => {
    await withProxy(
      'lambda',
      (req) => ({ headers: { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' }, body: req.body }),
      async (proxy) => {
        const client = new LambdaClient(clientConfig(proxy.url));
        const payload = Buffer.from(JSON.stringify({ runId: 'r-1' }));
        const result = await client.send(new InvokeCommand({ FunctionName: 'ci-worker', InvocationType: 'Event', Payload: payload }));
        expect(Buffer.from(result.Payload!)).toEqual(payload);
        expect(result.ExecutedVersion).toBe('$LATEST');
        await client.send(new InvokeCommand({ FunctionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ci-worker`, Qualifier: 'live' }));
        client.destroy();
        expect(proxy.calls.map(({ operation, action, resources, accessKeyId }) => ({ operation, action, resources, accessKeyId }))).toEqual([
          { operation: 'Invoke', action: 'lambda:InvokeFunction', resources: [`arn:aws:lambda:${REGION}:${ACCOUNT}:function:ci-worker`], accessKeyId: KEY },
          { operation: 'Invoke', action: 'lambda:InvokeFunction', resources: [`arn:aws:lambda:${REGION}:${ACCOUNT}:function:ci-worker:live`], accessKeyId: KEY },
        ]);
      },
    );
  });

  it('records unknown requests as unknown:<method> <path>, and a peer that is down as 502', async () => {
    await withProxy(
      'dynamodb',
      () => ({ status: 400, body: 'nope' }),
      async (proxy, target) => {
        const response = await fetch(`${proxy.url}/nothing?x=1`);
        expect(response.status).toBe(400);
        expect(await response.text()).toBe('nope');
        expect(proxy.calls[0]).toMatchObject({ accessKeyId: null, presigned: false, operation: 'unknown', action: 'unknown:GET /nothing', resources: [], status: 400 });
        await target.close();
        const down = await fetch(`${proxy.url}/`, { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables' }, body: '{}' });
        expect(down.status).toBe(502);
        expect(proxy.calls[1]).toMatchObject({ operation: 'ListTables', action: 'dynamodb:ListTables', resources: ['*'], status: 502 });
        expect(proxy.calls[1]!.error).toBeDefined();
      },
    );
  });
});

describe('describeRequest', () => {
  const headers = { authorization: `AWS4-HMAC-SHA256 Credential=${KEY}/20260101/${REGION}/s3/aws4_request, SignedHeaders=host, Signature=x` };
  const s3 = (method: string, url: string, extra: Record<string, string> = {}) => describeRequest({ service: 's3', method, url, headers: { ...headers, ...extra } });

  it('maps CopyObject to PutObject on the target and GetObject on the source', () => {
    const copy = s3('PUT', '/dst/b%2Fc.json?x-id=CopyObject', { 'x-amz-copy-source': 'src/a%20b.json' });
    expect(copy).toMatchObject({ operation: 'CopyObject', action: 's3:PutObject', resources: ['arn:aws:s3:::dst/b/c.json'], alsoRequires: [{ action: 's3:GetObject', resources: ['arn:aws:s3:::src/a b.json'] }] });
  });

  it('maps versioned, bucket-level and multipart S3 requests', () => {
    expect(s3('GET', '/b/k?versionId=1')).toMatchObject({ action: 's3:GetObjectVersion' });
    expect(s3('DELETE', '/b/k?uploadId=u')).toMatchObject({ operation: 'AbortMultipartUpload', action: 's3:AbortMultipartUpload' });
    expect(s3('POST', '/b/k?uploadId=u')).toMatchObject({ operation: 'CompleteMultipartUpload', action: 's3:PutObject' });
    expect(s3('GET', '/b?prefix=reports%2F&delimiter=%2F')).toMatchObject({ operation: 'ListObjects', action: 's3:ListBucket', context: { 's3:prefix': 'reports/', 's3:delimiter': '/' } });
    expect(s3('GET', '/b?location')).toMatchObject({ action: 's3:GetBucketLocation', resources: ['arn:aws:s3:::b'] });
    expect(s3('HEAD', '/b')).toMatchObject({ operation: 'HeadBucket', action: 's3:ListBucket' });
    expect(s3('PATCH', '/b/k')).toMatchObject({ action: 'unknown:PATCH /b/k' });
  });

  it('maps TransactWriteItems to the item actions it needs', () => {
    const body = Buffer.from(JSON.stringify({ TransactItems: [{ Put: { TableName: 't1' } }, { Update: { TableName: 't2' } }, { Put: { TableName: 't2' } }] }));
    const call = describeRequest({ service: 'dynamodb', method: 'POST', url: '/', headers: { ...headers, 'x-amz-target': 'DynamoDB_20120810.TransactWriteItems' }, body });
    const t = (n: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${n}`;
    expect(call).toMatchObject({ action: 'dynamodb:PutItem', resources: [t('t1'), t('t2')], alsoRequires: [{ action: 'dynamodb:UpdateItem', resources: [t('t2')] }] });
  });
});
