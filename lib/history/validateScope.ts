import { UsageError } from '../errors';

/**
 * A scope names a folder of the history on disk and a part of the history's
 * keys in DynamoDB, so it is a plain name: 1 to 255 letters, digits, '.', '_'
 * or '-' (every DynamoDB table name, the default scope, is one), and not '.'
 * or '..', which would put the history outside its folder.
 */
const SCOPE = /^[A-Za-z0-9._-]{1,255}$/;

/**
 * Returns the scope when it is usable; a UsageError naming --scope otherwise.
 * Every history store checks the scope it is given, so no path escapes it.
 *
 * @example
 * validateScope('retention-inventory') // 'retention-inventory'
 * validateScope('..') // throws UsageError
 */
export function validateScope(scope: string): string {
  if (typeof scope === 'string' && SCOPE.test(scope) && scope !== '.' && scope !== '..') return scope;
  const shown = JSON.stringify(typeof scope === 'string' && scope.length > 40 ? `${scope.slice(0, 40)}…` : scope);
  throw new UsageError(
    `--scope ${shown} is not a usable history scope: give 1 to 255 letters, digits, '.', '_' or '-', and not '.' or '..'.`,
    { context: { scope } },
  );
}
