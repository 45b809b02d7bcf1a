import { RETENTION_EVENTS } from '../../model';
import { kebabCase } from '../import/categoryNames';
import { asArray, asObject, asString, categoriesOf, clausesOf, pointer, type LintCheck } from './RuleFileUnderLint';

const BUILT_IN_EVENTS: readonly string[] = RETENTION_EVENTS;

/**
 * What the clauses name is declared, and what is declared is used: every category a
 * clause names is in `categories`, every event in `events` or built in; every
 * category has a clause (a `review` clause when the document gives no period).
 */
export const checkReferences: LintCheck = (ruleFile) => {
  const problems: { path: string; message: string }[] = [];
  const categories = categoriesOf(ruleFile);
  const declaredEvents = new Set(Object.keys(asObject(ruleFile.data.events) ?? {}));
  const governed = new Set<string>();
  for (const { clause, index } of clausesOf(ruleFile)) {
    asArray(clause.categories).forEach((id, position) => {
      if (typeof id !== 'string') return;
      governed.add(id);
      if (!categories.has(id)) problems.push({ path: `/clauses/${index}/categories/${position}`, message: `names the undeclared data category "${id}"` });
    });
    asArray(clause.events).forEach((event, position) => {
      if (typeof event !== 'string' || BUILT_IN_EVENTS.includes(event) || declaredEvents.has(event)) return;
      problems.push({ path: `/clauses/${index}/events/${position}`, message: `names the undeclared event "${event}" (declare it in the top-level "events")` });
    });
  }
  for (const id of categories.keys()) {
    if (!governed.has(id)) problems.push({ path: `/categories/${pointer(id)}`, message: 'no clause governs this category (add a clause, or a "review" clause)' });
  }
  return problems;
};

/**
 * Ids are unique: clause ids, and category ids once kebab-cased from the names
 * (two categories whose names, or a name and another's id, give the same id).
 */
export const checkDuplicateIds: LintCheck = (ruleFile) => {
  const problems: { path: string; message: string }[] = [];
  const clauseIds = new Map<string, number>();
  for (const { clause, index } of clausesOf(ruleFile)) {
    const id = asString(clause.id);
    if (id === undefined) continue;
    const first = clauseIds.get(id);
    if (first === undefined) clauseIds.set(id, index);
    else problems.push({ path: `/clauses/${index}/id`, message: `duplicate clause id "${id}" (also /clauses/${first}/id)` });
  }
  const categoryIds = new Map<string, string>();
  for (const [id, category] of categoriesOf(ruleFile)) {
    const name = asString(category.name);
    for (const key of new Set([kebabCase(id), ...(name === undefined ? [] : [kebabCase(name)])])) {
      const first = categoryIds.get(key);
      if (first !== undefined && first !== id) {
        problems.push({ path: `/categories/${pointer(id)}`, message: `duplicate category id "${key}" after kebab-casing (also /categories/${pointer(first)})` });
      } else {
        categoryIds.set(key, id);
      }
    }
  }
  return problems;
};
