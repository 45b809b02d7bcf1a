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
  type PreviousRun,
  type SkippedPrevious,
} from './HistoryStore';
import { validateScope } from './validateScope';

/** Raw characters of state lines per chunk item (gzip keeps an item far below 400 KB). */
const CHUNK_CHARS = 512 * 1024;
const KEEP_DAYS = 400;

/**
 * History in the audit-runs table, for Lambda: a run's finding states are
 * stored in key order as gzip chunks (`hist#<scope>#<runId>#<n>`), and the
 * pointer `histhead#<scope>` names the scope's latest completed run; a
 * recorded run is `histrun#<runId>`. Chunks expire (TTL `expiresAt`).
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
    const read = (n: number) => this.send('GetItem', () => this.client.send(new GetCommand({ TableName: this.tableName, Key: { runId: chunkId(scope, runId, n) } })));
    const tableName = this.tableName;
    return {
      run: run as HistoryRun,
      // Chunks are read as the diff goes: a damaged one stops the run, with a sentence naming it.
      states: async function* () {
        for (let n = 0; n < chunks; n += 1) {
          const item = (await read(n)).Item;
          if (!item) throw new StoreError(`History chunk ${n} of run ${runId} is missing.`);
          let lines: string[];
          try {
            lines = gunzipSync(Buffer.from(item.lines as Uint8Array)).toString('utf8').split('\n');
          } catch (cause) {
            throw new HistoryDamagedError(`History chunk ${chunkId(scope, runId, n)} in table ${tableName} is damaged (not gzip).`, { cause });
          }
          for (const [index, line] of lines.entries()) {
            if (!line) continue;
            let state: FindingState;
            try {
              state = JSON.parse(line) as FindingState;
            } catch (cause) {
              throw new HistoryDamagedError(`History chunk ${chunkId(scope, runId, n)} in table ${tableName} is damaged (line ${index + 1} is not JSON).`, { cause });
            }
            yield state;
          }
        }
      },
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

  begin(scope: string, runId: string, basisRunId: string | null): HistoryWriter {
    validateScope(scope);
    let buffer = '';
    let chunks = 0;
    const expiresAt = Math.floor(Date.now() / 1000) + KEEP_DAYS * 86_400;
    const flush = async () => {
      if (buffer === '') return;
      const lines = gzipSync(buffer);
      const id = chunkId(scope, runId, chunks);
      buffer = '';
      chunks += 1;
      await this.send('PutItem', () => this.client.send(new PutCommand({ TableName: this.tableName, Item: { runId: id, lines, expiresAt } })));
    };
    return {
      write: async (state) => {
        buffer += `${JSON.stringify(state)}\n`;
        if (buffer.length >= this.chunkChars) await flush();
      },
      commit: async (run) => {
        await flush();
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
            this.client.send(new PutCommand({ TableName: this.tableName, Item: { runId: `histhead#${scope}`, run, chunks }, ...condition })),
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
      abort: async () => {
        buffer = '';
      },
    };
  }
}

/** The `byCreatedAt` partition that lists a scope's committed runs (the run records use `run`). */
function listKeyOf(scope: string): string {
  return `histruns#${scope}`;
}

function chunkId(scope: string, runId: string, n: number): string {
  return `hist#${scope}#${runId}#${String(n).padStart(6, '0')}`;
}

