import { BOOLEAN, DuckDBScalarFunction, VARCHAR, type DuckDBConnection } from './duckdb';
import picomatch from 'picomatch';
import { GLOB_FUNCTION } from './globSql';

/**
 * Registers `picomatch_dot(pattern, value) → BOOLEAN` on a connection: picomatch
 * with `{ dot: true }`, as lib/engine/waivers.ts matches a waiver's scope, for the
 * globs lib/sql/globSql.ts cannot turn into RE2. DuckDB calls it on the JavaScript
 * thread, a chunk of rows at a time; a waiver tests its other, cheaper fields first.
 *
 * @example
 * registerGlobFunction(connection); await connection.run("SELECT picomatch_dot('t-?', 't-1')") // true
 */
export function registerGlobFunction(connection: DuckDBConnection): void {
  const matchers = new Map<string, (value: string) => boolean>();
  const matcher = (pattern: string) => {
    let isMatch = matchers.get(pattern);
    if (!isMatch) {
      isMatch = picomatch(pattern, { dot: true });
      matchers.set(pattern, isMatch);
    }
    return isMatch;
  };
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: GLOB_FUNCTION,
      mainFunction: (_info, input, output) => {
        const patterns = input.getColumnVector(0);
        const values = input.getColumnVector(1);
        for (let row = 0; row < input.rowCount; row += 1) {
          const pattern = patterns.getItem(row);
          const value = values.getItem(row);
          output.setItem(row, typeof pattern === 'string' && pattern !== '' && typeof value === 'string' ? matcher(pattern)(value) : null);
        }
        output.flush();
      },
      returnType: BOOLEAN,
      parameterTypes: [VARCHAR, VARCHAR],
    }),
  );
}
