// One Lambda execution environment: loads the packaged handler at its first
// invocation (the cold start) and runs one invocation at a time, with a context
// whose remaining time counts down to the deadline the parent set. The parent
// kills this process at the deadline, as Lambda does.
'use strict';
const { join } = require('node:path');

let handler;
let coldStartMs = null;

function load() {
  const spec = process.env._HANDLER;
  const dot = spec.lastIndexOf('.');
  const started = Date.now();
  const module = require(join(process.env.LAMBDA_TASK_ROOT, `${spec.slice(0, dot)}.js`));
  handler = module[spec.slice(dot + 1)];
  if (typeof handler !== 'function') throw new Error(`Handler ${spec} is not a function.`);
  coldStartMs = Date.now() - started;
}

process.on('message', async (message) => {
  if (message.type !== 'invoke') return;
  const { requestId, deadline, event } = message;
  const context = {
    awsRequestId: requestId,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: process.env.FUNCTION_ARN,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let cold = null;
  try {
    if (!handler) {
      load();
      cold = coldStartMs;
    }
    const result = await handler(event, context);
    process.send({ type: 'result', requestId, ok: true, result: result === undefined ? null : result, coldStartMs: cold });
  } catch (error) {
    process.send({
      type: 'result',
      requestId,
      ok: false,
      error: { errorType: (error && error.name) || 'Error', errorMessage: (error && error.message) || String(error) },
      coldStartMs: cold,
    });
  }
});
process.send({ type: 'ready' });
