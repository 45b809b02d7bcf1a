'use strict';
// The partitioned audit's Step Functions state machine (issue 12), written once in JavaScript so
// that serverless.yml (through the variables below) and the tests (asl-validator, the local
// executions of aws-local-stepfunctions) use the very same definition.
//
//   Plan ──► MapPartitions ──► DiffRanges ──► AssembleParts ──► Reduce ──► Succeeded
//    │        │                 │              │                 │
//    └────────┴─────────────────┴─ any failure ┴─────────────────┴──► MarkFailed ──► Failed
//
//   MapPartitions: a Distributed Map over the partitions, each child MapBatch (or RecordFailure).
//   DiffRanges:    a Distributed Map over the diff ranges, each child DiffBatch (or RecordRangeFailure).
//   AssembleParts: a Distributed Map over the report parts, each child AssembleBatch (or RecordPartFailure);
//                  the Reduce puts the JSON and CSV reports together from the parts in S3 (UploadPartCopy).
//
// A batch that fails after its retries is caught inside its child (RecordFailure, RecordRangeFailure,
// RecordPartFailure record it in S3), so the run ends `partial` and names it; a failed Plan, map or Reduce
// ends the run `failed` with the failure mail. Payloads stay small: the children write their results to S3.

/** Each function's time limit in seconds (serverless.yml reads these too), and the state's own above it. */
const FUNCTION_TIMEOUTS = Object.freeze({ planAudit: 300, mapPartitions: 900, diffRanges: 900, assembleParts: 900, reduceAudit: 900, markRunFailed: 60 });
/** The Distributed Maps' labels, in their child executions' ARNs (infra/iam.yml grants on them): the partitions', the diff ranges', the report parts'. */
const MAP_LABEL = 'Partitions';
const RANGES_LABEL = 'Ranges';
const PARTS_LABEL = 'Parts';
/** A whole run, from Plan to Reduce: far above a 100 M-item run, below the nightly schedule's 24 hours. */
const EXECUTION_TIMEOUT_SECONDS = 12 * 3600;
// The Task waits a little longer than its function, so the function's own timeout error comes first.
const TASK_MARGIN_SECONDS = 30;

// Lambda's throttling and transient faults (the invoke integration names them Lambda.*), a Task that
// outlived its time limit, and the handlers' own throttling error (DynamoDB read capacity, S3 slow-down).
const TRANSIENT_ERRORS = Object.freeze([
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
  'Lambda.SdkClientException',
  'Lambda.AWSLambdaException',
  'States.Timeout',
  'Throttled',
]);

/** Backoff with full jitter, so that children throttled together do not come back together. */
function retry(maxAttempts) {
  return [{ ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, BackoffRate: 2, MaxDelaySeconds: 60, MaxAttempts: maxAttempts, JitterStrategy: 'FULL' }];
}

function lambdaTask({ functionArn, partition }, name, payload, rest) {
  return {
    Type: 'Task',
    Resource: `arn:${partition}:states:::lambda:invoke`,
    Parameters: { FunctionName: functionArn(name), ...payload },
    TimeoutSeconds: FUNCTION_TIMEOUTS[name] + TASK_MARGIN_SECONDS,
    OutputPath: '$.Payload',
    ...rest,
  };
}

const TO_MARK_FAILED = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkFailed' }];

/**
 * The child workflow of a Distributed Map: one batch of items (partitions, diff ranges, report parts) given to `fn`,
 * or, once its retries are spent, its failure recorded by the same function (state names are unique
 * across a definition, children included: each map names its own two).
 */
function childProcessor(target, fn, { batchState, failureState }) {
  return {
    ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
    StartAt: batchState,
    States: {
      [batchState]: lambdaTask(target, fn, { 'Payload.$': '$' }, {
        Retry: retry(5),
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: failureState }],
        End: true,
      }),
      // The same function, told the error: it records each item of the batch as failed.
      [failureState]: lambdaTask(
        target,
        fn,
        { Payload: { 'BatchInput.$': '$.BatchInput', 'Items.$': '$.Items', 'error.$': '$.error' } },
        { Retry: retry(3), End: true },
      ),
    },
  };
}

/** A Distributed Map of Standard children over the array at `itemsPath`, each batch with the run id; nothing comes back in the payload. */
function distributedMap(settings, { label, itemsPath, itemProcessor, next }) {
  return {
    Type: 'Map',
    // The child executions' ARNs are …:execution:<machine>/<Label>:<id>; the role grants on exactly that.
    Label: label,
    ItemsPath: itemsPath,
    ItemBatcher: { MaxItemsPerBatch: settings.maxItemsPerBatch, BatchInput: { 'runId.$': '$.runId' } },
    MaxConcurrency: settings.maxConcurrency,
    ToleratedFailurePercentage: settings.toleratedFailurePercentage,
    ItemProcessor: itemProcessor,
    // The children write their results under runs/<runId>/ in S3: nothing comes back in the payload.
    ResultPath: null,
    Catch: TO_MARK_FAILED,
    Next: next,
  };
}

/**
 * The state machine's Amazon States Language definition. Pure: the same arguments give the same object.
 *
 * @param {object} options
 * @param {(name: string) => unknown} options.functionArn what a Task's FunctionName is for a function of
 *   serverless.yml (`planAudit`, `mapPartitions`, `diffRanges`, `assembleParts`, `reduceAudit`, `markRunFailed`): an ARN, or an intrinsic.
 * @param {number} options.maxConcurrency child workflows at once, in each map (0: as many as Step Functions allows).
 * @param {number} options.maxItemsPerBatch partitions, diff ranges or report parts one child workflow takes.
 * @param {number} [options.toleratedFailurePercentage] 100: a child never fails the map (its failure is recorded).
 * @param {string} [options.partition] the AWS partition of the Lambda integration's ARN: `aws`, or in
 *   serverless.yml `${AWS::Partition}` (the definition is an Fn::Sub there), so the stack deploys in any partition.
 * @example
 * buildDefinition({ functionArn: (name) => `arn:aws:lambda:eu-central-1:123456789012:function:${name}`, maxConcurrency: 40, maxItemsPerBatch: 1 }).StartAt // 'Plan'
 */
function buildDefinition({ functionArn, maxConcurrency, maxItemsPerBatch, toleratedFailurePercentage = 100, partition = 'aws' }) {
  const target = { functionArn, partition };
  checkInteger('maxConcurrency', maxConcurrency, 0, 10000);
  checkInteger('maxItemsPerBatch', maxItemsPerBatch, 1, 100000);
  checkInteger('toleratedFailurePercentage', toleratedFailurePercentage, 0, 100);
  const settings = { maxConcurrency, maxItemsPerBatch, toleratedFailurePercentage };
  return {
    Comment: 'Retention audit over partitions: plan, map (Distributed Map), diff with history (Distributed Map over diff ranges), write the reports in parts (Distributed Map over report parts), reduce; any failure ends the run failed with the failure mail.',
    StartAt: 'Plan',
    // An execution that outlives this ends TIMED_OUT, which no Catch sees: the failure sweep (auditFailures)
    // then finds its run still running, asks Step Functions, and ends it failed with the failure mail.
    TimeoutSeconds: EXECUTION_TIMEOUT_SECONDS,
    States: {
      // The plan answers { runId, partitions, ranges, parts }: the partitions, the diff ranges' indexes (none for a dry run, which
      // keeps no history) and the report parts' indexes. The maps keep no result (ResultPath null): each map gets the plan's answer.
      Plan: lambdaTask(target, 'planAudit', { Payload: { 'runId.$': '$.runId' } }, { Retry: retry(4), Catch: TO_MARK_FAILED, Next: 'MapPartitions' }),
      MapPartitions: distributedMap(settings, {
        label: MAP_LABEL,
        itemsPath: '$.partitions',
        itemProcessor: childProcessor(target, 'mapPartitions', { batchState: 'MapBatch', failureState: 'RecordFailure' }),
        next: 'DiffRanges',
      }),
      // The history diff, spread over slices of the identity space; runs after the map, whose findings it diffs.
      DiffRanges: distributedMap(settings, {
        label: RANGES_LABEL,
        itemsPath: '$.ranges',
        itemProcessor: childProcessor(target, 'diffRanges', { batchState: 'DiffBatch', failureState: 'RecordRangeFailure' }),
        next: 'AssembleParts',
      }),
      // The JSON and CSV reports written in parts (itemId ranges) from the diffed ranges' sorted findings (without history, the
      // partitions'), so no one function holds a whole report; runs after the diff, whose findings it writes out.
      AssembleParts: distributedMap(settings, {
        label: PARTS_LABEL,
        itemsPath: '$.parts',
        itemProcessor: childProcessor(target, 'assembleParts', { batchState: 'AssembleBatch', failureState: 'RecordPartFailure' }),
        next: 'Reduce',
      }),
      Reduce: lambdaTask(target, 'reduceAudit', { Payload: { 'runId.$': '$.runId' } }, { Retry: retry(4), Catch: TO_MARK_FAILED, Next: 'Succeeded' }),
      Succeeded: { Type: 'Succeed' },
      MarkFailed: lambdaTask(
        target,
        'markRunFailed',
        { Payload: { 'runId.$': '$.runId', 'error.$': '$.error' } },
        // If even this fails, the failure sweep (auditFailures) ends the run from the execution's status.
        { Retry: retry(4), Next: 'Failed' },
      ),
      Failed: { Type: 'Fail', Error: 'AuditFailed', Cause: 'The audit failed: the run is recorded failed and the failure mail sent.' },
    },
  };
}

function checkInteger(name, value, min, max) {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`The state machine's ${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)}).`);
  }
}

/** A serverless.yml function's logical id as osls names it (`planAudit` → `PlanAuditLambdaFunction`). */
function lambdaLogicalId(name) {
  return `${name.charAt(0).toUpperCase()}${name.slice(1).replace(/-/g, 'Dash').replace(/_/g, 'Underscore')}LambdaFunction`;
}

/** A stage parameter as a whole number: `--param` values arrive as strings, which the ASL schema refuses. */
async function integerParam(resolveVariable, name, min, max) {
  const raw = String(await resolveVariable(`param:${name}`)).trim();
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new Error(`Parameter ${name} must be a whole number from ${min} to ${max}, not "${raw}".`);
  return value;
}

// Resolved in serverless.yml as ${file(./infra/stateMachine.js):definition}: the definition, each Task
// pointing at its function with Fn::GetAtt (serverless-step-functions turns these into an Fn::Sub).
module.exports.definition = async ({ resolveVariable }) =>
  buildDefinition({
    functionArn: (name) => ({ 'Fn::GetAtt': [lambdaLogicalId(name), 'Arn'] }),
    partition: '${AWS::Partition}',
    maxConcurrency: await integerParam(resolveVariable, 'mapMaxConcurrency', 0, 10000),
    maxItemsPerBatch: await integerParam(resolveVariable, 'mapItemsPerBatch', 1, 100000),
  });

// Resolved as PARTITIONS and PARTITION_THRESHOLD_ITEMS (serverless.yml): checked when packaging, since every
// function reads them at its cold start and would refuse a bad value there. At most 1,000 partitions: the plan
// step hands them (and the diff ranges' and report parts' indexes) to the maps in its answer, which Step Functions caps at 256 KiB.
module.exports.partitions = async ({ resolveVariable }) => integerParam(resolveVariable, 'partitions', 1, 1000);
module.exports.thresholdItems = async ({ resolveVariable }) => integerParam(resolveVariable, 'distributedThresholdItems', 1, Number.MAX_SAFE_INTEGER);

module.exports.buildDefinition = buildDefinition;
module.exports.lambdaLogicalId = lambdaLogicalId;
module.exports.FUNCTION_TIMEOUTS = FUNCTION_TIMEOUTS;
module.exports.EXECUTION_TIMEOUT_SECONDS = EXECUTION_TIMEOUT_SECONDS;
module.exports.MAP_LABEL = MAP_LABEL;
module.exports.RANGES_LABEL = RANGES_LABEL;
module.exports.PARTS_LABEL = PARTS_LABEL;
module.exports.TRANSIENT_ERRORS = TRANSIENT_ERRORS;
