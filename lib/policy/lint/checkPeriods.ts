import { describePeriod, type Period } from '../../time';
import { asArray, asObject, asString, clausesOf, type LintCheck } from './RuleFileUnderLint';

/** A period a clause gives a category from an event ("creation": a fixed period from the record's creation). */
interface GivenPeriod {
  index: number;
  id: string;
  category: string;
  event: string;
  period: Period;
  supersedes: string[];
}

function isPeriod(value: unknown): value is Period {
  const period = asObject(value);
  return period !== undefined && (typeof period.days === 'number' || typeof period.months === 'number');
}

/** The periods the clauses give: fixed periods from creation, event-bound periods from each of their events. */
function givenPeriods(ruleFile: Parameters<LintCheck>[0]): GivenPeriod[] {
  return clausesOf(ruleFile).flatMap(({ clause, index }) => {
    if (!isPeriod(clause.period)) return [];
    const events = clause.kind === 'fixed-period' ? ['creation'] : clause.kind === 'event-bound' ? asArray(clause.events).filter((e) => typeof e === 'string') : [];
    const base = {
      index,
      id: asString(clause.id) ?? String(index),
      period: clause.period,
      supersedes: asArray(clause.supersedes).filter((s): s is string => typeof s === 'string'),
    };
    return asArray(clause.categories)
      .filter((c): c is string => typeof c === 'string')
      .flatMap((category) => events.map((event) => ({ ...base, category, event: event as string })));
  });
}

const samePeriod = (a: Period, b: Period) => ('days' in a ? `${a.days}d` : `${a.months}m`) === ('days' in b ? `${b.days}d` : `${b.months}m`);

/**
 * No two clauses give different periods for the same category and event (a fixed
 * period counts from the record's creation), unless one supersedes the other: the
 * document says one thing, or the catalog holds a typo.
 */
export const checkPeriods: LintCheck = (ruleFile) => {
  const problems: { path: string; message: string }[] = [];
  const given = givenPeriods(ruleFile);
  const reported = new Set<string>();
  given.forEach((later, position) => {
    for (const earlier of given.slice(0, position)) {
      if (earlier.index === later.index || earlier.category !== later.category || earlier.event !== later.event) continue;
      if (samePeriod(earlier.period, later.period) || later.supersedes.includes(earlier.id) || earlier.supersedes.includes(later.id)) continue;
      const key = `${earlier.index}/${later.index}/${later.category}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const from = later.event === 'creation' ? 'from creation' : `after ${later.event}`;
      problems.push({
        path: `/clauses/${later.index}/period`,
        message: `gives "${later.category}" ${describePeriod(later.period)} ${from}, but clause "${earlier.id}" gives ${describePeriod(earlier.period)}`,
      });
    }
  });
  return problems;
};
