import { createWriteStream } from 'node:fs';
import { open, rename, rm, stat, truncate } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { readFileChunks } from '../../fileChunks';
import type { ReportHead } from '../ReportModel';
import type { FinishedReports, ReportAssembly, ReportFormat } from './ReportFormat';
import { toJsonLine } from '../FindingSorter';
import { PartFile } from './PartFile';
import { TextSink } from './TextSink';

/** Space kept for the head beyond what its first draft needs; counts may still grow a digit or two. */
const HEAD_SLACK = 4096;
const MIN_HEAD_SPACE = 64 * 1024;

function renderHead(head: ReportHead): string {
  const { schemaVersion, run, summary, ...sections } = head;
  const rest = Object.entries(sections).map(([name, value]) => `\n${JSON.stringify(name)}:${JSON.stringify(value)},`).join('');
  return `{"schemaVersion":${JSON.stringify(schemaVersion)},\n"run":${JSON.stringify(run)},\n"summary":${JSON.stringify(summary)},${rest}`;
}
const FINDINGS_OPEN = '\n"findings":[\n';

/** The bytes reserved for the head before the findings, from the head as known when they start. */
function headSpace(draft: ReportHead | null): number {
  return Math.max(MIN_HEAD_SPACE, (draft ? Buffer.byteLength(renderHead(draft), 'utf8') : 0) + HEAD_SLACK);
}

/**
 * The final head as the file holds it: padded with spaces to exactly `space` bytes
 * when it fits there, or as it is (longer than `space`) when it outgrew it.
 */
function placedHead(head: ReportHead, space: number): Buffer {
  const bytes = Buffer.from(renderHead(head), 'utf8');
  return bytes.length <= space ? Buffer.concat([bytes, Buffer.alloc(space - bytes.length, ' ')]) : bytes;
}

/** Everything after the last finding line: the findings' closing, the resolved findings, the end. */
async function writeTail(sink: TextSink, finished: FinishedReports): Promise<void> {
  await sink.write('\n],\n"resolved":[');
  let firstResolved = true;
  for await (const entry of finished.resolved()) {
    await sink.write(`${firstResolved ? '\n' : ',\n'}${toJsonLine(entry)}`);
    firstResolved = false;
  }
  await sink.write('\n]}\n');
}

/** Writes the final head over the reserved space, or rebuilds the file once behind a head that outgrew it. */
async function putHead(partialPath: string, head: ReportHead, space: number): Promise<void> {
  const placed = placedHead(head, space);
  if (placed.length === space) {
    const handle = await open(partialPath, 'r+');
    try {
      await handle.write(placed, 0, space, 0);
    } finally {
      await handle.close();
    }
    return;
  }
  const rebuilt = `${partialPath}.rebuild`;
  const out = createWriteStream(rebuilt);
  out.write(placed);
  await pipeline(readFileChunks(partialPath, { start: space }), out);
  await rename(rebuilt, partialPath);
}

/**
 * The same bytes as the writer's, in parts: every finding is "line,\n" (the last one's ",\n" cut
 * by the reduce), as writeAll() writes them; the head is what finish() leaves before the first line.
 */
const jsonAssembly: ReportAssembly = {
  createPart(path) {
    const file = new PartFile(path);
    return {
      write: (record) => file.sink.write(`${record.line},\n`),
      close: async () => ({ bytes: await file.close() }),
      abort: () => file.abort(),
    };
  },
  trimLast: 2,
  head(draft, head) {
    return Buffer.concat([placedHead(head, headSpace(draft)), Buffer.from(FINDINGS_OPEN, 'utf8')]);
  },
  writeTail(path, _head, finished) {
    return PartFile.write(path, (sink) => writeTail(sink, finished));
  },
};

/**
 * The JSON report (docs/semantics.md#json-report; schema in templates/report.schema.json).
 * The head (run, summary) comes first for the reader, but is known only at the
 * end: the writer reserves padded space for it, streams the findings after it,
 * one per line, and writes the final head into that space (JSON allows the
 * padding whitespace). Should the head outgrow its space, the file is rebuilt
 * once with a copy. Memory never holds the findings.
 */
export const jsonFormat: ReportFormat = {
  extension: 'json',
  contentType: 'application/json',
  description: "the contract's report: the run, the summary and every finding",
  attachRank: 3,
  create(path, draft) {
    const partialPath = `${path}.partial`;
    const space = headSpace(draft);
    let sink: TextSink | null = null;
    const body = () => (sink ??= new TextSink(partialPath));
    let started = false;
    let first = true;
    return {
      async write(record) {
        if (!started) {
          await body().write(`${' '.repeat(space)}${FINDINGS_OPEN}`);
          started = true;
        }
        await body().write(first ? record.line : `,\n${record.line}`);
        first = false;
      },
      async writeAll(findings) {
        // The same bytes as write(): the head's space, the opening, then "line,\n" per finding, the last ",\n" cut.
        const written = await findings.copyLines(partialPath, { before: [' '.repeat(space), FINDINGS_OPEN.trim()], suffix: ',' });
        if (written > 0) await truncate(partialPath, (await stat(partialPath)).size - 2);
        sink = new TextSink(partialPath, 'a');
        started = true;
      },
      async finish(head, finished) {
        if (!started) await body().write(`${' '.repeat(space)}${FINDINGS_OPEN}`);
        await writeTail(body(), finished);
        await body().close();
        await putHead(partialPath, head, space);
        await rename(partialPath, path);
      },
      async abort() {
        await sink?.destroy();
        await Promise.all([rm(partialPath, { force: true }), rm(`${partialPath}.rebuild`, { force: true })]);
      },
    };
  },
  assembly: jsonAssembly,
};
