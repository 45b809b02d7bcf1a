import { appliesToModule, extractCategories } from '../import/categories';
import { kebabCase } from '../import/categoryNames';
import { splitSections } from '../import/documentSections';
import { asString, categoriesOf, type LintCheck } from './RuleFileUnderLint';

/** A name compared case-insensitively, on its letters and digits (`End-User  Device` = `end user device`). */
const normalized = (name: string): string => kebabCase(name);

/**
 * Every data category the source document lists where it says what it collects
 * ("PERSONAL DATA WE COLLECT", or the "Personal Information / Use" table; read as
 * `policy import` reads it, lib/policy/import/categories.ts) is in the rule file:
 * a category whose name or id is the listed name, case-insensitively, white space
 * and punctuation aside. A category the document limits to another feature
 * ("Applicable to Intelligent Guidance only") is only asked of that module.
 */
export const checkCollection: LintCheck = (ruleFile) => {
  if (ruleFile.source === null) return [];
  const moduleName = asString(ruleFile.data.name) ?? '';
  const known = new Set<string>();
  for (const [id, category] of categoriesOf(ruleFile)) {
    known.add(normalized(id));
    const name = asString(category.name);
    if (name !== undefined) known.add(normalized(name));
  }
  const listed = extractCategories(splitSections(ruleFile.source.toString('utf8')));
  return listed
    .filter((category) => appliesToModule(category, moduleName) && !known.has(normalized(category.name)))
    .map((category) => ({
      path: '/categories',
      message: `the document lists the data category "${category.name}" where it says what it collects, but the rule file has no category "${kebabCase(category.name)}"`,
    }));
};
