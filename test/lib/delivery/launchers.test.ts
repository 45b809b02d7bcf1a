/** The launchers: the state machine's (SFN mocked with aws-sdk-client-mock) and the size threshold between it and the worker. */
import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AccessDeniedError } from '../../../lib/errors';
import type { InventoryTable, SnapshotManifest } from '../../../lib/inventory/InventoryTable';
import { executionArnOf, snapshotItems, StepFunctionsLauncher, ThresholdLauncher } from '../../../lib/delivery/launchers';
import type { RunStore } from '../../../lib/delivery/RunStore';
import { startRun, type AuditLauncher } from '../../../lib/delivery/startRun';

const STATE_MACHINE = 'arn:aws:states:eu-central-1:123456789012:stateMachine:retention-auditor-prod-audit';
const RUN = 'audit-20261128T020000Z-1a2b3c';
const EXECUTION = `arn:aws:states:eu-central-1:123456789012:execution:retention-auditor-prod-audit:${RUN}`;
const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());

/** A run store that keeps only what the launcher writes. */
function updates(): { runs: RunStore; patches: [string, unknown][] } {
  const patches: [string, unknown][] = [];
  const runs = { update: async (runId: string, patch: unknown) => (patches.push([runId, patch]), {}) } as unknown as RunStore;
  return { runs, patches };
}

describe('StepFunctionsLauncher', () => {
  it('starts one execution named after the run with { runId } and records its ARN on the run', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });
    const { runs, patches } = updates();
    await new StepFunctionsLauncher(new SFNClient({}), STATE_MACHINE, runs).launch(RUN);
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: STATE_MACHINE, name: RUN, input: JSON.stringify({ runId: RUN }) });
    expect(patches).toEqual([[RUN, { executionArn: EXECUTION }]]);
  });

  it('takes ExecutionAlreadyExists as started (a retried launch), and records the ARN the name gives', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: `Execution Already Exists: '${EXECUTION}'`, $metadata: {} }));
    const { runs, patches } = updates();
    await new StepFunctionsLauncher(new SFNClient({}), STATE_MACHINE, runs).launch(RUN);
    expect(patches).toEqual([[RUN, { executionArn: EXECUTION }]]);
  });

  it('turns a refusal into an AccessDeniedError naming states:StartExecution, and records nothing', async () => {
    sfn.on(StartExecutionCommand).rejects(new SFNServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'not authorized', $metadata: { httpStatusCode: 400 } }));
    const { runs, patches } = updates();
    const launching = new StepFunctionsLauncher(new SFNClient({}), STATE_MACHINE, runs).launch(RUN);
    await expect(launching).rejects.toThrow(AccessDeniedError);
    await expect(launching).rejects.toThrow(/states:StartExecution/);
    expect(patches).toEqual([]);
  });

  it.each([
    ['RUNNING', 'RUNNING'],
    ['SUCCEEDED', 'SUCCEEDED'],
    ['TIMED_OUT', 'TIMED_OUT'],
  ] as const)('says where an execution is: %s', async (status, expected) => {
    sfn.on(DescribeExecutionCommand, { executionArn: EXECUTION }).resolves({ status, executionArn: EXECUTION, stateMachineArn: STATE_MACHINE, startDate: new Date() });
    expect(await new StepFunctionsLauncher(new SFNClient({}), STATE_MACHINE, updates().runs).status(EXECUTION)).toBe(expected);
  });

  it('says `missing` for an execution Step Functions does not know', async () => {
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
    expect(await new StepFunctionsLauncher(new SFNClient({}), STATE_MACHINE, updates().runs).status(EXECUTION)).toBe('missing');
  });

  it('derives the execution ARN from the state machine and the run', () => {
    expect(executionArnOf(STATE_MACHINE, RUN)).toBe(EXECUTION);
  });
});

/** An inventory table that answers the sizing questions only. */
function table(sizes: { latest?: number; asked?: Record<string, number>; describe: number }): InventoryTable & { asked: string[] } {
  const asked: string[] = [];
  const manifest = (snapshotId: string, itemCount: number): SnapshotManifest => ({ snapshotId, itemCount, capturedAt: '2026-11-28T01:00:00Z', rejected: 0, loadedAt: '2026-11-28T01:30:00Z' });
  return {
    asked,
    latestManifest: async () => (sizes.latest === undefined ? null : manifest('snap-latest', sizes.latest)),
    manifest: async (snapshotId: string) => (asked.push(snapshotId), sizes.asked?.[snapshotId] === undefined ? null : manifest(snapshotId, sizes.asked[snapshotId]!)),
    describeSize: async () => ({ itemCount: sizes.describe, sizeBytes: sizes.describe * 400 }),
  } as unknown as InventoryTable & { asked: string[] };
}

/** A launcher that remembers what it launched. */
const recording = () => {
  const launched: string[] = [];
  return { launched, launcher: { launch: async (runId: string) => void launched.push(runId) } satisfies AuditLauncher };
};

describe('ThresholdLauncher', () => {
  it.each([
    [999_999, 'small'],
    [1_000_000, 'large'],
    [25_000_000, 'large'],
  ] as const)('a latest snapshot of %i items goes to the %s launcher', async (items, expected) => {
    const large = recording();
    const small = recording();
    await new ThresholdLauncher({ inventory: table({ latest: items, describe: 0 }), thresholdItems: 1_000_000, large: large.launcher, small: small.launcher }).launch(RUN);
    expect({ large: large.launched, small: small.launched }).toEqual(expected === 'large' ? { large: [RUN], small: [] } : { large: [], small: [RUN] });
  });

  it('sizes the snapshot the run asks for, through startRun', async () => {
    const inventory = table({ latest: 10, asked: { 'snap-big': 2_000_000 }, describe: 0 });
    const large = recording();
    const small = recording();
    const runs = { create: async () => undefined } as unknown as RunStore;
    await startRun({ trigger: 'http', requestedBy: 'me', request: { snapshotId: 'snap-big', formats: ['json'], notify: false, dryRun: false } }, runs, new ThresholdLauncher({ inventory, thresholdItems: 1_000_000, large: large.launcher, small: small.launcher }));
    expect(inventory.asked).toEqual(['snap-big']);
    expect(large.launched).toHaveLength(1);
  });

  it("sizes a table without manifests by DescribeTable's item count", async () => {
    expect(await snapshotItems(table({ describe: 1_500_000 }))).toBe(1_500_000);
    expect(await snapshotItems(table({ latest: 45, describe: 1_500_000 }))).toBe(45);
  });
});
