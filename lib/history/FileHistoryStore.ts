import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readLines } from '../inventory/readLines';
import { TextSink } from '../report/formats/TextSink';
import { HistoryConflictError, type FindingState, type HistoryRun, type HistoryStore, type HistoryWriter, type PreviousRun } from './HistoryStore';

const INDEX = 'runs.ndjson';

/**
 * History on disk, for the CLI: per scope, `runs.ndjson` lists completed runs
 * (with their reports' SHA-256) and `<runId>.states.ndjson` holds each run's
 * finding states, one JSON object per line, sorted by key.
 *
 * @example
 * const history = new FileHistoryStore('reports/history');
 */
export class FileHistoryStore implements HistoryStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  describe(): string {
    return this.root;
  }

  private scopeDir(scope: string): string {
    return join(this.root, encodeURIComponent(scope));
  }

  private async runs(dir: string): Promise<HistoryRun[]> {
    const path = join(dir, INDEX);
    if (!existsSync(path)) return [];
    return (await readFile(path, 'utf8'))
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as HistoryRun);
  }

  async previous(scope: string): Promise<PreviousRun | null> {
    const dir = this.scopeDir(scope);
    const runs = await this.runs(dir);
    const run = runs.at(-1);
    if (!run) return null;
    const path = join(dir, `${run.runId}.states.ndjson`);
    return {
      run,
      states: async function* () {
        for await (const line of readLines(path)) if (line) yield JSON.parse(line) as FindingState;
      },
    };
  }

  async findRun(runId: string): Promise<HistoryRun | null> {
    if (!existsSync(this.root)) return null;
    for (const scope of await readdir(this.root)) {
      const found = (await this.runs(join(this.root, scope))).find((run) => run.runId === runId);
      if (found) return found;
    }
    return null;
  }

  begin(scope: string, runId: string, basisRunId: string | null): HistoryWriter {
    const dir = this.scopeDir(scope);
    const final = join(dir, `${runId}.states.ndjson`);
    const partial = `${final}.partial`;
    let sink: TextSink | null = null;
    const open = async () => {
      if (!sink) {
        await mkdir(dir, { recursive: true });
        sink = new TextSink(partial);
      }
      return sink;
    };
    const latest = async () => (await this.runs(dir)).at(-1)?.runId ?? null;
    return {
      async write(state) {
        await (await open()).write(`${JSON.stringify(state)}\n`);
      },
      async commit(run) {
        await (await open()).close();
        const head = await latest();
        if (head !== basisRunId) {
          await rm(partial, { force: true });
          throw new HistoryConflictError(
            `Run ${run.runId} is not the latest of scope ${scope}: run ${head} of the same scope finished first, so the next run compares with that one.`,
          );
        }
        await rename(partial, final);
        await appendFile(join(dir, INDEX), `${JSON.stringify(run)}\n`);
      },
      async abort() {
        sink?.destroy();
        await rm(partial, { force: true });
      },
    };
  }
}
