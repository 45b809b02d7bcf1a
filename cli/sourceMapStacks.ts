/**
 * Stack traces of the compiled CLI (dist/main.js, built by cli/build.mjs) that point at the
 * .ts sources. The CLI prints a stack only with --debug; Node's own --enable-source-maps
 * would parse the 4 MB map on every start (16 MB more RSS and 0.1 s more CPU on
 * `run --help`, measured), so the map is read here only when a --debug run formats a stack.
 * cli/build.mjs injects this module at the top of the bundle; from the sources (tsx,
 * ts-jest, which map stacks themselves) and under --enable-source-maps it does nothing.
 */
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapping } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';

/**
 * Makes every stack formatted from now on name the sources the bundle was built from, read
 * from `<bundle>.map`; frames outside the bundle, and every frame if the map is missing, stay as they are.
 *
 * @example
 * installSourceMapStacks('/repo/dist/main.js');
 * new Error('x').stack // '    at runCommand (/repo/cli/main.ts:180:19)' rather than '(/repo/dist/main.js:184848:20)'
 */
export function installSourceMapStacks(bundle: string): void {
  let map: SourceMap | null | undefined;
  const sourceMap = (): SourceMap | null => {
    if (map !== undefined) return map;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')));
    } catch {
      map = null;
    }
    return map;
  };
  Error.prepareStackTrace = (error, frames) => [header(error), ...frames.map((frame) => `    at ${mappedFrame(frame, bundle, sourceMap)}`)].join('\n');
}

/** V8's first line of a stack: `Name: message`. */
function header(error: unknown): string {
  try {
    return String(error);
  } catch {
    return 'Error';
  }
}

function mappedFrame(frame: NodeJS.CallSite, bundle: string, sourceMap: () => SourceMap | null): string {
  const text = String(frame);
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  if (frame.getFileName() !== bundle || line === null || column === null) return text;
  const entry = sourceMap()?.findEntry(line - 1, column - 1);
  if (!entry || !('originalSource' in entry)) return text;
  const { originalSource, originalLine, originalColumn } = entry as SourceMapping;
  const source = isAbsolute(originalSource) ? originalSource : resolve(dirname(bundle), originalSource);
  return text.replace(`${bundle}:${line}:${column}`, `${source}:${originalLine + 1}:${originalColumn + 1}`);
}

if (!__filename.endsWith('.ts') && process.argv.includes('--debug') && !process.sourceMapsEnabled) installSourceMapStacks(__filename);
