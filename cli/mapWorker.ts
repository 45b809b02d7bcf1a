/**
 * One map step of a partitioned CLI run, as a process of its own (started by
 * cli/runMapProcesses.ts with a job file): read and evaluate one partition, write
 * its lines, print its result and peak RSS as the last line. An error is
 * printed as one line to stderr, with exit status 1. The compiled CLI starts
 * its compiled copy, dist/mapWorker.js (cli/build.mjs); the sources, this file under tsx.
 */
import { readFileSync } from 'node:fs';
import { loadCatalog } from '../lib/catalog/loadCatalog';
import { compileWaivers } from '../lib/engine/waivers';
import { DynamoInventorySource } from '../lib/inventory/DynamoInventorySource';
import { FileInventorySource } from '../lib/inventory/FileInventorySource';
import { createDocumentClient, InventoryTable } from '../lib/inventory/InventoryTable';
import type { InventorySource } from '../lib/inventory/InventorySource';
import { mapPartition } from '../lib/partitioned/mapPartition';
import type { MapJob, MapOutput } from './runMapProcesses';

async function work(job: MapJob): Promise<MapOutput> {
  const { source, task } = job;
  let table: InventoryTable | null = null;
  let partitionSource: InventorySource;
  if ('inventory' in source) {
    const file = new FileInventorySource(source.inventory, source.snapshotId === null ? {} : { snapshotId: source.snapshotId });
    await file.open();
    partitionSource = file.partition(task.partition.spec);
  } else {
    table = new InventoryTable({ client: createDocumentClient({ endpoint: source.endpoint, region: source.region }), tableName: source.table });
    partitionSource = DynamoInventorySource.forPartition(table, source.snapshotId, task.partition.spec);
  }
  try {
    const result = await mapPartition({
      partition: task.partition,
      source: partitionSource,
      catalog: loadCatalog(job.policies),
      engine: { graceDays: job.graceDays, waivers: compileWaivers(job.waivers), capturedNotAfterMs: task.capturedNotAfterMs },
      engineKind: job.engineKind,
      duck: job.duck,
      snapshotId: task.snapshotId,
      linesPath: task.linesPath,
      diffRanges: task.diffRanges,
      forecastDays: task.forecastDays,
    });
    return { result, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  } finally {
    table?.client.destroy();
  }
}

work(JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as MapJob).then(
  (output) => process.stdout.write(`${JSON.stringify(output)}\n`),
  (error: unknown) => {
    process.stderr.write(`${((error as Error).message ?? String(error)).replace(/\s+/g, ' ')}\n`);
    process.exitCode = 1;
  },
);
