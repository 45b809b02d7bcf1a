import { normalizeWhitespace } from './normalizeWhitespace';
import { quote } from './LintProblem';
import { asString, clausesOf, type LintCheck } from './RuleFileUnderLint';

/** The cited fields of a clause: the document's own words. */
const CITED = ['text', 'context'] as const;

/**
 * Every clause cites its source verbatim: its `text`, and its `context` when it has
 * one, appear in the source document, white space aside (lib/policy/lint/normalizeWhitespace.ts).
 */
export const checkCitations: LintCheck = (ruleFile) => {
  if (ruleFile.source === null) return [];
  const document = normalizeWhitespace(ruleFile.source.toString('utf8'));
  const sourceName = asString(ruleFile.data.source) ?? 'the source';
  return clausesOf(ruleFile).flatMap(({ clause, index }) =>
    CITED.flatMap((field) => {
      const cited = asString(clause[field]);
      if (cited === undefined || document.includes(normalizeWhitespace(cited))) return [];
      return [{ path: `/clauses/${index}/${field}`, message: `${quote(cited)} is not verbatim in sources/${sourceName}` }];
    }),
  );
};
