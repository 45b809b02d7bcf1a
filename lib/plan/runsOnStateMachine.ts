/**
 * The switch between the two ways a run executes in AWS: one Lambda below
 * `distributedThresholdItems`, the state machine (plan → Distributed Maps →
 * reduce) from it on. One rule for `run --explain` and the deployment's
 * launcher, so that the plan explained is the run started.
 */
import { DEFAULT_PLAN_OPTIONS } from './planOptions';

/**
 * Whether a snapshot of `items` items runs on the state machine.
 *
 * @example
 * runsOnStateMachine(499_999) // false: one Lambda
 * runsOnStateMachine(500_000) // true
 * runsOnStateMachine(10, 10) // true
 */
export function runsOnStateMachine(items: number, distributedThresholdItems: number = DEFAULT_PLAN_OPTIONS.distributedThresholdItems): boolean {
  return items >= distributedThresholdItems;
}
