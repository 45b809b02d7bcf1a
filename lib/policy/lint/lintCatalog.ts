import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../../errors';
import { checkCitations } from './checkCitations';
import { checkCollection } from './checkCollection';
import { checkLoads } from './checkLoads';
import { checkPeriods } from './checkPeriods';
import { checkDuplicateIds, checkReferences } from './checkReferences';
import { checkSource } from './checkSource';
import type { LintProblem } from './LintProblem';
import { asArray, asObject, asString, type LintCheck, type RuleFileUnderLint } from './RuleFileUnderLint';

/** What `policy lint` found in a folder of rule files. */
export interface LintResult {
  problems: LintProblem[];
  files: number;
  clauses: number;
  /** Distinct source documents read. */
  sources: number;
}

/** The checks of names and ids; the loader's own check runs only where they found nothing (it would repeat the first). */
const REFERENCE_CHECKS: LintCheck[] = [checkReferences, checkDuplicateIds];
/** The checks against the source document. */
const SOURCE_CHECKS: LintCheck[] = [checkSource, checkCitations, checkPeriods, checkCollection];

/** A source is a file name in `<dir>/sources/`, never a path out of it. */
const isPlainName = (name: string) => name !== '' && name !== '.' && name !== '..' && basename(name) === name && !name.includes('\\');

function readSource(dir: string, name: string | undefined): Buffer | null {
  if (name === undefined || !isPlainName(name)) return null;
  try {
    return readFileSync(join(dir, 'sources', name));
  } catch {
    return null;
  }
}

/** The problems of one rule file. */
export function lintRuleFile(ruleFile: RuleFileUnderLint): LintProblem[] {
  const at = (found: { path: string; message: string }[]) => found.map((problem) => ({ file: ruleFile.file, ...problem }));
  const references = REFERENCE_CHECKS.flatMap((check) => at(check(ruleFile)));
  const loads = references.length === 0 ? at(checkLoads(ruleFile)) : [];
  const name = asString(ruleFile.data.source);
  const badName = name !== undefined && !isPlainName(name) ? at([{ path: '/source', message: `"${name}" is not a file name in sources/` }]) : [];
  const source = badName.length > 0 ? [] : SOURCE_CHECKS.flatMap((check) => at(check(ruleFile)));
  return [...references, ...loads, ...badName, ...source];
}

/**
 * Checks a folder of rule files against their source documents (`<dir>/sources/`):
 * citations verbatim, sources unchanged since import, categories and events declared
 * and governed, no conflicting periods, every category the document collects in the
 * catalog, unique ids, and every file loads. Throws an InputError when the folder
 * cannot be read or holds no rule files.
 *
 * @example
 * lintCatalog('policies').problems // []
 */
export function lintCatalog(dir: string): LintResult {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch (cause) {
    throw new InputError(`Cannot read the rule folder ${dir}.`, { cause });
  }
  if (names.length === 0) throw new InputError(`The rule folder ${dir} holds no rule files (*.json).`);
  const result: LintResult = { problems: [], files: names.length, clauses: 0, sources: 0 };
  const sources = new Set<string>();
  for (const name of names) {
    const file = join(dir, name);
    let data: Record<string, unknown> | undefined;
    try {
      data = asObject(JSON.parse(readFileSync(file, 'utf8')));
    } catch (error) {
      result.problems.push({ file, path: '/', message: `is not valid JSON (${(error as Error).message})` });
      continue;
    }
    if (data === undefined) {
      result.problems.push({ file, path: '/', message: 'is not a JSON object' });
      continue;
    }
    const source = readSource(dir, asString(data.source));
    if (source !== null) sources.add(asString(data.source)!);
    result.clauses += asArray(data.clauses).length;
    result.problems.push(...lintRuleFile({ file, dir, data, source }));
  }
  result.sources = sources.size;
  return result;
}
