import { gunzipSync, gzipSync } from 'node:zlib';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { translateSdkError } from '../aws/sdkErrors';
import { RUNS_BY_CREATED } from '../delivery/DynamoRunStore';
import { ConflictError, StoreError } from '../errors';
import {
  HistoryConflictError,
  HistoryDamagedError,
  type FindingState,
  type HistoryRun,
  type HistoryStore,
  type HistoryWriter,
  type BucketRange,
  type PreviousRun,
  type SkippedPrevious,
  type WrittenPart,
} from './HistoryStore';
import { mergeStates, statesOfBuckets } from './stateParts';
import { validateScope } from './validateScope';

/** Raw characters of state lines per chunk item (gzip keeps an item far below 400 KB). */
const CHUNK_CHARS = 512 * 1024;
const KEEP_DAYS = 400;

/**
 * History in the audit-runs table, for Lambda: a run's finding states are
 * stored in key order as gzip chunks (`hist#<scope>#<runId>#<n>`), and the
 * pointer `histhead#<scope>` names the scope's latest completed run; a
 * recorded run is `histrun#<runId>`. Chunks expire (TTL `expiresAt`). A partitioned
 * run keeps its states by diff range (`startPart`): the head lists each part's buckets
 * and chunks, and a diff range of the next run reads only the parts of its buckets.
 * A run record is listed in the table's `byCreatedAt` index under
 * `listKey = histruns#<scope>` (sorted by `createdAt`, the run's end), so the
 * trend reads a scope's last runs with one Query; a run that lost the race to
 * become the latest is taken out of that listing.
 */
export class DynamoHistoryStore implements HistoryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly chunkChars: number = CHUNK_CHARS,
  ) {}

  describe(): string {
    return `DynamoDB table ${this.tableName}`;
  }

  private async send<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (cause) {
      throw translateSdkError(cause, { service: 'DynamoDB', operation, iamAction: `dynamodb:${operation}`, target: `the run history in ${this.tableName}` });
    }
  }

  async previous(scope: string, skipped?: (skip: SkippedPrevious) => void): Promise<PreviousRun | null> {
    validateScope(scope);
    const headKey = `histhead#${scope}`;
    const head = await this.send('GetItem', () => this.client.send(new GetCommand({ TableName: this.tableName, Key: { runId: headKey } })));
    if (!head.Item) return null;
    const { run, chunks } = head.Item as { run?: Partial<HistoryRun>; chunks?: unknown };
    const runId = typeof run?.runId === 'string' && run.runId !== '' ? run.runId : null;
    if (runId === null || typeof chunks !== 'number' || !Number.isInteger(chunks) || chunks < 0) {
      skipped?.({
        reason: `No comparable previous run: the history record ${headKey} in table ${this.tableName} is damaged (${runId === null ? 'no run id' : 'no chunk count'}); this run is compared with none, and the next with this one.`,
        headRunId: runId,
      });
      return null;
    }
    const read = (n: number, part?: number) => this.send('GetItem', () => this.client.send(new GetCommand({ TableName: this.tableName, Key: { runId: chunkId(scope, runId, n, part) } })));
    const tableName = this.tableName;
    // Chunks are read as the diff goes: a damaged one stops the run, with a sentence naming it.
    const chunkStates = async function* (first: number, count: number, part?: number): AsyncGenerator<FindingState> {
      for (let n = first; n < first + count; n += 1) {
        const item = (await read(n, part)).Item;
        if (!item) throw new StoreError(`History chunk ${chunkId(scope, runId, n, part)} of run ${runId} is missing.`);
        let lines: string[];
        try {
          lines = gunzipSync(Buffer.from(item.lines as Uint8Array)).toString('utf8').split('\n');
        } catch (cause) {
          throw new HistoryDamagedError(`History chunk ${chunkId(scope, runId, n, part)} in table ${tableName} is damaged (not gzip).`, { cause });
        }
        for (const [index, line] of lines.entries()) {
          if (!line) continue;
          let state: FindingState;
          try {
            state = JSON.parse(line) as FindingState;
          } catch (cause) {
            throw new HistoryDamagedError(`History chunk ${chunkId(scope, runId, n, part)} in table ${tableName} is damaged (line ${index + 1} is not JSON).`, { cause });
          }
          yield state;
        }
      }
    };
    if (head.Item.parts === undefined) return { run: run as HistoryRun, states: () => chunkStates(0, chunks) };
    const parts = partsOf(head.Item.parts, chunks);
    if (!parts) {
      // Parts that do not add up cannot be read (a part's chunks are under keys of their own): never block the audit.
      skipped?.({
        reason: `No comparable previous run: the history record ${headKey} in table ${this.tableName} is damaged (its parts do not add up to its ${chunks} chunks); this run is compared with none, and the next with this one.`,
        headRunId: runId,
      });
      return null;
    }
    // Kept by diff range: a range reads its own parts; the whole run is its parts merged by key.
    const readPart = (part: StoredPart) => chunkStates(part.first ?? 0, part.count, part.part);
    return {
      run: run as HistoryRun,
      states: () => mergeStates(parts.map(readPart)),
      statesOf: (buckets) => statesOfBuckets(parts, buckets, readPart),
    };
  }

  /**
   * Takes a run that did not become the latest out of the trend's index. Best
   * effort: the head's error is what the caller must hear; should this write
   * fail too, the trend shows that run beside the one that won.
   */
  private async unlist(runId: string): Promise<void> {
    try {
      await this.send('UpdateItem', () =>
        this.client.send(new UpdateCommand({ TableName: this.tableName, Key: { runId: `histrun#${runId}` }, UpdateExpression: 'REMOVE listKey, createdAt' })),
      );
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
    }
  }

  /** One Query on the `byCreatedAt` index, newest first; the index is eventually consistent, as GSIs are. */
  async recentRuns(scope: string, limit: number, skipped?: (reason: string) => void): Promise<HistoryRun[]> {
    validateScope(scope);
    if (limit < 1) return [];
    const result = await this.send('Query', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: RUNS_BY_CREATED,
          KeyConditionExpression: 'listKey = :k',
          ExpressionAttributeValues: { ':k': listKeyOf(scope) },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    const runs: HistoryRun[] = [];
    for (const item of result.Items ?? []) {
      const run = item.run as Partial<HistoryRun> | undefined;
      if (typeof run === 'object' && run !== null && typeof run.runId === 'string' && run.runId !== '') runs.push(run as HistoryRun);
      else skipped?.(`the history record ${String(item.runId)} in table ${this.tableName} is damaged (no run id)`);
    }
    return runs;
  }

  async findRun(runId: string): Promise<HistoryRun | null> {
    const result = await this.send('GetItem', () => this.client.send(new GetCommand({ TableName: this.tableName, Key: { runId: `histrun#${runId}` } })));
    return (result.Item?.run as HistoryRun | undefined) ?? null;
  }

  /**
   * Writes one diff range's states as chunks of their own (`hist#<scope>#<runId>#p<range>#<n>`),
   * read by nobody until the run's commit names them (adoptPart). A retried range writes the same
   * keys again; chunks past the count it answers are never read, and expire.
   *
   * @example
   * const part = await history.writePart('inventory', runId, { index: 3, buckets: bucketsOf(3, 16) }, states); // { index: 3, from: 768, to: 1023, chunks: 41 }
   */
  async writePart(scope: string, runId: string, part: { index: number; buckets: BucketRange }, states: AsyncIterable<FindingState>, signal?: AbortSignal): Promise<WrittenPart> {
    validateScope(scope);
    const chunks = this.chunks(scope, runId, part.index);
    for await (const state of states) {
      signal?.throwIfAborted();
      await chunks.write(state);
    }
    await chunks.flush();
    return { index: part.index, from: part.buckets.from, to: part.buckets.to, chunks: chunks.count };
  }

  /** States written as gzip chunks of `chunkChars` characters, numbered from 0 (under a part's own keys when `part` is given), expiring. */
  private chunks(scope: string, runId: string, part?: number) {
    const expiresAt = Math.floor(Date.now() / 1000) + KEEP_DAYS * 86_400;
    let buffer = '';
    let count = 0;
    const flush = async () => {
      if (buffer === '') return;
      const lines = gzipSync(buffer);
      const id = chunkId(scope, runId, count, part);
      buffer = '';
      count += 1;
      await this.send('PutItem', () => this.client.send(new PutCommand({ TableName: this.tableName, Item: { runId: id, lines, expiresAt } })));
    };
    return {
      write: async (state: FindingState) => {
        buffer += `${JSON.stringify(state)}\n`;
        if (buffer.length >= this.chunkChars) await flush();
      },
      flush,
      /** Chunks written so far. */
      get count() {
        return count;
      },
      clear: () => {
        buffer = '';
      },
    };
  }

  begin(scope: string, runId: string, basisRunId: string | null): HistoryWriter {
    validateScope(scope);
    const chunks = this.chunks(scope, runId);
    /** Chunks of adopted parts (written under their own keys), counted in the head's total. */
    let adopted = 0;
    let parts: PartEntry[] | null = null;
    const addPart = (entry: PartEntry) => {
      const last = parts?.at(-1);
      if (!parts && chunks.count > 0) throw new Error('History parts must start before any state is written.');
      if (last && entry.from <= last.to) throw new Error(`History parts come in bucket order: buckets ${entry.from}–${entry.to} after ${last.from}–${last.to}.`);
      (parts ??= []).push(entry);
    };
    return {
      write: (state) => chunks.write(state),
      // A part starts a chunk of its own, so a range of the next run reads only its parts' chunks.
      startPart: async (buckets) => {
        await chunks.flush();
        addPart({ from: buckets.from, to: buckets.to, first: chunks.count });
      },
      adoptPart: (written) => {
        addPart({ from: written.from, to: written.to, part: written.index, count: written.chunks });
        adopted += written.chunks;
      },
      commit: async (run) => {
        await chunks.flush();
        // Listed for the trend at once (one write); should the head not become this run, the listing is taken back below.
        const listing = { listKey: listKeyOf(scope), createdAt: run.finishedAt };
        await this.send('PutItem', () => this.client.send(new PutCommand({ TableName: this.tableName, Item: { runId: `histrun#${run.runId}`, run, ...listing } })));
        // Compare-and-set: the head must still be the run this one was compared with.
        // With no basis, a head without a run id (damaged, see previous()) may be replaced too.
        const condition =
          basisRunId === null
            ? { ConditionExpression: 'attribute_not_exists(runId) OR attribute_not_exists(#run.#runId)', ExpressionAttributeNames: { '#run': 'run', '#runId': 'runId' } }
            : { ConditionExpression: '#run.#runId = :basis', ExpressionAttributeNames: { '#run': 'run', '#runId': 'runId' }, ExpressionAttributeValues: { ':basis': basisRunId } };
        try {
          await this.send('PutItem', () =>
            this.client.send(new PutCommand({ TableName: this.tableName, Item: { runId: `histhead#${scope}`, run, chunks: chunks.count + adopted, ...(parts ? { parts: storedParts(parts, chunks.count) } : {}) }, ...condition })),
          );
        } catch (error) {
          await this.unlist(run.runId);
          if (!(error instanceof ConflictError)) throw error;
          const head = await this.previous(scope);
          throw new HistoryConflictError(
            `Run ${run.runId} is not the latest of scope ${scope}: run ${head?.run.runId ?? '(unknown)'} of the same scope finished first, so the next run compares with that one.`,
            { cause: error, context: { scope } },
          );
        }
      },
      abort: async () => chunks.clear(),
    };
  }
}

/** The `byCreatedAt` partition that lists a scope's committed runs (the run records use `run`). */
function listKeyOf(scope: string): string {
  return `histruns#${scope}`;
}

/**
 * A part of a run's states as the head keeps it: its buckets and its chunks — `first` of the
 * run's own numbering (written by the committing writer, startPart), or `part`'s own keys from 0
 * (written apart by a diff range's function, writePart) — and how many.
 */
interface StoredPart {
  from: number;
  to: number;
  first?: number;
  part?: number;
  count: number;
}

/** A part as the writer tracks it: numbered chunks have a first and run to the next numbered part's first. */
type PartEntry = { from: number; to: number } & ({ first: number } | { part: number; count: number });

/** The parts as the head records them: a numbered part's chunks run to the next numbered part's first, or the writer's last chunk. */
function storedParts(parts: readonly PartEntry[], chunks: number): StoredPart[] {
  return parts.map((part, index) => {
    if ('part' in part) return part;
    const next = parts.slice(index + 1).find((later): later is PartEntry & { first: number } => 'first' in later);
    return { ...part, count: (next?.first ?? chunks) - part.first };
  });
}

/**
 * The head's parts when they are whole and consistent (in bucket order; the numbered chunks
 * covering 0…, the own-keyed ones each once; all of them `chunks`); null when they do not add up.
 */
function partsOf(value: unknown, chunks: number): StoredPart[] | null {
  if (!Array.isArray(value)) return null;
  let next = 0;
  let total = 0;
  let lastBucket = -1;
  const own = new Set<number>();
  const whole = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  for (const part of value as Partial<StoredPart>[]) {
    const { from, to, first, part: index, count } = part;
    if (![from, to, count].every(whole) || from! <= lastBucket || to! < from!) return null;
    if (index !== undefined) {
      if (!whole(index) || own.has(index) || first !== undefined) return null;
      own.add(index);
    } else {
      if (first !== next) return null;
      next += count!;
    }
    total += count!;
    lastBucket = to!;
  }
  return total === chunks ? (value as StoredPart[]) : null;
}

function chunkId(scope: string, runId: string, n: number, part?: number): string {
  if (part !== undefined) return `hist#${scope}#${runId}#p${String(part).padStart(4, '0')}#${String(n).padStart(6, '0')}`;
  return `hist#${scope}#${runId}#${String(n).padStart(6, '0')}`;
}

