/**
 * The compiled CLI (dist/main.js, built by cli/build.mjs), as `npm start` runs it: it does the
 * sources' work — the same JSON, CSV and PDF reports, `run --partitions N` through the compiled
 * map worker — from any working folder, and its --debug stacks point at the .ts sources.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { main } from '../../cli/main';
import { mapWorkerArgs } from '../../cli/runMapProcesses';
import { ALLOCATOR_CONF } from '../../lib/sql/allocator';
import { tempDir } from '../helpers/files';
import { pdfText, readPdf } from '../helpers/pdf';

const ROOT = resolve(__dirname, '../..');
const COMPILED = join(ROOT, 'dist/main.js');
const EXAMPLE = join(ROOT, 'examples/inventory.ndjson');
const WAIVERS = join(ROOT, 'examples/waivers.yaml');

/** The compiled CLI in a process of its own, started (unless told) from a folder that is not the project's. */
function compiled(argv: string[], cwd = tempDir('compiled-cwd-')) {
  const run = spawnSync(process.execPath, [COMPILED, ...argv], { cwd, encoding: 'utf8', env: { ...process.env, ASSET_ROOT: '' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The sources, in this process (as the other CLI tests run them). */
async function sources(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

const RUN_ID = /audit-\d{8}T\d{6}Z-[0-9a-f]+/g;

/** A report with its run id, times and folder made equal (and, in the PDF's text, the JSON report's hash, which has them), so that two runs compare. */
function normalized(dir: string, extension: string): string {
  const name = readdirSync(dir).find((file) => file.startsWith('audit-') && file.endsWith(`.${extension}`))!;
  const text = extension === 'pdf' ? pdfText(readPdf(join(dir, name))).replace(/SHA-256 [0-9a-f]{64}/g, 'SHA-256 HASH') : readFileSync(join(dir, name), 'utf8');
  return text
    .replaceAll(dir, 'OUT')
    .replace(RUN_ID, 'RUN')
    .replace(/"(startedAt|finishedAt|firstSeenAt)":"[^"]+"/g, '"$1":"T"')
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?( UTC)?/g, 'TIME');
}

/** What a run printed, with its run id and report folder made equal. */
const printed = (text: string, dir: string) => text.replaceAll(dir, 'OUT').replace(RUN_ID, 'RUN');

beforeAll(() => {
  // Incremental: a no-op when nothing that goes into dist/ changed since its last build; each file is renamed into place whole.
  execFileSync(process.execPath, [join(ROOT, 'cli/build.mjs'), 'cli', '--quiet'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}, 120_000);

describe('the compiled CLI (dist/main.js)', () => {
  it('--help exits 0 and lists the commands', () => {
    const { code, stdout } = compiled(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/run \[options\]/);
    expect(stdout).toMatch(/Exit status: 0 ran; 2 bad usage/);
  });

  it('runs the embedded default with no arguments: the example inventory in a local DynamoDB, every report in ./reports', () => {
    const cwd = tempDir('compiled-embedded-');
    const { code, stdout } = compiled([], cwd);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Complete: every item of the snapshot was read and evaluated\./);
    expect(readdirSync(join(cwd, 'reports')).filter((name) => name.startsWith('audit-')).map((name) => name.split('.').pop()).sort()).toEqual(['csv', 'json', 'pdf']);
  }, 60_000);

  it('is what `npm start -- <args>` runs, with the arguments', () => {
    const run = spawnSync('npm', ['start', '--silent', '--', 'run', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/--inventory/);
  }, 60_000);

  it('writes the JSON, CSV and PDF reports of the sources, and prints the same summary', async () => {
    const dirs = { compiled: tempDir('compiled-out-'), sources: tempDir('sources-out-') };
    const args = ['run', '--inventory', EXAMPLE, '--waivers', WAIVERS, '--format', 'json,csv,pdf', '--no-progress'];
    const fromSources = await sources(...args, '--out', dirs.sources);
    const fromBundle = compiled([...args, '--out', dirs.compiled]);
    expect(fromSources.code).toBe(0);
    expect(fromBundle.code).toBe(fromSources.code);
    expect(fromBundle.stderr).toBe(fromSources.stderr);
    expect(printed(fromBundle.stdout, dirs.compiled)).toBe(printed(fromSources.stdout, dirs.sources));
    for (const extension of ['json', 'csv', 'pdf']) expect(normalized(dirs.compiled, extension)).toBe(normalized(dirs.sources, extension));
    // The catalog was read: a waived and a violation finding, the PDF in the shipped font's words.
    expect(normalized(dirs.compiled, 'json')).toContain('"verdict":"waived"');
    expect(normalized(dirs.compiled, 'pdf')).toMatch(/violation/i);
  }, 120_000);

  it('runs --partitions 2 through the compiled map worker, with the reports of a one-process run', async () => {
    const dirs = { split: tempDir('compiled-split-'), one: tempDir('sources-one-') };
    const args = ['run', '--inventory', EXAMPLE, '--format', 'json,csv', '--no-progress'];
    const one = await sources(...args, '--out', dirs.one);
    const split = compiled([...args, '--out', dirs.split, '--partitions', '2', '--workers', '2']);
    expect(split.stderr).toBe(one.stderr);
    expect(split.code).toBe(one.code);
    expect(normalized(dirs.split, 'csv')).toBe(normalized(dirs.one, 'csv'));
    expect(normalized(dirs.split, 'json')).toBe(normalized(dirs.one, 'json'));
  }, 120_000);

  it('runs on when its reader stops early (`| head`): the reports written, no EPIPE stack, its own exit status', async () => {
    const out = tempDir('compiled-epipe-');
    const reports = () => readdirSync(out).filter((name) => name.startsWith('audit-')).map((name) => name.split('.').pop()).sort();
    /** The compiled CLI with its stdout (and stderr) read by no one: every write there fails with EPIPE. */
    const run = async (argv: string[], closed: 'stdout' | 'both') => {
      const child = spawn(process.execPath, [COMPILED, ...argv], { cwd: out, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ASSET_ROOT: '' } });
      child.stdout.destroy();
      let stderr = '';
      if (closed === 'both') child.stderr.destroy();
      else child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
      const code = await new Promise<number | null>((done) => child.on('close', done));
      return { code, stderr };
    };
    const summaryLost = await run(['run', '--inventory', EXAMPLE, '--format', 'json,csv', '--out', out, '--no-progress'], 'stdout');
    expect(summaryLost.stderr).not.toMatch(/EPIPE|Unhandled|    at /);
    expect(summaryLost.code).toBe(0);
    expect(reports()).toEqual(['csv', 'json']);
    // `2>&1 | head` after a bad argument: the error message is lost, the status is still usage's.
    expect((await run(['run', '--inventory', '/nonexistent/inventory.ndjson', '--out', out], 'both')).code).toBe(2);
  }, 60_000);

  it('prints --debug stacks that point at the .ts sources', () => {
    const { code, stderr } = compiled(['run', '--inventory', '/nonexistent/inventory.ndjson', '--out', tempDir(), '--debug']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: Cannot read inventory file \/nonexistent\/inventory\.ndjson/);
    expect(stderr).toContain(`(${join(ROOT, 'lib/inventory/FileInventorySource.ts')}:`);
    expect(stderr).not.toContain('dist/main.js:');
  });

  it("sets DuckDB's allocator options before its binding loads, and keeps the environment's own", () => {
    // A preloaded hook prints the variable as the binding is required: jemalloc reads it then, and never again.
    const hook = join(tempDir('allocator-hook-'), 'hook.cjs');
    writeFileSync(
      hook,
      `const Module = require('node:module'); const load = Module._load;
      Module._load = function (request, ...rest) {
        if (request === '@duckdb/node-api') process.stderr.write('allocator at load: ' + process.env.DUCKDB_JE_MALLOC_CONF + '\\n');
        return load.call(this, request, ...rest);
      };`,
    );
    const atLoad = (env: NodeJS.ProcessEnv) => {
      const run = spawnSync(process.execPath, ['-r', hook, COMPILED, 'run', '--engine', 'sql', '--no-history', '--format', 'json', '--inventory', EXAMPLE, '--out', tempDir()], { encoding: 'utf8', env });
      expect(run.status).toBe(0);
      return /allocator at load: (.*)/.exec(run.stderr)?.[1];
    };
    const { DUCKDB_JE_MALLOC_CONF: _, ...clean } = process.env;
    expect(atLoad(clean)).toBe(ALLOCATOR_CONF);
    expect(atLoad({ ...clean, DUCKDB_JE_MALLOC_CONF: 'dirty_decay_ms:1000' })).toBe('dirty_decay_ms:1000');
  }, 60_000);
});

describe('the compiled bench scenario (dist/scenario.js, `npm run bench`)', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'cli/build.mjs'), 'bench', '--quiet'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }, 120_000);

  it('runs the CLI in its process on the scenario, not on the scenario\'s own arguments', () => {
    const out = tempDir('compiled-scenario-');
    const stdout = execFileSync(process.execPath, [join(ROOT, 'dist/scenario.js'), 'run-ndjson', EXAMPLE, out, 'json', 'sql'], { encoding: 'utf8' });
    expect(JSON.parse(stdout.trim())).toMatchObject({ items: 45 });
    expect(readdirSync(out).filter((name) => name.startsWith('audit-'))).toHaveLength(1);
  }, 60_000);
});

describe('mapWorkerArgs', () => {
  it('runs the TypeScript worker with tsx from the sources, and the compiled one beside the compiled CLI', () => {
    const fromSources = mapWorkerArgs('/tmp/p.job.json', join(ROOT, 'cli/runMapProcesses.ts'));
    expect(fromSources.slice(-2)).toEqual([join(ROOT, 'cli/mapWorker.ts'), '/tmp/p.job.json']);
    expect(fromSources[0]).toBe('--import');
    expect(mapWorkerArgs('/tmp/p.job.json', COMPILED).slice(-2)).toEqual([join(ROOT, 'dist/mapWorker.js'), '/tmp/p.job.json']);
  });

  it('says how to build a compiled worker that is missing', () => {
    expect(() => mapWorkerArgs('/tmp/p.job.json', join(tempDir(), 'main.js'))).toThrow(/mapWorker\.js is missing: build it with npm run build:cli\./);
  });
});
