/**
 * A local stand-in for AWS Lambda that runs the *packaged* functions (the zips
 * `osls package` wrote, unzipped as Lambda would) in child processes: one
 * process per execution environment, one invocation at a time per process,
 * the handler loaded at its first invocation, the process killed at the
 * function's timeout. It serves the Lambda Invoke API on 127.0.0.1 (for
 * `AWS_ENDPOINT_URL_LAMBDA`), runs asynchronous invocations (`Event`) after
 * answering 202, and emulates the on-failure destination: a failed
 * asynchronous invocation becomes a destination record delivered, as an SQS
 * message, to the function that consumes the destination queue.
 */
import { fork, type ChildProcess, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export interface PackagedFunction {
  /** The function's key in serverless.yml, e.g. auditWorker. */
  key: string;
  logicalId: string;
  name: string;
  handler: string;
  timeoutSeconds: number;
  memoryMb: number;
  roleLogicalId: string;
  environment: Record<string, unknown>;
  zip: string;
  /** Logical id of the queue that receives failed asynchronous invocations. */
  onFailureQueue?: string;
  /** Logical id of the queue this function consumes (SQS event source). */
  consumesQueue?: string;
}

export interface InvokeResult {
  ok: boolean;
  result?: unknown;
  error?: { errorType: string; errorMessage: string };
  coldStartMs: number | null;
  durationMs: number;
}

/** Reads the functions of a packaged template, with their zips in `packageDir`. */
export function readPackagedFunctions(packageDir: string, template: { Resources: Record<string, { Type: string; Properties: any }> }): PackagedFunction[] {
  const resources = template.Resources;
  const byRef = (value: any): string | undefined => value?.Ref ?? value?.['Fn::GetAtt']?.[0];
  const functions: PackagedFunction[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const p = resource.Properties;
    const key = logicalId.replace(/LambdaFunction$/, '').replace(/^./, (c) => c.toLowerCase());
    const config = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::EventInvokeConfig' && byRef(r.Properties.FunctionName) === logicalId);
    const mapping = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::EventSourceMapping' && byRef(r.Properties.FunctionName) === logicalId);
    functions.push({
      key,
      logicalId,
      name: p.FunctionName,
      handler: p.Handler,
      timeoutSeconds: p.Timeout ?? 3,
      memoryMb: p.MemorySize ?? 1024,
      roleLogicalId: byRef(p.Role) ?? '',
      environment: p.Environment?.Variables ?? {},
      zip: join(packageDir, basename(p.Code.S3Key)),
      onFailureQueue: byRef(config?.Properties.DestinationConfig?.OnFailure?.Destination),
      consumesQueue: byRef(mapping?.Properties.EventSourceArn),
    });
  }
  return functions;
}

interface Instance {
  child: ChildProcess;
  busy: boolean;
  ready: Promise<void>;
}

export interface LocalLambdaOptions {
  functions: PackagedFunction[];
  /** The environment of a function's processes (resolved template variables, endpoints, credentials). */
  environment: (fn: PackagedFunction) => Record<string, string>;
  /** Overrides a function's timeout (seconds), e.g. to test a timeout quickly. */
  timeoutSeconds?: (fn: PackagedFunction) => number;
}

export class LocalLambda {
  private readonly roots = new Map<string, string>();
  private readonly instances = new Map<string, Instance[]>();
  private readonly pending = new Set<Promise<unknown>>();
  private server: Server | null = null;
  /** Asynchronous invocations that failed, and what became of their destination record. */
  readonly failures: { function: string; error: InvokeResult['error']; delivered: boolean }[] = [];
  /** Destination records the consumer could not handle (they would wait in the dead-letter queue). */
  readonly deadLetters: unknown[] = [];
  /** Answers this many Invoke API calls with a service error (503), as Lambda does when it cannot take the event. */
  refuseInvokes = 0;
  /** Cold starts per function, in ms. */
  readonly coldStarts = new Map<string, number[]>();
  url = '';

  constructor(private readonly options: LocalLambdaOptions) {}

  fn(keyOrName: string): PackagedFunction {
    const found = this.options.functions.find((f) => f.key === keyOrName || f.name === keyOrName || f.logicalId === keyOrName);
    if (!found) throw new Error(`No packaged function ${keyOrName}.`);
    return found;
  }

  private root(fn: PackagedFunction): string {
    let dir = this.roots.get(fn.key);
    if (!dir) {
      if (!existsSync(fn.zip)) throw new Error(`Package ${fn.zip} is missing.`);
      dir = mkdtempSync(join(tmpdir(), `lambda-${fn.key}-`));
      execFileSync('unzip', ['-q', fn.zip, '-d', dir]);
      this.roots.set(fn.key, dir);
    }
    return dir;
  }

  private spawn(fn: PackagedFunction): Instance {
    const root = this.root(fn);
    // The environment's own /tmp (Lambda's TMPDIR is unset, so os.tmpdir() is /tmp there): a folder of this
    // instance's in the test run's temporary folder, so that what a killed instance leaves goes with the run.
    const tmp = mkdtempSync(join(tmpdir(), `lambda-${fn.key}-tmp-`));
    const child = fork(join(__dirname, 'runtime.cjs'), [], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        TMPDIR: tmp,
        TZ: 'UTC',
        LAMBDA_TASK_ROOT: root,
        _HANDLER: fn.handler,
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...this.options.environment(fn),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    // Lambda sends stdout and stderr to CloudWatch Logs; here they are kept out of the test output.
    child.stdout?.resume();
    child.stderr?.resume();
    const ready = new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`${fn.key} exited (${code}) before it was ready.`)));
    });
    const instance: Instance = { child, busy: false, ready };
    const list = this.instances.get(fn.key) ?? [];
    list.push(instance);
    this.instances.set(fn.key, list);
    child.once('exit', () => {
      const remaining = (this.instances.get(fn.key) ?? []).filter((i) => i !== instance);
      this.instances.set(fn.key, remaining);
    });
    return instance;
  }

  /** Invokes a function and waits for its result (RequestResponse). */
  async invoke(keyOrName: string, event: unknown): Promise<InvokeResult> {
    const fn = this.fn(keyOrName);
    const instance = (this.instances.get(fn.key) ?? []).find((i) => !i.busy && i.child.exitCode === null) ?? this.spawn(fn);
    instance.busy = true;
    await instance.ready;
    const requestId = randomUUID();
    const timeoutMs = (this.options.timeoutSeconds?.(fn) ?? fn.timeoutSeconds) * 1000;
    const started = Date.now();
    const result = await new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => {
        instance.child.kill('SIGKILL');
        resolve({
          ok: false,
          error: { errorType: 'Sandbox.Timedout', errorMessage: `${new Date().toISOString()} ${requestId} Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` },
          coldStartMs: null,
          durationMs: Date.now() - started,
        });
      }, timeoutMs);
      const onMessage = (message: { type: string; requestId: string } & Omit<InvokeResult, 'durationMs'>) => {
        if (message.type !== 'result' || message.requestId !== requestId) return;
        done({ ok: message.ok, result: message.result, error: message.error, coldStartMs: message.coldStartMs, durationMs: Date.now() - started });
      };
      const onExit = (code: number | null, signal: string | null) =>
        done({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: `The process exited (${signal ?? code}).` }, coldStartMs: null, durationMs: Date.now() - started });
      const done = (value: InvokeResult) => {
        clearTimeout(timer);
        instance.child.off('message', onMessage);
        instance.child.off('exit', onExit);
        resolve(value);
      };
      instance.child.on('message', onMessage);
      instance.child.once('exit', onExit);
      instance.child.send({ type: 'invoke', requestId, deadline: started + timeoutMs, event });
    });
    instance.busy = false;
    if (result.coldStartMs !== null) this.coldStarts.set(fn.key, [...(this.coldStarts.get(fn.key) ?? []), result.coldStartMs]);
    return result;
  }

  /**
   * An asynchronous invocation (InvocationType Event, or an EventBridge target):
   * runs in the background; a failure goes to the function's on-failure
   * destination (no retries: the stack sets MaximumRetryAttempts 0).
   */
  invokeAsync(keyOrName: string, event: unknown): void {
    const fn = this.fn(keyOrName);
    const work = this.invoke(fn.key, event).then(async (result) => {
      if (result.ok) return;
      const consumer = fn.onFailureQueue ? this.options.functions.find((f) => f.consumesQueue === fn.onFailureQueue) : undefined;
      this.failures.push({ function: fn.key, error: result.error, delivered: consumer !== undefined });
      if (consumer) await this.deliver(consumer, this.destinationRecord(fn, event, result));
    });
    this.track(work);
  }

  private destinationRecord(fn: PackagedFunction, event: unknown, result: InvokeResult) {
    return {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: { requestId: randomUUID(), functionArn: `arn:aws:lambda:eu-central-1:123456789012:function:${fn.name}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 1 },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: result.error,
    };
  }

  /** Delivers one message to the queue's consumer, as the SQS event source mapping would. */
  async deliver(consumer: PackagedFunction, body: unknown): Promise<InvokeResult> {
    const messageId = randomUUID();
    const result = await this.invoke(consumer.key, {
      Records: [{ messageId, receiptHandle: messageId, body: JSON.stringify(body), attributes: {}, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:eu-central-1:123456789012:failures', awsRegion: 'eu-central-1' }],
    });
    const failed = !result.ok || ((result.result as { batchItemFailures?: unknown[] } | null)?.batchItemFailures?.length ?? 0) > 0;
    if (failed) this.deadLetters.push(body);
    return result;
  }

  private track(work: Promise<unknown>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** Resolves once every asynchronous invocation (and its destination delivery) has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Kills every running environment of a function (a hard kill, as at the timeout or a crash). */
  kill(keyOrName: string): void {
    const key = this.fn(keyOrName).key;
    for (const instance of this.instances.get(key) ?? []) instance.child.kill('SIGKILL');
    // Gone now, not when their exit is reported: the next invocation starts cold.
    this.instances.set(key, []);
  }

  /** Serves the Lambda Invoke API on 127.0.0.1. */
  async listen(): Promise<string> {
    this.server = createServer((request, response) => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(request.url ?? '');
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.method !== 'POST' || !match) {
          response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not found' }));
          return;
        }
        const name = decodeURIComponent(match[1]!).split(':').pop()!;
        let fn: PackagedFunction;
        try {
          fn = this.fn(name);
        } catch {
          response.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' }).end(JSON.stringify({ Type: 'User', message: `Function not found: ${name}` }));
          return;
        }
        if (this.refuseInvokes > 0) {
          this.refuseInvokes -= 1;
          response.writeHead(503, { 'content-type': 'application/json', 'x-amzn-errortype': 'ServiceException' }).end(JSON.stringify({ Type: 'Service', message: 'Service unavailable (local refusal).' }));
          return;
        }
        const payload = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
        if (request.headers['x-amz-invocation-type'] === 'Event') {
          this.invokeAsync(fn.key, payload);
          response.writeHead(202).end();
          return;
        }
        void this.invoke(fn.key, payload).then((result) => {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (!result.ok) headers['x-amz-function-error'] = 'Unhandled';
          response.writeHead(200, headers).end(JSON.stringify(result.ok ? result.result : result.error));
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const list of this.instances.values()) for (const instance of list) instance.child.kill('SIGKILL');
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
