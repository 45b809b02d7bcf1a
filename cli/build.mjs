#!/usr/bin/env node
/**
 * node cli/build.mjs [cli|bench] [--force] [--quiet]
 *
 * Compiles the CLI (and, with `bench`, the benchmark) to JavaScript with esbuild, so that
 * `npm start` and `npm run bench` run plain `node` instead of tsx: about a second less to
 * start and 20 MB less per process (issue 11). Plain JavaScript, so that building needs no
 * TypeScript loader.
 *
 * The bundles go straight into dist/, one folder below the project root as cli/, lib/ and
 * bench/ are: every `resolve(__dirname, '..')` in the code (the examples, policies/,
 * templates/) then means the project root from the sources and from the bundle alike.
 *   cli   → dist/main.js (the CLI), dist/mapWorker.js (`run --partitions N`'s map processes)
 *   bench → the above, and dist/bench.js, dist/scenario.js
 *
 * A build is skipped when no file that went into it (nor this script, the settings or the
 * installed packages) changed since it began: `npm start` pays for a build only after an
 * edit; --force builds anyway. Each file is written beside its place and renamed into it,
 * so a process starting while another builds (a test, a second `npm start`) loads a whole
 * bundle. Source maps (without the sources' text) sit beside the bundles: a stack printed
 * by `--debug` points at the .ts files (cli/sourceMapStacks.ts).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SCRIPT), '..');
const DIST = join(ROOT, 'dist');

/**
 * Loaded from node_modules at run time rather than bundled: native bindings (DuckDB),
 * packages that read their own data files beside their code (pdfkit's font metrics,
 * the @fontsource fonts found through their package.json, dynalite's database), and
 * tsx, which only the sources use (cli/runMapProcesses.ts).
 */
const EXTERNAL = ['@duckdb/node-api', 'pdfkit', '@fontsource/*', 'dynalite', 'fsevents', 'tsx'];

/**
 * Files that change the bundle without being in it: the build's settings, and the installed
 * packages (npm may give a package's files their publish time, older than the last build;
 * it rewrites node_modules/.package-lock.json on every install).
 */
const SETTINGS = ['package.json', 'package-lock.json', 'tsconfig.json', 'node_modules/.package-lock.json'];

const CLI = { entries: { main: 'cli/main.ts', mapWorker: 'cli/mapWorker.ts' }, define: {}, inject: ['cli/sourceMapStacks.ts'] };

const TARGETS = {
  cli: [CLI],
  bench: [
    CLI,
    // bench/scenario.ts calls the CLI's main() in its own process, as the tests do: in its bundle the
    // CLI's `require.main === module` must not hold, or the CLI would also run on the scenario's arguments.
    { entries: { bench: 'bench/bench.ts', scenario: 'bench/scenario.ts' }, define: { 'require.main': 'undefined' }, inject: [] },
  ],
};

/**
 * Builds a target into dist/ unless it is up to date; resolves to true when it built.
 *
 * @example
 * await buildTarget('cli') // true: dist/main.js and dist/mapWorker.js written
 */
export async function buildTarget(target, { force = false, quiet = false } = {}) {
  const outdir = DIST;
  const groups = TARGETS[target];
  if (!groups) throw new Error(`Unknown build target "${target}": use cli or bench.`);
  const stamp = join(outdir, `.build-${target}.json`);
  if (!force && upToDate(stamp)) return false;
  if (!quiet) process.stderr.write(`compiling ${target} to ${outdir} …\n`);
  // An input saved while esbuild reads the others is newer than this, and so builds again next time.
  const startedAt = Date.now();
  const results = await Promise.all(groups.map((group) => bundle(group, outdir)));
  mkdirSync(outdir, { recursive: true });
  const inputs = new Set([SCRIPT, ...SETTINGS.map((file) => join(ROOT, file)).filter((file) => existsSync(file))]);
  const outputs = new Set();
  for (const { metafile, outputFiles } of results) {
    for (const input of Object.keys(metafile.inputs)) inputs.add(resolve(ROOT, input));
    for (const file of outputFiles) {
      writeWhole(file.path, file.contents);
      outputs.add(file.path);
    }
  }
  writeWhole(stamp, `${JSON.stringify({ startedAt, inputs: [...inputs], outputs: [...outputs] })}\n`);
  return true;
}

/** Writes beside the place, then renames into it; a bundle with a `#!` line is executable (package.json's bin). */
function writeWhole(path, contents) {
  const part = `${path}.${process.pid}.part`;
  const script = typeof contents !== 'string' && contents[0] === 0x23 && contents[1] === 0x21;
  writeFileSync(part, contents, { mode: script ? 0o755 : 0o644 });
  renameSync(part, path);
}

async function bundle({ entries, define, inject }, outdir) {
  const { build } = await import('esbuild').catch(() => {
    throw new Error('esbuild is not installed (a devDependency): run npm ci');
  });
  return build({
    absWorkingDir: ROOT,
    entryPoints: entries,
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: EXTERNAL,
    define,
    inject,
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
}

/** True when every output named in the stamp is there and no input changed since that build began (a missing input is a change). */
function upToDate(stamp) {
  try {
    const { startedAt, inputs, outputs } = JSON.parse(readFileSync(stamp, 'utf8'));
    return outputs.every((file) => existsSync(file)) && inputs.every((file) => statSync(file).mtimeMs < startedAt);
  } catch {
    return false;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === SCRIPT) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { force: { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false } },
  });
  const target = positionals[0] ?? 'cli';
  buildTarget(target, { force: values.force, quiet: values.quiet }).catch((error) => {
    // esbuild has already printed its errors with their places; this is the one-line verdict.
    process.stderr.write(`error: could not compile ${target}: ${error.message.split('\n')[0]}\n`);
    process.exitCode = 1;
  });
}
