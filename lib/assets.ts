import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The folder the running code ships in: one folder up from this file's, wherever it runs —
 * lib/ in the sources (tsx, ts-jest), dist/ in the compiled CLI (cli/build.mjs bundles it
 * there for that reason), handlers/ in a Lambda package.
 */
const CODE_ROOT = resolve(__dirname, '..');

/**
 * Where files shipped beside the code (policies/, templates/, examples/) are: `ASSET_ROOT`
 * when set, else the root the code runs from (the project from the sources and from dist/,
 * the package in Lambda), else `LAMBDA_TASK_ROOT`, else the working folder.
 *
 * @example
 * assetPath('templates/email') // '/var/task/templates/email' in Lambda, '<project>/templates/email' from `npm start`
 */
export function assetPath(relative: string): string {
  const roots = [process.env.ASSET_ROOT, CODE_ROOT, process.env.LAMBDA_TASK_ROOT, process.cwd()].filter(
    (root): root is string => typeof root === 'string' && root !== '',
  );
  for (const root of roots) {
    const candidate = join(root, relative);
    if (existsSync(candidate)) return candidate;
  }
  return join(roots[0] ?? process.cwd(), relative);
}
