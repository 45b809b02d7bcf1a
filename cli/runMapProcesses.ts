/**
 * The map steps of a partitioned CLI run (`run --partitions N`) as processes of
 * their own, a few at a time: each reads and evaluates one partition
 * (cli/mapWorker.ts) as a map child does in AWS, and hands its result back on
 * its last line of output. A process that fails is a failed partition: the run
 * is then incomplete, and says which.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EngineKind } from '../lib/audit/evaluateEntries';
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
  engineKind: EngineKind;
  duck: DuckOptions;
  digest: boolean;
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

/** Runs cli/mapWorker.ts under the same Node, with tsx's loader (as `npm start` runs the CLI), and parses its last line. */
function runWorker(jobPath: string): Promise<MapOutput> {
  return new Promise((resolve, reject) => {
    // tsx's loader for require and import() both (the SQL engine is imported on demand).
    const child = spawn(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, join(__dirname, 'mapWorker.ts'), jobPath], { stdio: ['ignore', 'pipe', 'pipe'] });
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
