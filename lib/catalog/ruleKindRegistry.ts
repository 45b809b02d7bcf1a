import { customerDefined, type CustomerDefinedClause } from './ruleKinds/customerDefined';
import { eventBound, type EventBoundClause } from './ruleKinds/eventBound';
import { fixedPeriod, type FixedPeriodClause } from './ruleKinds/fixedPeriod';
import { purposeExtension, type PurposeExtensionClause } from './ruleKinds/purposeExtension';
import { review, type ReviewClause } from './ruleKinds/review';
import type { RuleKind } from './ruleKinds/RuleKind';
import { sizeCap, type SizeCapClause } from './ruleKinds/sizeCap';
import { untilEvent, type UntilEventClause } from './ruleKinds/untilEvent';

/** Every clause kind a rule file may use, by its `kind` value. */
export interface ClauseByKind {
  'fixed-period': FixedPeriodClause;
  'event-bound': EventBoundClause;
  'until-event': UntilEventClause;
  'customer-defined': CustomerDefinedClause;
  'size-cap': SizeCapClause;
  'purpose-extension': PurposeExtensionClause;
  review: ReviewClause;
}
export type RuleKindName = keyof ClauseByKind;
export type Clause = ClauseByKind[RuleKindName];

/**
 * The registry. Its type makes a kind declared in `ClauseByKind` but not
 * registered here a compile error; the engine and the catalog schema read only
 * this object, so a new kind never touches them.
 */
export const ruleKinds: { readonly [K in RuleKindName]: RuleKind<ClauseByKind[K]> } = {
  'fixed-period': fixedPeriod,
  'event-bound': eventBound,
  'until-event': untilEvent,
  'customer-defined': customerDefined,
  'size-cap': sizeCap,
  'purpose-extension': purposeExtension,
  review,
};

/** The rule kind of a clause, typed for that clause. */
export function kindOf<C extends Clause>(clause: C): RuleKind<C> {
  return ruleKinds[clause.kind] as unknown as RuleKind<C>;
}
