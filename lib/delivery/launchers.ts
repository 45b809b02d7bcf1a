import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { translateSdkError } from '../aws/sdkErrors';
import { StoreError } from '../errors';
import type { AuditLauncher } from './startRun';

/** Invokes the worker function asynchronously: an audit may outlast API Gateway's 30 seconds. */
export class LambdaLauncher implements AuditLauncher {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async launch(runId: string): Promise<void> {
    let result;
    try {
      result = await this.client.send(new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify({ runId })) }));
    } catch (cause) {
      throw translateSdkError(cause, { service: 'Lambda', operation: 'Invoke', iamAction: 'lambda:InvokeFunction', target: `function ${this.functionName}` });
    }
    if (result.StatusCode !== 202) throw new StoreError(`Lambda answered ${result.StatusCode} to the asynchronous invocation of ${this.functionName}.`);
  }
}
