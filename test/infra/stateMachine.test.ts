/**
 * The partitioned audit's state machine (infra/stateMachine.js, serverless.yml `stepFunctions:`):
 * its definition is valid ASL and says what the run needs (retries, catches, a small payload), the
 * packaged stack carries exactly that definition with each Task on its function and the stage's map
 * parameters, logs and traces it, and the roles around it allow what the run does and nothing near it
 * (evaluated with the IAM policy simulator, every grant used).
 */
import { buildDefinition, definition as resolveDefinition, partitions as resolvePartitions, thresholdItems as resolveThreshold, EXECUTION_TIMEOUT_SECONDS, FUNCTION_TIMEOUTS, MAP_LABEL, PARTS_LABEL, RANGES_LABEL, TRANSIENT_ERRORS, type Definition, type StepFunctionName } from '../../infra/stateMachine';
import type { AwsCall } from '../helpers/aws/recordingProxy';
import { checkCalls, formatCheckResult } from '../helpers/aws/iamCheck';
import { CHANNEL_PARAMS, CI, packageCi } from './packageService';
import { LocalStepFunctions } from '../helpers/stepFunctions/LocalStepFunctions';
import { DEFAULT_PLAN_OPTIONS } from '../../lib/plan/planOptions';
import { partitionedRunKeys } from '../../lib/delivery/PartitionedRunPlan';

type AslResult = { isValid: boolean; errors: unknown[]; errorsText: (separator?: string) => string };
const aslValidator = require('asl-validator') as (definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }) => AslResult;

const ACCOUNT = '123456789012';
const REGION = CI.region;
const SERVICE = `retention-auditor-${CI.stage}`;
const MACHINE = `${SERVICE}-audit`;
const STEPS: StepFunctionName[] = ['planAudit', 'mapPartitions', 'diffRanges', 'assembleParts', 'reduceAudit', 'markRunFailed'];
const functionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${SERVICE}-${name}`;
const build = (overrides: Partial<Parameters<typeof buildDefinition>[0]> = {}) => buildDefinition({ functionArn, maxConcurrency: 40, maxItemsPerBatch: 1, ...overrides });

/** asl-validator writes QueryLanguage into what it validates: it gets a copy. */
function validate(definition: unknown): AslResult {
  return aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
}

/** Every Task state, the child workflow's included, by name. */
function tasks(definition: Definition): Record<string, Record<string, any>> {
  const out: Record<string, Record<string, any>> = {};
  const walk = (states: Record<string, Record<string, any>>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') out[name] = state;
      if (state.Type === 'Map') walk(state.ItemProcessor.States);
    }
  };
  walk(definition.States);
  return out;
}

describe('buildDefinition', () => {
  const definition = build();
  const map = definition.States.MapPartitions!;
  const child = map.ItemProcessor;
  const diff = definition.States.DiffRanges!;
  const diffChild = diff.ItemProcessor;
  const assemble = definition.States.AssembleParts!;

  it('is valid Amazon States Language, and is not changed by validating it', () => {
    const before = JSON.stringify(definition);
    const result = validate(definition);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
    expect(JSON.stringify(definition)).toBe(before);
    expect(JSON.stringify(build())).toBe(before);
  });

  it('plans, maps over the partitions, diffs over the diff ranges, writes the report parts, reduces; and ends every failure in MarkFailed then Failed', () => {
    expect(definition.StartAt).toBe('Plan');
    expect(definition.States.Plan).toMatchObject({ Next: 'MapPartitions', Parameters: { Payload: { 'runId.$': '$.runId' } } });
    expect(map.Next).toBe('DiffRanges');
    expect(diff.Next).toBe('AssembleParts');
    expect(assemble.Next).toBe('Reduce');
    // The reduce is told the run id only: it finds the partitions', the ranges' and the parts' results in S3.
    expect(definition.States.Reduce).toMatchObject({ Next: 'Succeeded', Parameters: { Payload: { 'runId.$': '$.runId' } } });
    expect(Object.keys(definition.States.Reduce!.Parameters.Payload)).toEqual(['runId.$']);
    expect(definition.States.Succeeded).toEqual({ Type: 'Succeed' });
    for (const name of ['Plan', 'MapPartitions', 'DiffRanges', 'AssembleParts', 'Reduce']) {
      expect([name, definition.States[name]!.Catch]).toEqual([name, [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkFailed' }]]);
    }
    expect(definition.States.MarkFailed).toMatchObject({ Next: 'Failed', Parameters: { Payload: { 'runId.$': '$.runId', 'error.$': '$.error' } } });
    expect(definition.States.MarkFailed!.Catch).toBeUndefined();
    expect(definition.States.Failed).toMatchObject({ Type: 'Fail', Error: 'AuditFailed' });
    // Nothing else: every state is reachable and named above.
    expect(Object.keys(definition.States).sort()).toEqual(['AssembleParts', 'DiffRanges', 'Failed', 'MapPartitions', 'MarkFailed', 'Plan', 'Reduce', 'Succeeded']);
    // A run never waits forever: past this the execution times out and the failure sweep ends the run.
    expect(definition.TimeoutSeconds).toBe(EXECUTION_TIMEOUT_SECONDS);
    expect(EXECUTION_TIMEOUT_SECONDS).toBeLessThan(24 * 3600);
  });

  it('maps, diffs and writes the report parts as Distributed Maps of Standard children, batches with the run id, and keeps no result in the payload', () => {
    const distributed = { Type: 'Map', ItemBatcher: { MaxItemsPerBatch: 1, BatchInput: { 'runId.$': '$.runId' } }, MaxConcurrency: 40, ToleratedFailurePercentage: 100, ResultPath: null };
    expect(map).toMatchObject({ ...distributed, Label: MAP_LABEL, ItemsPath: '$.partitions' });
    // The plan answers { runId, partitions, ranges, parts }: the diff map iterates the ranges' indexes, the assembly the parts'.
    expect(diff).toMatchObject({ ...distributed, Label: RANGES_LABEL, ItemsPath: '$.ranges' });
    expect(assemble).toMatchObject({ ...distributed, Label: PARTS_LABEL, ItemsPath: '$.parts' });
    // Three labels: each map's children have ARNs of their own (…:execution:<machine>/<Label>:<id>), which the role names.
    expect([MAP_LABEL, RANGES_LABEL, PARTS_LABEL]).toEqual(['Partitions', 'Ranges', 'Parts']);
    for (const processor of [child, diffChild, assemble.ItemProcessor]) expect(processor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    const other = build({ maxConcurrency: 7, maxItemsPerBatch: 3 });
    for (const name of ['MapPartitions', 'DiffRanges', 'AssembleParts']) expect([name, other.States[name]]).toEqual([name, expect.objectContaining({ MaxConcurrency: 7, ItemBatcher: { MaxItemsPerBatch: 3, BatchInput: { 'runId.$': '$.runId' } } })]);
  });

  it.each([
    ['MapPartitions', 'MapBatch', 'RecordFailure'],
    ['DiffRanges', 'DiffBatch', 'RecordRangeFailure'],
    ['AssembleParts', 'AssembleBatch', 'RecordPartFailure'],
  ])("%s retries a batch on throttling and transient faults with jittered backoff, then records its failure instead of failing the map", (mapName, batchName, failureName) => {
    const processor = definition.States[mapName]!.ItemProcessor;
    const batch = processor.States[batchName];
    expect(processor.StartAt).toBe(batchName);
    expect(Object.keys(processor.States).sort()).toEqual([batchName, failureName].sort());
    expect(batch).toMatchObject({ Parameters: { 'Payload.$': '$' }, End: true });
    expect(batch.Retry).toEqual([expect.objectContaining({ IntervalSeconds: 2, BackoffRate: 2, JitterStrategy: 'FULL', MaxAttempts: 5 })]);
    expect(batch.Retry[0].ErrorEquals).toEqual(
      expect.arrayContaining(['Lambda.TooManyRequestsException', 'Lambda.ServiceException', 'Lambda.SdkClientException', 'Lambda.AWSLambdaException', 'States.Timeout', 'Throttled']),
    );
    // A program error (anything else) is not retried: it would fail the same way again.
    expect(batch.Retry[0].ErrorEquals).not.toContain('States.ALL');
    expect(batch.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: failureName }]);
    expect(processor.States[failureName]).toMatchObject({
      Parameters: { Payload: { 'BatchInput.$': '$.BatchInput', 'Items.$': '$.Items', 'error.$': '$.error' } },
      End: true,
      Retry: [expect.objectContaining({ ErrorEquals: [...TRANSIENT_ERRORS], JitterStrategy: 'FULL', MaxAttempts: 3 })],
    });
    expect(processor.States[failureName].Catch).toBeUndefined();
  });

  it('retries the plan, the reduce and the failure mark on transient faults only', () => {
    for (const name of ['Plan', 'Reduce', 'MarkFailed']) expect([name, definition.States[name]!.Retry[0].ErrorEquals]).toEqual([name, [...TRANSIENT_ERRORS]]);
  });

  it('invokes each function through the Lambda integration, waits longer than its timeout, and passes on only its payload', () => {
    const expected = {
      Plan: 'planAudit', MapBatch: 'mapPartitions', RecordFailure: 'mapPartitions', DiffBatch: 'diffRanges', RecordRangeFailure: 'diffRanges',
      AssembleBatch: 'assembleParts', RecordPartFailure: 'assembleParts', Reduce: 'reduceAudit', MarkFailed: 'markRunFailed',
    };
    const all = tasks(definition);
    expect(Object.keys(all).sort()).toEqual(Object.keys(expected).sort());
    // Every step function is invoked, and each has its time limit (serverless.yml reads it from there).
    expect([...new Set(Object.values(expected))].sort()).toEqual([...STEPS].sort());
    expect(Object.keys(FUNCTION_TIMEOUTS).sort()).toEqual([...STEPS].sort());
    expect(FUNCTION_TIMEOUTS.diffRanges).toBe(900);
    expect(FUNCTION_TIMEOUTS.assembleParts).toBe(900);
    for (const [state, fn] of Object.entries(expected) as [string, StepFunctionName][]) {
      const task = all[state]!;
      expect({ state, resource: task.Resource, fn: task.Parameters.FunctionName, output: task.OutputPath }).toEqual({
        state, resource: 'arn:aws:states:::lambda:invoke', fn: functionArn(fn), output: '$.Payload',
      });
      expect(task.TimeoutSeconds).toBeGreaterThan(FUNCTION_TIMEOUTS[fn]);
    }
    expect(tasks(build({ partition: 'aws-cn' })).Plan!.Resource).toBe('arn:aws-cn:states:::lambda:invoke');
  });

  it('refuses map settings Step Functions would refuse, in one sentence', () => {
    expect(() => build({ maxItemsPerBatch: 0 })).toThrow("The state machine's maxItemsPerBatch must be a whole number from 1 to 100000 (got 0).");
    expect(() => build({ maxConcurrency: 2.5 })).toThrow(/maxConcurrency must be a whole number from 0 to 10000/);
    expect(() => build({ maxConcurrency: '40' as unknown as number })).toThrow(/maxConcurrency .*\(got "40"\)/);
    expect(() => build({ toleratedFailurePercentage: 101 })).toThrow(/toleratedFailurePercentage/);
  });
});

describe('the definition, executed locally (aws-local-stepfunctions, its Distributed Maps localized)', () => {
  type Answer = (event: any) => unknown;
  /** The six step functions as stubs: the plan answers with `plan`, `children` decides a diff or part child's answer. */
  function run(plan: { partitions: number[]; ranges: number[]; parts: number[] }, children: Partial<Record<'diffRanges' | 'assembleParts', Answer>> = {}) {
    const answers: Record<StepFunctionName, Answer> = {
      planAudit: (event) => ({ runId: event.runId, ...plan }),
      mapPartitions: () => ({ ok: true }),
      diffRanges: children.diffRanges ?? (() => ({ ok: true })),
      assembleParts: children.assembleParts ?? (() => ({ ok: true })),
      reduceAudit: () => ({ status: 'succeeded' }),
      markRunFailed: () => ({ status: 'failed' }),
    };
    const functions = Object.fromEntries(STEPS.map((fn) => [functionArn(fn), { handle: async (event: unknown) => answers[fn](event), timeoutSeconds: FUNCTION_TIMEOUTS[fn] }]));
    const machine = new LocalStepFunctions({ stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${MACHINE}`, definition: build({ maxItemsPerBatch: 2 }), functions });
    machine.start('r1', { runId: 'r1' });
    return machine;
  }
  /** The invocations, each state's in order of their items (children run at once: their starts may interleave). */
  const invoked = (machine: LocalStepFunctions) => {
    const lines = machine.calls.map((c) => `${c.state} ${JSON.stringify(c.payload)} ${c.outcome}`);
    const phases = machine.calls.map((c) => c.state);
    // Phases follow one another: no state is invoked again after another one began.
    expect(phases).toEqual([...new Set(phases)].flatMap((state) => phases.filter((p) => p === state)));
    return [...new Set(phases)].flatMap((state) => lines.filter((line) => line.startsWith(`${state} `)).sort());
  };

  it('diffs the ranges, then writes the report parts, in batches with the run id, after every partition was mapped and before the reduce', async () => {
    const machine = run({ partitions: [0, 1, 2], ranges: [0, 1, 2, 3, 4], parts: [0, 1, 2] });
    expect((await machine.finished('r1')).status).toBe('SUCCEEDED');
    expect(invoked(machine)).toEqual([
      'Plan {"runId":"r1"} ok',
      'MapBatch {"BatchInput":{"runId":"r1"},"Items":[0,1]} ok',
      'MapBatch {"BatchInput":{"runId":"r1"},"Items":[2]} ok',
      'DiffBatch {"BatchInput":{"runId":"r1"},"Items":[0,1]} ok',
      'DiffBatch {"BatchInput":{"runId":"r1"},"Items":[2,3]} ok',
      'DiffBatch {"BatchInput":{"runId":"r1"},"Items":[4]} ok',
      'AssembleBatch {"BatchInput":{"runId":"r1"},"Items":[0,1]} ok',
      'AssembleBatch {"BatchInput":{"runId":"r1"},"Items":[2]} ok',
      'Reduce {"runId":"r1"} ok',
    ]);
  });

  it('goes from the map straight to the report parts when there is no range to diff (a dry run keeps no history)', async () => {
    const machine = run({ partitions: [0], ranges: [], parts: [0] });
    expect((await machine.finished('r1')).status).toBe('SUCCEEDED');
    expect(invoked(machine)).toEqual([
      'Plan {"runId":"r1"} ok',
      'MapBatch {"BatchInput":{"runId":"r1"},"Items":[0]} ok',
      'AssembleBatch {"BatchInput":{"runId":"r1"},"Items":[0]} ok',
      'Reduce {"runId":"r1"} ok',
    ]);
  });

  it('goes on to the reduce when the plan left nothing to map (a run no longer running: every step finds nothing to do)', async () => {
    const machine = run({ partitions: [], ranges: [], parts: [] });
    expect((await machine.finished('r1')).status).toBe('SUCCEEDED');
    expect(invoked(machine)).toEqual(['Plan {"runId":"r1"} ok', 'Reduce {"runId":"r1"} ok']);
  });

  it('records a diff batch that failed as failed, with its error, and reduces the run all the same', async () => {
    const machine = run({ partitions: [0], ranges: [0, 1, 2], parts: [0] }, { diffRanges: (event) => {
      if (!event.error && event.Items.includes(2)) throw new RangeError('Range 2 has a history chunk that does not parse.');
      return { ok: true };
    } });
    expect((await machine.finished('r1')).status).toBe('SUCCEEDED');
    const recorded = machine.calls.filter((c) => c.state === 'RecordRangeFailure');
    expect(recorded).toEqual([
      expect.objectContaining({ functionName: functionArn('diffRanges'), payload: { BatchInput: { runId: 'r1' }, Items: [2], error: { Error: 'RangeError', Cause: expect.stringContaining('Range 2 has a history chunk that does not parse.') } }, outcome: 'ok' }),
    ]);
    // A program error is not retried: one DiffBatch attempt per batch.
    expect(machine.calls.filter((c) => c.state === 'DiffBatch').map((c) => c.outcome).sort()).toEqual(['RangeError', 'ok']);
    expect(machine.calls.at(-1)!.state).toBe('Reduce');
  });

  it('retries a part batch that was throttled, records one that keeps failing as failed with its error, and reduces the run all the same', async () => {
    let throttled = 0;
    const machine = run({ partitions: [0], ranges: [0], parts: [0, 1, 2] }, { assembleParts: (event) => {
      if (event.error) return { ok: true };
      if (event.Items.includes(0) && throttled++ === 0) throw Object.assign(new Error('S3 kept throttling GetObject (SlowDown).'), { name: 'Throttled' });
      if (event.Items.includes(2)) throw new TypeError("Cannot read properties of undefined (reading 'blocks')");
      return { ok: true };
    } });
    expect((await machine.finished('r1')).status).toBe('SUCCEEDED');
    expect(machine.calls.filter((c) => c.state === 'RecordPartFailure')).toEqual([
      expect.objectContaining({ functionName: functionArn('assembleParts'), payload: { BatchInput: { runId: 'r1' }, Items: [2], error: { Error: 'TypeError', Cause: expect.stringContaining("Cannot read properties of undefined (reading 'blocks')") } }, outcome: 'ok' }),
    ]);
    // Throttling is retried (batch [0, 1]), a program error is not (batch [2]).
    expect(machine.calls.filter((c) => c.state === 'AssembleBatch').map((c) => `${JSON.stringify((c.payload as { Items: number[] }).Items)} ${c.outcome}`).sort()).toEqual(['[0,1] Throttled', '[0,1] ok', '[2] TypeError']);
    expect(machine.calls.at(-1)!.state).toBe('Reduce');
  });
});

describe('the serverless.yml variable', () => {
  const context = (params: Record<string, string>) => ({ resolveVariable: async (name: string) => params[name.replace(/^param:/, '')], options: {} });

  it('turns the stage parameters (strings) into numbers and points each Task at its function with Fn::GetAtt', async () => {
    const resolved = await resolveDefinition(context({ mapMaxConcurrency: ' 25', mapItemsPerBatch: '3' }));
    expect(resolved.States.MapPartitions).toMatchObject({ MaxConcurrency: 25, ItemBatcher: { MaxItemsPerBatch: 3 } });
    expect(resolved.States.DiffRanges).toMatchObject({ MaxConcurrency: 25, ItemBatcher: { MaxItemsPerBatch: 3 } });
    expect(resolved.States.AssembleParts).toMatchObject({ MaxConcurrency: 25, ItemBatcher: { MaxItemsPerBatch: 3 } });
    expect(resolved.States.Plan!.Parameters.FunctionName).toEqual({ 'Fn::GetAtt': ['PlanAuditLambdaFunction', 'Arn'] });
    expect(resolved.States.DiffRanges!.ItemProcessor.States.DiffBatch.Parameters.FunctionName).toEqual({ 'Fn::GetAtt': ['DiffRangesLambdaFunction', 'Arn'] });
    expect(resolved.States.AssembleParts!.ItemProcessor.States.AssembleBatch.Parameters.FunctionName).toEqual({ 'Fn::GetAtt': ['AssemblePartsLambdaFunction', 'Arn'] });
    expect(resolved.States.Plan!.Resource).toBe('arn:${AWS::Partition}:states:::lambda:invoke');
  });

  it('checks PARTITIONS (1 to 1,000: the plan answers the map with them, under 256 KiB) and PARTITION_THRESHOLD_ITEMS when packaging', async () => {
    expect(await resolvePartitions(context({ partitions: '16' }))).toBe(16);
    expect(await resolveThreshold(context({ distributedThresholdItems: '500000' }))).toBe(500000);
    await expect(resolvePartitions(context({ partitions: '1001' }))).rejects.toThrow('Parameter partitions must be a whole number from 1 to 1000, not "1001".');
    await expect(resolveThreshold(context({ distributedThresholdItems: '1e6' }))).rejects.toThrow(/distributedThresholdItems .* not "1e6"/);
  });

  it('refuses a parameter that is not a whole number in range, naming it', async () => {
    await expect(resolveDefinition(context({ mapMaxConcurrency: 'forty', mapItemsPerBatch: '1' }))).rejects.toThrow('Parameter mapMaxConcurrency must be a whole number from 0 to 10000, not "forty".');
    await expect(resolveDefinition(context({ mapMaxConcurrency: '40', mapItemsPerBatch: '0' }))).rejects.toThrow(/mapItemsPerBatch .* not "0"/);
  });
});

describe('the packaged state machine (ci stage)', () => {
  let resources: Record<string, { Type: string; Properties: any; DependsOn?: unknown }>;
  let template: any;
  beforeAll(async () => {
    template = (await packageCi()).template;
    resources = template.Resources;
  }, 600_000);

  /** The DefinitionString with its Fn::Sub resolved: each function's placeholder becomes that function's ARN. */
  function packagedDefinition(): Definition {
    const [text, variables] = resources.AuditStateMachine!.Properties.DefinitionString['Fn::Sub'] as [string, Record<string, any>];
    const json = text.replace(/\$\{([^}]+)\}/g, (_whole, name: string) => {
      if (name === 'AWS::Partition') return 'aws';
      const [logicalId, attribute] = variables[name]?.['Fn::GetAtt'] ?? [];
      if (attribute !== 'Arn' || resources[logicalId]?.Type !== 'AWS::Lambda::Function') throw new Error(`Unexpected placeholder \${${name}}: ${JSON.stringify(variables[name])}`);
      return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${resources[logicalId]!.Properties.FunctionName}`;
    });
    return JSON.parse(json);
  }

  it('is the definition buildDefinition gives for the stage parameters, each Task on its own function', () => {
    const packaged = packagedDefinition();
    expect(validate(packaged).errorsText('\n')).toBe('');
    expect(packaged).toEqual(build({ maxConcurrency: Number(CI.params.mapMaxConcurrency), maxItemsPerBatch: Number(CI.params.mapItemsPerBatch) }));
    expect(packaged.States.MapPartitions).toMatchObject({ MaxConcurrency: 25, ItemBatcher: { MaxItemsPerBatch: 3 } });
    expect(packaged.States.DiffRanges).toMatchObject({ MaxConcurrency: 25, ItemBatcher: { MaxItemsPerBatch: 3 } });
    expect(packaged.States.AssembleParts).toMatchObject({ MaxConcurrency: 25, ItemBatcher: { MaxItemsPerBatch: 3 } });
  });

  it('is a Standard state machine with its own name, role, error log (encrypted, a year) and X-Ray tracing', () => {
    const machine = resources.AuditStateMachine!;
    expect(machine.Type).toBe('AWS::StepFunctions::StateMachine');
    expect(machine.Properties).toMatchObject({
      StateMachineName: MACHINE,
      StateMachineType: 'STANDARD',
      RoleArn: { 'Fn::GetAtt': ['AuditStateMachineRole', 'Arn'] },
      LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['AuditStateMachineLogGroup', 'Arn'] } } }] },
      TracingConfiguration: { Enabled: true },
    });
    expect(resources.AuditStateMachineLogGroup!.Properties).toEqual({
      LogGroupName: `/aws/vendedlogs/states/${MACHINE}`,
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': ['AuditKey', 'Arn'] },
    });
    // The key lets CloudWatch Logs encrypt that log group.
    const keyPolicy = resources.AuditKey!.Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'CloudWatchLogsEncryptsThisServiceLogGroups');
    expect(JSON.stringify(keyPolicy.Condition)).toContain(`log-group:/aws/vendedlogs/states/${MACHINE}`);
    // Its role is the hand-written one: the plugin generated none.
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role' && JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('states.'))).toHaveLength(1);
  });

  it('declares the six steps with the timeouts their Task states wait for, and alarms when a run fails or times out', () => {
    for (const fn of STEPS) {
      const lambda = resources[`${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`]!;
      expect({ fn, name: lambda.Properties.FunctionName, timeout: lambda.Properties.Timeout, role: lambda.Properties.Role }).toEqual({
        fn, name: `${SERVICE}-${fn}`, timeout: FUNCTION_TIMEOUTS[fn], role: { 'Fn::GetAtt': [`${fn[0]!.toUpperCase()}${fn.slice(1)}Role`, 'Arn'] },
      });
    }
    // What `run --explain` plans with (lib/plan/planOptions.ts) is what is deployed.
    const { memoryMb, ephemeralMb, reduceEphemeralMb, diffMemoryMb, diffEphemeralMb, assembleMemoryMb, assembleEphemeralMb } = DEFAULT_PLAN_OPTIONS;
    expect(resources.MapPartitionsLambdaFunction!.Properties).toMatchObject({ MemorySize: memoryMb, EphemeralStorage: { Size: ephemeralMb } });
    expect(resources.DiffRangesLambdaFunction!.Properties).toMatchObject({ MemorySize: diffMemoryMb, EphemeralStorage: { Size: diffEphemeralMb } });
    // A part child reads the diff children's findings and writes its parts through /tmp.
    expect(resources.AssemblePartsLambdaFunction!.Properties).toMatchObject({ MemorySize: assembleMemoryMb, EphemeralStorage: { Size: assembleEphemeralMb } });
    expect(resources.ReduceAuditLambdaFunction!.Properties).toMatchObject({ MemorySize: memoryMb, EphemeralStorage: { Size: reduceEphemeralMb } });
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.Namespace === 'AWS/States').map((r) => r.Properties);
    expect(alarms.map((a) => a.MetricName).sort()).toEqual(['ExecutionsFailed', 'ExecutionsTimedOut']);
    for (const alarm of alarms) expect(alarm).toMatchObject({ Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: 'AuditStateMachine' } }], AlarmActions: [{ Ref: 'AlarmTopic' }] });
  });

  it('tells every function where the state machine is (built from its name: planAudit cannot !Ref it), the threshold and the partition count', () => {
    const arn = { 'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${MACHINE}` };
    const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(12);
    for (const [id, lambda] of functions) {
      const env = lambda.Properties.Environment.Variables;
      expect([id, env.STATE_MACHINE_ARN, String(env.PARTITION_THRESHOLD_ITEMS), String(env.PARTITIONS)]).toEqual([id, arn, '750000', '12']);
    }
  });

  it("keeps the partitions' files in the run-files bucket, which expires all of them after runFilesDays and locks and versions nothing", () => {
    const bucket = resources.RunFilesBucket!;
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    // Nothing keeps a run file longer: no Object Lock (whose default retention beats any lifecycle rule), no old versions.
    expect(bucket.Properties.ObjectLockEnabled).toBeUndefined();
    expect(bucket.Properties.ObjectLockConfiguration).toBeUndefined();
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([
      { Id: 'run-files', Status: 'Enabled', ExpirationInDays: expect.anything(), AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
    ]);
    expect(Number(bucket.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays)).toBe(Number(CI.params.runFilesDays));
    // Only the steps that read or write run files are told where they are.
    const told = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment.Variables.RUN_FILES_BUCKET);
    expect(told.map(([id]) => id).sort()).toEqual(['AssemblePartsLambdaFunction', 'DiffRangesLambdaFunction', 'MapPartitionsLambdaFunction', 'PlanAuditLambdaFunction', 'ReduceAuditLambdaFunction']);
    for (const [, lambda] of told) expect(lambda.Properties.Environment.Variables.RUN_FILES_BUCKET).toEqual({ Ref: 'RunFilesBucket' });
    // The reports bucket (Object Lock in prod) holds no run files: its only lifecycle rule is the reports'.
    expect(resources.ReportsBucket!.Properties.LifecycleConfiguration.Rules).toEqual([expect.objectContaining({ Prefix: 'reports/', ExpirationInDays: '90' })]);
  });

  describe('IAM, evaluated with the policy simulator', () => {
    const BUCKET = 'reports';
    const RUN_FILES = 'run-files';
    const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/k`;
    const INVENTORY = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/inventory`;
    const RUNS = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/runs`;
    const STATE_MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${MACHINE}`;
    const CHILD = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${MACHINE}/${MAP_LABEL}:0b9e1d3c-4c1e-4f5e-9a57-8f0b7c2d1e6a`;
    const RANGE_CHILD = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${MACHINE}/${RANGES_LABEL}:5d2c7e1a-9b3f-4a6d-8c0e-1f2a3b4c5d6e`;
    const PART_CHILD = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${MACHINE}/${PARTS_LABEL}:9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d`;
    const RUN_ID = 'audit-20261128T020000Z-1a2b3c';
    /** A report the reduce puts together from the parts (lib/delivery/auditOptions.ts reportKey), and a part it copies. */
    const REPORT = `arn:aws:s3:::${BUCKET}/reports/2026/11/${RUN_ID}.json`;
    const PART = `arn:aws:s3:::${RUN_FILES}/${partitionedRunKeys.partFile(RUN_ID, 3, 'json')}`;
    const KEYS = {
      AKIAPLAN: 'PlanAuditRole', AKIAMAP: 'MapPartitionsRole', AKIADIFF: 'DiffRangesRole', AKIAASSEMBLE: 'AssemblePartsRole', AKIAREDUCE: 'ReduceAuditRole', AKIAFAILED: 'MarkRunFailedRole', AKIAMACHINE: 'AuditStateMachineRole',
      AKIASTART: 'StartAuditRole', AKIANIGHTLY: 'ScheduledAuditRole', AKIASWEEP: 'AuditFailuresRole',
    };
    type Key = keyof typeof KEYS;
    /** A call as the recording proxy would record it (no local peer serves Step Functions, X-Ray or log delivery). */
    const call = (key: Key, action: string, resources: string[], context: Record<string, string> = {}, anyOf = false): AwsCall => ({
      accessKeyId: key, presigned: false, service: action.split(':')[0] as AwsCall['service'], operation: action.split(':')[1]!, action, resources, context,
      ...(anyOf ? { resourcesAnyOf: true } : {}), status: 200, region: REGION, method: 'POST', url: `https://${action.split(':')[0]}.${REGION}.amazonaws.com/`,
    });
    const check = (calls: AwsCall[]) =>
      checkCalls({
        template,
        calls,
        roleOfAccessKey: KEYS,
        names: { accountId: ACCOUNT, region: REGION, resources: {
          InventoryTable: { Arn: INVENTORY }, RunsTable: { Arn: RUNS }, ReportsBucket: { Ref: BUCKET, Arn: `arn:aws:s3:::${BUCKET}` },
          RunFilesBucket: { Ref: RUN_FILES, Arn: `arn:aws:s3:::${RUN_FILES}` },
          AuditFailuresQueue: { Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:failures` }, AuditKey: { Arn: KEY },
        } },
        conditions: { UseObjectLock: true, SlackWebhook: true, TeamsWebhook: true, AnyChatWebhook: true, UseSecurityHub: true },
        // A KMS key is also governed by its key policy, which this evaluator does not take (nor does packaged.test.ts):
        // the steps' kms grants are the buckets' (one key), through S3 only, as the audit worker's.
        ignoreActions: /^kms:/,
      });

    /** UploadPartCopy, as the recording proxy records it: s3:PutObject on the object being uploaded, s3:GetObject on the copied source. */
    const copyPart = (key: Key, to: string, from: string): AwsCall => ({ ...call(key, 's3:PutObject', [to]), operation: 'UploadPartCopy', alsoRequires: [{ action: 's3:GetObject', resources: [from] }] });
    const runKey = (key: Key, action: string, runId: string) => call(key, action, [RUNS], { 'dynamodb:LeadingKeys': runId });

    const logs = (key: Key, fn: string) =>
      ['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) => call(key, action, [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${SERVICE}-${fn}:log-stream:2026/11/28/[$LATEST]0a1b`]));
    const runRecord = (key: Key) => ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'].map((action) => call(key, action, [RUNS]));
    // What the code calls (lib/delivery/planPartitionedRun.ts, mapPartitionBatch.ts, diffRangeBatch.ts, assemblePartBatch.ts, reducePartitionedRun.ts).
    const readRunFiles = (key: Key) => [
      call(key, 's3:GetObject', [`arn:aws:s3:::${RUN_FILES}/runs/r1/plan.json`]),
      call(key, 's3:ListBucket', [`arn:aws:s3:::${RUN_FILES}`], { 's3:prefix': 'runs/r1/partitions/3.json' }),
    ];
    const runFiles = (key: Key) => [...readRunFiles(key), call(key, 's3:PutObject', [`arn:aws:s3:::${RUN_FILES}/runs/r1/partitions/3.ndjson`])];
    // The plan: the manifest or, without one, the latest snapshot by Scan, the itemId bounds, the table's size; the map: Query only.
    const planInventory = (key: Key) => ['dynamodb:Query', 'dynamodb:Scan', 'dynamodb:DescribeTable'].map((action) => call(key, action, [INVENTORY]));
    const mail = (key: Key) => call(key, 'ses:SendRawEmail', [`arn:aws:ses:${REGION}:${ACCOUNT}:identity/retention-auditor@acme-health.eu`, `arn:aws:ses:${REGION}:${ACCOUNT}:identity/acme-health.eu`], {}, true);
    const webhooks = (key: Key) => [CHANNEL_PARAMS.slackWebhookParameter, CHANNEL_PARAMS.teamsWebhookParameter].map((name) => call(key, 'ssm:GetParameter', [`arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}`]));

    /** What each step and the state machine do in a run: together, every grant of their roles. */
    const RUN: AwsCall[] = [
      ...logs('AKIAPLAN', 'planAudit'), ...planInventory('AKIAPLAN'), ...runRecord('AKIAPLAN'), ...runFiles('AKIAPLAN'),
      call('AKIAPLAN', 's3:GetObject', [`arn:aws:s3:::${BUCKET}/waivers.yaml`]),
      call('AKIAPLAN', 's3:ListBucket', [`arn:aws:s3:::${BUCKET}`], { 's3:prefix': 'waivers.yaml' }),
      ...logs('AKIAMAP', 'mapPartitions'), call('AKIAMAP', 'dynamodb:Query', [INVENTORY]), ...runRecord('AKIAMAP'), ...runFiles('AKIAMAP'),
      // A diff child: the run record and the previous run's history (GetItem), the manifest (Query), the plan and the
      // partitions' findings (ranged GETs) in, its range's files out.
      ...logs('AKIADIFF', 'diffRanges'), call('AKIADIFF', 'dynamodb:GetItem', [RUNS]), call('AKIADIFF', 'dynamodb:Query', [INVENTORY]),
      call('AKIADIFF', 'dynamodb:UpdateItem', [RUNS], { 'dynamodb:LeadingKeys': 'audit-20261128T020000Z-1a2b3c' }),
      ...['runs/r1/plan.json', 'runs/r1/partitions/3.json', 'runs/r1/partitions/3.ndjson'].map((key) => call('AKIADIFF', 's3:GetObject', [`arn:aws:s3:::${RUN_FILES}/${key}`])),
      call('AKIADIFF', 's3:ListBucket', [`arn:aws:s3:::${RUN_FILES}`], { 's3:prefix': 'runs/r1/ranges/3.json' }),
      call('AKIADIFF', 's3:PutObject', [`arn:aws:s3:::${RUN_FILES}/runs/r1/ranges/3.findings`]),
      // Its range's new states, as a part of the run's history (HistoryStore.writePart): chunks under hist#…, never the head.
      call('AKIADIFF', 'dynamodb:PutItem', [RUNS], { 'dynamodb:LeadingKeys': `hist#inventory#${RUN_ID}#p0003#000000` }),
      // A part child: its run record (GetItem; UpdateItem counts its parts), the plan, the ranges' results and findings (ranged
      // GETs; without history the partitions'), whether its part has a result yet (404 needs ListBucket), its part's files out.
      ...logs('AKIAASSEMBLE', 'assembleParts'), runKey('AKIAASSEMBLE', 'dynamodb:GetItem', RUN_ID), runKey('AKIAASSEMBLE', 'dynamodb:UpdateItem', RUN_ID),
      ...['plan.json', 'ranges/3.json', 'ranges/3.findings', 'partitions/3.json', 'partitions/3.ndjson'].map((key) => call('AKIAASSEMBLE', 's3:GetObject', [`arn:aws:s3:::${RUN_FILES}/runs/${RUN_ID}/${key}`])),
      call('AKIAASSEMBLE', 's3:ListBucket', [`arn:aws:s3:::${RUN_FILES}`], { 's3:prefix': partitionedRunKeys.part(RUN_ID, 3) }),
      ...[partitionedRunKeys.partFile(RUN_ID, 3, 'json'), partitionedRunKeys.partFile(RUN_ID, 3, 'csv'), partitionedRunKeys.part(RUN_ID, 3)].map((key) => call('AKIAASSEMBLE', 's3:PutObject', [`arn:aws:s3:::${RUN_FILES}/${key}`])),
      ...logs('AKIAREDUCE', 'reduceAudit'), ...runRecord('AKIAREDUCE'), ...readRunFiles('AKIAREDUCE'),
      call('AKIAREDUCE', 'dynamodb:Query', [`${RUNS}/index/byCreatedAt`]),
      call('AKIAREDUCE', 'dynamodb:Query', [INVENTORY]),
      call('AKIAREDUCE', 's3:PutObject', [`arn:aws:s3:::${BUCKET}/reports/2026/11/28/r1/findings.json`]),
      // The JSON report put together from the parts (lib/aws/assembleObject.ts): its tail uploaded to the run files, a multipart
      // upload (create, UploadPart, complete: s3:PutObject) copying each part (UploadPartCopy), aborted if it fails; read back for its SHA-256.
      call('AKIAREDUCE', 's3:PutObject', [`arn:aws:s3:::${RUN_FILES}/${partitionedRunKeys.tail(RUN_ID, 'json')}`]),
      call('AKIAREDUCE', 's3:GetObject', [PART]),
      call('AKIAREDUCE', 's3:PutObject', [REPORT]),
      copyPart('AKIAREDUCE', REPORT, PART),
      call('AKIAREDUCE', 's3:AbortMultipartUpload', [REPORT]),
      call('AKIAREDUCE', 's3:GetObject', [REPORT]),
      mail('AKIAREDUCE'), ...webhooks('AKIAREDUCE'),
      call('AKIAREDUCE', 'securityhub:BatchImportFindings', [`arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`]),
      ...logs('AKIAFAILED', 'markRunFailed'), ...runRecord('AKIAFAILED'), mail('AKIAFAILED'), ...webhooks('AKIAFAILED'),
      ...STEPS.map((fn) => call('AKIAMACHINE', 'lambda:InvokeFunction', [functionArn(fn)])),
      call('AKIAMACHINE', 'states:StartExecution', [STATE_MACHINE]),
      // The children of the three maps: the partitions', the diff ranges' and the report parts'.
      ...[CHILD, RANGE_CHILD, PART_CHILD].flatMap((child) => ['states:DescribeExecution', 'states:StopExecution'].map((action) => call('AKIAMACHINE', action, [child]))),
      ...['CreateLogDelivery', 'GetLogDelivery', 'UpdateLogDelivery', 'DeleteLogDelivery', 'ListLogDeliveries', 'PutResourcePolicy', 'DescribeResourcePolicies', 'DescribeLogGroups'].map((a) => call('AKIAMACHINE', `logs:${a}`, ['*'])),
      ...['PutTraceSegments', 'PutTelemetryRecords', 'GetSamplingRules', 'GetSamplingTargets'].map((a) => call('AKIAMACHINE', `xray:${a}`, ['*'])),
      call('AKIASTART', 'states:StartExecution', [STATE_MACHINE]),
      call('AKIANIGHTLY', 'states:StartExecution', [STATE_MACHINE]),
      call('AKIASWEEP', 'states:DescribeExecution', [`arn:aws:states:${REGION}:${ACCOUNT}:execution:${MACHINE}:r1`]),
    ];

    it('allows every call of a run, and every grant of the steps and the state machine is used', async () => {
      const result = await check(RUN);
      // The other roles' grants are used by the packaged functions' run (test/integration/packaged.test.ts); here their states: grants.
      const steps = new Set(['PlanAuditRole', 'MapPartitionsRole', 'DiffRangesRole', 'AssemblePartsRole', 'ReduceAuditRole', 'MarkRunFailedRole', 'AuditStateMachineRole']);
      const unused = result.unused.filter((u) => steps.has(u.role) || u.action.startsWith('states:'));
      expect(formatCheckResult({ ...result, unused })).toBe(formatCheckResult({ denied: [], unused: [], allowed: RUN.length }));
    });

    it('denies what is near it: other prefixes, functions, state machines and executions, and steps beyond their part', async () => {
      const OTHER_MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${SERVICE}-other`;
      const near = [
        // Run files only in the run-files bucket (never runs/ in the locked reports bucket), only under runs/, never deleted.
        ...(['AKIAPLAN', 'AKIAMAP', 'AKIADIFF', 'AKIAASSEMBLE', 'AKIAREDUCE'] as const).flatMap((key) => [
          call(key, 's3:GetObject', [`arn:aws:s3:::${BUCKET}/runs/r1/plan.json`]),
          call(key, 's3:PutObject', [`arn:aws:s3:::${BUCKET}/runs/r1/partitions/3.ndjson`]),
          call(key, 's3:ListBucket', [`arn:aws:s3:::${BUCKET}`], { 's3:prefix': 'runs/r1/plan.json' }),
          call(key, 's3:PutObject', [`arn:aws:s3:::${RUN_FILES}/reports/2026/11/28/r1/findings.json`]),
          call(key, 's3:ListBucket', [`arn:aws:s3:::${RUN_FILES}`], { 's3:prefix': '' }),
        ]),
        call('AKIAMAP', 's3:DeleteObject', [`arn:aws:s3:::${RUN_FILES}/runs/r1/plan.json`]),
        call('AKIAPLAN', 's3:GetObject', [`arn:aws:s3:::${RUN_FILES}/waivers.yaml`]),
        call('AKIASTART', 's3:GetObject', [`arn:aws:s3:::${RUN_FILES}/runs/r1/plan.json`]),
        call('AKIASWEEP', 's3:GetObject', [`arn:aws:s3:::${RUN_FILES}/runs/r1/plan.json`]),
        call('AKIAPLAN', 's3:GetObject', [`arn:aws:s3:::${BUCKET}/reports/2026/11/28/r1/findings.json`]),
        call('AKIAPLAN', 's3:ListBucket', [`arn:aws:s3:::${BUCKET}`], { 's3:prefix': 'reports/' }),
        call('AKIAPLAN', 'ses:SendRawEmail', [`arn:aws:ses:${REGION}:${ACCOUNT}:identity/acme-health.eu`]),
        call('AKIAMAP', 's3:PutObject', [`arn:aws:s3:::${BUCKET}/reports/2026/11/28/r1/findings.json`]),
        call('AKIAMAP', 's3:DeleteObject', [`arn:aws:s3:::${BUCKET}/runs/r1/plan.json`]),
        call('AKIAMAP', 's3:GetObject', [`arn:aws:s3:::${BUCKET}/waivers.yaml`]),
        call('AKIAREDUCE', 'dynamodb:Scan', [INVENTORY]),
        call('AKIAMAP', 'dynamodb:Scan', [INVENTORY]),
        call('AKIAMAP', 'dynamodb:DescribeTable', [INVENTORY]),
        call('AKIAREDUCE', 's3:PutObject', [`arn:aws:s3:::${RUN_FILES}/runs/r1/partitions/3.ndjson`]),
        call('AKIAFAILED', 'dynamodb:Query', [INVENTORY]),
        call('AKIAFAILED', 's3:GetObject', [`arn:aws:s3:::${RUN_FILES}/runs/r1/plan.json`]),
        // The diff child reads the run and its history, counts its ranges on the run record and writes its run files: never
        // the history (its items' keys are not run ids), the reports, a mail; it reads the inventory's manifest by Query only.
        call('AKIADIFF', 'dynamodb:UpdateItem', [RUNS], { 'dynamodb:LeadingKeys': 'histhead#inventory' }),
        call('AKIADIFF', 'dynamodb:UpdateItem', [RUNS], { 'dynamodb:LeadingKeys': 'hist#inventory#audit-1#000000' }),
        call('AKIADIFF', 'dynamodb:PutItem', [RUNS], { 'dynamodb:LeadingKeys': 'histhead#inventory' }),
        call('AKIADIFF', 'dynamodb:PutItem', [RUNS], { 'dynamodb:LeadingKeys': `histrun#${RUN_ID}` }),
        call('AKIADIFF', 'dynamodb:PutItem', [RUNS], { 'dynamodb:LeadingKeys': RUN_ID }),
        // A chunk of a run the reduce wrote (no #p): not a range's part.
        call('AKIADIFF', 'dynamodb:PutItem', [RUNS], { 'dynamodb:LeadingKeys': 'hist#inventory#audit-20261127T020000Z-0a1b2c#000000' }),
        call('AKIADIFF', 'dynamodb:Query', [`${RUNS}/index/byCreatedAt`]),
        call('AKIADIFF', 'dynamodb:Scan', [INVENTORY]),
        call('AKIADIFF', 'dynamodb:GetItem', [INVENTORY]),
        call('AKIADIFF', 'dynamodb:DescribeTable', [INVENTORY]),
        call('AKIADIFF', 's3:PutObject', [`arn:aws:s3:::${BUCKET}/reports/2026/11/28/r1/findings.json`]),
        call('AKIADIFF', 's3:GetObject', [`arn:aws:s3:::${BUCKET}/waivers.yaml`]),
        call('AKIADIFF', 's3:DeleteObject', [`arn:aws:s3:::${RUN_FILES}/runs/r1/ranges/3.findings`]),
        call('AKIADIFF', 'ses:SendRawEmail', [`arn:aws:ses:${REGION}:${ACCOUNT}:identity/acme-health.eu`]),
        // A part child reads its run record and the run files and writes its parts: never the inventory, the history (read or
        // written), another run record's key, the plan's or the ranges' files, the reports, a mail.
        call('AKIAASSEMBLE', 'dynamodb:Query', [INVENTORY]),
        call('AKIAASSEMBLE', 'dynamodb:Scan', [INVENTORY]),
        runKey('AKIAASSEMBLE', 'dynamodb:GetItem', 'histhead#inventory'),
        runKey('AKIAASSEMBLE', 'dynamodb:GetItem', 'hist#inventory#audit-1#000000'),
        runKey('AKIAASSEMBLE', 'dynamodb:UpdateItem', 'histhead#inventory'),
        runKey('AKIAASSEMBLE', 'dynamodb:PutItem', RUN_ID),
        call('AKIAASSEMBLE', 'dynamodb:Query', [`${RUNS}/index/byCreatedAt`]),
        call('AKIAASSEMBLE', 's3:PutObject', [`arn:aws:s3:::${RUN_FILES}/runs/${RUN_ID}/plan.json`]),
        call('AKIAASSEMBLE', 's3:PutObject', [`arn:aws:s3:::${RUN_FILES}/runs/${RUN_ID}/ranges/3.findings`]),
        call('AKIAASSEMBLE', 's3:PutObject', [`arn:aws:s3:::${RUN_FILES}/runs/${RUN_ID}/partitions/3.json`]),
        call('AKIAASSEMBLE', 's3:DeleteObject', [PART]),
        call('AKIAASSEMBLE', 's3:PutObject', [REPORT]),
        call('AKIAASSEMBLE', 's3:GetObject', [REPORT]),
        call('AKIAASSEMBLE', 's3:AbortMultipartUpload', [PART]),
        call('AKIAASSEMBLE', 'ses:SendRawEmail', [`arn:aws:ses:${REGION}:${ACCOUNT}:identity/acme-health.eu`]),
        // The reduce writes no run file but the tails, copies from the run files only, aborts uploads of reports only.
        call('AKIAREDUCE', 's3:PutObject', [PART]),
        call('AKIAREDUCE', 's3:PutObject', [`arn:aws:s3:::${RUN_FILES}/runs/${RUN_ID}/plan.json`]),
        copyPart('AKIAREDUCE', REPORT, `arn:aws:s3:::${SERVICE}-other-bucket/runs/${RUN_ID}/parts/3.json`),
        call('AKIAREDUCE', 's3:AbortMultipartUpload', [`arn:aws:s3:::${BUCKET}/waivers.yaml`]),
        call('AKIAREDUCE', 's3:AbortMultipartUpload', [`arn:aws:s3:::${RUN_FILES}/${partitionedRunKeys.tail(RUN_ID, 'json')}`]),
        call('AKIAREDUCE', 's3:GetObject', [`arn:aws:s3:::${BUCKET}/waivers.yaml`]),
        call('AKIAMACHINE', 'lambda:InvokeFunction', [functionArn('auditWorker')]),
        call('AKIAMACHINE', 'lambda:InvokeFunction', [`${functionArn('planAudit')}:1`]),
        call('AKIAMACHINE', 'states:StartExecution', [OTHER_MACHINE]),
        call('AKIAMACHINE', 'states:StopExecution', [`arn:aws:states:${REGION}:${ACCOUNT}:execution:${MACHINE}:r1`]),
        call('AKIAMACHINE', 'states:StopExecution', [`arn:aws:states:${REGION}:${ACCOUNT}:execution:${SERVICE}-other/${MAP_LABEL}:x`]),
        call('AKIAMACHINE', 'states:StopExecution', [`arn:aws:states:${REGION}:${ACCOUNT}:execution:${SERVICE}-other/${RANGES_LABEL}:x`]),
        call('AKIAMACHINE', 'states:StopExecution', [`arn:aws:states:${REGION}:${ACCOUNT}:execution:${SERVICE}-other/${PARTS_LABEL}:x`]),
        call('AKIAMACHINE', 'states:DescribeExecution', [`arn:aws:states:${REGION}:${ACCOUNT}:execution:${MACHINE}/Other:x`]),
        call('AKIASTART', 'states:StartExecution', [OTHER_MACHINE]),
        call('AKIASTART', 'states:StopExecution', [`arn:aws:states:${REGION}:${ACCOUNT}:execution:${MACHINE}:r1`]),
        call('AKIASWEEP', 'states:StartExecution', [STATE_MACHINE]),
        call('AKIASWEEP', 'states:DescribeExecution', [`arn:aws:states:${REGION}:${ACCOUNT}:execution:${SERVICE}-other:r1`]),
      ];
      const result = await check(near);
      expect(result.denied.map((d) => `${d.role} ${d.call.action} ${d.call.resources[0]}`)).toEqual(near.map((c) => `${KEYS[c.accessKeyId as Key]} ${c.action} ${c.resources[0]}`));
    });
  });
});
