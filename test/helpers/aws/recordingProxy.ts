import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A recording HTTP proxy to put in front of a local stand-in of an AWS service
 * (dynalite, s3rver, a local SES v2 or Lambda endpoint). It forwards every request
 * unchanged and records, per request, who made it (the access key id of its SigV4
 * credential) and what IAM would authorize: the action, the resource ARNs and the
 * condition context keys. `iamCheck.ts` evaluates the recorded calls against the
 * roles of a CloudFormation template.
 */

export type AwsService = 'dynamodb' | 's3' | 'sesv2' | 'lambda';

/** One more authorization a request needs besides `action` on `resources` (e.g. the copy source of CopyObject). */
export interface AwsAuthorization {
  action: string;
  resources: string[];
  context?: Record<string, string | string[]>;
}

export interface AwsCall {
  /** From the Authorization header or the X-Amz-Credential query parameter of a presigned URL; null when unsigned. */
  accessKeyId: string | null;
  presigned: boolean;
  service: AwsService;
  /** The API operation, e.g. Query, GetObject, HeadObject, ListObjectsV2, SendEmail, Invoke. */
  operation: string;
  /** The IAM action, e.g. dynamodb:Query, s3:GetObject (also for HeadObject); `unknown:<METHOD> <path>` when not recognised. */
  action: string;
  /** IAM resource ARNs: all must be allowed, or any one of them when `resourcesAnyOf`. */
  resources: string[];
  /** The call is allowed when ANY of `resources` is allowed (SES: the From address or its domain may be the verified identity). */
  resourcesAnyOf?: boolean;
  /** Further authorizations the same request needs (CopyObject's source, TransactWriteItems' other actions, SES configuration set…). */
  alsoRequires?: AwsAuthorization[];
  /** IAM condition context keys that matter, e.g. { 's3:prefix': 'waivers.yaml' }. */
  context: Record<string, string | string[]>;
  /** The peer's HTTP status (502 when the peer could not be reached). */
  status: number;
  /** Region of the credential scope (or the proxy's `region` option). */
  region: string;
  method: string;
  /** The request target as received (path and query). */
  url: string;
  /** Set when forwarding failed. */
  error?: string;
}

export interface RecordingProxyOptions {
  /** http://127.0.0.1:PORT of the real local peer. */
  target: string;
  service: AwsService;
  /** Account id of the ARNs. Default 123456789012. */
  accountId?: string;
  /** Partition of the ARNs. Default aws. */
  partition?: string;
  /** Region when the credential has none (unsigned requests, SigV4a). Default us-east-1. */
  region?: string;
  /**
   * The IAM action SESv2 SendEmail needs for Raw content. AWS reports and checks ses:SendRawEmail
   * for SESv2 SendEmail with Content.Raw (e.g. nodemailer's SES transport); Simple and Template
   * content need ses:SendEmail. Default ses:SendRawEmail.
   */
  sesRawAction?: string;
}

export interface RecordingProxy {
  url: string;
  calls: AwsCall[];
  close(): Promise<void>;
}

/** Headers that belong to one connection and are not forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'upgrade']);
/** Bodies read to map a request are copied up to this size; the forwarded stream is never limited. */
const MAX_INSPECTED_BODY = 32 * 1024 * 1024;

function filterRawHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (!HOP_BY_HOP.has(name.toLowerCase())) out.push(name, raw[i + 1]!);
  }
  return out;
}

export async function startRecordingProxy(options: RecordingProxyOptions): Promise<RecordingProxy> {
  const target = new URL(options.target);
  if (target.protocol !== 'http:') throw new Error(`recordingProxy: target must be http://, got ${options.target}`);
  const settings: MapSettings = {
    accountId: options.accountId ?? '123456789012',
    partition: options.partition ?? 'aws',
    defaultRegion: options.region ?? 'us-east-1',
    sesRawAction: options.sesRawAction ?? 'ses:SendRawEmail',
  };
  const calls: AwsCall[] = [];
  const agent = new http.Agent({ keepAlive: true });

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const parsed = parseTarget(url);
    const needsBody = bodyNeeded(options.service, method, parsed);
    const chunks: Buffer[] = [];
    let inspected = 0;
    let requestDone = false;
    const bodyDone = new Promise<void>((resolve) => {
      const done = () => {
        requestDone = true;
        resolve();
      };
      req.once('end', done);
      req.once('close', done);
      req.once('error', done);
    });
    if (needsBody) {
      req.on('data', (chunk: Buffer) => {
        if (inspected < MAX_INSPECTED_BODY) {
          chunks.push(chunk);
          inspected += chunk.length;
        }
      });
    }

    let recorded = false;
    const record = async (status: number, error?: string): Promise<void> => {
      if (recorded) return;
      recorded = true;
      // The body is needed to map the request; wait for it, but never hang on a peer that answered early.
      if (needsBody && !requestDone) await Promise.race([bodyDone, new Promise((r) => setTimeout(r, 1000))]);
      let call: AwsCall;
      try {
        call = describeRequest({ service: options.service, method, url, headers: req.headers, body: Buffer.concat(chunks), settings, status });
      } catch (err) {
        call = {
          ...baseCall(options.service, method, url, req.headers, settings, status),
          operation: 'unknown',
          action: `unknown:${method} ${parsed.path}`,
          resources: [],
          context: {},
          error: `could not map request: ${(err as Error).message}`,
        };
      }
      if (error) call.error = error;
      calls.push(call);
    };

    const upstream = http.request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method,
        path: url,
        headers: filterRawHeaders(req.rawHeaders),
        agent,
      },
      (upRes) => {
        void record(upRes.statusCode ?? 0).then(() => {
          res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, filterRawHeaders(upRes.rawHeaders));
          upRes.pipe(res);
          upRes.on('error', () => res.destroy());
        });
      },
    );
    upstream.on('error', (err) => {
      void record(502, err.message).then(() => {
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`recordingProxy: ${options.target} failed: ${err.message}`);
        } else {
          res.destroy(err);
        }
      });
    });
    req.pipe(upstream);
    req.on('error', () => upstream.destroy());
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Mapping a request to IAM terms

export interface MapSettings {
  accountId: string;
  partition: string;
  defaultRegion: string;
  sesRawAction: string;
}

interface ParsedTarget {
  /** The raw (still percent-encoded) path, without the query. */
  path: string;
  query: URLSearchParams;
}

function parseTarget(url: string): ParsedTarget {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: new URLSearchParams() } : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

function bodyNeeded(service: AwsService, method: string, parsed: ParsedTarget): boolean {
  if (service === 'dynamodb' || service === 'sesv2') return true;
  return service === 's3' && method === 'POST' && parsed.query.has('delete');
}

interface Credential {
  accessKeyId: string | null;
  region: string | null;
  presigned: boolean;
}

/** The access key id and region of a SigV4 (or SigV4a) credential, from the Authorization header or a presigned URL. */
export function parseCredential(headers: http.IncomingHttpHeaders, query: URLSearchParams): Credential {
  const regionSet = headerValue(headers, 'x-amz-region-set') ?? query.get('X-Amz-Region-Set');
  const fromScope = (scope: string, presigned: boolean): Credential => {
    const parts = scope.split('/');
    // AKID/date/region/service/aws4_request (SigV4) or AKID/date/service/aws4_request (SigV4a)
    const region = parts.length >= 5 ? parts[2]! : regionSet && regionSet !== '*' ? regionSet.split(',')[0]! : null;
    return { accessKeyId: parts[0] || null, region, presigned };
  };
  const authorization = headerValue(headers, 'authorization');
  const match = authorization ? /Credential=([^,\s]+)/.exec(authorization) : null;
  if (match) return fromScope(match[1]!, false);
  const credential = query.get('X-Amz-Credential');
  if (credential) return fromScope(credential, true);
  return { accessKeyId: null, region: null, presigned: query.has('X-Amz-Signature') };
}

function headerValue(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function baseCall(service: AwsService, method: string, url: string, headers: http.IncomingHttpHeaders, settings: MapSettings, status: number) {
  const credential = parseCredential(headers, parseTarget(url).query);
  return {
    accessKeyId: credential.accessKeyId,
    presigned: credential.presigned,
    service,
    status,
    region: credential.region ?? settings.defaultRegion,
    method,
    url,
  };
}

interface Mapped {
  operation: string;
  action: string;
  resources: string[];
  resourcesAnyOf?: boolean;
  alsoRequires?: AwsAuthorization[];
  context?: Record<string, string | string[]>;
}

interface MapInput {
  method: string;
  parsed: ParsedTarget;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  region: string;
  settings: MapSettings;
}

/** Maps one request to an AwsCall. Exported for unit tests of the mapping; the proxy calls it for every request. */
export function describeRequest(input: {
  service: AwsService;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body?: Buffer;
  status?: number;
  settings?: Partial<MapSettings>;
}): AwsCall {
  const settings: MapSettings = {
    accountId: input.settings?.accountId ?? '123456789012',
    partition: input.settings?.partition ?? 'aws',
    defaultRegion: input.settings?.defaultRegion ?? 'us-east-1',
    sesRawAction: input.settings?.sesRawAction ?? 'ses:SendRawEmail',
  };
  const base = baseCall(input.service, input.method, input.url, input.headers, settings, input.status ?? 0);
  const parsed = parseTarget(input.url);
  const mapInput: MapInput = { method: input.method.toUpperCase(), parsed, headers: input.headers, body: input.body ?? Buffer.alloc(0), region: base.region, settings };
  const mapper = { dynamodb: mapDynamoDb, s3: mapS3, sesv2: mapSesV2, lambda: mapLambda }[input.service];
  const mapped = mapper(mapInput) ?? { operation: 'unknown', action: `unknown:${mapInput.method} ${parsed.path}`, resources: [] };
  const call: AwsCall = { ...base, operation: mapped.operation, action: mapped.action, resources: mapped.resources, context: mapped.context ?? {} };
  if (mapped.resourcesAnyOf) call.resourcesAnyOf = true;
  if (mapped.alsoRequires?.length) call.alsoRequires = mapped.alsoRequires;
  return call;
}

function parseJson(body: Buffer): any {
  if (body.length === 0) return {};
  return JSON.parse(body.toString('utf8'));
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Splits authorizations into the call's main one and `alsoRequires`. */
function fromAuthorizations(operation: string, auths: AwsAuthorization[], context?: Record<string, string | string[]>): Mapped {
  const [first, ...rest] = auths;
  if (!first) return { operation, action: `unknown:${operation}`, resources: [] };
  const mapped: Mapped = { operation, action: first.action, resources: first.resources, context: { ...(context ?? {}), ...(first.context ?? {}) } };
  if (rest.length) mapped.alsoRequires = rest;
  return mapped;
}

/** Groups (action, resource) pairs by action, keeping first-seen order and unique resources. */
function groupByAction(pairs: [string, string][]): AwsAuthorization[] {
  const byAction = new Map<string, string[]>();
  for (const [action, resource] of pairs) {
    const list = byAction.get(action) ?? [];
    if (!list.includes(resource)) list.push(resource);
    byAction.set(action, list);
  }
  return [...byAction].map(([action, resources]) => ({ action, resources }));
}

// --- DynamoDB (JSON protocol) ------------------------------------------------------------------

const DYNAMODB_ACCOUNT_LEVEL = new Set(['ListTables', 'DescribeLimits', 'DescribeEndpoints', 'ListBackups', 'ListGlobalTables', 'ListExports', 'ListImports', 'ListContributorInsights', 'DescribeReservedCapacity', 'DescribeReservedCapacityOfferings']);

function mapDynamoDb({ method, headers, body, region, settings }: MapInput): Mapped | null {
  const targetHeader = headerValue(headers, 'x-amz-target');
  const match = targetHeader ? /^DynamoDB_\d+\.(\w+)$/.exec(targetHeader) : null;
  if (method !== 'POST' || !match) return null;
  const operation = match[1]!;
  const json = parseJson(body);
  const tableArn = (name: string) => (name.startsWith('arn:') ? name : `arn:${settings.partition}:dynamodb:${region}:${settings.accountId}:table/${name}`);
  const context: Record<string, string | string[]> = {};
  for (const [field, key] of [
    ['Select', 'dynamodb:Select'],
    ['ReturnValues', 'dynamodb:ReturnValues'],
    ['ReturnConsumedCapacity', 'dynamodb:ReturnConsumedCapacity'],
  ] as const) {
    if (typeof json[field] === 'string') context[key] = json[field];
  }
  if (Array.isArray(json.AttributesToGet)) context['dynamodb:Attributes'] = json.AttributesToGet.map(String);

  switch (operation) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return { operation, action: `dynamodb:${operation}`, resources: Object.keys(json.RequestItems ?? {}).map(tableArn), context };
    case 'TransactWriteItems': {
      const actions: Record<string, string> = { Put: 'dynamodb:PutItem', Update: 'dynamodb:UpdateItem', Delete: 'dynamodb:DeleteItem', ConditionCheck: 'dynamodb:ConditionCheckItem' };
      const pairs: [string, string][] = [];
      for (const item of json.TransactItems ?? []) {
        for (const [kind, action] of Object.entries(actions)) {
          if (item?.[kind]?.TableName) pairs.push([action, tableArn(item[kind].TableName)]);
        }
      }
      return fromAuthorizations(operation, groupByAction(pairs), context);
    }
    case 'TransactGetItems':
      return fromAuthorizations(operation, groupByAction((json.TransactItems ?? []).filter((i: any) => i?.Get?.TableName).map((i: any) => ['dynamodb:GetItem', tableArn(i.Get.TableName)])), context);
    case 'ExecuteStatement':
    case 'BatchExecuteStatement':
    case 'ExecuteTransaction': {
      const statements: string[] = operation === 'ExecuteStatement' ? [json.Statement] : (json.Statements ?? json.TransactStatements ?? []).map((s: any) => s?.Statement);
      const pairs: [string, string][] = [];
      for (const statement of statements) {
        const partiql = mapPartiql(String(statement ?? ''));
        if (!partiql) return { operation, action: `unknown:PartiQL ${statement}`, resources: [] };
        pairs.push([partiql.action, partiql.index ? `${tableArn(partiql.table)}/index/${partiql.index}` : tableArn(partiql.table)]);
      }
      return fromAuthorizations(operation, groupByAction(pairs), context);
    }
  }
  if (DYNAMODB_ACCOUNT_LEVEL.has(operation)) return { operation, action: `dynamodb:${operation}`, resources: ['*'], context };
  if (typeof json.TableName === 'string') {
    const arn = tableArn(json.TableName);
    return { operation, action: `dynamodb:${operation}`, resources: [json.IndexName ? `${arn}/index/${json.IndexName}` : arn], context };
  }
  if (typeof json.ResourceArn === 'string') return { operation, action: `dynamodb:${operation}`, resources: [json.ResourceArn], context };
  return { operation, action: `unknown:dynamodb ${operation} without TableName`, resources: [] };
}

function mapPartiql(statement: string): { action: string; table: string; index?: string } | null {
  const name = String.raw`"([^"]+)"(?:\."([^"]+)")?|([A-Za-z0-9_.-]+)`;
  const patterns: [RegExp, string][] = [
    [new RegExp(String.raw`^\s*SELECT\b[\s\S]*?\bFROM\s+(?:${name})`, 'i'), 'dynamodb:PartiQLSelect'],
    [new RegExp(String.raw`^\s*INSERT\s+INTO\s+(?:${name})`, 'i'), 'dynamodb:PartiQLInsert'],
    [new RegExp(String.raw`^\s*UPDATE\s+(?:${name})`, 'i'), 'dynamodb:PartiQLUpdate'],
    [new RegExp(String.raw`^\s*DELETE\s+FROM\s+(?:${name})`, 'i'), 'dynamodb:PartiQLDelete'],
  ];
  for (const [re, action] of patterns) {
    const m = re.exec(statement);
    if (m) {
      const table = m[1] ?? m[3]!;
      return m[2] ? { action, table, index: m[2] } : { action, table };
    }
  }
  return null;
}

// --- S3 (path-style REST) ------------------------------------------------------------------------

type S3Row = [operation: string, action: string];
/** Bucket subresources: method → [operation, action]. */
const S3_BUCKET_SUBRESOURCES: Record<string, Partial<Record<string, S3Row>>> = {
  policy: { GET: ['GetBucketPolicy', 's3:GetBucketPolicy'], PUT: ['PutBucketPolicy', 's3:PutBucketPolicy'], DELETE: ['DeleteBucketPolicy', 's3:DeleteBucketPolicy'] },
  policyStatus: { GET: ['GetBucketPolicyStatus', 's3:GetBucketPolicyStatus'] },
  acl: { GET: ['GetBucketAcl', 's3:GetBucketAcl'], PUT: ['PutBucketAcl', 's3:PutBucketAcl'] },
  cors: { GET: ['GetBucketCors', 's3:GetBucketCORS'], PUT: ['PutBucketCors', 's3:PutBucketCORS'], DELETE: ['DeleteBucketCors', 's3:PutBucketCORS'] },
  tagging: { GET: ['GetBucketTagging', 's3:GetBucketTagging'], PUT: ['PutBucketTagging', 's3:PutBucketTagging'], DELETE: ['DeleteBucketTagging', 's3:PutBucketTagging'] },
  versioning: { GET: ['GetBucketVersioning', 's3:GetBucketVersioning'], PUT: ['PutBucketVersioning', 's3:PutBucketVersioning'] },
  lifecycle: { GET: ['GetBucketLifecycleConfiguration', 's3:GetLifecycleConfiguration'], PUT: ['PutBucketLifecycleConfiguration', 's3:PutLifecycleConfiguration'], DELETE: ['DeleteBucketLifecycle', 's3:PutLifecycleConfiguration'] },
  encryption: { GET: ['GetBucketEncryption', 's3:GetEncryptionConfiguration'], PUT: ['PutBucketEncryption', 's3:PutEncryptionConfiguration'], DELETE: ['DeleteBucketEncryption', 's3:PutEncryptionConfiguration'] },
  notification: { GET: ['GetBucketNotificationConfiguration', 's3:GetBucketNotification'], PUT: ['PutBucketNotificationConfiguration', 's3:PutBucketNotification'] },
  website: { GET: ['GetBucketWebsite', 's3:GetBucketWebsite'], PUT: ['PutBucketWebsite', 's3:PutBucketWebsite'], DELETE: ['DeleteBucketWebsite', 's3:DeleteBucketWebsite'] },
  logging: { GET: ['GetBucketLogging', 's3:GetBucketLogging'], PUT: ['PutBucketLogging', 's3:PutBucketLogging'] },
  location: { GET: ['GetBucketLocation', 's3:GetBucketLocation'] },
  publicAccessBlock: { GET: ['GetPublicAccessBlock', 's3:GetBucketPublicAccessBlock'], PUT: ['PutPublicAccessBlock', 's3:PutBucketPublicAccessBlock'], DELETE: ['DeletePublicAccessBlock', 's3:PutBucketPublicAccessBlock'] },
  ownershipControls: { GET: ['GetBucketOwnershipControls', 's3:GetBucketOwnershipControls'], PUT: ['PutBucketOwnershipControls', 's3:PutBucketOwnershipControls'], DELETE: ['DeleteBucketOwnershipControls', 's3:PutBucketOwnershipControls'] },
  'object-lock': { GET: ['GetObjectLockConfiguration', 's3:GetBucketObjectLockConfiguration'], PUT: ['PutObjectLockConfiguration', 's3:PutBucketObjectLockConfiguration'] },
  replication: { GET: ['GetBucketReplication', 's3:GetReplicationConfiguration'], PUT: ['PutBucketReplication', 's3:PutReplicationConfiguration'], DELETE: ['DeleteBucketReplication', 's3:PutReplicationConfiguration'] },
  accelerate: { GET: ['GetBucketAccelerateConfiguration', 's3:GetAccelerateConfiguration'], PUT: ['PutBucketAccelerateConfiguration', 's3:PutAccelerateConfiguration'] },
  requestPayment: { GET: ['GetBucketRequestPayment', 's3:GetBucketRequestPayment'], PUT: ['PutBucketRequestPayment', 's3:PutBucketRequestPayment'] },
};

/** Request headers of PutObject-like requests that are S3 condition keys. */
const S3_HEADER_CONTEXT = ['x-amz-server-side-encryption', 'x-amz-server-side-encryption-aws-kms-key-id', 'x-amz-acl', 'x-amz-storage-class', 'x-amz-object-lock-mode', 'x-amz-object-lock-retain-until-date', 'x-amz-object-lock-legal-hold', 'x-amz-metadata-directive', 'x-amz-copy-source', 'x-amz-write-offset-bytes'];

function mapS3({ method, parsed, headers, body, settings }: MapInput): Mapped | null {
  const { path, query } = parsed;
  const p = settings.partition;
  const trimmed = path.replace(/^\/+/, '');
  if (trimmed === '') {
    return method === 'GET' ? { operation: 'ListBuckets', action: 's3:ListAllMyBuckets', resources: ['*'] } : null;
  }
  const slash = trimmed.indexOf('/');
  const bucket = safeDecode(slash < 0 ? trimmed : trimmed.slice(0, slash));
  const key = slash < 0 ? '' : safeDecode(trimmed.slice(slash + 1));
  const bucketArn = `arn:${p}:s3:::${bucket}`;
  const objectArn = (b: string, k: string) => `arn:${p}:s3:::${b}/${k}`;
  const versioned = query.has('versionId');

  if (key === '') {
    // Bucket-level operations.
    const listingContext = () => {
      const context: Record<string, string> = { 's3:prefix': query.get('prefix') ?? '' };
      if (query.has('delimiter')) context['s3:delimiter'] = query.get('delimiter')!;
      if (query.has('max-keys')) context['s3:max-keys'] = query.get('max-keys')!;
      return context;
    };
    if (method === 'POST' && query.has('delete')) return mapDeleteObjects(bucket, body, objectArn);
    if (method === 'HEAD') return { operation: 'HeadBucket', action: 's3:ListBucket', resources: [bucketArn] };
    if (method === 'GET' && query.has('versions')) return { operation: 'ListObjectVersions', action: 's3:ListBucketVersions', resources: [bucketArn], context: listingContext() };
    if (method === 'GET' && query.has('uploads')) return { operation: 'ListMultipartUploads', action: 's3:ListBucketMultipartUploads', resources: [bucketArn] };
    for (const [sub, rows] of Object.entries(S3_BUCKET_SUBRESOURCES)) {
      if (query.has(sub)) {
        const row = rows[method];
        return row ? { operation: row[0], action: row[1], resources: [bucketArn] } : null;
      }
    }
    if (method === 'GET') {
      return { operation: query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects', action: 's3:ListBucket', resources: [bucketArn], context: listingContext() };
    }
    if (method === 'PUT') return { operation: 'CreateBucket', action: 's3:CreateBucket', resources: [bucketArn] };
    if (method === 'DELETE') return { operation: 'DeleteBucket', action: 's3:DeleteBucket', resources: [bucketArn] };
    return null;
  }

  // Object-level operations.
  const arn = objectArn(bucket, key);
  const one = (operation: string, action: string, context?: Record<string, string>): Mapped => ({ operation, action, resources: [arn], ...(context ? { context } : {}) });
  const headerContext = () => {
    const context: Record<string, string> = {};
    for (const name of S3_HEADER_CONTEXT) {
      const value = headerValue(headers, name);
      if (value !== undefined) context[`s3:${name}`] = value;
    }
    return context;
  };
  const copySource = (): AwsAuthorization | null => {
    const raw = headerValue(headers, 'x-amz-copy-source');
    if (!raw) return null;
    const [sourcePath = '', sourceQuery = ''] = raw.replace(/^\/+/, '').split('?');
    const i = sourcePath.indexOf('/');
    const sourceBucket = safeDecode(sourcePath.slice(0, i));
    const sourceKey = safeDecode(sourcePath.slice(i + 1));
    const sourceVersioned = new URLSearchParams(sourceQuery).has('versionId');
    return { action: sourceVersioned ? 's3:GetObjectVersion' : 's3:GetObject', resources: [objectArn(sourceBucket, sourceKey)] };
  };
  const withExtras = (mapped: Mapped, extras: (AwsAuthorization | null)[]): Mapped => {
    const present = extras.filter((e): e is AwsAuthorization => e !== null);
    return present.length ? { ...mapped, alsoRequires: present } : mapped;
  };

  switch (method) {
    case 'GET':
      if (query.has('uploadId')) return one('ListParts', 's3:ListMultipartUploadParts');
      if (query.has('tagging')) return one('GetObjectTagging', versioned ? 's3:GetObjectVersionTagging' : 's3:GetObjectTagging');
      if (query.has('acl')) return one('GetObjectAcl', versioned ? 's3:GetObjectVersionAcl' : 's3:GetObjectAcl');
      if (query.has('attributes')) return one('GetObjectAttributes', versioned ? 's3:GetObjectVersionAttributes' : 's3:GetObjectAttributes');
      if (query.has('retention')) return one('GetObjectRetention', 's3:GetObjectRetention');
      if (query.has('legal-hold')) return one('GetObjectLegalHold', 's3:GetObjectLegalHold');
      if (query.has('torrent')) return one('GetObjectTorrent', versioned ? 's3:GetObjectVersionTorrent' : 's3:GetObjectTorrent');
      return one('GetObject', versioned ? 's3:GetObjectVersion' : 's3:GetObject');
    case 'HEAD':
      return one('HeadObject', versioned ? 's3:GetObjectVersion' : 's3:GetObject');
    case 'PUT': {
      if (query.has('partNumber') && query.has('uploadId')) {
        const source = copySource();
        return withExtras(one(source ? 'UploadPartCopy' : 'UploadPart', 's3:PutObject'), [source]);
      }
      if (query.has('tagging')) return one('PutObjectTagging', versioned ? 's3:PutObjectVersionTagging' : 's3:PutObjectTagging');
      if (query.has('acl')) return one('PutObjectAcl', versioned ? 's3:PutObjectVersionAcl' : 's3:PutObjectAcl');
      if (query.has('retention')) return one('PutObjectRetention', 's3:PutObjectRetention');
      if (query.has('legal-hold')) return one('PutObjectLegalHold', 's3:PutObjectLegalHold');
      const source = copySource();
      const tagging = headerValue(headers, 'x-amz-tagging') !== undefined || headerValue(headers, 'x-amz-tagging-directive') === 'REPLACE' ? { action: 's3:PutObjectTagging', resources: [arn] } : null;
      const acl = Object.keys(headers).some((h) => h === 'x-amz-acl' || h.startsWith('x-amz-grant-')) ? { action: 's3:PutObjectAcl', resources: [arn] } : null;
      return withExtras(one(source ? 'CopyObject' : 'PutObject', 's3:PutObject', headerContext()), [source, tagging, acl]);
    }
    case 'POST':
      if (query.has('uploads')) return one('CreateMultipartUpload', 's3:PutObject', headerContext());
      if (query.has('uploadId')) return one('CompleteMultipartUpload', 's3:PutObject');
      if (query.has('restore')) return one('RestoreObject', 's3:RestoreObject');
      if (query.has('select')) return one('SelectObjectContent', 's3:GetObject');
      return null;
    case 'DELETE':
      if (query.has('uploadId')) return one('AbortMultipartUpload', 's3:AbortMultipartUpload');
      if (query.has('tagging')) return one('DeleteObjectTagging', versioned ? 's3:DeleteObjectVersionTagging' : 's3:DeleteObjectTagging');
      return one('DeleteObject', versioned ? 's3:DeleteObjectVersion' : 's3:DeleteObject');
  }
  return null;
}

function xmlUnescape(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (_m, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    return String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

function mapDeleteObjects(bucket: string, body: Buffer, objectArn: (b: string, k: string) => string): Mapped {
  const xml = body.toString('utf8');
  const pairs: [string, string][] = [];
  for (const m of xml.matchAll(/<Object>([\s\S]*?)<\/Object>/g)) {
    const key = /<Key>([\s\S]*?)<\/Key>/.exec(m[1]!)?.[1];
    if (key === undefined) continue;
    pairs.push([/<VersionId>/.test(m[1]!) ? 's3:DeleteObjectVersion' : 's3:DeleteObject', objectArn(bucket, xmlUnescape(key))]);
  }
  if (pairs.length === 0) return { operation: 'DeleteObjects', action: 'unknown:DeleteObjects without keys', resources: [] };
  return fromAuthorizations('DeleteObjects', groupByAction(pairs));
}

// --- SES v2 (REST JSON) -----------------------------------------------------------------------

/** The addr-spec of a mailbox such as `"Name" <a@b.example>` or `a@b.example`, and its display name. */
export function parseMailbox(value: string): { address: string; displayName?: string } | null {
  const angle = /^(.*)<\s*([^<>\s]+@[^<>\s]+)\s*>/.exec(value);
  if (angle) {
    const name = angle[1]!.trim().replace(/^"(.*)"$/, '$1').trim();
    return name ? { address: angle[2]!, displayName: name } : { address: angle[2]! };
  }
  const bare = /([^\s<>,;"]+@[^\s<>,;"]+)/.exec(value);
  return bare ? { address: bare[1]! } : null;
}

/** Header fields of a MIME message (unfolded), lowercased names; first occurrence wins. */
export function mimeHeaders(raw: Buffer): Record<string, string> {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const fields: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    fields[name] ??= line.slice(colon + 1).trim();
  }
  return fields;
}

function splitAddressList(value: string | undefined): string[] {
  if (!value) return [];
  // Split on commas outside quotes.
  const parts = value.match(/(?:"[^"]*"|[^,])+/g) ?? [];
  return parts.map((part) => parseMailbox(part)?.address).filter((a): a is string => !!a);
}

function mapSesV2({ method, parsed, body, region, settings }: MapInput): Mapped | null {
  const path = parsed.path.replace(/\/+$/, '');
  const sesArn = (kind: string, name: string) => `arn:${settings.partition}:ses:${region}:${settings.accountId}:${kind}/${name}`;
  if (method === 'GET' && path === '/v2/email/account') return { operation: 'GetAccount', action: 'ses:GetAccount', resources: ['*'] };
  const bulk = path === '/v2/email/outbound-bulk-emails';
  if (method !== 'POST' || (path !== '/v2/email/outbound-emails' && !bulk)) return null;
  const json = parseJson(body);
  const raw = json.Content?.Raw?.Data;
  const rawHeaders = typeof raw === 'string' ? mimeHeaders(Buffer.from(raw, 'base64')) : null;
  const from = parseMailbox(String(json.FromEmailAddress ?? rawHeaders?.['from'] ?? ''));
  const operation = bulk ? 'SendBulkEmail' : 'SendEmail';
  const action = bulk ? 'ses:SendBulkEmail' : rawHeaders ? settings.sesRawAction : 'ses:SendEmail';

  const context: Record<string, string | string[]> = { 'ses:ApiVersion': '2' };
  if (from) context['ses:FromAddress'] = from.address;
  if (from?.displayName) context['ses:FromDisplayName'] = from.displayName;
  const destination = json.Destination ?? {};
  let recipients: string[] = [...(destination.ToAddresses ?? []), ...(destination.CcAddresses ?? []), ...(destination.BccAddresses ?? [])].map((a: string) => parseMailbox(a)?.address ?? a);
  if (recipients.length === 0 && rawHeaders) recipients = [...splitAddressList(rawHeaders['to']), ...splitAddressList(rawHeaders['cc']), ...splitAddressList(rawHeaders['bcc'])];
  if (bulk) recipients = (json.BulkEmailEntries ?? []).flatMap((e: any) => [...(e?.Destination?.ToAddresses ?? []), ...(e?.Destination?.CcAddresses ?? []), ...(e?.Destination?.BccAddresses ?? [])]);
  if (recipients.length) context['ses:Recipients'] = recipients;
  if (typeof json.FeedbackForwardingEmailAddress === 'string') context['ses:FeedbackAddress'] = json.FeedbackForwardingEmailAddress;

  const alsoRequires: AwsAuthorization[] = [];
  if (typeof json.ConfigurationSetName === 'string') alsoRequires.push({ action, resources: [sesArn('configuration-set', json.ConfigurationSetName)] });
  const template = json.Content?.Template ?? json.DefaultContent?.Template;
  if (template?.TemplateArn) alsoRequires.push({ action, resources: [template.TemplateArn] });
  else if (template?.TemplateName) alsoRequires.push({ action, resources: [sesArn('template', template.TemplateName)] });

  let mapped: Mapped;
  if (typeof json.FromEmailAddressIdentityArn === 'string') {
    mapped = { operation, action, resources: [json.FromEmailAddressIdentityArn], context };
  } else if (from) {
    const domain = from.address.slice(from.address.lastIndexOf('@') + 1);
    mapped = { operation, action, resources: [sesArn('identity', from.address), sesArn('identity', domain)], resourcesAnyOf: true, context };
  } else {
    mapped = { operation, action: `unknown:${operation} without a From address`, resources: [], context };
  }
  if (alsoRequires.length) mapped.alsoRequires = alsoRequires;
  return mapped;
}

// --- Lambda (REST JSON) -------------------------------------------------------------------------

function mapLambda({ method, parsed, region, settings }: MapInput): Mapped | null {
  const m = /^\/(\d{4}-\d{2}-\d{2})\/functions\/([^/]+)(\/.*)?$/.exec(parsed.path);
  if (!m) return null;
  const [, version, encodedName, rest = ''] = m;
  const functionArn = (qualifierFromQuery: string | null) => {
    // A name, a partial ARN (123456789012:function:name) or a full ARN, each optionally with :qualifier.
    const raw = safeDecode(encodedName!);
    let partition = settings.partition;
    let fnRegion = region;
    let account = settings.accountId;
    let nameAndQualifier = raw;
    const full = /^arn:([^:]+):lambda:([^:]+):(\d{12}):function:(.+)$/.exec(raw);
    const partial = /^(\d{12}):function:(.+)$/.exec(raw);
    if (full) {
      partition = full[1]!;
      fnRegion = full[2]!;
      account = full[3]!;
      nameAndQualifier = full[4]!;
    } else if (partial) {
      account = partial[1]!;
      nameAndQualifier = partial[2]!;
    }
    const [name, embedded] = nameAndQualifier.split(':', 2);
    const qualifier = qualifierFromQuery ?? embedded;
    return `arn:${partition}:lambda:${fnRegion}:${account}:function:${name}${qualifier ? `:${qualifier}` : ''}`;
  };
  const qualifier = parsed.query.get('Qualifier');
  const tail = rest.replace(/\/+$/, '');
  if (method === 'POST' && tail === '/invocations') return { operation: 'Invoke', action: 'lambda:InvokeFunction', resources: [functionArn(qualifier)] };
  if (method === 'POST' && tail === '/response-streaming-invocations') return { operation: 'InvokeWithResponseStream', action: 'lambda:InvokeFunction', resources: [functionArn(qualifier)] };
  if (method === 'POST' && tail === '/invoke-async') return { operation: 'InvokeAsync', action: 'lambda:InvokeAsync', resources: [functionArn(null)] };
  if (method === 'GET' && tail === '' && version === '2015-03-31') return { operation: 'GetFunction', action: 'lambda:GetFunction', resources: [functionArn(qualifier)] };
  if (method === 'GET' && tail === '/configuration') return { operation: 'GetFunctionConfiguration', action: 'lambda:GetFunctionConfiguration', resources: [functionArn(qualifier)] };
  return null;
}
