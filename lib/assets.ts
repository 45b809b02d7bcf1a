import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Where files shipped beside the code (policies/, templates/) are: the project
 * root when run from source, the package root (`LAMBDA_TASK_ROOT`) in Lambda,
 * or `ASSET_ROOT` when set.
 *
 * @example
 * assetPath('templates/email') // '/var/task/templates/email' in Lambda
 */
export function assetPath(relative: string): string {
  const roots = [process.env.ASSET_ROOT, resolve(__dirname, '../..'), process.env.LAMBDA_TASK_ROOT, process.cwd()].filter(
    (root): root is string => typeof root === 'string' && root !== '',
  );
  for (const root of roots) {
    const candidate = join(root, relative);
    if (existsSync(candidate)) return candidate;
  }
  return join(roots[0] ?? process.cwd(), relative);
}
