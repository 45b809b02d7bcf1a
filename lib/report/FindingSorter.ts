import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Finding } from '../model';

interface Keyed {
  key: string;
  seq: number;
  finding: Finding;
}

const compare = (a: Keyed, b: Keyed) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.seq - b.seq);

export interface FindingSorterOptions {
  /** Findings held in memory before a sorted run is spilled to disk. */
  chunkSize: number;
  tmpRoot?: string;
}

/**
 * Puts findings in the report's stable order (itemId, then input order)
 * whatever order the source produced them in (parallel Scan segments, files),
 * with bounded memory: an external merge sort that spills sorted runs of
 * `chunkSize` findings to a temporary folder and merges them at the end.
 *
 * @example
 * const sorter = new FindingSorter({ chunkSize: 50_000 });
 * await sorter.add(finding);
 * for await (const f of sorter.sorted()) write(f);
 */
export class FindingSorter {
  private chunk: Keyed[] = [];
  private runs: string[] = [];
  private dir: string | null = null;
  private seq = 0;
  private inOrder = true;
  private last: Keyed | null = null;

  constructor(private readonly options: FindingSorterOptions) {}

  async add(finding: Finding): Promise<void> {
    const keyed = { key: finding.itemId ?? '', seq: this.seq++, finding };
    if (this.last && compare(this.last, keyed) > 0) this.inOrder = false;
    this.last = keyed;
    this.chunk.push(keyed);
    if (this.chunk.length >= this.options.chunkSize) await this.spill();
  }

  private async spill(): Promise<void> {
    if (!this.inOrder) this.chunk.sort(compare);
    this.dir ??= await mkdtemp(join(this.options.tmpRoot ?? tmpdir(), 'retention-auditor-sort-'));
    const path = join(this.dir, `run-${this.runs.length}.ndjson`);
    let text = '';
    for (const { key, seq, finding } of this.chunk) text += `${JSON.stringify([key, seq, finding])}\n`;
    await writeFile(path, text);
    this.runs.push(path);
    this.chunk = [];
  }

  /** The findings in order; call once, after the last `add`. */
  async *sorted(): AsyncGenerator<Finding> {
    try {
      if (this.runs.length === 0) {
        if (!this.inOrder) this.chunk.sort(compare);
        for (const keyed of this.chunk) yield keyed.finding;
        return;
      }
      if (this.chunk.length > 0) await this.spill();
      const heads = this.runs.map((path) => readRun(path));
      const current: (Keyed | undefined)[] = await Promise.all(heads.map(async (run) => (await run.next()).value));
      for (;;) {
        let best = -1;
        for (let i = 0; i < current.length; i += 1) {
          const candidate = current[i];
          if (candidate && (best < 0 || compare(candidate, current[best]!) < 0)) best = i;
        }
        if (best < 0) return;
        yield current[best]!.finding;
        current[best] = (await heads[best]!.next()).value;
      }
    } finally {
      await this.cleanup();
    }
  }

  async cleanup(): Promise<void> {
    this.chunk = [];
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}

async function* readRun(path: string): AsyncGenerator<Keyed, undefined> {
  const lines = createInterface({ input: createReadStream(path, { highWaterMark: 1 << 20 }), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    const [key, seq, finding] = JSON.parse(line) as [string, number, Finding];
    yield { key, seq, finding };
  }
  return undefined;
}
