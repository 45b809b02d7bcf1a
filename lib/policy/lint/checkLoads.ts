import { compileRuleFile } from '../../catalog/loadCatalog';
import { CatalogError } from '../../errors';
import type { LintCheck } from './RuleFileUnderLint';

/** `Rule file <file> is invalid at <path>: <message>.` (lib/catalog/loadCatalog.ts). */
const LOADER_MESSAGE = /^Rule file .* is invalid at (\/\S*): (.*?)\.?$/s;

/**
 * The rule file loads: the schema (unknown keys and kinds, periods, id spelling,
 * `sourceSha256`'s spelling, declared event names) and the loader's own checks. The
 * loader stops at its first problem, so this reports one at most.
 */
export const checkLoads: LintCheck = ({ file, data }) => {
  try {
    compileRuleFile(data, file);
    return [];
  } catch (error) {
    if (!(error instanceof CatalogError)) throw error;
    const match = LOADER_MESSAGE.exec(error.message);
    return [{ path: match?.[1] ?? '/', message: `does not load: ${match?.[2] ?? error.message}` }];
  }
};
