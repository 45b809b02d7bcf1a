/**
 * The events the state machine's tasks send the partitioned run's functions
 * (infra/stateMachine.js), checked strictly at the edge: a misshapen event
 * fails with one sentence naming the field, before anything is touched.
 */
import { z } from 'zod';
import { UsageError } from '../errors';
import type { MarkFailedEvent } from './markRunFailed';
import type { PartitionBatchEvent } from './mapPartitionBatch';
import type { RangeBatchEvent } from './diffRangeBatch';
import type { PartBatchEvent } from './assemblePartBatch';

const runId = z.string().regex(/^audit-[\w-]{1,100}$/, 'must be a run id');
const stateError = z.object({ Error: z.string().optional(), Cause: z.string().optional() });
// The spec is checked by the source that reads it (DynamoInventorySource.forPartition refuses one it cannot read):
// it came from this deployment's own plan step, and its kinds are lib/partitioned's to define.
const partition = z.object({
  index: z.number().int().min(0),
  count: z.number().int().min(1),
  spec: z.looseObject({ kind: z.string().min(1) }),
});

const schemas = {
  run: z.object({ runId }),
  batch: z.object({ BatchInput: z.object({ runId }), Items: z.array(partition).min(1), error: stateError.optional() }),
  // Diff ranges, or report parts, by index (lib/partitioned/diffRanges.ts, cutParts.ts); the plan says how many there are.
  indexes: z.object({ BatchInput: z.object({ runId }), Items: z.array(z.number().int().min(0)).min(1), error: stateError.optional() }),
  markFailed: z.object({ runId, error: stateError.optional() }),
};

function parse<T>(schema: z.ZodType<T>, event: unknown, what: string): T {
  const parsed = schema.safeParse(event);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new UsageError(`The ${what} event is invalid at ${issue.path.join('.') || 'its root'}: ${issue.message}.`);
}

/**
 * Checks a state machine task's event.
 *
 * @example
 * stateMachineEvents.run({ runId: 'audit-20261128T020000Z-1a2b3c' }, 'planAudit') // { runId }
 * stateMachineEvents.batch({ BatchInput: { runId }, Items: [] }, 'mapPartitions') // throws: Items … at least 1
 * stateMachineEvents.ranges({ BatchInput: { runId }, Items: [0, 1] }, 'diffRanges') // { BatchInput: { runId }, Items: [0, 1] }
 * stateMachineEvents.parts({ BatchInput: { runId }, Items: [3] }, 'assembleParts') // { BatchInput: { runId }, Items: [3] }
 */
export const stateMachineEvents = {
  run: (event: unknown, what: string): { runId: string } => parse(schemas.run, event, what),
  batch: (event: unknown, what: string): PartitionBatchEvent => parse(schemas.batch, event, what) as PartitionBatchEvent,
  ranges: (event: unknown, what: string): RangeBatchEvent => parse(schemas.indexes, event, what),
  parts: (event: unknown, what: string): PartBatchEvent => parse(schemas.indexes, event, what),
  markFailed: (event: unknown, what: string): MarkFailedEvent => parse(schemas.markFailed, event, what),
};
