import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat, truncate } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { ReportHead } from '../ReportModel';
import type { ReportFormat } from './ReportFormat';
import { toJsonLine } from '../FindingSorter';
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
    const space = Math.max(MIN_HEAD_SPACE, (draft ? renderHead(draft).length : 0) + HEAD_SLACK);
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
        await body().write('\n],\n"resolved":[');
        let firstResolved = true;
        for await (const entry of finished.resolved()) {
          await body().write(`${firstResolved ? '\n' : ',\n'}${toJsonLine(entry)}`);
          firstResolved = false;
        }
        await body().write('\n]}\n');
        await body().close();
        const text = renderHead(head);
        const bytes = Buffer.from(text, 'utf8');
        if (bytes.length <= space) {
          const handle = await open(partialPath, 'r+');
          try {
            await handle.write(Buffer.concat([bytes, Buffer.alloc(space - bytes.length, ' ')]), 0, space, 0);
          } finally {
            await handle.close();
          }
        } else {
          const rebuilt = `${partialPath}.rebuild`;
          const out = createWriteStream(rebuilt);
          out.write(bytes);
          await pipeline(createReadStream(partialPath, { start: space }), out);
          await rename(rebuilt, partialPath);
        }
        await rename(partialPath, path);
      },
      async abort() {
        await sink?.destroy();
        await Promise.all([rm(partialPath, { force: true }), rm(`${partialPath}.rebuild`, { force: true })]);
      },
    };
  },
};
