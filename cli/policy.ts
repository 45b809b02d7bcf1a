import type { Command } from 'commander';
import { DEFAULT_POLICIES_DIR } from '../lib/catalog/loadCatalog';
import { printable as p } from '../lib/text/printable';
import type { CliIo } from './main';

/**
 * Registers the `policy` command group: the tools that turn privacy-policy
 * modules into rule files and keep the two in step. Each subcommand is a thin
 * adapter over one use case of lib/policy/.
 */
export function registerPolicyCommands(program: Command, io: CliIo, setExit: (code: number) => void): Command {
  const policy = program.command('policy').description('draft and check rule files from privacy-policy modules');

  policy
    .command('import')
    .description('draft <policies>/<module>.json from a privacy-policy module (plain text or Markdown) and print what to review')
    .argument('<file>', 'the privacy-policy module')
    .requiredOption('--module <id>', 'the module id (kebab-case), also the rule file name')
    .option('--name <name>', "the module's name (default: the document's own spelling of the id)")
    .option('--policies <dir>', 'the rule folder; the source is kept under its sources/', DEFAULT_POLICIES_DIR)
    .option('--force', 'overwrite an existing rule file')
    .action(async (file: string, options: { module: string; name?: string; policies: string; force?: boolean }) => {
      const { importPolicy } = await import('../lib/policy/import/importPolicy');
      const { formatReviewTable } = await import('../lib/policy/import/reviewTable');
      const result = importPolicy(file, { moduleId: options.module, name: options.name, policiesDir: options.policies, force: options.force });
      const clauses = result.ruleFile.clauses;
      const flagged = clauses.filter((clause) => clause.kind === 'review' || clause.confidence !== 'high').length;
      io.stdout(`${formatReviewTable(result.rows).split('\n').map((line) => p(line)).join('\n')}\n`);
      io.stdout(
        `Drafted ${p(result.file)}: ${Object.keys(result.ruleFile.categories).length} categories, ${clauses.length} clauses, ` +
          `${flagged} to check; source kept as ${p(result.sourceFile)} (SHA-256 ${result.ruleFile.sourceSha256}).\n` +
          `Review the table, fix the rule file, then run: npm start -- policy lint --policies ${p(options.policies)}\n`,
      );
      setExit(0);
    });

  policy
    .command('lint')
    .description('check the rule files against their source documents: one line per problem, exit 1 when any')
    .option('--policies <dir>', 'the rule folder (sources in <dir>/sources/)', DEFAULT_POLICIES_DIR)
    .addHelpText(
      'after',
      '\nChecks: citations (text, context) verbatim in the source, white space aside; sourceSha256 matches the source;\n' +
        'categories and events declared and governed; no two periods for one category and event; every category the\n' +
        "document's collection section lists is in the file; unique clause and category ids; the file loads.\n" +
        'Output: <file>:<json path>: <problem>. Exit status: 0 no problems; 1 problems; 2 unreadable folder.',
    )
    .action(async (options: { policies: string }) => {
      const { lintCatalog } = await import('../lib/policy/lint/lintCatalog');
      const { formatProblem } = await import('../lib/policy/lint/LintProblem');
      const result = lintCatalog(options.policies);
      for (const problem of result.problems) io.stdout(`${formatProblem(problem)}\n`);
      const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
      const checked = `${count(result.files, 'rule file')}, ${count(result.clauses, 'clause')}, ${count(result.sources, 'source document')}`;
      if (result.problems.length > 0) {
        io.stderr(`${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in ${p(options.policies)} (${checked}).\n`);
        setExit(1);
      } else {
        io.stdout(`OK: ${p(options.policies)}: ${checked}, no problems.\n`);
        setExit(0);
      }
    });

  return policy;
}
