/**
 * The map steps of a partitioned CLI run (`run --partitions N`) as processes of
 * their own, a few at a time: each reads and evaluates one partition
 * (cli/mapWorker.ts) as a map child does in AWS, and hands its result back on
 * its last line of output. A process that fails is a failed partition: the run
 * is then incomplete, and says which.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EngineChoice } from '../lib/audit/engineKind';
import type { Waiver } from '../lib/engine/waivers';
import { mapInOrder } from '../lib/partitioned/mapInOrder';
import { failedPartition, type PartitionResult } from '../lib/partitioned/Partition';
import type { MapTask } from '../lib/partitioned/runPartitioned';
import type { DuckOptions } from '../lib/sql/duck';

/** Where a map process reads its partition from. */
export type MapSource = { inventory: string; snapshotId: string | null } | { table: string; endpoint?: string; region?: string; snapshotId: string };

/** Everything a map process needs, written to a file it is given (the CLI's options it would otherwise parse again). */
export interface MapJob {
  source: MapSource;
  task: MapTask;
  policies: string;
  /** The waivers as loaded by the run (the same expiry checks for every partition). */
  waivers: Waiver[];
  graceDays: number;
  engineKind: EngineChoice;
  duck: DuckOptions;
}

/** A map process's result line: the partition's result and the process's peak RSS. */
export interface MapOutput {
  result: PartitionResult;
  peakRssMb: number;
}

export interface MapProcessOptions {
  job: Omit<MapJob, 'task'>;
  /** Processes at once. */
  concurrency: number;
  onDone?: (output: MapOutput) => void;
}

/**
 * Runs each task in a process of its own, `concurrency` at a time; results in task order.
 *
 * @example
 * const results = await runMapProcesses(tasks, { job, concurrency: 2 });
 */
export function runMapProcesses(tasks: readonly MapTask[], options: MapProcessOptions): Promise<PartitionResult[]> {
  return mapInOrder(tasks, options.concurrency, async (task) => {
    const jobPath = `${task.linesPath}.job.json`;
    await writeFile(jobPath, JSON.stringify({ ...options.job, task } satisfies MapJob));
    let output: MapOutput;
    try {
      output = await runWorker(jobPath);
    } catch (error) {
      output = { result: failedPartition(task.partition, (error as Error).message), peakRssMb: 0 };
    }
    options.onDone?.(output);
    return output.result;
  });
}

/**
 * How to start a map process under this Node: the compiled worker beside the compiled CLI
 * (dist/mapWorker.js, cli/build.mjs) when this code runs compiled, else cli/mapWorker.ts
 * with tsx's loader, for require and import() both (the SQL engine is imported on demand).
 *
 * @example
 * mapWorkerArgs('/tmp/p1.job.json', '/repo/dist/main.js') // ['/repo/dist/mapWorker.js', '/tmp/p1.job.json']
 */
export function mapWorkerArgs(jobPath: string, runningFile = __filename): string[] {
  const dir = dirname(runningFile);
  if (runningFile.endsWith('.ts')) return ['--import', pathToFileURL(require.resolve('tsx')).href, join(dir, 'mapWorker.ts'), jobPath];
  const worker = join(dir, 'mapWorker.js');
  if (!existsSync(worker)) throw new Error(`The compiled map worker ${worker} is missing: build it with npm run build:cli.`);
  // A parent that maps its stacks with Node's own source maps has its workers do the same.
  return [...(process.sourceMapsEnabled ? ['--enable-source-maps'] : []), worker, jobPath];
}

/** Runs one map process and parses its last line. */
function runWorker(jobPath: string): Promise<MapOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, mapWorkerArgs(jobPath), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as MapOutput);
        return;
      }
      const last = stderr.trim().split('\n').at(-1);
      reject(new Error(last ? last : `its process ended with ${signal ?? `exit code ${code}`}`));
    });
  });
}
