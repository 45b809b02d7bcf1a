import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { AuditLauncher } from './startRun';

/** Invokes the worker function asynchronously: an audit may outlast API Gateway's 30 seconds. */
export class LambdaLauncher implements AuditLauncher {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async launch(runId: string): Promise<void> {
    const result = await this.client.send(
      new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify({ runId })) }),
    );
    if (result.StatusCode !== 202) throw new Error(`Lambda answered ${result.StatusCode} to the asynchronous invocation.`);
  }
}

/** Runs the audit in this process, after the response (serverless-offline). */
export class InProcessLauncher implements AuditLauncher {
  constructor(private readonly run: (runId: string) => Promise<unknown>) {}

  async launch(runId: string): Promise<void> {
    setImmediate(() => {
      this.run(runId).catch(() => undefined);
    });
  }
}
