// Types of infra/stateMachine.js (plain CommonJS, as osls loads it) for the TypeScript tests.

/** The functions of serverless.yml the state machine's Task states invoke. */
export type StepFunctionName = 'planAudit' | 'mapPartitions' | 'diffRanges' | 'assembleParts' | 'reduceAudit' | 'markRunFailed';

export interface DefinitionOptions {
  /** What a Task's Parameters.FunctionName is for a function: an ARN, or in serverless.yml an Fn::GetAtt. */
  functionArn: (name: StepFunctionName) => unknown;
  /** Child workflows at once, in each Distributed Map (0: as many as Step Functions allows). */
  maxConcurrency: number;
  /** Partitions, diff ranges or report parts one child workflow takes (ItemBatcher). */
  maxItemsPerBatch: number;
  /** Default 100: a child never fails the map. */
  toleratedFailurePercentage?: number;
  /** The Lambda integration's partition, default `aws`. */
  partition?: string;
}

/** An Amazon States Language definition (only what the tests read is typed). */
export interface Definition {
  Comment: string;
  StartAt: string;
  TimeoutSeconds: number;
  States: Record<string, Record<string, any>>;
}

export function buildDefinition(options: DefinitionOptions): Definition;
/** `planAudit` → `PlanAuditLambdaFunction`. */
export function lambdaLogicalId(name: string): string;
export const FUNCTION_TIMEOUTS: Readonly<Record<StepFunctionName, number>>;
export const EXECUTION_TIMEOUT_SECONDS: number;
/** The partitions' Distributed Map's label, in its child executions' ARNs. */
export const MAP_LABEL: string;
/** The diff ranges' Distributed Map's label, in its child executions' ARNs. */
export const RANGES_LABEL: string;
/** The report parts' Distributed Map's label, in its child executions' ARNs. */
export const PARTS_LABEL: string;
export const TRANSIENT_ERRORS: readonly string[];
/** The serverless.yml variable: the definition for the stage's parameters. */
export function definition(context: { resolveVariable: (name: string) => Promise<unknown>; options: Record<string, unknown> }): Promise<Definition>;
/** The serverless.yml variables PARTITIONS and PARTITION_THRESHOLD_ITEMS: the stage parameters, checked. */
export function partitions(context: { resolveVariable: (name: string) => Promise<unknown>; options: Record<string, unknown> }): Promise<number>;
export function thresholdItems(context: { resolveVariable: (name: string) => Promise<unknown>; options: Record<string, unknown> }): Promise<number>;
