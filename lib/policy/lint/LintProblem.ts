import { printable as p } from '../../text/printable';

/** One problem `policy lint` found: where (the rule file and a JSON Pointer into it) and what. */
export interface LintProblem {
  /** The rule file, as the folder was named (`policies/tokenhub.json`). */
  file: string;
  /** A JSON Pointer into the rule file (`/clauses/3/text`; `/` for the whole file). */
  path: string;
  /** One sentence, without the final full stop's file context. */
  message: string;
}

/**
 * The problem as one printable line: `<file>:<json path>: <problem>`.
 *
 * @example
 * formatProblem({ file: 'policies/tokenhub.json', path: '/sourceSha256', message: 'missing' })
 * // 'policies/tokenhub.json:/sourceSha256: missing'
 */
export function formatProblem(problem: LintProblem): string {
  return p(`${problem.file}:${problem.path}: ${problem.message}`);
}

/** A quotation of document or rule-file text for a message: on one line, and short. */
export function quote(text: string, max = 70): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return `"${flat.length > max ? `${flat.slice(0, max - 1)}…` : flat}"`;
}
